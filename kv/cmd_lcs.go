package kv

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis
// 7.0's lcsCommand: the classic dynamic-programming table, walked back from
// the end to build the subsequence and its matching ranges, taking the same
// branch as Redis wherever two paths tie, so the ranges match byte for byte.
//
// Memory: the table has (len1+1)*(len2+1) cells. Redis refuses the command
// when that many 4-byte cells exceed proto-max-bulk-len; Redraft applies the
// same rule with lcsTableBytesMax (so it refuses exactly what Redis
// refuses), but keeps only two bits per cell (lcsTable), a sixteenth of
// Redis's table: at most 32 MB for one command.

// lcsTableBytesMax bounds the LCS table, as Redis's proto-max-bulk-len
// (512 MB by default) does.
const lcsTableBytesMax = maxStringBytes

// Error texts of LCS.
const (
	errLCSType    = "ERR The specified keys must contain string values"
	errLCSLenIdx  = "ERR If you want both the length and indexes, please just use IDX."
	errLCSTooLong = "ERR String too long for LCS"
	errLCSMemory  = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// lcsCommands registers LCS and SUBSTR (GETRANGE's old name, same code).
func lcsCommands() []*Spec {
	return []*Spec{
		{Name: "lcs", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 2, Step: 1,
			Group: "string", Since: "7.0.0", Summary: "Find longest common substring", Run: runLCS},
		{Name: "substr", Arity: 4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: "1.0.0", Summary: "Get a substring of the string stored at a key", Run: runGetRange},
	}
}

func runLCS(c *Ctx) {
	ea, eb := c.Lookup(c.Args[1]), c.Lookup(c.Args[2])
	if (ea != nil && ea.typ() != TypeString) || (eb != nil && eb.typ() != TypeString) {
		c.W.Error(errLCSType)
		return
	}
	var a, b []byte
	if ea != nil {
		a = ea.str
	}
	if eb != nil {
		b = eb.str
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case cstrEq(c.Args[j], "IDX"):
			getIdx = true
		case cstrEq(c.Args[j], "LEN"):
			getLen = true
		case cstrEq(c.Args[j], "WITHMATCHLEN"):
			withMatchLen = true
		case cstrEq(c.Args[j], "MINMATCHLEN") && more > 0:
			v, ok := c.ArgInt(j + 1)
			if !ok {
				return
			}
			minMatchLen = max(v, 0)
			j++
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.W.Error(errLCSLenIdx)
		return
	}
	if uint64(len(a)) >= 1<<32-2 || uint64(len(b)) >= 1<<32-2 {
		c.W.Error(errLCSTooLong)
		return
	}
	alen, blen := len(a), len(b)
	cells := uint64(alen+1) * uint64(blen+1)
	if cells*4 > lcsTableBytesMax {
		c.W.Error(errLCSMemory)
		return
	}
	tab := newLCSTable(a, b)
	total := tab.total
	if getLen {
		c.W.Int(int64(total))
		return
	}
	// Walk back from the end, as Redis does, collecting the subsequence
	// and the ranges (emitted last to first).
	result := make([]byte, total)
	idx := int(total)
	type lcsRange struct{ a0, a1, b0, b1 int }
	var ranges []lcsRange
	aStart, aEnd, bStart, bEnd := alen, 0, 0, 0 // aStart == alen: no range open
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			// Redis: LCS(i-1,j) > LCS(i,j-1) ? i-- : j--.
			if tab.upBeatsLeft(i, j) {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			if minMatchLen == 0 || int64(aEnd-aStart+1) >= minMatchLen {
				ranges = append(ranges, lcsRange{aStart, aEnd, bStart, bEnd})
			}
			aStart = alen
		}
	}
	if !getIdx {
		c.W.Bulk(result)
		return
	}
	c.W.Map(2)
	c.W.BulkString("matches")
	c.W.Array(len(ranges))
	for _, r := range ranges {
		if withMatchLen {
			c.W.Array(3)
		} else {
			c.W.Array(2)
		}
		c.W.Array(2)
		c.W.Int(int64(r.a0))
		c.W.Int(int64(r.a1))
		c.W.Array(2)
		c.W.Int(int64(r.b0))
		c.W.Int(int64(r.b1))
		if withMatchLen {
			c.W.Int(int64(r.a1 - r.a0 + 1))
		}
	}
	c.W.BulkString("len")
	c.W.Int(int64(total))
}

// lcsTable is the LCS dynamic-programming table in two bits per cell.
// Neighbouring LCS lengths differ by 0 or 1, so for cell (i, j) it keeps
// up = LCS(i,j) - LCS(i-1,j) and left = LCS(i,j) - LCS(i,j-1); the walk
// back needs only to compare LCS(i-1,j) with LCS(i,j-1), which is
// comparing left with up. Two rows of lengths are kept while filling.
type lcsTable struct {
	bits   []byte
	stride int
	total  uint32 // LCS(len(a), len(b))
}

func newLCSTable(a, b []byte) *lcsTable {
	stride := len(b) + 1
	cells := (len(a) + 1) * stride
	t := &lcsTable{bits: make([]byte, (2*cells+7)/8), stride: stride}
	prev, row := make([]uint32, stride), make([]uint32, stride)
	for i := 1; i <= len(a); i++ {
		row[0] = 0
		for j := 1; j <= len(b); j++ {
			var v uint32
			switch {
			case a[i-1] == b[j-1]:
				v = prev[j-1] + 1
			case prev[j] > row[j-1]:
				v = prev[j]
			default:
				v = row[j-1]
			}
			row[j] = v
			k := 2 * (i*stride + j)
			if v != prev[j] {
				t.bits[k>>3] |= 1 << (k & 7)
			}
			if v != row[j-1] {
				k++
				t.bits[k>>3] |= 1 << (k & 7)
			}
		}
		prev, row = row, prev
	}
	t.total = prev[len(b)]
	return t
}

func (t *lcsTable) bit(k int) bool { return t.bits[k>>3]&(1<<(k&7)) != 0 }

// upBeatsLeft reports whether LCS(i-1,j) > LCS(i,j-1).
func (t *lcsTable) upBeatsLeft(i, j int) bool {
	k := 2 * (i*t.stride + j)
	up, left := t.bit(k), t.bit(k+1)
	return left && !up
}
