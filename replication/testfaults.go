package replication

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"redraft/kv"
)

// TestFaults are deliberate violations of the consistency contract
// (docs/consistency.md), one per promise, for the tests that show the
// Jepsen-style checkers notice a broken node (`kv serve --test-fault`).
// Each is off unless set; a node with any of them set is not a database.
type TestFaults struct {
	// SplitTransactions applies each MULTI/EXEC of two or more commands in
	// two log entries: its first half, then, once that has committed, its
	// second half. Other clients' commands can run between the halves and
	// see the transaction half done, which breaks atomicity (the list-append
	// checker reports G-single and similar cycles).
	SplitTransactions bool
	// AckBeforeCommit answers the writes whose reply on success does not
	// depend on the state (SET key value without options: +OK; SADD:
	// the number of members given, as if each was new) as soon as they are
	// handed to the proposer, before Raft has committed them. A leader cut
	// off from the majority acknowledges writes that are then lost (the set
	// checker reports lost adds, porcupine a non-linearizable register). The
	// replies that are guessed can also be wrong (SADD of a member already
	// present). Other writes take the normal path.
	AckBeforeCommit bool
	// ProbeAnyTerm makes the read barrier's term probes (termprobe.go)
	// take any answer as a confirmation, a later term included: a leader
	// that was replaced but has not noticed yet, and can still reach a
	// follower that voted for its successor, serves stale reads.
	ProbeAnyTerm bool
}

// Names of the faults for ParseTestFaults.
const (
	TestFaultSplitMulti      = "split-multi"
	TestFaultAckBeforeCommit = "ack-before-commit"
	TestFaultProbeAnyTerm    = "probe-any-term"
)

// ParseTestFaults reads a comma-separated list of fault names.
func ParseTestFaults(s string) (TestFaults, error) {
	var f TestFaults
	if s == "" {
		return f, nil
	}
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case TestFaultSplitMulti:
			f.SplitTransactions = true
		case TestFaultAckBeforeCommit:
			f.AckBeforeCommit = true
		case TestFaultProbeAnyTerm:
			f.ProbeAnyTerm = true
		default:
			return f, fmt.Errorf("unknown test fault %q (want %s, %s or %s)", name, TestFaultSplitMulti, TestFaultAckBeforeCommit, TestFaultProbeAnyTerm)
		}
	}
	return f, nil
}

// Any reports whether any fault of the write path is set (ProbeAnyTerm
// acts in the read barrier).
func (f TestFaults) Any() bool { return f.SplitTransactions || f.AckBeforeCommit }

// executeFaulty runs a write group under the test faults and reports
// whether it did (false: the group takes the normal path).
func (n *Node) executeFaulty(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer) bool {
	f := n.cfg.TestFaults
	if f.AckBeforeCommit {
		if replies, ok := guessReplies(cmds); ok {
			// The arguments may alias the caller's buffer (a connection's
			// input, a forwarded payload), reused once this returns.
			own := make([]*kv.Cmd, len(cmds))
			for i, c := range cmds {
				cc := *c
				cc.Args = make([][]byte, len(c.Args))
				for j, a := range c.Args {
					cc.Args[j] = bytes.Clone(a)
				}
				own[i] = &cc
			}
			// Bounded by the proposer's own bounds (applyTimeout, commitWait).
			go n.prop.propose(context.Background(), own)
			w.Raw(replies)
			return true
		}
	}
	if f.SplitTransactions && hasSplittableTx(cmds) {
		for _, c := range cmds {
			n.executeSplit(ctx, c, w)
		}
		return true
	}
	return false
}

// guessReplies returns the success replies of a group that AckBeforeCommit
// answers early, or false if the group holds another command.
func guessReplies(cmds []*kv.Cmd) ([]byte, bool) {
	var out []byte
	for _, c := range cmds {
		if c.Tx != nil || len(c.Args) < 3 {
			return nil, false
		}
		switch strings.ToLower(string(c.Args[0])) {
		case "set":
			if len(c.Args) != 3 {
				return nil, false
			}
			out = append(out, "+OK\r\n"...)
		case "sadd":
			out = append(out, ':')
			out = strconv.AppendInt(out, int64(len(c.Args)-2), 10)
			out = append(out, "\r\n"...)
		default:
			return nil, false
		}
	}
	return out, true
}

func hasSplittableTx(cmds []*kv.Cmd) bool {
	for _, c := range cmds {
		if c.Tx != nil && len(c.Tx.Cmds) >= 2 {
			return true
		}
	}
	return false
}

// executeSplit proposes c, a transaction in two halves, and writes one
// EXEC reply joining the halves' replies.
func (n *Node) executeSplit(ctx context.Context, c *kv.Cmd, w *kv.Writer) {
	one := []*kv.Cmd{c}
	if c.Tx == nil || len(c.Tx.Cmds) < 2 {
		n.proposeInto(ctx, one, w)
		return
	}
	half := len(c.Tx.Cmds) / 2
	first, second := *c, *c
	first.Tx = &kv.Tx{Watches: c.Tx.Watches, Cmds: c.Tx.Cmds[:half]}
	second.Tx = &kv.Tx{Cmds: c.Tx.Cmds[half:]}
	a := n.prop.propose(ctx, []*kv.Cmd{&first})
	if a.err != nil {
		n.writeErr(w, one, a.err)
		return
	}
	na, bodyA, ok := splitArrayReply(a.buf)
	if !ok { // aborted (a WATCHed key changed, EXECABORT): nothing ran
		w.Raw(a.buf)
		return
	}
	b := n.prop.propose(ctx, []*kv.Cmd{&second})
	if b.err != nil {
		n.writeErr(w, one, errUnknown) // the first half has been applied
		return
	}
	nb, bodyB, ok := splitArrayReply(b.buf)
	if !ok {
		nb, bodyB = 1, b.buf
	}
	w.Raw(fmt.Appendf(nil, "*%d\r\n", na+nb))
	w.Raw(bodyA)
	w.Raw(bodyB)
}

// proposeInto proposes cmds and writes their replies or errors.
func (n *Node) proposeInto(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer) {
	res := n.prop.propose(ctx, cmds)
	if res.err != nil {
		n.writeErr(w, cmds, res.err)
		return
	}
	w.Raw(res.buf)
}

// splitArrayReply splits an array reply into its length and elements.
func splitArrayReply(b []byte) (int, []byte, bool) {
	if len(b) < 4 || b[0] != '*' {
		return 0, nil, false
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return 0, nil, false
	}
	n, err := strconv.Atoi(string(b[1:i]))
	if err != nil || n < 0 {
		return 0, nil, false
	}
	return n, b[i+2:], true
}
