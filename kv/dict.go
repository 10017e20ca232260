package kv

import "math/bits"

// dict is the keyspace: a chained hash table with power-of-two sizes and a
// fixed hash function, like Redis's dict. Its layout is a function of its
// keys and its size only: each chain is kept sorted by key, and the size
// (which depends on history: tables grow at once and shrink late) is part
// of the state that snapshots carry. So replicas iterate in the same order
// whether they applied the whole log or restored a snapshot and applied
// the rest (KEYS, SCAN and RANDOMKEY inside a script decide what it
// writes); it never depends on process-local seeds. It supports Redis's
// SCAN cursor (reverse-binary bucket order), which guarantees that a key
// present for a whole iteration is returned at least once even if the
// table is resized between calls.
//
// Resizing rehashes the whole table at once (Redis does it incrementally);
// at 1M keys that is a pause of a few tens of milliseconds.
type dict struct {
	buckets []*entry
	mask    uint64
	count   int
}

const (
	dictMinSize = 16
	// dictShrinkFill: shrink when fewer than 1/dictShrinkFill of the buckets are used (Redis: 10%).
	dictShrinkFill = 10
)

func newDict() *dict {
	return &dict{buckets: make([]*entry, dictMinSize), mask: dictMinSize - 1}
}

// hashString is a fixed 64-bit hash (multiply-xorshift over 8-byte words and
// a murmur3 finaliser). It must never change: SCAN cursors held by clients
// and bucket order depend on it.
func hashString(s string) uint64 {
	const (
		p1 = 0x9E3779B97F4A7C15
		p2 = 0xC2B2AE3D27D4EB4F
	)
	h := uint64(len(s)) * p1
	for len(s) >= 8 {
		v := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		h = bits.RotateLeft64(h^(v*p2), 31) * p1
		s = s[8:]
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	h = bits.RotateLeft64(h^(v*p2), 31) * p1
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (d *dict) len() int { return d.count }

// size returns the number of buckets (a power of two, at least dictMinSize).
func (d *dict) size() int { return len(d.buckets) }

// validSize reports whether a table of size buckets can hold count keys in
// a state a dict reaches: a power of two, at least dictMinSize, no fewer
// buckets than keys (add grows first) and, above the minimum, no more
// than dictShrinkFill buckets per key (remove shrinks).
func validDictSize(size uint64, count int) bool {
	if size < dictMinSize || size&(size-1) != 0 || size < uint64(count) {
		return false
	}
	return size == dictMinSize || uint64(count)*dictShrinkFill >= size
}

// link puts e into its bucket's chain, kept sorted by key.
func (d *dict) link(e *entry) {
	p := &d.buckets[hashString(e.key)&d.mask]
	for *p != nil && (*p).key < e.key {
		p = &(*p).next
	}
	e.next = *p
	*p = e
}

func (d *dict) get(key string) *entry {
	for e := d.buckets[hashString(key)&d.mask]; e != nil && e.key <= key; e = e.next {
		if e.key == key {
			return e
		}
	}
	return nil
}

// add inserts e, whose key must not be present.
func (d *dict) add(e *entry) {
	if d.count >= len(d.buckets) {
		d.resize(len(d.buckets) * 2)
	}
	d.link(e)
	d.count++
}

// remove unlinks and returns the entry for key, or nil.
func (d *dict) remove(key string) *entry {
	i := hashString(key) & d.mask
	var prev *entry
	for e := d.buckets[i]; e != nil; prev, e = e, e.next {
		if e.key == key {
			if prev == nil {
				d.buckets[i] = e.next
			} else {
				prev.next = e.next
			}
			e.next = nil
			d.count--
			if len(d.buckets) > dictMinSize && d.count*dictShrinkFill < len(d.buckets) {
				d.resize(d.count)
			}
			return e
		}
	}
	return nil
}

// resize rehashes into the smallest power of two >= max(n, dictMinSize).
func (d *dict) resize(n int) {
	size := dictMinSize
	for size < n {
		size *= 2
	}
	if size == len(d.buckets) {
		return
	}
	old := d.buckets
	d.buckets, d.mask = make([]*entry, size), uint64(size-1)
	// Growing, each new chain comes from one old chain, in its (sorted)
	// order, so appending at the tail keeps it sorted; shrinking merges
	// old chains, and link finds each entry's place.
	tails := make([]*entry, size)
	for _, e := range old {
		for e != nil {
			next := e.next
			e.next = nil
			i := hashString(e.key) & d.mask
			switch t := tails[i]; {
			case t == nil && d.buckets[i] == nil:
				d.buckets[i], tails[i] = e, e
			case t != nil && t.key < e.key:
				t.next, tails[i] = e, e
			default:
				d.link(e)
				if e.next == nil {
					tails[i] = e
				}
			}
			e = next
		}
	}
}

// scan calls fn for every entry in the bucket addressed by cursor and
// returns the next cursor (0 when the iteration is complete). This is
// Redis's reverse-binary cursor: increment the reversed bits of the masked
// cursor.
func (d *dict) scan(cursor uint64, fn func(e *entry)) uint64 {
	for e := d.buckets[cursor&d.mask]; e != nil; e = e.next {
		fn(e)
	}
	cursor |= ^d.mask
	cursor = bits.Reverse64(cursor)
	cursor++
	cursor = bits.Reverse64(cursor)
	return cursor
}

// each calls fn for every entry in bucket order until fn returns false.
func (d *dict) each(fn func(e *entry) bool) {
	for _, e := range d.buckets {
		for e != nil {
			next := e.next
			if !fn(e) {
				return
			}
			e = next
		}
	}
}

// random returns a pseudo-random entry chosen with r, or nil when empty.
// Like Redis it picks a random non-empty bucket then a random chain element,
// so it is not exactly uniform.
func (d *dict) random(r *Rand) *entry {
	if d.count == 0 {
		return nil
	}
	var head *entry
	for head == nil {
		head = d.buckets[r.Uint64()&d.mask]
	}
	n := 0
	for e := head; e != nil; e = e.next {
		n++
	}
	k := r.Intn(n)
	e := head
	for ; k > 0; k-- {
		e = e.next
	}
	return e
}
