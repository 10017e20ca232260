package replication

import (
	"context"
	"sync"

	"github.com/hashicorp/raft"
)

// leaderEpoch tells a waiter that the leader this node knows has changed:
// current returns a context that is cancelled at the next change. raft
// calls observe (an observer's filter) on its own goroutine whenever the
// leader it knows changes, to another node or to none.
//
// A follower forwarding a batch to the leader uses it to stop waiting for
// the reply as soon as it learns of a new leader (or loses the old one):
// the old leader then either lost its leadership (its answer would be
// -UNCERTAIN) or cannot be reached, and the client is better told now
// than after the forward's full timeout (the leader's commit wait + 1 s).
type leaderEpoch struct {
	mu     sync.Mutex
	ctx    context.Context
	cancel context.CancelFunc
}

func newLeaderEpoch() *leaderEpoch {
	e := &leaderEpoch{}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	return e
}

// current returns the context cancelled at the next leader change. Take it
// before reading the leader, so that a change in between cancels it.
func (e *leaderEpoch) current() context.Context {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.ctx
}

// observe is the filter of the node's raft observer: it cancels the
// current context on a leader change and lets nothing through to a channel.
func (e *leaderEpoch) observe(o *raft.Observation) bool {
	if _, ok := o.Data.(raft.LeaderObservation); ok {
		e.mu.Lock()
		e.cancel()
		e.ctx, e.cancel = context.WithCancel(context.Background())
		e.mu.Unlock()
	}
	return false
}

// untilMoved returns a context that is cancelled with ctx or with moved
// (an epoch from current), and its cancel function, which must be called.
// It starts no goroutine: the forward path runs it for every batch.
func untilMoved(ctx, moved context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(moved, cancel)
	return c, func() { stop(); cancel() }
}
