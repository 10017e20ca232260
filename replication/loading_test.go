package replication

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/hashicorp/raft"
	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/kv/resp"
)

// gate lets a reader pass pass bytes, then blocks it until release is
// closed; blocked closes when it first blocks.
type gate struct {
	pass    int
	once    sync.Once
	blocked chan struct{}
	release chan struct{}
}

func newGate(pass int) *gate {
	return &gate{pass: pass, blocked: make(chan struct{}), release: make(chan struct{})}
}

type gatedReader struct {
	io.ReadCloser
	g    *gate
	read int
}

func (r *gatedReader) Read(p []byte) (int, error) {
	if r.read >= r.g.pass {
		r.g.once.Do(func() { close(r.g.blocked) })
		<-r.g.release
	} else if len(p) > r.g.pass-r.read {
		p = p[:r.g.pass-r.read]
	}
	n, err := r.ReadCloser.Read(p)
	r.read += n
	return n, err
}

func execArgs(m *kv.Machine, args ...string) string {
	c := &kv.Cmd{Proto: 2}
	for _, a := range args {
		c.Args = append(c.Args, []byte(a))
	}
	w := kv.NewWriter(nil, 2)
	m.Exec(c, w)
	return string(w.Bytes())
}

// TestFSMRestoreDropsStateFirst: a follower replacing a full state with a
// snapshot lets go of the old state before it decodes the new one, as a
// Redis replica flushes before loading, so it never holds both. Meanwhile
// its machine is a placeholder that answers -LOADING to reads, runs the
// commands Redis allows while loading, and checks users against the ACL
// it had.
func TestFSMRestoreDropsStateFirst(t *testing.T) {
	leader, follower := newFSM("a"), newFSM("b")
	idx := uint64(0)
	for i := 0; i < 2000; i++ {
		idx++
		fsmSet(t, leader, idx, fmt.Sprint("new", i), strings.Repeat("v", 100))
		fsmSet(t, follower, idx, fmt.Sprint("old", i), "x")
	}
	follower.Read(func(m *kv.Machine) { execArgs(m, "ACL", "SETUSER", "alice", "on", ">pw", "+get", "~*") })
	idx++
	fsmSet(t, leader, idx, "last", "1")
	snap := snapshotBytes(t, leader)

	wp := weak.Make(follower.cur.Load())
	g := newGate(4096)
	done := make(chan error, 1)
	go func() {
		done <- follower.Restore(&gatedReader{ReadCloser: io.NopCloser(bytes.NewReader(snap)), g: g})
	}()
	select {
	case <-g.blocked:
	case err := <-done:
		t.Fatalf("Restore returned %v before the gate: the snapshot is too small for the test", err)
	}
	if !follower.Loading() {
		t.Fatal("Loading() = false while the snapshot is being decoded")
	}
	for i := 0; i < 10 && wp.Value() != nil; i++ {
		runtime.GC()
	}
	if wp.Value() != nil {
		t.Fatal("the old state is still reachable while the snapshot is decoded: the node holds both")
	}
	if got, want := fsmGet(follower, "old1"), "-"+kv.ErrLoading+"\r\n"; got != want {
		t.Fatalf("GET while loading: %q, want %q", got, want)
	}
	var echo, tx, denied, allowed string
	follower.Read(func(m *kv.Machine) {
		echo = execArgs(m, "ECHO", "hi")
		w := kv.NewWriter(nil, 2)
		m.Exec(&kv.Cmd{Proto: 2, Tx: &kv.Tx{Cmds: [][][]byte{{[]byte("ECHO"), []byte("x")}}}}, w)
		tx = string(w.Bytes())
		w = kv.NewWriter(nil, 2)
		m.Exec(&kv.Cmd{Proto: 2, User: "alice", Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}}, w)
		denied = string(w.Bytes())
		w = kv.NewWriter(nil, 2)
		m.Exec(&kv.Cmd{Proto: 2, User: "alice", Args: [][]byte{[]byte("GET"), []byte("k")}}, w)
		allowed = string(w.Bytes())
	})
	if echo != "$2\r\nhi\r\n" {
		t.Fatalf("ECHO (allowed while loading) while loading: %q", echo)
	}
	if tx != "-"+kv.ErrLoading+"\r\n" {
		t.Fatalf("a transaction while loading: %q", tx)
	}
	if !strings.HasPrefix(denied, "-NOPERM") {
		t.Fatalf("alice's SET (denied by her ACL) while loading: %q, want -NOPERM: the placeholder lost the ACL", denied)
	}
	if allowed != "-"+kv.ErrLoading+"\r\n" {
		t.Fatalf("alice's GET (allowed by her ACL) while loading: %q", allowed)
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if follower.Loading() {
		t.Fatal("Loading() = true after the restore")
	}
	if got, want := fsmGet(follower, "new7"), "$100\r\n"+strings.Repeat("v", 100)+"\r\n"; got != want {
		t.Fatalf("GET new7 after the restore: %q, want %q", got, want)
	}
	if got, want := snapshotBytes(t, follower), snapshotBytes(t, leader); !bytes.Equal(got, want) {
		t.Fatal("the follower's state differs from the leader's after the restore")
	}
}

// TestFSMFailedRestoreIsLost: a snapshot that fails to decode after the
// state was dropped leaves the FSM lost: reads answer -LOADING, a snapshot
// is refused (it would persist the empty placeholder at the old applied
// index) and applying an entry panics (it would build on the placeholder),
// until a Restore succeeds.
func TestFSMFailedRestoreIsLost(t *testing.T) {
	leader, follower := newFSM("a"), newFSM("b")
	for i := uint64(1); i <= 500; i++ {
		fsmSet(t, leader, i, fmt.Sprint("k", i), strings.Repeat("v", 50))
		fsmSet(t, follower, i, fmt.Sprint("k", i), strings.Repeat("v", 50))
	}
	fsmSet(t, leader, 501, "last", "1")
	snap := snapshotBytes(t, leader)
	bad := bytes.Clone(snap)
	bad[len(bad)/2] ^= 0xff
	if err := follower.Restore(io.NopCloser(bytes.NewReader(bad))); err == nil {
		t.Fatal("a damaged snapshot restored without error")
	}
	if !follower.Loading() {
		t.Fatal("Loading() = false after a failed restore dropped the state")
	}
	if got, want := fsmGet(follower, "k1"), "-"+kv.ErrLoading+"\r\n"; got != want {
		t.Fatalf("GET after a failed restore: %q, want %q", got, want)
	}
	if _, err := follower.Snapshot(); err != errStateLost {
		t.Fatalf("Snapshot after a failed restore: %v, want %v", err, errStateLost)
	}
	func() {
		defer func() {
			if r := recover(); r != errStateLost {
				t.Fatalf("ApplyBatch after a failed restore: recovered %v, want a panic with %v", r, errStateLost)
			}
		}()
		fsmSet(t, follower, 501, "last", "1")
	}()
	if err := follower.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	if follower.Loading() || follower.lost() {
		t.Fatal("still loading or lost after a successful restore")
	}
	fsmSet(t, leader, 502, "k1", "w")
	fsmSet(t, follower, 502, "k1", "w")
	if got, want := snapshotBytes(t, follower), snapshotBytes(t, leader); !bytes.Equal(got, want) {
		t.Fatal("the follower's state differs from the leader's after recovering")
	}
}

// gateArm says whose snapshots to gate: node's, from index from on
// (none while from is 0).
type gateArm struct {
	mu         sync.Mutex
	node, from int
	g          *gate
	// hold, when set, blocks every Open of node holdNode's store until
	// it is closed.
	holdNode int
	hold     chan struct{}
}

// gatedSnapshots is node's snapshot store: as arm says, it blocks a
// snapshot's reader at arm's gate.
type gatedSnapshots struct {
	raft.SnapshotStore
	node int
	arm  *gateArm
}

func (s gatedSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.arm.mu.Lock()
	hold := s.arm.hold
	if s.arm.holdNode != s.node {
		hold = nil
	}
	s.arm.mu.Unlock()
	if hold != nil {
		<-hold
	}
	meta, rc, err := s.SnapshotStore.Open(id)
	s.arm.mu.Lock()
	gated := s.arm.from != 0 && s.arm.node == s.node && meta != nil && meta.Index >= uint64(s.arm.from)
	s.arm.mu.Unlock()
	if err != nil || !gated {
		return meta, rc, err
	}
	return meta, &gatedReader{ReadCloser: rc, g: s.arm.g}, nil
}

// TestFollowerLoadingASnapshot: a restarted follower with its own state
// that catches up by installing the leader's snapshot drops its state and
// answers as a loading Redis replica until the snapshot is in: INFO shows
// loading:1, a (stale) read answers -LOADING, ECHO answers, AUTH checks the
// users the follower had; then everything answers from the new state.
func TestFollowerLoadingASnapshot(t *testing.T) {
	g := newGate(4096)
	arm := &gateArm{g: g}
	stores := make([]*Stores, 3)
	for i := range stores {
		st := raft.NewInmemStore()
		stores[i] = &Stores{Log: st, Stable: st, Snapshots: gatedSnapshots{newLockedSnapshots(), i, arm}}
	}
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.Stores = stores[i]
		cfg.TrailingLogs = 5
		cfg.ReadConsistency = Stale
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
	})
	l := c.leader()
	lag := c.followers(l)[0]
	if got := c.doLeader("ACL", "SETUSER", "alice", "on", ">pw", "+@all", "~*"); got != "+OK\r\n" {
		t.Fatalf("ACL SETUSER: %q", got)
	}
	for i := 0; i < 100; i++ {
		c.set(fmt.Sprint("old", i), "x")
	}
	waitFor(t, "the follower to apply the writes", func() bool { return c.nodes[lag].AppliedIndex() >= l.AppliedIndex() })
	if err := c.nodes[lag].TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	own := c.nodes[lag].AppliedIndex() // at or past its snapshot's index
	c.stop(lag)
	for i := 0; i < 2000; i++ {
		c.set(fmt.Sprint("new", i), strings.Repeat("v", 100))
	}
	for i := 0; i < 2; i++ {
		if err := l.TakeSnapshot(); err != nil {
			t.Fatal(err)
		}
		c.set("last", fmt.Sprint(i))
	}
	hold := make(chan struct{})
	var holdOnce sync.Once
	release := func() { holdOnce.Do(func() { close(hold) }) }
	defer release() // a failed test must not leave the leader blocked in Open
	arm.mu.Lock()
	arm.node, arm.from = lag, int(own+1) // the leader's snapshots, not the follower's own
	arm.holdNode, arm.hold = nodeIndex(c, l), hold
	arm.mu.Unlock()
	// The follower loads its own snapshot as it starts, then needs the
	// leader's: the leader sends it once the follower's own is loaded (an
	// install would cancel that load, ownload.go; this test is about a
	// follower that holds a state).
	c.start(lag, nil, false)
	n := c.nodes[lag]
	if l := n.fsm.own.Load(); l != nil {
		<-l.done
		if l.err != nil {
			t.Fatalf("loading the follower's own snapshot: %v", l.err)
		}
	}
	release()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := resp.New(n, resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	served := make(chan struct{})
	go func() { srv.Serve(ln); close(served) }()
	defer func() { srv.Close(); <-served }()
	released := false
	defer func() {
		if !released {
			close(g.release)
		}
	}()

	select {
	case <-g.blocked:
	case <-time.After(30 * time.Second):
		t.Fatal("the follower did not start restoring the leader's snapshot")
	}
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1})
	defer rdb.Close()
	if info := rdb.Info(ctx, "persistence").Val(); !strings.Contains(info, "loading:1\r\n") {
		t.Fatalf("INFO persistence while loading:\n%s", info)
	}
	if err := rdb.Get(ctx, "old1").Err(); err == nil || err.Error() != kv.ErrLoading {
		t.Fatalf("GET while loading: %v, want %s", err, kv.ErrLoading)
	}
	if got, err := rdb.Echo(ctx, "hi").Result(); err != nil || got != "hi" {
		t.Fatalf("ECHO while loading: %q, %v", got, err)
	}
	conn := rdb.Conn()
	defer conn.Close()
	if err := conn.AuthACL(ctx, "alice", "wrong").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Fatalf("AUTH alice with a wrong password while loading: %v, want WRONGPASS", err)
	}
	if err := conn.AuthACL(ctx, "alice", "pw").Err(); err != nil {
		t.Fatalf("AUTH alice while loading: %v", err)
	}
	close(g.release)
	released = true
	waitFor(t, "the follower to catch up", func() bool { return n.AppliedIndex() >= l.AppliedIndex() && !n.Loading() })
	if got, err := rdb.Get(ctx, "new1999").Result(); err != nil || got != strings.Repeat("v", 100) {
		t.Fatalf("GET new1999 after loading: %q, %v", got, err)
	}
	if got, err := rdb.Get(ctx, "old1").Result(); err != nil || got != "x" {
		t.Fatalf("GET old1 after loading: %q, %v", got, err)
	}
	if info := rdb.Info(ctx, "persistence").Val(); !strings.Contains(info, "loading:0\r\n") {
		t.Fatalf("INFO persistence after loading:\n%s", info)
	}
}

// nodeIndex returns n's index in c.
func nodeIndex(c *cluster, n *Node) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.nodes {
		if x == n {
			return i
		}
	}
	c.t.Fatal("node not in the cluster")
	return -1
}

// lockedSnapshots is raft's in-memory snapshot store with its sinks'
// writes and its Opens under one lock, and Open returning copies: raft's
// own lets Open read the buffer and the meta a snapshot being taken (a
// leader's, after a refusal: olderstate.go) is growing, which the race
// detector reports.
type lockedSnapshots struct {
	*raft.InmemSnapshotStore
	mu *sync.Mutex
}

func newLockedSnapshots() lockedSnapshots {
	return lockedSnapshots{raft.NewInmemSnapshotStore(), &sync.Mutex{}}
}

func (s lockedSnapshots) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration, configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sink, err := s.InmemSnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	if err != nil {
		return nil, err
	}
	return lockedSink{sink, s.mu}, nil
}

func (s lockedSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	meta, rc, err := s.InmemSnapshotStore.Open(id)
	if err != nil {
		return meta, rc, err
	}
	b, err := io.ReadAll(rc)
	m := *meta // raft's sink updates the original's size as it writes
	return &m, io.NopCloser(bytes.NewReader(b)), err
}

type lockedSink struct {
	raft.SnapshotSink
	mu *sync.Mutex
}

func (s lockedSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.SnapshotSink.Write(p)
}
