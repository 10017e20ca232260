package replication

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// heartbeatCounter is the TCP transport counting the heartbeats raft sends
// (VerifyLeader sends one to every follower).
type heartbeatCounter struct {
	tcpTransport
	n *atomic.Int64
}

func (h heartbeatCounter) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if len(args.Entries) == 0 && args.PrevLogEntry == 0 && args.LeaderCommitIndex == 0 {
		h.n.Add(1)
	}
	return h.tcpTransport.AppendEntries(id, target, args, resp)
}

// vouchCluster starts n nodes whose raft timer sends heartbeats only every
// 100-200 ms, so that a burst of reads shows whether each took a quorum
// round; heartbeats[i] counts node i's.
func vouchCluster(t *testing.T, n int) (*cluster, []*atomic.Int64) {
	counts := make([]*atomic.Int64, n)
	for i := range counts {
		counts[i] = &atomic.Int64{}
	}
	c := startClusterWith(t, n, false, func(cfg *Config) {
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.Transport = heartbeatCounter{tcpTransport: cfg.Transport.(tcpTransport), n: counts[i]}
	})
	return c, counts
}

// vouchedReads runs reads forwarded by member from with term on leader l
// and returns the heartbeats l sent meanwhile.
func vouchedReads(t *testing.T, l *Node, hb *atomic.Int64, reads int, from string, term uint64) int64 {
	t.Helper()
	payload := EncodeForward([]*kv.Cmd{{Args: [][]byte{[]byte("GET"), []byte("k")}, Proto: 2}})
	before := hb.Load()
	for i := 0; i < reads; i++ {
		got, err := l.HandleForwardVouched(context.Background(), payload, from, term)
		if err != nil || string(got) != "$1\r\nv\r\n" {
			t.Fatalf("read %d (from %s, term %d): got %q, %v", i, from, term, got, err)
		}
	}
	return hb.Load() - before
}

func indexOf(c *cluster, n *Node) int {
	for i, m := range c.nodes {
		if m == n {
			return i
		}
	}
	return -1
}

// TestVouchedReadsSkipTheQuorumRound: with three voters, reads a follower
// forwarded in the leader's term are served without a VerifyLeader round;
// with a stale term, from the leader itself or from an unknown member they
// take the round.
func TestVouchedReadsSkipTheQuorumRound(t *testing.T) {
	c, hb := vouchCluster(t, 3)
	c.set("k", "v")
	l := c.leader()
	li := indexOf(c, l)
	follower := fmt.Sprint("n", (li+1)%3)
	const reads = 40
	term := l.raft.CurrentTerm()
	// Timer heartbeats (2 every 100-200 ms) still go out meanwhile.
	start := time.Now()
	got := vouchedReads(t, l, hb[li], reads, follower, term)
	timer := 2 * (time.Since(start)/(100*time.Millisecond) + 1)
	if l.raft.CurrentTerm() != term {
		t.Skip("leadership changed during the test (loaded machine)")
	}
	if got > int64(timer) || got >= reads {
		t.Errorf("vouched reads: %d heartbeats for %d reads, want at most the timer's %d", got, reads, timer)
	}
	for _, tc := range []struct {
		name, from string
		term       uint64
	}{
		{"stale term", follower, term - 1},
		{"from the leader", l.cfg.ID, term},
		{"unknown member", "n9", term},
	} {
		// A round sends each follower a heartbeat, but one still in flight
		// from the round before may answer for it: count half.
		if got := vouchedReads(t, l, hb[li], reads, tc.from, tc.term); got < reads/2 {
			t.Errorf("%s: %d heartbeats for %d reads, want >= %d (a round each)", tc.name, got, reads, reads/2)
		}
	}
}

// TestVouchedReadsNeedAMajorityPair: with five voters a follower and the
// leader are no majority, so forwarded reads take the round.
func TestVouchedReadsNeedAMajorityPair(t *testing.T) {
	c, hb := vouchCluster(t, 5)
	c.set("k", "v")
	l := c.leader()
	li := indexOf(c, l)
	const reads = 20
	if got := vouchedReads(t, l, hb[li], reads, fmt.Sprint("n", (li+1)%5), l.raft.CurrentTerm()); got < reads {
		t.Errorf("%d heartbeats for %d reads, want >= %d (a round each)", got, reads, reads)
	}
}

// TestVouchedReadsOnAFollowerAreRefused: a node that does not lead refuses
// a vouched batch definitely, whatever the term.
func TestVouchedReadsOnAFollowerAreRefused(t *testing.T) {
	c, _ := vouchCluster(t, 3)
	c.set("k", "v")
	l := c.leader()
	payload := EncodeForward([]*kv.Cmd{{Args: [][]byte{[]byte("GET"), []byte("k")}, Proto: 2}})
	for _, n := range c.nodes {
		if n == l {
			continue
		}
		got, err := n.HandleForwardVouched(context.Background(), payload, l.cfg.ID, l.raft.CurrentTerm())
		if n.IsLeader() {
			continue // leadership moved meanwhile
		}
		if err != nil || !strings.HasPrefix(string(got), "-NOTLEADER") && !strings.HasPrefix(string(got), "-CLUSTERDOWN") {
			t.Errorf("%s: got %q, %v; want a definite refusal", n.cfg.ID, got, err)
		}
	}
}
