package sim

// The queue workload (issue 14): pushes and blocking pops through the
// simulated cluster.
//
// Queue clients push unique elements (LPUSH or RPUSH) onto queueKeys, pop
// them with BLPOP or BRPOP (from the queues, or from moveDest), and move
// them with BLMOVE from a queue to moveDest, with timeouts of 50-500 ms.
// Node.Execute answers a blocking command that must wait with
// kv.BlockedReply, so a client blocks as the RESP edge does
// (kv/resp/blocking.go): it wraps the command in redraft.block naming the
// node, its incarnation and a waiter ID from the node's blocked.Registry,
// and waits on the registry for the reply the machine computes at apply
// (an element, or a timeout proposed by the leader). A client whose node
// crashed while it waited, or that waited past its own deadline and could
// not cancel its waiter through the log, records an unknown outcome: the
// waiter may still take an element. checkQueues (queue_check.go) judges
// the history.

import (
	"context"
	"strconv"
	"strings"
	"time"

	"redraft/kv"
)

// Queue operation kinds (they extend Kind).
const (
	QPush Kind = iota + Churn + 1 // LPUSH or RPUSH q e
	QPop                          // BLPOP or BRPOP keys... timeout: Key, Got from the reply
	QMove                         // BLMOVE q moveDest ... timeout: Got from the reply
)

var (
	queueKeys = []string{"q0", "q1"}
	moveDest  = "qd"
)

const (
	// queueTimeoutMin and queueTimeoutMax bound a blocking command's own
	// timeout (milliseconds).
	queueTimeoutMin = 50
	queueTimeoutMax = 500
	// blockSlack is how long past its command's timeout a blocked client
	// waits before it gives up and cancels its waiter: the leader answers
	// a due waiter within its blocking check interval, unless there is no
	// leader.
	blockSlack = 2 * time.Second
	// servedReplyWait is how long a client whose waiter was not found at
	// cancellation waits for the reply of a waiter served meanwhile (the
	// edge's servedReplyWait).
	servedReplyWait = 2 * time.Second
	// queueConnBase offsets the registry connection IDs of sim clients.
	queueConnBase = 1 << 20
)

// nextQueue draws one queue operation.
func (cl *client) nextQueue() req {
	timeout := queueTimeoutMin + cl.rng.IntN(queueTimeoutMax-queueTimeoutMin)
	secs := strconv.FormatFloat(float64(timeout)/1000, 'f', 3, 64)
	q := queueKeys[cl.rng.IntN(len(queueKeys))]
	switch r := cl.rng.IntN(100); {
	case r < 45:
		e := cl.value()
		cmd := []string{"LPUSH", "RPUSH"}[cl.rng.IntN(2)]
		return req{&Op{Kind: QPush, Key: q, Value: e}, []string{cmd, q, e}}
	case r < 80:
		keys := append([]string(nil), queueKeys...)
		if cl.rng.IntN(3) == 0 {
			keys = []string{moveDest}
		} else if cl.rng.IntN(2) == 0 {
			keys[0], keys[1] = keys[1], keys[0]
		}
		cmd := []string{"BLPOP", "BRPOP"}[cl.rng.IntN(2)]
		return req{&Op{Kind: QPop, Keys: keys}, append(append([]string{cmd}, keys...), secs)}
	default:
		ends := []string{"LEFT", "RIGHT"}
		return req{&Op{Kind: QMove, Key: q, Keys: []string{q}}, []string{"BLMOVE", q, moveDest, ends[cl.rng.IntN(2)], ends[cl.rng.IntN(2)], secs}}
	}
}

// block runs one blocking command on a node incarnation as the RESP edge
// does, and returns its reply; broken reports that the node crashed while
// the client waited, unknown that the client gave up on a waiter it could
// not cancel (both leave the outcome unknown).
func (cl *client) block(in incarnation, args []string, timeout time.Duration) (reply []byte, broken, unknown bool) {
	reg := in.node.Blocking()
	id, ch := reg.Begin(int64(queueConnBase + cl.id))
	defer reg.End(id)
	full := [][]byte{[]byte("redraft.block"), []byte(reg.Node()), strconv.AppendUint(nil, reg.Incarnation(), 10), strconv.AppendUint(nil, id, 10)}
	for _, a := range args {
		full = append(full, []byte(a))
	}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	w := kv.NewWriter(nil, 2)
	in.node.Execute(ctx, []*kv.Cmd{{Args: full, Proto: 2}}, w)
	cancel()
	reply = w.Bytes()
	if !in.alive() {
		return nil, true, false
	}
	if string(reply) != kv.BlockedReply {
		if len(reply) > 0 && reply[0] == '-' && !strings.HasPrefix(string(reply), "-WRONGTYPE") {
			// The executor failed: a waiter may be registered anyway.
			switch cl.cancelWaiter(in, id) {
			case ":1\r\n":
			case ":0\r\n":
				if r, ok := waitReply(ch, servedReplyWait); ok {
					return r, false, false
				}
			default:
				return reply, false, true
			}
		}
		return reply, false, false
	}
	reg.MarkBlocked(id)
	deadline := time.NewTimer(timeout + blockSlack)
	defer deadline.Stop()
	poll := time.NewTicker(convergePoll)
	defer poll.Stop()
	for {
		select {
		case r := <-ch:
			return r, false, false
		case <-poll.C:
			if !in.alive() {
				return nil, true, false
			}
		case <-deadline.C:
			switch cl.cancelWaiter(in, id) {
			case ":1\r\n":
				return []byte("-SIMGAVEUP the waiter was cancelled\r\n"), false, false
			case ":0\r\n":
				if r, ok := waitReply(ch, servedReplyWait); ok {
					return r, false, false
				}
			}
			return nil, false, true
		}
	}
}

// waitReply waits up to d for a waiter's reply.
func waitReply(ch <-chan []byte, d time.Duration) ([]byte, bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case r := <-ch:
		return r, true
	case <-t.C:
		return nil, false
	}
}

// cancelWaiter removes waiter id through the log (redraft.unblock): ":1"
// removed unanswered, ":0" not found (answered, or never registered),
// anything else unknown.
func (cl *client) cancelWaiter(in incarnation, id uint64) string {
	reg := in.node.Blocking()
	args := [][]byte{[]byte("redraft.unblock"), []byte(reg.Node()), strconv.AppendUint(nil, reg.Incarnation(), 10), strconv.AppendUint(nil, id, 10)}
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	w := kv.NewWriter(nil, 2)
	in.node.Execute(ctx, []*kv.Cmd{{Args: args, Proto: 2}}, w)
	return string(w.Bytes())
}

// doQueue runs one queue operation on a node incarnation and records it.
func (cl *client) doQueue(in incarnation, r req) {
	if r.op.Kind == QPush {
		cl.do(in, []req{r})
		return
	}
	op := r.op
	secs, _ := strconv.ParseFloat(r.args[len(r.args)-1], 64)
	op.Call, op.Start = cl.h.tick(), time.Since(cl.h.start)
	rep, broken, unknown := cl.block(in, r.args, time.Duration(secs*float64(time.Second)))
	op.Return, op.End = cl.h.tick(), time.Since(cl.h.start)
	op.Client, op.Node = cl.id, in.sn.id
	switch {
	case broken:
		op.Outcome, op.Reply = Info, "connection lost"
	case unknown:
		op.Outcome, op.Reply = Info, "gave up waiting: "+abbreviate(rep)
	default:
		cl.interpretQueue(op, rep)
	}
	cl.h.add(op)
}

// interpretQueue sets a pop's or move's outcome and result from its reply.
func (cl *client) interpretQueue(op *Op, rep []byte) {
	op.Reply = abbreviate(rep)
	if len(rep) > 0 && rep[0] == '-' {
		word, _, _ := strings.Cut(string(rep[1:]), " ")
		switch {
		case word == "UNCERTAIN":
			op.Outcome = Info
		case word == "SIMGAVEUP" || contains(definiteErrors, word):
			op.Outcome = Fail
		default:
			op.Outcome = Fail
			cl.c.mon.violation("client %d: unexpected error reply to %s %v: %s", cl.id, op.Kind, op.Keys, op.Reply)
		}
		return
	}
	op.Outcome = Ok
	s := string(rep)
	if s == "*-1\r\n" || s == "$-1\r\n" {
		return // timed out: nothing taken
	}
	bad := func() {
		op.Outcome = Fail
		cl.c.mon.violation("client %d: unexpected reply to %s %v: %s", cl.id, op.Kind, op.Keys, op.Reply)
	}
	if op.Kind == QMove {
		v, found, err := parseBulk(rep)
		if err != nil || !found {
			bad()
			return
		}
		op.Found, op.Got = true, v
		return
	}
	l, err := parseArray(rep)
	if err != nil || len(l) != 2 || !contains(op.Keys, l[0]) {
		bad()
		return
	}
	op.Found, op.Key, op.Got = true, l[0], l[1]
}
