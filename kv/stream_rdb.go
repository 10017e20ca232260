package kv

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Streams in Redis 7.0's RDB encoding, as DUMP writes and RESTORE reads
// them (RDB_TYPE_STREAM_LISTPACKS_2; RESTORE also reads the older
// RDB_TYPE_STREAM_LISTPACKS of Redis 5 to 6.2):
//
//	nodes len, per node: key (16 bytes: master ms, seq big-endian) | listpack
//	length | last ID ms | seq | first ID ms | seq | max deleted ms | seq | entries added   (lens; _2 only from "first")
//	groups len, per group: name | last ID ms | seq | entries read (len, _2 only)
//	    | PEL len, per entry: ID (16 raw bytes) | delivery time (8 bytes LE) | delivery count (len)
//	    | consumers len, per consumer: name | seen time (8 bytes LE) | PEL len, per entry: ID (16 raw bytes)
//
// A node's listpack is what Redis keeps: the master entry (live count,
// deleted count, field count, fields, 0) then every entry (flags, ms and
// seq deltas, [field count, fields and values | values], element count).
// The decoder checks every count and ID against the others, so a corrupt
// payload is "Bad data format", never a broken stream.

const (
	rdbTypeStreamListpacks  = 15
	rdbTypeStreamListpacks2 = 19
)

func streamIDKey(id streamID) []byte {
	k := binary.BigEndian.AppendUint64(make([]byte, 0, 16), id.ms)
	return binary.BigEndian.AppendUint64(k, id.seq)
}

func (w *listpackWriter) addInt(v int64) { w.add(strconv.AppendInt(nil, v, 10)) }

// listpack renders the node as Redis's listpack.
func (n *streamNode) listpack() []byte {
	w := newListpackWriter()
	w.addInt(int64(n.live))
	w.addInt(int64(n.deleted))
	var mf, kv [][]byte
	mf = n.masterFields(mf)
	w.addInt(int64(len(mf)))
	for _, f := range mf {
		w.add(f)
	}
	w.addInt(0)
	for p := int(n.entries); p < len(n.buf); {
		var id streamID
		var flags byte
		id, flags, kv, p = n.decodeAt(p, mf, kv)
		w.addInt(int64(flags))
		w.addInt(int64(id.ms - n.master.ms))
		w.addInt(int64(id.seq - n.master.seq))
		count := int64(len(kv)/2 + 3)
		if flags&streamFlagSameFields != 0 {
			for i := 1; i < len(kv); i += 2 {
				w.add(kv[i])
			}
		} else {
			w.addInt(int64(len(kv) / 2))
			for _, b := range kv {
				w.add(b)
			}
			count += int64(len(kv)/2 + 1)
		}
		w.addInt(count)
	}
	return w.finish()
}

func rdbAppendMs(dst []byte, ms int64) []byte {
	return binary.LittleEndian.AppendUint64(dst, uint64(ms))
}

// appendRDB appends the stream's RDB type byte and value.
func (s *Stream) appendRDB(dst []byte, enc *rdbEncoder) []byte {
	dst = append(dst, rdbTypeStreamListpacks2)
	dst = rdbAppendLen(dst, uint64(len(s.nodes)))
	for _, n := range s.nodes {
		dst = enc.appendString(dst, streamIDKey(n.master))
		dst = enc.appendString(dst, n.listpack())
	}
	for _, v := range []uint64{s.length, s.lastID.ms, s.lastID.seq, s.firstID.ms, s.firstID.seq,
		s.maxDeleted.ms, s.maxDeleted.seq, s.entriesAdded} {
		dst = rdbAppendLen(dst, v)
	}
	dst = rdbAppendLen(dst, uint64(len(s.groups)))
	for _, g := range s.groups {
		dst = enc.appendString(dst, []byte(g.name))
		dst = rdbAppendLen(dst, g.lastID.ms)
		dst = rdbAppendLen(dst, g.lastID.seq)
		dst = rdbAppendLen(dst, uint64(g.entriesRead))
		dst = rdbAppendLen(dst, uint64(g.pel.Len()))
		g.pel.each(streamID{}, func(id streamID, nack *streamNACK) bool {
			dst = append(dst, streamIDKey(id)...)
			dst = rdbAppendMs(dst, nack.deliveryTime)
			dst = rdbAppendLen(dst, uint64(nack.deliveryCount))
			return true
		})
		dst = rdbAppendLen(dst, uint64(len(g.consumers)))
		for _, c := range g.consumers {
			dst = enc.appendString(dst, []byte(c.name))
			dst = rdbAppendMs(dst, c.seenTime)
			dst = rdbAppendLen(dst, uint64(c.pel.Len()))
			c.pel.each(streamID{}, func(id streamID, _ *streamNACK) bool {
				dst = append(dst, streamIDKey(id)...)
				return true
			})
		}
	}
	return dst
}

// rdbLen reads a plain length.
func (r *rdbReader) plainLen() (uint64, bool) {
	n, special, ok := r.length()
	return n, ok && !special
}

func (r *rdbReader) rawID() (streamID, bool) {
	b, ok := r.take(16)
	if !ok {
		return streamID{}, false
	}
	return streamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, true
}

func (r *rdbReader) ms() (int64, bool) {
	b, ok := r.take(8)
	if !ok {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}

// streamNodeFromListpack rebuilds a node from its master ID and listpack.
func streamNodeFromListpack(master streamID, lp []byte) (*streamNode, bool) {
	es, ok := listpackEntries(lp)
	if !ok || len(es) < 4 {
		return nil, false
	}
	num := func(b []byte) (int64, bool) { return ParseInt(b) }
	live, ok1 := num(es[0])
	deleted, ok2 := num(es[1])
	nmf, ok3 := num(es[2])
	if !ok1 || !ok2 || !ok3 || live < 1 || deleted < 0 || nmf < 1 || nmf > int64(len(es)) || live+deleted > math.MaxInt32 {
		return nil, false
	}
	i := 3 + int(nmf)
	if i >= len(es) || string(es[i]) != "0" {
		return nil, false
	}
	n := &streamNode{master: master}
	n.buf = binary.AppendUvarint(nil, uint64(nmf))
	for _, f := range es[3:i] {
		n.buf = binary.AppendUvarint(n.buf, uint64(len(f)))
		n.buf = append(n.buf, f...)
	}
	n.entries = int32(len(n.buf))
	i++
	var gotLive, gotDeleted int64
	for k := 0; i < len(es); k++ {
		if len(es)-i < 4 {
			return nil, false
		}
		flags, ok1 := num(es[i])
		msd, ok2 := num(es[i+1])
		seqd, ok3 := num(es[i+2])
		if !ok1 || !ok2 || !ok3 || flags&^(streamFlagDeleted|streamFlagSameFields) != 0 {
			return nil, false
		}
		id := streamID{master.ms + uint64(msd), master.seq + uint64(seqd)}
		if k == 0 && (id != master || flags&streamFlagSameFields == 0) || k > 0 && id.cmp(master) <= 0 {
			return nil, false
		}
		i += 3
		n.lastPos = int32(len(n.buf))
		n.buf = append(n.buf, byte(flags))
		n.buf = binary.AppendUvarint(n.buf, id.ms-master.ms)
		n.buf = binary.AppendVarint(n.buf, int64(id.seq-master.seq))
		var elems int64
		if flags&streamFlagSameFields != 0 {
			elems = nmf
		} else {
			nf, ok := num(es[i])
			if !ok || nf < 1 || nf > int64(len(es)) {
				return nil, false
			}
			i++
			n.buf = binary.AppendUvarint(n.buf, uint64(nf))
			elems = 2 * nf
		}
		if int64(len(es)-i) < elems+1 {
			return nil, false
		}
		for _, b := range es[i : i+int(elems)] {
			n.buf = binary.AppendUvarint(n.buf, uint64(len(b)))
			n.buf = append(n.buf, b...)
		}
		i += int(elems)
		want := elems + 3
		if flags&streamFlagSameFields == 0 {
			want++
		}
		if c, ok := num(es[i]); !ok || c != want {
			return nil, false
		}
		i++
		if flags&streamFlagDeleted != 0 {
			gotDeleted++
		} else {
			gotLive++
		}
		n.last = id
	}
	if gotLive != live || gotDeleted != deleted {
		return nil, false
	}
	n.live, n.deleted = int32(live), int32(deleted)
	n.lpBytes = int32(len(lp) - lpIntBytes(live) - lpIntBytes(deleted))
	return n, true
}

// decodeStreamRDB reads a stream value of RDB type t.
func decodeStreamRDB(r *rdbReader, t byte) (*Stream, bool) {
	s := &Stream{}
	nn, ok := r.count()
	if !ok {
		return nil, false
	}
	for i := 0; i < nn; i++ {
		key, ok1 := r.str()
		lp, ok2 := r.str()
		if !ok1 || !ok2 || len(key) != 16 {
			return nil, false
		}
		master := streamID{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])}
		if i > 0 && master.cmp(s.nodes[i-1].master) <= 0 {
			return nil, false
		}
		n, ok := streamNodeFromListpack(master, lp)
		if !ok {
			return nil, false
		}
		s.length += uint64(n.live)
		s.nodes = append(s.nodes, n)
	}
	length, ok1 := r.plainLen()
	lms, ok2 := r.plainLen()
	lseq, ok3 := r.plainLen()
	if !ok1 || !ok2 || !ok3 || length != s.length {
		return nil, false
	}
	s.lastID = streamID{lms, lseq}
	if t == rdbTypeStreamListpacks2 {
		var v [5]uint64
		for i := range v {
			if v[i], ok = r.plainLen(); !ok {
				return nil, false
			}
		}
		s.firstID, s.maxDeleted, s.entriesAdded = streamID{v[0], v[1]}, streamID{v[2], v[3]}, v[4]
	} else {
		s.firstID, _ = s.edge(false)
		s.entriesAdded = s.length
	}
	if first, _ := s.edge(false); first != s.firstID || s.entriesAdded < s.length {
		return nil, false
	}
	ng, ok := r.count()
	if !ok {
		return nil, false
	}
	for i := 0; i < ng; i++ {
		name, ok1 := r.str()
		gms, ok2 := r.plainLen()
		gseq, ok3 := r.plainLen()
		if !ok1 || !ok2 || !ok3 {
			return nil, false
		}
		last := streamID{gms, gseq}
		entriesRead := s.estimateDistance(last)
		if t == rdbTypeStreamListpacks2 {
			v, ok := r.plainLen()
			if !ok {
				return nil, false
			}
			entriesRead = int64(v)
		}
		g := s.createGroup(name, last, entriesRead)
		if g == nil {
			return nil, false // a duplicate name
		}
		np, ok := r.count()
		if !ok {
			return nil, false
		}
		for j := 0; j < np; j++ {
			id, ok1 := r.rawID()
			dt, ok2 := r.ms()
			dc, ok3 := r.plainLen()
			if !ok1 || !ok2 || !ok3 || !g.pel.set(id, &streamNACK{deliveryTime: dt, deliveryCount: int64(dc)}) {
				return nil, false
			}
		}
		nc, ok := r.count()
		if !ok {
			return nil, false
		}
		for j := 0; j < nc; j++ {
			cname, ok1 := r.str()
			seen, ok2 := r.ms()
			if !ok1 || !ok2 {
				return nil, false
			}
			c := g.createConsumer(cname, seen)
			if c == nil {
				return nil, false
			}
			cp, ok := r.count()
			if !ok {
				return nil, false
			}
			for k := 0; k < cp; k++ {
				id, ok := r.rawID()
				if !ok {
					return nil, false
				}
				nack, found := g.pel.get(id)
				if !found || nack.consumer != nil {
					return nil, false
				}
				nack.consumer = c
				c.pel.set(id, nack)
			}
		}
		orphan := false
		g.pel.each(streamID{}, func(_ streamID, nack *streamNACK) bool {
			orphan = nack.consumer == nil
			return !orphan
		})
		if orphan {
			return nil, false
		}
	}
	return s, true
}

// Sizes of Redis 7.0's stream structures on 64-bit (MEMORY USAGE).
const (
	redisStreamBytes         = 80 // stream: rax*, length, last, first, max deleted IDs, entries added, cgroups*
	redisRaxNodeBytes        = 4  // raxNode header
	redisRaxNodeOverhead     = 8 * 30
	redisStreamCGBytes       = 40 // streamCG: last ID, entries read, pel*, consumers*
	redisStreamNACKBytes     = 24 // streamNACK: delivery time, count, consumer*
	redisStreamConsumerBytes = 24 // streamConsumer: seen time, name, pel*
	// redisStreamPrealloc is what Redis allocates for a new node's
	// listpack (STREAM_LISTPACK_MAX_PRE_ALLOCATE), at most
	// stream-node-max-bytes.
	redisStreamPrealloc = 4096
)

// raxUsage is Redis's streamRadixTreeMemoryUsage for a tree of n keys and
// nodes nodes.
func raxUsage(n, nodes int) int {
	return n*16 + nodes*redisRaxNodeBytes + nodes*redisRaxNodeOverhead
}

// raxNodesOfIDs is the node count of the canonical radix tree of ids
// (sorted, distinct).
func raxNodesOfIDs(ids []streamID) int {
	if len(ids) == 0 {
		return 1
	}
	keys := make([][16]byte, len(ids))
	for i, id := range ids {
		binary.BigEndian.PutUint64(keys[i][:8], id.ms)
		binary.BigEndian.PutUint64(keys[i][8:], id.seq)
	}
	return raxSubtreeNodes(keys, 0)
}

func pelIDs(m *idMap[*streamNACK]) []streamID {
	ids := make([]streamID, 0, m.Len())
	m.each(streamID{}, func(id streamID, _ *streamNACK) bool {
		ids = append(ids, id)
		return true
	})
	return ids
}

// redisUsage is Redis's objectComputeSize for the stream, less the robj:
// the struct, the radix tree, the listpacks as allocated (closed nodes
// shrunk to their size, the last one at least the preallocation; the
// first samples nodes averaged when there are more), and the groups'
// structures and PELs. A stream RESTOREd by Redis has its last listpack
// exactly sized; here it counts as preallocated.
func (s *Stream) redisUsage(samples int, lim *encodingLimits) int {
	size := redisStreamBytes + raxUsage(len(s.nodes), s.radixTreeNodes())
	prealloc := redisStreamPrealloc
	if b := lim.raw[encStreamNodeBytes]; b > 0 && b < int64(prealloc) {
		prealloc = int(b)
	}
	alloc := func(i int) int {
		n := s.nodes[i]
		if i == len(s.nodes)-1 {
			return jemallocSize(max(n.listpackBytes(), prealloc))
		}
		return jemallocSize(n.listpackBytes())
	}
	lp, k := 0, 0
	for ; k < samples && k < len(s.nodes); k++ {
		lp += alloc(k)
	}
	if len(s.nodes) <= k {
		size += lp
	} else {
		if k > 0 {
			lp /= k
		}
		size += lp*(len(s.nodes)-1) + alloc(len(s.nodes)-1)
	}
	for _, g := range s.groups {
		size += redisStreamCGBytes + raxUsage(g.pel.Len(), raxNodesOfIDs(pelIDs(&g.pel))) + redisStreamNACKBytes*g.pel.Len()
		for _, c := range g.consumers {
			size += redisStreamConsumerBytes + len(c.name) + raxUsage(c.pel.Len(), raxNodesOfIDs(pelIDs(&c.pel)))
		}
	}
	return size
}
