package resp

import (
	"strconv"
	"sync"
	"time"

	"redraft/kv/pubsub"
)

// The output queue of a connection that has subscribed: see "Output of a
// subscribed connection" in pubsub.go.

// psDrainTimeout bounds how long a closing connection waits for its queued
// output (QUIT's +OK, say) to reach a client that stopped reading.
const psDrainTimeout = time.Second

// psOut is the output queue of a connection that has subscribed.
type psOut struct {
	c    *conn
	wake chan struct{} // capacity 1: the writer has something to do
	done chan struct{} // closed when the writer returns

	mu        sync.Mutex
	buf       []byte // queued output
	inflight  int    // bytes taken by the writer and not yet written
	closing   bool   // write what is queued, then stop
	dead      bool   // stop now; drop everything
	softSince int64  // Unix ns the soft limit was first exceeded, 0 when under it
}

// psStart gives the connection its output queue and writer, once.
func (c *conn) psStart() {
	if c.ps != nil {
		return
	}
	t := &c.srv.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	c.psStartLocked()
}

// psStartLocked is psStart with the tracking lock held: tracking's
// invalidations find either the queue or pushEarly, whose messages the
// queue starts with (tracking_redirect.go).
func (c *conn) psStartLocked() {
	if c.ps != nil {
		return
	}
	o := &psOut{c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	// Whatever is already in c.w goes first.
	o.buf = append(o.buf, c.w.Bytes()...)
	c.w.Reset()
	o.buf = append(o.buf, c.pushEarly...)
	c.pushEarly = nil
	c.ps = o
	c.psA.Store(o)
	c.srv.wg.Add(1)
	go o.run()
}

// psFinish stops delivery to a closing connection and lets its writer send
// what is queued (bounded by psDrainTimeout).
func (c *conn) psFinish() {
	if c.ps == nil {
		return
	}
	c.srv.hub.Forget(c)
	c.stopMonitor()
	o := c.ps
	o.mu.Lock()
	o.closing = true
	o.mu.Unlock()
	o.signal()
	_ = c.nc.SetWriteDeadline(time.Now().Add(psDrainTimeout))
	<-o.done
}

func (o *psOut) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine.
func (o *psOut) run() {
	c := o.c
	defer c.srv.wg.Done()
	defer close(o.done)
	var spare []byte
	for {
		o.mu.Lock()
		for len(o.buf) == 0 && !o.closing && !o.dead {
			o.mu.Unlock()
			<-o.wake
			o.mu.Lock()
		}
		if o.dead || (o.closing && len(o.buf) == 0) {
			o.mu.Unlock()
			return
		}
		b := o.buf
		o.buf = spare[:0]
		o.inflight = len(b)
		o.mu.Unlock()

		for rest := b; len(rest) > 0; {
			chunk := min(len(rest), writeChunk)
			c.writeSince.Store(c.srv.now.Load())
			n, err := c.nc.Write(rest[:chunk])
			rest = rest[n:]
			if err != nil {
				c.writeSince.Store(0)
				o.kill()
				return
			}
		}
		c.writeSince.Store(0)
		c.netOut.Add(int64(len(b)))
		if cap(b) <= writeBufferKeep {
			spare = b[:0]
		} else {
			spare = nil
		}
		o.mu.Lock()
		o.inflight = 0
		o.mu.Unlock()
	}
}

// kill drops the queue and closes the connection (its reader then ends).
func (o *psOut) kill() {
	o.mu.Lock()
	o.dead = true
	o.buf = nil
	o.mu.Unlock()
	o.signal()
	o.c.kill()
}

// overLimit enforces the output limits after bytes were queued; o.mu is
// held. It reports whether the connection must be closed.
func (o *psOut) overLimit() bool {
	c := o.c
	pending := int64(len(o.buf) + o.inflight)
	class := classPubSub
	switch {
	case c.monitorA.Load():
		class = classReplica // Redis's monitors are replica-class clients
	case c.subsA.Load() == 0:
		return pending > c.srv.cfg.OutputBufferMax
	}
	l := c.srv.outLimits.Load()[class]
	if l.hard > 0 && pending > l.hard {
		return true
	}
	if l.soft > 0 && pending > l.soft {
		now := c.srv.now.Load()
		if o.softSince == 0 {
			o.softSince = now
		} else if now-o.softSince >= l.softSecs*int64(time.Second) {
			return true
		}
		return false
	}
	o.softSince = 0
	return false
}

// queued is called with o.mu held after bytes were appended: it enforces
// the limits and wakes the writer. It reports false when the connection
// was closed.
func (o *psOut) queued() bool {
	if o.overLimit() {
		c := o.c
		c.srv.log.Warn("resp: closing client that reached its output buffer limit",
			"id", c.id, "addr", c.addr, "pending_bytes", len(o.buf)+o.inflight, "subscribed", c.subsA.Load() > 0)
		o.dead = true
		o.buf = nil
		o.signal()
		c.kill()
		return false
	}
	o.signal()
	return true
}

// write queues the connection's own replies (flush in subscribed mode).
func (o *psOut) write(b []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		return false
	}
	o.buf = append(o.buf, b...)
	return o.queued()
}

// Deliver implements pubsub.Subscriber: it renders the message in the
// client's current protocol and queues it. It runs on the applying
// goroutine and never blocks on the client.
func (c *conn) Deliver(m *pubsub.Message) {
	o := c.ps
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		return
	}
	b := o.buf
	push := c.protoA.Load() == 3
	if m.Kind == pubsub.Pattern {
		b = appendPushHeader(b, push, 4)
		b = appendBulkString(b, psWords[m.Kind].msg)
		b = appendBulk(b, m.Pattern)
	} else {
		b = appendPushHeader(b, push, 3)
		b = appendBulkString(b, psWords[m.Kind].msg)
	}
	b = appendBulk(b, m.Channel)
	b = appendBulk(b, m.Payload)
	o.buf = b
	o.queued()
}

func appendPushHeader(b []byte, push bool, n int) []byte {
	if push {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendConfirm renders an (un)subscribe confirmation: the word, the
// channel (null for an UNSUBSCRIBE of nothing) and the count.
func appendConfirm(b []byte, proto uint8, word string, name []byte, count int) []byte {
	b = appendPushHeader(b, proto == 3, 3)
	b = appendBulkString(b, word)
	switch {
	case name != nil:
		b = appendBulk(b, name)
	case proto == 3:
		b = append(b, "_\r\n"...)
	default:
		b = append(b, "$-1\r\n"...)
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, '\r', '\n')
}

// moveOutput hands what the connection wrote so far to its queue, so that
// what follows (a confirmation written under the hub's lock) comes after.
func (c *conn) moveOutput() {
	if c.w.Len() > 0 {
		if !c.ps.write(c.w.Bytes()) {
			c.dead = true
		}
		c.w.Reset()
	}
}
