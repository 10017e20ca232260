package kv

import (
	"math"
	"slices"
	"sort"
	"strings"
	"unsafe"
)

// Sorted-set commands (Redis 7.0 t_zset.c). Every command parses its
// arguments in Redis's order (options, then ranges, then the key's type) and
// writes Redis's reply; WITHSCORES replies are flat in RESP2 and
// [member, double] pairs in RESP3, as in Redis 7.0.

// Sorted-set error replies that are not shared with other families.
const (
	errZRangeLimit      = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	errZRangeWithScores = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	errZWeightNotFloat  = "ERR weight value is not a float"
	errZRandRange       = "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"
	errZOutOfRange      = "ERR value is out of range"
	errZLimitNegative   = "ERR LIMIT can't be negative"
	errZNumkeys         = "ERR numkeys should be greater than 0"
	errZCount           = "ERR count should be greater than 0"
)

const (
	// zscanCountMax caps COUNT before Redis's arithmetic on it (count*2
	// entries, count*10 buckets) could overflow; beyond it the scan simply
	// runs to the end, as Redis's would.
	zscanCountMax = 1 << 40
	// zrandMemberRepeatMax bounds ZRANDMEMBER with a negative count (the
	// only reply not bounded by the set's size). Redis has no bound and
	// would grow its output buffer until memory runs out; here the command
	// is refused with errZOutOfRange instead.
	zrandMemberRepeatMax = 1 << 24
)

func zsetCommands() []*Spec {
	spec := func(name string, arity int, flags Flags, first, last int, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: 1,
			Group: "sorted-set", Since: since, Summary: summary, Run: run}
	}
	const (
		w  = FlagWrite
		r  = FlagReadOnly
		f  = FlagFast
		dm = FlagDenyOOM
	)
	return []*Spec{
		spec("zadd", -4, w|dm|f, 1, 1, "1.2.0", "Add one or more members to a sorted set, or update its score if it already exists", runZAdd),
		spec("zincrby", 4, w|dm|f, 1, 1, "1.2.0", "Increment the score of a member in a sorted set", runZIncrBy),
		spec("zrem", -3, w|f, 1, 1, "1.2.0", "Remove one or more members from a sorted set", runZRem),
		spec("zscore", 3, r|f, 1, 1, "1.2.0", "Get the score associated with the given member in a sorted set", runZScore),
		spec("zmscore", -3, r|f, 1, 1, "6.2.0", "Get the score associated with the given members in a sorted set", runZMScore),
		spec("zcard", 2, r|f, 1, 1, "1.2.0", "Get the number of members in a sorted set", runZCard),
		spec("zcount", 4, r|f, 1, 1, "2.0.0", "Count the members in a sorted set with scores within the given values", runZCount),
		spec("zlexcount", 4, r|f, 1, 1, "2.8.9", "Count the number of members in a sorted set between a given lexicographical range", runZLexCount),
		spec("zrange", -4, r, 1, 1, "1.2.0", "Return a range of members in a sorted set", runZRange),
		spec("zrangestore", -5, w|dm, 1, 2, "6.2.0", "Store a range of members from sorted set into another key", runZRangeStore),
		spec("zrangebyscore", -4, r, 1, 1, "1.0.5", "Return a range of members in a sorted set, by score", runZRangeByScore),
		spec("zrevrangebyscore", -4, r, 1, 1, "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from high to low", runZRevRangeByScore),
		spec("zrevrange", -4, r, 1, 1, "1.2.0", "Return a range of members in a sorted set, by index, with scores ordered from high to low", runZRevRange),
		spec("zrangebylex", -4, r, 1, 1, "2.8.9", "Return a range of members in a sorted set, by lexicographical range", runZRangeByLex),
		spec("zrevrangebylex", -4, r, 1, 1, "2.8.9", "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", runZRevRangeByLex),
		spec("zrank", 3, r|f, 1, 1, "2.0.0", "Determine the index of a member in a sorted set", runZRank),
		spec("zrevrank", 3, r|f, 1, 1, "2.0.0", "Determine the index of a member in a sorted set, with scores ordered from high to low", runZRevRank),
		spec("zpopmin", -2, w|f, 1, 1, "5.0.0", "Remove and return members with the lowest scores in a sorted set", runZPopMin),
		spec("zpopmax", -2, w|f, 1, 1, "5.0.0", "Remove and return members with the highest scores in a sorted set", runZPopMax),
		spec("zmpop", -4, w, 0, 0, "7.0.0", "Remove and return members with scores in a sorted set", runZMPop),
		spec("zremrangebyrank", 4, w, 1, 1, "2.0.0", "Remove all members in a sorted set within the given indexes", runZRemRangeByRank),
		spec("zremrangebyscore", 4, w, 1, 1, "1.2.0", "Remove all members in a sorted set within the given scores", runZRemRangeByScore),
		spec("zremrangebylex", 4, w, 1, 1, "2.8.9", "Remove all members in a sorted set between the given lexicographical range", runZRemRangeByLex),
		spec("zunionstore", -4, w|dm, 1, 1, "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key", runZUnionStore),
		spec("zinterstore", -4, w|dm, 1, 1, "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key", runZInterStore),
		spec("zdiffstore", -4, w|dm, 1, 1, "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key", runZDiffStore),
		spec("zunion", -3, r, 0, 0, "6.2.0", "Add multiple sorted sets", runZUnion),
		spec("zinter", -3, r, 0, 0, "6.2.0", "Intersect multiple sorted sets", runZInter),
		spec("zdiff", -3, r, 0, 0, "6.2.0", "Subtract multiple sorted sets", runZDiff),
		spec("zintercard", -3, r, 0, 0, "7.0.0", "Intersect multiple sorted sets and return the cardinality of the result", runZInterCard),
		spec("zscan", -3, r, 1, 1, "2.8.0", "Incrementally iterate sorted sets elements and associated scores", runZScan),
		spec("zrandmember", -2, r|FlagRandom, 1, 1, "6.2.0", "Get one or multiple random elements from a sorted set", runZRandMember),
	}
}

// lookupZSet returns the sorted set at key (nil when absent); ok is false,
// with WRONGTYPE written, when the key holds another type.
func lookupZSet(c *Ctx, key []byte) (e *entry, z *ZSet, ok bool) {
	e, ok = c.LookupType(key, TypeZSet)
	if !ok || e == nil {
		return nil, nil, ok
	}
	return e, e.obj.(*ZSet), true
}

// storeZSet makes key hold z (non-empty), replacing whatever it held and
// clearing its expiry (Redis's setKey).
func storeZSet(c *Ctx, key []byte, z *ZSet) {
	if e := c.LookupWrite(key); e != nil {
		c.Replace(e, nil, z, false)
		return
	}
	c.Add(key, nil, z)
}

// afterRemoval deletes e when its set became empty, and otherwise marks it
// modified when removed > 0.
func afterRemoval(c *Ctx, e *entry, z *ZSet, removed int) {
	if z.Len() == 0 {
		c.DeleteEntry(e)
		c.notifyString(NotifyGeneric, "del", e.key)
	} else if removed > 0 {
		c.Dirty(e)
	}
}

// Reply helpers.

// zreplyHeader opens an array of n elements, flat with scores in RESP2,
// one [member, score] pair per element in RESP3.
func zreplyHeader(w *Writer, n int, withScores bool) {
	if withScores && w.Proto == 2 {
		w.Array(2 * n)
	} else {
		w.Array(n)
	}
}

// zreplyElem writes one element after zreplyHeader.
func zreplyElem(w *Writer, member string, score float64, withScores bool) {
	if withScores && w.Proto == 3 {
		w.Array(2)
	}
	w.BulkString(member)
	if withScores {
		w.Double(score)
	}
}

func zreplyNodes(w *Writer, z *ZSet, nodes []zref, withScores bool) {
	zreplyHeader(w, len(nodes), withScores)
	for _, x := range nodes {
		zreplyElem(w, z.memberOf(x), z.scoreOf(x), withScores)
	}
}

// ZADD and ZINCRBY.

func runZAdd(c *Ctx)     { zaddGeneric(c, 0) }
func runZIncrBy(c *Ctx)  { zaddGeneric(c, zaddIncr) }
func runZScore(c *Ctx)   { zscore(c) }
func runZMScore(c *Ctx)  { zmscore(c) }
func runZCard(c *Ctx)    { zcard(c) }
func runZRank(c *Ctx)    { zrank(c, false) }
func runZRevRank(c *Ctx) { zrank(c, true) }

// zaddGeneric is Redis's zaddGenericCommand. ZINCRBY runs it with the INCR
// flag and parses options the same way, so "ZINCRBY key nx m" is a syntax
// error, as in Redis.
func zaddGeneric(c *Ctx, flags int) {
	ch := false
	idx := 2
options:
	for ; idx < len(c.Args); idx++ {
		a := c.Args[idx]
		switch {
		case EqualFold(a, "NX"):
			flags |= zaddNX
		case EqualFold(a, "XX"):
			flags |= zaddXX
		case EqualFold(a, "CH"):
			ch = true
		case EqualFold(a, "INCR"):
			flags |= zaddIncr
		case EqualFold(a, "GT"):
			flags |= zaddGT
		case EqualFold(a, "LT"):
			flags |= zaddLT
		default:
			break options
		}
	}
	incr := flags&zaddIncr != 0
	nx, xx := flags&zaddNX != 0, flags&zaddXX != 0
	gt, lt := flags&zaddGT != 0, flags&zaddLT != 0
	elements := len(c.Args) - idx
	if elements%2 != 0 || elements == 0 {
		c.W.Error(ErrSyntax)
		return
	}
	elements /= 2
	switch {
	case nx && xx:
		c.W.Error(ErrXXAndNX)
		return
	case (gt && nx) || (lt && nx) || (gt && lt):
		c.W.Error(ErrGTLTNX)
		return
	case incr && elements > 1:
		c.W.Error(ErrIncrPairs)
		return
	}
	// Parse every score before touching anything: all or nothing.
	var one [1]float64
	scores := one[:]
	if elements > 1 {
		scores = make([]float64, elements)
	}
	for j := range scores {
		v, ok := parseZScore(c.Args[idx+2*j])
		if !ok {
			c.W.Error(ErrNotFloat)
			return
		}
		scores[j] = v
	}
	e, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		if xx {
			if incr {
				c.W.Null()
			} else {
				c.W.Int(0)
			}
			return
		}
		// Redis 7.0 picks the new key's encoding from the first member only.
		z = newZSet(c.lim().zsetEntries > 0 && len(c.Args[idx+1]) <= c.lim().zsetValue)
	}
	added, updated, processed := 0, 0, 0
	var score float64
	nan := false
	for j := range scores {
		out, newScore, ok := z.addLim(c.Args[idx+1+2*j], scores[j], flags, c.lim())
		if !ok {
			nan = true
			break
		}
		if out&zaddAdded != 0 {
			added++
		}
		if out&zaddUpdated != 0 {
			updated++
		}
		if out&zaddNop == 0 {
			processed++
		}
		score = newScore
	}
	if added+updated > 0 {
		if e == nil {
			c.Add(c.Args[1], nil, z)
		} else {
			c.Dirty(e)
		}
		c.Notify(NotifyZset, zaddEvent(incr), c.Args[1])
	}
	switch {
	case nan:
		c.W.Error(ErrScoreNaN)
	case incr && processed > 0:
		c.W.Double(score)
	case incr:
		c.W.Null()
	case ch:
		c.W.Int(int64(added + updated))
	default:
		c.W.Int(int64(added))
	}
}

// Point reads.

func zscore(c *Ctx) {
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if s, found := z.score(c.Args[2]); found {
		c.W.Double(s)
	} else {
		c.W.Null()
	}
}

func zmscore(c *Ctx) {
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z == nil {
			c.W.Null()
			continue
		}
		if s, found := z.score(m); found {
			c.W.Double(s)
		} else {
			c.W.Null()
		}
	}
}

func zcard(c *Ctx) {
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.Len()))
}

func zrank(c *Ctx, reverse bool) {
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	if r, found := z.rank(c.Args[2], reverse); found {
		c.W.Int(int64(r))
	} else {
		c.W.Null()
	}
}

// ZREM.

func runZRem(c *Ctx) {
	e, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	deleted := 0
	for _, m := range c.Args[2:] {
		if z.remove(m) {
			deleted++
		}
		if z.Len() == 0 {
			break
		}
	}
	if deleted > 0 {
		c.Notify(NotifyZset, "zrem", c.Args[1])
	}
	afterRemoval(c, e, z, deleted)
	c.W.Int(int64(deleted))
}

// ZCOUNT and ZLEXCOUNT.

func runZCount(c *Ctx) {
	r, ok := parseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		c.W.Error(ErrMinMaxNotFloat)
		return
	}
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.countBetween(z.zsl.firstInRange(&r), z.zsl.lastInRange(&r))))
}

func runZLexCount(c *Ctx) {
	r, ok := parseLexRange(c.Args[2], c.Args[3])
	if !ok {
		c.W.Error(ErrMinMaxNotString)
		return
	}
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(z.lexCount(&r)))
}

// The ZRANGE family.

// zrangeType and zrangeDir are what ZRANGE's options select; the legacy
// commands fix them (Redis's ZRANGE_AUTO / ZRANGE_DIRECTION_AUTO).
type zrangeType int

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir int

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

func runZRange(c *Ctx)           { zrangeGeneric(c, 1, false, zrangeAuto, zdirAuto) }
func runZRangeStore(c *Ctx)      { zrangeGeneric(c, 2, true, zrangeAuto, zdirAuto) }
func runZRangeByScore(c *Ctx)    { zrangeGeneric(c, 1, false, zrangeScore, zdirForward) }
func runZRevRangeByScore(c *Ctx) { zrangeGeneric(c, 1, false, zrangeScore, zdirReverse) }
func runZRevRange(c *Ctx)        { zrangeGeneric(c, 1, false, zrangeRank, zdirReverse) }
func runZRangeByLex(c *Ctx)      { zrangeGeneric(c, 1, false, zrangeLex, zdirForward) }
func runZRevRangeByLex(c *Ctx)   { zrangeGeneric(c, 1, false, zrangeLex, zdirReverse) }

// zrangeGeneric is Redis's zrangeGenericCommand; with store it is
// ZRANGESTORE (destination c.Args[1], source c.Args[2]).
func zrangeGeneric(c *Ctx, argStart int, store bool, rtype zrangeType, dir zrangeDir) {
	minIdx, maxIdx := argStart+1, argStart+2
	withScores := false
	var offset, limit int64 = 0, -1
	for j := argStart + 3; j < len(c.Args); j++ {
		left := len(c.Args) - j - 1
		a := c.Args[j]
		switch {
		case !store && EqualFold(a, "WITHSCORES"):
			withScores = true
		case EqualFold(a, "LIMIT") && left >= 2:
			var ok bool
			if offset, ok = c.ArgInt(j + 1); !ok {
				return
			}
			if limit, ok = c.ArgInt(j + 2); !ok {
				return
			}
			j += 2
		case dir == zdirAuto && EqualFold(a, "REV"):
			dir = zdirReverse
		case rtype == zrangeAuto && EqualFold(a, "BYLEX"):
			rtype = zrangeLex
		case rtype == zrangeAuto && EqualFold(a, "BYSCORE"):
			rtype = zrangeScore
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if rtype == zrangeAuto {
		rtype = zrangeRank
	}
	if limit != -1 && rtype == zrangeRank {
		c.W.Error(errZRangeLimit)
		return
	}
	if withScores && rtype == zrangeLex {
		c.W.Error(errZRangeWithScores)
		return
	}
	reverse := dir == zdirReverse
	if reverse && rtype != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var start, end int64
	var sr zrangeSpec
	var lr zlexRangeSpec
	switch rtype {
	case zrangeRank:
		var ok bool
		if start, ok = c.ArgInt(minIdx); !ok {
			return
		}
		if end, ok = c.ArgInt(maxIdx); !ok {
			return
		}
	case zrangeScore:
		var ok bool
		if sr, ok = parseScoreRange(c.Args[minIdx], c.Args[maxIdx]); !ok {
			c.W.Error(ErrMinMaxNotFloat)
			return
		}
	case zrangeLex:
		var ok bool
		if lr, ok = parseLexRange(c.Args[minIdx], c.Args[maxIdx]); !ok {
			c.W.Error(ErrMinMaxNotString)
			return
		}
	}
	_, z, ok := lookupZSet(c, c.Args[argStart])
	if !ok {
		return
	}
	var nodes []zref
	if z != nil {
		switch rtype {
		case zrangeRank:
			nodes = z.rangeByRank(start, end, reverse)
		case zrangeScore:
			nodes = z.rangeByScore(&sr, offset, limit, reverse)
		case zrangeLex:
			nodes = z.rangeByLex(&lr, offset, limit, reverse)
		}
	}
	if !store {
		zreplyNodes(c.W, z, nodes, withScores)
		return
	}
	// ZRANGESTORE fills the destination through zsetAdd, in reply order,
	// starting as a skiplist only when a rank range is known to be long.
	if len(nodes) == 0 {
		c.W.Int(0)
		if c.Delete(c.Args[1]) {
			c.Notify(NotifyGeneric, "del", c.Args[1])
		}
		return
	}
	dst := newZSet(!(rtype == zrangeRank && len(nodes) > c.lim().zsetEntries))
	for _, x := range nodes {
		dst.addLim(strBytesOf(z.memberOf(x)), z.scoreOf(x), 0, c.lim())
	}
	storeZSet(c, c.Args[1], dst)
	c.W.Int(int64(dst.Len()))
	c.Notify(NotifyZset, "zrangestore", c.Args[1])
}

// strBytesOf views s as bytes without copying; the result must not be
// modified (ZSet.add copies what it keeps).
func strBytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// ZREMRANGEBYRANK, ZREMRANGEBYSCORE, ZREMRANGEBYLEX.

func runZRemRangeByRank(c *Ctx)  { zremrangeGeneric(c, zrangeRank) }
func runZRemRangeByScore(c *Ctx) { zremrangeGeneric(c, zrangeScore) }
func runZRemRangeByLex(c *Ctx)   { zremrangeGeneric(c, zrangeLex) }

func zremrangeGeneric(c *Ctx, rtype zrangeType) {
	var start, end int64
	var sr zrangeSpec
	var lr zlexRangeSpec
	var ok bool
	switch rtype {
	case zrangeRank:
		if start, ok = c.ArgInt(2); !ok {
			return
		}
		if end, ok = c.ArgInt(3); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = parseScoreRange(c.Args[2], c.Args[3]); !ok {
			c.W.Error(ErrMinMaxNotFloat)
			return
		}
	case zrangeLex:
		if lr, ok = parseLexRange(c.Args[2], c.Args[3]); !ok {
			c.W.Error(ErrMinMaxNotString)
			return
		}
	}
	e, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Int(0)
		return
	}
	gone := z.forget // a tracked set keeps what leaves (snaptrack_zset.go)
	deleted := 0
	switch rtype {
	case zrangeRank:
		n := int64(z.Len())
		if start < 0 {
			start += n
		}
		if end < 0 {
			end += n
		}
		if start < 0 {
			start = 0
		}
		if start > end || start >= n {
			c.W.Int(0)
			return
		}
		if end >= n {
			end = n - 1
		}
		deleted = z.zsl.deleteRangeByRank(int(start+1), int(end+1), gone)
	case zrangeScore:
		deleted = z.zsl.deleteRangeByScore(&sr, gone)
	case zrangeLex:
		deleted = z.deleteRangeByLex(&lr)
	}
	z.compact(deleted) // the deletions' free slots, between operations
	if deleted > 0 {
		c.Notify(NotifyZset, zremrangeEvents[rtype], c.Args[1])
	}
	afterRemoval(c, e, z, deleted)
	c.W.Int(int64(deleted))
}

// ZPOPMIN, ZPOPMAX, ZMPOP.

func runZPopMin(c *Ctx) { zpopMinMax(c, false) }
func runZPopMax(c *Ctx) { zpopMinMax(c, true) }

func zpopMinMax(c *Ctx, max bool) {
	if len(c.Args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		v, ok := ParseInt(c.Args[2])
		if !ok || v < 0 {
			c.W.Error(ErrPositive)
			return
		}
		count = v
	}
	// RESP3 nests [member, score] pairs only when a count was given.
	zpopGeneric(c, c.Args[1:2], max, false, count, c.W.Proto == 3 && count != -1, false)
}

// runZMPop is ZMPOP numkeys key [key ...] MIN|MAX [COUNT count].
func runZMPop(c *Ctx) {
	numkeys, ok := ParseInt(c.Args[1])
	if !ok || numkeys < 1 {
		c.W.Error(errZNumkeys)
		return
	}
	if numkeys >= int64(len(c.Args))-2 {
		c.W.Error(ErrSyntax)
		return
	}
	whereIdx := 2 + int(numkeys)
	var max bool
	switch {
	case EqualFold(c.Args[whereIdx], "MIN"):
	case EqualFold(c.Args[whereIdx], "MAX"):
		max = true
	default:
		c.W.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		if count == -1 && EqualFold(c.Args[j], "COUNT") && more > 0 {
			j++
			v, ok := ParseInt(c.Args[j])
			if !ok || v < 1 {
				c.W.Error(errZCount)
				return
			}
			count = v
			continue
		}
		c.W.Error(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	zpopGeneric(c, c.Args[2:whereIdx], max, true, count, true, true)
}

// zpopGeneric is Redis's genericZpopCommand: it pops from the first of keys
// that exists (a WRONGTYPE there is an error; later keys are not looked
// at). count -1 pops one element; emitKey prefixes the key's name (ZMPOP);
// nested writes [member, score] pairs; nilWhenEmpty answers a null array
// instead of an empty one when no key exists.
func zpopGeneric(c *Ctx, keys [][]byte, max, emitKey bool, count int64, nested, nilWhenEmpty bool) {
	var e *entry
	var z *ZSet
	var key []byte
	for _, k := range keys {
		var ok bool
		if e, z, ok = lookupZSet(c, k); !ok {
			return
		}
		if z != nil {
			key = k
			break
		}
	}
	if z == nil {
		if nilWhenEmpty {
			c.W.NullArray()
		} else {
			c.W.Array(0)
		}
		return
	}
	if count == 0 {
		c.W.Array(0)
		return
	}
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	if emitKey {
		c.W.Array(2)
		c.W.Bulk(key)
	}
	if nested {
		c.W.Array(n)
	} else {
		c.W.Array(2 * n)
	}
	for i := 0; i < n; i++ {
		x := z.zsl.first()
		if max {
			x = z.zsl.tail
		}
		if nested {
			c.W.Array(2)
		}
		c.W.BulkString(z.memberOf(x))
		c.W.Double(z.scoreOf(x))
		z.removeNode(x)
	}
	c.Notify(NotifyZset, zpopEvent(max), key)
	afterRemoval(c, e, z, n)
}

// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, ZUNION, ZINTER, ZDIFF, ZINTERCARD.

// zsetOp is the operation of zsetOpGeneric.
type zsetOp int

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

// zsetAggregate is the AGGREGATE option.
type zsetAggregate int

const (
	zaggSum zsetAggregate = iota
	zaggMin
	zaggMax
)

// zsetSetInput is what the ZUNION family needs from a plain set input:
// Redis accepts sets there, every member scoring 1.
type zsetSetInput interface {
	Len() int
	Contains(member []byte) bool
	each(fn func(member []byte) bool)
}

// zsetSrc is one input of the ZUNION family: a sorted set, a set or
// nothing (missing key), with its weight.
type zsetSrc struct {
	z      *ZSet
	s      zsetSetInput
	weight float64
}

func (s *zsetSrc) length() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

// each visits the elements with their unweighted scores; member is valid
// during the call only.
func (s *zsetSrc) each(fn func(member []byte, score float64) bool) {
	switch {
	case s.z != nil:
		s.z.each(func(x zref) bool { return fn(strBytesOf(s.z.memberOf(x)), s.z.scoreOf(x)) })
	case s.s != nil:
		s.s.each(func(m []byte) bool { return fn(m, 1) })
	}
}

// find returns member's unweighted score.
func (s *zsetSrc) find(member []byte) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.score(member)
	case s.s != nil:
		return 1, s.s.Contains(member)
	}
	return 0, false
}

// lookupZSetSource returns the sorted set or set at key for the ZUNION
// family; ok is false, with WRONGTYPE written, for any other type.
func lookupZSetSource(c *Ctx, key []byte) (src zsetSrc, ok bool) {
	var e *entry
	if c.readOnly {
		e = c.Lookup(key)
	} else {
		e = c.LookupWrite(key)
	}
	src.weight = 1
	if e == nil {
		return src, true
	}
	switch o := e.obj.(type) {
	case *ZSet:
		src.z = o
	case *Set:
		in, isInput := any(o).(zsetSetInput)
		if !isInput {
			panic("kv: *Set does not implement zsetSetInput (Len, Contains, each)")
		}
		src.s = in
	default:
		c.W.Error(ErrWrongType)
		return src, false
	}
	return src, true
}

func runZUnionStore(c *Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopUnion, false) }
func runZInterStore(c *Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopInter, false) }
func runZDiffStore(c *Ctx)  { zsetOpGeneric(c, c.Args[1], 2, zopDiff, false) }
func runZUnion(c *Ctx)      { zsetOpGeneric(c, nil, 1, zopUnion, false) }
func runZInter(c *Ctx)      { zsetOpGeneric(c, nil, 1, zopInter, false) }
func runZDiff(c *Ctx)       { zsetOpGeneric(c, nil, 1, zopDiff, false) }
func runZInterCard(c *Ctx)  { zsetOpGeneric(c, nil, 1, zopInter, true) }

// zsetOpGeneric is Redis's zunionInterDiffGenericCommand: dst is the
// destination key (nil for the commands that reply with the result),
// numkeysIdx the position of numkeys, cardOnly ZINTERCARD.
func zsetOpGeneric(c *Ctx, dst []byte, numkeysIdx int, op zsetOp, cardOnly bool) {
	setnum, ok := c.ArgInt(numkeysIdx)
	if !ok {
		return
	}
	if setnum < 1 {
		c.W.Error("ERR at least 1 input key is needed for '" + c.Name() + "' command")
		return
	}
	if setnum > int64(len(c.Args)-(numkeysIdx+1)) {
		c.W.Error(ErrSyntax)
		return
	}
	srcs := make([]zsetSrc, setnum)
	j := numkeysIdx + 1
	for i := range srcs {
		if srcs[i], ok = lookupZSetSource(c, c.Args[j]); !ok {
			return
		}
		j++
	}
	agg := zaggSum
	withScores := false
	var limit int64
	for remaining := len(c.Args) - j; remaining > 0; remaining = len(c.Args) - j {
		a := c.Args[j]
		switch {
		case op != zopDiff && !cardOnly && remaining >= len(srcs)+1 && EqualFold(a, "WEIGHTS"):
			j++
			for i := range srcs {
				w, ok := parseZScore(c.Args[j])
				if !ok {
					c.W.Error(errZWeightNotFloat)
					return
				}
				srcs[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && EqualFold(a, "AGGREGATE"):
			switch v := c.Args[j+1]; {
			case EqualFold(v, "SUM"):
				agg = zaggSum
			case EqualFold(v, "MIN"):
				agg = zaggMin
			case EqualFold(v, "MAX"):
				agg = zaggMax
			default:
				c.W.Error(ErrSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && EqualFold(a, "WITHSCORES"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && EqualFold(a, "LIMIT"):
			v, ok := ParseInt(c.Args[j+1])
			if !ok || v < 0 {
				c.W.Error(errZLimitNegative)
				return
			}
			limit = v
			j += 2
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	if op != zopDiff {
		// Smallest first, stably (glibc's qsort is a merge sort).
		sort.SliceStable(srcs, func(a, b int) bool { return srcs[a].length() < srcs[b].length() })
	}
	if cardOnly {
		c.W.Int(zinterCard(srcs, limit))
		return
	}
	var elems []zsetElem
	switch op {
	case zopUnion:
		elems = zunion(srcs, agg)
	case zopInter:
		elems = zinter(srcs, agg)
	case zopDiff:
		elems = zdiff(srcs)
	}
	slices.SortFunc(elems, func(a, b zsetElem) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		}
		return strings.Compare(a.member, b.member)
	})
	if dst == nil {
		zreplyHeader(c.W, len(elems), withScores)
		for _, el := range elems {
			zreplyElem(c.W, el.member, el.score, withScores)
		}
		return
	}
	if len(elems) == 0 {
		c.W.Int(0)
		if c.Delete(dst) {
			c.Notify(NotifyGeneric, "del", dst)
		}
		return
	}
	maxLen := 0
	for _, el := range elems {
		maxLen = max(maxLen, len(el.member))
	}
	storeZSet(c, dst, zsetFromSorted(elems, zsetFitsListpack(len(elems), maxLen, c.lim())))
	c.W.Int(int64(len(elems)))
	c.Notify(NotifyZset, zstoreEvents[op], dst)
}

// zaggregate is Redis's zunionInterAggregate.
func zaggregate(target *float64, v float64, agg zsetAggregate) {
	switch agg {
	case zaggSum:
		*target += v
		// +inf + -inf is NaN; Redis makes it 0.
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		if v < *target {
			*target = v
		}
	case zaggMax:
		if v > *target {
			*target = v
		}
	}
}

// weighted returns weight*score, 0 when that is NaN (0 * inf).
func weighted(weight, score float64) float64 {
	v := weight * score
	if math.IsNaN(v) {
		return 0
	}
	return v
}

// zunion aggregates every input, in the order they are given, into a list
// of elements in first-seen order.
func zunion(srcs []zsetSrc, agg zsetAggregate) []zsetElem {
	var elems []zsetElem
	pos := make(map[string]int)
	for i := range srcs {
		s := &srcs[i]
		s.each(func(m []byte, score float64) bool {
			v := weighted(s.weight, score)
			if k, seen := pos[bstr(m)]; seen {
				zaggregate(&elems[k].score, v, agg)
			} else {
				member := string(m)
				pos[member] = len(elems)
				elems = append(elems, zsetElem{member, v})
			}
			return true
		})
	}
	return elems
}

// zinter keeps the elements of the smallest input present in every other.
func zinter(srcs []zsetSrc, agg zsetAggregate) []zsetElem {
	var elems []zsetElem
	if srcs[0].length() == 0 {
		return nil
	}
	srcs[0].each(func(m []byte, score float64) bool {
		acc := weighted(srcs[0].weight, score)
		for j := 1; j < len(srcs); j++ {
			v, found := srcs[j].find(m)
			if !found {
				return true
			}
			zaggregate(&acc, v*srcs[j].weight, agg)
		}
		elems = append(elems, zsetElem{string(m), acc})
		return true
	})
	return elems
}

// zinterCard counts the intersection, stopping at limit (0: no limit).
func zinterCard(srcs []zsetSrc, limit int64) int64 {
	var n int64
	if srcs[0].length() == 0 {
		return 0
	}
	srcs[0].each(func(m []byte, _ float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, found := srcs[j].find(m); !found {
				return true
			}
		}
		n++
		return limit == 0 || n < limit
	})
	return n
}

// zdiff keeps the elements of the first input found in no other, with
// their scores (no weights).
func zdiff(srcs []zsetSrc) []zsetElem {
	var elems []zsetElem
	srcs[0].each(func(m []byte, score float64) bool {
		for j := 1; j < len(srcs); j++ {
			if _, found := srcs[j].find(m); found {
				return true
			}
		}
		elems = append(elems, zsetElem{string(m), score})
		return true
	})
	return elems
}

// ZSCAN.

func runZScan(c *Ctx) {
	cursor, z, o, ok := startCollScan(c, lookupZSet)
	if !ok {
		return
	}
	var nodes []zref
	if z.listpack {
		// A listpack is returned whole, whatever the cursor.
		nodes = make([]zref, 0, z.Len())
		z.each(func(x zref) bool { nodes = append(nodes, x); return true })
		cursor = 0
	} else {
		// Redis counts members and scores (count*2) and visits at most
		// count*10 more buckets after the first.
		count := min(int64(o.count), zscanCountMax) * 2
		maxIterations := count * 10
		collect := func(x zref) { nodes = append(nodes, x) }
		for {
			cursor = z.index.scan(cursor, collect)
			if cursor == 0 || maxIterations == 0 {
				break
			}
			maxIterations--
			if int64(len(nodes))*2 >= count {
				break
			}
		}
	}
	out := make([]string, 0, 2*len(nodes))
	var sbuf [32]byte
	for _, x := range nodes {
		if o.match(z.memberOf(x)) {
			out = append(out, z.memberOf(x), string(AppendDouble(sbuf[:0], z.scoreOf(x))))
		}
	}
	writeCollScan(c.W, cursor, out)
}

// ZRANDMEMBER.

func runZRandMember(c *Ctx) {
	if len(c.Args) >= 3 {
		zrandMemberWithCount(c)
		return
	}
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.W.Null()
		return
	}
	c.W.BulkString(z.memberOf(z.at(c.Rand().Intn(z.Len()))))
}

// zrandMemberWithCount follows Redis 7.0's zrandmemberWithCountCommand case
// by case; which elements come out depends on c.Rand(), the shape of the
// reply (how many, distinct or not, order) on the case, as in Redis.
func zrandMemberWithCount(c *Ctx) {
	l, ok := c.ArgInt(2)
	if !ok {
		return
	}
	if l == math.MinInt64 {
		c.W.Error(errZRandRange)
		return
	}
	withScores := false
	if len(c.Args) > 4 || (len(c.Args) == 4 && !EqualFold(c.Args[3], "WITHSCORES")) {
		c.W.Error(ErrSyntax)
		return
	} else if len(c.Args) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.W.Error(errZOutOfRange)
			return
		}
	}
	count, uniq := l, true
	if l < 0 {
		count, uniq = -l, false
	}
	_, z, ok := lookupZSet(c, c.Args[1])
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.W.Array(0)
		return
	}
	rnd := c.Rand()
	size := int64(z.Len())
	w := c.W
	// Case 1: repetitions allowed (or a single element): independent draws.
	if !uniq || count == 1 {
		if count > zrandMemberRepeatMax {
			w.Error(errZOutOfRange)
			return
		}
		zreplyHeader(w, int(count), withScores)
		for i := int64(0); i < count; i++ {
			x := z.at(rnd.Intn(int(size)))
			zreplyElem(w, z.memberOf(x), z.scoreOf(x), withScores)
		}
		return
	}
	// Case 2: the whole set, which Redis 7.0 returns from the highest score down.
	if count >= size {
		zreplyHeader(w, int(size), withScores)
		for x := z.zsl.tail; x != 0; x = z.prev(x) {
			zreplyElem(w, z.memberOf(x), z.scoreOf(x), withScores)
		}
		return
	}
	n := int(count)
	zreplyHeader(w, n, withScores)
	// Case 3: most of the set. Redis copies it and drops random elements;
	// the survivors come out in hash order, here in a random order.
	if count*3 > size {
		all := make([]zref, 0, size)
		z.each(func(x zref) bool { all = append(all, x); return true })
		for i := 0; i < n; i++ {
			k := i + rnd.Intn(len(all)-i)
			all[i], all[k] = all[k], all[i]
			zreplyElem(w, z.memberOf(all[i]), z.scoreOf(all[i]), withScores)
		}
		return
	}
	// Case 4, listpack: a sample taken in order (Redis's lpRandomPairsUnique).
	if z.listpack {
		need, left := n, int(size)
		for x := z.zsl.first(); x != 0 && need > 0; x = z.next(x) {
			if rnd.Intn(left) < need {
				zreplyElem(w, z.memberOf(x), z.scoreOf(x), withScores)
				need--
			}
			left--
		}
		return
	}
	// Case 4, skiplist: random draws, duplicates skipped, in draw order.
	seen := make(map[int]struct{}, n)
	for len(seen) < n {
		r := rnd.Intn(int(size))
		if _, dup := seen[r]; dup {
			continue
		}
		seen[r] = struct{}{}
		x := z.at(r)
		zreplyElem(w, z.memberOf(x), z.scoreOf(x), withScores)
	}
}

// Sorted-set event names.

func zaddEvent(incr bool) string {
	if incr {
		return "zincr"
	}
	return "zadd"
}

func zpopEvent(max bool) string {
	if max {
		return "zpopmax"
	}
	return "zpopmin"
}

var zremrangeEvents = [...]string{zrangeRank: "zremrangebyrank", zrangeScore: "zremrangebyscore", zrangeLex: "zremrangebylex"}

var zstoreEvents = [...]string{zopUnion: "zunionstore", zopInter: "zinterstore", zopDiff: "zdiffstore"}
