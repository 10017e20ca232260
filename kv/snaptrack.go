package kv

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"

	"redraft/wire"
)

// Big collections encoded in pieces (docs/snapshot-cow.md, "Big values").
//
// A hash or set in the hashtable encoding is an indexed omap, whose
// elements carry sequence numbers that never change and grow with
// insertion order: the snapshot format writes the elements in that order.
// So the streamer can encode such a collection a few thousand elements per
// hold of the owner's lock, remembering only the sequence number it has
// reached (the cursor), and the collection can keep changing in between:
//
//   - an element the snapshot does not hold yet and that a write is about
//     to change or remove is handed to the tracker first (omapTrack.keep,
//     from omap.setAt and omap.removeAt): its key and value at the cut;
//   - an element added after the cut has a sequence number >= the omap's
//     nextSeq at the cut, and the streamer stops before those;
//   - a compaction drops tombstones but keeps sequence numbers, and the
//     streamer finds its place again by binary search.
//
// Tracking starts in O(1), either when the first write reaches the entry
// (the copy-before-write hook, instead of encoding or freezing it) or when
// the streamer reaches it; from then on writes to the collection cost one
// map insertion per element of the cut they change, once, and the
// collection's record never stalls a write. The kept elements are the
// only memory tracking holds, and each is dropped when encoded.

// omapTrack is a snapshot's incremental encoding of an indexed omap.
type omapTrack[V any] struct {
	cut    *SnapshotCut // for the memory accounting
	next   uint64       // the omap's nextSeq at the cut: later elements are not in it
	count  int          // elements at the cut (the record's count)
	cursor uint64       // elements with seq < cursor are encoded
	prev   uint64       // seq of the last element encoded (0 before the first)
	done   int          // elements encoded
	saved  map[uint64]omapSaved[V]
	order  seqHeap     // the keys of saved, smallest first
	valLen func(V) int // bytes a value holds (accounting)
	encVal func([]byte, V) []byte
}

// omapSaved is an element of the cut as it was before a write changed it.
type omapSaved[V any] struct {
	key string
	val V
}

// omapSavedOverhead approximates the bytes a kept element costs beyond its
// key and value: the map slot, the heap slot.
const omapSavedOverhead = 48

// startTrack starts the incremental encoding of m, an indexed omap that has
// not changed since the cut, and appends its count to dst.
func (m *omap[V]) startTrack(dst []byte, s *SnapshotCut, valLen func(V) int, encVal func([]byte, V) []byte) []byte {
	if m.ix == nil || m.track != nil {
		panic("kv: snapshot: tracking an omap that is compact or already tracked")
	}
	m.track = &omapTrack[V]{cut: s, next: m.ix.nextSeq, count: m.live, saved: map[uint64]omapSaved[V]{},
		valLen: valLen, encVal: encVal}
	return binary.AppendUvarint(dst, uint64(m.live))
}

// keep is the hook: slot i (live) of m is about to change or go.
func (t *omapTrack[V]) keep(m *omap[V], i int) {
	seq := m.ix.seqs.at(i)
	if seq&omapDead != 0 {
		panic("kv: snapshot: keeping a dead omap slot")
	}
	if seq < t.cursor || seq >= t.next {
		return // encoded already, or not in the cut
	}
	if _, ok := t.saved[seq]; ok {
		return // changed before: the first value is the cut's
	}
	t.saved[seq] = omapSaved[V]{key: m.keys.at(i), val: m.vals.at(i)}
	t.order.push(seq)
	t.cut.account(len(m.keys.at(i)) + t.valLen(m.vals.at(i)) + omapSavedOverhead)
}

// more appends up to budget elements of the cut to dst, in sequence order,
// and reports whether the encoding is complete (the next-sequence delta
// appended too); m is then untracked.
func (m *omap[V]) more(dst []byte, budget int) ([]byte, bool) {
	t := m.track
	seqs := &m.ix.seqs
	ns := seqs.len()
	i := m.searchSeq(t.cursor)
	for visited := 0; visited < budget; visited++ {
		// The next live slot of the cut that no write changed.
		for i < ns && seqs.at(i)&^omapDead < t.next {
			if seqs.at(i)&omapDead == 0 {
				if len(t.saved) == 0 {
					break
				}
				if _, changed := t.saved[seqs.at(i)]; !changed {
					break
				}
			}
			i = m.nextSlot(i)
			visited++
		}
		live := t.next
		if i < ns && seqs.at(i) < t.next {
			live = seqs.at(i)
		}
		kept := t.next
		if t.order.len() > 0 {
			kept = t.order.min()
		}
		var seq uint64
		var key string
		var val V
		switch {
		case live == t.next && kept == t.next:
			if t.done != t.count {
				panic("kv: snapshot: a tracked omap encoded a different number of elements than it had at the cut")
			}
			m.track = nil
			return binary.AppendUvarint(dst, t.next-t.prev), true
		case kept < live:
			t.order.pop()
			e := t.saved[kept]
			delete(t.saved, kept)
			t.cut.account(-(len(e.key) + t.valLen(e.val) + omapSavedOverhead))
			seq, key, val = kept, e.key, e.val
		default:
			seq, key, val = live, m.keys.at(i), m.vals.at(i)
			i = m.nextSlot(i)
		}
		if seq < t.cursor {
			panic("kv: snapshot: a tracked omap went back")
		}
		dst = binary.AppendUvarint(dst, seq-t.prev)
		dst = appendCollString(dst, key)
		dst = t.encVal(dst, val)
		t.prev, t.cursor = seq, seq+1
		t.done++
	}
	return dst, false
}

// untrack ends the tracking (a snapshot given up).
func (m *omap[V]) untrack() { m.track = nil }

// seqHeap is a min-heap of sequence numbers.
type seqHeap struct{ a []uint64 }

func (h *seqHeap) len() int    { return len(h.a) }
func (h *seqHeap) min() uint64 { return h.a[0] }

func (h *seqHeap) push(v uint64) {
	h.a = append(h.a, v)
	for i := len(h.a) - 1; i > 0; {
		p := (i - 1) / 2
		if h.a[p] <= h.a[i] {
			break
		}
		h.a[p], h.a[i] = h.a[i], h.a[p]
		i = p
	}
}

func (h *seqHeap) pop() uint64 {
	v := h.a[0]
	n := len(h.a) - 1
	h.a[0] = h.a[n]
	h.a = h.a[:n]
	for i := 0; ; {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && h.a[l] < h.a[s] {
			s = l
		}
		if r < n && h.a[r] < h.a[s] {
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

// tracker is a big collection whose record the streamer encodes in pieces.
type tracker interface {
	// more appends up to budget more elements of the cut and reports
	// whether the body is complete (the collection is then untracked).
	more(dst []byte, budget int) ([]byte, bool)
	// untrack ends the tracking early (the cut was released).
	untrack()
	// size returns the body's size in bytes when known in advance, else 0.
	size() int
}

// hashTracker and setTracker adapt Hash and Set.
type hashTracker struct{ h *Hash }
type setTracker struct{ s *Set }

func (t hashTracker) more(dst []byte, budget int) ([]byte, bool) { return t.h.m.more(dst, budget) }
func (t hashTracker) untrack()                                   { t.h.m.untrack() }
func (t hashTracker) size() int                                  { return 0 }
func (t setTracker) size() int                                   { return 0 }
func (t setTracker) more(dst []byte, budget int) ([]byte, bool)  { return t.s.m.more(dst, budget) }
func (t setTracker) untrack()                                    { t.s.m.untrack() }

// trackedRecord is an entry of the cut whose record is encoded in pieces:
// its header as at the cut, the body's first bytes, and the tracker.
type trackedRecord struct {
	hdr  entry // key, expireAt, version (no value)
	typ  Type
	head []byte
	t    tracker
}

// trackable reports whether e's value is a big collection the streamer
// encodes in pieces (a hashtable-encoded hash or set, a sorted set, a list,
// a string); the others (a stream, a compact hash or set) keep the
// freeze/claim path (snapcut.go, snapfreeze.go).
//
// Only a registered cut tracks: a stopped one (Machine.Snapshot, or the
// FSM's fallback while another cut runs) encodes under the owner's lock,
// and must not touch the trackers of the registered cut.
func (s *SnapshotCut) trackable(e *entry) bool {
	if !s.live || !s.big(e) {
		return false
	}
	switch o := e.obj.(type) {
	case nil:
		return true // a string
	case *Hash:
		return o.m.indexed()
	case *Set:
		return o.m != nil
	case *ZSet, *List:
		return true
	}
	return false
}

// startTracking starts the incremental encoding of e (trackable, unchanged
// since the cut): O(1).
func (s *SnapshotCut) startTracking(e *entry) *trackedRecord {
	r := &trackedRecord{hdr: entry{key: e.key, expireAt: e.expireAt, version: e.version}, typ: e.typ()}
	switch o := e.obj.(type) {
	case nil:
		r.t = s.startStrTrack(e.str)
	case *Hash:
		r.head = o.m.startTrack([]byte{hashModeTable}, s, func(v string) int { return len(v) }, appendCollString)
		r.t = hashTracker{o}
	case *Set:
		r.head = o.m.startTrack([]byte{setModeTable}, s, func(struct{}) int { return 0 },
			func(b []byte, _ struct{}) []byte { return b })
		r.t = setTracker{o}
	case *ZSet:
		r.head = o.startTrack(nil, s)
		r.t = o
	case *List:
		r.head = o.startTrack(nil, s)
		r.t = o
	default:
		panic("kv: snapshot: tracking an untrackable value")
	}
	s.tracking = append(s.tracking, r.t)
	return r
}

// account adds n (possibly negative) bytes to the memory the write path
// holds for the streamer.
func (s *SnapshotCut) account(n int) {
	s.savedNow += n
	s.savedPeak = max(s.savedPeak, s.savedNow)
}

// writeTracked writes r's whole record, encoding its body chunkElements
// elements per hold of lock (held on entry and on return, released in
// between so writes go on). A body of unknown size (a collection) is
// assembled in buf and returned for the caller to write: each piece is
// encoded into a small buffer under the lock and appended to the record
// outside it, so the record's growth (a copy of up to its whole size) and
// its checksum never hold the lock. A body of known size (a string) goes
// to sw piece by piece, nothing returned: no second copy of it is held. On
// error buf is returned as it was.
func (s *SnapshotCut) writeTracked(r *trackedRecord, buf []byte, sw *snapWriter, lock sync.Locker) ([]byte, error) {
	start := len(buf)
	buf = appendRecordHead(buf, &r.hdr, r.typ)
	buf = wire.AppendLarge(buf, r.head)
	if n := r.t.size(); n > 0 {
		return s.streamTracked(r, buf, start, n, sw, lock)
	}
	var piece []byte
	for {
		var done bool
		piece, done = r.t.more(piece[:0], s.chunkElements)
		lock.Unlock()
		buf = wire.AppendLarge(buf, piece) // the record grows to the collection's size
		if done {
			// The record's checksum covers all of it: computed unlocked too.
			buf, err := finishRecord(buf, start)
			lock.Lock()
			return buf, err
		}
		lock.Lock()
		if s.released {
			return buf[:start], ErrSnapshotReleased
		}
	}
}

// streamTracked writes the record whose head is buf[start:] and whose
// body has n more bytes to sw, piece by piece, each encoded under the lock
// and written outside it. It returns buf[:start].
func (s *SnapshotCut) streamTracked(r *trackedRecord, buf []byte, start, n int, sw *snapWriter, lock sync.Locker) ([]byte, error) {
	head := buf[start:]
	body := uint64(len(head) - snapshotRecordPrefixBytes + n)
	if body > snapshotRecordBytesMax {
		return buf[:start], fmt.Errorf("%w: %d bytes, limit %d", ErrSnapshotTooLarge, body, snapshotRecordBytesMax)
	}
	binary.BigEndian.PutUint32(head[1:], uint32(body))
	crc := crc32.Update(0, castagnoli, head)
	lock.Unlock()
	sw.write(head)
	lock.Lock()
	var piece []byte
	written := 0
	for {
		if s.released {
			return buf[:start], ErrSnapshotReleased
		}
		var done bool
		piece, done = r.t.more(piece[:0], s.chunkElements)
		written += len(piece)
		lock.Unlock()
		crc = crc32.Update(crc, castagnoli, piece)
		sw.write(piece)
		if done {
			if written != n {
				panic("kv: snapshot: a tracked string wrote a different length than it had at the cut")
			}
			sw.write(binary.BigEndian.AppendUint32(piece[:0], crc))
			lock.Lock()
			return buf[:start], nil
		}
		lock.Lock()
	}
}
