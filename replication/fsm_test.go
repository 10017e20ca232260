package replication

import (
	"bytes"
	"io"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

func fsmSet(t *testing.T, f *FSM, index uint64, key, val string) {
	t.Helper()
	data := encodeEntry(nil, "other", []*kv.Cmd{{Args: [][]byte{[]byte("SET"), []byte(key), []byte(val)}, Proto: 2}})
	f.ApplyBatch([]*raft.Log{{Index: index, Term: 1, Type: raft.LogCommand, Data: data}})
}

func snapshotBytes(t *testing.T, f *FSM) []byte {
	t.Helper()
	s, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	return s.(*fsmSnapshot).data
}

func fsmGet(f *FSM, key string) string {
	w := kv.NewWriter(nil, 2)
	f.Read(func(m *kv.Machine) { m.Exec(&kv.Cmd{Args: [][]byte{[]byte("GET"), []byte(key)}, Proto: 2}, w) })
	return string(w.Bytes())
}

// TestFSMIgnoresOlderSnapshot: a follower that applied past a leader's
// snapshot keeps its state when raft installs that snapshot, and skips the
// entries raft re-sends after it (replication/sim seed 671).
func TestFSMIgnoresOlderSnapshot(t *testing.T) {
	leader, follower := newFSM("a"), newFSM("b")
	for i, f := range []*FSM{leader, follower} {
		fsmSet(t, f, 1, "k", "v1")
		if i == 1 {
			fsmSet(t, f, 2, "k", "v2")
			fsmSet(t, f, 3, "n", "x")
		}
	}
	old := snapshotBytes(t, leader) // at index 1
	if err := follower.Restore(io.NopCloser(bytes.NewReader(old))); err != nil {
		t.Fatal(err)
	}
	if got, want := follower.AppliedIndex(), uint64(3); got != want {
		t.Fatalf("applied index after restoring an older snapshot: got %d, want %d", got, want)
	}
	// raft re-sends 2 and 3, then 4 is new.
	fsmSet(t, follower, 2, "k", "v2")
	fsmSet(t, follower, 3, "n", "x")
	fsmSet(t, follower, 4, "k", "v4")
	fsmSet(t, leader, 2, "k", "v2")
	fsmSet(t, leader, 3, "n", "x")
	fsmSet(t, leader, 4, "k", "v4")
	if got, want := snapshotBytes(t, follower), snapshotBytes(t, leader); !bytes.Equal(got, want) {
		t.Fatalf("follower and leader state differ: %q vs %q", got, want)
	}
	if got, want := fsmGet(follower, "k"), "$2\r\nv4\r\n"; got != want {
		t.Fatalf("GET k: got %q, want %q", got, want)
	}
	// A newer snapshot still replaces the state.
	fsmSet(t, leader, 5, "k", "v5")
	if err := follower.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, leader)))); err != nil {
		t.Fatal(err)
	}
	if got, want := fsmGet(follower, "k"), "$2\r\nv5\r\n"; got != want {
		t.Fatalf("GET k after a newer snapshot: got %q, want %q", got, want)
	}
}
