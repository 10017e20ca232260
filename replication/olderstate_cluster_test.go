package replication

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// ackLoss delivers every AppendEntries but, while victim is set, reports
// those carrying entries that the victim accepted as failed, as replies
// that timed out: the victim takes the entries, and its leader believes it
// is still behind. (A rejection gets through, so that a leader whose
// first probe missed steps back as usual.)
type ackLoss struct {
	unpipelined // restore_replylost_test.go
	mu          sync.Mutex
	victim      raft.ServerID
	lost        int
}

func (a *ackLoss) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if err := a.Transport.AppendEntries(id, target, args, resp); err != nil || len(args.Entries) == 0 || !resp.Success {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if id != a.victim {
		return nil
	}
	a.lost++
	return errReplyLost
}

// TestFollowerAheadOfLeaderSnapshot reproduces the compaction variant of
// the snapshot-boundary trap (olderstate.go): a follower takes entries
// whose acknowledgements are lost, applies them, snapshots and compacts its
// log; its leader, still believing it behind, steps back past the
// follower's log and sends its own, older snapshot. The follower must
// refuse it, the leader must answer with a new snapshot, and the follower
// must go on applying. Before the refusal raft installed the older
// snapshot, set the follower's applied index back, and either rejected
// every later append (the follower never applied another write: this test
// timed out) or panicked re-applying compacted entries (replication/sim,
// seed 100).
func TestFollowerAheadOfLeaderSnapshot(t *testing.T) {
	var losses []*ackLoss
	logs := &lockedLog{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("raft logs:\n%s", logs.String())
		}
	})
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		cfg.LogOutput = logs.prefixed(cfg.ID)
		cfg.TrailingLogs = 2
		// One leader for the whole test on a loaded machine: a new one
		// would start from its own last index and never step back.
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
		cfg.SnapshotThreshold = 1 << 30 // snapshots only when the test asks
		a := &ackLoss{unpipelined: unpipelined{cfg.Transport}}
		losses = append(losses, a)
		cfg.Transport = a
	})
	setVictim := func(id raft.ServerID) {
		for _, a := range losses {
			a.mu.Lock()
			a.victim = id
			a.mu.Unlock()
		}
	}
	l := c.leader()
	for i := 0; i < 10; i++ {
		c.set(fmt.Sprint("k", i), "v")
	}
	if err := l.raft.Snapshot().Error(); err != nil {
		t.Fatalf("leader snapshot: %v", err)
	}
	var f *Node
	for _, n := range c.nodes {
		if n != l {
			f = n
			break
		}
	}
	setVictim(raft.ServerID(f.cfg.ID))
	for i := 10; i < 40; i++ {
		c.set(fmt.Sprint("k", i), "v")
	}
	waitApplied(t, f, l.AppliedIndex())
	if err := f.raft.Snapshot().Error(); err != nil {
		t.Fatalf("follower snapshot: %v", err)
	}
	first, _ := f.logs.FirstIndex()
	t.Logf("follower %s applied %d, compacted its log to start at %d; leader's snapshot is older", f.cfg.ID, f.AppliedIndex(), first)
	setVictim("")
	c.set("after", "v")
	waitApplied(t, f, l.AppliedIndex())
	if got := do(f, "GET", "after"); got != "$1\r\nv\r\n" && got[0] != '-' {
		t.Fatalf("GET after on the follower: %q", got)
	}
	if n := l.snapshotRetakes.Load(); n == 0 {
		t.Fatal("the leader took no snapshot for a refusal: the test did not exercise the older snapshot")
	}
	t.Logf("leader retook %d snapshot(s) after refusals", l.snapshotRetakes.Load())
}

// lockedLog collects the nodes' logs for a failing test.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

type prefixedLog struct {
	l  *lockedLog
	id string
}

func (l *lockedLog) prefixed(id string) io.Writer { return prefixedLog{l, id} }

func (p prefixedLog) Write(b []byte) (int, error) {
	p.l.mu.Lock()
	defer p.l.mu.Unlock()
	p.l.b.WriteString(p.id + " " + string(b))
	return len(b), nil
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitApplied waits up to 20 s for n to apply index idx.
func waitApplied(t *testing.T, n *Node, idx uint64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for n.AppliedIndex() < idx {
		if time.Now().After(deadline) {
			t.Fatalf("%s applied %d, not %d, after 20s (raft: %v)", n.cfg.ID, n.AppliedIndex(), idx, n.raft.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
