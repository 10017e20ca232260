package kv

import (
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

// zslMaxLevel bounds the height of a node (Redis's ZSKIPLIST_MAXLEVEL). With
// a 1/4 promotion probability 32 levels index 2^64 elements.
const zslMaxLevel = 32

// zslNode is one element of a sorted set.
type zslNode struct {
	member   string
	score    float64
	backward *zslNode // previous node at level 0; nil for the first
	hnext    *zslNode // next node in the member hash chain
	level    []zslLevel
	one      [1]zslLevel // storage of level for single-level nodes (3 in 4)
}

// zslLevel is one forward link of a node and the number of level-0 steps it
// covers. A nil link's span is the number of nodes after its owner.
type zslLevel struct {
	forward *zslNode
	span    int
}

// zskiplist is Redis's zskiplist with the header embedded. It must not be
// copied once used (the header's first level lives inside it).
type zskiplist struct {
	header zslNode
	tail   *zslNode
	length int
	level  int // levels in use; len(header.level) == level
}

func (zsl *zskiplist) init() {
	zsl.header.level = zsl.header.one[:]
	zsl.level = 1
}

// newZslNode allocates a node of the given height.
func newZslNode(level int, score float64, member string) *zslNode {
	x := &zslNode{member: member, score: score}
	if level == 1 {
		x.level = x.one[:]
	} else {
		x.level = make([]zslLevel, level)
	}
	return x
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

// zslBefore reports whether node x sorts before (score, member).
func zslBefore(x *zslNode, score float64, member string) bool {
	return x.score < score || (x.score == score && x.member < member)
}

// next returns the following node in ascending order, or nil.
func (x *zslNode) next() *zslNode { return x.level[0].forward }

// first returns the lowest node, or nil.
func (zsl *zskiplist) first() *zslNode { return zsl.header.level[0].forward }

// insertNode links x, whose height is set and whose (score, member) is not
// in the list, at its place.
func (zsl *zskiplist) insertNode(x *zslNode) {
	var update [zslMaxLevel]*zslNode
	var rank [zslMaxLevel]int
	h := &zsl.header
	p := h
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for p.level[i].forward != nil && zslBefore(p.level[i].forward, x.score, x.member) {
			rank[i] += p.level[i].span
			p = p.level[i].forward
		}
		update[i] = p
	}
	level := len(x.level)
	for zsl.level < level {
		rank[zsl.level] = 0
		update[zsl.level] = h
		h.level = append(h.level, zslLevel{span: zsl.length})
		zsl.level++
	}
	for i := 0; i < level; i++ {
		x.level[i].forward = update[i].level[i].forward
		update[i].level[i].forward = x
		x.level[i].span = update[i].level[i].span - (rank[0] - rank[i])
		update[i].level[i].span = rank[0] - rank[i] + 1
	}
	for i := level; i < zsl.level; i++ {
		update[i].level[i].span++
	}
	if update[0] == h {
		x.backward = nil
	} else {
		x.backward = update[0]
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x
	} else {
		zsl.tail = x
	}
	zsl.length++
}

// findUpdate fills update with, per level, the last node before
// (score, member).
func (zsl *zskiplist) findUpdate(score float64, member string, update *[zslMaxLevel]*zslNode) {
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && zslBefore(p.level[i].forward, score, member) {
			p = p.level[i].forward
		}
		update[i] = p
	}
}

// unlink removes x given the update path that findUpdate computed for it.
func (zsl *zskiplist) unlink(x *zslNode, update *[zslMaxLevel]*zslNode) {
	for i := 0; i < zsl.level; i++ {
		if update[i].level[i].forward == x {
			update[i].level[i].span += x.level[i].span - 1
			update[i].level[i].forward = x.level[i].forward
		} else {
			update[i].level[i].span--
		}
	}
	if x.level[0].forward != nil {
		x.level[0].forward.backward = x.backward
	} else {
		zsl.tail = x.backward
	}
	for zsl.level > 1 && zsl.header.level[zsl.level-1].forward == nil {
		zsl.level--
	}
	zsl.header.level = zsl.header.level[:zsl.level]
	zsl.length--
}

// remove unlinks node x, which must be in the list.
func (zsl *zskiplist) remove(x *zslNode) {
	var update [zslMaxLevel]*zslNode
	zsl.findUpdate(x.score, x.member, &update)
	if update[0].level[0].forward != x {
		panic("kv: zset skiplist node not found where its score says")
	}
	zsl.unlink(x, &update)
}

// updateScore moves node x to score (Redis's zslUpdateScore): in place when
// its neighbours keep it in order, otherwise unlinked and re-linked with the
// same height.
func (zsl *zskiplist) updateScore(x *zslNode, score float64) {
	if (x.backward == nil || x.backward.score < score) &&
		(x.level[0].forward == nil || x.level[0].forward.score > score) {
		x.score = score
		return
	}
	zsl.remove(x)
	x.score = score
	x.backward = nil
	zsl.insertNode(x)
}

// rankOf returns the 1-based rank of the node holding (score, member), 0 if
// there is none.
func (zsl *zskiplist) rankOf(score float64, member string) int {
	rank := 0
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil &&
			(p.level[i].forward.score < score ||
				(p.level[i].forward.score == score && p.level[i].forward.member <= member)) {
			rank += p.level[i].span
			p = p.level[i].forward
		}
		if p != &zsl.header && p.member == member {
			return rank
		}
	}
	return 0
}

// byRank returns the node of 1-based rank, or nil when out of range.
func (zsl *zskiplist) byRank(rank int) *zslNode {
	if rank < 1 || rank > zsl.length {
		return nil
	}
	traversed := 0
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && traversed+p.level[i].span <= rank {
			traversed += p.level[i].span
			p = p.level[i].forward
		}
		if traversed == rank {
			return p
		}
	}
	return nil
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

// firstInRange returns the lowest node whose score is in r, or nil.
func (zsl *zskiplist) firstInRange(r *zrangeSpec) *zslNode {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.score) || !r.lteMax(zsl.first().score) {
		return nil
	}
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && !r.gteMin(p.level[i].forward.score) {
			p = p.level[i].forward
		}
	}
	p = p.level[0].forward
	if p == nil || !r.lteMax(p.score) {
		return nil
	}
	return p
}

// lastInRange returns the highest node whose score is in r, or nil.
func (zsl *zskiplist) lastInRange(r *zrangeSpec) *zslNode {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.score) || !r.lteMax(zsl.first().score) {
		return nil
	}
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && r.lteMax(p.level[i].forward.score) {
			p = p.level[i].forward
		}
	}
	if p == &zsl.header || !r.gteMin(p.score) {
		return nil
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

// firstInLexRange returns the lowest node whose member is in r, or nil.
func (zsl *zskiplist) firstInLexRange(r *zlexRangeSpec) *zslNode {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.member) || !r.lteMax(zsl.first().member) {
		return nil
	}
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && !r.gteMin(p.level[i].forward.member) {
			p = p.level[i].forward
		}
	}
	p = p.level[0].forward
	if p == nil || !r.lteMax(p.member) {
		return nil
	}
	return p
}

// lastInLexRange returns the highest node whose member is in r, or nil.
func (zsl *zskiplist) lastInLexRange(r *zlexRangeSpec) *zslNode {
	if r.empty() || zsl.tail == nil || !r.gteMin(zsl.tail.member) || !r.lteMax(zsl.first().member) {
		return nil
	}
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && r.lteMax(p.level[i].forward.member) {
			p = p.level[i].forward
		}
	}
	if p == &zsl.header || !r.gteMin(p.member) {
		return nil
	}
	return p
}

// deleteFrom unlinks the consecutive nodes that follow update[0] while
// inRange holds for them, calling gone for each; it returns how many went.
func (zsl *zskiplist) deleteFrom(update *[zslMaxLevel]*zslNode, inRange func(*zslNode) bool, gone func(*zslNode)) int {
	removed := 0
	x := update[0].level[0].forward
	for x != nil && inRange(x) {
		next := x.level[0].forward
		zsl.unlink(x, update)
		gone(x)
		removed++
		x = next
	}
	return removed
}

// deleteRangeByScore removes every node with a score in r.
func (zsl *zskiplist) deleteRangeByScore(r *zrangeSpec, gone func(*zslNode)) int {
	var update [zslMaxLevel]*zslNode
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && !r.gteMin(p.level[i].forward.score) {
			p = p.level[i].forward
		}
		update[i] = p
	}
	return zsl.deleteFrom(&update, func(x *zslNode) bool { return r.lteMax(x.score) }, gone)
}

// deleteRunFrom removes x and the nodes that follow it while inRange holds.
func (zsl *zskiplist) deleteRunFrom(x *zslNode, inRange func(*zslNode) bool, gone func(*zslNode)) int {
	var update [zslMaxLevel]*zslNode
	zsl.findUpdate(x.score, x.member, &update)
	return zsl.deleteFrom(&update, inRange, gone)
}

// deleteRangeByRank removes the nodes of 1-based ranks start..end.
func (zsl *zskiplist) deleteRangeByRank(start, end int, gone func(*zslNode)) int {
	var update [zslMaxLevel]*zslNode
	traversed := 0
	p := &zsl.header
	for i := zsl.level - 1; i >= 0; i-- {
		for p.level[i].forward != nil && traversed+p.level[i].span < start {
			traversed += p.level[i].span
			p = p.level[i].forward
		}
		update[i] = p
	}
	rank := traversed + 1
	return zsl.deleteFrom(&update, func(*zslNode) bool {
		ok := rank <= end
		rank++
		return ok
	}, gone)
}

// zslBuilder appends nodes in ascending order to an empty list in O(1) each
// (snapshot restore, COPY, ZUNIONSTORE results).
type zslBuilder struct {
	zsl      *zskiplist
	last     [zslMaxLevel]*zslNode
	lastRank [zslMaxLevel]int
}

func newZslBuilder(zsl *zskiplist) *zslBuilder {
	if zsl.length != 0 {
		panic("kv: zslBuilder on a non-empty skiplist")
	}
	b := &zslBuilder{zsl: zsl}
	for i := range b.last {
		b.last[i] = &zsl.header
	}
	return b
}

// append links x, which must sort after every node already appended.
func (b *zslBuilder) append(x *zslNode) {
	zsl := b.zsl
	for zsl.level < len(x.level) {
		zsl.header.level = append(zsl.header.level, zslLevel{})
		zsl.level++
	}
	zsl.length++
	for i := range x.level {
		b.last[i].level[i].forward = x
		b.last[i].level[i].span = zsl.length - b.lastRank[i]
		b.last[i] = x
		b.lastRank[i] = zsl.length
	}
	x.backward = zsl.tail
	zsl.tail = x
}

// finish sets the spans of the trailing nil links.
func (b *zslBuilder) finish() {
	for i := 0; i < b.zsl.level; i++ {
		b.last[i].level[i].forward = nil
		b.last[i].level[i].span = b.zsl.length - b.lastRank[i]
	}
}

// zmemberIndex maps members to their nodes: a chained hash table with
// power-of-two sizes, like Redis's dict (and kv's dict), with Redis's
// reverse-binary SCAN cursor. The bucket array is paged (paged.go): a
// resize of a big set's index never allocates it in one piece. A resize of
// more than zindexRehashAtOnce buckets is incremental (like the keyspace's,
// dict.go): each add or remove moves a few buckets of the old table, so no
// single ZADD pays for rehashing millions of members. Nothing a reader sees
// depends on the rehash's progress (scan's buckets are canonical, below).
type zmemberIndex struct {
	buckets paged[*zslNode] // the current table (the new one while rehashing)
	count   int
	// While rehashing: the previous table; its buckets below moved are
	// empty (their nodes are in buckets). Nodes added meanwhile go to
	// buckets.
	old   paged[*zslNode]
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

func (d *zmemberIndex) find(member string) *zslNode {
	if d.count == 0 {
		return nil
	}
	h := hashString(member)
	for x := d.buckets.at(int(h & uint64(d.buckets.len()-1))); x != nil; x = x.hnext {
		if x.member == member {
			return x
		}
	}
	if d.rehashing() {
		if ob := int(h & uint64(d.old.len()-1)); ob >= d.moved {
			for x := d.old.at(ob); x != nil; x = x.hnext {
				if x.member == member {
					return x
				}
			}
		}
	}
	return nil
}

// add inserts x, whose member must not be present.
func (d *zmemberIndex) add(x *zslNode) {
	if d.rehashing() {
		d.rehashStep()
	}
	if d.count >= d.buckets.len() {
		d.resize(d.count + 1)
	}
	i := int(hashString(x.member) & uint64(d.buckets.len()-1))
	x.hnext = d.buckets.at(i)
	d.buckets.set(i, x)
	d.count++
}

// remove unlinks x, which must be present.
func (d *zmemberIndex) remove(x *zslNode) {
	if d.rehashing() {
		d.rehashStep()
	}
	h := hashString(x.member)
	if !unlinkNode(d.buckets.ref(int(h&uint64(d.buckets.len()-1))), x) && !d.unlinkOld(h, x) {
		panic("kv: zset member missing from its index")
	}
	x.hnext = nil
	d.count--
	if d.buckets.len() > zindexMinSize && d.count*zindexShrinkFill < d.buckets.len() {
		d.resize(d.count)
	}
}

// unlinkOld removes x, of hash h, from the old table while rehashing and
// reports whether it was there.
func (d *zmemberIndex) unlinkOld(h uint64, x *zslNode) bool {
	if !d.rehashing() {
		return false
	}
	ob := int(h & uint64(d.old.len()-1))
	return ob >= d.moved && unlinkNode(d.old.ref(ob), x)
}

// unlinkNode removes x from the chain at p and reports whether it was there.
func unlinkNode(p **zslNode, x *zslNode) bool {
	for ; *p != nil; p = &(*p).hnext {
		if *p == x {
			*p = x.hnext
			return true
		}
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
	d.buckets = newPaged[*zslNode](size)
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
		d.old, d.moved = paged[*zslNode]{}, 0
	}
}

// finishRehash moves what is left of the old table.
func (d *zmemberIndex) finishRehash() {
	for n := d.old.len(); d.moved < n; {
		d.moveBucket()
	}
	d.old, d.moved = paged[*zslNode]{}, 0
}

// moveBucket empties old bucket moved into the current table and reports
// whether it held anything (chain order does not matter: scan sorts).
func (d *zmemberIndex) moveBucket() bool {
	p := d.old.ref(d.moved)
	d.moved++
	x := *p
	if x == nil {
		return false
	}
	*p = nil
	mask := uint64(d.buckets.len() - 1)
	for x != nil {
		next := x.hnext
		i := int(hashString(x.member) & mask)
		x.hnext = d.buckets.at(i)
		d.buckets.set(i, x)
		x = next
	}
	return true
}

// canonicalNodes appends to nodes the nodes of table t (its buckets below
// from already moved away) whose hash & mask is c: the buckets c, c+size,
// ... when t is at least size buckets, else those of its bucket c & (its
// mask) that agree with c.
func canonicalNodes(t *paged[*zslNode], from int, c, mask uint64, nodes []*zslNode) []*zslNode {
	n := t.len()
	if n == 0 {
		return nodes
	}
	if uint64(n) > mask {
		for b := c; b < uint64(n); b += mask + 1 {
			if int(b) < from {
				continue
			}
			for x := t.at(int(b)); x != nil; x = x.hnext {
				nodes = append(nodes, x)
			}
		}
		return nodes
	}
	if b := int(c & uint64(n-1)); b >= from {
		for x := t.at(b); x != nil; x = x.hnext {
			if hashString(x.member)&mask == c {
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
func (d *zmemberIndex) scan(cursor uint64, fn func(*zslNode)) uint64 {
	if d.buckets.len() == 0 {
		return 0
	}
	size := zindexMinSize
	for size < d.count {
		size *= 2
	}
	size = min(size, d.buckets.len())
	mask := uint64(size - 1)
	var buf [16]*zslNode
	nodes := canonicalNodes(&d.buckets, 0, cursor&mask, mask, buf[:0])
	if d.rehashing() {
		nodes = canonicalNodes(&d.old, d.moved, cursor&mask, mask, nodes)
	}
	if len(nodes) > 1 {
		slices.SortFunc(nodes, func(a, b *zslNode) int { return strings.Compare(a.member, b.member) })
	}
	for _, x := range nodes {
		fn(x)
	}
	cursor |= ^mask
	cursor = bits.Reverse64(cursor)
	cursor++
	return bits.Reverse64(cursor)
}
