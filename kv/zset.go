package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"

	"redraft/wire"
)

// Redis 7.0's default listpack limits for sorted sets. A zset is created as
// a listpack and converted for good to a skiplist when an insert would
// exceed either (zsetAdd); it never converts back, except that the results
// of ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE are built as skiplists and turned
// into listpacks when they fit (zsetConvertToListpackIfNeeded).
const (
	zsetListpackEntries = 128 // zset-max-listpack-entries
	zsetListpackValue   = 64  // zset-max-listpack-value (member bytes)
)

// ZSet is the value of a Redis sorted-set key: members with float64 scores,
// ordered by (score, member bytes).
//
// The elements live in one skiplist with a member hash index (see
// skiplist.go), whatever the size. The encoding Redis would use is tracked
// in listpack, because it is visible: ZSCAN returns a listpack whole with
// cursor 0, ZRANDMEMBER samples a listpack in order, OBJECT ENCODING names
// it, and a listpack stores scores as text, so a -0 score it receives is
// kept as 0 (a skiplist keeps -0). Replicas applying the same commands track
// the same encoding, and snapshots carry it.
type ZSet struct {
	zsl      zskiplist
	index    zmemberIndex
	listpack bool
	// inserts counts node creations; mixed with the member's hash it gives
	// a new node its height.
	inserts uint64
	// track is set while a snapshot encodes the set in pieces
	// (snaptrack_zset.go); every change hands it the member first.
	track *zsetTrack
}

// newZSet returns an empty sorted set in the given encoding.
func newZSet(listpack bool) *ZSet {
	z := &ZSet{listpack: listpack}
	z.zsl.init()
	z.index.zsl = &z.zsl
	return z
}

// Len returns the number of elements.
func (z *ZSet) Len() int { return z.zsl.length }

// encoding returns the name OBJECT ENCODING reports.
func (z *ZSet) encoding() string {
	if z.listpack {
		return "listpack"
	}
	return "skiplist"
}

// stored returns the score as the current encoding stores it: a listpack
// writes scores as text and turns -0 into 0.
func (z *ZSet) stored(score float64) float64 {
	if z.listpack && score == 0 {
		return 0
	}
	return score
}

// newNode allocates a node for member with a deterministic height.
func (z *ZSet) newNode(member string, score float64) zref {
	z.inserts++
	h := mix64(hashString(member) ^ (z.inserts * 0x9E3779B97F4A7C15))
	return z.zsl.alloc(zslLevelFor(h), score, member)
}

// memberOf returns node x's member.
func (z *ZSet) memberOf(x zref) string { return z.zsl.member(x) }

// scoreOf returns node x's score.
func (z *ZSet) scoreOf(x zref) float64 { return z.zsl.score(x) }

// next returns the node after x in ascending order, or 0.
func (z *ZSet) next(x zref) zref { return z.zsl.next(x) }

// prev returns the node before x, or 0.
func (z *ZSet) prev(x zref) zref { return z.zsl.prev(x) }

// insert adds member, which must not be present, with score as given.
func (z *ZSet) insert(member string, score float64) {
	z.compact(zslCompactSteps)
	if z.track != nil {
		z.track.keep(member, 0, false)
	}
	x := z.newNode(member, score)
	z.zsl.insertNode(x)
	z.index.add(x)
}

// find returns the node of member, or nil.
func (z *ZSet) find(member []byte) zref { return z.index.find(bstr(member)) }

// score returns member's score.
func (z *ZSet) score(member []byte) (float64, bool) {
	x := z.find(member)
	if x == 0 {
		return 0, false
	}
	return z.zsl.score(x), true
}

// ZADD input flags and outcomes (Redis's ZADD_IN_* and ZADD_OUT_*).
const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddIncr
)

const (
	zaddAdded = 1 << iota
	zaddUpdated
	zaddNop
)

// add is Redis's zsetAdd: it adds member with score or updates its score
// under the NX/XX/GT/LT/INCR flags. It returns the outcome, the resulting
// score (what ZADD INCR replies, before the encoding stores it) and
// ok == false when the score is or would become NaN (nothing changed then).
// It uses the default encoding thresholds; addLim takes them.
func (z *ZSet) add(member []byte, score float64, flags int) (out int, newScore float64, ok bool) {
	return z.addLim(member, score, flags, &defaultEncodingLimits)
}

// addLim is add under the thresholds lim (encoding.go).
func (z *ZSet) addLim(member []byte, score float64, flags int, lim *encodingLimits) (out int, newScore float64, ok bool) {
	if math.IsNaN(score) {
		return 0, 0, false
	}
	if x := z.find(member); x != 0 {
		if flags&zaddNX != 0 {
			return zaddNop, 0, true
		}
		cur := z.zsl.score(x)
		if flags&zaddIncr != 0 {
			score += cur
			if math.IsNaN(score) {
				return 0, 0, false
			}
		}
		if (flags&zaddLT != 0 && score >= cur) || (flags&zaddGT != 0 && score <= cur) {
			return zaddNop, 0, true
		}
		if score != cur {
			z.keepNode(x)
			z.zsl.updateScore(x, z.stored(score))
			out = zaddUpdated
		}
		return out, score, true
	}
	if flags&zaddXX != 0 {
		return zaddNop, 0, true
	}
	if z.listpack && (z.Len()+1 > lim.zsetEntries || len(member) > lim.zsetValue) {
		z.listpack = false
	}
	z.insert(string(member), z.stored(score))
	return zaddAdded, score, true
}

// remove deletes member and reports whether it was there.
func (z *ZSet) remove(member []byte) bool {
	x := z.find(member)
	if x == 0 {
		return false
	}
	z.removeNode(x)
	return true
}

// removeNode removes x and frees it: x means nothing afterwards.
func (z *ZSet) removeNode(x zref) {
	z.keepNode(x)
	z.zsl.remove(x)
	z.index.remove(x)
	z.zsl.free(x)
	z.compact(zslCompactSteps)
}

// compact runs up to n steps of the node pool's compaction (compactStep),
// which moves nodes: it runs only between operations, when no zref is held.
func (z *ZSet) compact(n int) {
	for i := 0; i < n && z.zsl.compactStep(&z.index); i++ {
	}
}

// rank returns member's 0-based rank, counted from the highest score when
// reverse.
func (z *ZSet) rank(member []byte, reverse bool) (int, bool) {
	x := z.find(member)
	if x == 0 {
		return 0, false
	}
	r := z.zsl.rankOf(z.zsl.score(x), z.zsl.member(x))
	if r == 0 {
		panic("kv: zset member indexed but not ranked")
	}
	if reverse {
		return z.Len() - r, true
	}
	return r - 1, true
}

// at returns the element of 0-based rank r (0 <= r < Len).
func (z *ZSet) at(r int) zref { return z.zsl.byRank(r + 1) }

// each visits the elements in ascending order until fn returns false.
func (z *ZSet) each(fn func(x zref) bool) {
	for x := z.zsl.first(); x != 0; x = z.zsl.next(x) {
		if !fn(x) {
			return
		}
	}
}

// Lex ranges. Redis defines them for sets whose scores are all equal, where
// members are in byte order; on other sets its answers come from walking a
// listpack (first element, in order, that is >= min) or searching a
// skiplist (which depends on random node heights). Here a set with equal
// scores uses the skiplist search, which is then exact, and any other set
// the listpack walk, which is deterministic whatever the node heights; both
// give the same answers whenever members happen to be in order.

// lexOrdered reports whether all scores are equal, so members are sorted.
func (z *ZSet) lexOrdered() bool {
	return z.Len() == 0 || z.zsl.score(z.zsl.first()) == z.zsl.score(z.zsl.tail)
}

// lexInRange is Redis's zzlIsInLexRange: false when r is empty or misses
// the set's ends.
func (z *ZSet) lexInRange(r *zlexRangeSpec) bool {
	return !r.empty() && z.Len() > 0 && r.gteMin(z.zsl.member(z.zsl.tail)) && r.lteMax(z.zsl.member(z.zsl.first()))
}

// firstInLex returns the first element >= min if it is also <= max, else nil
// (zzlFirstInLexRange).
func (z *ZSet) firstInLex(r *zlexRangeSpec) zref {
	if z.lexOrdered() {
		return z.zsl.firstInLexRange(r)
	}
	if !z.lexInRange(r) {
		return 0
	}
	for x := z.zsl.first(); x != 0; x = z.zsl.next(x) {
		if r.gteMin(z.zsl.member(x)) {
			if r.lteMax(z.zsl.member(x)) {
				return x
			}
			return 0
		}
	}
	return 0
}

// lastInLex returns the last element <= max if it is also >= min, else nil
// (zzlLastInLexRange).
func (z *ZSet) lastInLex(r *zlexRangeSpec) zref {
	if z.lexOrdered() {
		return z.zsl.lastInLexRange(r)
	}
	if !z.lexInRange(r) {
		return 0
	}
	for x := z.zsl.tail; x != 0; x = z.zsl.prev(x) {
		if r.lteMax(z.zsl.member(x)) {
			if r.gteMin(z.zsl.member(x)) {
				return x
			}
			return 0
		}
	}
	return 0
}

// lexCount counts the run of elements <= max that starts at firstInLex.
func (z *ZSet) lexCount(r *zlexRangeSpec) int {
	x := z.firstInLex(r)
	if x == 0 {
		return 0
	}
	if z.lexOrdered() {
		return z.countBetween(x, z.zsl.lastInLexRange(r))
	}
	n := 0
	for ; x != 0 && r.lteMax(z.zsl.member(x)); x = z.zsl.next(x) {
		n++
	}
	return n
}

// deleteRangeByLex removes the run lexCount counts and returns its length.
func (z *ZSet) deleteRangeByLex(r *zlexRangeSpec) int {
	x := z.firstInLex(r)
	if x == 0 {
		return 0
	}
	return z.zsl.deleteRunFrom(x, func(x zref) bool { return r.lteMax(z.zsl.member(x)) }, z.forget)
}

// countBetween returns the number of nodes from first to last inclusive
// (0 when either is nil), by rank arithmetic in O(log n).
func (z *ZSet) countBetween(first, last zref) int {
	if first == 0 || last == 0 {
		return 0
	}
	return z.zsl.rankOf(z.zsl.score(last), z.zsl.member(last)) - z.zsl.rankOf(z.zsl.score(first), z.zsl.member(first)) + 1
}

// Range queries for the ZRANGE family; they return nodes in reply order.

// rangeByRank returns the nodes of ranks start..end (negative counts from
// the end), in reverse order when reverse (ranks then count from the top).
func (z *ZSet) rangeByRank(start, end int64, reverse bool) []zref {
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
		return nil
	}
	if end >= n {
		end = n - 1
	}
	out := make([]zref, 0, end-start+1)
	if reverse {
		for x := z.zsl.byRank(int(n - start)); x != 0 && len(out) < cap(out); x = z.zsl.prev(x) {
			out = append(out, x)
		}
	} else {
		for x := z.zsl.byRank(int(start + 1)); x != 0 && len(out) < cap(out); x = z.zsl.next(x) {
			out = append(out, x)
		}
	}
	return out
}

// skipFrom returns the node offset places after x in the walking direction
// (Redis skips one node at a time; ranks make it O(log n)). A negative
// offset skips everything, as Redis's "while (ln && offset--)" does.
func (z *ZSet) skipFrom(x zref, offset int64, reverse bool) zref {
	if x == 0 || offset == 0 {
		return x
	}
	if offset < 0 || offset >= int64(z.Len()) {
		return 0
	}
	r := int64(z.zsl.rankOf(z.zsl.score(x), z.zsl.member(x)))
	if reverse {
		r -= offset
	} else {
		r += offset
	}
	return z.zsl.byRank(int(r))
}

// rangeByScore returns the nodes with scores in r, skipping offset and
// returning at most limit (all when negative).
func (z *ZSet) rangeByScore(r *zrangeSpec, offset, limit int64, reverse bool) []zref {
	if offset > 0 && offset >= int64(z.Len()) {
		return nil
	}
	var x zref
	if reverse {
		x = z.zsl.lastInRange(r)
	} else {
		x = z.zsl.firstInRange(r)
	}
	var out []zref
	for x = z.skipFrom(x, offset, reverse); x != 0 && limit != 0; limit-- {
		if reverse {
			if !r.gteMin(z.zsl.score(x)) {
				break
			}
			out = append(out, x)
			x = z.zsl.prev(x)
		} else {
			if !r.lteMax(z.zsl.score(x)) {
				break
			}
			out = append(out, x)
			x = z.zsl.next(x)
		}
	}
	return out
}

// rangeByLex is rangeByScore for a member range.
func (z *ZSet) rangeByLex(r *zlexRangeSpec, offset, limit int64, reverse bool) []zref {
	if offset > 0 && offset >= int64(z.Len()) {
		return nil
	}
	var x zref
	if reverse {
		x = z.lastInLex(r)
	} else {
		x = z.firstInLex(r)
	}
	var out []zref
	for x = z.skipFrom(x, offset, reverse); x != 0 && limit != 0; limit-- {
		if reverse {
			if !r.gteMin(z.zsl.member(x)) {
				break
			}
			out = append(out, x)
			x = z.zsl.prev(x)
		} else {
			if !r.lteMax(z.zsl.member(x)) {
				break
			}
			out = append(out, x)
			x = z.zsl.next(x)
		}
	}
	return out
}

// zsetElem is a (member, score) pair on its way into a new ZSet.
type zsetElem struct {
	member string
	score  float64
}

// zsetFromSorted builds a sorted set from elements in strictly ascending
// (score, member) order, in O(n).
func zsetFromSorted(elems []zsetElem, listpack bool) *ZSet {
	z := newZSet(listpack)
	b := newZslBuilder(&z.zsl)
	for _, e := range elems {
		x := z.newNode(e.member, z.stored(e.score))
		b.append(x)
		z.index.add(x)
	}
	b.finish()
	return z
}

// clone returns a deep copy in the same encoding (COPY).
func (z *ZSet) clone() *ZSet {
	c := newZSet(z.listpack)
	b := newZslBuilder(&c.zsl)
	z.each(func(x zref) bool {
		y := c.newNode(z.zsl.member(x), z.zsl.score(x))
		b.append(y)
		c.index.add(y)
		return true
	})
	b.finish()
	return c
}

// fitsListpack reports whether Redis would convert a freshly built zset of
// this size to a listpack (zsetConvertToListpackIfNeeded).
func zsetFitsListpack(n, maxMemberLen int, lim *encodingLimits) bool {
	return n <= lim.zsetEntries && maxMemberLen <= lim.zsetValue
}

// Snapshot encoding of a sorted set:
//
//	flags   u8: bit 0 set for the listpack encoding, other bits zero
//	count   uvarint, >= 1
//	count × { score: 8 bytes, little-endian IEEE-754 bits;
//	          member: uvarint length, bytes }
//
// in strictly ascending (score, member) order. Equal sets (same elements,
// same score bits, same encoding) encode to identical bytes.
const zsetSnapListpack = 1

// Snapshot decoding errors.
var (
	errZSetSnapTruncated = errors.New("kv: zset snapshot truncated")
	errZSetSnapCorrupt   = errors.New("kv: zset snapshot corrupt")
)

// appendSnapshot appends the value's snapshot encoding to dst.
func (z *ZSet) appendSnapshot(dst []byte) []byte {
	var flags byte
	if z.listpack {
		flags |= zsetSnapListpack
	}
	dst = append(dst, flags)
	dst = binary.AppendUvarint(dst, uint64(z.Len()))
	z.each(func(x zref) bool {
		m := z.zsl.member(x)
		dst = snapRoom(dst, len(m))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(z.zsl.score(x)))
		dst = binary.AppendUvarint(dst, uint64(len(m)))
		dst = wire.AppendLarge(dst, m)
		return true
	})
	return dst
}

// decodeZSetSnapshot decodes what appendSnapshot wrote. It validates
// everything (order, duplicates, NaN, the listpack limits) and returns an
// error, never panics, on corrupt input.
func decodeZSetSnapshot(b []byte) (*ZSet, error) {
	if len(b) < 1 {
		return nil, errZSetSnapTruncated
	}
	flags := b[0]
	if flags&^zsetSnapListpack != 0 {
		return nil, fmt.Errorf("%w: unknown flags", errZSetSnapCorrupt)
	}
	listpack := flags&zsetSnapListpack != 0
	b = b[1:]
	n, k := zsetUvarint(b)
	if k <= 0 {
		return nil, errZSetSnapTruncated
	}
	b = b[k:]
	// Every element takes at least 9 bytes: refuse counts the input cannot hold.
	if n == 0 || n > uint64(len(b))/9 {
		return nil, fmt.Errorf("%w: bad element count", errZSetSnapCorrupt)
	}
	if listpack && n > encodingEntriesMax {
		return nil, fmt.Errorf("%w: listpack too long", errZSetSnapCorrupt)
	}
	z := newZSet(listpack)
	bld := newZslBuilder(&z.zsl)
	var prev zref
	for i := uint64(0); i < n; i++ {
		if len(b) < 8 {
			return nil, errZSetSnapTruncated
		}
		score := math.Float64frombits(binary.LittleEndian.Uint64(b))
		b = b[8:]
		l, k := zsetUvarint(b)
		if k <= 0 {
			return nil, errZSetSnapTruncated
		}
		b = b[k:]
		if l > uint64(len(b)) {
			return nil, errZSetSnapTruncated
		}
		member := string(b[:l])
		b = b[l:]
		switch {
		case math.IsNaN(score):
			return nil, fmt.Errorf("%w: NaN score", errZSetSnapCorrupt)
		case listpack && (len(member) > encodingValueMax || (score == 0 && math.Signbit(score))):
			return nil, fmt.Errorf("%w: listpack element out of limits", errZSetSnapCorrupt)
		case prev != 0 && !z.zsl.before(prev, score, member):
			return nil, fmt.Errorf("%w: elements out of order", errZSetSnapCorrupt)
		case z.index.find(member) != 0:
			return nil, fmt.Errorf("%w: duplicate member", errZSetSnapCorrupt)
		}
		x := z.newNode(member, score)
		bld.append(x)
		z.index.add(x)
		prev = x
	}
	bld.finish()
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: trailing bytes", errZSetSnapCorrupt)
	}
	return z, nil
}

// zsetUvarint decodes a uvarint, refusing non-minimal encodings (so that an
// accepted snapshot is the canonical one): n <= 0 means invalid.
func zsetUvarint(b []byte) (v uint64, n int) {
	v, n = binary.Uvarint(b)
	if n > 1 && b[n-1] == 0 {
		return 0, -1
	}
	return v, n
}

// Parsing of scores and ranges, exactly as Redis 7.0 does it.

// cStrtod parses the longest prefix of b that glibc's strtod accepts in the
// C locale: leading white space, a sign, then a decimal or hexadecimal
// float, "inf"/"infinity" or "nan"/"nan(chars)", case-insensitively. It
// returns the value, the bytes consumed (0 when nothing converts, as strtod
// then points at the start) and whether strtod would set ERANGE with an
// infinite or zero result (overflow, or underflow of a non-zero number).
func cStrtod(b []byte) (v float64, n int, rangeErr bool) {
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	switch {
	case hasPrefixFold(b[i:], "infinity"):
		return signed(math.Inf(1), neg), i + 8, false
	case hasPrefixFold(b[i:], "inf"):
		return signed(math.Inf(1), neg), i + 3, false
	case hasPrefixFold(b[i:], "nan"):
		j := i + 3
		if j < len(b) && b[j] == '(' {
			k := j + 1
			for k < len(b) && (isAlnum(b[k]) || b[k] == '_') {
				k++
			}
			if k < len(b) && b[k] == ')' {
				j = k + 1
			}
		}
		return math.NaN(), j, false
	}
	if i+1 < len(b) && b[i] == '0' && (b[i+1]|0x20) == 'x' {
		if v, n, rangeErr, ok := strtodHex(b, i+2, neg); ok {
			return v, n, rangeErr
		}
		// "0x" without hex digits: only the "0" converts.
		return signed(0, neg), i + 1, false
	}
	j := i
	digits, nonzero := 0, false
	for ; j < len(b) && isDigit(b[j]); j++ {
		digits++
		nonzero = nonzero || b[j] != '0'
	}
	if j < len(b) && b[j] == '.' {
		j++
		for ; j < len(b) && isDigit(b[j]); j++ {
			digits++
			nonzero = nonzero || b[j] != '0'
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	j = exponentEnd(b, j, 'e')
	f, err := strconv.ParseFloat(string(b[start:j]), 64)
	if err != nil && !math.IsInf(f, 0) {
		panic("kv: strtod prefix rejected by strconv: " + err.Error())
	}
	return f, j, math.IsInf(f, 0) || (f == 0 && nonzero)
}

// strtodHex parses the hex mantissa starting at i (after "0x") and an
// optional binary exponent; ok is false when there is no hex digit.
func strtodHex(b []byte, i int, neg bool) (v float64, n int, rangeErr bool, ok bool) {
	j := i
	digits, nonzero := 0, false
	for ; j < len(b) && isHexDigit(b[j]); j++ {
		digits++
		nonzero = nonzero || b[j] != '0'
	}
	if j < len(b) && b[j] == '.' {
		j++
		for ; j < len(b) && isHexDigit(b[j]); j++ {
			digits++
			nonzero = nonzero || b[j] != '0'
		}
	}
	if digits == 0 {
		return 0, 0, false, false
	}
	mant := string(b[i:j])
	exp := "p0"
	if k := exponentEnd(b, j, 'p'); k > j {
		exp = string(b[j:k])
		j = k
	}
	text := "0x" + mant + exp
	if neg {
		text = "-" + text
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !math.IsInf(f, 0) {
		panic("kv: strtod hex prefix rejected by strconv: " + err.Error())
	}
	return f, j, math.IsInf(f, 0) || (f == 0 && nonzero), true
}

// exponentEnd returns the end of an exponent ("e" or "p", case-insensitive,
// optional sign, at least one digit) starting at j, or j when there is none.
func exponentEnd(b []byte, j int, mark byte) int {
	if j >= len(b) || b[j]|0x20 != mark {
		return j
	}
	k := j + 1
	if k < len(b) && (b[k] == '+' || b[k] == '-') {
		k++
	}
	if k >= len(b) || !isDigit(b[k]) {
		return j
	}
	for k < len(b) && isDigit(b[k]) {
		k++
	}
	return k
}

func signed(f float64, neg bool) float64 {
	if neg {
		return -f
	}
	return f
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isHexDigit(c byte) bool { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }
func isAlnum(c byte) bool    { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z') }

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix,
// case-insensitively.
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if b[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}

// parseZScore parses a score, increment or weight as Redis's string2d does
// (getDoubleFromObject): the whole argument must be a strtod number, no
// leading space, no overflow, no underflow to zero, not NaN.
func parseZScore(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) {
		return 0, false
	}
	v, n, rangeErr := cStrtod(b)
	if n != len(b) || rangeErr || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// parseScoreBound parses one end of a score range (zslParseRange): an
// optional "(" for an exclusive bound, then a strtod number that must end
// the C string (the argument's end or a NUL byte); NaN is refused.
// Overflow is accepted as ±inf and an empty number as 0, as strtod gives.
func parseScoreBound(b []byte) (v float64, ex bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, n, _ := cStrtod(b)
	if (n < len(b) && b[n] != 0) || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// parseScoreRange parses a min/max pair into a zrangeSpec.
func parseScoreRange(min, max []byte) (r zrangeSpec, ok bool) {
	if r.min, r.minex, ok = parseScoreBound(min); !ok {
		return r, false
	}
	r.max, r.maxex, ok = parseScoreBound(max)
	return r, ok
}

// parseLexBound parses one end of a lex range (zslParseLexRangeItem): "+"
// or "-" alone (Redis looks at the C string, so a NUL may follow), or "("
// (exclusive) or "[" (inclusive) followed by the member bytes.
func parseLexBound(b []byte) (bd zlexBound, ex bool, ok bool) {
	if len(b) == 0 {
		return bd, false, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return bd, false, false
		}
		bd.inf = 1
		if b[0] == '-' {
			bd.inf = -1
		}
		return bd, true, true
	case '(':
		return zlexBound{s: string(b[1:])}, true, true
	case '[':
		return zlexBound{s: string(b[1:])}, false, true
	}
	return bd, false, false
}

// parseLexRange parses a min/max pair into a zlexRangeSpec.
func parseLexRange(min, max []byte) (r zlexRangeSpec, ok bool) {
	if r.min, r.minex, ok = parseLexBound(min); !ok {
		return r, false
	}
	r.max, r.maxex, ok = parseLexBound(max)
	return r, ok
}
