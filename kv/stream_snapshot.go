package kv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The snapshot value of a stream (record type TypeStream, see
// docs/snapshot-format.md). Integers are uvarints unless marked varint;
// an ID is two uvarints (ms, seq); a string is a uvarint length and bytes.
//
//	version u8 (0)
//	length, entries added, last ID, first ID, max deleted ID
//	nodes uvarint, per node:
//	    master ID, last ID, live, deleted, listpack bytes, entries offset, buf (string)
//	groups uvarint, per group (sorted by name):
//	    name, last ID, entries read (varint),
//	    consumers uvarint, per consumer (sorted by name): name, seen time (varint)
//	    pending uvarint, per pending entry (by ID): ID, consumer index,
//	        delivery time (varint), delivery count (varint)
//
// Nodes are written as they are (their split points are state: they decide
// what approximate trimming removes), so two machines that applied the
// same log write the same bytes. The decoder checks everything: node
// buffers entry by entry, ID order, counts, name order and indexes, so a
// corrupt snapshot is an error, never a panic or a broken stream.

const streamSnapVersion = 0

func appendStreamID(dst []byte, id streamID) []byte {
	dst = binary.AppendUvarint(dst, id.ms)
	return binary.AppendUvarint(dst, id.seq)
}

func appendSnapString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendSnapshot appends the stream's snapshot value.
func (s *Stream) appendSnapshot(dst []byte) []byte {
	dst = append(dst, streamSnapVersion)
	dst = binary.AppendUvarint(dst, s.length)
	dst = binary.AppendUvarint(dst, s.entriesAdded)
	dst = appendStreamID(dst, s.lastID)
	dst = appendStreamID(dst, s.firstID)
	dst = appendStreamID(dst, s.maxDeleted)
	dst = binary.AppendUvarint(dst, uint64(len(s.nodes)))
	for _, n := range s.nodes {
		dst = snapRoom(dst, len(n.buf)+snapRoomSlack) // two IDs and five varints before it
		dst = appendStreamID(dst, n.master)
		dst = appendStreamID(dst, n.last)
		dst = binary.AppendUvarint(dst, uint64(n.live))
		dst = binary.AppendUvarint(dst, uint64(n.deleted))
		dst = binary.AppendUvarint(dst, uint64(n.lpBytes))
		dst = binary.AppendUvarint(dst, uint64(n.entries))
		dst = binary.AppendUvarint(dst, uint64(len(n.buf)))
		dst = append(dst, n.buf...)
	}
	dst = binary.AppendUvarint(dst, uint64(len(s.groups)))
	for _, g := range s.groups {
		dst = appendSnapString(dst, g.name)
		dst = appendStreamID(dst, g.lastID)
		dst = binary.AppendVarint(dst, g.entriesRead)
		dst = binary.AppendUvarint(dst, uint64(len(g.consumers)))
		index := make(map[*streamConsumer]int, len(g.consumers))
		for i, c := range g.consumers {
			dst = snapRoom(dst, len(c.name))
			dst = appendSnapString(dst, c.name)
			dst = binary.AppendVarint(dst, c.seenTime)
			index[c] = i
		}
		dst = binary.AppendUvarint(dst, uint64(g.pel.Len()))
		g.pel.each(streamID{}, func(id streamID, n *streamNACK) bool {
			dst = snapRoom(dst, 0)
			dst = appendStreamID(dst, id)
			dst = binary.AppendUvarint(dst, uint64(index[n.consumer]))
			dst = binary.AppendVarint(dst, n.deliveryTime)
			dst = binary.AppendVarint(dst, n.deliveryCount)
			return true
		})
	}
	return dst
}

var errStreamSnap = errors.New("malformed stream")

// snapReader reads the fields of a stream snapshot value.
type streamSnapReader struct {
	b   []byte
	err error
}

func (r *streamSnapReader) fail(format string, a ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: "+format, append([]any{errStreamSnap}, a...)...)
	}
}

func (r *streamSnapReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail("truncated integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *streamSnapReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail("truncated integer")
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *streamSnapReader) id() streamID { return streamID{r.uvarint(), r.uvarint()} }

func (r *streamSnapReader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)) {
		r.fail("string of %d bytes, %d left", n, len(r.b))
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// count reads a count of items each taking at least one byte.
func (r *streamSnapReader) count() int {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail("count %d, %d bytes left", n, len(r.b))
		return 0
	}
	return int(n)
}

// decodeStreamSnapshot decodes a stream snapshot value. It keeps b.
func decodeStreamSnapshot(b []byte) (*Stream, error) {
	if len(b) == 0 || b[0] != streamSnapVersion {
		return nil, fmt.Errorf("%w: bad version", errStreamSnap)
	}
	r := &streamSnapReader{b: b[1:]}
	s := &Stream{}
	s.length = r.uvarint()
	s.entriesAdded = r.uvarint()
	s.lastID = r.id()
	s.firstID = r.id()
	s.maxDeleted = r.id()
	nn := r.count()
	var prev streamID
	var live uint64
	first, haveFirst := streamID{}, false
	for i := 0; i < nn && r.err == nil; i++ {
		n := &streamNode{master: r.id(), last: r.id()}
		nl, nd, lpb, off := r.uvarint(), r.uvarint(), r.uvarint(), r.uvarint()
		n.buf = r.bytes()
		if r.err != nil {
			break
		}
		if nl == 0 || nl+nd > math.MaxInt32 || lpb > math.MaxInt32 || off > uint64(len(n.buf)) {
			r.fail("node %d: counts", i)
			break
		}
		n.live, n.deleted, n.lpBytes, n.entries = int32(nl), int32(nd), int32(lpb), int32(off)
		if i > 0 && n.master.cmp(prev) <= 0 {
			r.fail("node %d: master ID out of order", i)
			break
		}
		fl, err := n.validate()
		if err != nil {
			r.fail("node %d: %v", i, err)
			break
		}
		if !haveFirst {
			first, haveFirst = fl, true
		}
		prev = n.last
		live += nl
		s.nodes = append(s.nodes, n)
	}
	if r.err == nil {
		switch {
		case live != s.length:
			r.fail("length %d, %d live entries", s.length, live)
		case haveFirst && first != s.firstID, !haveFirst && !s.firstID.isZero():
			r.fail("first ID %s does not match the entries", s.firstID)
		case s.entriesAdded < s.length:
			r.fail("entries added %d < length %d", s.entriesAdded, s.length)
		}
	}
	ng := r.count()
	for i := 0; i < ng && r.err == nil; i++ {
		g := &streamGroup{name: string(r.bytes()), lastID: r.id(), entriesRead: r.varint()}
		if i > 0 && s.groups[i-1].name >= g.name {
			r.fail("group %d: names out of order", i)
			break
		}
		nc := r.count()
		for j := 0; j < nc && r.err == nil; j++ {
			c := &streamConsumer{name: string(r.bytes()), seenTime: r.varint()}
			if j > 0 && g.consumers[j-1].name >= c.name {
				r.fail("group %q: consumers out of order", g.name)
				break
			}
			g.consumers = append(g.consumers, c)
		}
		np := r.count()
		var last streamID
		for j := 0; j < np && r.err == nil; j++ {
			id := r.id()
			ci := r.uvarint()
			nack := &streamNACK{deliveryTime: r.varint(), deliveryCount: r.varint()}
			if r.err != nil {
				break
			}
			if j > 0 && id.cmp(last) <= 0 || ci >= uint64(len(g.consumers)) {
				r.fail("group %q: pending entry %d", g.name, j)
				break
			}
			last = id
			nack.consumer = g.consumers[ci]
			g.pel.set(id, nack)
			nack.consumer.pel.set(id, nack)
		}
		s.groups = append(s.groups, g)
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return s, nil
}

// validate checks a decoded node's buffer, counts and edge IDs, and
// returns its first live entry's ID. Every later read of the node trusts
// what this accepted.
func (n *streamNode) validate() (streamID, error) {
	r := &streamSnapReader{b: n.buf}
	nmf := r.count()
	for i := 0; i < nmf && r.err == nil; i++ {
		r.bytes()
	}
	if r.err != nil {
		return streamID{}, r.err
	}
	if len(n.buf)-len(r.b) != int(n.entries) {
		return streamID{}, errors.New("entries offset")
	}
	var live, deleted int32
	var prev, firstLive streamID
	haveLive := false
	for k := 0; len(r.b) > 0; k++ {
		n.lastPos = int32(len(n.buf) - len(r.b))
		flags := r.b[0]
		r.b = r.b[1:]
		if flags&^(streamFlagDeleted|streamFlagSameFields) != 0 {
			return streamID{}, errors.New("entry flags")
		}
		ms, seq := r.uvarint(), r.varint()
		id := streamID{n.master.ms + ms, n.master.seq + uint64(seq)}
		if r.err != nil || id.ms < n.master.ms {
			return streamID{}, errors.New("entry ID")
		}
		// Entries follow their master; after XSETID moved the last ID
		// back, one may be smaller than a tombstone before it.
		if k == 0 && id != n.master || k > 0 && id.cmp(n.master) <= 0 {
			return streamID{}, errors.New("entry ID before the master")
		}
		if k == 0 && flags&streamFlagSameFields == 0 {
			return streamID{}, errors.New("first entry without master fields")
		}
		prev = id
		cnt := nmf
		if flags&streamFlagSameFields == 0 {
			nf := r.count()
			if nf == 0 {
				return streamID{}, errors.New("entry without fields")
			}
			cnt = 2 * nf
		}
		for i := 0; i < cnt && r.err == nil; i++ {
			r.bytes()
		}
		if r.err != nil {
			return streamID{}, r.err
		}
		if flags&streamFlagDeleted != 0 {
			deleted++
		} else {
			if !haveLive {
				firstLive, haveLive = id, true
			}
			live++
		}
	}
	if nmf == 0 || live != n.live || deleted != n.deleted || prev != n.last {
		return streamID{}, errors.New("counts or last ID")
	}
	return firstLive, nil
}
