package replication

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Big AppendEntries get time in proportion to their size.
//
// raft's NetworkTransport gives every RPC one deadline, rpcTimeout (two
// thirds of the heartbeat timeout), from the moment it starts writing the
// request until the response is read; only InstallSnapshot is scaled by its
// size. An AppendEntries carrying one entry of 100 MB (a client's SET of a
// big value) could not be written and answered in 266 ms: every attempt
// timed out, the leader retried it for ever and nothing after it ever
// committed. (Big entries now go in parts of 1 MiB, fragment.go, but an
// AppendEntries carries up to 64 entries: a follower catching up over a
// big value's parts still gets them 64 MiB at a time.) sizedConn stretches the deadline of a connection raft dialled
// when one Write is big (the encoded entry data goes to the socket in one
// Write past bufio's buffer): the deadline becomes now + rpcTimeout +
// 2 x size / minRPCRate, time to send the bytes and for the follower to
// decode and fsync them before it answers. Small RPCs (heartbeats, votes,
// batches of ordinary entries) keep raft's deadline exactly.
//
// The price is the one raft already pays for InstallSnapshot: the success
// of a long RPC counts as a leadership confirmation for VerifyLeader when it
// arrives, and the follower said it as early as the RPC's start. A big
// entry's RPC is bounded by its size, like a snapshot's.

// bigRPCWrite is the size of an RPC from which its deadlines are stretched.
const bigRPCWrite = 1 << 20

// minRPCRate is the slowest rate (bytes per second) at which a big RPC is
// assumed to be written to, and then stored by, a follower.
const minRPCRate = 32 << 20

// sizedStream is a raft.StreamLayer whose dialled connections are sizedConns.
type sizedStream struct {
	raft.StreamLayer
	rate int64 // minRPCRate but in tests
}

// Dial implements raft.StreamLayer.
func (s sizedStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	c, err := s.StreamLayer.Dial(address, timeout)
	if err != nil {
		return nil, err
	}
	return &sizedConn{Conn: c, rate: s.rate}, nil
}

// sizedConn is one dialled Raft connection (sizedStream). raft sets its
// deadlines from one goroutine per RPC, or, on a pipeline, write deadlines
// from the sender and read deadlines from the response decoder: the fields
// are atomics.
type sizedConn struct {
	net.Conn
	rate int64
	// start (unix ns) and wbase: when raft last set a write deadline, and
	// how far ahead (0: none).
	start, wbase atomic.Int64
	// written counts the bytes written since.
	written atomic.Int64
	// readUntil (unix ns) is the read deadline a big write stretched to: a
	// later SetReadDeadline (the pipeline decoder's) does not shorten it.
	readUntil atomic.Int64
}

// SetDeadline implements net.Conn.
func (c *sizedConn) SetDeadline(t time.Time) error {
	c.noteWrite(t)
	c.readUntil.Store(0)
	return c.Conn.SetDeadline(t)
}

// SetWriteDeadline implements net.Conn.
func (c *sizedConn) SetWriteDeadline(t time.Time) error {
	c.noteWrite(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetReadDeadline implements net.Conn.
func (c *sizedConn) SetReadDeadline(t time.Time) error {
	if u := c.readUntil.Load(); u != 0 && !t.IsZero() && t.UnixNano() < u {
		t = time.Unix(0, u)
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *sizedConn) noteWrite(t time.Time) {
	now := time.Now()
	c.written.Store(0)
	c.start.Store(now.UnixNano())
	if t.IsZero() {
		c.wbase.Store(0)
		return
	}
	c.wbase.Store(int64(t.Sub(now)))
}

// Write implements net.Conn: once an RPC has written bigRPCWrite bytes,
// both deadlines move to start + base + 2 x written / rate. (The encoder
// writes a big entry in pieces of its buffer's size, so it is the total
// that counts.)
func (c *sizedConn) Write(p []byte) (int, error) {
	w := c.written.Add(int64(len(p)))
	if base := c.wbase.Load(); base > 0 && w >= bigRPCWrite {
		extra := 2 * w * int64(time.Second) / c.rate
		until := time.Unix(0, c.start.Load()+base+extra)
		c.Conn.SetWriteDeadline(until)
		c.readUntil.Store(until.UnixNano())
		c.Conn.SetReadDeadline(until)
	}
	return c.Conn.Write(p)
}

// tcpStream is a plain TCP raft.StreamLayer (raft's own TCPStreamLayer
// cannot be wrapped: it is built inside NewTCPTransport).
type tcpStream struct{ net.Listener }

// Dial implements raft.StreamLayer.
func (tcpStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", string(address), timeout)
}
