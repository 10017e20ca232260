package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
	"unsafe"

	"redraft/wire"
)

// omap is an insertion-ordered collection of distinct string keys, each with
// a value of type V (struct{} when only keys matter, as in sets). Hashes and
// sets that Redis would keep in a hash table are omaps; so are small hashes.
// Iteration is always in insertion order, never in Go map order.
//
// An omap has two modes:
//
//   - Compact (the zero value, ix == nil): keys and vals are dense slices in
//     insertion order, lookups are linear and deletes shift the tail down.
//     It is the counterpart of Redis's listpack and costs nothing per element
//     beyond the key and value themselves.
//   - Indexed (after makeIndexed, one way only): an open-addressing hash index
//     finds keys, deletes leave tombstones that are compacted away once they
//     outnumber the live elements (in steps in a big omap, see packStep),
//     every element carries a sequence number
//     that grows with insertion order (stable SCAN cursors, see scan), and
//     a Fenwick tree of live counts finds the element of a given rank (random
//     picks) in O(log n).
//
// Everything observable (iteration order, scan cursors, the element at a
// rank) depends only on the logical content: the elements, their order and,
// in indexed mode, their sequence numbers; never on where tombstones happen
// to lie. So a collection rebuilt from a snapshot answers exactly like the
// original.
type omap[V any] struct {
	// keys and vals are paged (paged.go): growing a big collection never
	// allocates or copies its arrays of strings in one piece.
	keys paged[string] // slot -> key ("" in a tombstone)
	vals paged[V]      // slot -> value (zero in a tombstone)
	live int           // elements (slots minus tombstones)
	ix   *omapIndex
	// track is set while a snapshot encodes this omap in pieces
	// (snaptrack.go): setAt and removeAt hand it an element of the cut
	// before changing it. nil otherwise.
	track *omapTrack[V]
}

// omapIndex is the indexed-mode state of an omap.
type omapIndex struct {
	// seqs holds each slot's sequence number, strictly increasing with the
	// slot; a tombstone keeps its number with omapDead set, so the array
	// stays sorted on seq&^omapDead and scan can binary-search it. seqs and
	// fen are paged (paged.go) like the keys and values: growing a plain
	// slice copies it whole, about 120 MB for both at 10M elements.
	seqs paged[uint64]
	// table is the hash index: 0 marks a free cell, otherwise slot+1.
	// Linear probing, backward-shift deletion, load <= omapLoadNum/omapLoadDen.
	table []int32
	// fen is a Fenwick tree over the slots: fen[i-1] counts the live slots
	// in (i-fenLowbit(i), i] (1-based), so rank selection is O(log slots).
	fen paged[int32]
	// nextSeq is the sequence number the next inserted element gets (>= 1).
	nextSeq uint64

	// While a grown index is rebuilt in steps (omapRehashAtOnce): old is
	// the previous table, never changed again (a delete only marks its slot
	// dead), which still finds the live slots in [moved, oldEnd); table
	// holds the others, those below moved and those added since. Nothing
	// observable depends on it: the index only finds slots.
	old           []int32
	moved, oldEnd int

	// While the tombstones of a big omap are compacted in steps
	// (packStep): the live slots from packFrom on move down to packTo, one
	// after the other in order, and the slots in [packTo, packFrom) are a
	// hole of dead slots whose sequence numbers are stale, so searchSeq and
	// nextSlot step over it. Elsewhere the sequence numbers stay sorted.
	// packTo == packFrom == 0 when packing is false.
	packing          bool
	packTo, packFrom int
}

const (
	// omapDead marks a tombstone's sequence number.
	omapDead = uint64(1) << 63
	// omapSeqMax bounds sequence numbers (they must stay clear of omapDead);
	// at one insertion per nanosecond it lasts three centuries.
	omapSeqMax = omapDead - 1
	// omapCompactMin: tombstones are compacted only when there are at least
	// this many of them and they outnumber the live elements, so a delete
	// costs O(1) amortised.
	omapCompactMin = 32
	// omapTableMin is the smallest hash index size (a power of two).
	omapTableMin = 8
	// omapLoadNum/omapLoadDen is the maximum load of the hash index.
	omapLoadNum, omapLoadDen = 3, 4
	// omapSlotsMax bounds the slot count: slot+1 must fit an int32.
	omapSlotsMax = math.MaxInt32 - 1
	// omapRehashAtOnce: an index growing from at most this many cells is
	// rebuilt at once; a bigger one in steps, each add or remove inserting
	// up to omapRehashMoves live slots of the old table's into the new one
	// (visiting at most omapRehashVisits slots). At 10M fields a rebuild at
	// once held one HSET for 0.5-1.1 s (BenchmarkGrowPause/hash).
	omapRehashAtOnce = 4096
	omapRehashMoves  = 8
	omapRehashVisits = 64
	// omapPackAtOnce: an omap of at most this many slots drops its
	// tombstones at once (compact); a bigger one in steps, each add or
	// remove moving up to omapPackMoves live slots down over the
	// tombstones (visiting at most omapPackVisits slots). At 10M fields a
	// compaction at once held one HDEL for 0.73-0.98 s, in steps the
	// longest took 3-9 ms (BenchmarkShrinkPause).
	omapPackAtOnce = 4096
	omapPackMoves  = 16
	omapPackVisits = 256
)

// Len returns the number of elements.
func (m *omap[V]) Len() int { return m.live }

// indexed reports whether the omap is in indexed mode.
func (m *omap[V]) indexed() bool { return m.ix != nil }

// dead reports whether slot i is a tombstone.
func (m *omap[V]) dead(i int) bool { return m.ix != nil && m.ix.seqs.at(i)&omapDead != 0 }

// find returns the slot holding key, or -1.
func (m *omap[V]) find(key string) int {
	if m.ix == nil {
		for i, k := range m.keys.head { // a compact omap is small: one page
			if k == key {
				return i
			}
		}
		for i := len(m.keys.head); i < m.keys.len(); i++ {
			if m.keys.at(i) == key {
				return i
			}
		}
		return -1
	}
	h := hashString(key)
	t := m.ix.table
	mask := uint64(len(t) - 1)
	for c := h & mask; ; c = (c + 1) & mask {
		s := t[c]
		if s == 0 {
			break
		}
		if m.keys.at(int(s-1)) == key {
			return int(s - 1)
		}
	}
	if m.ix.old == nil {
		return -1
	}
	// Not moved yet: the old table finds it. It also holds slots since
	// moved or deleted, which are skipped.
	ix := m.ix
	mask = uint64(len(ix.old) - 1)
	for c := h & mask; ; c = (c + 1) & mask {
		s := int(ix.old[c]) - 1
		if s < 0 {
			return -1
		}
		if s >= ix.moved && s < ix.oldEnd && ix.seqs.at(s)&omapDead == 0 && m.keys.at(s) == key {
			return s
		}
	}
}

// get returns the value of key.
func (m *omap[V]) get(key string) (V, bool) {
	if i := m.find(key); i >= 0 {
		return m.vals.at(i), true
	}
	var zero V
	return zero, false
}

// put sets key to v: in place when key exists (its position and sequence
// number do not change), appended at the end otherwise. key must be a string
// the omap may keep (not a view of borrowed bytes). It reports whether key
// was added.
func (m *omap[V]) put(key string, v V) bool {
	if i := m.find(key); i >= 0 {
		m.setAt(i, v)
		return false
	}
	m.add(key, v)
	return true
}

// add appends key, which must not be present.
func (m *omap[V]) add(key string, v V) {
	slot := m.keys.len()
	if slot >= omapSlotsMax {
		panic("kv: omap exceeds its slot limit")
	}
	m.keys.push(key)
	m.vals.push(v)
	m.live++
	if m.ix == nil {
		return
	}
	ix := m.ix
	if ix.nextSeq > omapSeqMax {
		panic("kv: omap sequence numbers exhausted")
	}
	ix.seqs.push(ix.nextSeq)
	ix.nextSeq++
	// The new Fenwick node covers (i-fenLowbit(i), i]: this slot plus the
	// nodes that tile (i-fenLowbit(i), i-1].
	i := slot + 1
	n := int32(1)
	for j := i - 1; j > i-fenLowbit(i); j -= fenLowbit(j) {
		n += ix.fen.at(j - 1)
	}
	ix.fen.push(n)
	if ix.old != nil {
		m.rehashStep()
	}
	if m.live*omapLoadDen > len(ix.table)*omapLoadNum {
		m.growTable(slot)
	}
	m.tableInsert(slot)
	if ix.packing && ix.old == nil {
		m.packStep()
	}
}

// setAt replaces the value in slot i (a live slot found with find).
func (m *omap[V]) setAt(i int, v V) {
	if m.track != nil {
		m.track.keep(m, i)
	}
	m.vals.set(i, v)
}

// remove deletes key and reports whether it was present.
func (m *omap[V]) remove(key string) bool {
	i := m.find(key)
	if i < 0 {
		return false
	}
	m.removeAt(i)
	return true
}

// removeAt deletes the live element in slot i.
func (m *omap[V]) removeAt(i int) {
	if m.track != nil {
		m.track.keep(m, i)
	}
	var zero V
	m.live--
	if m.ix == nil {
		m.keys.deleteAt(i)
		m.vals.deleteAt(i)
		return
	}
	ix := m.ix
	if ix.old != nil {
		m.rehashStep()
	}
	if ix.old == nil || i < ix.moved || i >= ix.oldEnd {
		m.tableDelete(i)
	} // else only the frozen old table has it: marking it dead is enough
	m.keys.set(i, "")
	m.vals.set(i, zero)
	*ix.seqs.ref(i) |= omapDead
	m.fenAdd(i, -1)
	switch {
	case ix.packing:
		if ix.old == nil {
			m.packStep()
		}
	case m.keys.len()-m.live >= omapCompactMin && m.keys.len()-m.live > m.live:
		if m.keys.len() <= omapPackAtOnce {
			m.compact()
		} else {
			ix.packing = true
		}
	}
}

// fenAdd adds d to slot i's count in the Fenwick tree.
func (m *omap[V]) fenAdd(i int, d int32) {
	fen := &m.ix.fen
	for j, n := i+1, fen.len(); j <= n; j += fenLowbit(j) {
		*fen.ref(j - 1) += d
	}
}

// each calls fn for every element in order until fn returns false.
func (m *omap[V]) each(fn func(k string, v V) bool) {
	m.keys.each(func(i int, k string) bool {
		return m.dead(i) || fn(k, m.vals.at(i))
	})
}

// at returns the slot of the element of rank r (0 <= r < Len) in iteration order.
func (m *omap[V]) at(r int) int {
	if r < 0 || r >= m.live {
		panic("kv: omap rank out of range")
	}
	if m.ix == nil || m.keys.len() == m.live {
		return r
	}
	// Descend the Fenwick tree: pos ends as the longest prefix of slots
	// holding at most r live elements, so slot pos holds rank r.
	fen := &m.ix.fen
	n := fen.len()
	pos := 0
	for step := 1 << (bits.Len(uint(n)) - 1); step > 0; step >>= 1 {
		if next := pos + step; next <= n && int(fen.at(next-1)) <= r {
			pos = next
			r -= int(fen.at(next - 1))
		}
	}
	return pos
}

// fenLowbit returns the lowest set bit of i (> 0).
func fenLowbit(i int) int { return i & -i }

// makeIndexed switches to indexed mode (no-op when already there): the
// elements keep their order and get sequence numbers 1..Len.
func (m *omap[V]) makeIndexed() {
	if m.ix != nil {
		return
	}
	ix := &omapIndex{seqs: newPaged[uint64](m.keys.len()), nextSeq: uint64(m.keys.len()) + 1}
	for i := range ix.seqs.len() {
		ix.seqs.set(i, uint64(i)+1)
	}
	m.ix = ix
	m.rebuildFenwick()
	m.rebuildTable()
}

// compact drops the tombstones at once, keeping order and sequence numbers,
// into exactly sized slices (releasing the memory of a collection that
// shrank).
func (m *omap[V]) compact() {
	ix := m.ix
	ix.packing, ix.packTo, ix.packFrom = false, 0, 0
	var keys paged[string]
	var vals paged[V]
	var seqs paged[uint64]
	m.keys.each(func(i int, k string) bool {
		if s := ix.seqs.at(i); s&omapDead == 0 {
			keys.push(k)
			vals.push(m.vals.at(i))
			seqs.push(s)
		}
		return true
	})
	m.keys, m.vals, ix.seqs = keys, vals, seqs
	m.rebuildFenwick()
	m.rebuildTable()
}

// packStep moves up to omapPackMoves live slots down over the tombstones,
// visiting at most omapPackVisits slots, and finishes the compaction when
// it reaches the last slot. Only while no index rebuild is under way: a
// move renames a slot, which the frozen old table could not follow.
//
// Nothing observable changes: the elements keep their order and sequence
// numbers, and a scan cursor or a snapshot's tracker finds its place by
// sequence number (searchSeq).
func (m *omap[V]) packStep() {
	ix := m.ix
	n := m.keys.len()
	for visits, moves := 0, 0; ix.packFrom < n && visits < omapPackVisits && moves < omapPackMoves; visits++ {
		from := ix.packFrom
		ix.packFrom++
		if ix.seqs.at(from)&omapDead != 0 {
			continue // the hole grows by one
		}
		if from != ix.packTo {
			m.moveSlot(from, ix.packTo)
			moves++
		}
		ix.packTo++
	}
	if ix.packFrom == n {
		m.finishPack()
	}
}

// moveSlot moves the live element in slot from into the hole's first slot
// to (< from), which leaves it dead; its index cell and Fenwick counts
// follow.
func (m *omap[V]) moveSlot(from, to int) {
	ix := m.ix
	key := m.keys.at(from)
	t := ix.table
	mask := uint64(len(t) - 1)
	c := hashString(key) & mask
	for int(t[c]) != from+1 {
		if t[c] == 0 {
			panic("kv: omap index lost a slot being moved")
		}
		c = (c + 1) & mask
	}
	t[c] = int32(to + 1)
	m.keys.set(to, key)
	m.vals.set(to, m.vals.at(from))
	ix.seqs.set(to, ix.seqs.at(from))
	var zero V
	m.keys.set(from, "")
	m.vals.set(from, zero)
	*ix.seqs.ref(from) |= omapDead
	m.fenAdd(to, 1)
	m.fenAdd(from, -1)
}

// finishPack ends a compaction whose hole reached the last slot: the slots
// from the hole on are dropped (their pages released), and an index sized
// for the elements before the compaction is rebuilt smaller, in steps.
func (m *omap[V]) finishPack() {
	ix := m.ix
	n := ix.packTo
	m.keys.truncate(n)
	m.vals.truncate(n)
	ix.seqs.truncate(n)
	// A Fenwick node covers slots at or below its own, so the first n
	// nodes hold the counts of the first n slots.
	ix.fen.truncate(n)
	ix.packing, ix.packTo, ix.packFrom = false, 0, 0
	if len(ix.table) > m.tableSize() {
		m.growTable(n)
	}
}

// searchSeq returns the first slot (in slot order) whose sequence number,
// dead or alive, is >= seq, or the slot count; never a slot of a
// compaction's hole.
func (m *omap[V]) searchSeq(seq uint64) int {
	ix := m.ix
	ns := ix.seqs.len()
	lo, hi := ix.packTo, ix.packFrom
	if i := sort.Search(lo, func(i int) bool { return ix.seqs.at(i)&^omapDead >= seq }); i < lo {
		return i
	}
	return hi + sort.Search(ns-hi, func(i int) bool { return ix.seqs.at(hi+i)&^omapDead >= seq })
}

// nextSlot returns the slot after i, stepping over a compaction's hole.
func (m *omap[V]) nextSlot(i int) int {
	i++
	if m.ix != nil && i == m.ix.packTo && m.ix.packing {
		i = m.ix.packFrom
	}
	return i
}

// rebuildFenwick builds the Fenwick tree of live slots in O(slots).
func (m *omap[V]) rebuildFenwick() {
	m.ix.fen = omapBuildFenwick(&m.ix.seqs)
}

func omapBuildFenwick(seqs *paged[uint64]) paged[int32] {
	n := seqs.len()
	fen := newPaged[int32](n)
	for i := 1; i <= n; i++ {
		if seqs.at(i-1)&omapDead == 0 {
			*fen.ref(i - 1)++
		}
		if j := i + fenLowbit(i); j <= n {
			*fen.ref(j - 1) += fen.at(i - 1)
		}
	}
	return fen
}

// tableSize is the hash index size for twice the live count (so it can
// grow before the next rebuild).
func (m *omap[V]) tableSize() int {
	size := omapTableMin
	for size*omapLoadNum < 2*m.live*omapLoadDen {
		size *= 2
	}
	return size
}

// rebuildTable builds the hash index at once (tableSize), reinserting
// every live slot.
func (m *omap[V]) rebuildTable() {
	m.ix.old, m.ix.moved, m.ix.oldEnd = nil, 0, 0
	m.ix.table = make([]int32, m.tableSize())
	for i := range m.keys.len() {
		if !m.dead(i) {
			m.tableInsert(i)
		}
	}
}

// growTable replaces the index with an empty one of tableSize and starts
// moving the slots below end (those of the old one) into it, after
// finishing a rebuild under way. A small index is rebuilt at once.
func (m *omap[V]) growTable(end int) {
	ix := m.ix
	m.finishRehash()
	ix.old, ix.moved, ix.oldEnd = ix.table, 0, end
	ix.table = make([]int32, m.tableSize())
	if len(ix.old) <= omapRehashAtOnce {
		m.finishRehash()
	}
}

// rehashStep moves up to omapRehashMoves live slots of the old table's,
// visiting at most omapRehashVisits.
func (m *omap[V]) rehashStep() {
	ix := m.ix
	for visits, moves := 0, 0; ix.moved < ix.oldEnd && visits < omapRehashVisits && moves < omapRehashMoves; visits++ {
		if ix.seqs.at(ix.moved)&omapDead == 0 {
			m.tableInsert(ix.moved)
			moves++
		}
		ix.moved++
	}
	if ix.moved == ix.oldEnd {
		ix.old, ix.moved, ix.oldEnd = nil, 0, 0
	}
}

// finishRehash moves the old table's remaining live slots.
func (m *omap[V]) finishRehash() {
	ix := m.ix
	for ; ix.moved < ix.oldEnd; ix.moved++ {
		if ix.seqs.at(ix.moved)&omapDead == 0 {
			m.tableInsert(ix.moved)
		}
	}
	ix.old, ix.moved, ix.oldEnd = nil, 0, 0
}

func (m *omap[V]) tableInsert(slot int) {
	t := m.ix.table
	mask := uint64(len(t) - 1)
	c := hashString(m.keys.at(slot)) & mask
	for t[c] != 0 {
		c = (c + 1) & mask
	}
	t[c] = int32(slot + 1)
}

// tableDelete removes slot from the hash index with backward-shift
// deletion, which keeps every probe sequence unbroken without tombstones.
func (m *omap[V]) tableDelete(slot int) {
	t := m.ix.table
	mask := uint64(len(t) - 1)
	c := hashString(m.keys.at(slot)) & mask
	for int(t[c]) != slot+1 {
		if t[c] == 0 {
			panic("kv: omap index lost a slot")
		}
		c = (c + 1) & mask
	}
	hole := c
	for j := (hole + 1) & mask; t[j] != 0; j = (j + 1) & mask {
		home := hashString(m.keys.at(int(t[j]-1))) & mask
		// The entry at j may move into the hole unless its home lies
		// cyclically in (hole, j].
		if (j-home)&mask >= (j-hole)&mask {
			t[hole] = t[j]
			hole = j
		}
	}
	t[hole] = 0
}

// scan returns up to count elements (via fn) in iteration order, starting
// with the first whose sequence number is >= cursor, and the cursor to
// continue from: the next element's sequence number, or 0 when the end was
// reached. Like Redis's dictScan it visits at most visitMax slots per call
// (tombstones included), so a call may return fewer than count elements.
//
// Because elements never change sequence number and new ones get higher
// numbers, an element present from the first call to the last is returned
// at least once (exactly once, in fact), whatever is added or removed in
// between. Indexed mode only.
func (m *omap[V]) scan(cursor uint64, count, visitMax int, fn func(k string, v V)) uint64 {
	seqs := &m.ix.seqs
	ns := seqs.len()
	i := m.searchSeq(cursor)
	for n, visited := 0, 0; i < ns && n < count && visited < visitMax; i = m.nextSlot(i) {
		visited++
		if seqs.at(i)&omapDead != 0 {
			continue
		}
		fn(m.keys.at(i), m.vals.at(i))
		n++
	}
	if i == ns {
		return 0
	}
	return seqs.at(i) &^ omapDead
}

// seqOf returns the sequence number of live slot i (indexed mode).
func (m *omap[V]) seqOf(i int) uint64 { return m.ix.seqs.at(i) }

// nextSeq returns the sequence number the next element will get (indexed mode).
func (m *omap[V]) nextSeq() uint64 { return m.ix.nextSeq }

// restoreIndexed appends an element with a given sequence number while
// rebuilding an indexed omap from a snapshot. Call it in order with strictly
// increasing seqs on an omap whose ix was created by newIndexedForRestore,
// and finishRestore at the end. It reports false for a duplicate key.
func (m *omap[V]) restoreIndexed(key string, v V, seq uint64) bool {
	if m.find(key) >= 0 {
		return false
	}
	m.ix.nextSeq = seq
	m.add(key, v)
	return true
}

// startRestore puts an empty omap in indexed mode for restoreIndexed.
func (m *omap[V]) startRestore() {
	m.ix = &omapIndex{nextSeq: 1, table: make([]int32, omapTableMin)}
}

// finishRestore sets the next sequence number after restoreIndexed calls.
func (m *omap[V]) finishRestore(next uint64) { m.ix.nextSeq = next }

// clone returns a deep copy (strings are immutable and shared).
func (m *omap[V]) clone() omap[V] {
	c := omap[V]{
		keys: m.keys.clone(),
		vals: m.vals.clone(),
		live: m.live,
	}
	if m.ix != nil {
		c.ix = &omapIndex{
			seqs:    m.ix.seqs.clone(),
			table:   append([]int32(nil), m.ix.table...),
			fen:     m.ix.fen.clone(),
			nextSeq: m.ix.nextSeq,
			// The copy finishes the rebuild (it is O(n) anyway) and goes
			// on with a compaction under way.
			moved: m.ix.moved, oldEnd: m.ix.oldEnd,
			packing: m.ix.packing, packTo: m.ix.packTo, packFrom: m.ix.packFrom,
		}
		c.finishRehash()
	}
	return c
}

// checkInvariants panics when the internal structure is inconsistent
// (tests and fuzzing call it).
func (m *omap[V]) checkInvariants() {
	if m.keys.len() != m.vals.len() {
		panic("kv: omap keys/vals length mismatch")
	}
	if m.ix == nil {
		if m.live != m.keys.len() {
			panic("kv: compact omap live count wrong")
		}
		return
	}
	ix := m.ix
	if ix.seqs.len() != m.keys.len() {
		panic("kv: omap seqs length mismatch")
	}
	if ix.old == nil && (ix.moved != 0 || ix.oldEnd != 0) || ix.moved > ix.oldEnd || ix.oldEnd > ix.seqs.len() {
		panic("kv: omap index rebuild state inconsistent")
	}
	if !ix.packing && (ix.packTo != 0 || ix.packFrom != 0) || ix.packTo > ix.packFrom || ix.packFrom > ix.seqs.len() {
		panic("kv: omap compaction state inconsistent")
	}
	live, indexed := 0, 0 // live slots, and those the current table holds
	var prev uint64
	for i := range ix.seqs.len() {
		s := ix.seqs.at(i)
		if i >= ix.packTo && i < ix.packFrom {
			if s&omapDead == 0 || m.keys.at(i) != "" {
				panic("kv: omap compaction hole holds an element")
			}
			continue
		}
		if s&^omapDead <= prev || s&^omapDead >= ix.nextSeq {
			panic("kv: omap sequence numbers out of order")
		}
		prev = s &^ omapDead
		if s&omapDead == 0 {
			live++
			if i < ix.moved || i >= ix.oldEnd {
				indexed++
			}
			if m.find(m.keys.at(i)) != i {
				panic("kv: omap index does not find a live slot")
			}
		}
	}
	if live != m.live {
		panic("kv: omap live count wrong")
	}
	n := 0
	for _, c := range ix.table {
		if c != 0 {
			n++
		}
	}
	if n != indexed || len(ix.table)&(len(ix.table)-1) != 0 {
		panic("kv: omap hash index inconsistent")
	}
	want := omapBuildFenwick(&ix.seqs)
	if want.len() != ix.fen.len() {
		panic("kv: omap Fenwick tree size wrong")
	}
	for i := range want.len() {
		if want.at(i) != ix.fen.at(i) {
			panic("kv: omap Fenwick tree inconsistent")
		}
	}
}

// collBytes views s as bytes without copying; the result must not be modified.
func collBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Snapshot support shared by Hash and Set.
//
// An indexed omap is encoded as
//
//	count uvarint | per element: seqDelta uvarint, key, value | nextDelta uvarint
//
// where seqDelta (>= 1) is the element's sequence number minus the previous
// one's (minus 0 for the first), nextDelta (>= 1) is nextSeq minus the last
// sequence number, a key is its length (uvarint) and bytes, and a value is
// whatever the caller's encoder writes. Only the logical state is encoded
// (tombstones are not), so equal collections encode to identical bytes.

// errCollSnapshot is the sentinel every hash/set snapshot decoding error wraps.
var errCollSnapshot = errors.New("kv: corrupt hash/set snapshot")

// collSnapReader decodes snapshot bytes; the first error sticks.
type collSnapReader struct {
	b   []byte
	err error
}

func (r *collSnapReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{errCollSnapshot}, args...)...)
	}
}

func (r *collSnapReader) byte() byte {
	if r.err != nil {
		return 0
	}
	if len(r.b) == 0 {
		r.fail("truncated")
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *collSnapReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("bad uvarint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *collSnapReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.b = r.b[n:]
	return v
}

// count reads an element count, which must be in [1, max] and plausible:
// every element takes at least minBytes of the remaining input, so a corrupt
// count cannot make the decoder allocate more than the input justifies.
func (r *collSnapReader) count(max, minBytes int) int {
	n := r.uvarint()
	if r.err != nil {
		return 0
	}
	if n == 0 || n > uint64(max) || n > uint64(len(r.b)/minBytes) {
		r.fail("bad element count %d", n)
		return 0
	}
	return int(n)
}

// str reads a length-prefixed string of at most max bytes (copied).
func (r *collSnapReader) str(max int) string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(max) || n > uint64(len(r.b)) {
		r.fail("bad string length %d", n)
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// end fails unless all input was consumed.
func (r *collSnapReader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	return r.err
}

func appendCollString(dst []byte, s string) []byte {
	dst = snapRoom(dst, len(s))
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return wire.AppendLarge(dst, s)
}

// appendIndexedSnapshot encodes an indexed omap (see above).
func (m *omap[V]) appendIndexedSnapshot(dst []byte, appendVal func([]byte, V) []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(m.live))
	var prev uint64
	m.eachSlot(func(i int) {
		seq := m.ix.seqs.at(i)
		dst = binary.AppendUvarint(dst, seq-prev)
		prev = seq
		dst = appendCollString(dst, m.keys.at(i))
		dst = appendVal(dst, m.vals.at(i))
	})
	return binary.AppendUvarint(dst, m.ix.nextSeq-prev)
}

// eachSlot calls fn with every live slot in order.
func (m *omap[V]) eachSlot(fn func(i int)) {
	for i, n := 0, m.keys.len(); i < n; i = m.nextSlot(i) {
		if !m.dead(i) {
			fn(i)
		}
	}
}

// decodeIndexedSnapshot decodes what appendIndexedSnapshot wrote into an
// indexed omap. Keys are at most keyMax bytes; every element takes at least
// minBytes of input. It validates sequence numbers and key uniqueness.
func decodeIndexedSnapshot[V any](r *collSnapReader, keyMax, minBytes int, readVal func(*collSnapReader) V) omap[V] {
	var m omap[V]
	m.startRestore()
	n := r.count(omapSlotsMax, minBytes)
	var seq uint64
	for i := 0; i < n && r.err == nil; i++ {
		d := r.uvarint()
		k := r.str(keyMax)
		v := readVal(r)
		if r.err != nil {
			break
		}
		if d == 0 || d > omapSeqMax-seq {
			r.fail("bad sequence delta %d", d)
			break
		}
		seq += d
		if !m.restoreIndexed(k, v, seq) {
			r.fail("duplicate element")
		}
	}
	d := r.uvarint()
	if r.err == nil && (d == 0 || d > omapSeqMax-seq) {
		r.fail("bad next sequence delta %d", d)
	}
	if r.err == nil {
		m.finishRestore(seq + d)
	}
	return m
}
