package resp

import (
	"context"
	"strconv"
	"strings"
	"time"

	"redraft/kv"
	"redraft/kv/blocked"
)

// Blocked clients at the edge. The wait queues are machine state (see
// kv/block.go): a blocking command outside MULTI runs wrapped in
// redraft.block, naming this node, its incarnation and a waiter ID. When
// the machine answers kv.BlockedReply the connection stops reading and
// waits for the reply the machine computes for that waiter at apply — an
// element, a timeout, or CLIENT UNBLOCK's reply — delivered by the
// executor's blocked.Registry. A client that closes its connection while
// blocked has its waiter cancelled through the log (redraft.unblock).

// BlockingProvider is implemented by executors whose machine keeps wait
// queues and delivers waiter replies to a registry.
type BlockingProvider interface {
	Blocking() *blocked.Registry
}

const (
	// closeCheckInterval is how often a blocked connection checks that its
	// client is still there (the read loop is parked meanwhile): one
	// non-blocking peek per blocked connection per interval.
	closeCheckInterval = 100 * time.Millisecond
	// cancelTimeout bounds the cancellation of a closed client's waiter.
	cancelTimeout = 5 * time.Second
	// servedReplyWait is how long a client whose blocking command failed
	// in the executor waits for the reply of a waiter that was registered
	// and served anyway (this node applies the log behind the leader).
	servedReplyWait = 2 * time.Second
	// settleTimeout bounds how long settleWaiter retries a failing
	// cancellation: past a leader election (about a second) and the
	// executor's own wait for a leader.
	settleTimeout = 15 * time.Second
	// settleRetry spaces those retries.
	settleRetry = 50 * time.Millisecond
)

// Outcomes of cancelWaiter.
const (
	cancelRemoved  = iota // the waiter was waiting: it is gone, unanswered
	cancelNotFound        // no such waiter: never registered, or answered already
	cancelFailed          // the executor failed: unknown
)

// runBlocking runs a blocking command. It reports false when the executor
// keeps no wait queues (the command then runs as a plain one and answers
// as timed out when its keys are empty).
func (c *conn) runBlocking(args [][]byte) bool {
	reg := c.srv.blocking
	if reg == nil {
		return false
	}
	c.flushGroup()
	// Counted in commandstats and shown to monitors once it ran (blocked
	// or not), as Redis does; its time is the time to its reply.
	spec, start, mark := kv.Lookup(args[0]), time.Now(), c.w.Len()
	var firstUs int64
	served := false
	defer func() {
		if served {
			// After the edge commands of a transaction that may have
			// served it (multi.go).
			c.srv.edgeTx.Lock()
			c.srv.edgeTx.Unlock() // a barrier: nothing to do inside
		}
		var reply []byte
		if out := c.w.Bytes(); len(out) >= mark {
			reply = out[mark:]
		}
		st := c.srv.cmdStats.get(spec.Name)
		c.countStat(st, reply, time.Since(start).Microseconds())
		c.trackLatency(st, spec, args, firstUs)
		// Its reply, then the invalidations held since the machine served
		// it (tracking_hold.go), whichever way the reply came.
		c.trackingDone()
	}()
	id, ch := reg.Begin(c.id)
	full := make([][]byte, 0, len(args)+4)
	full = append(full, []byte("redraft.block"), []byte(reg.Node()),
		strconv.AppendUint(nil, reg.Incarnation(), 10), strconv.AppendUint(nil, id, 10))
	full = append(full, args...)
	w := kv.NewWriter(nil, int(c.proto))
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{{Args: full, Proto: c.proto, DB: c.db, User: c.user}}, w)
	firstUs = time.Since(start).Microseconds() // the slow log's time (slowlog.go)
	reply := w.Bytes()
	if c.srv.mon.active() {
		c.monitorCmd(spec, args, c.db)
	}
	if string(reply) != kv.BlockedReply {
		if unknownOutcome(reply) {
			reply = c.settleWaiter(id, ch, reply)
		}
		reg.End(id)
		c.w.Raw(reply)
		return true
	}
	reg.MarkBlocked(id)
	if c.w.Len() > 0 && !c.flush() {
		c.srv.cancelWaiter(id)
		reg.End(id)
		return true
	}
	mark = c.w.Len()
	served = c.waitBlocked(reg, id, ch)
	return true
}

// settleWaiter decides the fate of waiter id after its blocking command
// failed in the executor with reply (no leader, outcome unknown): the
// waiter may have been registered anyway, and then an element pushed later
// would be popped for a client that no longer waits. It cancels the waiter,
// retrying while the cancellation itself fails (a leader election) for up
// to settleTimeout, and returns what the client gets:
//   - the waiter was removed: nothing was or will be popped for it, and the
//     client gets errNotRegistered, a definite error;
//   - no such waiter: it was never registered, or it was served and its
//     reply is on its way to this node, which may apply the log behind the
//     leader: the served reply if it arrives within servedReplyWait, else
//     the executor's reply (unknown when it said so);
//   - the reply of a waiter served while the cancellation was being
//     retried;
//   - the executor's reply when the cancellation kept failing.
func (c *conn) settleWaiter(id uint64, ch <-chan []byte, reply []byte) []byte {
	deadline := time.Now().Add(settleTimeout)
	for {
		switch c.srv.cancelWaiter(id) {
		case cancelRemoved:
			return []byte(errNotRegistered)
		case cancelNotFound:
			select {
			case r := <-ch:
				return r
			case <-time.After(servedReplyWait):
				return reply
			}
		}
		if time.Now().After(deadline) {
			return reply
		}
		select {
		case r := <-ch:
			return r
		case <-time.After(settleRetry):
		case <-c.srv.ctx.Done():
			return reply
		}
	}
}

// errNotRegistered answers a blocking command whose waiter was cancelled
// after the executor failed: the command took nothing, for certain.
const errNotRegistered = "-CLUSTERDOWN the leader changed while the command was blocking; it was cancelled and popped nothing\r\n"

// unknownOutcome reports whether reply is the executor's only indefinite
// error (docs/replication.md, "Error replies"): the command may have been
// applied, so a waiter may be registered. Every other error is definite:
// the command's own (WRONGTYPE, NOGROUP, syntax, ...) was answered by the
// machine without registering, and the executor's refusals (CLUSTERDOWN,
// NOTLEADER, MOVED, SHUTDOWN, LOADING, NOPERM, ...) never reached the log.
func unknownOutcome(reply []byte) bool {
	return strings.HasPrefix(string(reply), "-UNCERTAIN ")
}

// waitBlocked waits for waiter id's reply, the server's shutdown or the
// client's departure, and reports whether the reply came.
func (c *conn) waitBlocked(reg *blocked.Registry, id uint64, ch <-chan []byte) (served bool) {
	defer reg.End(id)
	if c.last != nil {
		c.lastCmd.Store(c.last) // CLIENT LIST shows cmd=blpop while blocked
	}
	c.blockedA.Store(true)
	defer c.blockedA.Store(false)
	t := time.NewTicker(time.Duration(c.srv.closeCheck.Load()))
	defer t.Stop()
	for {
		select {
		case r := <-ch:
			c.w.Raw(r)
			return true
		case <-c.srv.ctx.Done():
			c.dead = true
			return false
		case <-c.killed:
			// Cancelled here too when CLIENT KILL cancelled it (the second
			// finds nothing): the kill may have come while the waiter was
			// being registered. Not when the server is closing.
			if c.srv.ctx.Err() == nil {
				c.srv.cancelWaiter(id)
			}
			c.dead = true
			return false
		case <-t.C:
			if peerClosed(c.fd) {
				c.srv.cancelWaiter(id)
				c.dead = true
				return false
			}
		}
	}
}

// cancelWaiterOf cancels the waiter of a killed connection before CLIENT
// KILL answers, as Redis frees a killed client at once: an element pushed
// after the kill's reply is not handed to the dead connection. (A
// connection its client closed is noticed by its own check instead.)
func (s *Server) cancelWaiterOf(o *conn) {
	if s.blocking == nil {
		return
	}
	if id, ok := s.blocking.WaiterOf(o.id); ok {
		s.cancelWaiter(id)
	}
}

// cancelWaiter removes waiter id from the wait queues (no reply).
func (s *Server) cancelWaiter(id uint64) int {
	reg := s.blocking
	ctx, cancel := context.WithTimeout(context.Background(), cancelTimeout)
	defer cancel()
	args := [][]byte{[]byte("redraft.unblock"), []byte(reg.Node()),
		strconv.AppendUint(nil, reg.Incarnation(), 10), strconv.AppendUint(nil, id, 10)}
	w := kv.NewWriter(nil, 2)
	s.exec.Execute(ctx, []*kv.Cmd{{Args: args, Proto: 2}}, w)
	switch string(w.Bytes()) {
	case ":1\r\n":
		return cancelRemoved
	case ":0\r\n":
		return cancelNotFound
	}
	return cancelFailed
}

// cmdClientUnblock is CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 when the
// client was blocked (it gets a timeout or an UNBLOCKED error), else 0.
func (c *conn) cmdClientUnblock(args [][]byte) {
	target, ok := kv.ParseInt(args[2])
	if !ok {
		c.w.Error("ERR value is not an integer or out of range")
		return
	}
	mode := []byte("TIMEOUT")
	if len(args) == 4 {
		switch {
		case kv.EqualFold(args[3], "TIMEOUT"), kv.EqualFold(args[3], "ERROR"):
			mode = args[3]
		default:
			c.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	} else if len(args) > 4 {
		c.w.Error(kv.ErrSyntax)
		return
	}
	reg := c.srv.blocking
	if reg == nil {
		c.w.Int(0)
		return
	}
	id, ok := reg.WaiterOf(target)
	if !ok {
		c.w.Int(0)
		return
	}
	cmd := [][]byte{[]byte("redraft.unblock"), []byte(reg.Node()),
		strconv.AppendUint(nil, reg.Incarnation(), 10), strconv.AppendUint(nil, id, 10), mode}
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{{Args: cmd, Proto: c.proto}}, &c.w)
}

// blockedClients is INFO's blocked_clients: this node's blocked connections.
//
// A blocked connection whose client has closed it stays blocked until its
// check notices (closeCheckInterval) and the cancellation of its waiter
// commits; it is not counted meanwhile: Redis drops a closed client at once,
// and a test that closes a blocked client and then waits for the count to
// become non-zero for its next blocking command (Redis's type/list "client
// unblock tests" after "Regression for bug 593") saw the closed one and
// sent CLIENT UNBLOCK before the new command was registered, which then
// blocked for ever.
func (s *Server) blockedClients() int {
	if s.blocking == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if c.blockedA.Load() && !c.gone() {
			n++
		}
	}
	return n
}
