package kv

import (
	"slices"
	"strings"
)

// XREAD BLOCK and XREADGROUP BLOCK on the machine's wait queues (block.go).
//
// A reader whose streams have nothing for it registers a waiter, like
// BLPOP. Its arguments are kept with XREAD's `$` resolved to the stream's
// last ID at that moment (Redis keeps the resolved IDs too), so serving it
// later re-reads exactly what it asked for; XREADGROUP keeps `>` and is
// served from its group's last delivered ID at that time. A key is
// signalled by XADD, by any command that creates, replaces or deletes a
// stream, and by XGROUP DESTROY. Serving a reader consumes nothing, so
// every waiter of a signalled key is looked at (Redis's
// serveClientsBlockedOnStreamKey); a reader is answered when the stream's
// last ID passed the ID it waits after. XREADGROUP waiters learn that their
// key was deleted or overwritten, or their group destroyed, with Redis's
// errors.

const (
	errXReadGroupGone = "NOGROUP the consumer group this client was blocked on no longer exists"
	errXReadKeyGone   = "UNBLOCKED the stream key no longer exists"
)

// streamBlockOp is the wait-queue description of XREAD and XREADGROUP.
var streamBlockOp = &blockOp{typ: TypeStream, parse: parseXReadBlocked, tryServe: serveStreamWaiter}

// parseXReadBlocked parses a stored XREAD/XREADGROUP for its keys and timeout.
func parseXReadBlocked(c *Ctx) (blockParsed, bool) {
	a, ok := parseXRead(c)
	if !ok {
		return blockParsed{}, false
	}
	return blockParsed{keys: a.keys, timeoutMs: a.timeoutMs, count: -1}, true
}

// xreadHasBlock reports whether XREAD/XREADGROUP args carry a BLOCK
// option before STREAMS.
func xreadHasBlock(args [][]byte) bool {
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case EqualFold(a, "STREAMS"):
			return false
		case EqualFold(a, "BLOCK"):
			return i+1 < len(args)
		case EqualFold(a, "COUNT"):
			i++
		case EqualFold(a, "GROUP"):
			i += 2
		}
	}
	return false
}

// isStream reports whether w waits in XREAD or XREADGROUP.
func (w *waiter) isStream() bool {
	spec := Lookup(w.args[0])
	return spec != nil && blockOps[spec.Name] != nil && blockOps[spec.Name].tryServe != nil
}

// blockXRead registers the reader of c as a waiter (nothing to serve and
// a BLOCK given) and answers BlockedReply.
func blockXRead(c *Ctx, a *xreadArgs) {
	var deadline int64
	if a.timeoutMs > 0 {
		deadline = c.NowMs + min(a.timeoutMs, maxBlockTimeoutMs)
	}
	n := len(a.keys)
	args := make([][]byte, len(c.Args))
	copy(args, c.Args)
	for i := 0; i < n; i++ {
		if j := len(args) - n + i; len(args[j]) == 1 && args[j][0] == '$' {
			args[j] = a.ids[i].appendText(nil)
		}
	}
	keys := a.keys
	c.Args = args
	c.addWaiter(*c.block, keys, deadline)
	c.W.Raw([]byte(BlockedReply))
}

// serveStreamWaiter answers a blocked reader from key when the stream
// there has entries past the ID it waits after (c.Args is the stored
// command). It reports whether it answered.
func serveStreamWaiter(c *Ctx, e *entry, key []byte) bool {
	a, ok := parseXRead(c)
	if !ok {
		panic("kv: blocked " + c.spec.Name + " no longer parses")
	}
	xg := a.group != nil
	if e == nil || e.typ() != TypeStream {
		if xg {
			c.W.Error(errXReadKeyGone)
			return true
		}
		return false
	}
	s := e.obj.(*Stream)
	n := len(a.keys)
	idx := 0
	for i, k := range a.keys {
		if string(k) == string(key) {
			idx = i
			break
		}
	}
	var gt streamID
	var g *streamGroup
	if xg {
		if g = s.group(a.group); g == nil {
			c.W.Error(errXReadGroupGone)
			return true
		}
		gt = g.lastID
	} else {
		gt, _, ok = parseStreamID(c.Args[len(c.Args)-n+idx], 0, true, false)
		if !ok {
			panic("kv: blocked XREAD holds a bad ID")
		}
	}
	if s.lastID.cmp(gt) <= 0 {
		return false
	}
	start, _ := gt.incr()
	count := a.count
	if count == 0 {
		count = xreadBlockedCountDefault
	}
	if c.W.Proto == 2 {
		c.W.Array(1)
		c.W.Array(2)
	} else {
		c.W.Map(1)
	}
	c.W.Bulk(key)
	if !xg {
		writeStreamRange(c.W, s, start, maxStreamID, count, false)
		return true
	}
	c.snapTouch(e)
	cons := g.consumer(a.consumer, true, c.NowMs)
	if cons == nil {
		cons = g.createConsumer(a.consumer, c.NowMs)
		c.Notify(NotifyStream, "xgroup-createconsumer", key)
	}
	writeGroupRange(c, c.W, s, g, cons, start, count, a.noack)
	return true
}

// streamGone signals the waiters of e's key when e holds a stream that is
// about to be deleted or replaced (XREADGROUP waiters then fail).
func (c *Ctx) streamGone(e *entry) {
	if _, ok := e.obj.(*Stream); ok && len(c.m.blk.byKey) > 0 {
		c.m.signalKey(dbKey{c.dbIndex, e.key})
	}
}

// signalStreamsGone signals every waited key of database db that holds a
// stream, before the database is flushed.
func (m *Machine) signalStreamsGone(db int) {
	if len(m.blk.byKey) == 0 {
		return
	}
	var ks []dbKey
	for k := range m.blk.byKey {
		if k.db != db {
			continue
		}
		if e := m.dbs[db].get(k.key); e != nil {
			if _, ok := e.obj.(*Stream); ok {
				ks = append(ks, k)
			}
		}
	}
	sortDBKeys(ks)
	for _, k := range ks {
		m.signalKey(k)
	}
}

func sortDBKeys(ks []dbKey) {
	slices.SortFunc(ks, func(a, b dbKey) int { return strings.Compare(a.key, b.key) })
}
