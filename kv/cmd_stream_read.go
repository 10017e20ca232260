package kv

// XREAD and XREADGROUP, as Redis 7.0's xreadCommand.

const (
	errXReadUnbalanced = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
	errXReadGroupOpt   = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
	errXReadNoAckOpt   = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
	errXReadMissGroup  = "ERR Missing GROUP option for XREADGROUP"
	errXReadDollar     = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
	errXReadGT         = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
	errTimeoutNotInt   = "ERR timeout is not an integer or out of range"
)

// xreadBlockedCountDefault is the COUNT of a blocked XREAD without one
// (Redis's XREAD_BLOCKED_DEFAULT_COUNT).
const xreadBlockedCountDefault = 1000

// xreadKeys finds XREAD's and XREADGROUP's keys: the first half of the
// arguments after STREAMS (Redis's xreadGetKeys).
func xreadKeys(args [][]byte) [][]byte {
	pos := -1
loop:
	for i := 1; i < len(args); i++ {
		switch a := args[i]; {
		case EqualFold(a, "BLOCK"), EqualFold(a, "COUNT"):
			i++
		case EqualFold(a, "GROUP"):
			i += 2
		case EqualFold(a, "NOACK"):
		case EqualFold(a, "STREAMS"):
			pos = i
			break loop
		default:
			break loop
		}
	}
	if pos < 0 {
		return nil
	}
	n := len(args) - pos - 1
	if n == 0 || n%2 != 0 {
		return nil
	}
	return args[pos+1 : pos+1+n/2]
}

// xreadArgs are the parsed arguments of XREAD/XREADGROUP.
type xreadArgs struct {
	group, consumer []byte
	count           int64
	timeoutMs       int64 // -1: no BLOCK
	noack           bool
	keys            [][]byte
	ids             []streamID // '>' is maxStreamID
}

// parseXRead parses the options; ok is false after an error reply.
func parseXRead(c *Ctx) (*xreadArgs, bool) {
	xg := c.Name() == "xreadgroup"
	a := &xreadArgs{timeoutMs: -1}
	streamsArg := 0
	for i := 1; i < len(c.Args); i++ {
		more := len(c.Args) - i - 1
		switch o := c.Args[i]; {
		case EqualFold(o, "BLOCK") && more > 0:
			if c.inScript {
				c.W.Error("ERR " + string(c.Args[0]) + " command is not allowed with BLOCK option from scripts")
				return nil, false
			}
			i++
			v, ok := ParseInt(c.Args[i])
			if !ok {
				c.W.Error(errTimeoutNotInt)
				return nil, false
			}
			if v < 0 {
				c.W.Error(ErrTimeoutNeg)
				return nil, false
			}
			a.timeoutMs = v
		case EqualFold(o, "COUNT") && more > 0:
			i++
			v, ok := c.ArgInt(i)
			if !ok {
				return nil, false
			}
			a.count = max(v, 0)
		case EqualFold(o, "STREAMS") && more > 0:
			streamsArg = i + 1
			if (len(c.Args)-streamsArg)%2 != 0 {
				c.W.Error(errXReadUnbalanced)
				return nil, false
			}
			i = len(c.Args)
		case EqualFold(o, "GROUP") && more >= 2:
			if !xg {
				c.W.Error(errXReadGroupOpt)
				return nil, false
			}
			a.group, a.consumer = c.Args[i+1], c.Args[i+2]
			i += 2
		case EqualFold(o, "NOACK"):
			if !xg {
				c.W.Error(errXReadNoAckOpt)
				return nil, false
			}
			a.noack = true
		default:
			c.W.Error(ErrSyntax)
			return nil, false
		}
	}
	if streamsArg == 0 {
		c.W.Error(ErrSyntax)
		return nil, false
	}
	if xg && a.group == nil {
		c.W.Error(errXReadMissGroup)
		return nil, false
	}
	n := (len(c.Args) - streamsArg) / 2
	a.keys = c.Args[streamsArg : streamsArg+n]
	a.ids = make([]streamID, n)
	return a, true
}

// XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...]
func runXRead(c *Ctx) {
	a, ok := parseXRead(c)
	if !ok {
		return
	}
	xg := a.group != nil
	n := len(a.keys)
	streams := make([]*Stream, n)
	var groups []*streamGroup
	if xg {
		groups = make([]*streamGroup, n)
	}
	for i := 0; i < n; i++ {
		_, s, ok := lookupStream(c, a.keys[i])
		if !ok {
			return
		}
		streams[i] = s
		if xg {
			var g *streamGroup
			if s != nil {
				g = s.group(a.group)
			}
			if g == nil {
				c.W.Error("NOGROUP No such key '" + string(a.keys[i]) + "' or consumer group '" + string(a.group) + "' in XREADGROUP with GROUP option")
				return
			}
			groups[i] = g
		}
		arg := c.Args[len(c.Args)-n+i]
		switch {
		case len(arg) == 1 && arg[0] == '$':
			if xg {
				c.W.Error(errXReadDollar)
				return
			}
			if s != nil {
				a.ids[i] = s.lastID
			}
		case len(arg) == 1 && arg[0] == '>':
			if !xg {
				c.W.Error(errXReadGT)
				return
			}
			a.ids[i] = maxStreamID
		default:
			id, ok := c.argStreamID(len(c.Args)-n+i, 0, true)
			if !ok {
				return
			}
			a.ids[i] = id
		}
	}
	if xreadServe(c, a, streams, groups, c.W) {
		return
	}
	// Nothing to serve: block when asked to and allowed to (wrapped in
	// redraft.block); otherwise answer as a timeout, as Redis does for a
	// client that may not block (MULTI, scripts).
	if a.timeoutMs != -1 && c.block != nil {
		blockXRead(c, a)
		return
	}
	c.W.NullArray()
}

// xreadServe writes the reply for every stream that has something for
// the reader, as Redis's synchronous path: a map (RESP3) or array (RESP2)
// of [key, entries]. It writes nothing and returns false when no stream
// has anything.
func xreadServe(c *Ctx, a *xreadArgs, streams []*Stream, groups []*streamGroup, w *Writer) bool {
	sub := NewWriter(nil, w.Proto)
	served := 0
	for i, s := range streams {
		if s == nil {
			continue
		}
		gt := a.ids[i]
		serve, history := false, false
		if groups != nil {
			if gt != maxStreamID {
				serve, history = true, true
			} else if s.length > 0 {
				if last := groups[i].lastID; s.lastValidID().cmp(last) > 0 {
					serve, gt = true, last
				}
			}
		} else if s.length > 0 && s.lastValidID().cmp(gt) > 0 {
			serve = true
		}
		if !serve {
			continue
		}
		served++
		start, _ := gt.incr()
		if w.Proto == 2 {
			sub.Array(2)
		}
		sub.Bulk(a.keys[i])
		if groups == nil {
			writeStreamRange(sub, s, start, maxStreamID, a.count, false)
			continue
		}
		g := groups[i]
		cons := g.consumer(a.consumer, true, c.NowMs)
		if cons == nil {
			cons = g.createConsumer(a.consumer, c.NowMs)
			c.Notify(NotifyStream, "xgroup-createconsumer", a.keys[i])
		}
		if history {
			writeConsumerHistory(c, sub, s, cons, start, a.count)
		} else {
			writeGroupRange(c, sub, s, g, cons, start, a.count, a.noack)
		}
	}
	if served == 0 {
		return false
	}
	if w.Proto == 2 {
		w.Array(served)
	} else {
		w.Map(served)
	}
	w.Raw(sub.Bytes())
	return true
}

// writeGroupRange delivers the entries from start on to cons of group g
// (Redis's streamReplyWithRange with a group): it moves the group's last
// ID and read counter and, unless noack, records each entry as pending
// for cons (taking it over from another consumer when it was pending
// there).
func writeGroupRange(c *Ctx, w *Writer, s *Stream, g *streamGroup, cons *streamConsumer, start streamID, count int64, noack bool) {
	sub := NewWriter(nil, w.Proto)
	n := 0
	it := s.iter(start, maxStreamID, false)
	for (count <= 0 || int64(n) < count) && it.next() {
		id := it.id
		if id.cmp(g.lastID) > 0 {
			if g.entriesRead != streamEntriesReadInvalid && !s.rangeHasTombstones(id, maxStreamID) {
				g.entriesRead++
			} else if s.entriesAdded != 0 {
				g.entriesRead = s.estimateDistance(id)
			}
			g.lastID = id
		}
		writeStreamEntry(sub, id, it.kv)
		n++
		if noack {
			continue
		}
		if old, ok := g.pel.get(id); ok {
			old.consumer.pel.del(id)
			old.consumer = cons
			old.deliveryTime = c.NowMs
			old.deliveryCount = 1
			cons.pel.set(id, old)
		} else {
			nack := &streamNACK{deliveryTime: c.NowMs, deliveryCount: 1, consumer: cons}
			g.pel.set(id, nack)
			cons.pel.set(id, nack)
		}
	}
	w.Array(n)
	w.Raw(sub.Bytes())
}

// writeConsumerHistory writes the entries pending for cons from start on
// (Redis's streamReplyWithRangeFromConsumerPEL): an entry deleted from
// the stream is written as [id, nil]; a delivered one gets its delivery
// time and count updated.
func writeConsumerHistory(c *Ctx, w *Writer, s *Stream, cons *streamConsumer, start streamID, count int64) {
	type item struct {
		id   streamID
		nack *streamNACK
	}
	var items []item
	cons.pel.each(start, func(id streamID, nack *streamNACK) bool {
		if count > 0 && int64(len(items)) >= count {
			return false
		}
		items = append(items, item{id, nack})
		return true
	})
	w.Array(len(items))
	for _, x := range items {
		if kv, ok := s.lookup(x.id); ok {
			writeStreamEntry(w, x.id, kv)
			x.nack.deliveryTime = c.NowMs
			x.nack.deliveryCount++
		} else {
			w.Array(2)
			w.Bulk(x.id.appendText(nil))
			w.NullArray()
		}
	}
}

// rangeHasTombstones reports whether [start, end] may hold a deleted
// entry (Redis's streamRangeHasTombstones).
func (s *Stream) rangeHasTombstones(start, end streamID) bool {
	if s.length == 0 || s.maxDeleted.isZero() {
		return false
	}
	if s.firstID.cmp(s.maxDeleted) > 0 {
		return false
	}
	return start.cmp(s.maxDeleted) <= 0 && s.maxDeleted.cmp(end) <= 0
}

// estimateDistance is Redis's streamEstimateDistanceFromFirstEverEntry:
// the read counter of id when it can be known, else -1.
func (s *Stream) estimateDistance(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.cmp(s.lastID) < 1 {
		return int64(s.entriesAdded)
	}
	switch cmpLast := id.cmp(s.lastID); {
	case cmpLast == 0:
		return int64(s.entriesAdded)
	case cmpLast > 0:
		return streamEntriesReadInvalid
	}
	cmpFirst := id.cmp(s.firstID)
	if s.maxDeleted.isZero() || s.maxDeleted.cmp(s.firstID) < 0 {
		if cmpFirst < 0 {
			return int64(s.entriesAdded - s.length)
		} else if cmpFirst == 0 {
			return int64(s.entriesAdded - s.length + 1)
		}
	}
	return streamEntriesReadInvalid
}

// groupLag is a group's lag (ok false: unknown, Redis answers null).
func (s *Stream) groupLag(g *streamGroup) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != streamEntriesReadInvalid && !s.rangeHasTombstones(g.lastID, maxStreamID) {
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if r := s.estimateDistance(g.lastID); r != streamEntriesReadInvalid {
		return int64(s.entriesAdded) - r, true
	}
	return 0, false
}
