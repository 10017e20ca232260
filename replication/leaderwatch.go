package replication

import (
	"context"
	"sync"

	"github.com/hashicorp/raft"
)

// leaderEpoch tells a waiter that the leader this node knows has changed:
// current returns a channel that is closed at the next change. raft calls
// observe (an observer's filter) on its own goroutine whenever the leader
// it knows changes, to another node or to none.
//
// A follower forwarding a batch to the leader uses it to stop waiting for
// the reply as soon as it learns of a new leader (or loses the old one):
// the old leader then either lost its leadership (its answer would be
// -UNCERTAIN) or cannot be reached, and the client is better told now
// than after the forward's full timeout (the leader's commit wait + 1 s).
type leaderEpoch struct {
	mu sync.Mutex
	ch chan struct{}
}

func newLeaderEpoch() *leaderEpoch { return &leaderEpoch{ch: make(chan struct{})} }

// current returns the channel closed at the next leader change. Take it
// before reading the leader, so that a change in between closes it.
func (e *leaderEpoch) current() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ch
}

// observe is the filter of the node's raft observer: it closes the current
// channel on a leader change and lets nothing through to a channel.
func (e *leaderEpoch) observe(o *raft.Observation) bool {
	if _, ok := o.Data.(raft.LeaderObservation); ok {
		e.mu.Lock()
		close(e.ch)
		e.ch = make(chan struct{})
		e.mu.Unlock()
	}
	return false
}

// untilMoved returns a context that is cancelled with ctx or when moved is
// closed, and its cancel function (which must be called).
func untilMoved(ctx context.Context, moved <-chan struct{}) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-moved:
			cancel()
		case <-c.Done():
		}
	}()
	return c, cancel
}
