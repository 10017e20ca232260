package kv

import (
	"math"
	"strconv"
)

// Stream commands on entries, as Redis 7.0's t_stream.c executes them:
// XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID. Reading (XREAD,
// XREADGROUP) is in cmd_stream_read.go, consumer groups in
// cmd_stream_group.go, XINFO in cmd_stream_info.go.

// Error replies of the stream family.
const (
	errStreamID          = "ERR Invalid stream ID specified as stream command argument"
	errStreamIDZero      = "ERR The ID specified in XADD must be greater than 0-0"
	errStreamExhausted   = "ERR The stream has exhausted the last possible ID, unable to add more items"
	errStreamIDSmall     = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
	errStreamTooLarge    = "ERR Elements are too large to be stored"
	errStreamMaxMinID    = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
	errStreamMaxLenNeg   = "ERR The MAXLEN argument must be >= 0."
	errStreamLimitNeg    = "ERR The LIMIT argument must be >= 0."
	errStreamLimitNoTrim = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
	errStreamXTrimNoTrim = "ERR syntax error, XTRIM must be called with a trimming strategy"
	errStreamLimitNoAppr = "ERR syntax error, LIMIT cannot be used without the special ~ option"
	errStreamStartID     = "ERR invalid start ID for the interval"
	errStreamEndID       = "ERR invalid end ID for the interval"
	errXSetIDEntries     = "ERR entries_added must be positive"
	errXSetIDMaxDel      = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
	errXSetIDSmall       = "ERR The ID specified in XSETID is smaller than the target stream top item"
	errXSetIDAdded       = "ERR The entries_added specified in XSETID is smaller than the target stream length"
)

// Bounds of the work of an approximate trim without LIMIT: 100 nodes
// (100 * stream-node-max-entries), within Redis's bounds.
const (
	streamTrimLimitNoEntries = 10000
	streamTrimLimitMax       = 1000000
)

// streamTrimLimitDefault is the LIMIT of an approximate trim without one.
func streamTrimLimitDefault(l *encodingLimits) int64 {
	n := l.raw[encStreamNodeEntries]
	if n > streamTrimLimitMax/100 {
		return streamTrimLimitMax
	}
	if n*100 <= 0 {
		return streamTrimLimitNoEntries
	}
	return n * 100
}

func streamCommands() []*Spec {
	const g = "stream"
	return []*Spec{
		{Name: "xadd", Arity: -5, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Appends a new entry to a stream", Run: runXAdd},
		{Name: "xrange", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval", Run: func(c *Ctx) { runXRange(c, false) }},
		{Name: "xrevrange", Arity: -4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE", Run: func(c *Ctx) { runXRange(c, true) }},
		{Name: "xlen", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Return the number of entries in a stream", Run: runXLen},
		{Name: "xdel", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.", Run: runXDel},
		{Name: "xtrim", Arity: -4, Flags: FlagWrite, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Trims the stream to (approximately if '~' is passed) a certain size", Run: runXTrim},
		{Name: "xsetid", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "An internal command for replicating stream values", Run: runXSetID},
		{Name: "xread", Arity: -4, Flags: FlagReadOnly, Group: g, Since: "5.0.0", KeysFunc: xreadKeys,
			Summary: "Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.", Run: runXRead},
		{Name: "xreadgroup", Arity: -7, Flags: FlagWrite, Group: g, Since: "5.0.0", KeysFunc: xreadKeys,
			Summary: "Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.", Run: runXRead},
		{Name: "xgroup", Arity: -2, Flags: FlagWrite | FlagDenyOOM, FirstKey: 2, LastKey: 2, Step: 1, Group: g, Since: "5.0.0",
			Summary: "A container for consumer groups commands", Run: runXGroup, ReadsOnly: xgroupReadsOnly},
		{Name: "xack", Arity: -4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.", Run: runXAck},
		{Name: "xpending", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.", Run: runXPending},
		{Name: "xclaim", Arity: -6, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "5.0.0",
			Summary: "Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.", Run: runXClaim},
		{Name: "xautoclaim", Arity: -6, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.", Run: runXAutoClaim},
		{Name: "xinfo", Arity: -2, Flags: FlagReadOnly, FirstKey: 2, LastKey: 2, Step: 1, Group: g, Since: "5.0.0",
			Summary: "A container for stream introspection commands", Run: runXInfo},
	}
}

// lookupStream returns the stream at key (nil when absent); ok is false
// after a WRONGTYPE reply.
func lookupStream(c *Ctx, key []byte) (*entry, *Stream, bool) {
	e, ok := c.LookupType(key, TypeStream)
	if !ok || e == nil {
		return nil, nil, ok
	}
	return e, e.obj.(*Stream), true
}

// parseStreamUint is Redis's string2ull: string2ll's syntax for a
// non-negative value, or else strtoull's (leading spaces, a sign, digits
// only after it, no overflow; a '-' negates modulo 2^64).
func parseStreamUint(b []byte) (uint64, bool) {
	if v, ok := ParseInt(b); ok {
		if v < 0 {
			return 0, false
		}
		return uint64(v), true
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) {
		return 0, false
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(d-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// streamIDArgMax is the longest ID argument Redis parses (its 128-byte buffer).
const streamIDArgMax = 127

// parseStreamID parses an ID argument as Redis's streamGenericParseIDOrReply:
// <ms>-<seq>, <ms> (the sequence is missingSeq), and unless strict "-" and
// "+". With autoSeq the form <ms>-* is accepted and seqGiven reports whether
// the sequence was given.
func parseStreamID(arg []byte, missingSeq uint64, strict, autoSeq bool) (id streamID, seqGiven, ok bool) {
	if len(arg) > streamIDArgMax {
		return id, false, false
	}
	// The C code sees the argument up to its first NUL byte.
	for i, ch := range arg {
		if ch == 0 {
			arg = arg[:i]
			break
		}
	}
	if len(arg) == 1 && (arg[0] == '-' || arg[0] == '+') {
		if strict {
			return id, false, false
		}
		if arg[0] == '-' {
			return streamID{}, true, true
		}
		return maxStreamID, true, true
	}
	dash := -1
	for i, ch := range arg {
		if ch == '-' {
			dash = i
			break
		}
	}
	msPart := arg
	if dash >= 0 {
		msPart = arg[:dash]
	}
	ms, okMs := parseStreamUint(msPart)
	if !okMs {
		return id, false, false
	}
	seq, seqGiven := missingSeq, true
	if dash >= 0 {
		rest := arg[dash+1:]
		if autoSeq && len(rest) == 1 && rest[0] == '*' {
			seq, seqGiven = 0, false
		} else {
			s, okSeq := parseStreamUint(rest)
			if !okSeq {
				return id, false, false
			}
			seq = s
		}
	}
	return streamID{ms, seq}, seqGiven, true
}

// argStreamID parses argument i (see parseStreamID), writing Redis's
// error when it is not an ID.
func (c *Ctx) argStreamID(i int, missingSeq uint64, strict bool) (streamID, bool) {
	id, _, ok := parseStreamID(c.Args[i], missingSeq, strict, false)
	if !ok {
		c.W.Error(errStreamID)
	}
	return id, ok
}

// argIntervalID parses an XRANGE/XPENDING bound: an ID, or "(" and a
// strict ID for an exclusive bound, which it moves by one (start: up,
// end: down), answering Redis's error when it cannot.
func (c *Ctx) argIntervalID(i int, missingSeq uint64, isEnd bool) (streamID, bool) {
	a := c.Args[i]
	if len(a) > 1 && a[0] == '(' {
		id, _, ok := parseStreamID(a[1:], missingSeq, true, false)
		if !ok {
			c.W.Error(errStreamID)
			return id, false
		}
		if isEnd {
			if id, ok = id.decr(); !ok {
				c.W.Error(errStreamEndID)
			}
		} else if id, ok = id.incr(); !ok {
			c.W.Error(errStreamStartID)
		}
		return id, ok
	}
	return c.argStreamID(i, missingSeq, false)
}

// parseTrimArgs parses XADD's (xadd) or XTRIM's options from argument 2 as
// streamParseAddOrTrimArgsOrReply: it returns the index of XADD's ID
// argument (XTRIM: the argument count), the trim options, XADD's ID and
// flags; ok is false after an error reply.
type xaddArgs struct {
	trim       streamTrimArgs
	id         streamID
	idGiven    bool
	seqGiven   bool
	noMkStream bool
}

func parseTrimArgs(c *Ctx, xadd bool) (int, xaddArgs, bool) {
	var a xaddArgs
	limitGiven := false
	i := 2
	for ; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		opt := c.Args[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
		case EqualFold(opt, "MAXLEN") && more > 0, EqualFold(opt, "MINID") && more > 0:
			if a.trim.strategy != trimNone {
				c.W.Error(errStreamMaxMinID)
				return 0, a, false
			}
			a.trim.approx = false
			next := c.Args[i+1]
			if more >= 2 && len(next) == 1 && next[0] == '~' {
				a.trim.approx = true
				i++
			} else if more >= 2 && len(next) == 1 && next[0] == '=' {
				i++
			}
			if EqualFold(opt, "MAXLEN") {
				v, ok := c.ArgInt(i + 1)
				if !ok {
					return 0, a, false
				}
				if v < 0 {
					c.W.Error(errStreamMaxLenNeg)
					return 0, a, false
				}
				a.trim.maxLen, a.trim.strategy = v, trimMaxLen
			} else {
				id, _, ok := parseStreamID(c.Args[i+1], 0, true, false)
				if !ok {
					c.W.Error(errStreamID)
					return 0, a, false
				}
				a.trim.minID, a.trim.strategy = id, trimMinID
			}
			i++
			a.trim.argIdx = i
			continue
		case EqualFold(opt, "LIMIT") && more > 0:
			v, ok := c.ArgInt(i + 1)
			if !ok {
				return 0, a, false
			}
			if v < 0 {
				c.W.Error(errStreamLimitNeg)
				return 0, a, false
			}
			a.trim.limit, limitGiven = v, true
			i++
			continue
		case xadd && EqualFold(opt, "NOMKSTREAM"):
			a.noMkStream = true
			continue
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, 0, true, true)
			if !ok {
				c.W.Error(errStreamID)
				return 0, a, false
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
		default:
			c.W.Error(ErrSyntax)
			return 0, a, false
		}
		break
	}
	if a.trim.limit != 0 && a.trim.strategy == trimNone {
		c.W.Error(errStreamLimitNoTrim)
		return 0, a, false
	}
	if !xadd && a.trim.strategy == trimNone {
		c.W.Error(errStreamXTrimNoTrim)
		return 0, a, false
	}
	if limitGiven {
		if !a.trim.approx {
			c.W.Error(errStreamLimitNoAppr)
			return 0, a, false
		}
	} else if a.trim.approx {
		a.trim.limit = streamTrimLimitDefault(c.lim())
	} else {
		a.trim.limit = 0
	}
	return i, a, true
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
func runXAdd(c *Ctx) {
	idPos, a, ok := parseTrimArgs(c, true)
	if !ok {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Args) - fieldPos; n < 2 || n%2 == 1 {
		c.W.Error(ErrArity(c.Name()))
		return
	}
	if a.idGiven && a.seqGiven && a.id.isZero() {
		c.W.Error(errStreamIDZero)
		return
	}
	e, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		if a.noMkStream {
			c.W.Null()
			return
		}
		s = &Stream{}
		e = c.Add(c.Args[1], nil, s)
	}
	if s.lastID == maxStreamID {
		c.W.Error(errStreamExhausted)
		return
	}
	var id streamID
	switch {
	case !a.idGiven:
		id, ok = s.nextID(c.NowMs)
	case a.seqGiven:
		id = a.id
	case s.lastID.ms == a.id.ms:
		id, ok = s.lastID.incr()
		ok = ok && s.lastID.seq != math.MaxUint64
	default:
		id = a.id
	}
	if !ok || id.cmp(s.lastID) <= 0 {
		c.W.Error(errStreamIDSmall)
		return
	}
	total := 0
	for _, b := range c.Args[fieldPos:] {
		total += len(b)
	}
	if total > streamListpackMaxSize {
		c.W.Error(errStreamTooLarge)
		return
	}
	maxEntries, maxBytes := streamNodeLimits(c.lim())
	s.appendEntry(id, c.Args[fieldPos:], maxEntries, maxBytes)
	c.W.Bulk(id.appendText(nil))
	c.Dirty(e)
	c.Notify(NotifyStream, "xadd", c.Args[1])
	if a.trim.strategy != trimNone && s.trim(&a.trim) > 0 {
		c.Notify(NotifyStream, "xtrim", c.Args[1])
	}
	c.signalReady(e.key, s)
}

// writeStreamEntry writes one entry: [id, [field, value, ...]].
func writeStreamEntry(w *Writer, id streamID, kv [][]byte) {
	w.Array(2)
	w.streamID(id)
	w.Array(len(kv))
	for _, b := range kv {
		w.Bulk(b)
	}
}

// writeStreamRange writes the entries of s in [start, end] (reverse when
// rev), at most count of them when count > 0, as an array; it returns how
// many.
func writeStreamRange(w *Writer, s *Stream, start, end streamID, count int64, rev bool) int {
	// Count first (IDs only), then write: no second buffer to copy.
	n := 0
	it := s.iter(start, end, rev)
	it.idsOnly = true
	for (count <= 0 || int64(n) < count) && it.next() {
		n++
	}
	w.Array(n)
	it = s.iter(start, end, rev)
	for i := 0; i < n && it.next(); i++ {
		writeStreamEntry(w, it.id, it.kv)
	}
	return n
}

// streamID writes id as a bulk string.
func (w *Writer) streamID(id streamID) {
	var buf [41]byte
	w.Bulk(id.appendText(buf[:0]))
}

// XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
func runXRange(c *Ctx, rev bool) {
	si, ei := 2, 3
	if rev {
		si, ei = 3, 2
	}
	start, ok := c.argIntervalID(si, 0, false)
	if !ok {
		return
	}
	end, ok := c.argIntervalID(ei, math.MaxUint64, true)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if c.ArgIs(j, "COUNT") && j+1 < len(c.Args) {
			v, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			count = max(v, 0)
			j++
			continue
		}
		c.W.Error(ErrSyntax)
		return
	}
	_, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Array(0)
		return
	}
	if count == 0 {
		c.W.NullArray()
		return
	}
	writeStreamRange(c.W, s, start, end, count, rev)
}

// XLEN key
func runXLen(c *Ctx) {
	_, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.length))
}

// XDEL key id [id ...]
func runXDel(c *Ctx) {
	e, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	ids := make([]streamID, 0, len(c.Args)-2)
	for j := 2; j < len(c.Args); j++ {
		id, ok := c.argStreamID(j, 0, true)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	deleted, first := 0, false
	for _, id := range ids {
		if !s.deleteEntry(id) {
			continue
		}
		if id == s.firstID {
			first = true
		}
		if id.cmp(s.maxDeleted) > 0 {
			s.maxDeleted = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = streamID{}
		} else if first {
			s.firstID, _ = s.edge(false)
		}
		c.Dirty(e)
		c.Notify(NotifyStream, "xdel", c.Args[1])
	}
	c.W.Int(int64(deleted))
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
func runXTrim(c *Ctx) {
	_, a, ok := parseTrimArgs(c, false)
	if !ok {
		return
	}
	e, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	deleted := s.trim(&a.trim)
	if deleted > 0 {
		c.Notify(NotifyStream, "xtrim", c.Args[1])
		c.Dirty(e)
	}
	c.W.Int(deleted)
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
func runXSetID(c *Ctx) {
	id, ok := c.argStreamID(2, 0, true)
	if !ok {
		return
	}
	var maxDel streamID
	entriesAdded := int64(-1)
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - 1 - i
		switch {
		case c.ArgIs(i, "ENTRIESADDED") && more > 0:
			v, ok := c.ArgInt(i + 1)
			if !ok {
				return
			}
			if v < 0 {
				c.W.Error(errXSetIDEntries)
				return
			}
			entriesAdded = v
		case c.ArgIs(i, "MAXDELETEDID") && more > 0:
			if maxDel, ok = c.argStreamID(i+1, 0, true); !ok {
				return
			}
			if id.cmp(maxDel) < 0 {
				c.W.Error(errXSetIDMaxDel)
				return
			}
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	_, s, ok := lookupStream(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Error(ErrNoSuchKey)
		return
	}
	if s.length > 0 {
		if id.cmp(s.lastValidID()) < 0 {
			c.W.Error(errXSetIDSmall)
			return
		}
		if entriesAdded != -1 && s.length > uint64(entriesAdded) {
			c.W.Error(errXSetIDAdded)
			return
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if !maxDel.isZero() {
		s.maxDeleted = maxDel
	}
	c.W.OK()
	c.Notify(NotifyStream, "xsetid", c.Args[1])
}

// formatStreamID renders id as text.
func formatStreamID(id streamID) string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}
