package kv

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// Stream is Redis's log type (docs/streams.md): entries with strictly
// increasing IDs, each a list of field-value pairs, plus consumer groups
// (stream_group.go).
//
// Entries live in nodes, the counterpart of Redis's listpacks in its radix
// tree: a node holds up to stream-node-max-entries entries (live or
// deleted) and about stream-node-max-bytes bytes (machine state, see
// encoding.go), delta-encoded against the node's
// master ID, with the field names of the node's first entry stored once
// (an entry with the same field names stores only its values). Nodes are
// split exactly where Redis splits its listpacks (lpBytes tracks the size
// Redis's listpack would have), so approximate trimming (MAXLEN ~, MINID ~),
// which removes whole nodes only, removes what Redis removes.
//
// A node's buffer is only ever appended to, except for the deleted flag of
// an entry, which XDEL and exact trimming set in place; an empty node is
// dropped. Everything here is deterministic: the same commands build the
// same nodes on every replica, and snapshots carry the nodes as they are.
type Stream struct {
	nodes        []*streamNode // sorted by master ID
	length       uint64        // live entries
	lastID       streamID      // last ID ever generated (XSETID may move it)
	firstID      streamID      // first live entry's ID (0-0 when empty)
	maxDeleted   streamID      // greatest ID deleted by XDEL (or set by XSETID)
	entriesAdded uint64        // entries ever added (XSETID may set it)
	groups       []*streamGroup
}

// Node limits: Redis 7.0's defaults for stream-node-max-entries and
// stream-node-max-bytes (CONFIG SET changes them through the log: they
// decide where nodes split, which decides what approximate trimming
// removes).
const (
	streamNodeMaxEntries = 100
	streamNodeMaxBytes   = 4096
	// streamListpackMaxSize is Redis's STREAM_LISTPACK_MAX_SIZE: the
	// largest total of field and value bytes of one entry.
	streamListpackMaxSize = 1 << 30
	// lpEmptyBytes is an empty listpack: 6 header bytes and the end byte.
	lpEmptyBytes = 7
)

// Entry flags, as Redis's STREAM_ITEM_FLAG_*.
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// streamNode is one block of entries. buf holds the master fields
// (uvarint count, then each name as uvarint length and bytes), then the
// entries:
//
//	flags u8 | ms delta uvarint | seq delta varint | [nfields uvarint] | pairs or values
//
// where an entry without the same-fields flag stores its field-value pairs
// and one with it only its values, each as uvarint length and bytes.
type streamNode struct {
	master  streamID // the first entry's ID (Redis's radix-tree key)
	last    streamID // the last entry's ID, deleted or not
	buf     []byte
	entries int32 // offset of the first entry in buf
	live    int32
	deleted int32
	// lpBytes is the size Redis's listpack for this node would have, less
	// its live and deleted counters (whose size changes as they do).
	lpBytes int32
	// lastPos is the offset of the last entry (derived: not in snapshots).
	lastPos int32
}

// listpackBytes is the size of Redis's listpack for the node.
func (n *streamNode) listpackBytes() int {
	return int(n.lpBytes) + lpIntBytes(int64(n.live)) + lpIntBytes(int64(n.deleted))
}

// streamNodeLimits returns the node limits in effect as Redis applies
// them: 0 entries is no limit, 0 (or too many) bytes the largest listpack.
func streamNodeLimits(l *encodingLimits) (entries, bytes int64) {
	entries, bytes = l.raw[encStreamNodeEntries], l.raw[encStreamNodeBytes]
	if bytes == 0 || bytes > streamListpackMaxSize {
		bytes = streamListpackMaxSize
	}
	return entries, bytes
}

// streamID is a stream entry ID, <ms>-<seq>.
type streamID struct{ ms, seq uint64 }

var maxStreamID = streamID{math.MaxUint64, math.MaxUint64}

func (a streamID) cmp(b streamID) int {
	switch {
	case a.ms < b.ms:
		return -1
	case a.ms > b.ms:
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (a streamID) isZero() bool { return a.ms == 0 && a.seq == 0 }

// incr returns the next ID; ok is false for the last possible ID (the
// result is then 0-0, as streamIncrID).
func (a streamID) incr() (streamID, bool) {
	switch {
	case a.seq != math.MaxUint64:
		a.seq++
	case a.ms != math.MaxUint64:
		a.ms, a.seq = a.ms+1, 0
	default:
		return streamID{}, false
	}
	return a, true
}

// decr returns the previous ID; ok is false for 0-0 (the result is then
// the last possible ID, as streamDecrID).
func (a streamID) decr() (streamID, bool) {
	switch {
	case a.seq != 0:
		a.seq--
	case a.ms != 0:
		a.ms, a.seq = a.ms-1, math.MaxUint64
	default:
		return maxStreamID, false
	}
	return a, true
}

func (a streamID) appendText(dst []byte) []byte {
	dst = strconv.AppendUint(dst, a.ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, a.seq, 10)
}

func (a streamID) String() string { return string(a.appendText(nil)) }

// Len returns the number of live entries.
func (s *Stream) Len() int { return int(s.length) }

// lpIntBytes is the size of integer v in a listpack (encoding and backlen).
func lpIntBytes(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 2
	case v >= -4096 && v <= 4095:
		return 3
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return 4
	case v >= -(1<<23) && v < 1<<23:
		return 5
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return 6
	}
	return 10
}

// nextID is the ID `*` gives at nowMs: nowMs with sequence 0 when it is
// past the last ID's milliseconds, else the last ID plus one (Redis's
// streamNextID: IDs never go back, whatever the proposer's clock says).
// ok is false when the last ID is the greatest possible.
func (s *Stream) nextID(nowMs int64) (streamID, bool) {
	if nowMs > 0 && uint64(nowMs) > s.lastID.ms {
		return streamID{uint64(nowMs), 0}, true
	}
	return s.lastID.incr()
}

// appendEntry adds an entry with ID id (greater than lastID; the caller
// checked) and the field-value pairs fv, copying their bytes; a new node
// starts when the last one reached maxEntries (0: no limit) or maxBytes.
func (s *Stream) appendEntry(id streamID, fv [][]byte, maxEntries, maxBytes int64) {
	nfields := len(fv) / 2
	totelelen := 0
	for _, b := range fv {
		totelelen += len(b)
	}
	var n *streamNode
	if k := len(s.nodes); k > 0 {
		n = s.nodes[k-1]
		if int64(n.listpackBytes()+totelelen) >= maxBytes || maxEntries > 0 && int64(n.live+n.deleted) >= maxEntries {
			n.buf = slices.Clip(n.buf)
			if cap(n.buf) != len(n.buf) {
				n.buf = slices.Clone(n.buf)
			}
			n = nil
		}
	}
	flags := byte(0)
	if n == nil {
		n = &streamNode{master: id}
		n.buf = binary.AppendUvarint(make([]byte, 0, 64), uint64(nfields))
		lp := lpEmptyBytes + lpIntBytes(int64(nfields)) + lpIntBytes(0)
		for i := 0; i < nfields; i++ {
			n.buf = binary.AppendUvarint(n.buf, uint64(len(fv[2*i])))
			n.buf = append(n.buf, fv[2*i]...)
			lp += listpackEntrySize(fv[2*i])
		}
		n.entries = int32(len(n.buf))
		n.lpBytes = int32(lp)
		s.nodes = append(s.nodes, n)
		flags = streamFlagSameFields
	} else if n.sameFields(fv) {
		flags = streamFlagSameFields
	}
	msDelta := id.ms - n.master.ms
	seqDelta := id.seq - n.master.seq
	n.lastPos = int32(len(n.buf))
	n.buf = append(n.buf, flags)
	n.buf = binary.AppendUvarint(n.buf, msDelta)
	n.buf = binary.AppendVarint(n.buf, int64(seqDelta))
	lp := lpIntBytes(int64(flags)) + lpIntBytes(int64(msDelta)) + lpIntBytes(int64(seqDelta))
	lpCount := int64(nfields + 3)
	if flags&streamFlagSameFields == 0 {
		n.buf = binary.AppendUvarint(n.buf, uint64(nfields))
		lp += lpIntBytes(int64(nfields))
		lpCount += int64(nfields + 1)
		for _, b := range fv {
			n.buf = binary.AppendUvarint(n.buf, uint64(len(b)))
			n.buf = append(n.buf, b...)
			lp += listpackEntrySize(b)
		}
	} else {
		for i := 1; i < len(fv); i += 2 {
			n.buf = binary.AppendUvarint(n.buf, uint64(len(fv[i])))
			n.buf = append(n.buf, fv[i]...)
			lp += listpackEntrySize(fv[i])
		}
	}
	lp += lpIntBytes(lpCount)
	n.lpBytes += int32(min(lp, math.MaxInt32-int(n.lpBytes)))
	n.live++
	n.last = id
	s.length++
	s.entriesAdded++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
}

// sameFields reports whether fv's field names are the node's master fields.
func (n *streamNode) sameFields(fv [][]byte) bool {
	b := n.buf
	cnt, k := binary.Uvarint(b)
	if int(cnt) != len(fv)/2 {
		return false
	}
	b = b[k:]
	for i := 0; i < len(fv); i += 2 {
		l, k := binary.Uvarint(b)
		f := b[k : k+int(l)]
		if string(f) != string(fv[i]) {
			return false
		}
		b = b[k+int(l):]
	}
	return true
}

// masterFields decodes the node's master field names into dst.
func (n *streamNode) masterFields(dst [][]byte) [][]byte {
	dst = dst[:0]
	b := n.buf
	cnt, k := binary.Uvarint(b)
	b = b[k:]
	for i := uint64(0); i < cnt; i++ {
		l, k := binary.Uvarint(b)
		dst = append(dst, b[k:k+int(l):k+int(l)])
		b = b[k+int(l):]
	}
	return dst
}

// decodeAt decodes the entry at offset pos: its ID, flags, field-value
// pairs (appended to kv[:0], aliasing buf and mf) and the next offset.
func (n *streamNode) decodeAt(pos int, mf [][]byte, kv [][]byte) (streamID, byte, [][]byte, int) {
	b := n.buf
	flags := b[pos]
	pos++
	msDelta, k := binary.Uvarint(b[pos:])
	pos += k
	seqDelta, k := binary.Varint(b[pos:])
	pos += k
	id := streamID{n.master.ms + msDelta, n.master.seq + uint64(seqDelta)}
	kv = kv[:0]
	readBytes := func() []byte {
		l, k := binary.Uvarint(b[pos:])
		pos += k
		v := b[pos : pos+int(l) : pos+int(l)]
		pos += int(l)
		return v
	}
	if flags&streamFlagSameFields != 0 {
		for _, f := range mf {
			kv = append(kv, f, readBytes())
		}
	} else {
		nf, k := binary.Uvarint(b[pos:])
		pos += k
		for i := uint64(0); i < 2*nf; i++ {
			kv = append(kv, readBytes())
		}
	}
	return id, flags, kv, pos
}

// skipAt returns the ID and flags of the entry at pos and the next offset,
// without collecting its fields.
func (n *streamNode) skipAt(pos int, nmf int) (streamID, byte, int) {
	b := n.buf
	flags := b[pos]
	pos++
	msDelta, k := binary.Uvarint(b[pos:])
	pos += k
	seqDelta, k := binary.Varint(b[pos:])
	pos += k
	id := streamID{n.master.ms + msDelta, n.master.seq + uint64(seqDelta)}
	cnt := nmf
	if flags&streamFlagSameFields == 0 {
		nf, k := binary.Uvarint(b[pos:])
		pos += k
		cnt = 2 * int(nf)
	}
	for i := 0; i < cnt; i++ {
		l, k := binary.Uvarint(b[pos:])
		pos += k + int(l)
	}
	return id, flags, pos
}

// masterCount returns the number of master fields.
func (n *streamNode) masterCount() int {
	c, _ := binary.Uvarint(n.buf)
	return int(c)
}

// findNode returns the index of the last node whose master ID is <= id,
// or 0 when there is none.
func (s *Stream) findNode(id streamID) int {
	lo, hi := 0, len(s.nodes)
	for lo < hi {
		mid := (lo + hi) / 2
		if s.nodes[mid].master.cmp(id) <= 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return max(lo-1, 0)
}

// streamIter walks the live entries with IDs in [start, end], forward or
// in reverse. The field-value slices of the current entry alias the node
// and are valid until the next call or any change to the stream.
type streamIter struct {
	s          *Stream
	start, end streamID
	rev        bool
	ni         int   // current node
	pos        int   // forward: next entry offset in the node
	offs       []int // reverse: entry offsets of the node
	oi         int   // reverse: next index into offs (counting down)
	mf         [][]byte
	nodeReady  bool
	// The current entry.
	id streamID
	kv [][]byte
	// at is the node index and offset of the current entry (delete).
	atNode, atPos int
	// idsOnly: next sets id but not kv (counting).
	idsOnly bool
}

func (s *Stream) iter(start, end streamID, rev bool) *streamIter {
	it := &streamIter{s: s, start: start, end: end, rev: rev}
	if rev {
		// As Redis: from the last node whose master is <= end, or from
		// the last node when there is none or end is 0-0.
		it.ni = s.findNode(end)
		if end.isZero() || len(s.nodes) > 0 && s.nodes[it.ni].master.cmp(end) > 0 {
			it.ni = len(s.nodes) - 1
		}
	} else {
		it.ni = s.findNode(start)
	}
	return it
}

// next advances to the next live entry in range; false when there is none.
func (it *streamIter) next() bool {
	if it.start.cmp(it.end) > 0 {
		return false
	}
	for it.ni >= 0 && it.ni < len(it.s.nodes) {
		n := it.s.nodes[it.ni]
		if !it.nodeReady {
			it.mf = n.masterFields(it.mf)
			it.nodeReady = true
			if it.rev {
				it.offs = it.offs[:0]
				nmf := len(it.mf)
				for p := int(n.entries); p < len(n.buf); {
					it.offs = append(it.offs, p)
					_, _, p = n.skipAt(p, nmf)
				}
				it.oi = len(it.offs) - 1
			} else {
				it.pos = int(n.entries)
			}
		}
		if it.rev {
			for it.oi >= 0 {
				p := it.offs[it.oi]
				it.oi--
				id, flags, _ := n.skipAt(p, len(it.mf))
				// Tombstones are skipped before the range is checked:
				// after XSETID moved the last ID back, a node can hold
				// a tombstone greater than an entry after it (Redis's
				// streamIteratorGetID checks in this order too).
				if flags&streamFlagDeleted != 0 || id.cmp(it.end) > 0 {
					continue
				}
				if id.cmp(it.start) < 0 {
					return false
				}
				it.id = id
				if !it.idsOnly {
					_, _, it.kv, _ = n.decodeAt(p, it.mf, it.kv)
				}
				it.atNode, it.atPos = it.ni, p
				return true
			}
			it.ni--
		} else {
			for it.pos < len(n.buf) {
				p := it.pos
				id, flags, np := n.skipAt(p, len(it.mf))
				it.pos = np
				if flags&streamFlagDeleted != 0 || id.cmp(it.start) < 0 {
					continue
				}
				if id.cmp(it.end) > 0 {
					return false
				}
				it.id = id
				if !it.idsOnly {
					_, _, it.kv, _ = n.decodeAt(p, it.mf, it.kv)
				}
				it.atNode, it.atPos = it.ni, p
				return true
			}
			it.ni++
		}
		it.nodeReady = false
	}
	return false
}

// lookup finds the live entry id; kv aliases the node (see streamIter).
func (s *Stream) lookup(id streamID) (kv [][]byte, ok bool) {
	it := s.iter(id, id, false)
	if it.next() {
		return it.kv, true
	}
	return nil, false
}

// exists reports whether the live entry id exists.
func (s *Stream) exists(id streamID) bool {
	_, ok := s.lookup(id)
	return ok
}

// deleteEntry marks the live entry id deleted (dropping its node when it
// was the node's last live entry) and reports whether it existed. It does
// not update firstID or maxDeleted (the callers do, as Redis's do).
func (s *Stream) deleteEntry(id streamID) bool {
	it := s.iter(id, id, false)
	if !it.next() {
		return false
	}
	s.removeAt(it.atNode, it.atPos)
	return true
}

// removeAt deletes the live entry at offset pos of node ni.
func (s *Stream) removeAt(ni, pos int) {
	n := s.nodes[ni]
	s.length--
	if n.live == 1 {
		s.nodes = slices.Delete(s.nodes, ni, ni+1)
		return
	}
	n.buf[pos] |= streamFlagDeleted
	n.live--
	n.deleted++
}

// first returns the first (or last) live entry's ID; ok is false when the
// stream has no live entry.
func (s *Stream) edge(last bool) (streamID, bool) {
	it := s.iter(streamID{}, maxStreamID, last)
	if it.next() {
		return it.id, true
	}
	return streamID{}, false
}

// lastValidID is the last live entry's ID (0-0 when empty).
func (s *Stream) lastValidID() streamID {
	if k := len(s.nodes); k > 0 {
		// Usually the last entry of the last node is live.
		if n := s.nodes[k-1]; n.buf[n.lastPos]&streamFlagDeleted == 0 {
			return n.last
		}
	}
	id, _ := s.edge(true)
	return id
}

// Trim strategies.
const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// streamTrimArgs are XADD's and XTRIM's trimming options.
type streamTrimArgs struct {
	strategy int
	approx   bool
	limit    int64 // 0: no limit
	maxLen   int64
	minID    streamID
	argIdx   int // the count or ID argument (unused: nothing is rewritten)
}

// trim removes entries from the head as Redis's streamTrim does and
// returns how many. Whole nodes go first; with approx it stops at the
// first node it cannot remove whole, otherwise it marks entries of that
// node deleted until the condition holds. limit bounds the work (whole
// nodes only).
func (s *Stream) trim(a *streamTrimArgs) int64 {
	if a.strategy == trimNone {
		return 0
	}
	var deleted int64
	for len(s.nodes) > 0 {
		if a.strategy == trimMaxLen && s.length <= uint64(a.maxLen) {
			break
		}
		n := s.nodes[0]
		entries := int64(n.live)
		if a.limit != 0 && deleted+entries > a.limit {
			break
		}
		var remove bool
		if a.strategy == trimMaxLen {
			remove = s.length-uint64(entries) >= uint64(a.maxLen)
		} else {
			remove = n.last.cmp(a.minID) < 0
		}
		if remove {
			s.nodes = slices.Delete(s.nodes, 0, 1)
			s.length -= uint64(entries)
			deleted += entries
			continue
		}
		if a.approx {
			break
		}
		nmf := n.masterCount()
		var fromNode int32
		for p := int(n.entries); p < len(n.buf); {
			id, flags, np := n.skipAt(p, nmf)
			var stop bool
			if a.strategy == trimMaxLen {
				stop = s.length <= uint64(a.maxLen)
			} else {
				stop = id.cmp(a.minID) >= 0
			}
			if stop {
				break
			}
			if flags&streamFlagDeleted == 0 {
				n.buf[p] |= streamFlagDeleted
				fromNode++
				s.length--
			}
			p = np
		}
		n.live -= fromNode
		n.deleted += fromNode
		deleted += int64(fromNode)
		break
	}
	if s.length == 0 {
		s.firstID = streamID{}
	} else if deleted > 0 {
		s.firstID, _ = s.edge(false)
	}
	return deleted
}

// clone returns a deep copy (COPY).
func (s *Stream) clone() *Stream {
	c := *s
	c.nodes = make([]*streamNode, len(s.nodes))
	for i, n := range s.nodes {
		nn := *n
		nn.buf = slices.Clone(n.buf)
		c.nodes[i] = &nn
	}
	c.groups = make([]*streamGroup, len(s.groups))
	for i, g := range s.groups {
		c.groups[i] = g.clone()
	}
	if len(c.groups) == 0 {
		c.groups = nil
	}
	return &c
}

// memoryBytes estimates the Go memory the stream holds (MEMORY USAGE,
// snapshot freeze accounting).
func (s *Stream) memoryBytes() int {
	size := 96 + 8*cap(s.nodes)
	for _, n := range s.nodes {
		size += 80 + cap(n.buf)
	}
	for _, g := range s.groups {
		size += g.memoryBytes()
	}
	return size
}
