package kv

import (
	"bytes"
	"unsafe"
)

// Big strings encoded in pieces (snaptrack.go explains the idea). A
// string's record body is its bytes. When tracking begins the tracker
// keeps the string's slice as it is (the array and the length at the cut:
// no copy) and the streamer copies it chunkBytes per hold of the owner's
// lock. Commands that give a key a new array (SET of a longer value, a
// growth past the capacity, RENAME moving it) leave the kept array alone;
// the ones that overwrite bytes of the array in place (SET reusing it,
// APPEND and SETRANGE within its capacity, SETBIT, BITFIELD, the
// HyperLogLog commands) call Ctx.snapBytes first, which keeps the old
// bytes of the range that the streamer has not copied yet - O(bytes
// written). The tracker is found by the array's address, so it follows the
// bytes whatever key holds them. The streamer lays the kept ranges over
// what it copies, the earliest last (a byte's first kept value is its
// value at the cut).

// strTrack is a snapshot's incremental encoding of a big string.
type strTrack struct {
	cut   *SnapshotCut
	src   []byte // the string at the cut (its array, its length then)
	pos   int    // bytes encoded
	piece int    // bytes per piece
	saved []strSaved
	held  int // bytes accounted to the cut
}

// strSaved is a range of the string at the cut that a write overwrote.
type strSaved struct {
	off int
	old []byte
}

// strSavedOverhead approximates a kept range's cost beyond its bytes.
const strSavedOverhead = 48

// startStrTrack starts the incremental encoding of the string b
// (unchanged since the cut).
func (s *SnapshotCut) startStrTrack(b []byte) *strTrack {
	if len(b) == 0 {
		panic("kv: snapshot: tracking an empty string")
	}
	k := unsafe.SliceData(b)
	if s.strs == nil {
		s.strs = map[*byte]*strTrack{}
	}
	if s.strs[k] != nil {
		panic("kv: snapshot: tracking a string's bytes twice")
	}
	t := &strTrack{cut: s, src: b, piece: max(s.chunkBytes, 1)}
	s.strs[k] = t
	return t
}

// snapBytes is the hook for bytes overwritten in place: b[off:off+n] is
// about to change, where b starts at its array's start (an entry's str).
func (c *Ctx) snapBytes(b []byte, off, n int) {
	s := c.m.snap
	if s == nil || len(s.strs) == 0 || cap(b) == 0 || n <= 0 {
		return
	}
	if t := s.strs[unsafe.SliceData(b[:1])]; t != nil {
		t.keep(off, n)
	}
}

// keep saves the bytes [off, off+n) of the string at the cut that the
// streamer has not copied yet.
func (t *strTrack) keep(off, n int) {
	lo, hi := max(off, t.pos), min(off+n, len(t.src))
	if lo >= hi {
		return
	}
	t.saved = append(t.saved, strSaved{off: lo, old: bytes.Clone(t.src[lo:hi])})
	sz := hi - lo + strSavedOverhead
	t.held += sz
	t.cut.account(sz)
}

// more appends the next piece of the string at the cut and reports whether
// it is complete (the string is then untracked).
func (t *strTrack) more(dst []byte, _ int) ([]byte, bool) {
	end := min(t.pos+t.piece, len(t.src))
	base := len(dst) - t.pos // dst[base+i] is byte i of the string
	dst = append(dst, t.src[t.pos:end]...)
	for i := len(t.saved) - 1; i >= 0; i-- {
		sv := t.saved[i]
		if lo, hi := max(sv.off, t.pos), min(sv.off+len(sv.old), end); lo < hi {
			copy(dst[base+lo:base+hi], sv.old[lo-sv.off:])
		}
	}
	t.pos = end
	kept := t.saved[:0]
	for _, sv := range t.saved {
		if sv.off+len(sv.old) > t.pos {
			kept = append(kept, sv)
			continue
		}
		sz := len(sv.old) + strSavedOverhead
		t.held -= sz
		t.cut.account(-sz)
	}
	clear(t.saved[len(kept):])
	t.saved = kept
	if t.pos < len(t.src) {
		return dst, false
	}
	t.untrack()
	return dst, true
}

// size is the body's size: the string's length at the cut.
func (t *strTrack) size() int { return len(t.src) }

// untrack ends the tracking and releases what it held.
func (t *strTrack) untrack() {
	k := unsafe.SliceData(t.src)
	if t.cut.strs[k] == t {
		delete(t.cut.strs, k)
	}
	t.cut.account(-t.held)
	t.held = 0
	t.saved = nil
}
