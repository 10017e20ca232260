package replication

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/hashicorp/raft"
)

// refusingTransport answers InstallSnapshot with err.
type refusingTransport struct {
	raft.Transport
	err error
}

func (r refusingTransport) InstallSnapshot(raft.ServerID, raft.ServerAddress, *raft.InstallSnapshotRequest, *raft.InstallSnapshotResponse, io.Reader) error {
	return r.err
}

func (r refusingTransport) RequestPreVote(raft.ServerID, raft.ServerAddress, *raft.RequestPreVoteRequest, *raft.RequestPreVoteResponse) error {
	return nil
}

// TestRefusalWatch: only an InstallSnapshot refused as older than the
// follower's state asks for a snapshot, whatever wraps the error on the way
// back (raft's "failed to restore snapshot", a transport's error text), and
// pre-vote stays visible to raft.
func TestRefusalWatch(t *testing.T) {
	_, inmem := raft.NewInmemTransport("a")
	for _, tc := range []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("sim: rpc timed out"), 0},
		{fmt.Errorf("failed to restore snapshot 3-123-1: %w (snapshot at 123, applied 294)", errOlderSnapshot), 1},
		{errors.New("remote: failed to restore snapshot x: " + olderSnapshotText), 1},
	} {
		n := &Node{snapRefused: make(chan struct{}, 1)}
		tr := n.watchRefusals(refusingTransport{Transport: inmem, err: tc.err})
		if _, ok := tr.(raft.WithPreVote); !ok {
			t.Fatal("the wrapped transport lost pre-vote")
		}
		tr.InstallSnapshot("b", "b", &raft.InstallSnapshotRequest{}, &raft.InstallSnapshotResponse{}, nil)
		tr.InstallSnapshot("b", "b", &raft.InstallSnapshotRequest{}, &raft.InstallSnapshotResponse{}, nil)
		if got := len(n.snapRefused); got != tc.want {
			t.Errorf("error %v: %d snapshot requests pending, want %d", tc.err, got, tc.want)
		}
	}
	// A follower that rejects the append right after installing a
	// snapshot, with the snapshot's index as previous entry, asks too;
	// a rejection of another probe, or a success, does not.
	for _, tc := range []struct {
		prev    uint64
		success bool
		want    int
	}{{100, false, 1}, {100, true, 0}, {99, false, 0}} {
		n := &Node{snapRefused: make(chan struct{}, 1)}
		ft := &probeTransport{Transport: inmem, success: tc.success}
		tr := n.watchRefusals(ft)
		if err := tr.InstallSnapshot("b", "b", &raft.InstallSnapshotRequest{LastLogIndex: 100}, &raft.InstallSnapshotResponse{}, nil); err != nil {
			t.Fatal(err)
		}
		tr.AppendEntries("b", "b", &raft.AppendEntriesRequest{PrevLogEntry: tc.prev}, &raft.AppendEntriesResponse{})
		if got := len(n.snapRefused); got != tc.want {
			t.Errorf("append after install, prev %d success %v: %d snapshot requests, want %d", tc.prev, tc.success, got, tc.want)
		}
	}
	n := &Node{snapRefused: make(chan struct{}, 1)}
	if _, ok := n.watchRefusals(inmem).(raft.WithPreVote); ok != isPreVote(inmem) {
		t.Error("pre-vote visibility changed by the wrapper")
	}
}

// probeTransport installs every snapshot and answers appends with success.
type probeTransport struct {
	raft.Transport
	success bool
}

func (p *probeTransport) InstallSnapshot(_ raft.ServerID, _ raft.ServerAddress, _ *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, _ io.Reader) error {
	resp.Success = true
	return nil
}

func (p *probeTransport) AppendEntries(_ raft.ServerID, _ raft.ServerAddress, _ *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	resp.Success = p.success
	return nil
}

func isPreVote(t raft.Transport) bool { _, ok := t.(raft.WithPreVote); return ok }
