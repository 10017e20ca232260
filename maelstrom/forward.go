package maelstrom

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"redraft/replication"
)

// forwarder implements replication.Forwarder over Maelstrom messages: a
// follower sends a batch as a fwd message to the leader, which runs it with
// Node.HandleForwardVouched and answers fwd_ok with the RESP replies.
//
// The message carries the follower's raft term, read when the batch is
// sent (after its commands arrived): with at most three voters that vouches
// for the leader the way a VerifyLeader round would, so a forwarded batch
// of reads costs the fwd and its reply and no quorum round (see
// replication/vouch.go).
type forwarder struct {
	peers   *peers
	timeout time.Duration // bound on one forwarded batch when ctx has no earlier deadline
	// node is this node once it started (its term goes into each fwd).
	node atomic.Pointer[replication.Node]
}

var _ replication.Forwarder = (*forwarder)(nil)

// Forward implements replication.Forwarder. Errors wrap ErrForwardNotSent
// when the leader certainly did not run the batch (nothing was sent, or it
// refused with a definite code) and ErrForwardUnknown otherwise.
func (f *forwarder) Forward(ctx context.Context, leaderID string, payload []byte) ([]byte, error) {
	timeout := f.timeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(d))
	}
	if timeout <= 0 {
		return nil, fmt.Errorf("%w: no time left", replication.ErrForwardNotSent)
	}
	var term uint64
	if n := f.node.Load(); n != nil {
		term = n.Raft().CurrentTerm()
	}
	_, w := ctx.Value(writeOpKey{}).(bool)
	b, err := f.peers.call(leaderID, peerBody{Type: typeForward, T: timeout.Milliseconds(), Term: term, W: w}, payload, timeout)
	switch {
	case errors.Is(err, errNotSent):
		return nil, fmt.Errorf("%w: %w", replication.ErrForwardNotSent, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", replication.ErrForwardUnknown, err)
	}
	switch b.Type {
	case typeForwardOK:
		return b.P, nil
	case "error":
		if c := derefInt(b.Code); c == codeUnavailable || c == codeMalformed {
			return nil, fmt.Errorf("%w: leader refused (%d): %s", replication.ErrForwardNotSent, c, b.Text)
		}
		return nil, fmt.Errorf("%w: leader replied error %d: %s", replication.ErrForwardUnknown, derefInt(b.Code), b.Text)
	}
	return nil, fmt.Errorf("%w: unexpected reply type %q", replication.ErrForwardUnknown, b.Type)
}

// writeOpKey marks the context of a client write or cas: the batch a
// follower forwards for it holds no read (fwd's w field).
type writeOpKey struct{}

// forwardWaitMax bounds how long the leader works on a forwarded batch,
// whatever the sender asked for.
const forwardWaitMax = 10 * time.Second

// forwardContext is the context a forwarded batch runs in: the sender's
// wait (t ms), bounded.
func forwardContext(t int64, def time.Duration) (context.Context, context.CancelFunc) {
	d := time.Duration(t) * time.Millisecond
	if d <= 0 {
		d = def
	}
	return context.WithTimeout(context.Background(), min(d, forwardWaitMax))
}

// forwardReply runs a batch that node from forwarded in its term on node
// and returns the reply body payload or an error code and text.
func forwardReply(ctx context.Context, n *replication.Node, payload []byte, from string, term uint64) ([]byte, int, string) {
	out, err := n.HandleForwardVouched(ctx, payload, from, term)
	switch {
	case err == nil:
		return out, 0, ""
	case errors.Is(err, replication.ErrNotLeader):
		return nil, codeUnavailable, err.Error()
	}
	// A batch that did not decode was not run, but a member registration
	// may have been applied: report the safe, indefinite code.
	return nil, codeCrash, err.Error()
}
