package replication

import (
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
	n, l := restartLoading(t, c, arm)
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
