package replication

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// snapshotNodes returns the current node list (safe to read from another
// goroutine while the test only appends).
func (c *cluster) snapshotNodes() []*Node {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Node(nil), c.nodes...)
}

// addNode starts node n<idx> without bootstrap and returns its transport address.
func (c *cluster) addNode() int {
	c.t.Helper()
	tr, err := NewTCPTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.nodes = append(c.nodes, nil)
	c.addrs = append(c.addrs, string(tr.LocalAddr()))
	c.dirs = append(c.dirs, c.t.TempDir())
	i := len(c.nodes) - 1
	c.mu.Unlock()
	c.start(i, tr, false)
	return i
}

func (c *cluster) voters(n *Node) map[string]bool {
	c.t.Helper()
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		c.t.Fatal(err)
	}
	out := map[string]bool{}
	for _, s := range cf.Configuration().Servers {
		out[string(s.ID)] = s.Suffrage == raft.Voter
	}
	return out
}

// waitForLimit bounds waitFor. It must exceed hashicorp/raft's longest
// replication backoff: a leader whose appends to a follower failed 12 times
// or more (the follower was down while entries were written) waits
// 10ms * 2^10 = 10.24 s before its next attempt, so a restarted follower
// can hear from the leader's replication more than 10 s after it is back.
const waitForLimit = 30 * time.Second

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitForLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAddAndRemoveMemberUnderLoad(t *testing.T) {
	// 1 s timers: at load 16-23 the default 150 ms ones changed leaders in
	// the middle of AddMember ("leadership lost while committing log").
	c := startClusterWith(t, 3, true, slowTimers)
	l := c.leader()
	stop := make(chan struct{})
	done := make(chan int)
	go func() { // a write load throughout the membership changes
		n := 0
		for {
			select {
			case <-stop:
				done <- n
				return
			default:
			}
			for _, nd := range c.snapshotNodes() {
				if nd != nil && nd.IsLeader() {
					if r := do(nd, "INCR", "load"); len(r) > 0 && r[0] == ':' {
						n++
					}
					break
				}
			}
		}
	}()
	i := c.addNode()
	if err := l.AddMember(context.Background(), fmt.Sprint("n", i), c.addrs[i], ""); err != nil {
		t.Fatal(err)
	}
	if !c.voters(l)[fmt.Sprint("n", i)] {
		t.Fatal("new node is not a voter")
	}
	waitFor(t, "new node to apply", func() bool { return c.nodes[i].AppliedIndex() >= l.AppliedIndex() })
	// On a loaded machine the leader can lose its quorum under the write
	// load; a removal refused or left unknown then is asked again of the
	// next leader, until the configuration no longer holds n1.
	if err := l.RemoveMember("n1"); err != nil && l.raft.State() == raft.Leader {
		t.Fatal(err)
	}
	waitFor(t, "n1 to leave the configuration", func() bool {
		l := c.leader()
		if _, ok := c.voters(l)["n1"]; !ok {
			return true
		}
		if err := l.RemoveMember("n1"); err != nil {
			t.Logf("RemoveMember n1 on %s: %v", l.cfg.ID, err)
		}
		return false
	})
	close(stop)
	writes := <-done
	t.Logf("%d writes during the changes", writes)
	c.set("after", "1")
}

func TestLeadershipTransfer(t *testing.T) {
	c := startCluster(t, 3, false)
	l := c.leader()
	var target string
	for _, n := range c.nodes {
		if n != l {
			target = n.cfg.ID
			break
		}
	}
	if err := l.TransferLeadership(target); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "transfer", func() bool {
		for _, n := range c.nodes {
			if n.IsLeader() {
				return n.cfg.ID == target
			}
		}
		return false
	})
	c.set("x", "1")
}

func TestLaggingFollowerCatchesUpBySnapshot(t *testing.T) {
	c := startClusterWith(t, 3, true, func(cfg *Config) { cfg.TrailingLogs = 5 })
	l := c.leader()
	// Stop a follower, write, snapshot and compact, restart it.
	var lag int
	for i, n := range c.nodes {
		if n != l {
			lag = i
			break
		}
	}
	c.nodes[lag].Close()
	c.nodes[lag] = nil
	for i := 0; i < 200; i++ {
		c.set(fmt.Sprint("k", i), fmt.Sprint(i))
	}
	if err := l.TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	// The cluster keeps only a few trailing logs (c.trailing), so the
	// snapshots below compact what the stopped follower missed.
	for i := 200; i < 210; i++ {
		c.set(fmt.Sprint("k", i), fmt.Sprint(i))
	}
	if err := l.TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	first, _ := l.logs.FirstIndex()
	if first <= 2 {
		t.Fatalf("log not compacted: first index %d", first)
	}
	c.start(lag, nil, false)
	n := c.nodes[lag]
	waitFor(t, "lagging follower to catch up", func() bool { return n.AppliedIndex() >= l.AppliedIndex() })
	var got string
	n.fsm.Read(func(m *kvMachine) { got = execOn(m, "GET", "k150") })
	if got != "$3\r\n150\r\n" {
		t.Fatalf("after InstallSnapshot: GET k150 = %q", got)
	}
}
