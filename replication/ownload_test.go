package replication

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// storeSnapshot persists f's snapshot at index into a new in-memory store
// and returns the store and the snapshot's meta.
func storeSnapshot(t *testing.T, f *FSM, index uint64) (raft.SnapshotStore, *raft.SnapshotMeta) {
	t.Helper()
	store := raft.NewInmemSnapshotStore()
	s, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink, err := store.Create(raft.SnapshotVersionMax, index, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Persist(sink); err != nil {
		t.Fatal(err)
	}
	s.Release()
	meta, err := newestSnapshot(store)
	if err != nil || meta == nil {
		t.Fatalf("newest snapshot: %v, %v", meta, err)
	}
	return store, meta
}

// ownStore wraps a snapshot store for the own-load tests: the first fail
// Opens fail, and every reader is gated by g when g is set.
type ownStore struct {
	raft.SnapshotStore
	fail  atomic.Int32
	opens atomic.Int32
	g     *gate
}

func (s *ownStore) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.opens.Add(1)
	if s.fail.Add(-1) >= 0 {
		return nil, nil, errors.New("object store: transient read error")
	}
	meta, rc, err := s.SnapshotStore.Open(id)
	if err != nil || s.g == nil {
		return meta, rc, err
	}
	return meta, &gatedReader{ReadCloser: rc, g: s.g}, nil
}

// ownFixture: a leader FSM with 2,000 keys applied up to index 2000 and
// its snapshot in a store, as a restarted node finds its own.
func ownFixture(t *testing.T) (*FSM, raft.SnapshotStore, *raft.SnapshotMeta) {
	leader := newFSM("a")
	for i := uint64(1); i <= 2000; i++ {
		fsmSet(t, leader, i, fmt.Sprint("k", i), strings.Repeat("v", 100))
	}
	store, meta := storeSnapshot(t, leader, 2000)
	return leader, store, meta
}

// gatedOwnLoad starts a follower FSM loading ownFixture's snapshot as its
// own, and returns once the load is held after 4 KiB (store.g).
func gatedOwnLoad(t *testing.T) (leader, f *FSM, store *ownStore, l *ownLoad) {
	leader, inner, meta := ownFixture(t)
	store = &ownStore{SnapshotStore: inner, g: newGate(4096)}
	f = newFSM("b")
	l = f.startOwnLoad(store, meta, restoreOwnFunc(f), discardLog)
	<-store.g.blocked
	return leader, f, store, l
}

func restoreOwnFunc(f *FSM) func(io.ReadCloser) error {
	return func(rc io.ReadCloser) error { return f.restore(rc, false) }
}

// TestFSMApplyWaitsForOwnLoad: while the node's own snapshot loads in the
// background, the FSM answers -LOADING and ApplyBatch waits; once loaded,
// the entry applies on top of the snapshot's state.
func TestFSMApplyWaitsForOwnLoad(t *testing.T) {
	leader, f, store, l := gatedOwnLoad(t)
	if !f.Loading() {
		t.Fatal("Loading() = false while the own snapshot loads")
	}
	if got := fsmGet(f, "k1"); !strings.HasPrefix(got, "-LOADING") {
		t.Fatalf("GET while the own snapshot loads: %q", got)
	}
	applied := make(chan struct{})
	go func() { fsmSet(t, f, 2001, "k1", "new"); close(applied) }()
	select {
	case <-applied:
		t.Fatal("ApplyBatch returned while the own snapshot was loading")
	case <-time.After(50 * time.Millisecond):
	}
	close(store.g.release)
	<-applied
	<-l.done
	if l.err != nil {
		t.Fatal(l.err)
	}
	if f.own.Load() != nil {
		t.Fatal("the load is still registered after ApplyBatch waited for it")
	}
	fsmSet(t, leader, 2001, "k1", "new")
	if got, want := snapshotBytes(t, f), snapshotBytes(t, leader); string(got) != string(want) {
		t.Fatal("state after the own load and one entry differs from the leader's")
	}
	if got := fsmGet(f, "k1"); got != "$3\r\nnew\r\n" {
		t.Fatalf("GET k1: %q", got)
	}
}

// TestFSMInstallCancelsOwnLoad: an installed snapshot stops the load of the
// node's own after the read it is in, and replaces the state; the own
// snapshot is not read to its end.
func TestFSMInstallCancelsOwnLoad(t *testing.T) {
	_, f, store, l := gatedOwnLoad(t)

	newer := newFSM("a")
	for i := uint64(1); i <= 3000; i++ {
		fsmSet(t, newer, i, fmt.Sprint("n", i), "x")
	}
	snap := snapshotBytes(t, newer)
	installed := make(chan error, 1)
	go func() { installed <- f.Restore(io.NopCloser(strings.NewReader(string(snap)))) }()
	<-l.cancel // the install cancelled the load
	select {
	case err := <-installed:
		t.Fatalf("the install returned %v while the own load was inside a read", err)
	default:
	}
	close(store.g.release) // the read in progress returns; the next one sees the cancel
	if err := <-installed; err != nil {
		t.Fatal(err)
	}
	<-l.done
	if !errors.Is(l.err, errLoadCancelled) {
		t.Fatalf("own load ended with %v, want %v", l.err, errLoadCancelled)
	}
	if f.Loading() || f.AppliedIndex() != 3000 {
		t.Fatalf("after the install: loading %v, applied %d; want false, 3000", f.Loading(), f.AppliedIndex())
	}
	if got, want := snapshotBytes(t, f), snap; string(got) != string(want) {
		t.Fatal("state after the install differs from the installed snapshot")
	}
	fsmSet(t, f, 3001, "after", "1")
	if got := fsmGet(f, "after"); got != "$1\r\n1\r\n" {
		t.Fatalf("GET after: %q", got)
	}
}

// TestFSMOwnLoadRetries: a failed read of the node's own snapshot is
// retried, after waits that double, until the load succeeds; a load that
// keeps failing ends only when the node closes, and then entries are
// answered with nothing instead of stopping the node.
func TestFSMOwnLoadRetries(t *testing.T) {
	defer func(r, m time.Duration) { ownLoadRetry, ownLoadRetryMax = r, m }(ownLoadRetry, ownLoadRetryMax)
	ownLoadRetry, ownLoadRetryMax = time.Millisecond, 4*time.Millisecond
	_, inner, meta := ownFixture(t)
	for _, fails := range []int32{1, 6} {
		store := &ownStore{SnapshotStore: inner}
		store.fail.Store(fails)
		f := newFSM("b")
		l := f.startOwnLoad(store, meta, restoreOwnFunc(f), discardLog)
		<-l.done
		if l.err != nil || f.Loading() || store.opens.Load() != fails+1 {
			t.Fatalf("after %d failed opens: err %v, loading %v, opens %d; want nil, false, %d", fails, l.err, f.Loading(), store.opens.Load(), fails+1)
		}
		if got := fsmGet(f, "k7"); got != "$100\r\n"+strings.Repeat("v", 100)+"\r\n" {
			t.Fatalf("GET k7: %q", got)
		}
	}

	store := &ownStore{SnapshotStore: inner}
	store.fail.Store(math.MaxInt32)
	f := newFSM("b")
	l := f.startOwnLoad(store, meta, restoreOwnFunc(f), discardLog)
	waitFor(t, "ten failed attempts", func() bool { return store.opens.Load() >= 10 })
	select {
	case <-l.done:
		t.Fatalf("the load gave up after %d failed opens: %v", store.opens.Load(), l.err)
	default:
	}
	f.stopOwnLoad() // as Node.Close does
	if !errors.Is(l.err, errLoadCancelled) || !f.Loading() {
		t.Fatalf("after the close: err %v, loading %v", l.err, f.Loading())
	}
	data := encodeEntry(nil, "b", nil)
	if out := f.ApplyBatch([]*raft.Log{{Index: 2001, Term: 1, Type: raft.LogCommand, Data: data}}); len(out) != 1 || out[0] != nil {
		t.Fatalf("ApplyBatch while closing: %v, want one nil result", out)
	}
}

// TestFSMCloseCancelsOwnLoad: Close's cancel ends a load within one read.
func TestFSMCloseCancelsOwnLoad(t *testing.T) {
	_, f, store, l := gatedOwnLoad(t)
	stopped := make(chan struct{})
	go func() { f.cancelOwnLoad(); close(stopped) }()
	<-l.cancel
	close(store.g.release)
	<-stopped
	if !errors.Is(l.err, errLoadCancelled) || !f.Loading() {
		t.Fatalf("after a cancel: err %v, loading %v", l.err, f.Loading())
	}
}

// crawlArm says whose snapshots crawlSnapshots slows: node's, at or below
// index upTo (none while upTo is 0); read counts the bytes read of them.
type crawlArm struct {
	node atomic.Int64
	upTo atomic.Uint64
	read atomic.Int64
}

// crawlSnapshots is node's snapshot store: as arm says, a snapshot is read
// one byte per 20 ms after its first 4 KiB, so restoring it outlasts the
// test.
type crawlSnapshots struct {
	raft.SnapshotStore
	node int
	arm  *crawlArm
}

func (s crawlSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	meta, rc, err := s.SnapshotStore.Open(id)
	if err != nil || int64(s.node) != s.arm.node.Load() || meta.Index > s.arm.upTo.Load() {
		return meta, rc, err
	}
	return meta, &crawlReader{ReadCloser: rc, n: &s.arm.read}, nil
}

type crawlReader struct {
	io.ReadCloser
	n    *atomic.Int64
	read int
}

func (r *crawlReader) Read(p []byte) (int, error) {
	const pass = 4096
	if r.read >= pass {
		time.Sleep(20 * time.Millisecond)
		p = p[:min(len(p), 1)]
	} else if len(p) > pass-r.read {
		p = p[:pass-r.read]
	}
	n, err := r.ReadCloser.Read(p)
	r.read += n
	r.n.Add(int64(n))
	return n, err
}

// startCrawlCluster starts three nodes with in-memory stores whose
// snapshots crawlSnapshots slows as the returned arm says (none at first);
// hook adjusts every node's Config.
func startCrawlCluster(t *testing.T, hook func(*Config)) (*cluster, *crawlArm) {
	arm := &crawlArm{}
	arm.node.Store(-1)
	stores := make([]*Stores, 3)
	for i := range stores {
		st := raft.NewInmemStore()
		stores[i] = &Stores{Log: st, Stable: st, Snapshots: crawlSnapshots{newLockedSnapshots(), i, arm}}
	}
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.Stores = stores[i]
		hook(cfg)
	})
	return c, arm
}

// restartLoading writes 2000 keys, has a follower of the leader snapshot
// them, restarts it with that snapshot loading at crawl speed (over an
// hour) and waits until its log has caught up; it returns the loading node
// and the leader then (which may have changed under load, never to it).
func restartLoading(t *testing.T, c *cluster, arm *crawlArm) (n, l *Node) {
	t.Helper()
	l = c.leader()
	lag := c.followers(l)[0]
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
	n = c.nodes[lag]
	if !n.Loading() {
		t.Fatal("the restarted follower is not loading its own snapshot")
	}
	c.set("after-restart", "1")
	waitFor(t, "the loading follower's log to catch up", func() bool {
		return n.raft.LastIndex() >= c.leader().raft.LastIndex()
	})
	l = c.leader()
	if l == n {
		t.Fatal("the loading node is leader")
	}
	return n, l
}

// TestFollowerInstallsWithoutLoadingItsOwn: a follower restarted after the
// leader compacted its log past it starts raft at once, while its own
// snapshot loads (here: so slowly it would take over an hour), receives
// and restores the leader's snapshot, which cancels its own load, and
// catches up. Before, raft restored the own snapshot inside NewRaft: the
// node could not start until that restore ended.
func TestFollowerInstallsWithoutLoadingItsOwn(t *testing.T) {
	c, arm := startCrawlCluster(t, func(cfg *Config) {
		cfg.TrailingLogs = 5
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
	})
	l := c.leader()
	lag := c.followers(l)[0]
	for i := 0; i < 2000; i++ {
		c.set(fmt.Sprint("old", i), strings.Repeat("o", 100))
	}
	waitFor(t, "the follower to apply the writes", func() bool { return c.nodes[lag].AppliedIndex() >= l.AppliedIndex() })
	if err := c.nodes[lag].TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	own := c.nodes[lag].AppliedIndex()
	c.stop(lag)
	for i := 0; i < 200; i++ {
		c.set(fmt.Sprint("new", i), "x")
	}
	for i := 0; i < 2; i++ {
		if err := l.TakeSnapshot(); err != nil {
			t.Fatal(err)
		}
		c.set("last", fmt.Sprint(i))
	}
	arm.node.Store(int64(lag))
	arm.upTo.Store(own)

	c.start(lag, nil, false)
	n := c.nodes[lag]
	ol := n.fsm.own.Load()
	if ol == nil {
		t.Fatal("the restarted follower is not loading its own snapshot")
	}
	waitFor(t, "the follower to install the leader's snapshot and catch up", func() bool {
		return n.AppliedIndex() >= l.AppliedIndex() && !n.Loading()
	})
	<-ol.done
	if !errors.Is(ol.err, errLoadCancelled) {
		t.Fatalf("the own snapshot's load ended with %v, want %v", ol.err, errLoadCancelled)
	}
	if got := arm.read.Load(); got > 64<<10 {
		t.Fatalf("%d bytes of the own snapshot read before the install cancelled its load", got)
	}
	if got := fsmGet(n.fsm, "old1999"); got != "$100\r\n"+strings.Repeat("o", 100)+"\r\n" {
		t.Fatalf("GET old1999 on the follower: %q", got)
	}
	if got := fsmGet(n.fsm, "new199"); got != "$1\r\nx\r\n" {
		t.Fatalf("GET new199 on the follower: %q", got)
	}
}

// TestFSMReadBarrierWaitsForOwnLoad: the read barrier's wait for the
// applied index also waits for the state: a leader whose own snapshot is
// loading can find no entry to wait for (index 0) above its compacted log,
// and its reads would otherwise run on the placeholder (-LOADING; found by
// replication/sim's restore scenario).
func TestFSMReadBarrierWaitsForOwnLoad(t *testing.T) {
	_, f, store, l := gatedOwnLoad(t)
	if f.waitApplied(0, time.Now().Add(20*time.Millisecond), nil) {
		t.Fatal("waitApplied(0) returned true while the own snapshot loads")
	}
	waited := make(chan bool, 1)
	go func() { waited <- f.waitApplied(2000, time.Now().Add(time.Minute), nil) }()
	close(store.g.release)
	if !<-waited {
		t.Fatal("waitApplied(2000) failed after the load")
	}
	<-l.done
	if got := fsmGet(f, "k2000"); got != "$100\r\n"+strings.Repeat("v", 100)+"\r\n" {
		t.Fatalf("GET after the load: %q", got)
	}
}

// TestFSMRefusesOlderInstallWhileLoadingOwn: while the node's own snapshot
// loads, it counts as applied: an installed snapshot older than it is
// refused (olderstate.go: the log may be compacted against the own
// snapshot) and the load goes on.
func TestFSMRefusesOlderInstallWhileLoadingOwn(t *testing.T) {
	_, f, store, l := gatedOwnLoad(t)
	older := newFSM("a")
	for i := uint64(1); i <= 1500; i++ {
		fsmSet(t, older, i, fmt.Sprint("o", i), "x")
	}
	err := f.Restore(io.NopCloser(strings.NewReader(string(snapshotBytes(t, older)))))
	if !errors.Is(err, errOlderSnapshot) {
		t.Fatalf("installing a snapshot at 1500 while loading one at 2000: %v, want %v", err, errOlderSnapshot)
	}
	close(store.g.release)
	<-l.done
	if l.err != nil || f.Loading() || f.AppliedIndex() != 2000 {
		t.Fatalf("own load after the refusal: err %v, loading %v, applied %d", l.err, f.Loading(), f.AppliedIndex())
	}
}
