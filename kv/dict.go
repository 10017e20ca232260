package kv

import (
	"math/bits"
	"slices"
	"strings"
)

// dict is the keyspace: a chained hash table with power-of-two sizes and a
// fixed hash function, like Redis's dict. What its readers see (scan, each,
// random: KEYS, SCAN and RANDOMKEY) is a function of its keys and its size
// only: they visit buckets in index order and each bucket's keys sorted,
// whatever order the chain holds them in (which depends on history). The
// size also depends on history (a table grows at once and shrinks late),
// so snapshots carry it. Replicas thus list keys in the same order whether
// they applied the whole log or restored a snapshot and applied the rest,
// which matters because a script may write what KEYS, SCAN or RANDOMKEY
// returned. Nothing depends on process-local seeds. It supports Redis's
// SCAN cursor (reverse-binary bucket order), which guarantees that a key
// present for a whole iteration is returned at least once even if the
// table is resized between calls.
//
// Resizing rehashes the whole table at once (Redis does it incrementally);
// at 1M keys that is a pause of a few tens of milliseconds of the caller
// (the apply loop), at 10M about a second. The bucket array is paged
// (paged.go), so a resize never allocates it in one piece: the pause is
// the caller's alone, not the whole process's.
type dict struct {
	buckets paged[*entry]
	mask    uint64
	count   int
}

const (
	dictMinSize = 16
	// dictShrinkFill: shrink when fewer than 1/dictShrinkFill of the buckets are used (Redis: 10%).
	dictShrinkFill = 10
)

func newDict() *dict {
	return &dict{buckets: newPaged[*entry](dictMinSize), mask: dictMinSize - 1}
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
func (d *dict) size() int { return d.buckets.len() }

// validDictSize reports whether a table of size buckets can hold count keys
// in a state a dict reaches: a power of two, at least dictMinSize, no
// fewer buckets than keys (add grows first) and, above the minimum, no
// more than dictShrinkFill buckets per key (remove shrinks).
func validDictSize(size uint64, count int) bool {
	if size < dictMinSize || size&(size-1) != 0 || size < uint64(count) {
		return false
	}
	return size == dictMinSize || uint64(count)*dictShrinkFill >= size
}

// sortedBucket returns the entries of bucket i sorted by key, in buf's
// storage when they fit. Chains are short (the table is resized to keep
// about one key per bucket), so this costs next to nothing.
func (d *dict) sortedBucket(i uint64, buf []*entry) []*entry {
	es := buf[:0]
	for e := d.buckets.at(int(i)); e != nil; e = e.next {
		es = append(es, e)
	}
	if len(es) > 1 {
		slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.key, b.key) })
	}
	return es
}

func (d *dict) get(key string) *entry {
	for e := d.buckets.at(int(hashString(key) & d.mask)); e != nil; e = e.next {
		if e.key == key {
			return e
		}
	}
	return nil
}

// add inserts e, whose key must not be present.
func (d *dict) add(e *entry) {
	if d.count >= d.buckets.len() {
		d.resize(d.buckets.len() * 2)
	}
	i := int(hashString(e.key) & d.mask)
	e.next = d.buckets.at(i)
	d.buckets.set(i, e)
	d.count++
}

// remove unlinks and returns the entry for key, or nil.
func (d *dict) remove(key string) *entry {
	i := int(hashString(key) & d.mask)
	var prev *entry
	for e := d.buckets.at(i); e != nil; prev, e = e, e.next {
		if e.key == key {
			if prev == nil {
				d.buckets.set(i, e.next)
			} else {
				prev.next = e.next
			}
			e.next = nil
			d.count--
			if d.buckets.len() > dictMinSize && d.count*dictShrinkFill < d.buckets.len() {
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
	if size == d.buckets.len() {
		return
	}
	nb := newPaged[*entry](size)
	mask := uint64(size - 1)
	// Walk old buckets in index order and chains front to back, appending at
	// chain tails, so the new layout is a pure function of the old one.
	tails := newPaged[*entry](size)
	d.buckets.each(func(_ int, e *entry) bool {
		for e != nil {
			next := e.next
			e.next = nil
			i := int(hashString(e.key) & mask)
			if t := tails.at(i); t == nil {
				nb.set(i, e)
			} else {
				t.next = e
			}
			tails.set(i, e)
			e = next
		}
		return true
	})
	d.buckets, d.mask = nb, mask
}

// scan calls fn for every entry in the bucket addressed by cursor, sorted
// by key, and returns the next cursor (0 when the iteration is complete).
// This is Redis's reverse-binary cursor: increment the reversed bits of
// the masked cursor.
func (d *dict) scan(cursor uint64, fn func(e *entry)) uint64 {
	var buf [8]*entry
	for _, e := range d.sortedBucket(cursor&d.mask, buf[:]) {
		fn(e)
	}
	cursor |= ^d.mask
	cursor = bits.Reverse64(cursor)
	cursor++
	cursor = bits.Reverse64(cursor)
	return cursor
}

// each calls fn for every entry, buckets in index order and each bucket's
// keys sorted, until fn returns false. fn may remove the entry it is given.
func (d *dict) each(fn func(e *entry) bool) {
	var buf [8]*entry
	for i := range d.buckets.len() {
		if d.buckets.at(i) == nil {
			continue
		}
		for _, e := range d.sortedBucket(uint64(i), buf[:]) {
			if !fn(e) {
				return
			}
		}
	}
}

// random returns a pseudo-random entry chosen with r, or nil when empty.
// Like Redis it picks a random non-empty bucket then a random chain element
// (by rank in key order), so it is not exactly uniform.
func (d *dict) random(r *Rand) *entry {
	if d.count == 0 {
		return nil
	}
	var head uint64
	for {
		head = r.Uint64() & d.mask
		if d.buckets.at(int(head)) != nil {
			break
		}
	}
	var buf [8]*entry
	es := d.sortedBucket(head, buf[:])
	return es[r.Intn(len(es))]
}
