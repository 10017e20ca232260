package replication

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/kv/pubsub"
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
	var sink memSink
	if err := s.Persist(&sink); err != nil {
		t.Fatal(err)
	}
	s.Release()
	return sink.Bytes()
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }
func (s *memSink) Close() error  { return nil }

func fsmGet(f *FSM, key string) string {
	w := kv.NewWriter(nil, 2)
	f.Read(func(m *kv.Machine) { m.Exec(&kv.Cmd{Args: [][]byte{[]byte("GET"), []byte(key)}, Proto: 2}, w) })
	return string(w.Bytes())
}

// TestFSMRefusesOlderSnapshot: a follower that applied past a leader's
// snapshot refuses it (raft would set its applied index back and re-apply
// entries the follower may have compacted: olderstate.go) and keeps its
// state; entries at or below its applied index are skipped if they come
// again; a newer snapshot still replaces the state.
func TestFSMRefusesOlderSnapshot(t *testing.T) {
	leader, follower := newFSM("a"), newFSM("b")
	for i, f := range []*FSM{leader, follower} {
		fsmSet(t, f, 1, "k", "v1")
		if i == 1 {
			fsmSet(t, f, 2, "k", "v2")
			fsmSet(t, f, 3, "n", "x")
		}
	}
	old := snapshotBytes(t, leader) // at index 1
	before := snapshotBytes(t, follower)
	err := follower.Restore(io.NopCloser(bytes.NewReader(old)))
	if !errors.Is(err, errOlderSnapshot) || !strings.Contains(err.Error(), olderSnapshotText) {
		t.Fatalf("restoring an older snapshot: got %v, want %v", err, errOlderSnapshot)
	}
	if got, want := follower.AppliedIndex(), uint64(3); got != want {
		t.Fatalf("applied index after refusing an older snapshot: got %d, want %d", got, want)
	}
	if got := snapshotBytes(t, follower); !bytes.Equal(got, before) {
		t.Fatal("refusing an older snapshot changed the state")
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

// pubsubRecorder subscribes to a hub and records what it receives.
type pubsubRecorder struct{ got []string }

func (r *pubsubRecorder) Deliver(m *pubsub.Message) {
	r.got = append(r.got, string(m.Channel)+"="+string(m.Payload))
}

// TestFSMPublishesAtApply: every node's FSM hands the PUBLISH messages of
// the entries it applies to its hub, whichever node proposed them, and
// keeps doing so after a snapshot restore replaced its machine.
func TestFSMPublishesAtApply(t *testing.T) {
	f := newFSM("self")
	r := &pubsubRecorder{}
	f.PubSub().Subscribe(r, pubsub.Channel, []byte("ch"), func(pubsub.Counts) {})
	publish := func(index uint64, origin, msg string) *applyResult {
		data := encodeEntry(nil, origin, []*kv.Cmd{{Args: [][]byte{[]byte("PUBLISH"), []byte("ch"), []byte(msg)}, Proto: 2}})
		res, _ := f.ApplyBatch([]*raft.Log{{Index: index, Term: 1, Type: raft.LogCommand, Data: data}})[0].(*applyResult)
		return res
	}
	publish(1, "other", "a")
	if res := publish(2, "self", "b"); res == nil || string(res.buf) != ":1\r\n" {
		t.Fatalf("reply of this node's PUBLISH: %+v, want :1 (one local subscriber)", res)
	}
	other := newFSM("x")
	fsmSet(t, other, 5, "k", "v")
	if err := f.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, other)))); err != nil {
		t.Fatal(err)
	}
	publish(6, "other", "c")
	if got, want := fmt.Sprint(r.got), "[ch=a ch=b ch=c]"; got != want {
		t.Fatalf("delivered %s, want %s", got, want)
	}
}
