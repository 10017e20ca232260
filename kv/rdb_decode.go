package kv

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// Decoding of RDB values (see rdb.go). Every length read is checked
// against the bytes left before anything is allocated: an element takes at
// least one byte, so no count may exceed the remaining payload, and an LZF
// string may expand at most lzfExpansionMax times its compressed size.

// lzfExpansionMax bounds how much a compressed string may claim to expand:
// an LZF back-reference of 3 bytes copies at most 264 bytes.
const lzfExpansionMax = 90

type rdbReader struct {
	b []byte
}

func (r *rdbReader) byte() (byte, bool) {
	if len(r.b) == 0 {
		return 0, false
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c, true
}

func (r *rdbReader) take(n uint64) ([]byte, bool) {
	if n > uint64(len(r.b)) {
		return nil, false
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v, true
}

// length reads an RDB length; special reports an integer/LZF string marker
// (then n is the encoding).
func (r *rdbReader) length() (n uint64, special, ok bool) {
	c, ok := r.byte()
	if !ok {
		return 0, false, false
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, true
	case 1:
		lo, ok := r.byte()
		return uint64(c&0x3f)<<8 | uint64(lo), false, ok
	case 3:
		return uint64(c & 0x3f), true, true
	}
	switch c {
	case 0x80:
		b, ok := r.take(4)
		if !ok {
			return 0, false, false
		}
		return uint64(binary.BigEndian.Uint32(b)), false, true
	case 0x81:
		b, ok := r.take(8)
		if !ok {
			return 0, false, false
		}
		return binary.BigEndian.Uint64(b), false, true
	}
	return 0, false, false
}

// count reads a collection length that must fit in what is left.
func (r *rdbReader) count() (int, bool) {
	n, special, ok := r.length()
	if !ok || special || n > uint64(len(r.b)) {
		return 0, false
	}
	return int(n), true
}

func (r *rdbReader) str() ([]byte, bool) {
	n, special, ok := r.length()
	if !ok {
		return nil, false
	}
	if !special {
		return r.take(n)
	}
	switch n {
	case rdbEncInt8:
		b, ok := r.take(1)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int8(b[0])), 10), true
	case rdbEncInt16:
		b, ok := r.take(2)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int16(binary.LittleEndian.Uint16(b))), 10), true
	case rdbEncInt32:
		b, ok := r.take(4)
		if !ok {
			return nil, false
		}
		return strconv.AppendInt(nil, int64(int32(binary.LittleEndian.Uint32(b))), 10), true
	case rdbEncLZF:
		clen, sp1, ok1 := r.length()
		ulen, sp2, ok2 := r.length()
		if !ok1 || !ok2 || sp1 || sp2 || ulen == 0 {
			return nil, false
		}
		in, ok := r.take(clen)
		if !ok || ulen > uint64(len(in))*lzfExpansionMax || ulen > maxStringBytes {
			return nil, false
		}
		return lzfDecompress(in, int(ulen))
	}
	return nil, false
}

// listpackEntries decodes a listpack blob into its elements, validating its
// header, every entry's back-length and the terminator.
func listpackEntries(lp []byte) ([][]byte, bool) {
	if len(lp) < 7 || binary.LittleEndian.Uint32(lp) != uint32(len(lp)) || lp[len(lp)-1] != 0xff {
		return nil, false
	}
	declared := int(binary.LittleEndian.Uint16(lp[4:]))
	p := lp[6 : len(lp)-1]
	var out [][]byte
	for len(p) > 0 {
		c := p[0]
		var l int // encoding + data
		var v []byte
		need := func(k int) bool { return len(p) >= k }
		switch {
		case c&0x80 == 0:
			l, v = 1, strconv.AppendInt(nil, int64(c), 10)
		case c&0xc0 == 0x80:
			l = 1 + int(c&0x3f)
			if !need(l) {
				return nil, false
			}
			v = p[1:l]
		case c&0xe0 == 0xc0:
			if !need(2) {
				return nil, false
			}
			u := uint64(c&0x1f)<<8 | uint64(p[1])
			x := int64(u)
			if u >= 1<<12 {
				x -= 1 << 13
			}
			l, v = 2, strconv.AppendInt(nil, x, 10)
		case c&0xf0 == 0xe0:
			if !need(2) {
				return nil, false
			}
			l = 2 + (int(c&0x0f)<<8 | int(p[1]))
			if !need(l) {
				return nil, false
			}
			v = p[2:l]
		case c == 0xf0:
			if !need(5) {
				return nil, false
			}
			sl := uint64(binary.LittleEndian.Uint32(p[1:]))
			if sl > uint64(len(p)) {
				return nil, false
			}
			l = 5 + int(sl)
			if !need(l) {
				return nil, false
			}
			v = p[5:l]
		case c >= 0xf1 && c <= 0xf4:
			w := [...]int{2, 3, 4, 8}[c-0xf1]
			if !need(1 + w) {
				return nil, false
			}
			var u uint64
			for k := w - 1; k >= 0; k-- {
				u = u<<8 | uint64(p[1+k])
			}
			x := int64(u << (64 - 8*w))
			x >>= 64 - 8*w
			l, v = 1+w, strconv.AppendInt(nil, x, 10)
		default:
			return nil, false
		}
		bl := listpackAppendBacklen(nil, l)
		if len(p) < l+len(bl) || string(p[l:l+len(bl)]) != string(bl) {
			return nil, false
		}
		out = append(out, v)
		p = p[l+len(bl):]
	}
	if declared != 65535 && declared != len(out) {
		return nil, false
	}
	return out, true
}

// intsetEntries decodes an intset blob (ascending, no duplicates).
func intsetEntries(b []byte) ([]int64, bool) {
	if len(b) < 8 {
		return nil, false
	}
	w := binary.LittleEndian.Uint32(b)
	n := uint64(binary.LittleEndian.Uint32(b[4:]))
	if w != 2 && w != 4 && w != 8 || uint64(len(b)-8) != n*uint64(w) || n == 0 {
		return nil, false
	}
	out := make([]int64, n)
	p := b[8:]
	for i := range out {
		switch w {
		case 2:
			out[i] = int64(int16(binary.LittleEndian.Uint16(p)))
		case 4:
			out[i] = int64(int32(binary.LittleEndian.Uint32(p)))
		default:
			out[i] = int64(binary.LittleEndian.Uint64(p))
		}
		p = p[w:]
		if i > 0 && out[i] <= out[i-1] {
			return nil, false
		}
	}
	return out, true
}

// decodedValue is a RESTOREd value: a string (obj nil) or a collection.
type decodedValue struct {
	str []byte
	obj any
}

// decodeDumpValue decodes the type byte and value of a verified payload
// (footer removed), in the encodings the thresholds lim give.
func decodeDumpValue(b []byte, lim *encodingLimits) (decodedValue, bool) {
	r := &rdbReader{b: b}
	t, ok := r.byte()
	if !ok {
		return decodedValue{}, false
	}
	var v decodedValue
	switch t {
	case rdbTypeString:
		s, ok := r.str()
		if !ok || len(s) > maxStringBytes {
			return v, false
		}
		// s may alias the payload, which the command borrows: copy it.
		v.str = cloneBytes(s)
	case rdbTypeList:
		n, ok := r.count()
		if !ok {
			return v, false
		}
		var elems []string
		for range n {
			s, ok := r.str()
			if !ok {
				return v, false
			}
			elems = append(elems, string(s))
		}
		v.obj, ok = buildList(elems)
		if !ok {
			return v, false
		}
	case rdbTypeListQuicklist:
		n, ok := r.count()
		if !ok {
			return v, false
		}
		var elems []string
		for range n {
			container, special, ok := r.length()
			if !ok || special {
				return v, false
			}
			s, ok := r.str()
			if !ok {
				return v, false
			}
			switch container {
			case quicklistNodePlain:
				elems = append(elems, string(s))
			case quicklistNodePacked:
				es, ok := listpackEntries(s)
				if !ok || len(es) == 0 {
					return v, false
				}
				for _, e := range es {
					elems = append(elems, string(e))
				}
			default:
				return v, false
			}
		}
		v.obj, ok = buildList(elems)
		if !ok {
			return v, false
		}
	case rdbTypeSet:
		n, ok := r.count()
		if !ok || n == 0 {
			return v, false
		}
		s := &Set{}
		for range n {
			m, ok := r.str()
			if !ok || !s.add(m, lim) {
				return v, false
			}
		}
		v.obj = s
	case rdbTypeSetIntset:
		blob, ok := r.str()
		if !ok {
			return v, false
		}
		ints, ok := intsetEntries(blob)
		if !ok {
			return v, false
		}
		s := &Set{}
		for _, x := range ints {
			s.add(strconv.AppendInt(nil, x, 10), lim)
		}
		v.obj = s
	case rdbTypeZSet, rdbTypeZSet2:
		n, ok := r.count()
		if !ok || n == 0 {
			return v, false
		}
		var elems []zsetElem
		for range n {
			m, ok := r.str()
			if !ok {
				return v, false
			}
			var score float64
			if t == rdbTypeZSet2 {
				b, ok := r.take(8)
				if !ok {
					return v, false
				}
				score = math.Float64frombits(binary.LittleEndian.Uint64(b))
			} else if score, ok = rdbTextScore(r); !ok {
				return v, false
			}
			if math.IsNaN(score) {
				return v, false
			}
			elems = append(elems, zsetElem{member: string(m), score: score})
		}
		v.obj, ok = buildZSet(elems, false, lim)
		if !ok {
			return v, false
		}
	case rdbTypeZSetListpack:
		blob, ok := r.str()
		if !ok {
			return v, false
		}
		es, ok := listpackEntries(blob)
		if !ok || len(es) == 0 || len(es)%2 != 0 {
			return v, false
		}
		elems := make([]zsetElem, 0, len(es)/2)
		for i := 0; i < len(es); i += 2 {
			score, ok := parseZScore(es[i+1])
			if !ok {
				return v, false
			}
			elems = append(elems, zsetElem{member: string(es[i]), score: score})
		}
		v.obj, ok = buildZSet(elems, true, lim)
		if !ok {
			return v, false
		}
	case rdbTypeHash:
		n, ok := r.count()
		if !ok || n == 0 {
			return v, false
		}
		h := &Hash{}
		for range n {
			f, ok1 := r.str()
			val, ok2 := r.str()
			if !ok1 || !ok2 || !h.setString(f, string(val), lim) {
				return v, false
			}
		}
		v.obj = h
	case rdbTypeHashListpack:
		blob, ok := r.str()
		if !ok {
			return v, false
		}
		es, ok := listpackEntries(blob)
		if !ok || len(es) == 0 || len(es)%2 != 0 {
			return v, false
		}
		h := &Hash{}
		for i := 0; i < len(es); i += 2 {
			if !h.setString(es[i], string(es[i+1]), lim) {
				return v, false
			}
		}
		v.obj = h
	case rdbTypeStreamListpacks, rdbTypeStreamListpacks2:
		s, ok := decodeStreamRDB(r, t)
		if !ok {
			return v, false
		}
		v.obj = s
	default:
		return v, false
	}
	// Like Redis, bytes after the value (before the footer) are ignored.
	return v, true
}

// rdbTextScore reads an old-style zset score: a length byte and ASCII text
// (253 nan, 254 inf, 255 -inf).
func rdbTextScore(r *rdbReader) (float64, bool) {
	n, ok := r.byte()
	if !ok {
		return 0, false
	}
	switch n {
	case 253:
		return math.NaN(), true
	case 254:
		return math.Inf(1), true
	case 255:
		return math.Inf(-1), true
	}
	b, ok := r.take(uint64(n))
	if !ok {
		return 0, false
	}
	return ParseFloat(b)
}

func buildList(elems []string) (*List, bool) {
	if len(elems) == 0 {
		return nil, false
	}
	b := newListBuilder(len(elems))
	for _, s := range elems {
		b.add(s)
	}
	return b.l, true
}

// buildZSet sorts elements, refuses duplicates, and picks the encoding
// Redis ends with after loading.
func buildZSet(elems []zsetElem, fromListpack bool, lim *encodingLimits) (*ZSet, bool) {
	maxLen := 0
	for _, e := range elems {
		maxLen = max(maxLen, len(e.member))
	}
	slices.SortFunc(elems, func(a, b zsetElem) int {
		if a.member < b.member {
			return -1
		}
		if a.member > b.member {
			return 1
		}
		return 0
	})
	for i := 1; i < len(elems); i++ {
		if elems[i].member == elems[i-1].member {
			return nil, false
		}
	}
	slices.SortFunc(elems, func(a, b zsetElem) int {
		switch {
		case a.score < b.score:
			return -1
		case a.score > b.score:
			return 1
		case a.member < b.member:
			return -1
		case a.member > b.member:
			return 1
		}
		return 0
	})
	// A listpack payload stays one unless it has too many elements; other
	// payloads become listpacks when they fit (rdbLoadObject).
	listpack := zsetFitsListpack(len(elems), maxLen, lim)
	if fromListpack {
		listpack = len(elems) <= lim.zsetEntries
	}
	return zsetFromSorted(elems, listpack), true
}
