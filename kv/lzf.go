package kv

// LZF (liblzf's format), which RDB uses for strings longer than 20 bytes.
//
// A compressed stream is a sequence of tokens:
//
//	000LLLLL <L+1 literal bytes>           literal run of 1..32 bytes
//	LLLooooo oooooooo                      back-reference, length L+2 (L 1..6)
//	111ooooo LLLLLLLL oooooooo             back-reference, length L+9
//
// where the 13-bit o is the distance back minus one. The compressor below
// makes the same choices as the liblzf build inside redis-server 7.0 (a
// 65536-slot hash table of the three next bytes, the "very fast" reseeding
// after a match, output capped at outLen), so DUMP payloads of values that
// Redis compresses are byte for byte Redis's.

const (
	lzfHashLog = 16
	lzfLitMax  = 1 << 5
	lzfOffMax  = 1 << 13
	lzfRefMax  = 1<<8 + 1<<3
)

// lzfSlot is liblzf's IDX over the last three bytes of h (32-bit arithmetic).
func lzfSlot(h uint32) uint32 { return (h>>(3*8-lzfHashLog) - h*5) & (1<<lzfHashLog - 1) }

// lzfCompress compresses in into at most outLen bytes; it returns nil when
// the result would not fit (the caller then stores the string raw).
func lzfCompress(in []byte, outLen int) []byte {
	var t lzfTable
	return t.compress(in, outLen)
}

// lzfTable is the compressor's hash table, reused across the strings of one
// DUMP: an entry is valid only when it carries the current generation, so
// every string starts from an empty table without clearing 512 KB.
type lzfTable struct {
	slots []uint64 // generation<<32 | position+1
	gen   uint32
}

func (t *lzfTable) compress(in []byte, outLen int) []byte {
	n := len(in)
	if n < 3 || outLen <= 0 {
		return nil
	}
	if t.slots == nil {
		t.slots = make([]uint64, 1<<lzfHashLog)
	}
	t.gen++
	if t.gen == 0 { // wrapped: old entries could look current
		clear(t.slots)
		t.gen = 1
	}
	gen := uint64(t.gen) << 32
	get := func(slot uint32) int {
		if v := t.slots[slot]; v&^(1<<32-1) == gen {
			return int(uint32(v)) - 1
		}
		return -1
	}
	set := func(slot uint32, pos int) { t.slots[slot] = gen | uint64(pos+1) }
	out := make([]byte, outLen+8)
	ip, op, lit := 0, 1, 0
	hval := uint32(in[0])<<8 | uint32(in[1])
	for ip < n-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfSlot(hval)
		ref := get(slot)
		set(slot, ip)
		off := ip - ref - 1
		if ref > 0 && off < lzfOffMax && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			l := 2
			maxLen := min(n-ip-l, lzfRefMax)
			if op+4 >= outLen {
				undo := 0
				if lit == 0 {
					undo = 1
				}
				if op-undo+4 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1)
			if lit == 0 {
				op--
			}
			mismatch := false
			if maxLen > 16 {
				for range 16 {
					l++
					if in[ref+l] != in[ip+l] {
						mismatch = true
						break
					}
				}
			}
			if !mismatch {
				for {
					l++
					if !(l < maxLen && in[ref+l] == in[ip+l]) {
						break
					}
				}
			}
			l -= 2
			ip++
			if l < 7 {
				out[op] = byte(off>>8) + byte(l<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(l - 7)
				op += 2
			}
			out[op] = byte(off)
			op += 2 // the reference's last byte, then a new literal run
			lit = 0
			ip += l + 1
			if ip >= n-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			for range 2 {
				hval = hval<<8 | uint32(in[ip+2])
				set(lzfSlot(hval), ip)
				ip++
			}
			continue
		}
		if op >= outLen {
			return nil
		}
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfLitMax {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < n {
		out[op] = in[ip]
		op++
		ip++
		lit++
		if lit == lzfLitMax {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	if lit == 0 {
		op--
	}
	return out[:op]
}

// lzfDecompress expands LZF data into exactly n bytes; ok is false for
// anything malformed (a reference before the start, a length mismatch).
func lzfDecompress(in []byte, n int) ([]byte, bool) {
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < lzfLitMax { // literal run of ctrl+1 bytes
			l := ctrl + 1
			if i+l > len(in) || len(out)+l > n {
				return nil, false
			}
			out = append(out, in[i:i+l]...)
			i += l
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return nil, false
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return nil, false
		}
		back := (ctrl&0x1f)<<8 + int(in[i]) + 1
		i++
		l += 2
		if back > len(out) || len(out)+l > n {
			return nil, false
		}
		for k := 0; k < l; k++ {
			out = append(out, out[len(out)-back])
		}
	}
	if len(out) != n {
		return nil, false
	}
	return out, true
}
