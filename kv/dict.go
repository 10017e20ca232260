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
// A resize is incremental, as in Redis: it allocates the new table and
// then every write (add, remove) moves a few buckets of the old one into
// it, so no single command pays for rehashing the whole keyspace (at 10M
// keys that took about two seconds of the apply loop). Unlike Redis, the
// rehash is invisible to readers: the table they see is always the new one
// (mask), whose bucket j holds the keys with hash & mask == j wherever
// they are stored for now, so scan, each and random answer exactly what
// they would if the resize had happened at once. The rehash's progress is
// thus not part of the state replicas must agree on: a snapshot records
// only the size, and a replica that restored one (and rehashed at once)
// lists keys like the node that wrote it. The bucket arrays are paged
// (paged.go), so no resize allocates one in a single piece.
type dict struct {
	buckets paged[*entry] // the table readers see (the new one while rehashing)
	mask    uint64
	count   int

	// While rehashing: the previous table, whose buckets below moved have
	// been emptied into buckets. Keys added meanwhile go to buckets, so a
	// key lives in old[hash & oldMask] only if that bucket is >= moved.
	old     paged[*entry]
	oldMask uint64
	moved   int
}

const (
	dictMinSize = 16
	// dictShrinkFill: shrink when fewer than 1/dictShrinkFill of the buckets are used (Redis: 10%).
	dictShrinkFill = 10
	// dictRehashVisits and dictRehashMoves bound one rehash step (one per
	// add or remove): buckets of the old table visited, and non-empty ones
	// moved. A grow (old table at one key per bucket) is done after a
	// quarter of its size in writes, long before the next grow is due; a
	// shrink (old table under 10% full) after about 1/64 of it.
	dictRehashVisits = 64
	dictRehashMoves  = 4
	// dictRehashAtOnce: a table of at most this many buckets is rehashed
	// at once (microseconds), as before.
	dictRehashAtOnce = 1024
	// dictRestoreGrowth: the factor a table grows by while a snapshot is
	// restored into it (growForRestore).
	dictRestoreGrowth = 16
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
	es := d.bucketEntries(i, buf[:0])
	if len(es) > 1 {
		slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.key, b.key) })
	}
	return es
}

func (d *dict) rehashing() bool { return d.old.len() > 0 }

func (d *dict) get(key string) *entry {
	h := hashString(key)
	for e := d.buckets.at(int(h & d.mask)); e != nil; e = e.next {
		if e.key == key {
			return e
		}
	}
	if d.rehashing() {
		if ob := int(h & d.oldMask); ob >= d.moved {
			for e := d.old.at(ob); e != nil; e = e.next {
				if e.key == key {
					return e
				}
			}
		}
	}
	return nil
}

// add inserts e, whose key must not be present.
func (d *dict) add(e *entry) {
	if d.rehashing() {
		d.rehashStep()
	}
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
	if d.rehashing() {
		d.rehashStep()
	}
	h := hashString(key)
	e := unlinkKey(d.buckets.ref(int(h&d.mask)), key)
	if e == nil && d.rehashing() {
		if ob := int(h & d.oldMask); ob >= d.moved {
			e = unlinkKey(d.old.ref(ob), key)
		}
	}
	if e == nil {
		return nil
	}
	d.count--
	if d.buckets.len() > dictMinSize && d.count*dictShrinkFill < d.buckets.len() {
		d.resize(d.count)
	}
	return e
}

// unlinkKey removes the entry for key from the chain at p and returns it, or nil.
func unlinkKey(p **entry, key string) *entry {
	for ; *p != nil; p = &(*p).next {
		if e := *p; e.key == key {
			*p = e.next
			e.next = nil
			return e
		}
	}
	return nil
}

// resize starts rehashing into the smallest power of two >= max(n,
// dictMinSize) buckets (first finishing a rehash still under way). Readers
// see the new size at once.
func (d *dict) resize(n int) {
	size := dictMinSize
	for size < n {
		size *= 2
	}
	if size == d.buckets.len() {
		return
	}
	d.finishRehash()
	d.old, d.oldMask, d.moved = d.buckets, d.mask, 0
	d.buckets, d.mask = newPaged[*entry](size), uint64(size-1)
	if d.old.len() <= dictRehashAtOnce {
		d.finishRehash()
	}
}

// resizeNow is resize followed by the whole rehash (restoring a snapshot).
func (d *dict) resizeNow(n int) {
	d.resize(n)
	d.finishRehash()
}

// growForRestore makes room for one more key while a snapshot is restored
// into the dict, whose final size (from the snapshot) is table buckets. A
// table about to grow jumps straight to min(table, dictRestoreGrowth times
// its size) and is rehashed at once: at most a few such rehashes, each of
// a table far smaller than the new one, instead of one incremental rehash
// per doubling (at 10M keys those moved every key about once more and were
// two thirds of the restore's CPU; BenchmarkFSMSnapshot/restore). The
// table never holds more than dictRestoreGrowth buckets per key read, so a
// snapshot whose table size is out of proportion to its keys (refused by
// validDictSize at the end of the database) cannot make the node allocate
// it. A table already at least table buckets grows as add would.
func (d *dict) growForRestore(table uint64) {
	size := d.buckets.len()
	if d.count < size || uint64(size) >= table {
		return
	}
	d.resizeNow(int(min(table, uint64(size)*dictRestoreGrowth)))
}

// rehashStep moves up to dictRehashMoves non-empty buckets of the old table,
// visiting at most dictRehashVisits.
func (d *dict) rehashStep() {
	n := d.old.len()
	for visits, moves := 0, 0; d.moved < n && visits < dictRehashVisits && moves < dictRehashMoves; visits++ {
		if d.moveBucket() {
			moves++
		}
	}
	if d.moved == n {
		d.old, d.oldMask, d.moved = paged[*entry]{}, 0, 0
	}
}

// finishRehash moves what is left of the old table.
func (d *dict) finishRehash() {
	for n := d.old.len(); d.moved < n; {
		d.moveBucket()
	}
	d.old, d.oldMask, d.moved = paged[*entry]{}, 0, 0
}

// moveBucket empties old bucket moved into the new table and reports
// whether it held anything. Order within chains does not matter: readers
// sort every bucket.
func (d *dict) moveBucket() bool {
	p := d.old.ref(d.moved)
	d.moved++
	e := *p
	if e == nil {
		return false
	}
	*p = nil
	for e != nil {
		next := e.next
		i := int(hashString(e.key) & d.mask)
		e.next = d.buckets.at(i)
		d.buckets.set(i, e)
		e = next
	}
	return true
}

// bucketEntries appends to es the entries of bucket j of the table readers
// see: those in buckets[j] and, while rehashing, those still in the old
// buckets not yet moved whose hash & mask is j.
func (d *dict) bucketEntries(j uint64, es []*entry) []*entry {
	for e := d.buckets.at(int(j)); e != nil; e = e.next {
		es = append(es, e)
	}
	if !d.rehashing() {
		return es
	}
	if d.oldMask < d.mask { // growing: one old bucket covers j, shared with others
		if ob := int(j & d.oldMask); ob >= d.moved {
			for e := d.old.at(ob); e != nil; e = e.next {
				if hashString(e.key)&d.mask == j {
					es = append(es, e)
				}
			}
		}
		return es
	}
	// Shrinking: the old buckets j, j+size, j+2*size, ... all belong to j.
	for ob := int(j); ob < d.old.len(); ob += int(d.mask + 1) {
		if ob < d.moved {
			continue
		}
		for e := d.old.at(ob); e != nil; e = e.next {
			es = append(es, e)
		}
	}
	return es
}

// bucketEmpty reports whether bucket j of the table readers see is empty.
func (d *dict) bucketEmpty(j uint64) bool {
	if d.buckets.at(int(j)) != nil {
		return false
	}
	if !d.rehashing() {
		return true
	}
	var buf [4]*entry
	return len(d.bucketEntries(j, buf[:0])) == 0
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
// keys sorted, until fn returns false. fn must not change the dict.
func (d *dict) each(fn func(e *entry) bool) {
	var buf [8]*entry
	for i := range d.buckets.len() {
		if d.bucketEmpty(uint64(i)) {
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
		if !d.bucketEmpty(head) {
			break
		}
	}
	var buf [8]*entry
	es := d.sortedBucket(head, buf[:])
	return es[r.Intn(len(es))]
}
