package kv

import (
	"encoding/binary"
	"math"
	"slices"

	"redraft/wire"
)

// Freezing big values for a snapshot (docs/snapshot-cow.md). Big hashes,
// sets, sorted sets, lists and strings are encoded in pieces instead
// (snaptrack*.go); what is left here serves a big stream, and a big hash or
// set in a compact encoding (raised encoding limits). When a write is
// about to change such a value of the cut that the streamer has not
// written yet, the hook does not encode it (a million elements take a few
// hundred milliseconds): it copies the value's element headers, which is a
// memory copy (Go strings are immutable, so sharing their bytes is safe),
// and the streamer encodes the copy later, without the owner's lock. The
// copy only has to encode exactly as the original (appendSnapshot); it is
// never used as a value.

// frozenEntry returns a private copy of e for the snapshot and the bytes
// it holds beyond shared strings (for the preserved-memory accounting).
func frozenEntry(e *entry) (*entry, int) {
	f := &entry{key: e.key, expireAt: e.expireAt, version: e.version}
	if e.obj == nil {
		f.str = cloneBytes(e.str)
		return f, len(f.str)
	}
	var size int
	f.obj, size = freezeValue(e.obj)
	return f, size
}

// freezeValue returns a copy of the collection obj that encodes as obj.
func freezeValue(obj any) (any, int) {
	const header = 16 // a string header
	switch o := obj.(type) {
	case *Hash:
		m := o.m.frozen()
		return &Hash{m: m}, (m.keys.len() + m.vals.len()) * header
	case *Set:
		f := &Set{ints: slices.Clone(o.ints)}
		size := 8 * len(f.ints)
		if o.m != nil {
			m := o.m.frozen()
			f.m = &m
			size += m.keys.len() * header
		}
		return f, size
	case *List:
		buf := make([]string, 0, o.n)
		for it := o.front(); it.valid(); it.next() {
			buf = append(buf, it.value())
		}
		k := &listChunk{buf: buf, hi: len(buf)}
		return &List{head: k, tail: k, n: len(buf)}, len(buf) * header
	case *ZSet:
		f := &frozenZSet{listpack: o.listpack, members: make([]string, 0, o.Len()), scores: make([]float64, 0, o.Len())}
		o.each(func(x zref) bool {
			f.members = append(f.members, o.memberOf(x))
			f.scores = append(f.scores, o.scoreOf(x))
			return true
		})
		return f, len(f.members) * (header + 8)
	case *Stream:
		f := o.clone()
		return f, f.memoryBytes()
	}
	panic("kv: freezing an unknown object type")
}

// frozen returns a copy of m holding what appendIndexedSnapshot and each
// read (no hash index: the copy is never searched).
func (m *omap[V]) frozen() omap[V] {
	c := omap[V]{keys: m.keys.clone(), vals: m.vals.clone(), live: m.live}
	if m.ix != nil {
		c.ix = &omapIndex{seqs: m.ix.seqs.clone(), nextSeq: m.ix.nextSeq}
	}
	return c
}

// frozenZSet is a sorted set's elements in order, as ZSet.appendSnapshot
// writes them.
type frozenZSet struct {
	listpack bool
	members  []string
	scores   []float64
}

// appendSnapshot writes what ZSet.appendSnapshot writes for the same set.
func (z *frozenZSet) appendSnapshot(dst []byte) []byte {
	var flags byte
	if z.listpack {
		flags |= zsetSnapListpack
	}
	dst = append(dst, flags)
	dst = binary.AppendUvarint(dst, uint64(len(z.members)))
	for i, m := range z.members {
		dst = snapRoom(dst, len(m))
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(z.scores[i]))
		dst = binary.AppendUvarint(dst, uint64(len(m)))
		dst = wire.AppendLarge(dst, m)
	}
	return dst
}
