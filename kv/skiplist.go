package kv

import (
	"math"
	"math/bits"
	"slices"
	"strings"
)

// The sorted set's two index structures, as in Redis's zset: a skiplist that
// orders the elements by (score, member bytes) and keeps, on every link, the
// number of elements it jumps over (its span), so ranks are found in
// O(log n); and a chained hash table from member to skiplist node
// (zmemberIndex) for O(1) score lookups and for ZSCAN's cursor.
//
// Both are deterministic. A node's height is derived from the zset's insert
// counter mixed with a fixed hash of the member (zslLevelFor), never from a
// random source, so replicas that applied the same commands build the same
// skiplist; heights only affect speed, never a reply or a snapshot. The hash
// table uses hashString (fixed, see dict.go), inserts at chain heads and
// resizes in a fixed order, so its layout, and therefore the order ZSCAN
// returns, is a function of the command history.
//
// Nodes live in a pool of paged arrays owned by the skiplist and link to
// each other by number (zref), not by pointer: the only pointers a sorted
// set holds are its member strings. Why: Go's collector marks every object
// it can reach at every cycle, and a skiplist of pointer-linked nodes is
// tens of millions of small objects with several pointers each. Marking a
// 10M-member sorted set built that way cost 2.2 s of CPU per GC cycle,
// against 0.34 s for a 10M-field hash (BenchmarkMarkCost,
// kv/gcmark_bench_test.go), and on two cores mark phases of seconds
// stalled whole nodes long enough to lose the leadership
// (docs/replication.md, "Whole-node stalls"). Pointer-free pages are
// never scanned. A removed node's slot (and its block of upper levels) is
// reused by the next insert, and a set with more free slots than members
// gives them back a few per write (compactStep), so a set that shrinks
// does not keep its peak size. The blocks of upper levels (a third of a
// level per node on average, 8 bytes each) are reused but not given back.

// zslMaxLevel bounds the height of a node (Redis's ZSKIPLIST_MAXLEVEL). With
// a 1/4 promotion probability 32 levels index 2^64 elements.
const zslMaxLevel = 32

// zref names a node of a skiplist's pool. As a link, 0 is nil; as the place
// a search starts from, 0 is the header.
type zref uint32

// zslNode is one element of a sorted set, in its skiplist's pool. Its
// member is in the pool's members array, at the same number.
type zslNode struct {
	score    float64
	backward zref     // previous node at level 0; 0 for the first
	hnext    zref     // next node in the member hash chain (free list when free)
	l0       zslLevel // level 0
	more     uint32   // levels 1..height-1 start at levels[more] (height > 1)
	height   uint8
}

// zslLevel is one forward link of a node and the number of level-0 steps it
// covers. A nil link's span is the number of nodes after its owner.
type zslLevel struct {
	forward zref
	span    uint32
}

// zskiplist is Redis's zskiplist over a node pool. It must not be copied
// once used (its member index points to it).
type zskiplist struct {
	nodes   paged[zslNode]  // slot 0 unused
	members paged[string]   // the member of each node ("" when free)
	levels  paged[zslLevel] // the upper levels of nodes taller than 1
	hdr     []zslLevel      // the header's levels; len == level
	tail    zref
	length  int
	level   int // levels in use
	// freeNode heads the free node slots, doubly linked through hnext
	// (next) and backward (previous), freeCount counts them;
	// freeLevels[k-1] heads the free blocks of k upper levels, as start+1,
	// chained through the first level's span.
	freeNode   zref
	freeCount  int
	freeLevels [zslMaxLevel - 1]uint32
	// compacting is set while the pool shrinks (compactStep).
	compacting bool
}

func (zsl *zskiplist) init() {
	zsl.nodes.push(zslNode{})
	zsl.members.push("")
	zsl.hdr = []zslLevel{{}}
	zsl.level = 1
}

// node returns x's node. The pointer is valid until the next allocation.
func (zsl *zskiplist) node(x zref) *zslNode { return zsl.nodes.ref(int(x)) }

// lv returns level i of x (x == 0: of the header).
func (zsl *zskiplist) lv(x zref, i int) *zslLevel {
	if x == 0 {
		return &zsl.hdr[i]
	}
	n := zsl.nodes.ref(int(x))
	if i == 0 {
		return &n.l0
	}
	return zsl.levels.ref(int(n.more) + i - 1)
}

// fwd returns x's forward link at level i.
func (zsl *zskiplist) fwd(x zref, i int) zref { return zsl.lv(x, i).forward }

// member returns x's member.
func (zsl *zskiplist) member(x zref) string { return zsl.members.at(int(x)) }

// score returns x's score.
func (zsl *zskiplist) score(x zref) float64 { return zsl.nodes.ref(int(x)).score }

// next returns the node after x, or 0.
func (zsl *zskiplist) next(x zref) zref { return zsl.nodes.ref(int(x)).l0.forward }

// prev returns the node before x, or 0.
func (zsl *zskiplist) prev(x zref) zref { return zsl.nodes.ref(int(x)).backward }

// height returns x's number of levels.
func (zsl *zskiplist) height(x zref) int { return int(zsl.nodes.ref(int(x)).height) }

// alloc takes a node slot for (score, member) with the given height,
// unlinked.
func (zsl *zskiplist) alloc(height int, score float64, member string) zref {
	var x zref
	if zsl.freeNode != 0 {
		x = zsl.freeNode
		zsl.unfree(x)
	} else {
		n := zsl.nodes.len()
		if n > math.MaxUint32 {
			panic("kv: sorted set node pool full") // 2^32 members: hundreds of GB
		}
		x = zref(n)
		zsl.nodes.push(zslNode{})
		zsl.members.push("")
	}
	var more uint32
	if height > 1 {
		more = zsl.allocLevels(height - 1)
	}
	*zsl.node(x) = zslNode{score: score, more: more, height: uint8(height)}
	zsl.members.set(int(x), member)
	return x
}

// allocLevels returns the start of a cleared block of k upper levels.
func (zsl *zskiplist) allocLevels(k int) uint32 {
	if f := zsl.freeLevels[k-1]; f != 0 {
		start := int(f - 1)
		zsl.freeLevels[k-1] = zsl.levels.at(start).span
		for i := range k {
			zsl.levels.set(start+i, zslLevel{})
		}
		return uint32(start)
	}
	start := zsl.levels.len()
	if start+k > math.MaxUint32 {
		panic("kv: sorted set level pool full")
	}
	for range k {
		zsl.levels.push(zslLevel{})
	}
	return uint32(start)
}

// free returns x, unlinked from the list and the index, to the pool.
func (zsl *zskiplist) free(x zref) {
	n := zsl.node(x)
	if n.height > 1 {
		k := n.height - 1
		zsl.levels.set(int(n.more), zslLevel{span: zsl.freeLevels[k-1]})
		zsl.freeLevels[k-1] = n.more + 1
	}
	*n = zslNode{hnext: zsl.freeNode}
	if zsl.freeNode != 0 {
		zsl.node(zsl.freeNode).backward = x
	}
	zsl.freeNode = x
	zsl.freeCount++
	zsl.members.set(int(x), "")
	if !zsl.compacting && zsl.freeCount > zsl.length && zsl.nodes.len() > zslCompactMin {
		zsl.compacting = true
	}
}

// unfree takes the free slot x off the free list.
func (zsl *zskiplist) unfree(x zref) {
	n := zsl.node(x)
	p, nx := n.backward, n.hnext
	if p == 0 {
		zsl.freeNode = nx
	} else {
		zsl.node(p).hnext = nx
	}
	if nx != 0 {
		zsl.node(nx).backward = p
	}
	n.hnext, n.backward = 0, 0
	zsl.freeCount--
}

// zslCompactMin: a pool of at most this many slots is never compacted
// (what its free slots hold is small), zslCompactSteps: how many slots a
// write compacts.
const (
	zslCompactMin   = pagedLen
	zslCompactSteps = 8
)

// compactStep shrinks the pool of a sorted set that has more free slots
// than members, by one slot: the last slot is dropped if it is free, or
// else its node moves into a free slot below (relocate). It returns false
// once there is nothing left to do, and it must only run between whole
// operations (it moves a node, so it invalidates every zref held).
func (zsl *zskiplist) compactStep(d *zmemberIndex) bool {
	if !zsl.compacting {
		return false
	}
	if zsl.freeCount == 0 {
		zsl.compacting = false
		return false
	}
	last := zref(zsl.nodes.len() - 1)
	if zsl.node(last).height == 0 { // free
		zsl.unfree(last)
	} else {
		to := zsl.freeNode
		zsl.unfree(to)
		zsl.relocate(d, last, to)
	}
	zsl.nodes.truncate(int(last))
	zsl.members.truncate(int(last))
	return true
}

// relocate moves the linked node from into the free slot to (taken off the
// free list): every link to it, in the list, the tail and the member index,
// now names to. Its block of upper levels stays where it is.
func (zsl *zskiplist) relocate(d *zmemberIndex, from, to zref) {
	var update [zslMaxLevel]zref
	member := zsl.member(from)
	zsl.findUpdate(zsl.score(from), member, &update)
	if zsl.fwd(update[0], 0) != from {
		panic("kv: zset node to relocate not found where its score says")
	}
	*zsl.node(to) = *zsl.node(from)
	zsl.members.set(int(to), member)
	for i := range zsl.height(to) {
		l := zsl.lv(update[i], i)
		if l.forward != from {
			panic("kv: zset node to relocate not linked at one of its levels")
		}
		l.forward = to
	}
	if f := zsl.next(to); f != 0 {
		zsl.node(f).backward = to
	} else {
		zsl.tail = to
	}
	d.replace(from, to)
	*zsl.node(from) = zslNode{}
	zsl.members.set(int(from), "")
}

// zslLevelFor maps 64 well-mixed bits to a height between 1 and zslMaxLevel
// with P(height > k) = 4^-k, two bits per level like Redis's
// zslRandomLevel with ZSKIPLIST_P = 0.25.
func zslLevelFor(h uint64) int {
	level := 1
	for h&3 == 0 && level < zslMaxLevel {
		level++
		h >>= 2
	}
	return level
}

// mix64 is the splitmix64 finaliser.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// before reports whether node x sorts before (score, member).
func (zsl *zskiplist) before(x zref, score float64, member string) bool {
	s := zsl.score(x)
	return s < score || (s == score && zsl.member(x) < member)
}

// first returns the lowest node, or 0.
func (zsl *zskiplist) first() zref { return zsl.hdr[0].forward }

// insertNode links x, whose height is set and whose (score, member) is not
// in the list, at its place.
func (zsl *zskiplist) insertNode(x zref) {
	var update [zslMaxLevel]zref
	var rank [zslMaxLevel]int
	score, member := zsl.score(x), zsl.member(x)
	var p zref // the header
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for {
			l := zsl.lv(p, i)
			if l.forward == 0 || !zsl.before(l.forward, score, member) {
				break
			}
			rank[i] += int(l.span)
			p = l.forward
		}
		update[i] = p
	}
	level := zsl.height(x)
	for zsl.level < level {
		rank[zsl.level] = 0
		update[zsl.level] = 0
		zsl.hdr = append(zsl.hdr, zslLevel{span: uint32(zsl.length)})
		zsl.level++
	}
	for i := 0; i < level; i++ {
		xl, ul := zsl.lv(x, i), zsl.lv(update[i], i)
		xl.forward = ul.forward
		ul.forward = x
		xl.span = ul.span - uint32(rank[0]-rank[i])
		ul.span = uint32(rank[0] - rank[i] + 1)
	}
	for i := level; i < zsl.level; i++ {
		zsl.lv(update[i], i).span++
	}
	n := zsl.node(x)
	n.backward = update[0] // 0 when x is first
	if f := n.l0.forward; f != 0 {
		zsl.node(f).backward = x
	} else {
		zsl.tail = x
	}
	zsl.length++
}

// findUpdate fills update with, per level, the last node before
// (score, member) (0 for the header).
func (zsl *zskiplist) findUpdate(score float64, member string, update *[zslMaxLevel]zref) {
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && zsl.before(f, score, member); f = zsl.fwd(p, i) {
			p = f
		}
		update[i] = p
	}
}

// unlink removes x given the update path that findUpdate computed for it.
func (zsl *zskiplist) unlink(x zref, update *[zslMaxLevel]zref) {
	for i := 0; i < zsl.level; i++ {
		ul := zsl.lv(update[i], i)
		if ul.forward == x {
			xl := zsl.lv(x, i)
			ul.span += xl.span - 1
			ul.forward = xl.forward
		} else {
			ul.span--
		}
	}
	n := zsl.node(x)
	if f := n.l0.forward; f != 0 {
		zsl.node(f).backward = n.backward
	} else {
		zsl.tail = n.backward
	}
	for zsl.level > 1 && zsl.hdr[zsl.level-1].forward == 0 {
		zsl.level--
	}
	zsl.hdr = zsl.hdr[:zsl.level]
	zsl.length--
}

// remove unlinks node x, which must be in the list (it stays allocated).
func (zsl *zskiplist) remove(x zref) {
	var update [zslMaxLevel]zref
	zsl.findUpdate(zsl.score(x), zsl.member(x), &update)
	if zsl.fwd(update[0], 0) != x {
		panic("kv: zset skiplist node not found where its score says")
	}
	zsl.unlink(x, &update)
}

// updateScore moves node x to score (Redis's zslUpdateScore): in place when
// its neighbours keep it in order, otherwise unlinked and re-linked with the
// same height.
func (zsl *zskiplist) updateScore(x zref, score float64) {
	n := zsl.node(x)
	if (n.backward == 0 || zsl.score(n.backward) < score) &&
		(n.l0.forward == 0 || zsl.score(n.l0.forward) > score) {
		n.score = score
		return
	}
	zsl.remove(x)
	n = zsl.node(x)
	n.score = score
	n.backward = 0
	zsl.insertNode(x)
}

// rankOf returns the 1-based rank of the node holding (score, member), 0 if
// there is none.
func (zsl *zskiplist) rankOf(score float64, member string) int {
	rank := 0
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := zsl.lv(p, i)
			f := l.forward
			if f == 0 {
				break
			}
			fs := zsl.score(f)
			if !(fs < score || (fs == score && zsl.member(f) <= member)) {
				break
			}
			rank += int(l.span)
			p = f
		}
		if p != 0 && zsl.member(p) == member {
			return rank
		}
	}
	return 0
}

// byRank returns the node of 1-based rank, or 0 when out of range.
func (zsl *zskiplist) byRank(rank int) zref {
	if rank < 1 || rank > zsl.length {
		return 0
	}
	traversed := 0
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := zsl.lv(p, i)
			if l.forward == 0 || traversed+int(l.span) > rank {
				break
			}
			traversed += int(l.span)
			p = l.forward
		}
		if traversed == rank {
			return p
		}
	}
	return 0
}

// zrangeSpec is a score interval; minex/maxex make a bound exclusive.
type zrangeSpec struct {
	min, max     float64
	minex, maxex bool
}

func (r *zrangeSpec) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *zrangeSpec) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

// empty reports whether no score can be in the interval.
func (r *zrangeSpec) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minex || r.maxex))
}

// firstInRange returns the lowest node whose score is in r, or 0.
func (zsl *zskiplist) firstInRange(r *zrangeSpec) zref {
	if r.empty() || zsl.tail == 0 || !r.gteMin(zsl.score(zsl.tail)) || !r.lteMax(zsl.score(zsl.first())) {
		return 0
	}
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && !r.gteMin(zsl.score(f)); f = zsl.fwd(p, i) {
			p = f
		}
	}
	p = zsl.fwd(p, 0)
	if p == 0 || !r.lteMax(zsl.score(p)) {
		return 0
	}
	return p
}

// lastInRange returns the highest node whose score is in r, or 0.
func (zsl *zskiplist) lastInRange(r *zrangeSpec) zref {
	if r.empty() || zsl.tail == 0 || !r.gteMin(zsl.score(zsl.tail)) || !r.lteMax(zsl.score(zsl.first())) {
		return 0
	}
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && r.lteMax(zsl.score(f)); f = zsl.fwd(p, i) {
			p = f
		}
	}
	if p == 0 || !r.gteMin(zsl.score(p)) {
		return 0
	}
	return p
}

// zlexBound is one end of a lex range: a string, or -inf ("-") / +inf ("+").
type zlexBound struct {
	s   string
	inf int8 // -1 for "-", +1 for "+", 0 for s
}

// zlexRangeSpec is a member interval; minex/maxex make a bound exclusive.
type zlexRangeSpec struct {
	min, max     zlexBound
	minex, maxex bool
}

// lexCmp compares a member with a bound (Redis's sdscmplex).
func lexCmp(v string, b *zlexBound) int {
	switch {
	case b.inf < 0:
		return 1
	case b.inf > 0:
		return -1
	case v < b.s:
		return -1
	case v > b.s:
		return 1
	}
	return 0
}

func (r *zlexRangeSpec) gteMin(v string) bool {
	if r.minex {
		return lexCmp(v, &r.min) > 0
	}
	return lexCmp(v, &r.min) >= 0
}

func (r *zlexRangeSpec) lteMax(v string) bool {
	if r.maxex {
		return lexCmp(v, &r.max) < 0
	}
	return lexCmp(v, &r.max) <= 0
}

// empty reports whether no member can be in the interval.
func (r *zlexRangeSpec) empty() bool {
	var cmp int
	a, b := &r.min, &r.max
	switch {
	case a.inf != 0 && a.inf == b.inf:
		cmp = 0
	case a.inf < 0 || b.inf > 0:
		cmp = -1
	case a.inf > 0 || b.inf < 0:
		cmp = 1
	default:
		cmp = lexCmp(a.s, b)
	}
	return cmp > 0 || (cmp == 0 && (r.minex || r.maxex))
}

// firstInLexRange returns the lowest node whose member is in r, or 0.
func (zsl *zskiplist) firstInLexRange(r *zlexRangeSpec) zref {
	if r.empty() || zsl.tail == 0 || !r.gteMin(zsl.member(zsl.tail)) || !r.lteMax(zsl.member(zsl.first())) {
		return 0
	}
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && !r.gteMin(zsl.member(f)); f = zsl.fwd(p, i) {
			p = f
		}
	}
	p = zsl.fwd(p, 0)
	if p == 0 || !r.lteMax(zsl.member(p)) {
		return 0
	}
	return p
}

// lastInLexRange returns the highest node whose member is in r, or 0.
func (zsl *zskiplist) lastInLexRange(r *zlexRangeSpec) zref {
	if r.empty() || zsl.tail == 0 || !r.gteMin(zsl.member(zsl.tail)) || !r.lteMax(zsl.member(zsl.first())) {
		return 0
	}
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && r.lteMax(zsl.member(f)); f = zsl.fwd(p, i) {
			p = f
		}
	}
	if p == 0 || !r.gteMin(zsl.member(p)) {
		return 0
	}
	return p
}

// deleteFrom unlinks the consecutive nodes that follow update[0] while
// inRange holds for them, calling gone for each (which must free it); it
// returns how many went.
func (zsl *zskiplist) deleteFrom(update *[zslMaxLevel]zref, inRange func(zref) bool, gone func(zref)) int {
	removed := 0
	x := zsl.fwd(update[0], 0)
	for x != 0 && inRange(x) {
		next := zsl.next(x)
		zsl.unlink(x, update)
		gone(x)
		removed++
		x = next
	}
	return removed
}

// deleteRangeByScore removes every node with a score in r.
func (zsl *zskiplist) deleteRangeByScore(r *zrangeSpec, gone func(zref)) int {
	var update [zslMaxLevel]zref
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for f := zsl.fwd(p, i); f != 0 && !r.gteMin(zsl.score(f)); f = zsl.fwd(p, i) {
			p = f
		}
		update[i] = p
	}
	return zsl.deleteFrom(&update, func(x zref) bool { return r.lteMax(zsl.score(x)) }, gone)
}

// deleteRunFrom removes x and the nodes that follow it while inRange holds.
func (zsl *zskiplist) deleteRunFrom(x zref, inRange func(zref) bool, gone func(zref)) int {
	var update [zslMaxLevel]zref
	zsl.findUpdate(zsl.score(x), zsl.member(x), &update)
	return zsl.deleteFrom(&update, inRange, gone)
}

// deleteRangeByRank removes the nodes of 1-based ranks start..end.
func (zsl *zskiplist) deleteRangeByRank(start, end int, gone func(zref)) int {
	var update [zslMaxLevel]zref
	traversed := 0
	var p zref
	for i := zsl.level - 1; i >= 0; i-- {
		for {
			l := zsl.lv(p, i)
			if l.forward == 0 || traversed+int(l.span) >= start {
				break
			}
			traversed += int(l.span)
			p = l.forward
		}
		update[i] = p
	}
	rank := traversed + 1
	return zsl.deleteFrom(&update, func(zref) bool {
		ok := rank <= end
		rank++
		return ok
	}, gone)
}

// zslBuilder appends nodes in ascending order to an empty list in O(1) each
// (snapshot restore, COPY, ZUNIONSTORE results).
type zslBuilder struct {
	zsl      *zskiplist
	last     [zslMaxLevel]zref // 0: the header
	lastRank [zslMaxLevel]int
}

func newZslBuilder(zsl *zskiplist) *zslBuilder {
	if zsl.length != 0 {
		panic("kv: zslBuilder on a non-empty skiplist")
	}
	return &zslBuilder{zsl: zsl}
}

// append links x, which must sort after every node already appended.
func (b *zslBuilder) append(x zref) {
	zsl := b.zsl
	h := zsl.height(x)
	for zsl.level < h {
		zsl.hdr = append(zsl.hdr, zslLevel{})
		zsl.level++
	}
	zsl.length++
	for i := range h {
		l := zsl.lv(b.last[i], i)
		l.forward = x
		l.span = uint32(zsl.length - b.lastRank[i])
		b.last[i] = x
		b.lastRank[i] = zsl.length
	}
	zsl.node(x).backward = zsl.tail
	zsl.tail = x
}

// finish sets the spans of the trailing nil links.
func (b *zslBuilder) finish() {
	for i := 0; i < b.zsl.level; i++ {
		l := b.zsl.lv(b.last[i], i)
		l.forward = 0
		l.span = uint32(b.zsl.length - b.lastRank[i])
	}
}

// zmemberIndex maps members to their nodes: a chained hash table with
// power-of-two sizes, like Redis's dict (and kv's dict), with Redis's
// reverse-binary SCAN cursor. Chains run through the nodes' hnext. The
// bucket array is paged (paged.go): a resize of a big set's index never
// allocates it in one piece. A resize of more than zindexRehashAtOnce
// buckets is incremental (like the keyspace's, dict.go): each add or remove
// moves a few buckets of the old table, so no single ZADD pays for
// rehashing millions of members. Nothing a reader sees depends on the
// rehash's progress (scan's buckets are canonical, below).
type zmemberIndex struct {
	zsl     *zskiplist  // the pool of the nodes
	buckets paged[zref] // the current table (the new one while rehashing)
	count   int
	// While rehashing: the previous table; its buckets below moved are
	// empty (their nodes are in buckets). Nodes added meanwhile go to
	// buckets.
	old   paged[zref]
	moved int
}

const (
	// zindexMinSize is the smallest table (Redis's DICT_HT_INITIAL_SIZE).
	zindexMinSize = 4
	// zindexShrinkFill: shrink when under 1/zindexShrinkFill full (Redis's
	// HASHTABLE_MIN_FILL, 10%, checked after every zset deletion).
	zindexShrinkFill = 10
	// zindexRehashAtOnce: tables of at most this many buckets are rehashed
	// at once. The steps of a bigger rehash are dict's (dictRehashVisits,
	// dictRehashMoves).
	zindexRehashAtOnce = 1024
)

func (d *zmemberIndex) rehashing() bool { return d.old.len() > 0 }

func (d *zmemberIndex) hnext(x zref) zref { return d.zsl.node(x).hnext }

func (d *zmemberIndex) find(member string) zref {
	if d.count == 0 {
		return 0
	}
	h := hashString(member)
	for x := d.buckets.at(int(h & uint64(d.buckets.len()-1))); x != 0; x = d.hnext(x) {
		if d.zsl.member(x) == member {
			return x
		}
	}
	if d.rehashing() {
		if ob := int(h & uint64(d.old.len()-1)); ob >= d.moved {
			for x := d.old.at(ob); x != 0; x = d.hnext(x) {
				if d.zsl.member(x) == member {
					return x
				}
			}
		}
	}
	return 0
}

// add inserts x, whose member must not be present.
func (d *zmemberIndex) add(x zref) {
	if d.rehashing() {
		d.rehashStep()
	}
	if d.count >= d.buckets.len() {
		d.resize(d.count + 1)
	}
	i := int(hashString(d.zsl.member(x)) & uint64(d.buckets.len()-1))
	d.zsl.node(x).hnext = d.buckets.at(i)
	d.buckets.set(i, x)
	d.count++
}

// remove unlinks x, which must be present.
func (d *zmemberIndex) remove(x zref) {
	if d.rehashing() {
		d.rehashStep()
	}
	if !d.swap(hashString(d.zsl.member(x)), x, d.hnext(x)) {
		panic("kv: zset member missing from its index")
	}
	d.zsl.node(x).hnext = 0
	d.count--
	if d.buckets.len() > zindexMinSize && d.count*zindexShrinkFill < d.buckets.len() {
		d.resize(d.count)
	}
}

// replace puts node to where node from is in its chain (to already has
// from's member and hnext).
func (d *zmemberIndex) replace(from, to zref) {
	if !d.swap(hashString(d.zsl.member(to)), from, to) {
		panic("kv: zset member to relocate missing from its index")
	}
}

// swap puts to where from, of hash h, is in its chain, in the current
// table or (while rehashing, in a bucket not moved yet) the old one, and
// reports whether from was there. to == from's hnext unlinks from.
func (d *zmemberIndex) swap(h uint64, from, to zref) bool {
	if d.swapIn(d.buckets.ref(int(h&uint64(d.buckets.len()-1))), from, to) {
		return true
	}
	if !d.rehashing() {
		return false
	}
	ob := int(h & uint64(d.old.len()-1))
	return ob >= d.moved && d.swapIn(d.old.ref(ob), from, to)
}

// swapIn replaces from with to in the chain whose head is *head and
// reports whether from was there.
func (d *zmemberIndex) swapIn(head *zref, from, to zref) bool {
	if *head == from {
		*head = to
		return true
	}
	for p := *head; p != 0; {
		n := d.zsl.node(p)
		if n.hnext == from {
			n.hnext = to
			return true
		}
		p = n.hnext
	}
	return false
}

// resize starts rehashing into the smallest power of two >= max(n,
// zindexMinSize) buckets, after finishing a rehash under way.
func (d *zmemberIndex) resize(n int) {
	size := zindexMinSize
	for size < n {
		size *= 2
	}
	if size == d.buckets.len() {
		return
	}
	d.finishRehash()
	d.old, d.moved = d.buckets, 0
	d.buckets = newPaged[zref](size)
	if d.old.len() <= zindexRehashAtOnce {
		d.finishRehash()
	}
}

// rehashStep moves up to dictRehashMoves non-empty old buckets, visiting at
// most dictRehashVisits.
func (d *zmemberIndex) rehashStep() {
	n := d.old.len()
	for visits, moves := 0, 0; d.moved < n && visits < dictRehashVisits && moves < dictRehashMoves; visits++ {
		if d.moveBucket() {
			moves++
		}
	}
	if d.moved == n {
		d.old, d.moved = paged[zref]{}, 0
	}
}

// finishRehash moves what is left of the old table.
func (d *zmemberIndex) finishRehash() {
	for n := d.old.len(); d.moved < n; {
		d.moveBucket()
	}
	d.old, d.moved = paged[zref]{}, 0
}

// moveBucket empties old bucket moved into the current table and reports
// whether it held anything (chain order does not matter: scan sorts).
func (d *zmemberIndex) moveBucket() bool {
	p := d.old.ref(d.moved)
	d.moved++
	x := *p
	if x == 0 {
		return false
	}
	*p = 0
	mask := uint64(d.buckets.len() - 1)
	for x != 0 {
		n := d.zsl.node(x)
		next := n.hnext
		i := int(hashString(d.zsl.member(x)) & mask)
		n.hnext = d.buckets.at(i)
		d.buckets.set(i, x)
		x = next
	}
	return true
}

// canonicalNodes appends to nodes the nodes of table t (its buckets below
// from already moved away) whose hash & mask is c: the buckets c, c+size,
// ... when t is at least size buckets, else those of its bucket c & (its
// mask) that agree with c.
func (d *zmemberIndex) canonicalNodes(t *paged[zref], from int, c, mask uint64, nodes []zref) []zref {
	n := t.len()
	if n == 0 {
		return nodes
	}
	if uint64(n) > mask {
		for b := c; b < uint64(n); b += mask + 1 {
			if int(b) < from {
				continue
			}
			for x := t.at(int(b)); x != 0; x = d.hnext(x) {
				nodes = append(nodes, x)
			}
		}
		return nodes
	}
	if b := int(c & uint64(n-1)); b >= from {
		for x := t.at(b); x != 0; x = d.hnext(x) {
			if hashString(d.zsl.member(x))&mask == c {
				nodes = append(nodes, x)
			}
		}
	}
	return nodes
}

// scan calls fn for every node in the bucket addressed by cursor and returns
// the next cursor, 0 when the iteration is complete (Redis's dictScan on a
// table that is not rehashing). A member present from the first call to the
// last is visited at least once even if the table is resized in between.
//
// The buckets are those of a table of the canonical size for the current
// member count (the smallest power of two that holds them), not of the
// index itself, whose size depends on history (it shrinks late) and is not
// in snapshots: a canonical bucket holds the members whose hash agrees
// with it in its low bits, gathered from the index's table (never smaller)
// and, while it rehashes, the old one (canonicalNodes), and its members
// are visited sorted. So ZSCAN's pages are a function of the
// members only, the same on a replica that restored a snapshot (a script
// may write what ZSCAN returned).
func (d *zmemberIndex) scan(cursor uint64, fn func(zref)) uint64 {
	if d.buckets.len() == 0 {
		return 0
	}
	size := zindexMinSize
	for size < d.count {
		size *= 2
	}
	size = min(size, d.buckets.len())
	mask := uint64(size - 1)
	var buf [16]zref
	nodes := d.canonicalNodes(&d.buckets, 0, cursor&mask, mask, buf[:0])
	if d.rehashing() {
		nodes = d.canonicalNodes(&d.old, d.moved, cursor&mask, mask, nodes)
	}
	if len(nodes) > 1 {
		slices.SortFunc(nodes, func(a, b zref) int { return strings.Compare(d.zsl.member(a), d.zsl.member(b)) })
	}
	for _, x := range nodes {
		fn(x)
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}
