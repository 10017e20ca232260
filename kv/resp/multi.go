package resp

import (
	"strings"

	"redraft/kv"
)

// MULTI, EXEC, DISCARD, WATCH and UNWATCH. The edge queues the commands of a
// transaction and sends EXEC to the executor as one command whose Tx holds
// the queued commands and the watched key versions; the machine checks the
// versions and runs everything atomically.

// isTxControl reports the commands Redis runs at once even inside MULTI.
func isTxControl(spec *kv.Spec) bool {
	switch spec.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return spec.Flags&kv.FlagEdge != 0
	}
	return false
}

// queue adds a validated command to the transaction (its arguments copied:
// they outlive the read buffer) and answers +QUEUED.
func (c *conn) queue(args [][]byte, spec *kv.Spec) {
	if len(c.queued) >= c.srv.cfg.MaxTxCmds {
		c.txDirty = true
		c.w.Error("ERR too many commands queued in MULTI")
		return
	}
	c.queued = append(c.queued, copyArgs(args))
	c.mem.multiMem.Add(argsBytes(args))
	c.queuedSpecs = append(c.queuedSpecs, spec)
	c.multiA.Store(int32(min(len(c.queued), 1<<30)))
	c.w.Simple("QUEUED")
}

// copyArgs copies args into one allocation.
func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		start := len(buf)
		buf = append(buf, a...)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out
}

func (c *conn) cmdMulti(args [][]byte) {
	if c.inMulti {
		c.w.Error("ERR MULTI calls can not be nested")
		return
	}
	c.inMulti = true
	c.multiA.Store(0)
	c.w.OK()
}

func (c *conn) cmdDiscard(args [][]byte) {
	if !c.inMulti {
		c.w.Error("ERR DISCARD without MULTI")
		return
	}
	c.discardTx()
	c.w.OK()
}

// discardTx forgets the transaction and the watched keys (Redis's
// discardTransaction).
func (c *conn) discardTx() {
	c.inMulti = false
	c.txDirty = false
	c.queued = nil
	c.queuedSpecs = nil
	c.watches = nil
	c.multiA.Store(-1)
	c.mem.multiMem.Store(0)
}

func (c *conn) cmdWatch(args [][]byte) {
	if c.inMulti {
		c.w.Error("ERR WATCH inside MULTI is not allowed")
		return
	}
	keys := args[1:]
	versions, err := c.srv.exec.Watch(c.srv.ctx, c.db, keys)
	if err != nil {
		c.w.Error(errorText(err))
		return
	}
	for i, k := range keys {
		c.watches = append(c.watches, kv.Watch{DB: c.db, Key: append([]byte(nil), k...), Version: versions[i]})
	}
	c.w.OK()
}

func (c *conn) cmdUnwatch(args [][]byte) {
	c.watches = nil
	c.w.OK()
}

// execEnvelope is the Args of the command that carries a transaction.
var execEnvelope = [][]byte{[]byte("EXEC")}

func (c *conn) cmdExec(args [][]byte) {
	if !c.inMulti {
		c.w.Error("ERR EXEC without MULTI")
		return
	}
	if c.txDirty {
		c.discardTx()
		c.w.Error(kv.ErrExecAbort)
		return
	}
	queued, specs, watches := c.queued, c.queuedSpecs, c.watches
	c.discardTx()
	c.countQueued(specs, queued)

	tx := &kv.Tx{Watches: watches, Cmds: make([][][]byte, 0, len(queued))}
	edge := false
	atEdge := make([]bool, len(queued))
	for i, q := range queued {
		if runsAtEdge(specs[i]) {
			// CONFIG SET of encoding thresholds runs inside the
			// transaction, in order (config_encoding.go).
			if a := txConfigEncoding(specs[i], q); a != nil {
				tx.Cmds = append(tx.Cmds, a)
				continue
			}
			edge, atEdge[i] = true, true
			continue
		}
		tx.Cmds = append(tx.Cmds, q)
	}
	tracked := c.rememberReads(tx.Cmds, true) // CLIENT TRACKING (tracking.go)
	defer c.trackingDone()                    // EXEC's reply, then the invalidations held meanwhile
	cmd := &kv.Cmd{Args: execEnvelope, Proto: c.proto, DB: c.db, Tx: tx, User: c.user, Origin: c.origin()}
	c.trackCmd(cmd, tracked)
	if c.ps != nil {
		c.moveOutput() // a PUBLISH to itself lands after the replies before EXEC
	}
	if !edge {
		start := c.w.Len()
		c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, &c.w)
		c.followTxSelects(queued, specs, c.w.Bytes()[start:])
		c.monitorTx(queued, specs, cmd.DB, c.w.Bytes()[start:])
		return
	}
	// Some queued commands are the edge's own (CLIENT SETNAME, INFO...):
	// the machine runs the keyspace ones atomically, then their replies are
	// interleaved with the edge's, in queue order.
	if c.tmpW == nil {
		c.tmpW = kv.NewWriter(nil, int(c.proto))
	}
	tmp := c.tmpW
	tmp.Reset()
	// A client this transaction's pushes serve waits until the edge
	// commands ran (Redis serves blocked clients after EXEC): the slow
	// log then shows it after them, a SLOWLOG RESET queued here
	// included, as Redis's does.
	c.srv.edgeTx.RLock()
	defer c.srv.edgeTx.RUnlock()
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, tmp)
	out := tmp.Bytes()
	c.followTxSelects(queued, specs, out)
	c.monitorTx(queued, specs, cmd.DB, out)
	if cap(out) > writeBufferKeep {
		defer func() { c.tmpW = nil }()
	}
	line, rest, ok := replyLine(out)
	n, isArray := int64(0), false
	if ok && len(line) > 1 && line[0] == '*' {
		n, isArray = kv.ParseInt(line[1:])
	}
	if !isArray || n != int64(len(tx.Cmds)) {
		// Null array (a watched key changed) or an executor error.
		c.w.Raw(out)
		return
	}
	c.w.Proto = int(c.proto)
	c.w.Array(len(queued))
	c.inExec = true
	defer func() { c.inExec = false }()
	for i, q := range queued {
		if !atEdge[i] {
			m, err := replyLen(rest)
			if err != nil {
				panic("resp: executor wrote a malformed EXEC reply")
			}
			c.w.Raw(rest[:m])
			rest = rest[m:]
			continue
		}
		c.runEdge(specs[i], q)
	}
}

// runsAtEdge reports whether a queued command is answered by the edge after
// the machine ran the transaction (CLIENT SETNAME, INFO, ...). SELECT is
// not: it runs inside the transaction, in order, so that it changes the
// database of the commands queued after it (kv.Machine.execTx).
func runsAtEdge(spec *kv.Spec) bool {
	return spec.Flags&kv.FlagEdge != 0 && spec.Name != "select"
}

// followTxSelects makes the connection's database follow the SELECTs of a
// transaction that ran (its reply, out, is an array, not the null array of
// a fired WATCH nor an executor error), as Redis's client keeps the
// database its last SELECT chose. SELECT's outcome depends only on its
// argument, so the edge computes it as the machine did.
func (c *conn) followTxSelects(queued [][][]byte, specs []*kv.Spec, out []byte) {
	if len(out) < 2 || out[0] != '*' || out[1] == '-' {
		return
	}
	for i, q := range queued {
		if specs[i].Name == "select" && specs[i].Flags&kv.FlagEdge != 0 {
			if db, errText := kv.ParseDB(q[1]); errText == "" {
				c.setDB(db)
			}
		}
	}
}

// errorText renders an executor error as a reply: errors that already carry
// a Redis error code (an upper-case first word) are sent as they are, others
// get the generic ERR code.
func errorText(err error) string {
	s := err.Error()
	word, _, _ := strings.Cut(s, " ")
	if word != "" && strings.ToUpper(word) == word && strings.IndexFunc(word, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		return s
	}
	return "ERR " + s
}
