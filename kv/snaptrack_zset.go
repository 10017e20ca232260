package kv

import (
	"encoding/binary"
	"math"
)

// Big sorted sets encoded in pieces (snaptrack.go explains the idea). The
// snapshot writes a sorted set's elements in (score, member) order, which
// a write changes: ZADD or ZINCRBY moves an element, ZREM removes it, a new
// member lands anywhere. The tracker remembers the position the streamer
// has reached (the last element encoded) and, for every member a write
// changes while the set is tracked, its state when the tracking began
// (which is the cut's: the set had not changed since) - once per member,
// so memory grows with the distinct members written, not with the set:
//
//   - a changed member that was in the set at the cut and lies after the
//     position waits in a heap, ordered like the skiplist, to be written
//     with its old score where it belongs;
//   - the streamer walks the live skiplist from the position and skips
//     every changed member (its cut state, if any, comes from the heap),
//     so moved, removed and new members never reach the snapshot at their
//     new place.

// zsetTrack is a snapshot's incremental encoding of a sorted set.
type zsetTrack struct {
	cut     *SnapshotCut
	count   int     // elements at the cut
	done    int     // elements encoded
	started bool    // an element was encoded: the position below is valid
	score   float64 // the position: the last element encoded
	member  string
	changed map[string]zsetSaved // members changed since the tracking began
	order   zsetHeap             // those of the cut after the position
	held    int                  // bytes accounted to the cut
}

// zsetSaved is a changed member's state at the cut.
type zsetSaved struct {
	inCut bool
	score float64
}

// zsetSavedOverhead approximates a changed member's cost beyond its bytes.
const zsetSavedOverhead = 64

// startTrack starts the incremental encoding of z (unchanged since the cut)
// and appends the body's head (flags, count) to dst.
func (z *ZSet) startTrack(dst []byte, s *SnapshotCut) []byte {
	if z.track != nil {
		panic("kv: snapshot: tracking a sorted set already tracked")
	}
	z.track = &zsetTrack{cut: s, count: z.Len(), changed: map[string]zsetSaved{}}
	var flags byte
	if z.listpack {
		flags |= zsetSnapListpack
	}
	return binary.AppendUvarint(append(dst, flags), uint64(z.Len()))
}

// after reports whether (score, member) sorts after the position.
func (t *zsetTrack) after(score float64, member string) bool {
	return !t.started || score > t.score || score == t.score && member > t.member
}

// keep is the hook: member is about to be inserted (inCut false) or to
// change score or go (inCut true, score its current score).
func (t *zsetTrack) keep(member string, score float64, inCut bool) {
	if _, ok := t.changed[member]; ok {
		return // its first change recorded its cut state
	}
	t.changed[member] = zsetSaved{inCut: inCut, score: score}
	n := len(member) + zsetSavedOverhead
	t.held += n
	t.cut.account(n)
	if inCut && t.after(score, member) {
		t.order.push(zsetElem{member: member, score: score})
	}
}

// keepNode is the hook for an existing node.
func (z *ZSet) keepNode(x zref) {
	if z.track != nil {
		z.track.keep(z.memberOf(x), z.scoreOf(x), true)
	}
}

// forget is the callback of the skiplist's range deletions: x is unlinked
// and leaves the member index.
func (z *ZSet) forget(x zref) {
	z.keepNode(x)
	z.index.remove(x)
	z.zsl.free(x)
}

// more appends up to budget elements of the cut and reports whether the
// body is complete; z is then untracked.
func (z *ZSet) more(dst []byte, budget int) ([]byte, bool) {
	t := z.track
	// The first live node after the position.
	x := z.zsl.first()
	if t.started {
		var p zref // the header
		for i := z.zsl.level - 1; i >= 0; i-- {
			for f := z.zsl.fwd(p, i); f != 0 && !t.after(z.scoreOf(f), z.memberOf(f)); f = z.zsl.fwd(p, i) {
				p = f
			}
		}
		x = z.zsl.fwd(p, 0)
	}
	for visited := 0; visited < budget; visited++ {
		for x != 0 && len(t.changed) > 0 {
			if _, changed := t.changed[z.memberOf(x)]; !changed {
				break
			}
			x = z.next(x)
			visited++
		}
		var e zsetElem
		switch {
		case x == 0 && t.order.len() == 0:
			if t.done != t.count {
				panic("kv: snapshot: a tracked sorted set encoded a different number of elements than it had at the cut")
			}
			z.untrack()
			return dst, true
		case x == 0 || t.order.len() > 0 && zsetElemLess(t.order.min(), zsetElem{member: z.memberOf(x), score: z.scoreOf(x)}):
			e = t.order.pop()
		default:
			e = zsetElem{member: z.memberOf(x), score: z.scoreOf(x)}
			x = z.next(x)
		}
		if !t.after(e.score, e.member) {
			panic("kv: snapshot: a tracked sorted set went back")
		}
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(e.score))
		dst = binary.AppendUvarint(dst, uint64(len(e.member)))
		dst = append(dst, e.member...)
		t.started, t.score, t.member = true, e.score, e.member
		t.done++
	}
	return dst, false
}

// size: unknown in advance.
func (z *ZSet) size() int { return 0 }

// untrack ends the tracking and releases what it held.
func (z *ZSet) untrack() {
	if t := z.track; t != nil {
		t.cut.account(-t.held)
		z.track = nil
	}
}

// zsetElemLess orders elements as the skiplist does.
func zsetElemLess(a, b zsetElem) bool {
	return a.score < b.score || a.score == b.score && a.member < b.member
}

// zsetHeap is a min-heap of elements in skiplist order.
type zsetHeap struct{ a []zsetElem }

func (h *zsetHeap) len() int      { return len(h.a) }
func (h *zsetHeap) min() zsetElem { return h.a[0] }

func (h *zsetHeap) push(v zsetElem) {
	h.a = append(h.a, v)
	for i := len(h.a) - 1; i > 0; {
		p := (i - 1) / 2
		if !zsetElemLess(h.a[i], h.a[p]) {
			break
		}
		h.a[p], h.a[i] = h.a[i], h.a[p]
		i = p
	}
}

func (h *zsetHeap) pop() zsetElem {
	v := h.a[0]
	n := len(h.a) - 1
	h.a[0] = h.a[n]
	h.a[n] = zsetElem{}
	h.a = h.a[:n]
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && zsetElemLess(h.a[l], h.a[s]) {
			s = l
		}
		if r < n && zsetElemLess(h.a[r], h.a[s]) {
			s = r
		}
		if s == i {
			break
		}
		h.a[s], h.a[i] = h.a[i], h.a[s]
		i = s
	}
	return v
}
