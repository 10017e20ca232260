package kv

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// HyperLogLog in Redis 7.0's exact string format, so that an HLL built here
// is byte for byte the string redis-server builds from the same commands
// (GET, DUMP and PFCOUNT agree). The format, written from Redis's
// documentation of hyperloglog.c:
//
//	header (16 bytes): "HYLL" | encoding (0 dense, 1 sparse) | 3 zero bytes |
//	                   cached cardinality, 8 bytes little endian; the top bit
//	                   of the last byte set means "cache invalid"
//	dense:  16384 registers of 6 bits packed LSB first (12288 bytes)
//	sparse: run-length opcodes over the 16384 registers:
//	        ZERO  00xxxxxx           1..64 zero registers
//	        XZERO 01xxxxxx yyyyyyyy  1..16384 zero registers
//	        VAL   1vvvvvxx           1..4 registers of value 1..32
//
// An element is hashed with MurmurHash64A (seed 0xadc83b19); the low 14 bits
// pick the register, the position of the first 1 bit in the rest (counted
// from 1, at most 51) is the register's candidate value. A sparse HLL turns
// dense when a value exceeds 32 or its string would exceed hllSparseMaxBytes.

const (
	hllP         = 14
	hllQ         = 64 - hllP
	hllRegisters = 1 << hllP
	hllBits      = 6
	hllRegMax    = 1<<hllBits - 1
	hllHdrSize   = 16
	hllDenseSize = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense     = 0
	hllSparse    = 1
	hllSeed      = 0xadc83b19
	// hllSparseMaxBytes is Redis's hll-sparse-max-bytes default: a sparse
	// HLL whose string would grow past it is promoted to dense.
	hllSparseMaxBytes = 3000

	hllSparseValMax   = 32
	hllSparseValLen   = 4
	hllSparseZeroMax  = 64
	hllSparseXZeroMax = 16384
	hllAlphaInf       = 0.721347520444481703680
)

// HLL error replies.
const (
	errHLLInvalid = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errHLLCorrupt = "INVALIDOBJ Corrupted HLL object detected"
)

// murmurHash64A is MurmurHash2's 64-bit variant, endian neutral, as Redis
// uses it for HyperLogLogs.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if n := len(key); n > 0 {
		for i := n - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen returns the register an element maps to and its run length.
func hllPatLen(ele []byte) (index int, count uint8) {
	h := murmurHash64A(ele, hllSeed)
	index = int(h & (hllRegisters - 1))
	h >>= hllP
	h |= 1 << hllQ
	return index, uint8(bits.TrailingZeros64(h) + 1)
}

// newHLL returns an empty sparse HLL (a valid cached cardinality of 0).
func newHLL() []byte {
	s := make([]byte, hllHdrSize, hllHdrSize+2)
	copy(s, "HYLL")
	s[4] = hllSparse
	n := hllRegisters
	for n > 0 {
		x := min(n, hllSparseXZeroMax)
		s = append(s, 0x40|byte((x-1)>>8), byte(x-1))
		n -= x
	}
	return s
}

// validHLL is Redis's isHLLObjectOrReply after the type check.
func validHLL(s []byte) bool {
	if len(s) < hllHdrSize || string(s[:4]) != "HYLL" || s[4] > hllSparse {
		return false
	}
	return s[4] != hllDense || len(s) == hllDenseSize
}

func hllInvalidateCache(s []byte) { s[15] |= 0x80 }

func hllCacheValid(s []byte) bool { return s[15]&0x80 == 0 }

// denseGet and denseSet access register i of the dense registers r.
func denseGet(r []byte, i int) uint8 {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	v := uint(r[b]) >> fb
	if b+1 < len(r) {
		v |= uint(r[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegMax)
}

func denseSet(r []byte, i int, val uint8) {
	b := i * hllBits / 8
	fb := uint(i * hllBits & 7)
	v := uint(val)
	r[b] = byte(uint(r[b])&^(hllRegMax<<fb) | v<<fb)
	if b+1 < len(r) {
		r[b+1] = byte(uint(r[b+1])&^(hllRegMax>>(8-fb)) | v>>(8-fb))
	}
}

// denseSetMax raises register i to count if it is lower; reports a change.
func denseSetMax(r []byte, i int, count uint8) bool {
	if count > denseGet(r, i) {
		denseSet(r, i, count)
		return true
	}
	return false
}

// sparseOp decodes the opcode at p[0]: its register span, its value (0 for
// the zero opcodes) and its byte length. An XZERO cut by the end of the
// string reads a zero second byte, as Redis does (it reads the string's
// terminating NUL); callers advance by at most what is left.
func sparseOp(p []byte) (span int, val uint8, oplen int, ok bool) {
	switch c := p[0]; {
	case c&0xc0 == 0:
		return int(c&0x3f) + 1, 0, 1, true
	case c&0x80 != 0:
		return int(c&3) + 1, (c>>2)&0x1f + 1, 1, true
	default:
		lo := 0
		if len(p) >= 2 {
			lo = int(p[1])
		}
		return (int(c&0x3f)<<8 | lo) + 1, 0, 2, true
	}
}

func sparseVal(val uint8, n int) byte { return 0x80 | (val-1)<<2 | byte(n-1) }

// appendSparseZeros appends a ZERO or XZERO opcode for n zero registers.
func appendSparseZeros(dst []byte, n int) []byte {
	if n > hllSparseZeroMax {
		return append(dst, 0x40|byte((n-1)>>8), byte(n-1))
	}
	return append(dst, byte(n-1))
}

// sparseRegisters decodes the registers of a sparse HLL into max (taking
// the maximum with what is there). ok is false for a corrupt encoding.
func sparseRegisters(ops []byte, max *[hllRegisters]uint8) bool {
	i := 0
	for len(ops) > 0 {
		span, val, oplen, ok := sparseOp(ops)
		if !ok {
			return false
		}
		if val != 0 {
			if i+span > hllRegisters {
				return false
			}
			for j := i; j < i+span; j++ {
				if val > max[j] {
					max[j] = val
				}
			}
		}
		i += span
		ops = ops[min(oplen, len(ops)):]
	}
	return i == hllRegisters
}

// hllToDense converts a sparse HLL to dense, keeping the header's magic and
// cached cardinality (Redis's hllSparseToDense).
func hllToDense(s []byte) ([]byte, bool) {
	if s[4] == hllDense {
		return s, true
	}
	var regs [hllRegisters]uint8
	if !sparseRegisters(s[hllHdrSize:], &regs) {
		return nil, false
	}
	d := make([]byte, hllDenseSize)
	copy(d, s[:hllHdrSize])
	d[4] = hllDense
	r := d[hllHdrSize:]
	for i, v := range regs {
		if v != 0 {
			denseSet(r, i, v)
		}
	}
	return d, true
}

// hllSet raises register index to count in the HLL s (either encoding),
// promoting a sparse HLL when needed. It returns the (possibly new) string,
// whether a register changed, and ok == false for a corrupt sparse HLL.
func hllSet(s []byte, index int, count uint8) ([]byte, bool, bool) {
	if s[4] == hllDense {
		return s, denseSetMax(s[hllHdrSize:], index, count), true
	}
	if count > hllSparseValMax {
		return hllPromoteSet(s, index, count)
	}
	// Find the opcode covering index.
	ops := s[hllHdrSize:]
	pos, first, prev := 0, 0, -1
	var span, oplen int
	var val uint8
	found := false
	for pos < len(ops) {
		var ok bool
		span, val, oplen, ok = sparseOp(ops[pos:])
		if !ok {
			return s, false, false
		}
		if index <= first+span-1 {
			found = true
			break
		}
		prev = pos
		pos += oplen
		first += span
	}
	if !found {
		return s, false, false
	}
	isVal := ops[pos]&0x80 != 0
	var seq []byte
	switch {
	case isVal && val >= count:
		return s, false, true
	case isVal && span == 1, !isVal && oplen == 1 && span == 1:
		ops[pos] = sparseVal(count, 1)
	default:
		var buf [5]byte
		seq = buf[:0]
		last := first + span - 1
		if !isVal {
			if index != first {
				seq = appendSparseZeros(seq, index-first)
			}
			seq = append(seq, sparseVal(count, 1))
			if index != last {
				seq = appendSparseZeros(seq, last-index)
			}
		} else {
			if index != first {
				seq = append(seq, sparseVal(val, index-first))
			}
			seq = append(seq, sparseVal(count, 1))
			if index != last {
				seq = append(seq, sparseVal(val, last-index))
			}
		}
		delta := len(seq) - oplen
		if delta > 0 && len(s)+delta > hllSparseMaxBytes {
			return hllPromoteSet(s, index, count)
		}
		ns := make([]byte, 0, len(s)+delta)
		ns = append(ns, s[:hllHdrSize+pos]...)
		ns = append(ns, seq...)
		ns = append(ns, s[min(hllHdrSize+pos+oplen, len(s)):]...)
		// A cut final XZERO: Redis keeps the length arithmetic (old length
		// plus delta), which drops the last byte of the new sequence.
		s = ns[:len(s)+delta]
		ops = s[hllHdrSize:]
	}
	// Merge adjacent VAL opcodes of equal value, scanning up to five
	// opcodes from the one before the change.
	p := 0
	if prev >= 0 {
		p = prev
	}
	end := len(ops)
	for scan := 5; p < end && scan > 0; scan-- {
		c := ops[p]
		if c&0xc0 == 0x40 {
			p += 2
			continue
		}
		if c&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && ops[p+1]&0x80 != 0 {
			v1, v2 := (c>>2)&0x1f+1, (ops[p+1]>>2)&0x1f+1
			if n := int(c&3) + int(ops[p+1]&3) + 2; v1 == v2 && n <= hllSparseValLen {
				ops[p+1] = sparseVal(v1, n)
				copy(ops[p:], ops[p+1:end])
				end--
				continue
			}
		}
		p++
	}
	s = s[:hllHdrSize+end]
	hllInvalidateCache(s)
	return s, true, true
}

func hllPromoteSet(s []byte, index int, count uint8) ([]byte, bool, bool) {
	d, ok := hllToDense(s)
	if !ok {
		return s, false, false
	}
	denseSetMax(d[hllHdrSize:], index, count)
	return d, true, true
}

// hllMergeInto takes the register-wise maximum of s and max; ok is false
// for a corrupt sparse HLL.
func hllMergeInto(s []byte, max *[hllRegisters]uint8) bool {
	if s[4] == hllDense {
		r := s[hllHdrSize:]
		for i := range max {
			if v := denseGet(r, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	return sparseRegisters(s[hllHdrSize:], max)
}

// hllHistogram counts registers per value; ok is false when a sparse
// encoding does not cover exactly 16384 registers.
func hllHistogram(s []byte) (h [64]int, ok bool) {
	if s[4] == hllDense {
		r := s[hllHdrSize:]
		for i := 0; i < hllRegisters; i++ {
			h[denseGet(r, i)]++
		}
		return h, true
	}
	ops := s[hllHdrSize:]
	i := 0
	for len(ops) > 0 {
		span, val, oplen, okOp := sparseOp(ops)
		if !okOp {
			return h, false
		}
		h[val] += span
		i += span
		ops = ops[min(oplen, len(ops)):]
	}
	return h, i == hllRegisters
}

func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrime := z
		z += x * y
		y += y
		if zPrime == z {
			return z
		}
	}
}

func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		z -= (1 - x) * (1 - x) * y
		if zPrime == z {
			return z / 3
		}
	}
}

// hllEstimate is Redis's hllCount over a register histogram (Ertl's
// improved estimator).
func hllEstimate(h *[64]int) uint64 {
	m := float64(hllRegisters)
	z := m * hllTau((m-float64(h[hllQ+1]))/m)
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += m * hllSigma(float64(h[0])/m)
	return uint64(math.Round(hllAlphaInf * m * m / z))
}
