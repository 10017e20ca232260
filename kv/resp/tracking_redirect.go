package resp

import (
	"errors"
	"os"
	"time"
)

// A redirection target without an output queue.
//
// CLIENT TRACKING ... REDIRECT id sends a client's invalidations to
// another connection, at any time. A RESP2 target hears them only when it
// subscribed to __redis__:invalidate, so it already has an output queue
// (pubsub.go). A RESP3 target hears them as push messages whatever it
// does, and may be a plain connection waiting in read with no queue: its
// replies are written by its own goroutine, which nothing else may touch.
// So the first message for it is kept in pushEarly (under the tracking
// lock), and its goroutine is woken by a read deadline in the past; it
// sees the deadline error, starts its queue with what was kept, clears
// the deadline and reads on (a queue started for another reason, by
// SUBSCRIBE say, takes what was kept too). From then on its replies go through the queue
// as a subscribed connection's do. A goroutine busy in a command (a
// blocking one, say) starts the queue when it next reads.
//
// What is kept meanwhile is bounded by the output buffer limit of a
// normal client: past it the connection is closed, as its queue would be.

// pushBeforeQueue keeps b for a connection that has no output queue yet
// and asks its goroutine to start one; t.mu is held. A RESP2 connection
// without a queue gets nothing (Redis drops those messages too).
func (c *conn) pushBeforeQueue(b []byte) {
	if c.protoA.Load() != 3 || c.killedA.Load() {
		return
	}
	if len(c.pushEarly)+len(b) > int(c.srv.cfg.OutputBufferMax) {
		c.srv.log.Warn("resp: closing client that reached its output buffer limit",
			"id", c.id, "addr", c.addr, "pending_bytes", len(c.pushEarly)+len(b), "subscribed", false)
		c.pushEarly = nil
		c.kill()
		return
	}
	c.pushEarly = append(c.pushEarly, b...)
	if !c.pushWanted.Swap(true) {
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
	}
}

// pushQueueWanted is called by serve when its read loop returned err: when
// err is the wake-up of pushBeforeQueue, it starts the output queue (with
// what was kept), clears the deadline and reports that reading goes on.
func (c *conn) pushQueueWanted(err error) bool {
	if !errors.Is(err, os.ErrDeadlineExceeded) || !c.pushWanted.Load() || c.killedA.Load() {
		return false
	}
	c.psStart()
	return c.nc.SetReadDeadline(time.Time{}) == nil
}
