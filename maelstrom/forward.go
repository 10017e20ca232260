package maelstrom

import (
	"context"
	"errors"
	"fmt"
	"time"

	"redraft/replication"
)

// forwarder implements replication.Forwarder over Maelstrom messages: a
// follower sends a batch as a fwd message to the leader, which runs it with
// Node.HandleForward and answers fwd_ok with the RESP replies.
type forwarder struct {
	peers   *peers
	timeout time.Duration // bound on one forwarded batch when ctx has no earlier deadline
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
	b, err := f.peers.call(leaderID, typeForward, payload, timeout.Milliseconds(), timeout)
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

// forwardReply runs a forwarded batch on node and returns the reply body
// payload or an error code and text.
func forwardReply(ctx context.Context, n *replication.Node, payload []byte) ([]byte, int, string) {
	out, err := n.HandleForward(ctx, payload)
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
