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
	n := &Node{snapRefused: make(chan struct{}, 1)}
	if _, ok := n.watchRefusals(inmem).(raft.WithPreVote); ok != isPreVote(inmem) {
		t.Error("pre-vote visibility changed by the wrapper")
	}
}

func isPreVote(t raft.Transport) bool { _, ok := t.(raft.WithPreVote); return ok }
