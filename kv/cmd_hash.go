package kv

import (
	"math"
	"strconv"
)

// Hash commands, as Redis 7.0's t_hash.c executes them.

// Error replies of the hash family not shared with other families.
const (
	errHashIncrNaN = "ERR value is NaN or Infinity"
	// errCollInvalidCursor is HSCAN's and SSCAN's reply to a bad cursor.
	errCollInvalidCursor = "ERR invalid cursor"
	errCollValueRange    = "ERR value is out of range"
	errCollRandCount     = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
)

// collRandCountMax bounds the count of HRANDFIELD/SRANDMEMBER with a negative
// count (repetitions allowed). Redis has no bound and builds a reply of any
// size (a large count exhausts its memory); Redraft answers errCollValueRange.
const collRandCountMax = 1 << 22

func hashCommands() []*Spec {
	const g = "hash"
	rw := FlagWrite | FlagDenyOOM | FlagFast
	ro := FlagReadOnly | FlagFast
	return []*Spec{
		{Name: "hset", Arity: -4, Flags: rw, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Set the string value of a hash field", Run: runHSet},
		{Name: "hmset", Arity: -4, Flags: rw, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Set multiple hash fields to multiple values", Run: runHSet},
		{Name: "hsetnx", Arity: 4, Flags: rw, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Set the value of a hash field, only if the field does not exist", Run: runHSetNX},
		{Name: "hget", Arity: 3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get the value of a hash field", Run: runHGet},
		{Name: "hmget", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get the values of all the given hash fields", Run: runHMGet},
		{Name: "hdel", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Delete one or more hash fields", Run: runHDel},
		{Name: "hexists", Arity: 3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Determine if a hash field exists", Run: runHExists},
		{Name: "hlen", Arity: 2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get the number of fields in a hash", Run: runHLen},
		{Name: "hstrlen", Arity: 3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "3.2.0",
			Summary: "Get the length of the value of a hash field", Run: runHStrLen},
		{Name: "hkeys", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get all the fields in a hash", Run: func(c *Ctx) { hashGetAll(c, true, false) }},
		{Name: "hvals", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get all the values in a hash", Run: func(c *Ctx) { hashGetAll(c, false, true) }},
		{Name: "hgetall", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Get all the fields and values in a hash", Run: func(c *Ctx) { hashGetAll(c, true, true) }},
		{Name: "hincrby", Arity: 4, Flags: rw, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.0.0",
			Summary: "Increment the integer value of a hash field by the given number", Run: runHIncrBy},
		{Name: "hincrbyfloat", Arity: 4, Flags: rw, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.6.0",
			Summary: "Increment the float value of a hash field by the given amount", Run: runHIncrByFloat},
		{Name: "hscan", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.0",
			Summary: "Incrementally iterate hash fields and associated values", Run: runHScan},
		{Name: "hrandfield", Arity: -2, Flags: FlagReadOnly | FlagRandom, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Get one or multiple random fields from a hash", Run: runHRandField},
	}
}

// lookupHash returns the hash at key (nil when absent); ok is false after a
// WRONGTYPE reply.
func lookupHash(c *Ctx, key []byte) (*entry, *Hash, bool) {
	e, ok := c.LookupType(key, TypeHash)
	if !ok || e == nil {
		return nil, nil, ok
	}
	return e, e.obj.(*Hash), true
}

// HSET key field value [field value ...] / HMSET (same, replies OK).
func runHSet(c *Ctx) {
	if len(c.Args)%2 == 1 {
		c.W.Error(ErrArity(c.Name()))
		return
	}
	e, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		h = &Hash{}
	}
	created := 0
	for i := 2; i < len(c.Args); i += 2 {
		if h.setString(c.Args[i], string(c.Args[i+1]), c.lim()) {
			created++
		}
	}
	if e == nil {
		c.Add(c.Args[1], nil, h)
	} else {
		c.Dirty(e)
	}
	c.Notify(NotifyHash, "hset", c.Args[1])
	if c.Name() == "hset" {
		c.W.Int(int64(created))
	} else {
		c.W.OK()
	}
}

// HSETNX key field value
func runHSetNX(c *Ctx) {
	e, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h != nil && h.Exists(c.Args[2]) {
		c.W.Int(0)
		return
	}
	if h == nil {
		h = &Hash{}
		h.setString(c.Args[2], string(c.Args[3]), c.lim())
		c.Add(c.Args[1], nil, h)
	} else {
		h.setString(c.Args[2], string(c.Args[3]), c.lim())
		c.Dirty(e)
	}
	c.Notify(NotifyHash, "hset", c.Args[1])
	c.W.Int(1)
}

// HGET key field
func runHGet(c *Ctx) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			c.W.BulkString(v)
			return
		}
	}
	c.W.Null()
}

// HMGET key field [field ...]
func runHMGet(c *Ctx) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, f := range c.Args[2:] {
		if h != nil {
			if v, found := h.Get(f); found {
				c.W.BulkString(v)
				continue
			}
		}
		c.W.Null()
	}
}

// HDEL key field [field ...]
func runHDel(c *Ctx) {
	e, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	deleted := 0
	for _, f := range c.Args[2:] {
		if h.Delete(f) {
			deleted++
			if h.Len() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		c.Notify(NotifyHash, "hdel", c.Args[1])
	}
	switch {
	case h.Len() == 0:
		c.DeleteEntry(e)
		c.Notify(NotifyGeneric, "del", c.Args[1])
	case deleted > 0:
		c.Dirty(e)
	}
	c.W.Int(int64(deleted))
}

// HEXISTS key field
func runHExists(c *Ctx) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h != nil && h.Exists(c.Args[2]) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

// HLEN key
func runHLen(c *Ctx) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(h.Len()))
}

// HSTRLEN key field
func runHStrLen(c *Ctx) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.W.Int(int64(n))
}

// hashGetAll serves HKEYS, HVALS (arrays) and HGETALL (a map).
func hashGetAll(c *Ctx, keys, vals bool) {
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if keys && vals {
		c.W.Map(n)
	} else {
		c.W.Array(n)
	}
	if h == nil {
		return
	}
	h.each(func(k, v string) bool {
		if keys {
			c.W.BulkString(k)
		}
		if vals {
			c.W.BulkString(v)
		}
		return true
	})
}

// HINCRBY key field increment
func runHIncrBy(c *Ctx) {
	incr, ok := c.ArgInt(3)
	if !ok {
		return
	}
	e, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	var cur int64
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			if cur, ok = ParseInt(collBytes(v)); !ok {
				c.W.Error(ErrHashNotInteger)
				return
			}
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		c.W.Error(ErrOverflow)
		return
	}
	cur += incr
	hashStore(c, e, h, strconv.FormatInt(cur, 10))
	c.Notify(NotifyHash, "hincrby", c.Args[1])
	c.W.Int(cur)
}

// HINCRBYFLOAT key field increment
func runHIncrByFloat(c *Ctx) {
	// Redis reads the increment as a long double (strtold).
	incr, ok := parseLongDouble(c.Args[3])
	if !ok {
		c.W.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.W.Error(errHashIncrNaN)
		return
	}
	e, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	cur := []byte("0")
	if h != nil {
		if v, found := h.Get(c.Args[2]); found {
			if _, ok := parseLongDouble(collBytes(v)); !ok {
				c.W.Error(ErrHashNotFloat)
				return
			}
			cur = collBytes(v)
		}
	}
	sum, ok := AddLongDouble(cur, c.Args[3])
	if !ok {
		c.W.Error(ErrIncrFloatNaN)
		return
	}
	hashStore(c, e, h, sum)
	c.Notify(NotifyHash, "hincrbyfloat", c.Args[1])
	c.W.BulkString(sum)
}

// hashStore sets field c.Args[2] to v in h at entry e, creating the key
// when e is nil.
func hashStore(c *Ctx, e *entry, h *Hash, v string) {
	if e == nil {
		h = &Hash{}
		h.setString(c.Args[2], v, c.lim())
		c.Add(c.Args[1], nil, h)
		return
	}
	h.setString(c.Args[2], v, c.lim())
	c.Dirty(e)
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
func runHScan(c *Ctx) {
	cursor, h, o, ok := startCollScan(c, lookupHash)
	if !ok {
		return
	}
	var out []string
	add := func(k, v string) {
		if o.match(k) {
			out = append(out, k, v)
		}
	}
	if h.listpack() {
		// Redis returns a listpack whole, whatever the cursor and COUNT.
		cursor = 0
		h.each(func(k, v string) bool { add(k, v); return true })
	} else {
		cursor = h.m.scan(cursor, o.count, o.visitMax(), add)
	}
	writeCollScan(c.W, cursor, out)
}

// HRANDFIELD key [count [WITHVALUES]]
func runHRandField(c *Ctx) {
	if len(c.Args) < 3 {
		_, h, ok := lookupHash(c, c.Args[1])
		if !ok {
			return
		}
		if h == nil {
			c.W.Null()
			return
		}
		k, _ := h.at(c.Rand().Intn(h.Len()))
		c.W.BulkString(k)
		return
	}
	l, ok := parseCollRandCount(c, 2)
	if !ok {
		return
	}
	withValues := false
	if len(c.Args) > 4 || (len(c.Args) == 4 && !c.ArgIs(3, "WITHVALUES")) {
		c.W.Error(ErrSyntax)
		return
	}
	if len(c.Args) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.W.Error(errCollValueRange)
			return
		}
	}
	_, h, ok := lookupHash(c, c.Args[1])
	if !ok {
		return
	}
	if h == nil || l == 0 {
		c.W.Array(0)
		return
	}
	pairs := withValues && c.W.Proto == 3
	elem := func(k, v string) {
		if pairs {
			c.W.Array(2)
		}
		c.W.BulkString(k)
		if withValues {
			c.W.BulkString(v)
		}
	}
	header := func(n int) {
		if withValues && !pairs {
			c.W.Array(2 * n)
		} else {
			c.W.Array(n)
		}
	}
	size := h.Len()
	if l < 0 || l == 1 {
		// Repetitions allowed: independent picks, in pick order.
		count, ok := collRepeatCount(c, l)
		if !ok {
			return
		}
		header(count)
		for i := 0; i < count; i++ {
			elem(h.at(c.Rand().Intn(size)))
		}
		return
	}
	if l >= int64(size) {
		header(size)
		h.each(func(k, v string) bool { elem(k, v); return true })
		return
	}
	count := int(l)
	header(count)
	collPickDistinct(c.Rand(), size, count, h.listpack(), func(r int) { elem(h.at(r)) })
}

// parseCollRandCount parses the count of HRANDFIELD/SRANDMEMBER (argument i):
// an integer in [-LONG_MAX, LONG_MAX], with Redis's errors.
func parseCollRandCount(c *Ctx, i int) (int64, bool) {
	l, ok := c.ArgInt(i)
	if !ok {
		return 0, false
	}
	if l == math.MinInt64 {
		c.W.Error(errCollRandCount)
		return 0, false
	}
	return l, true
}

// collRepeatCount turns a negative (or 1) random count into the number of
// picks, refusing counts past collRandCountMax.
func collRepeatCount(c *Ctx, l int64) (int, bool) {
	if l < 0 {
		l = -l
	}
	if l > collRandCountMax {
		c.W.Error(errCollValueRange)
		return 0, false
	}
	return int(l), true
}

// collPickDistinct calls fn with count distinct ranks out of [0, size)
// (0 < count < size). Like Redis, it samples in iteration order when the
// collection is small (ordered is true: listpack) or count is a large share
// of it (count*3 > size), and otherwise draws random ranks until it has
// count distinct ones, in draw order.
func collPickDistinct(rnd *Rand, size, count int, ordered bool, fn func(r int)) {
	if ordered || count*3 > size {
		// Selection sampling (Knuth's algorithm S): each rank is taken with
		// probability needed/remaining, which yields a uniform subset.
		need := count
		for r := 0; r < size && need > 0; r++ {
			if rnd.Intn(size-r) < need {
				fn(r)
				need--
			}
		}
		return
	}
	seen := make(map[int]struct{}, count) // membership only, never iterated
	for len(seen) < count {
		r := rnd.Intn(size)
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		fn(r)
	}
}

// HSCAN, SSCAN and ZSCAN share the parsing and reply of Redis's scanGenericCommand.

// startCollScan runs the common start of HSCAN/SSCAN/ZSCAN key cursor
// [MATCH pattern] [COUNT count] in Redis's order: cursor, key (type),
// missing key (the empty scan reply), options. ok is false when a reply
// was written already.
func startCollScan[T any](c *Ctx, lookup func(*Ctx, []byte) (*entry, *T, bool)) (cursor uint64, v *T, o collScanOpts, ok bool) {
	if cursor, ok = parseScanCursor(c.Args[2]); !ok {
		c.W.Error(errCollInvalidCursor)
		return
	}
	if _, v, ok = lookup(c, c.Args[1]); !ok {
		return
	}
	if v == nil {
		writeCollScanEmpty(c.W)
		return cursor, nil, o, false
	}
	o, ok = parseCollScanOpts(c)
	return
}

// collScanVisitsPerCount is Redis's maxiterations factor: a SCAN call visits
// at most COUNT*10 slots (buckets in Redis) before it returns.
const collScanVisitsPerCount = 10

// collScanOpts is a parsed HSCAN/SSCAN option list.
type collScanOpts struct {
	count   int    // COUNT, >= 1 (default 10)
	pattern []byte // MATCH pattern; nil when absent or "*" (Redis skips matching then)
}

// visitMax is the slot budget of one call (COUNT*10, saturating).
func (o *collScanOpts) visitMax() int {
	if o.count > math.MaxInt/collScanVisitsPerCount {
		return math.MaxInt
	}
	return o.count * collScanVisitsPerCount
}

// match reports whether s passes the MATCH filter.
func (o *collScanOpts) match(s string) bool {
	return o.pattern == nil || MatchGlob(o.pattern, collBytes(s))
}

// parseCollScanOpts parses the MATCH/COUNT options of HSCAN/SSCAN from
// c.Args[3:] in Redis's order, writing Redis's error on failure.
func parseCollScanOpts(c *Ctx) (collScanOpts, bool) {
	o := collScanOpts{count: 10}
	for i := 3; i < len(c.Args); i += 2 {
		more := len(c.Args) - i
		switch {
		case c.ArgIs(i, "COUNT") && more >= 2:
			n, ok := c.ArgInt(i + 1)
			if !ok {
				return o, false
			}
			if n < 1 {
				c.W.Error(ErrSyntax)
				return o, false
			}
			if n > math.MaxInt {
				n = math.MaxInt
			}
			o.count = int(n)
		case c.ArgIs(i, "MATCH") && more >= 2:
			p := c.Args[i+1]
			if len(p) == 1 && p[0] == '*' {
				o.pattern = nil
			} else {
				o.pattern = p
			}
		default:
			c.W.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// writeCollScan writes a SCAN reply: the next cursor and the elements
// (already filtered, field/value pairs flattened for hashes).
func writeCollScan(w *Writer, cursor uint64, elems []string) {
	w.Array(2)
	var tmp [20]byte
	w.Bulk(strconv.AppendUint(tmp[:0], cursor, 10))
	w.Array(len(elems))
	for _, s := range elems {
		w.BulkString(s)
	}
}

// writeCollScanEmpty writes the reply for a missing key (Redis's shared.emptyscan).
func writeCollScanEmpty(w *Writer) { writeCollScan(w, 0, nil) }
