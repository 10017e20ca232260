package difftest

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"

	"redraft/kv"
)

// How replies are compared. The default is byte equality. A few replies are
// not determined by the command and the state alone (randomness, Redis's
// hash-table order, the clock, lazy expiry); for those the table below says
// what Redis guarantees and the checker verifies exactly that. Error replies
// are always compared byte for byte, whatever the rule.

type ruleKind int

const (
	ruleExact ruleKind = iota
	// ruleUnordered: same reply type and length, same elements as a
	// multiset (map replies: same key/value pairs).
	ruleUnordered
	// ruleUnorderedIfHashtable: exact when Redis holds the key (argument 1)
	// in a compact encoding (listpack/intset: insertion or sorted order),
	// unordered when it is a hashtable.
	ruleUnorderedIfHashtable
	// ruleSetAlgebra: SUNION/SDIFF build their result in a fresh set that is
	// an intset (sorted) while every member is an integer and there are at
	// most set-max-intset-entries of them: exact then, unordered otherwise.
	ruleSetAlgebra
	// ruleSinter: SINTER walks its smallest input: exact when every input
	// is an intset (sorted), unordered otherwise.
	ruleSinter
	// ruleRandom: same reply type and count; every element belongs to the
	// collection (with its value or score); distinct when count >= 0.
	ruleRandom
	// rulePop: ruleRandom, then kv is re-synchronised to remove what Redis
	// removed, so the two states stay equal.
	rulePop
	// ruleScan: SCAN-family cursors are implementation details; a full
	// iteration from cursor 0 must return the same set of elements (a
	// single call is compared exactly when Redis answers in one call from
	// a compact encoding).
	ruleScan
	// ruleTTL: the expiry was computed from two clocks that may be one
	// millisecond apart; compare within a tolerance.
	ruleTTL
	// ruleDBSize: both counts must lie between the live keys and the
	// keys not yet reclaimed; expired keys are reclaimed lazily at different
	// times (Redis also actively, in the background).
	ruleDBSize
	// ruleTime: TIME is the clock; both must agree within the command's
	// millisecond window (kv has millisecond resolution).
	ruleTime
)

type rule struct {
	kind ruleKind
	tol  int64  // ruleTTL: allowed difference
	ms   bool   // ruleTTL: the reply is in milliseconds
	coll string // ruleRandom/rulePop: collection type of argument 1 ("" = keyspace)
	// pairs: map-like replies (HGETALL, HSCAN, ZSCAN) whose elements go by pairs.
	pairs bool
	why   string
}

// ttlTolMs is the tolerance for millisecond expiry replies: one tick of
// clock skew per expiry-setting command, with margin for a slow round trip
// under the race detector.
const ttlTolMs = 25

// rules maps command names to their comparison rule; absent = exact.
// One case cuts across commands and is decided in the runner: lexicographic
// ranges (ZLEXCOUNT, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREMRANGEBYLEX, ZRANGE and
// ZRANGESTORE with BYLEX) over a skiplist whose scores differ, where Redis's
// answer depends on its random skiplist levels (see lexUndefined): only the
// reply type is compared and what the command wrote is copied from Redis.
var rules = map[string]rule{
	"KEYS": {kind: ruleUnordered, why: "keyspace order is Redis's dict order (SipHash with a random per-process key)"},
	"SMEMBERS": {kind: ruleUnorderedIfHashtable,
		why: "hashtable sets iterate in dict order; intsets are sorted and must match"},
	"HGETALL": {kind: ruleUnorderedIfHashtable, pairs: true,
		why: "hashtable hashes iterate in dict order; listpack hashes in insertion order, which must match"},
	"HKEYS":  {kind: ruleUnorderedIfHashtable, why: "as HGETALL"},
	"HVALS":  {kind: ruleUnorderedIfHashtable, why: "as HGETALL"},
	"SUNION": {kind: ruleSetAlgebra, why: "the result set is an intset (sorted) or a hashtable (dict order)"},
	"SDIFF": {kind: ruleSetAlgebra, why: "as SUNION; and Redis's second diff algorithm first copies the whole " +
		"first set, which may turn the result into a hashtable (see sdiffStaysIntset)"},
	"SINTER": {kind: ruleSinter, why: "SINTER replies in the iteration order of its smallest input set"},

	"SRANDMEMBER": {kind: ruleRandom, coll: "set", why: "random choice"},
	"HRANDFIELD":  {kind: ruleRandom, coll: "hash", why: "random choice"},
	"ZRANDMEMBER": {kind: ruleRandom, coll: "zset", why: "random choice"},
	"RANDOMKEY":   {kind: ruleRandom, why: "random choice"},
	"SPOP":        {kind: rulePop, coll: "set", why: "random choice that modifies the set"},

	"SCAN":  {kind: ruleScan, why: "cursor values and chunking depend on dict layout"},
	"SSCAN": {kind: ruleScan, why: "as SCAN for hashtable sets"},
	"HSCAN": {kind: ruleScan, pairs: true, why: "as SCAN for hashtable hashes"},
	"ZSCAN": {kind: ruleScan, pairs: true, why: "as SCAN for skiplist sorted sets"},

	"TTL":         {kind: ruleTTL, tol: 1, why: "TTL rounds a millisecond expiry that may differ by a tick"},
	"PTTL":        {kind: ruleTTL, tol: ttlTolMs, ms: true, why: "expiry set against clocks that may differ by a tick"},
	"EXPIRETIME":  {kind: ruleTTL, tol: 1, why: "as TTL"},
	"PEXPIRETIME": {kind: ruleTTL, tol: ttlTolMs, ms: true, why: "as PTTL"},

	"TIME": {kind: ruleTime, why: "the clock: kv's is the command's millisecond, Redis's has microseconds"},

	"DBSIZE": {kind: ruleDBSize, why: "expired keys are reclaimed at different times on both sides"},
}

// maxIntsetEntries is Redis's set-max-intset-entries default.
const maxIntsetEntries = 512

// sides holds one command's two replies.
type sides struct {
	args        [][]byte
	redis, kv   value
	rraw, kvraw []byte
}

// compareReplies decides whether the replies agree under the command's rule.
// It may query both sides (read-only) and, for rulePop, write to kv. It
// returns "" when they agree, or why not.
func (r *runner) compareReplies(s *sides, pre *snapshotColl) string {
	name := upperName(s.args[0])
	ru, ok := rules[name]
	if !ok || s.redis.isError() || s.kv.isError() {
		return exactDiff(s)
	}
	switch ru.kind {
	case ruleUnordered:
		return unorderedDiff(s.redis, s.kv, ru.pairs)
	case ruleUnorderedIfHashtable:
		if r.encoding(s.args[1]) == "hashtable" {
			return unorderedDiff(s.redis, s.kv, ru.pairs)
		}
		return exactDiff(s)
	case ruleSetAlgebra:
		if s.redis.isAggregate() && len(s.redis.elems) <= maxIntsetEntries && allIntegers(s.redis.elems) &&
			(name != "SDIFF" || r.sdiffStaysIntset(s.args[1:])) {
			return exactDiff(s)
		}
		return unorderedDiff(s.redis, s.kv, false)
	case ruleSinter:
		for _, k := range s.args[1:] {
			if enc := r.encoding(k); enc != "" && enc != "intset" {
				return unorderedDiff(s.redis, s.kv, false)
			}
		}
		return exactDiff(s)
	case ruleRandom:
		return r.randomDiff(s, ru, r.collection(ru.coll, s.args))
	case rulePop:
		if d := r.randomDiff(s, ru, pre); d != "" {
			return d
		}
		return r.resyncPop(s)
	case ruleScan:
		return r.scanDiff(s, ru)
	case ruleTTL:
		a, aok := s.redis.int()
		b, bok := s.kv.int()
		if !aok || !bok || a < 0 || b < 0 {
			return exactDiff(s)
		}
		// A command that ran late on Redis set its expiry late by as much.
		tol := max(ru.tol, r.maxSkewMs+1)
		if !ru.ms {
			tol = max(ru.tol, (r.maxSkewMs+999)/1000+1)
		}
		if abs(a-b) > tol {
			return fmt.Sprintf("%s differs by %d (tolerance %d)", name, a-b, tol)
		}
		return ""
	case ruleDBSize:
		a, aok := s.redis.int()
		b, bok := s.kv.int()
		if !aok || !bok {
			return exactDiff(s)
		}
		if a == b {
			return ""
		}
		live := r.liveKeys()
		hi := int64(len(allKeys) + len(hllKeys)) // hllKeys: gen_bits_test.go
		if a < live || a > hi || b < live || b > hi {
			return fmt.Sprintf("DBSIZE outside [live=%d, %d]", live, hi)
		}
		return ""
	case ruleTime:
		a, aok := timeMicros(s.redis)
		b, bok := timeMicros(s.kv)
		if !aok || !bok {
			return exactDiff(s)
		}
		if d := a - b; abs(d) >= (r.maxSkewMs+2)*1000 {
			return fmt.Sprintf("TIME differs by %dus", d)
		}
		return ""
	}
	panic("difftest: unknown rule")
}

// sdiffStaysIntset reports whether SDIFF's result set stays an intset
// through Redis 7.0's algorithm (sunionDiffGenericCommand): algorithm 1
// adds only result members, algorithm 2 first adds every member of the
// first set, so the result is a hashtable whenever that set is not an
// intset. Redis picks algorithm 2 when |first| * (existing sets) / 2 exceeds
// the total size of the existing sets.
func (r *runner) sdiffStaysIntset(keys [][]byte) bool {
	var one, two int64
	for _, k := range keys {
		n, _ := r.redisQuery("SCARD", string(k)).int()
		if n > 0 {
			first, _ := r.redisQuery("SCARD", string(keys[0])).int()
			one += first
			two += n
		}
	}
	if one/2 <= two {
		return true // algorithm 1 (or an empty first set)
	}
	return r.encoding(keys[0]) == "intset"
}

// timeMicros decodes a TIME reply (two bulk strings: seconds, microseconds).
func timeMicros(v value) (int64, bool) {
	if v.kind != '*' || len(v.elems) != 2 {
		return 0, false
	}
	sec, err1 := strconv.ParseInt(v.elems[0].str, 10, 64)
	us, err2 := strconv.ParseInt(v.elems[1].str, 10, 64)
	if err1 != nil || err2 != nil || us < 0 || us > 999999 {
		return 0, false
	}
	return sec*1_000_000 + us, true
}

func exactDiff(s *sides) string {
	if string(s.rraw) == string(s.kvraw) {
		return ""
	}
	if upperName(s.args[0]) == "OBJECT" && bytes.Equal(alikeStringEncodings(s.rraw), alikeStringEncodings(s.kvraw)) {
		return ""
	}
	return "replies differ"
}

// alikeStringEncodings maps OBJECT ENCODING's "embstr" to "raw" in a
// reply: kv derives a string's encoding from its value, while Redis's
// depends on how it was written (SETBIT, APPEND, SETRANGE make raw strings
// of any length), a known difference (docs/known-differences.md). Used
// only for replies that hold an OBJECT reply.
func alikeStringEncodings(raw []byte) []byte {
	return bytes.ReplaceAll(raw, []byte("$6\r\nembstr\r\n"), []byte("$3\r\nraw\r\n"))
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func upperName(b []byte) string {
	out := []byte(string(b))
	for i, c := range out {
		if c >= 'a' && c <= 'z' {
			out[i] = c - 32
		}
	}
	return string(out)
}

// allIntegers reports whether every element is a bulk string Redis would
// store in an intset (string2ll accepts it and it round-trips).
func allIntegers(vs []value) bool {
	for _, v := range vs {
		n, ok := kv.ParseInt([]byte(v.str))
		if v.kind != '$' || !ok || strconv.FormatInt(n, 10) != v.str {
			return false
		}
	}
	return true
}

// items returns the canonical encodings of an aggregate's elements, grouped
// by pairs when pairs is set (or when the reply is a RESP3 map).
func items(v value, pairs bool) []string {
	var out []string
	step := 1
	if pairs || v.kind == '%' {
		step = 2
	}
	for i := 0; i+step <= len(v.elems); i += step {
		s := ""
		for _, e := range v.elems[i : i+step] {
			s += e.String()
		}
		out = append(out, s)
	}
	return out
}

// unorderedDiff compares two aggregates as multisets of elements (or pairs).
func unorderedDiff(a, b value, pairs bool) string {
	if a.kind != b.kind || a.null != b.null || len(a.elems) != len(b.elems) {
		return "reply types or lengths differ"
	}
	x, y := items(a, pairs), items(b, pairs)
	slices.Sort(x)
	slices.Sort(y)
	if !slices.Equal(x, y) {
		return "elements differ (compared as a multiset)"
	}
	return ""
}

// txHasObject reports a transaction holding an OBJECT command.
func txHasObject(cmds [][][]byte) bool {
	for _, c := range cmds {
		if upperName(c[0]) == "OBJECT" {
			return true
		}
	}
	return false
}
