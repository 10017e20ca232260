package difftest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"testing"

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
	// ruleDump: DUMP payloads agree byte for byte except in the
	// millisecond times a stream keeps (a consumer's seen-time, a pending
	// entry's delivery time: 8 bytes little-endian), which two clocks
	// stamped: a write that ran a tick late on Redis stamped them late by
	// as much. Such fields may differ within the sequence's longest round
	// trip past its millisecond, and then the checksum covering them; kv's
	// checksum must still be right.
	ruleDump
	// ruleIdle: exact, except the idle times of XINFO CONSUMERS and of
	// XPENDING's extended form: now minus a time stamped earlier, each
	// from two clocks, so they may differ by the sequence's longest round
	// trip past its millisecond.
	ruleIdle
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

	"DUMP": {kind: ruleDump, why: "a stream's consumer and delivery times come from two clocks"},

	"XINFO":    {kind: ruleIdle, why: "a consumer's idle time is the clock minus its seen-time, both from two clocks"},
	"XPENDING": {kind: ruleIdle, why: "as XINFO, for a pending entry's delivery time"},
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
	case ruleDump:
		return r.dumpDiff(s)
	case ruleIdle:
		if exactDiff(s) == "" || !idleEqual(s.redis, s.kv, uint64(r.maxSkewMs+1), name == "XPENDING") {
			return exactDiff(s)
		}
		return ""
	}
	panic("difftest: unknown rule")
}

// idleEqual compares two replies exactly except for idle times, which may
// differ by tol: the value after an "idle" key (XINFO CONSUMERS: a map, or
// a flat array of pairs in RESP2) and, for XPENDING, the third element of
// an entry [id, consumer, idle, deliveries].
func idleEqual(a, b value, tol uint64, xpending bool) bool {
	if a.kind != b.kind || a.null != b.null || len(a.elems) != len(b.elems) {
		return false
	}
	if len(a.elems) == 0 {
		return a.str == b.str
	}
	idleAt := -1
	if xpending && a.kind == '*' && len(a.elems) == 4 && a.elems[2].kind == ':' {
		idleAt = 2
	}
	for i := range a.elems {
		if i == idleAt || i > 0 && (a.kind == '*' || a.kind == '%') && i%2 == 1 && a.elems[i-1].str == "idle" && a.elems[i].kind == ':' {
			x, xok := a.elems[i].int()
			y, yok := b.elems[i].int()
			if !xok || !yok || b.elems[i].kind != ':' || abs(x-y) > int64(tol) {
				return false
			}
			continue
		}
		if !idleEqual(a.elems[i], b.elems[i], tol, xpending) {
			return false
		}
	}
	return true
}

// Plausible millisecond times for dumpDiff: 2001-09-09 to 2286-11-20.
const minPlausibleMs, maxPlausibleMs = 1e12, 1e13

// dumpDiff compares two DUMP payloads under ruleDump: every run of
// differing bytes before the checksum must lie in an 8-byte window that
// reads, little-endian, as a plausible millisecond time on both sides,
// the two within the tolerance; the version bytes must match; kv's
// checksum must be that of its payload.
func (r *runner) dumpDiff(s *sides) string {
	rp, kp := s.redis.str, s.kv.str
	if s.redis.kind != '$' || s.kv.kind != '$' || rp == kp || len(rp) != len(kp) || len(rp) < 10 {
		return exactDiff(s)
	}
	tol := uint64(r.maxSkewMs + 1)
	body := len(rp) - 8 // the CRC-64 follows
	for i := 0; i < body; {
		if rp[i] == kp[i] {
			i++
			continue
		}
		j := i // the differing run is [i, j)
		for j < body && rp[j] != kp[j] {
			j++
		}
		next := -1
		for o := max(0, j-8); o <= i && o+8 <= body; o++ {
			a := binary.LittleEndian.Uint64([]byte(rp[o : o+8]))
			b := binary.LittleEndian.Uint64([]byte(kp[o : o+8]))
			if a >= minPlausibleMs && a <= maxPlausibleMs && b >= minPlausibleMs && b <= maxPlausibleMs && max(a, b)-min(a, b) <= tol {
				next = o + 8
				break
			}
		}
		if next < 0 {
			return exactDiff(s) + fmt.Sprintf(" (DUMP payloads differ at byte %d, outside a time field within %d ms)", i, tol)
		}
		i = next
	}
	if string(crcBytes([]byte(kp[:body]))) != kp[body:] {
		return exactDiff(s) + " (kv's DUMP checksum is wrong)"
	}
	return ""
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

// TestDumpDiffTimeFields: ruleDump accepts two payloads that differ only in
// a millisecond time field within the tolerance (and in the checksum,
// when kv's is right), and nothing else.
func TestDumpDiffTimeFields(t *testing.T) {
	const ms = 1_765_000_000_123
	payload := func(at uint64, patch func([]byte)) string {
		b := []byte("\x13\x01\x10consumer")
		b = binary.LittleEndian.AppendUint64(b, at)
		b = append(b, "\x01\x02tail\x0b\x00"...) // ... and the RDB version
		if patch != nil {
			patch(b)
		}
		return string(append(b, crcBytes(b)...))
	}
	sidesOf := func(rp, kp string) *sides {
		raw := func(p string) []byte { return []byte(fmt.Sprintf("$%d\r\n%s\r\n", len(p), p)) }
		return &sides{args: [][]byte{[]byte("DUMP"), []byte("x")},
			redis: value{kind: '$', str: rp}, kv: value{kind: '$', str: kp}, rraw: raw(rp), kvraw: raw(kp)}
	}
	badCRC := payload(ms+1, nil)
	badCRC = badCRC[:len(badCRC)-1] + string(badCRC[len(badCRC)-1]^1)
	for _, tc := range []struct {
		name   string
		skewMs int64
		kv     string
		agree  bool
	}{
		{"equal", 0, payload(ms, nil), true},
		{"one ms later", 0, payload(ms+1, nil), true},
		{"256 ms earlier (two bytes differ)", 255, payload(ms-256, nil), true},
		{"two ms later, tolerance one", 0, payload(ms+2, nil), false},
		{"two ms later, a round trip 1 ms past its tick", 1, payload(ms+2, nil), true},
		{"another byte differs too", 0, payload(ms+1, func(b []byte) { b[len(b)-5] = 'T' }), false},
		{"the version differs", 0, payload(ms, func(b []byte) { b[len(b)-2] = 0x0a }), false},
		{"kv's checksum is wrong", 0, badCRC, false},
	} {
		r := &runner{maxSkewMs: tc.skewMs}
		if d := r.dumpDiff(sidesOf(payload(ms, nil), tc.kv)); (d == "") != tc.agree {
			t.Errorf("%s: dumpDiff = %q, want agreement %v", tc.name, d, tc.agree)
		}
	}
	// Not a time: a small number in the same place differs by one.
	small := func(v uint64) string {
		b := binary.LittleEndian.AppendUint64([]byte("\x13\x01\x10"), v)
		b = append(b, "\x0b\x00"...)
		return string(append(b, crcBytes(b)...))
	}
	if d := (&runner{maxSkewMs: 5}).dumpDiff(sidesOf(small(7), small(8))); d == "" {
		t.Error("a difference of one in a field that is no millisecond time was accepted")
	}
}

// TestIdleEqual: idle times may differ within the tolerance, nothing else.
func TestIdleEqual(t *testing.T) {
	consumers := func(idle string, pending string) value {
		return value{kind: '*', elems: []value{{kind: '*', elems: []value{
			{kind: '$', str: "name"}, {kind: '$', str: "c1"},
			{kind: '$', str: "pending"}, {kind: ':', str: pending},
			{kind: '$', str: "idle"}, {kind: ':', str: idle},
		}}}}
	}
	pending := func(idle, count string) value {
		return value{kind: '*', elems: []value{{kind: '*', elems: []value{
			{kind: '$', str: "1-1"}, {kind: '$', str: "c1"}, {kind: ':', str: idle}, {kind: ':', str: count},
		}}}}
	}
	for _, tc := range []struct {
		name     string
		a, b     value
		xpending bool
		want     bool
	}{
		{"XINFO idle within", consumers("15", "0"), consumers("22", "0"), false, true},
		{"XINFO idle beyond", consumers("15", "0"), consumers("23", "0"), false, false},
		{"XINFO pending differs", consumers("15", "0"), consumers("15", "1"), false, false},
		{"XPENDING idle within", pending("100", "1"), pending("93", "1"), true, true},
		{"XPENDING count differs", pending("100", "1"), pending("100", "2"), true, false},
		{"XPENDING rule off", pending("100", "1"), pending("93", "1"), false, false},
	} {
		if got := idleEqual(tc.a, tc.b, 7, tc.xpending); got != tc.want {
			t.Errorf("%s: idleEqual = %v, want %v", tc.name, got, tc.want)
		}
	}
}
