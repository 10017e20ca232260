package kv

import (
	"encoding/binary"
	"slices"
)

// Big lists encoded in pieces (snaptrack.go explains the idea). A list is a
// chain of chunks of at most listChunkMax elements; the snapshot writes the
// elements from head to tail. When the tracking begins the list's epoch
// goes up, so every chunk that exists then (born in an earlier epoch) is a
// chunk of the cut, with no walk over them. The streamer follows the cut's
// chain from the cut's head a few chunks per hold of the owner's lock and
// marks each chunk it encoded as born in the current epoch. Before any
// write changes a chunk of the cut not yet encoded - its elements, its
// window, its link to the next chunk (List.own, called wherever list.go
// changes a chunk) - the chunk's state is kept for the streamer (its array,
// window and next link) and the live chunk gets a copy of the array, at most
// listChunkMax string headers: a write costs O(chunk), once per chunk, and
// memory grows with the chunks written, not with the list.

// listTrack is a snapshot's incremental encoding of a list.
type listTrack struct {
	cut   *SnapshotCut
	epoch uint64     // the list's epoch from the start: chunks born before it are the cut's
	cur   *listChunk // the next chunk of the cut to encode; nil at the end
	count int        // elements at the cut
	done  int        // elements encoded
	saved map[*listChunk]listSaved
	held  int // bytes accounted to the cut
}

// listSaved is a chunk's state at the cut.
type listSaved struct {
	next   *listChunk
	buf    []string
	lo, hi int
}

// listSavedOverhead approximates a kept chunk's cost beyond its array.
const listSavedOverhead = 64

// startTrack starts the incremental encoding of l (unchanged since the
// cut) and appends the body's head (the count) to dst.
func (l *List) startTrack(dst []byte, s *SnapshotCut) []byte {
	if l.track != nil {
		panic("kv: snapshot: tracking a list already tracked")
	}
	l.epoch++
	l.track = &listTrack{cut: s, epoch: l.epoch, cur: l.head, count: l.n, saved: map[*listChunk]listSaved{}}
	return binary.AppendUvarint(dst, uint64(l.n))
}

// own is the hook: chunk k (nil: nothing) is about to change.
func (l *List) own(k *listChunk) {
	t := l.track
	if t == nil || k == nil || k.born == t.epoch {
		return // no snapshot, or a chunk born, kept or encoded during this one
	}
	if k.born > t.epoch {
		panic("kv: snapshot: a list chunk from a later epoch")
	}
	t.saved[k] = listSaved{next: k.next, buf: k.buf, lo: k.lo, hi: k.hi}
	k.buf = slices.Clone(k.buf)
	k.born = t.epoch
	n := 16*len(k.buf) + listSavedOverhead
	t.held += n
	t.cut.account(n)
}

// more appends the elements of whole chunks of the cut, at least one chunk
// and about budget elements, and reports whether the body is complete; l
// is then untracked.
func (l *List) more(dst []byte, budget int) ([]byte, bool) {
	t := l.track
	for n := 0; n < budget && t.cur != nil; {
		k := t.cur
		var elems []string
		if sv, ok := t.saved[k]; ok {
			elems, t.cur = sv.buf[sv.lo:sv.hi], sv.next
			delete(t.saved, k)
			sz := 16*len(sv.buf) + listSavedOverhead
			t.held -= sz
			t.cut.account(-sz)
		} else {
			if k.born >= t.epoch {
				panic("kv: snapshot: a list chunk of the cut changed without being kept")
			}
			elems, t.cur = k.buf[k.lo:k.hi], k.next
			k.born = t.epoch
		}
		for _, s := range elems {
			dst = binary.AppendUvarint(dst, uint64(len(s)))
			dst = append(dst, s...)
		}
		t.done += len(elems)
		n += len(elems)
	}
	if t.cur != nil {
		return dst, false
	}
	if t.done != t.count {
		panic("kv: snapshot: a tracked list encoded a different number of elements than it had at the cut")
	}
	l.untrack()
	return dst, true
}

// size: unknown in advance.
func (l *List) size() int { return 0 }

// untrack ends the tracking and releases what it held.
func (l *List) untrack() {
	if t := l.track; t != nil {
		t.cut.account(-t.held)
		l.track = nil
	}
}
