package snapshot

import (
	"bytes"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
)

// logFSM keeps every applied entry, concatenated.
type logFSM struct {
	mu   sync.Mutex
	data []byte
}

func (f *logFSM) Apply(l *raft.Log) any {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.data = append(f.data, l.Data...)
	return nil
}

func (f *logFSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fsmSnap(bytes.Clone(f.data)), nil
}

func (f *logFSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.data = b
	f.mu.Unlock()
	return nil
}

func (f *logFSM) bytes() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return bytes.Clone(f.data)
}

type fsmSnap []byte

func (s fsmSnap) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (fsmSnap) Release() {}

// TestRaftSnapshotAndRestart runs a one-node raft on the store: a user
// snapshot is taken, the log compacted, and a restarted node (a fresh
// Store on the same objects) restores the FSM from it.
func TestRaftSnapshotAndRestart(t *testing.T) {
	obj := objstore.NewMem()
	logs := raft.NewInmemStore()
	conf := raft.DefaultConfig()
	conf.LocalID = "n1"
	conf.HeartbeatTimeout = 50 * time.Millisecond
	conf.ElectionTimeout = 50 * time.Millisecond
	conf.LeaderLeaseTimeout = 50 * time.Millisecond
	conf.CommitTimeout = 5 * time.Millisecond
	conf.TrailingLogs = 2
	conf.Logger = hclog.NewNullLogger()
	opt := Options{SegmentBytes: 1000, RecordBytes: 100, Retain: 2}

	start := func() (*raft.Raft, *logFSM, *Store) {
		st, err := New(obj, opt)
		if err != nil {
			t.Fatal(err)
		}
		_, trans := raft.NewInmemTransport("n1")
		fsm := &logFSM{}
		r, err := raft.NewRaft(conf, fsm, logs, logs, st, trans)
		if err != nil {
			t.Fatal(err)
		}
		return r, fsm, st
	}
	r, fsm, st := start()
	if err := r.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{ID: "n1", Address: "n1"}}}).Error(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.State() != raft.Leader {
		if time.Now().After(deadline) {
			t.Fatal("no leader")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 60 {
		if err := r.Apply(randomBytes(uint64(i), 97), time.Second).Error(); err != nil {
			t.Fatal(err)
		}
	}
	f := r.Snapshot()
	if err := f.Error(); err != nil {
		t.Fatal(err)
	}
	meta, rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	snapBytes, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(snapBytes, fsm.bytes()) || meta.Size != int64(len(snapBytes)) {
		t.Fatalf("snapshot read back %d bytes (%v), meta size %d, want the FSM's %d", len(snapBytes), err, meta.Size, len(fsm.bytes()))
	}
	first, _ := logs.FirstIndex()
	if first <= 1 {
		t.Fatalf("log not compacted: first index %d", first)
	}
	for i := 60; i < 65; i++ { // after the snapshot: replayed from the log
		if err := r.Apply(randomBytes(uint64(i), 97), time.Second).Error(); err != nil {
			t.Fatal(err)
		}
	}
	want := fsm.bytes()
	if err := r.Shutdown().Error(); err != nil {
		t.Fatal(err)
	}
	st.Close()

	r, fsm, st = start()
	defer st.Close()
	defer r.Shutdown()
	if got := fsm.bytes(); !bytes.Equal(got, snapBytes) {
		t.Fatalf("restart restored %d bytes, want the snapshot's %d", len(got), len(snapBytes))
	}
	deadline = time.Now().Add(5 * time.Second)
	for !bytes.Equal(fsm.bytes(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("after restart the FSM has %d bytes, want %d", len(fsm.bytes()), len(want))
		}
		time.Sleep(5 * time.Millisecond)
	}
}
