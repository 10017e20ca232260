package resp

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// sockReader runs a connection's read loop, avoiding a wasted system call
// per request on TCP connections.
//
// net.Conn.Read always tries read(2) first and waits for the poller only
// after EAGAIN; and each Read call first resets the poller's readiness
// flag. A client that waits for its reply (no pipelining) has sent nothing
// more when the server comes back to read, so that first read(2) fails
// every time: one system call in three is wasted.
//
// readLoop instead runs the whole loop inside one RawConn.Read call: after
// a read(2) that drained the socket (it returned less than asked) it
// returns to the poller, which parks the goroutine until the next
// readiness event — or returns at once when data arrived meanwhile, since
// Go's edge-triggered poller records events that come while the goroutine
// runs and nothing resets that record between iterations.
type sockReader struct {
	nc  net.Conn
	raw syscall.RawConn // nil: plain nc.Read loop
}

func newSockReader(nc net.Conn) *sockReader {
	r := &sockReader{nc: nc}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			r.raw = raw
		}
	}
	return r
}

// readLoop reads into buf() and calls got with the byte count until got
// returns false, the peer closes (io.EOF) or a read fails. buf must return
// a non-empty slice.
func (r *sockReader) readLoop(buf func() []byte, got func(n int) bool) error {
	if r.raw == nil {
		for {
			n, err := r.nc.Read(buf())
			if n > 0 && !got(n) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	}
	var loopErr error
	err := r.raw.Read(func(fd uintptr) bool {
		for {
			b := buf()
			n, err := syscall.Read(int(fd), b)
			switch {
			case err == syscall.EINTR:
				continue
			case errors.Is(err, syscall.EAGAIN):
				return false // wait for readiness
			case err != nil:
				loopErr = err
				return true
			case n == 0:
				loopErr = io.EOF
				return true
			}
			if !got(n) {
				return true
			}
			if n < len(b) {
				return false // drained: wait for readiness
			}
		}
	})
	if err != nil {
		return err
	}
	return loopErr
}
