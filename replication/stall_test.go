package replication

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// rejectedBy makes every AppendEntries to the node named victim fail its
// previous-entry check (a previous index far past the victim's log), as a
// follower wedged at the snapshot boundary does, while the victim still
// learns who the leader is from each request.
type rejectedBy struct {
	raft.Transport
	victim *atomic.Value // raft.ServerID; "" for none
}

var _ raft.WithPreVote = (*rejectedBy)(nil)

func (r *rejectedBy) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return r.Transport.(raft.WithPreVote).RequestPreVote(id, target, args, resp)
}

func (r *rejectedBy) Close() error { return r.Transport.(raft.WithClose).Close() }

func (r *rejectedBy) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (r *rejectedBy) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if v, _ := r.victim.Load().(raft.ServerID); v != "" && v == id {
		bad := *args
		bad.PrevLogEntry = args.PrevLogEntry + 1_000_000
		return r.Transport.AppendEntries(id, target, &bad, resp)
	}
	return r.Transport.AppendEntries(id, target, args, resp)
}

func infoField(n *Node, name string) string {
	for _, f := range n.Info() {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestStalledFollowerReported: a follower that keeps a leader but rejects
// all its appends reports replication_stalled:1 in RAFT INFO, the others
// 0; once its appends are accepted again it reports 0.
func TestStalledFollowerReported(t *testing.T) {
	victim := &atomic.Value{}
	victim.Store(raft.ServerID(""))
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		cfg.Transport = &rejectedBy{Transport: cfg.Transport, victim: victim}
	})
	l := c.leader()
	var f *Node
	for _, nd := range c.nodes {
		if nd != l {
			f = nd
			break
		}
	}
	victim.Store(raft.ServerID(f.cfg.ID))
	waitFor(t, "the follower to report a stall", func() bool { return infoField(f, "replication_stalled") == "1" })
	for _, nd := range c.nodes {
		if nd != f && infoField(nd, "replication_stalled") != "0" {
			t.Errorf("%s: replication_stalled %s, want 0", nd.cfg.ID, infoField(nd, "replication_stalled"))
		}
	}
	c.set("while", "stalled") // the leader commits with the other follower
	victim.Store(raft.ServerID(""))
	waitFor(t, "the follower to recover", func() bool {
		return infoField(f, "replication_stalled") == "0" && f.AppliedIndex() >= l.AppliedIndex()
	})
}

// slowSnapshots is a snapshot store whose sinks take closeDelay to close:
// a snapshot that takes long to receive.
type slowSnapshots struct {
	raft.SnapshotStore
	closeDelay time.Duration
}

func (s slowSnapshots) Create(version raft.SnapshotVersion, index, term uint64, conf raft.Configuration,
	confIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	sink, err := s.SnapshotStore.Create(version, index, term, conf, confIndex, trans)
	return slowSink{sink, s.closeDelay}, err
}

type slowSink struct {
	raft.SnapshotSink
	delay time.Duration
}

func (s slowSink) Close() error {
	time.Sleep(s.delay)
	return s.SnapshotSink.Close()
}

// lockedBuffer is a bytes.Buffer safe for a node's log and a test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestInstallingFollowerNotReportedStalled: a follower catching up by an
// InstallSnapshot that takes longer than the stall threshold accepts no
// append meanwhile (raft handles both on one goroutine) but is not
// stalled: RAFT INFO shows replication_stalled:0 and snapshot_writing:1,
// and the log says it is catching up by a snapshot, not that it stalled.
func TestInstallingFollowerNotReportedStalled(t *testing.T) {
	var slow atomic.Bool
	var out lockedBuffer
	const electionTimeout = 200 * time.Millisecond // stallAfter: 2 s
	const receiveTime = 4 * time.Second
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		cfg.TrailingLogs = 5
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = electionTimeout, electionTimeout, electionTimeout/2
		if slow.Load() {
			st := raft.NewInmemStore()
			cfg.Stores = &Stores{Log: st, Stable: st, Snapshots: slowSnapshots{raft.NewInmemSnapshotStore(), receiveTime}}
			cfg.LogOutput = &out
		}
	})
	l := c.leader()
	lag := c.followers(l)[0]
	c.stop(lag)
	// 24 MiB of values: raft gives an InstallSnapshot RPC a deadline by
	// the snapshot's size (the 100 ms RPC timeout per 256 KiB: 9.6 s
	// here), which receiveTime must stay within, as it does for a big
	// snapshot received at network speed.
	big := strings.Repeat("v", 1<<20)
	for i := 0; i < 24; i++ {
		c.set(fmt.Sprint("big", i), big)
	}
	// Both live nodes snapshot and compact their logs, whichever leads:
	// under the race detector and a loaded machine the leader has lost
	// its 100 ms lease while taking this 24 MiB snapshot, and a new leader
	// that had not compacted caught the follower up from its log, with no
	// snapshot to wait for (the test then timed out in CI).
	live := c.followers(c.nodes[lag])
	snapAll := func() {
		for _, i := range live {
			if err := c.nodes[i].TakeSnapshot(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 50; i++ {
		c.set(fmt.Sprint("k", i), fmt.Sprint(i))
	}
	snapAll()
	for i := 50; i < 60; i++ {
		c.set(fmt.Sprint("k", i), fmt.Sprint(i))
	}
	snapAll()
	// The follower comes back empty: only a snapshot can catch it up.
	slow.Store(true)
	c.start(lag, nil, false)
	n := c.nodes[lag]
	waitFor(t, "the follower to receive a snapshot", func() bool { return infoField(n, "snapshot_writing") == "1" })
	start := time.Now()
	sawNoContact := false
	for infoField(n, "snapshot_writing") == "1" {
		if n.noContact() {
			sawNoContact = true
		}
		if got := infoField(n, "replication_stalled"); got != "0" {
			t.Fatalf("replication_stalled = %s %v into receiving a snapshot, want 0", got, time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawNoContact {
		t.Fatalf("the follower had contact with its leader throughout a %v snapshot: the test shows nothing", receiveTime)
	}
	t.Logf("snapshot received after %v", time.Since(start))
	waitFor(t, "the follower to catch up", func() bool { return n.AppliedIndex() >= l.AppliedIndex() })
	t.Logf("caught up after %v", time.Since(start))
	log := out.String()
	if strings.Contains(log, "replication stalled") {
		t.Fatalf("the installing follower logged a stall:\n%s", log)
	}
	if !strings.Contains(log, "catching up by a snapshot") || !strings.Contains(log, "snapshot_writing=1") {
		t.Fatalf("the installing follower did not log that it catches up by a snapshot:\n%s", log)
	}
}
