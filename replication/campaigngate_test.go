package replication

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestLoadingNodeDoesNotCampaign: a rolling restart's bad case. A follower
// restarted with a snapshot of its own that loads for over an hour
// (crawlSnapshots), its log as up to date as anyone's; then the leader
// stops. The other follower's timers are almost five times faster, so it is a
// candidate first and its pre-vote is refused by the loading node, which
// still has a leader (raft refuses pre-votes then); when the loading
// node's timer fires, the other grants its pre-vote and vote (it has no
// leader, and the logs are equal). Without the gate the loading node wins
// that way and then answers nothing until loaded. With the gate it refuses
// its own pre-votes, never becomes leader, and the other follower is
// elected at its next try and takes writes.
func TestLoadingNodeDoesNotCampaign(t *testing.T) {
	c, arm := startCrawlCluster(t, func(cfg *Config) {
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 1400*time.Millisecond, 1400*time.Millisecond, 300*time.Millisecond
	})
	l := c.leader()
	fs := c.followers(l)
	lag := fs[0]
	for i := 0; i < 2000; i++ {
		c.set(fmt.Sprint("k", i), strings.Repeat("v", 100))
	}
	waitFor(t, "the follower to apply the writes", func() bool { return c.nodes[lag].AppliedIndex() >= l.AppliedIndex() })
	if err := c.nodes[lag].TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	own := c.nodes[lag].AppliedIndex()
	c.stop(lag)
	arm.node.Store(int64(lag))
	arm.upTo.Store(own)
	c.start(lag, nil, false)
	n := c.nodes[lag]
	if !n.Loading() {
		t.Fatal("the restarted follower is not loading its own snapshot")
	}
	c.set("after-restart", "1")
	waitFor(t, "the loading follower's log to catch up", func() bool {
		return n.raft.LastIndex() >= l.raft.LastIndex()
	})

	// The leader now (it may have changed under load) and the other.
	l = c.leader()
	if l == n {
		t.Fatal("the loading node is leader")
	}
	var o *Node
	for _, i := range c.followers(l) {
		if c.nodes[i] != n {
			o = c.nodes[i]
		}
	}
	rc := o.raft.ReloadableConfig()
	rc.HeartbeatTimeout, rc.ElectionTimeout = 300*time.Millisecond, 300*time.Millisecond
	if err := o.raft.ReloadConfig(rc); err != nil {
		t.Fatal(err)
	}
	c.stop(nodeIndex(c, l))
	deadline := time.Now().Add(waitForLimit)
	for !o.IsLeader() {
		if n.raft.State() == raft.Leader {
			t.Fatalf("the loading node became leader (term %d)", n.raft.CurrentTerm())
		}
		if time.Now().After(deadline) {
			t.Fatalf("no leader within %v; loading node %v, other %v", waitForLimit, n.raft.State(), o.raft.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := do(o, "SET", "after-failover", "1"); got != "+OK\r\n" {
		t.Fatalf("SET on the new leader: %q", got)
	}
	if !n.Loading() {
		t.Fatal("the own snapshot finished loading: the test did not hold it")
	}
	if n.campaign.refused.Load() == 0 {
		t.Fatal("the loading node never asked for a pre-vote: its election timer did not fire")
	}
	// It follows the new leader: its log gets the write.
	waitFor(t, "the loading node to receive the new leader's entries", func() bool {
		return n.raft.LastIndex() >= o.raft.LastIndex()
	})
}
