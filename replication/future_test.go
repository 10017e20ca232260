package replication

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// strandedFuture is shaped like raft's futures (a deferError embedded by
// value) and is never resolved, like a raft future stranded by Shutdown.
type strandedFuture struct{ deferLike }

type deferLike struct {
	errCh      chan error
	ShutdownCh chan struct{}
}

func (f *strandedFuture) Error() error {
	select {
	case err := <-f.errCh:
		return err
	case <-f.ShutdownCh:
		return raft.ErrRaftShutdown
	}
}

func TestAwaitFutureStranded(t *testing.T) {
	f := &strandedFuture{deferLike{errCh: make(chan error)}}
	stop := make(chan struct{})
	got := make(chan error, 1)
	go func() { got <- awaitFuture(f, stop) }()
	time.Sleep(10 * time.Millisecond)
	close(stop)
	select {
	case err := <-got:
		if !errors.Is(err, raft.ErrRaftShutdown) {
			t.Fatalf("got %v, want %v", err, raft.ErrRaftShutdown)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("awaitFuture still blocked after stop closed")
	}
}

// TestAwaitFutureBindsRaftFutures checks that raft's own Apply future
// carries the ShutdownCh awaitFuture relies on (a raft upgrade that drops
// it would silently bring the leak back).
func TestAwaitFutureBindsRaftFutures(t *testing.T) {
	c := startCluster(t, 1, false)
	n := c.leader()
	stop := make(chan struct{})
	f := n.raft.Apply(encodeMeta("x", "127.0.0.1:1"), time.Second)
	if err := awaitFuture(f, stop); err != nil {
		t.Fatal(err)
	}
	sc := reflect.ValueOf(f).Elem().FieldByName("ShutdownCh")
	if !sc.IsValid() || sc.Interface() != any(stop) {
		t.Fatalf("raft's apply future (%T) did not take the stop channel as its ShutdownCh", f)
	}
}
