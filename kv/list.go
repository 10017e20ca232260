package kv

import (
	"encoding/binary"
	"errors"
	"fmt"

	"redraft/wire"
)

// List is the value of a Redis list key: a chunked deque, in the spirit of
// Redis's quicklist. Elements live in a doubly linked sequence of chunks,
// each a small array of at most listChunkMax elements with free room on
// either side, so that:
//
//   - pushes and pops at both ends are O(1) (amortised: the first chunk's
//     array doubles up to listChunkMax, then full-size chunks are linked);
//   - reaching index i walks chunks from the nearer end, O(min(i, n-i)/listChunkMax),
//     and then reads or writes in place (LINDEX, LSET), so LRANGE start..stop
//     costs O(start/listChunkMax + stop-start);
//   - trimming k elements from an end (LTRIM, multi-pop) is O(k) at most,
//     whole chunks being dropped in O(1) each;
//   - inserting or removing in the middle (LINSERT, LREM) moves at most one
//     chunk's elements, splitting a full chunk or merging small neighbours,
//     never the whole list;
//   - no large contiguous allocation exists, however long the list.
//
// Elements are Go strings: immutable, so they are copied once when they enter
// (from borrowed arguments) and can be handed to replies or shared by clone
// without further copies.
//
// Invariants (checked by the tests): no chunk is empty; n is the sum of the
// chunk lengths; head and tail are nil exactly when n == 0; slots of a chunk's
// array outside its live window hold "" so that removed elements are not kept
// alive.
type List struct {
	head, tail *listChunk
	n          int
	// track is set while a snapshot encodes the list in pieces
	// (snaptrack_list.go); own hands it a chunk of the cut before the chunk
	// changes. epoch numbers the trackings: a chunk born in the current one
	// is not of the cut.
	track *listTrack
	epoch uint64
}

// Chunk sizing. 128 string headers are 2 KiB, the order of Redis's default
// 8 KiB listpack nodes once element bytes are counted, and small enough that
// moving one chunk's elements (a split, a merge, a middle insert) is cheap.
const (
	// listChunkMax bounds the elements of one chunk.
	listChunkMax = 128
	// listChunkMin is the array size of a list's first chunk; small lists stay small.
	listChunkMin = 8
	// listMergeMax: after a removal, a chunk is merged with a neighbour when
	// both together hold at most this many elements. It is below listChunkMax
	// so that a split (two halves of a full chunk) is never merged right back.
	listMergeMax = listChunkMax * 3 / 4
)

// listChunk holds the elements buf[lo:hi].
type listChunk struct {
	prev, next *listChunk
	buf        []string
	lo, hi     int
	born       uint64 // the list's epoch when created, kept or encoded (snaptrack_list.go)
}

func (k *listChunk) len() int { return k.hi - k.lo }

// listChunkSize returns the array size for a chunk that must hold n elements: a
// power of two between listChunkMin and listChunkMax.
func listChunkSize(n int) int {
	size := listChunkMin
	for size < n && size < listChunkMax {
		size *= 2
	}
	return size
}

// makeRoom ensures a free slot before lo (front) or at hi (back). The chunk
// must hold fewer than listChunkMax elements. A full array doubles, putting
// the new room on the requested side; otherwise the elements are re-centred,
// which moves at most listChunkMax strings.
func (k *listChunk) makeRoom(front bool) {
	n := k.len()
	if n >= listChunkMax {
		panic("kv: makeRoom on a full list chunk")
	}
	size := len(k.buf)
	var lo int
	if n == size {
		size = listChunkSize(n + 1)
		if front {
			lo = size - n
		}
		nb := make([]string, size)
		copy(nb[lo:], k.buf[k.lo:k.hi])
		k.buf, k.lo, k.hi = nb, lo, lo+n
		return
	}
	if front {
		lo = (size - n + 1) / 2
	} else {
		lo = (size - n) / 2
	}
	copy(k.buf[lo:], k.buf[k.lo:k.hi])
	// Clear the slots the window left behind.
	if lo > k.lo {
		clear(k.buf[k.lo:min(lo, k.hi)])
	} else {
		clear(k.buf[max(lo+n, k.lo):k.hi])
	}
	k.lo, k.hi = lo, lo+n
}

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

// linkAfter inserts chunk k after at (at nil: as the new head).
func (l *List) linkAfter(at, k *listChunk) {
	l.own(at)
	if at == nil {
		k.prev, k.next = nil, l.head
		if l.head != nil {
			l.head.prev = k
		} else {
			l.tail = k
		}
		l.head = k
		return
	}
	k.prev, k.next = at, at.next
	if at.next != nil {
		at.next.prev = k
	} else {
		l.tail = k
	}
	at.next = k
}

// unlink removes chunk k from the sequence (its elements are not counted
// here: callers adjust n).
func (l *List) unlink(k *listChunk) {
	l.own(k)
	l.own(k.prev)
	if k.prev != nil {
		k.prev.next = k.next
	} else {
		l.head = k.next
	}
	if k.next != nil {
		k.next.prev = k.prev
	} else {
		l.tail = k.prev
	}
	k.prev, k.next = nil, nil
}

// listNewChunkSize returns the array size of a chunk pushed next to end (the
// full end chunk, or nil for an empty list): a list's first chunk starts
// small, but a list that already fills a chunk is long, and its new end
// chunks start at full size instead of doubling their way there.
func listNewChunkSize(end *listChunk) int {
	if end == nil {
		return listChunkMin
	}
	return listChunkMax
}

// PushFront inserts s at the head.
func (l *List) PushFront(s string) {
	h := l.head
	if h == nil || h.len() == listChunkMax {
		size := listNewChunkSize(h)
		h = &listChunk{buf: make([]string, size), lo: size, hi: size, born: l.epoch}
		l.linkAfter(nil, h)
	} else if l.own(h); h.lo == 0 {
		h.makeRoom(true)
	}
	h.lo--
	h.buf[h.lo] = s
	l.n++
}

// PushBack inserts s at the tail.
func (l *List) PushBack(s string) {
	t := l.tail
	if t == nil || t.len() == listChunkMax {
		t = &listChunk{buf: make([]string, listNewChunkSize(t)), born: l.epoch}
		l.linkAfter(l.tail, t)
	} else if l.own(t); t.hi == len(t.buf) {
		t.makeRoom(false)
	}
	t.buf[t.hi] = s
	t.hi++
	l.n++
}

// PopFront removes and returns the head element; ok is false when the list is empty.
func (l *List) PopFront() (s string, ok bool) {
	h := l.head
	if h == nil {
		return "", false
	}
	l.own(h)
	s = h.buf[h.lo]
	h.buf[h.lo] = ""
	h.lo++
	l.n--
	if h.len() == 0 {
		l.unlink(h)
	}
	return s, true
}

// PopBack removes and returns the tail element; ok is false when the list is empty.
func (l *List) PopBack() (s string, ok bool) {
	t := l.tail
	if t == nil {
		return "", false
	}
	l.own(t)
	t.hi--
	s = t.buf[t.hi]
	t.buf[t.hi] = ""
	l.n--
	if t.len() == 0 {
		l.unlink(t)
	}
	return s, true
}

// locate returns the chunk holding element i (0 <= i < n) and the element's
// slot in that chunk's array, walking from the nearer end.
func (l *List) locate(i int) (*listChunk, int) {
	if i < 0 || i >= l.n {
		panic(fmt.Sprintf("kv: list index %d out of [0,%d)", i, l.n))
	}
	if i < l.n/2 {
		for k := l.head; ; k = k.next {
			if i < k.len() {
				return k, k.lo + i
			}
			i -= k.len()
		}
	}
	i = l.n - 1 - i // position counted from the tail
	for k := l.tail; ; k = k.prev {
		if i < k.len() {
			return k, k.hi - 1 - i
		}
		i -= k.len()
	}
}

// Index returns element i, 0 <= i < Len().
func (l *List) Index(i int) string {
	k, j := l.locate(i)
	return k.buf[j]
}

// Set replaces element i, 0 <= i < Len().
func (l *List) Set(i int, s string) {
	k, j := l.locate(i)
	l.own(k)
	k.buf[j] = s
}

// Insert inserts s so that it becomes element i, 0 <= i <= Len().
func (l *List) Insert(i int, s string) {
	switch {
	case i == 0:
		l.PushFront(s)
	case i == l.n:
		l.PushBack(s)
	default:
		k, j := l.locate(i)
		l.insertAt(k, j-k.lo, s)
	}
}

// insertAt inserts s at offset off (0 <= off <= k.len()) of chunk k.
func (l *List) insertAt(k *listChunk, off int, s string) {
	if k.len() == listChunkMax {
		switch {
		case off == 0 && k.prev == nil:
			l.PushFront(s)
			return
		case off == k.len() && k.next == nil:
			l.PushBack(s)
			return
		case off == 0 && k.prev.len() < listChunkMax:
			k = k.prev
			off = k.len()
		case off == k.len() && k.next != nil && k.next.len() < listChunkMax:
			k, off = k.next, 0
		default:
			// Split: the second half moves to a new chunk after k.
			half := listChunkMax / 2
			l.own(k)
			d := &listChunk{buf: make([]string, listChunkMax), born: l.epoch}
			d.hi = copy(d.buf, k.buf[k.lo+half:k.hi])
			clear(k.buf[k.lo+half : k.hi])
			k.hi = k.lo + half
			l.linkAfter(k, d)
			if off > half {
				k, off = d, off-half
			}
		}
	}
	// k has room for one more element; shift the shorter side.
	l.own(k)
	n := k.len()
	back := k.hi < len(k.buf)
	front := k.lo > 0
	if !back && !front {
		k.makeRoom(off <= n/2)
		back = k.hi < len(k.buf)
		front = k.lo > 0
	}
	if back && (!front || n-off <= off) {
		copy(k.buf[k.lo+off+1:k.hi+1], k.buf[k.lo+off:k.hi])
		k.hi++
	} else {
		copy(k.buf[k.lo-1:], k.buf[k.lo:k.lo+off])
		k.lo--
	}
	k.buf[k.lo+off] = s
	l.n++
}

// TrimFront removes the first m elements (m <= Len()).
func (l *List) TrimFront(m int) {
	if m < 0 || m > l.n {
		panic("kv: list trim out of range")
	}
	for m > 0 {
		h := l.head
		if c := h.len(); c <= m {
			l.unlink(h)
			l.n -= c
			m -= c
			continue
		}
		l.own(h)
		clear(h.buf[h.lo : h.lo+m])
		h.lo += m
		l.n -= m
		m = 0
	}
}

// TrimBack removes the last m elements (m <= Len()).
func (l *List) TrimBack(m int) {
	if m < 0 || m > l.n {
		panic("kv: list trim out of range")
	}
	for m > 0 {
		t := l.tail
		if c := t.len(); c <= m {
			l.unlink(t)
			l.n -= c
			m -= c
			continue
		}
		l.own(t)
		clear(t.buf[t.hi-m : t.hi])
		t.hi -= m
		l.n -= m
		m = 0
	}
}

// Remove deletes elements equal to val, scanning from the head (fromTail
// false) or from the tail, and stops after limit removals (limit <= 0: no
// limit). It returns the number removed. Cost: the chunks scanned, plus at
// most one merge per chunk touched.
func (l *List) Remove(val string, fromTail bool, limit int) int {
	removed := 0
	done := func() bool { return limit > 0 && removed == limit }
	if !fromTail {
		for k := l.head; k != nil && !done(); {
			next := k.next
			w := k.lo
			for r := k.lo; r < k.hi; r++ {
				x := k.buf[r]
				if x == val && !done() {
					l.own(k) // before the first change: the writes before it rewrote what was there
					removed++
					continue
				}
				k.buf[w] = x
				w++
			}
			if w != k.hi {
				l.n -= k.hi - w
				clear(k.buf[w:k.hi])
				k.hi = w
				l.afterRemove(k, false)
			}
			k = next
		}
		return removed
	}
	for k := l.tail; k != nil && !done(); {
		prev := k.prev
		w := k.hi
		for r := k.hi - 1; r >= k.lo; r-- {
			x := k.buf[r]
			if x == val && !done() {
				l.own(k)
				removed++
				continue
			}
			w--
			k.buf[w] = x
		}
		if w != k.lo {
			l.n -= w - k.lo
			clear(k.buf[k.lo:w])
			k.lo = w
			l.afterRemove(k, true)
		}
		k = prev
	}
	return removed
}

// afterRemove drops chunk k when it became empty, or merges it with the
// neighbour a scan already visited (the previous chunk for a scan from the
// head, the next one for a scan from the tail) when both are small, so that
// removals cannot leave a long list as a chain of nearly empty chunks. The
// chunks still to be scanned are left alone.
func (l *List) afterRemove(k *listChunk, fromTail bool) {
	switch {
	case k.len() == 0:
		l.unlink(k)
	case !fromTail && k.prev != nil && k.prev.len()+k.len() <= listMergeMax:
		l.merge(k.prev, k)
	case fromTail && k.next != nil && k.len()+k.next.len() <= listMergeMax:
		l.merge(k, k.next)
	}
}

// merge moves b's elements to the end of a (b follows a) and unlinks b.
func (l *List) merge(a, b *listChunk) {
	l.own(a)
	n := a.len() + b.len()
	if len(a.buf)-a.lo < n {
		nb := make([]string, listChunkSize(n))
		a.hi = copy(nb, a.buf[a.lo:a.hi])
		a.buf, a.lo = nb, 0
	}
	a.hi += copy(a.buf[a.hi:], b.buf[b.lo:b.hi])
	l.unlink(b)
}

// listIter is a position in a list: the slot i of chunk k, or past either
// end when k is nil.
type listIter struct {
	k *listChunk
	i int
}

// iterAt returns an iterator at element i (0 <= i < Len()).
func (l *List) iterAt(i int) listIter {
	k, j := l.locate(i)
	return listIter{k, j}
}

// front returns an iterator at the head (invalid when the list is empty).
func (l *List) front() listIter {
	if l.head == nil {
		return listIter{}
	}
	return listIter{l.head, l.head.lo}
}

// back returns an iterator at the tail (invalid when the list is empty).
func (l *List) back() listIter {
	if l.tail == nil {
		return listIter{}
	}
	return listIter{l.tail, l.tail.hi - 1}
}

func (it *listIter) valid() bool   { return it.k != nil }
func (it *listIter) value() string { return it.k.buf[it.i] }

// next moves towards the tail.
func (it *listIter) next() {
	it.i++
	if it.i == it.k.hi {
		it.k = it.k.next
		if it.k != nil {
			it.i = it.k.lo
		}
	}
}

// prev moves towards the head.
func (it *listIter) prev() {
	if it.i == it.k.lo {
		it.k = it.k.prev
		if it.k != nil {
			it.i = it.k.hi - 1
		}
		return
	}
	it.i--
}

// insertNear inserts s before the iterator's element (after it when after
// is true). The iterator is invalid afterwards.
func (l *List) insertNear(it listIter, s string, after bool) {
	off := it.i - it.k.lo
	if after {
		off++
	}
	l.insertAt(it.k, off, s)
}

// listBuilder builds a list of a known length for clone and the decoder:
// full chunks, the last one sized to what it holds.
type listBuilder struct {
	l    *List
	left int // elements still to come
}

func newListBuilder(n int) listBuilder { return listBuilder{l: &List{}, left: n} }

func (b *listBuilder) add(s string) {
	t := b.l.tail
	if t == nil || t.hi == len(t.buf) {
		size := min(b.left, listChunkMax)
		t = &listChunk{buf: make([]string, size)}
		b.l.linkAfter(b.l.tail, t)
	}
	t.buf[t.hi] = s
	t.hi++
	b.l.n++
	b.left--
}

// clone returns a deep copy (COPY, snapshots). Elements are immutable
// strings, so only the chunk structure is copied.
func (l *List) clone() *List {
	b := newListBuilder(l.n)
	for it := l.front(); it.valid(); it.next() {
		b.add(it.value())
	}
	return b.l
}

// Snapshot encoding of a list:
//
//	count uvarint | count × (len uvarint | bytes)
//
// Varints are minimal, so a list has exactly one encoding and equal lists
// encode to identical bytes.

// errListSnapshot is the sentinel every list decoding error wraps.
var errListSnapshot = errors.New("kv: corrupt list snapshot")

// appendSnapshot appends the value's snapshot encoding to dst.
func (l *List) appendSnapshot(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(l.n))
	for it := l.front(); it.valid(); it.next() {
		s := it.value()
		dst = snapRoom(dst, len(s))
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = wire.AppendLarge(dst, s)
	}
	return dst
}

// listReadUvarint decodes a minimal uvarint from the front of b.
func listReadUvarint(b []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: bad varint", errListSnapshot)
	}
	if n != listUvarintLen(v) {
		return 0, nil, fmt.Errorf("%w: non-minimal varint", errListSnapshot)
	}
	return v, b[n:], nil
}

func listUvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// decodeListSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input: every
// length is checked against the bytes that remain before anything is
// allocated, and trailing bytes are refused. An empty list decodes (the
// keyspace never holds one; the caller decides).
func decodeListSnapshot(b []byte) (*List, error) {
	count, b, err := listReadUvarint(b)
	if err != nil {
		return nil, err
	}
	// Every element takes at least its one-byte length.
	if count > uint64(len(b)) {
		return nil, fmt.Errorf("%w: %d elements in %d bytes", errListSnapshot, count, len(b))
	}
	lb := newListBuilder(int(count))
	for i := uint64(0); i < count; i++ {
		var n uint64
		n, b, err = listReadUvarint(b)
		if err != nil {
			return nil, err
		}
		if n > uint64(len(b)) {
			return nil, fmt.Errorf("%w: element %d truncated", errListSnapshot, i)
		}
		lb.add(string(b[:n]))
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", errListSnapshot, len(b))
	}
	return lb.l, nil
}
