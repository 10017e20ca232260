package replication

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/replication/snapshot"
	"redraft/replication/snapshot/objstore"
)

// oldCluster is the configuration recorded in the source snapshots.
var oldCluster = raft.Configuration{Servers: []raft.Server{
	{Suffrage: raft.Voter, ID: "n1", Address: "10.0.0.1:7000"},
	{Suffrage: raft.Voter, ID: "n2", Address: "10.0.0.2:7000"},
}}

func kvCmd(args ...string) *kv.Cmd {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	return &kv.Cmd{Args: a, Proto: 2}
}

// sourceKeys are the keys writeSource stores: k0..k(n-1), valued by index.
func sourceKeys(index uint64, n int) map[string]string {
	want := map[string]string{}
	for i := 0; i < n; i++ {
		want[fmt.Sprint("k", i)] = fmt.Sprintf("v%d-%d", index, i)
	}
	return want
}

// writeSource stores, in st under node's prefix, a snapshot at index and
// term of an FSM holding sourceKeys(index, keys) and a client address for
// node, as a node of oldCluster would. It returns the snapshot's metadata.
func writeSource(t *testing.T, st objstore.Store, node string, index, term uint64, keys int) *raft.SnapshotMeta {
	t.Helper()
	f := newFSM(node)
	var cmds []*kv.Cmd
	for k, v := range sourceKeys(index, keys) {
		cmds = append(cmds, kvCmd("SET", k, v))
	}
	f.ApplyBatch([]*raft.Log{
		{Index: index - 1, Term: term, Type: raft.LogCommand, Data: encodeMeta(node, "10.0.0.1:6379")},
		{Index: index, Term: term, Type: raft.LogCommand, Data: encodeEntry(nil, "elsewhere", cmds)},
	})
	s, err := snapshot.New(st, snapshot.Options{Prefix: SnapshotPrefix(node), ManualGC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink, err := s.Create(1, index, term, oldCluster, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ID == sink.ID() {
			return m
		}
	}
	t.Fatalf("snapshot %s not listed after Close", sink.ID())
	return nil
}

// seededState opens a seeded data directory the way a node would and
// returns its one snapshot's metadata, the FSM restored from it and the
// stored current term.
func seededState(t *testing.T, dir, id string) (*raft.SnapshotMeta, *FSM, uint64) {
	t.Helper()
	obj, err := objstore.OpenDir(filepath.Join(dir, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.New(obj, snapshot.Options{Prefix: SnapshotPrefix(id), ManualGC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.List()
	if err != nil || len(list) != 1 {
		t.Fatalf("seeded snapshots: %v, %v; want one", list, err)
	}
	_, rc, err := s.Open(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	f := newFSM(id)
	if err := f.Restore(rc); err != nil {
		t.Fatal(err)
	}
	bs, stable, c, _, err := openLogStore(dir, logStoreOptions{logOut: io.Discard}) // the kind it holds
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	term, err := stable.GetUint64(keyCurrentTerm)
	if err != nil {
		t.Fatal(err)
	}
	// The log holds exactly the snapshot's last entry, a no-op with its
	// index and term (restore.go: the snapshot boundary).
	first, _ := bs.FirstIndex()
	var e raft.Log
	if last, err := bs.LastIndex(); err != nil || first != list[0].Index || last != list[0].Index ||
		bs.GetLog(last, &e) != nil || e.Term != list[0].Term || e.Type != raft.LogNoop {
		t.Errorf("seeded log: entries %d..%d (%v), last %+v; want only a no-op at the snapshot's index %d, term %d",
			first, last, err, e, list[0].Index, list[0].Term)
	}
	return list[0], f, term
}

func checkFSMKeys(t *testing.T, f *FSM, want map[string]string) {
	t.Helper()
	bad := 0
	f.Read(func(m *kvMachine) {
		for k, v := range want {
			if got, exp := execOn(m, "GET", k), fmt.Sprintf("$%d\r\n%s\r\n", len(v), v); got != exp {
				if bad++; bad <= 3 {
					t.Errorf("GET %s = %q, want %q", k, got, exp)
				}
			}
		}
	})
	if bad > 0 {
		t.Errorf("%d of %d keys wrong", bad, len(want))
	}
}

func newVoters() []Peer {
	return []Peer{{ID: "a", Addr: "127.0.0.1:17001"}, {ID: "b", Addr: "127.0.0.1:17002"}}
}

func TestSeedFromSnapshot(t *testing.T) {
	src := objstore.NewMem()
	old := writeSource(t, src, "n1", 40, 3, 50)
	meta := writeSource(t, src, "n1", 90, 4, 50)
	dir := filepath.Join(t.TempDir(), "a")
	got, err := SeedFromSnapshot(t.Context(), SeedConfig{From: src, ID: "a", DataDir: dir, Voters: newVoters(), LogOutput: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if got.FromNode != "n1" || got.Snapshot.ID != meta.ID || got.Term != meta.Term {
		t.Errorf("Seeded = from %s snapshot %s term %d; want from n1 snapshot %s (not %s) term %d",
			got.FromNode, got.Snapshot.ID, got.Term, meta.ID, old.ID, meta.Term)
	}
	m, f, term := seededState(t, dir, "a")
	if m.Index != meta.Index || m.Term != meta.Term || m.ConfigurationIndex != 1 {
		t.Errorf("seeded snapshot index %d term %d configuration index %d; want %d, %d, 1", m.Index, m.Term, m.ConfigurationIndex, meta.Index, meta.Term)
	}
	if want := voterConfiguration(newVoters()); !slices.Equal(m.Configuration.Servers, want.Servers) {
		t.Errorf("seeded configuration %v, want %v", m.Configuration.Servers, want.Servers)
	}
	if term != meta.Term {
		t.Errorf("stored current term %d, want the snapshot's %d", term, meta.Term)
	}
	checkFSMKeys(t, f, sourceKeys(meta.Index, 50))
	if f.AppliedIndex() != meta.Index {
		t.Errorf("applied index %d, want %d", f.AppliedIndex(), meta.Index)
	}
	if a := f.NodeAddr("n1"); a != "" {
		t.Errorf("the old cluster's client address survived: n1 = %q", a)
	}
	// The source is untouched: both snapshots still there.
	if objs, _ := src.List(context.Background(), "n1.manifest-"); len(objs) != 2 {
		t.Errorf("source manifests after restore: %v, want 2", objs)
	}
	// Nothing else beside the data directory.
	if ents, _ := os.ReadDir(filepath.Dir(dir)); len(ents) != 1 {
		t.Errorf("parent of the data directory holds %v, want only it", ents)
	}

	// An older snapshot by ID, into an existing empty directory.
	dir2 := t.TempDir()
	if _, err := SeedFromSnapshot(t.Context(), SeedConfig{From: src, FromNode: "n1", SnapshotID: old.ID, ID: "b", DataDir: dir2, Voters: newVoters(), LogOutput: io.Discard}); err != nil {
		t.Fatal(err)
	}
	m, f, _ = seededState(t, dir2, "b")
	if m.Index != old.Index {
		t.Errorf("seeded index %d, want the chosen snapshot's %d", m.Index, old.Index)
	}
	checkFSMKeys(t, f, sourceKeys(old.Index, 50))
}

// TestSeedIntoObjectStore: the new node keeps its snapshots in an object
// store of its own (--snapshot-store); only its raft.db is local.
func TestSeedIntoObjectStore(t *testing.T) {
	src := objstore.NewMem()
	meta := writeSource(t, src, "n2", 70, 2, 20)
	dst := objstore.NewMem()
	dst.Put(t.Context(), "b.unrelated", strings.NewReader("other node's")) // another prefix: fine
	dir := filepath.Join(t.TempDir(), "a")
	if _, err := SeedFromSnapshot(t.Context(), SeedConfig{From: src, ID: "a", DataDir: dir, SnapshotObjects: dst, Voters: newVoters(), LogOutput: io.Discard}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "objects")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("objects directory in the data directory: %v; want none (the snapshots are in the object store)", err)
	}
	s, err := snapshot.New(dst, snapshot.Options{Prefix: "a.", ManualGC: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if list, err := s.List(); err != nil || len(list) != 1 || list[0].Index != meta.Index {
		t.Fatalf("seeded snapshots %v, %v; want one at index %d", list, err, meta.Index)
	}
	// A second seed of the same node into that store is refused.
	_, err = SeedFromSnapshot(t.Context(), SeedConfig{From: src, ID: "a", DataDir: filepath.Join(t.TempDir(), "x"), SnapshotObjects: dst, Voters: newVoters(), LogOutput: io.Discard})
	if !errors.Is(err, ErrRestoreNotEmpty) {
		t.Fatalf("seed into a store already holding a.*: %v, want ErrRestoreNotEmpty", err)
	}
}

// flipStore flips a byte of every segment it returns after the first
// Get of that segment (the one that verified it when it was listed).
type flipStore struct {
	objstore.Store
	mu   sync.Mutex
	gets map[string]int
}

func (s *flipStore) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := s.Store.Get(ctx, name)
	s.mu.Lock()
	if s.gets == nil {
		s.gets = map[string]int{}
	}
	s.gets[name]++
	flip := s.gets[name] > 1 && strings.Contains(name, "segment-")
	s.mu.Unlock()
	if err != nil || !flip {
		return rc, err
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		return nil, err
	}
	b[len(b)/2] ^= 0x40
	return io.NopCloser(bytes.NewReader(b)), nil
}

// segments returns the segment names of node in st, in name (sink) order.
func segments(t *testing.T, st objstore.Store, node string) []string {
	objs, err := st.List(context.Background(), SnapshotPrefix(node)+"segment-")
	if err != nil || len(objs) == 0 {
		t.Fatalf("segments of %s: %v, %v", node, objs, err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.Name)
	}
	return names
}

func TestSeedRefuses(t *testing.T) {
	ctx := t.Context()
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, src objstore.Store, dir string) SeedConfig
		want  error
		text  string
	}{
		{"data dir not empty", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "raft.db"), []byte("old"), 0o644)
			return SeedConfig{}
		}, ErrRestoreNotEmpty, "holds raft.db"},
		{"snapshot store not empty", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			dst := objstore.NewMem()
			dst.Put(ctx, "a.manifest-00000000000000000001", strings.NewReader("x"))
			return SeedConfig{SnapshotObjects: dst}
		}, ErrRestoreNotEmpty, "holds objects named a.*"},
		{"empty store", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			return SeedConfig{}
		}, ErrRestoreNoSnapshot, "no snapshot manifest"},
		{"unknown node", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			return SeedConfig{FromNode: "n9"}
		}, ErrRestoreNoSnapshot, "node n9 has no complete snapshot"},
		{"unknown snapshot ID", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			return SeedConfig{SnapshotID: "1-10-999"}
		}, ErrRestoreNoSnapshot, `no complete snapshot "1-10-999"`},
		{"several nodes", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			writeSource(t, src, "n2", 10, 1, 5)
			return SeedConfig{}
		}, ErrRestoreWhichNode, "n1, n2"},
		{"only snapshot damaged", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			seg := segments(t, src, "n1")[0]
			rc, _ := src.Get(ctx, seg)
			b, _ := io.ReadAll(rc)
			b[len(b)/2] ^= 1
			src.Put(ctx, seg, bytes.NewReader(b))
			return SeedConfig{}
		}, ErrRestoreDamaged, "checksum"},
		{"newest damaged", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			writeSource(t, src, "n1", 20, 1, 5)
			segs := segments(t, src, "n1")
			src.Delete(ctx, segs[len(segs)-1])
			return SeedConfig{}
		}, ErrRestoreDamaged, "complete, older: 1-10-"},
		{"damaged while copied", func(t *testing.T, src objstore.Store, dir string) SeedConfig {
			writeSource(t, src, "n1", 10, 1, 5)
			// List verifies the segment; the copy reads it again, damaged.
			return SeedConfig{From: &flipStore{Store: src}}
		}, ErrRestoreDamaged, "corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := objstore.NewMem()
			dir := filepath.Join(t.TempDir(), "a")
			cfg := tc.setup(t, src, dir)
			if cfg.From == nil {
				cfg.From = src
			}
			before, _ := os.ReadDir(filepath.Dir(dir))
			cfg.ID, cfg.DataDir, cfg.Voters, cfg.LogOutput = "a", dir, newVoters(), io.Discard
			got, err := SeedFromSnapshot(ctx, cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(fmt.Sprint(err), tc.text) {
				t.Fatalf("SeedFromSnapshot = %v, %v; want an error wrapping %q containing %q", got, err, tc.want, tc.text)
			}
			t.Logf("error: %v", err)
			after, _ := os.ReadDir(filepath.Dir(dir))
			if len(after) != len(before) {
				t.Errorf("beside the data directory before: %v, after the failed seed: %v", before, after)
			}
			if dst, ok := cfg.SnapshotObjects.(*objstore.Mem); ok && tc.want != ErrRestoreNotEmpty {
				if objs, _ := dst.List(ctx, "a."); len(objs) > 0 {
					t.Errorf("the failed seed left %v in the new node's store", objs)
				}
			}
		})
	}
}

func TestSeedConfigErrors(t *testing.T) {
	src := objstore.NewMem()
	for _, tc := range []struct {
		name string
		cfg  SeedConfig
		want string
	}{
		{"no source", SeedConfig{ID: "a", DataDir: "d", Voters: newVoters()}, "From is required"},
		{"no voters", SeedConfig{From: src, ID: "a", DataDir: "d"}, "Voters is required"},
		{"not a voter", SeedConfig{From: src, ID: "z", DataDir: "d", Voters: newVoters()}, `do not list this node "z"`},
		{"twice", SeedConfig{From: src, ID: "a", DataDir: "d", Voters: append(newVoters(), Peer{ID: "a", Addr: "x:1"})}, `"a" listed twice`},
	} {
		if _, err := SeedFromSnapshot(t.Context(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: SeedFromSnapshot = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestRestoredClusterOverTCP: a three-node cluster on a shared object store
// writes and snapshots; it is stopped, three fresh data directories are
// seeded from one node's snapshot with new IDs and addresses, and the new
// nodes, started without Bootstrap, elect a leader in a term above the
// snapshot's, hold every key and accept writes.
func TestRestoredClusterOverTCP(t *testing.T) {
	shared, from, want := restoreSource(t)
	restoreAndCheck(t, shared, from, want, nil)
}

// restoreSource runs a three-node cluster with its snapshots in an
// in-memory object store, writes 200 keys, snapshots the leader and stops
// every node. It returns the store, the leader's ID and the keys.
func restoreSource(t *testing.T) (objstore.Store, string, map[string]string) {
	shared := objstore.NewMem()
	c := startClusterWith(t, 3, false, func(cfg *Config) { cfg.SnapshotObjects = shared })
	want := map[string]string{}
	for i := 0; i < 200; i++ {
		k, v := fmt.Sprint("key", i), fmt.Sprint("val", i)
		c.set(k, v)
		want[k] = v
	}
	l := c.leader()
	if err := l.TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	from := l.cfg.ID
	for _, n := range c.nodes {
		n.Close()
	}
	return shared, from, want
}

// restoreAndCheck seeds three new nodes over TCP from node from's newest
// snapshot in shared, starts them (each transport wrapped by wrap, when
// set), writes through the new leader, and checks that every node holds
// want and the write and is a member of the new configuration.
func restoreAndCheck(t *testing.T, shared objstore.Store, from string, want map[string]string, wrap func(raft.Transport) raft.Transport) {
	const n = 3
	trans := make([]raft.Transport, n)
	var voters []Peer
	for i := range trans {
		tr, err := NewTCPTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		trans[i] = tr
		voters = append(voters, Peer{ID: fmt.Sprint("r", i), Addr: string(tr.LocalAddr())})
	}
	base := t.TempDir()
	var seeded []*Seeded
	for i, v := range voters {
		s, err := SeedFromSnapshot(t.Context(), SeedConfig{From: shared, FromNode: from, ID: v.ID, DataDir: filepath.Join(base, v.ID), Voters: voters, LogOutput: io.Discard})
		if err != nil {
			for _, tr := range trans[i:] {
				if c, ok := tr.(io.Closer); ok {
					c.Close()
				}
			}
			t.Fatal(err)
		}
		seeded = append(seeded, s)
	}
	for _, s := range seeded[1:] {
		if s.Snapshot.ID != seeded[0].Snapshot.ID || s.SHA256 != seeded[0].SHA256 {
			t.Fatalf("nodes seeded from different snapshots: %s %x and %s %x", seeded[0].Snapshot.ID, seeded[0].SHA256, s.Snapshot.ID, s.SHA256)
		}
	}
	r := &cluster{t: t, nodes: make([]*Node, n)}
	t.Cleanup(func() {
		for _, nd := range r.nodes {
			if nd != nil {
				nd.Close()
			}
		}
	})
	for i, v := range voters {
		tr := trans[i]
		if wrap != nil {
			tr = wrap(tr)
		}
		nd, err := New(Config{ID: v.ID, Transport: tr, DataDir: filepath.Join(base, v.ID), LogOutput: io.Discard})
		if err != nil {
			t.Fatal(err)
		}
		r.nodes[i] = nd
	}
	nl := r.leader()
	if term := nl.Raft().CurrentTerm(); term <= seeded[0].Term {
		t.Errorf("new leader's term %d, want above the snapshot's %d", term, seeded[0].Term)
	}
	r.set("after", "restore")
	want["after"] = "restore"
	for _, nd := range r.nodes {
		waitFor(t, "node to apply the write after restore", func() bool { return nd.AppliedIndex() >= nl.AppliedIndex() })
		checkFSMKeys(t, nd.fsm, want)
		if !nd.Member() {
			t.Errorf("%s is not a member of its own configuration", nd.cfg.ID)
		}
	}
	cf := nl.Raft().GetConfiguration()
	if err := cf.Error(); err != nil {
		t.Fatal(err)
	}
	if got, want := cf.Configuration().Servers, voterConfiguration(voters).Servers; !slices.Equal(got, want) {
		t.Errorf("configuration %v, want %v", got, want)
	}
}
