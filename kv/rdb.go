package kv

import (
	"encoding/binary"
	"errors"
	"math"
	"strconv"
)

// Redis 7.0's RDB value encoding, as DUMP and RESTORE carry it:
//
//	payload = type byte | value | RDB version (2 bytes LE, 10) | CRC64 (8 bytes LE)
//
// The CRC64 (Jones polynomial, reflected, initial value 0) covers everything
// before it. Lengths use RDB's variable encoding (6, 14, 32 or 64 bits);
// strings are length-prefixed, or integers (8, 16, 32 bits), or LZF
// compressed. Compact values are listpacks and intsets stored as strings.
//
// The decoder accepts every encoding redis-server 7.0 writes for strings,
// lists (quicklist of listpacks, plus the plain linked list), sets (intset,
// hashtable), sorted sets (listpack, skiplist with binary or text scores) and
// hashes (listpack, hashtable). It never trusts a length: every count is
// checked against the bytes actually left, so a corrupt payload is an error,
// never a panic or an allocation larger than the payload.

// RDB object types.
const (
	rdbTypeString        = 0
	rdbTypeList          = 1
	rdbTypeSet           = 2
	rdbTypeZSet          = 3
	rdbTypeHash          = 4
	rdbTypeZSet2         = 5
	rdbTypeSetIntset     = 11
	rdbTypeHashListpack  = 16
	rdbTypeZSetListpack  = 17
	rdbTypeListQuicklist = 18

	rdbVersion = 10

	rdbEncInt8  = 0
	rdbEncInt16 = 1
	rdbEncInt32 = 2
	rdbEncLZF   = 3

	quicklistNodePlain  = 1
	quicklistNodePacked = 2

	// rdbCompressMin: Redis LZF-compresses only strings longer than this.
	rdbCompressMin = 20

	// listpackNodeBytesMax is the listpack size of one quicklist node at the
	// default list-max-listpack-size (-2: 8 KB), used when writing lists;
	// quicklistSizeEstimateOverhead is what Redis adds to an element's length
	// to estimate its listpack entry when deciding whether it fits a node.
	listpackNodeBytesMax          = 8192
	quicklistSizeEstimateOverhead = 8
)

var errRDB = errors.New("kv: bad RDB payload")

// crc64Table is the table of CRC-64/Jones (reflected polynomial).
var crc64Table = func() (t [256]uint64) {
	const poly = 0x95ac9329ac4bc9b5
	for i := range t {
		c := uint64(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ poly
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc64Jones(crc uint64, b []byte) uint64 {
	for _, x := range b {
		crc = crc64Table[byte(crc)^x] ^ crc>>8
	}
	return crc
}

// --- writing ---

func rdbAppendLen(dst []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(dst, byte(n))
	case n < 1<<14:
		return append(dst, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(dst, 0x80), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(dst, 0x81), n)
}

// rdbEncoder writes RDB values; it keeps the LZF table across the strings
// of one payload.
type rdbEncoder struct {
	lzf lzfTable
}

// appendString writes s as Redis's rdbSaveRawString does: small integers
// in their integer encodings, strings longer than 20 bytes LZF compressed
// when that saves at least 4 bytes, else raw bytes.
func (enc *rdbEncoder) appendString(dst []byte, s []byte) []byte {
	if len(s) <= 11 {
		if v, ok := ParseInt(s); ok {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return append(dst, 0xc0|rdbEncInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return binary.LittleEndian.AppendUint16(append(dst, 0xc0|rdbEncInt16), uint16(v))
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return binary.LittleEndian.AppendUint32(append(dst, 0xc0|rdbEncInt32), uint32(v))
			}
		}
	}
	if len(s) > rdbCompressMin {
		if z := enc.lzf.compress(s, len(s)-4); z != nil {
			dst = append(dst, 0xc0|rdbEncLZF)
			dst = rdbAppendLen(dst, uint64(len(z)))
			dst = rdbAppendLen(dst, uint64(len(s)))
			return append(dst, z...)
		}
	}
	dst = rdbAppendLen(dst, uint64(len(s)))
	return append(dst, s...)
}

// listpackWriter builds a listpack blob.
type listpackWriter struct {
	buf []byte
	n   int
}

func newListpackWriter() *listpackWriter { return &listpackWriter{buf: make([]byte, 6, 64)} }

// entrySize is the bytes s takes in a listpack (encoding, data, backlen).
func listpackEntrySize(s []byte) int {
	var l int
	if v, ok := listpackInt(s); ok {
		l = len(listpackAppendInt(nil, v))
	} else {
		l = len(s) + 1
		if len(s) >= 64 {
			l++
		}
		if len(s) >= 4096 {
			l += 3
		}
	}
	return l + len(listpackAppendBacklen(nil, l))
}

// listpackInt is lpStringToInt64: string2ll's syntax on at most 20 bytes.
func listpackInt(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	return ParseInt(s)
}

func listpackAppendInt(dst []byte, v int64) []byte {
	switch {
	case v >= 0 && v <= 127:
		return append(dst, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & 0x1fff
		return append(dst, 0xc0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		return binary.LittleEndian.AppendUint16(append(dst, 0xf1), uint16(v))
	case v >= -(1<<23) && v < 1<<23:
		u := uint32(v)
		return append(dst, 0xf2, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		return binary.LittleEndian.AppendUint32(append(dst, 0xf3), uint32(v))
	}
	return binary.LittleEndian.AppendUint64(append(dst, 0xf4), uint64(v))
}

func listpackAppendBacklen(dst []byte, l int) []byte {
	switch {
	case l <= 127:
		return append(dst, byte(l))
	case l < 16383:
		return append(dst, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		return append(dst, byte(l>>14), byte(l>>7&127)|128, byte(l&127)|128)
	case l < 268435455:
		return append(dst, byte(l>>21), byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
	}
	return append(dst, byte(l>>28), byte(l>>21&127)|128, byte(l>>14&127)|128, byte(l>>7&127)|128, byte(l&127)|128)
}

func (w *listpackWriter) add(s []byte) {
	start := len(w.buf)
	if v, ok := listpackInt(s); ok {
		w.buf = listpackAppendInt(w.buf, v)
	} else {
		switch n := len(s); {
		case n < 64:
			w.buf = append(w.buf, 0x80|byte(n))
		case n < 4096:
			w.buf = append(w.buf, 0xe0|byte(n>>8), byte(n))
		default:
			w.buf = binary.LittleEndian.AppendUint32(append(w.buf, 0xf0), uint32(n))
		}
		w.buf = append(w.buf, s...)
	}
	w.buf = listpackAppendBacklen(w.buf, len(w.buf)-start)
	w.n++
}

func (w *listpackWriter) size() int { return len(w.buf) + 1 }

func (w *listpackWriter) finish() []byte {
	w.buf = append(w.buf, 0xff)
	binary.LittleEndian.PutUint32(w.buf, uint32(len(w.buf)))
	n := w.n
	if n > 65535 {
		n = 65535
	}
	binary.LittleEndian.PutUint16(w.buf[4:], uint16(n))
	return w.buf
}

// zsetScoreText renders a score as a listpack zset stores it (d2string).
func zsetScoreText(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return []byte("inf")
	case math.IsInf(f, -1):
		return []byte("-inf")
	case f == 0:
		if math.Signbit(f) {
			return []byte("-0")
		}
		return []byte("0")
	case f >= -(1<<62) && f <= 1<<62 && f == math.Trunc(f):
		return strconv.AppendInt(nil, int64(f), 10)
	}
	return appendG17(nil, f)
}

// dumpValue appends the RDB type byte and value of e.
func dumpValue(dst []byte, e *entry) []byte {
	var enc rdbEncoder
	rdbAppendString := enc.appendString
	switch o := e.obj.(type) {
	case nil:
		return rdbAppendString(append(dst, rdbTypeString), e.str)
	case *List:
		dst = append(dst, rdbTypeListQuicklist)
		var nodes [][]byte
		w := newListpackWriter()
		for it := o.front(); it.valid(); it.next() {
			v := []byte(it.value())
			// Redis's _quicklistNodeAllowInsert: the node's bytes plus the
			// element's length plus an 8-byte estimate must stay within 8 KB.
			if w.n > 0 && w.size()+len(v)+quicklistSizeEstimateOverhead > listpackNodeBytesMax {
				nodes = append(nodes, w.finish())
				w = newListpackWriter()
			}
			w.add(v)
		}
		if w.n > 0 {
			nodes = append(nodes, w.finish())
		}
		dst = rdbAppendLen(dst, uint64(len(nodes)))
		for _, n := range nodes {
			dst = rdbAppendLen(dst, quicklistNodePacked)
			dst = rdbAppendString(dst, n)
		}
		return dst
	case *Set:
		if o.intset() {
			width := 2
			for _, v := range o.ints {
				switch {
				case v < math.MinInt32 || v > math.MaxInt32:
					width = 8
				case (v < math.MinInt16 || v > math.MaxInt16) && width < 4:
					width = 4
				}
			}
			blob := binary.LittleEndian.AppendUint32(nil, uint32(width))
			blob = binary.LittleEndian.AppendUint32(blob, uint32(len(o.ints)))
			for _, v := range o.ints {
				switch width {
				case 2:
					blob = binary.LittleEndian.AppendUint16(blob, uint16(v))
				case 4:
					blob = binary.LittleEndian.AppendUint32(blob, uint32(v))
				default:
					blob = binary.LittleEndian.AppendUint64(blob, uint64(v))
				}
			}
			return rdbAppendString(append(dst, rdbTypeSetIntset), blob)
		}
		dst = rdbAppendLen(append(dst, rdbTypeSet), uint64(o.Len()))
		o.each(func(m []byte) bool {
			dst = rdbAppendString(dst, m)
			return true
		})
		return dst
	case *ZSet:
		if o.listpack {
			w := newListpackWriter()
			o.each(func(x zref) bool {
				w.add([]byte(o.memberOf(x)))
				w.add(zsetScoreText(o.scoreOf(x)))
				return true
			})
			return rdbAppendString(append(dst, rdbTypeZSetListpack), w.finish())
		}
		// Redis writes a skiplist from the greatest element to the smallest.
		dst = rdbAppendLen(append(dst, rdbTypeZSet2), uint64(o.Len()))
		for r := o.Len() - 1; r >= 0; r-- {
			x := o.at(r)
			dst = rdbAppendString(dst, []byte(o.memberOf(x)))
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(o.scoreOf(x)))
		}
		return dst
	case *Hash:
		if o.listpack() {
			w := newListpackWriter()
			o.each(func(f, v string) bool {
				w.add([]byte(f))
				w.add([]byte(v))
				return true
			})
			return rdbAppendString(append(dst, rdbTypeHashListpack), w.finish())
		}
		dst = rdbAppendLen(append(dst, rdbTypeHash), uint64(o.Len()))
		o.each(func(f, v string) bool {
			dst = rdbAppendString(dst, []byte(f))
			dst = rdbAppendString(dst, []byte(v))
			return true
		})
		return dst
	case *Stream:
		return o.appendRDB(dst, &enc)
	}
	panic("kv: DUMP of an unknown object type")
}

// dumpPayload is DUMP's reply for e.
func dumpPayload(e *entry) []byte { return sealPayload(dumpValue(nil, e)) }

// sealPayload appends the footer of a DUMP (and FUNCTION DUMP) payload to
// b: the RDB version, 2 bytes little-endian, and the CRC64 of everything
// before the CRC, 8 bytes little-endian.
func sealPayload(b []byte) []byte {
	b = append(b, rdbVersion, 0)
	return binary.LittleEndian.AppendUint64(b, crc64Jones(0, b))
}

// verifyPayload is Redis's verifyDumpPayload: a version not newer than ours
// and a matching CRC64 (a zero CRC is checked like any other).
func verifyPayload(p []byte) bool {
	if len(p) < 10 {
		return false
	}
	footer := p[len(p)-10:]
	ver := binary.LittleEndian.Uint16(footer)
	if ver > rdbVersion {
		return false
	}
	return binary.LittleEndian.Uint64(footer[2:]) == crc64Jones(0, p[:len(p)-8])
}
