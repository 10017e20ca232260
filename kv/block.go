package kv

import (
	"encoding/binary"
	"errors"
	"sort"
)

// Blocked clients (BLPOP, BLMOVE, BZPOPMIN, ...): the wait queues are
// machine state.
//
// A blocking command whose keys are all empty does not answer: it leaves a
// waiter in the queue of each of its keys (per database, FIFO) and answers
// BlockedReply instead. A waiter names the node holding the client's
// connection (node ID and incarnation) and a waiter ID unique on that
// node; the edge of that node waits for its reply. Any command that makes
// a watched list or sorted set key exist (Ctx.Add, Ctx.Replace, MOVE,
// SWAPDB) marks the key ready; once the command (or transaction) is done
// the machine serves the waiters of every ready key in FIFO order, each one
// running its pop in the same atomic step, and hands the reply, rendered
// in the waiter's protocol, to the BlockSink. Every replica computes the
// same pops; only the node the waiter names delivers the reply.
//
// Timeouts and cancellation are commands too, so that every replica drops
// the same waiters at the same point of the log:
//
//	redraft.block node inc wid <blocking command...>   register (the edge wraps)
//	redraft.unblock node inc wid [TIMEOUT|ERROR]     cancel one (CLIENT UNBLOCK, closed connection)
//	redraft.unblock-expired                          time out every waiter due at NowMs
//	redraft.unblock-node node inc                    drop node's waiters of another incarnation
//
// The leader (or the standalone executor) proposes redraft.unblock-expired
// when NextBlockDeadline says a waiter is due; a node proposes
// redraft.unblock-node when it starts, so waiters of its previous run stop
// taking elements.

// BlockedReply is what a blocking command answers when it registered a
// waiter: a simple string no blocking command ever returns, which the edge
// recognises. The client never sees it.
const BlockedReply = "+redraft:blocked\r\n"

// BlockSink receives the replies of served, timed-out and unblocked
// waiters at apply, in log order, on the goroutine that applies commands.
// reply is borrowed; the sink copies it and must not block.
type BlockSink interface {
	Unblocked(node string, inc, id uint64, reply []byte)
}

// BlockServeObserver is an optional interface of the BlockSink: Serving
// is called just before the machine serves waiter (node, inc, id), so the
// key changes reported until its Unblocked are that waiter's (CLIENT
// TRACKING sends their invalidations after its reply, as Redis does).
type BlockServeObserver interface {
	Serving(node string, inc, id uint64)
}

func (m *Machine) serving(w *waiter) {
	if o, ok := m.bsink.(BlockServeObserver); ok {
		o.Serving(w.ref.Node, w.ref.Inc, w.ref.ID)
	}
}

// SetBlockSink makes s receive waiter replies (nil: drop them). Like
// SetEventSink it is node-local and set again after a restore.
func (m *Machine) SetBlockSink(s BlockSink) { m.bsink = s }

// Limits on waiters: each is bounded by the connections of a node, which
// hold one waiter at most; these bound what a log or snapshot may ask for.
const (
	// maxWaiterKeys bounds the keys of one waiter read from a snapshot.
	maxWaiterKeys = 1 << 20
	// maxWaiters bounds the waiters read from a snapshot.
	maxWaiters = 1 << 24
	// maxWaitersSection bounds the size of the waiters section of a snapshot.
	maxWaitersSection = 1 << 31
)

// WaiterRef identifies a waiter: the node holding its connection, that
// node's incarnation (changes at every start) and a per-node waiter ID.
type WaiterRef struct {
	Node string
	Inc  uint64
	ID   uint64
}

type dbKey struct {
	db  int
	key string
}

// waiter is one blocked client.
type waiter struct {
	ref      WaiterRef
	seq      uint64 // registration order, machine-wide
	db       int
	proto    uint8
	args     [][]byte // the blocking command, owned
	keys     []string // the keys it waits on, from args
	deadline int64    // absolute Unix ms; 0 waits forever
}

// blockState is the machine's wait queues.
type blockState struct {
	// seq is the sequence number of the last waiter registered, 0 when
	// there is none: it restarts when the last waiter leaves, so that a
	// machine without waiters is in the state a snapshot without a waiters
	// section restores (waiters compare by seq only among themselves).
	seq   uint64
	byRef map[WaiterRef]*waiter
	byKey map[dbKey][]*waiter // FIFO: ascending seq
	ready []dbKey             // keys signalled by the running command
	isRdy map[dbKey]bool
}

func (b *blockState) init() {
	if b.byRef == nil {
		b.byRef = map[WaiterRef]*waiter{}
		b.byKey = map[dbKey][]*waiter{}
		b.isRdy = map[dbKey]bool{}
	}
}

// Waiters returns the number of blocked clients in the machine.
func (m *Machine) Waiters() int { return len(m.blk.byRef) }

// NextBlockDeadline returns the earliest waiter deadline (Unix ms), or 0
// when no waiter has one.
func (m *Machine) NextBlockDeadline() int64 {
	var next int64
	for _, w := range m.blk.byRef {
		if w.deadline != 0 && (next == 0 || w.deadline < next) {
			next = w.deadline
		}
	}
	return next
}

// signalReady marks key of the context's database ready when a waiter
// waits on it (Redis's signalKeyAsReady).
func (c *Ctx) signalReady(key string, obj any) {
	if len(c.m.blk.byKey) == 0 {
		return
	}
	switch obj.(type) {
	case *List, *ZSet, *Stream:
	default:
		return
	}
	c.m.signalKey(dbKey{c.dbIndex, key})
}

func (m *Machine) signalKey(k dbKey) {
	if _, ok := m.blk.byKey[k]; !ok || m.blk.isRdy[k] {
		return
	}
	m.blk.isRdy[k] = true
	m.blk.ready = append(m.blk.ready, k)
}

// signalDBs marks every waited key of databases a and b ready (SWAPDB), in
// a deterministic order.
func (m *Machine) signalDBs(a, b int) {
	var ks []dbKey
	for k := range m.blk.byKey {
		if k.db == a || k.db == b {
			ks = append(ks, k)
		}
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].db != ks[j].db {
			return ks[i].db < ks[j].db
		}
		return ks[i].key < ks[j].key
	})
	for _, k := range ks {
		m.signalKey(k)
	}
}

// addWaiter registers a waiter for the command in c (the blocking command
// itself, its keys already parsed).
func (c *Ctx) addWaiter(ref WaiterRef, keys [][]byte, deadline int64) {
	b := &c.m.blk
	b.init()
	if old := b.byRef[ref]; old != nil {
		c.m.removeWaiter(old) // a re-sent registration replaces the first
	}
	b.seq++
	w := &waiter{ref: ref, seq: b.seq, db: c.dbIndex, proto: uint8(c.W.Proto), deadline: deadline}
	w.args = make([][]byte, len(c.Args))
	for i, a := range c.Args {
		w.args[i] = cloneBytes(a)
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[string(k)] {
			continue
		}
		seen[string(k)] = true
		w.keys = append(w.keys, string(k))
	}
	c.m.linkWaiter(w)
}

func (m *Machine) linkWaiter(w *waiter) {
	b := &m.blk
	b.init()
	b.byRef[w.ref] = w
	for _, k := range w.keys {
		dk := dbKey{w.db, k}
		b.byKey[dk] = append(b.byKey[dk], w)
	}
}

func (m *Machine) removeWaiter(w *waiter) {
	b := &m.blk
	delete(b.byRef, w.ref)
	if len(b.byRef) == 0 {
		b.seq = 0
	}
	for _, k := range w.keys {
		dk := dbKey{w.db, k}
		q := b.byKey[dk]
		for i, x := range q {
			if x == w {
				q = append(q[:i:i], q[i+1:]...)
				break
			}
		}
		if len(q) == 0 {
			delete(b.byKey, dk)
		} else {
			b.byKey[dk] = q
		}
	}
}

// deliver hands a waiter's reply to the sink.
func (m *Machine) deliver(w *waiter, reply []byte) {
	if m.bsink != nil {
		m.bsink.Unblocked(w.ref.Node, w.ref.Inc, w.ref.ID, reply)
	}
}

// serveReady serves the waiters of every key signalled ready, as Redis's
// handleClientsBlockedOnKeys: a served BLMOVE may make its destination
// ready, which is served in the same loop.
func (m *Machine) serveReady(nowMs int64, seed uint64) {
	b := &m.blk
	for len(b.ready) > 0 {
		ready := b.ready
		b.ready = nil
		for _, k := range ready {
			delete(b.isRdy, k)
		}
		for _, k := range ready {
			q := append([]*waiter(nil), b.byKey[k]...)
			stopped := false
			for _, w := range q {
				if b.byRef[w.ref] != w {
					continue // served through another key meanwhile
				}
				// Once the key is gone, only stream waiters still
				// have something to learn (streams_block.go).
				if stopped && !w.isStream() {
					continue
				}
				seed += 0x9E3779B97F4A7C15
				if m.serveWaiter(w, k.key, nowMs, seed) {
					stopped = true
				}
			}
		}
	}
}

// serveWaiter runs w's pop on key when key holds w's type. It reports
// whether the key can serve nobody else (it is gone).
func (m *Machine) serveWaiter(w *waiter, key string, nowMs int64, seed uint64) (stop bool) {
	spec := Lookup(w.args[0])
	op := blockOps[spec.Name]
	out := NewWriter(nil, int(w.proto))
	c := Ctx{m: m, db: m.dbs[w.db], dbIndex: w.db, W: out, Args: w.args, NowMs: nowMs, seed: seed, spec: spec}
	e := c.Lookup([]byte(key))
	if op.tryServe != nil {
		// (Not announced to Serving: tryServe may serve nobody, and the
		// waiter, still blocked, would have its invalidations held.)
		if op.tryServe(&c, e, []byte(key)) {
			m.removeWaiter(w)
			m.deliver(w, out.Bytes())
		}
		return false // reading a stream consumes nothing
	}
	if e == nil {
		return true
	}
	if e.typ() != op.typ {
		return false // a waiter of another type on the same key
	}
	p, ok := op.parse(&c)
	if !ok {
		// Parsed when it blocked; a failure here is a broken invariant.
		panic("kv: blocked command " + spec.Name + " no longer parses")
	}
	m.serving(w)
	op.serve(&c, p, []byte(key))
	m.removeWaiter(w)
	m.deliver(w, out.Bytes())
	return c.Lookup([]byte(key)) == nil
}

// blockedTimeoutReply writes a waiter's reply when its time is up (or
// CLIENT UNBLOCK ... TIMEOUT): a null array for every blocking command,
// BLMOVE included, as Redis's replyToBlockedClientTimedOut.
func blockedTimeoutReply(w *Writer) { w.NullArray() }

// timeoutReply writes the reply of a blocking command that may not block
// (MULTI, scripts) and finds its keys empty: BLMOVE and BRPOPLPUSH answer
// a null bulk string there, the others a null array.
func timeoutReply(w *Writer, name string) {
	if blockOps[name].nullBulk {
		w.Null()
	} else {
		w.NullArray()
	}
}

// expireWaiters answers every waiter due at nowMs with its timeout reply,
// in registration order.
func (m *Machine) expireWaiters(nowMs int64) int {
	var due []*waiter
	for _, w := range m.blk.byRef {
		if w.deadline != 0 && w.deadline <= nowMs {
			due = append(due, w)
		}
	}
	sort.Slice(due, func(i, j int) bool { return due[i].seq < due[j].seq })
	for _, w := range due {
		m.removeWaiter(w)
		out := NewWriter(nil, int(w.proto))
		blockedTimeoutReply(out)
		m.deliver(w, out.Bytes())
	}
	return len(due)
}

// Snapshot section: the waiters in registration order.
//
//	'W' | count uvarint | seq uvarint | per waiter: node (len, bytes) | inc | id | seq |
//	      db | proto | deadline varint | args (count, then len, bytes) | crc32c u32 of the section
const snapshotKindWaiters = 'W'

var errSnapshotWaiters = errors.New("kv: snapshot: bad waiters section")

func (m *Machine) appendWaiters(b []byte) []byte {
	ws := make([]*waiter, 0, len(m.blk.byRef))
	for _, w := range m.blk.byRef {
		ws = append(ws, w)
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].seq < ws[j].seq })
	b = binary.AppendUvarint(b, uint64(len(ws)))
	b = binary.AppendUvarint(b, m.blk.seq)
	for _, w := range ws {
		b = binary.AppendUvarint(b, uint64(len(w.ref.Node)))
		b = append(b, w.ref.Node...)
		b = binary.AppendUvarint(b, w.ref.Inc)
		b = binary.AppendUvarint(b, w.ref.ID)
		b = binary.AppendUvarint(b, w.seq)
		b = binary.AppendUvarint(b, uint64(w.db))
		b = append(b, w.proto)
		b = binary.AppendVarint(b, w.deadline)
		b = appendArgs(b, w.args)
	}
	return b
}

// readWaiters decodes the section written by appendWaiters.
func readWaiters(d *decoder) (blockState, error) {
	var b blockState
	b.init()
	n := d.count(maxWaiters)
	b.seq = d.uvarint()
	var last uint64
	for i := uint64(0); i < n && d.err == nil; i++ {
		node := d.bytes()
		w := &waiter{ref: WaiterRef{Node: string(node), Inc: d.uvarint(), ID: d.uvarint()}}
		w.seq = d.uvarint()
		db := d.uvarint()
		if d.err != nil || len(d.b) < 1 {
			return b, errSnapshotWaiters
		}
		w.proto = d.b[0]
		d.b = d.b[1:]
		w.deadline = d.varint()
		args := d.args()
		if d.err != nil {
			break
		}
		if db >= Databases || w.seq <= last || w.seq > b.seq || len(args) == 0 || b.byRef[w.ref] != nil {
			return b, errSnapshotWaiters
		}
		spec := Lookup(args[0])
		if spec == nil || blockOps[spec.Name] == nil {
			return b, errSnapshotWaiters
		}
		last = w.seq
		w.db = int(db)
		for _, a := range args {
			w.args = append(w.args, cloneBytes(a))
		}
		keys, err := waiterKeys(spec, w.args)
		if err != nil || len(keys) > maxWaiterKeys {
			return b, errSnapshotWaiters
		}
		seen := map[string]bool{}
		for _, k := range keys {
			if !seen[string(k)] {
				seen[string(k)] = true
				w.keys = append(w.keys, string(k))
			}
		}
		b.byRef[w.ref] = w
		for _, k := range w.keys {
			dk := dbKey{w.db, k}
			b.byKey[dk] = append(b.byKey[dk], w)
		}
	}
	if d.err != nil {
		return b, errSnapshotWaiters
	}
	return b, nil
}

// waiterKeys re-parses a stored blocking command for its keys.
func waiterKeys(spec *Spec, args [][]byte) ([][]byte, error) {
	if !spec.CheckArity(len(args)) {
		return nil, errSnapshotWaiters
	}
	c := Ctx{W: NewWriter(nil, 2), Args: args, spec: spec, readOnly: true}
	p, ok := blockOps[spec.Name].parse(&c)
	if !ok {
		return nil, errSnapshotWaiters
	}
	return p.keys, nil
}

// StaleWaiters returns the number of waiters of node from an incarnation
// other than inc (left by an earlier run of the node).
func (m *Machine) StaleWaiters(node string, inc uint64) int {
	n := 0
	for ref := range m.blk.byRef {
		if ref.Node == node && ref.Inc != inc {
			n++
		}
	}
	return n
}

// WaiterNodes returns the nodes named by waiters, sorted.
func (m *Machine) WaiterNodes() []string {
	seen := map[string]bool{}
	var out []string
	for ref := range m.blk.byRef {
		if !seen[ref.Node] {
			seen[ref.Node] = true
			out = append(out, ref.Node)
		}
	}
	sort.Strings(out)
	return out
}
