package kv

import "slices"

// idMap is an ordered map from stream IDs to values: the pending entries
// lists of consumer groups and consumers. It is a sorted list of chunks of
// at most idMapChunkMax keys, so inserts and deletes anywhere cost
// O(log n + idMapChunkMax) and iteration is in ID order (never Go map order).
type idMap[V any] struct {
	chunks []*idChunk[V]
	n      int
}

type idChunk[V any] struct {
	ids  []streamID
	vals []V
}

// idMapChunkMax bounds a chunk: large enough that the chunk index stays
// small (1M pending entries: 8K chunks), small enough that shifting within
// a chunk is cheap.
const idMapChunkMax = 128

func (m *idMap[V]) Len() int { return m.n }

// chunkFor returns the index of the first chunk whose last ID is >= id
// (len(chunks) when id is beyond every chunk).
func (m *idMap[V]) chunkFor(id streamID) int {
	lo, hi := 0, len(m.chunks)
	for lo < hi {
		mid := (lo + hi) / 2
		c := m.chunks[mid]
		if c.ids[len(c.ids)-1].cmp(id) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func searchIDs(ids []streamID, id streamID) (int, bool) {
	return slices.BinarySearchFunc(ids, id, func(a, b streamID) int { return a.cmp(b) })
}

// get returns the value for id.
func (m *idMap[V]) get(id streamID) (V, bool) {
	var zero V
	ci := m.chunkFor(id)
	if ci == len(m.chunks) {
		return zero, false
	}
	c := m.chunks[ci]
	if i, ok := searchIDs(c.ids, id); ok {
		return c.vals[i], true
	}
	return zero, false
}

// set inserts or replaces id's value; it reports whether id was new.
func (m *idMap[V]) set(id streamID, v V) bool {
	ci := m.chunkFor(id)
	if ci == len(m.chunks) {
		if ci == 0 || len(m.chunks[ci-1].ids) >= idMapChunkMax {
			m.chunks = append(m.chunks, &idChunk[V]{ids: make([]streamID, 0, 8), vals: make([]V, 0, 8)})
			ci = len(m.chunks) - 1
		} else {
			ci--
		}
	}
	c := m.chunks[ci]
	i, found := searchIDs(c.ids, id)
	if found {
		c.vals[i] = v
		return false
	}
	c.ids = slices.Insert(c.ids, i, id)
	c.vals = slices.Insert(c.vals, i, v)
	m.n++
	if len(c.ids) > idMapChunkMax {
		half := len(c.ids) / 2
		nc := &idChunk[V]{ids: slices.Clone(c.ids[half:]), vals: slices.Clone(c.vals[half:])}
		clear(c.vals[half:])
		c.ids, c.vals = c.ids[:half], c.vals[:half]
		m.chunks = slices.Insert(m.chunks, ci+1, nc)
	}
	return true
}

// del removes id; it reports whether it was there.
func (m *idMap[V]) del(id streamID) bool {
	ci := m.chunkFor(id)
	if ci == len(m.chunks) {
		return false
	}
	c := m.chunks[ci]
	i, found := searchIDs(c.ids, id)
	if !found {
		return false
	}
	c.ids = slices.Delete(c.ids, i, i+1)
	c.vals = slices.Delete(c.vals, i, i+1)
	m.n--
	if len(c.ids) == 0 {
		m.chunks = slices.Delete(m.chunks, ci, ci+1)
	}
	return true
}

// first and last return the smallest and greatest IDs (ok false when empty).
func (m *idMap[V]) first() (streamID, bool) {
	if m.n == 0 {
		return streamID{}, false
	}
	return m.chunks[0].ids[0], true
}

func (m *idMap[V]) last() (streamID, bool) {
	if m.n == 0 {
		return streamID{}, false
	}
	c := m.chunks[len(m.chunks)-1]
	return c.ids[len(c.ids)-1], true
}

// seek returns the first ID >= from with its value; ok false when none.
func (m *idMap[V]) seek(from streamID) (streamID, V, bool) {
	var zero V
	ci := m.chunkFor(from)
	if ci == len(m.chunks) {
		return streamID{}, zero, false
	}
	c := m.chunks[ci]
	i, _ := searchIDs(c.ids, from)
	return c.ids[i], c.vals[i], true
}

// each calls f for every ID >= from in order until f returns false. f must
// not modify the map.
func (m *idMap[V]) each(from streamID, f func(streamID, V) bool) {
	ci := m.chunkFor(from)
	for ; ci < len(m.chunks); ci++ {
		c := m.chunks[ci]
		i, _ := searchIDs(c.ids, from)
		for ; i < len(c.ids); i++ {
			if !f(c.ids[i], c.vals[i]) {
				return
			}
		}
	}
}
