package replication

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// cowEntry is the index-th entry of the history the snapshot tests apply:
// writes of every type over a few hundred keys in two databases.
func cowEntry(index uint64) *raft.Log {
	k := fmt.Sprintf("k%03d", index*7919%300)
	v := fmt.Sprint(index)
	var args []string
	switch index % 6 {
	case 0:
		args = []string{"SET", k, v}
	case 1:
		args = []string{"HSET", "h" + k, v, v}
	case 2:
		args = []string{"RPUSH", "l" + k, v}
	case 3:
		args = []string{"ZADD", "z" + k, v, v}
	case 4:
		args = []string{"SADD", "s" + k, v}
	default:
		args = []string{"DEL", k, "h" + k}
	}
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	data := encodeEntry(nil, "other", []*kv.Cmd{{Args: a, Proto: 2, NowMs: 1_700_000_000_000, DB: int(index % 2)}})
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: data}
}

func applyCow(f *FSM, from, to uint64) {
	for i := from; i <= to; i++ {
		f.ApplyBatch([]*raft.Log{cowEntry(i)})
	}
}

// TestFSMSnapshotUnderWrites: entries apply and reads run while Persist
// streams; the snapshot equals that of an FSM stopped at the cut, and
// restores to it.
func TestFSMSnapshotUnderWrites(t *testing.T) {
	const cut, end = 3000, 9000
	f, ref := newFSM("a"), newFSM("a")
	applyCow(f, 1, cut)
	applyCow(ref, 1, cut)
	want := snapshotBytes(t, ref)

	s, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); applyCow(f, cut+1, end) }()
	go func() {
		defer wg.Done()
		for i := 0; i < 2000; i++ {
			fsmGet(f, fmt.Sprintf("k%03d", i%300))
		}
	}()
	var sink memSink
	err = s.Persist(&sink)
	wg.Wait()
	s.Release()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(sink.Bytes(), want) {
		t.Fatalf("snapshot under writes: %d bytes, stopped FSM: %d bytes", sink.Len(), len(want))
	}
	into := newFSM("b")
	if err := into.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if into.AppliedIndex() != cut {
		t.Fatalf("restored applied index %d, want %d", into.AppliedIndex(), cut)
	}
	// The FSM went on as if no snapshot had been taken.
	applyCow(ref, cut+1, end)
	if a, b := snapshotBytes(t, f), snapshotBytes(t, ref); !bytes.Equal(a, b) {
		t.Fatal("state after the snapshot differs from an FSM that took none")
	}
}

// TestFSMSnapshotWhileOneInProgress: a second Snapshot before the first is
// released is serialised at once (the old path), and both are the same
// state when nothing applied in between.
func TestFSMSnapshotWhileOneInProgress(t *testing.T) {
	f := newFSM("a")
	applyCow(f, 1, 500)
	first, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if second.(*fsmSnapshot).cut != nil {
		t.Fatal("second snapshot got a cut while the first holds one")
	}
	var a, b memSink
	if err := second.Persist(&b); err != nil {
		t.Fatal(err)
	}
	second.Release()
	if err := first.Persist(&a); err != nil {
		t.Fatal(err)
	}
	first.Release()
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the two snapshots of the same state differ")
	}
	if s, _ := f.Snapshot(); s.(*fsmSnapshot).cut == nil {
		t.Fatal("no cut after the first was released")
	}
}
