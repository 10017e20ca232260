package replication

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"redraft/kv"
	"redraft/wire"
)

// ForwardCommand is the RESP command a follower sends to the leader's client
// port (or, with cluster authentication, its peer channel) to run a batch of
// commands there: REDRAFT.FORWARD <entry>, where <entry> is a version-1 log
// entry encoding of the batch. The leader replies with one bulk string
// holding the concatenated replies. The edge routes it to
// Node.HandleForward. Package wire owns the format.
const ForwardCommand = wire.ForwardCommand

// forwarder keeps pooled connections from a follower to leaders' client
// ports. A batch is sent on one connection and its reply read back; any
// failure after the request was (possibly) delivered makes the outcome of
// writes unknown, and the connection is discarded.
type forwarder struct {
	dialTimeout time.Duration // bound on opening (and authenticating) a connection
	timeout     time.Duration // bound on one forwarded batch (request + reply)
	// password returns what a new connection sends with AUTH before its
	// first command ("": no AUTH): the cluster's requirepass, which every
	// member's client port demands of the connections that forward to it.
	password func() string

	// dial, when set, opens connections instead of plain TCP to the
	// address (cluster authentication: the member's Raft port, peer
	// channel); those connections need no AUTH.
	dial func(ctx context.Context, addr string) (net.Conn, error)

	mu   sync.Mutex
	idle map[string][]*fwdConn // by address, bounded by forwardIdleMax
}

// forwardIdleMax bounds idle connections kept per leader address.
const forwardIdleMax = 64

type fwdConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

// Forwarder carries a follower's batch to the leader. The default sends
// REDRAFT.FORWARD to the leader's registered RESP address; Maelstrom mode
// supplies one that uses Maelstrom messages.
type Forwarder interface {
	// Forward sends payload (see EncodeForward) to the node leaderID and
	// returns its replies. Errors must wrap ErrForwardNotSent when nothing
	// reached the leader and ErrForwardUnknown otherwise.
	Forward(ctx context.Context, leaderID string, payload []byte) ([]byte, error)
}

var (
	// ErrForwardAuth: the leader refused the AUTH of a new forwarding
	// connection (the members' requirepass differ); nothing was sent.
	ErrForwardAuth = errors.New("replication: forward: the leader refused this node's AUTH")
	// ErrForwardNotSent: the batch certainly did not reach the leader.
	ErrForwardNotSent = errors.New("replication: forward: not sent")
	// ErrForwardUnknown: the batch may have reached the leader.
	ErrForwardUnknown = errors.New("replication: forward: outcome unknown")
	errForwardNotSent = ErrForwardNotSent
	errForwardUnknown = ErrForwardUnknown
)

// EncodeForward encodes a batch for Forwarder.Forward / Node.HandleForward.
func EncodeForward(cmds []*kv.Cmd) []byte { return encodeEntry(nil, "", cmds) }

// newForwarder returns a forwarder whose connections are opened within
// dialTimeout, authenticate with password() (nil: never), and wait up to
// timeout for a batch's reply. The reply bound is the leader's commit wait
// plus a margin: a leader that keeps its quorum answers within it, and a
// dial to a partitioned leader gives up on its own, shorter, bound.
func newForwarder(dialTimeout, timeout time.Duration, password func() string) *forwarder {
	if password == nil {
		password = func() string { return "" }
	}
	return &forwarder{dialTimeout: dialTimeout, timeout: timeout, password: password, idle: map[string][]*fwdConn{}}
}

func (f *forwarder) get(ctx context.Context, addr string) (*fwdConn, error) {
	for {
		f.mu.Lock()
		l := f.idle[addr]
		if len(l) == 0 {
			f.mu.Unlock()
			break
		}
		c := l[len(l)-1]
		f.idle[addr] = l[:len(l)-1]
		f.mu.Unlock()
		if c.alive() {
			return c, nil
		}
		c.c.Close()
	}
	if f.dial != nil {
		c, err := f.dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		return &fwdConn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}, nil
	}
	d := net.Dialer{Timeout: f.dialTimeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	fc := &fwdConn{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}
	if pass := f.password(); pass != "" {
		if err := fc.auth(pass, f.dialTimeout); err != nil {
			c.Close()
			return nil, err
		}
	}
	return fc, nil
}

// auth sends AUTH pass on a new connection and checks the reply.
func (c *fwdConn) auth(pass string, timeout time.Duration) error {
	c.c.SetDeadline(time.Now().Add(timeout))
	defer c.c.SetDeadline(time.Time{})
	wire.WriteCommand(c.w, []byte("AUTH"), []byte(pass))
	if err := c.w.Flush(); err != nil {
		return err
	}
	reply, err := wire.ReadReply(c.r, wire.ReplyBytesMax)
	if err != nil {
		return err
	}
	if len(reply) > 0 && reply[0] == '-' {
		return fmt.Errorf("%w: %s", ErrForwardAuth, bytes.TrimSpace(reply[1:]))
	}
	return nil
}

// alive reports whether an idle pooled connection is still open: the peer
// (a leader that restarted, say) has not closed it. Without this check the
// first batch sent on a dead connection would fail after sending and be
// reported as an unknown outcome although nothing reached the leader.
func (c *fwdConn) alive() bool {
	if c.r.Buffered() > 0 {
		return false // unsolicited bytes: the stream is out of step
	}
	return connOpen(socketOf(c.c))
}

func (f *forwarder) put(addr string, c *fwdConn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.idle[addr]) >= forwardIdleMax {
		c.c.Close()
		return
	}
	f.idle[addr] = append(f.idle[addr], c)
}

// forward sends a forward payload to the leader at addr and returns the raw replies.
func (f *forwarder) forward(ctx context.Context, addr string, payload []byte) ([]byte, error) {
	reply, err := f.call(ctx, addr, []byte(ForwardCommand), payload)
	if err != nil {
		return nil, err
	}
	body, err := wire.BulkBody(reply)
	if err != nil {
		return nil, fmt.Errorf("%w: leader: %w", errForwardUnknown, err)
	}
	return body, nil
}

// call sends one command to addr and returns its raw reply. Errors wrap
// errForwardNotSent (nothing reached the peer) or errForwardUnknown.
func (f *forwarder) call(ctx context.Context, addr string, args ...[]byte) ([]byte, error) {
	c, err := f.get(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errForwardNotSent, err)
	}
	deadline := time.Now().Add(f.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.c.SetDeadline(deadline)
	// A cancelled ctx (the leader moved, the client went away) ends the
	// wait at once.
	stop := context.AfterFunc(ctx, func() { c.c.SetDeadline(time.Now()) })
	wire.WriteCommand(c.w, args...)
	if err := c.w.Flush(); err != nil {
		stop()
		c.c.Close()
		return nil, fmt.Errorf("%w: %w", errForwardUnknown, err)
	}
	reply, err := wire.ReadReply(c.r, wire.ReplyBytesMax)
	if !stop() || err != nil {
		// Either it failed, or the cancellation ran and may have broken
		// the deadline of a connection that would go back to the pool.
		c.c.Close()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errForwardUnknown, err)
		}
		return reply, nil
	}
	c.c.SetDeadline(time.Time{})
	f.put(addr, c)
	return reply, nil
}

func (f *forwarder) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, l := range f.idle {
		for _, c := range l {
			c.c.Close()
		}
	}
	f.idle = map[string][]*fwdConn{}
}
