package kv

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis
// 7.0's lcsCommand: the classic dynamic-programming table, walked back from
// the end to build the subsequence and its matching ranges, taking the same
// branch as Redis wherever two paths tie, so the ranges match byte for byte.
//
// Memory: the table has (len1+1)*(len2+1) cells. Redis refuses the command
// when that many 4-byte cells exceed proto-max-bulk-len; Redraft applies the
// same rule with lcsTableBytesMax, so one command's transient memory is
// bounded.

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

func lcsCommands() []*Spec {
	return []*Spec{
		{Name: "lcs", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 2, Step: 1,
			Group: "string", Since: "7.0.0", Summary: "Find longest common substring", Run: runLCS},
		{Name: "substr", Arity: 4, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: "1.0.0", Summary: "Get a substring of the string stored at a key", Run: runGetRange},
		{Name: "lmpop", Arity: -4, Flags: FlagWrite, FirstKey: 2, LastKey: 2, Step: 1,
			Group: "list", Since: "7.0.0", Summary: "Pop elements from a list", Run: runLMPop,
			KeysFunc: func(args [][]byte) [][]byte { return numkeysKeys(args, 1) }},
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
	stride := blen + 1
	t := make([]uint32, cells)
	for i := 1; i <= alen; i++ {
		row, prev := t[i*stride:(i+1)*stride], t[(i-1)*stride:i*stride]
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	at := func(i, j int) uint32 { return t[i*stride+j] }
	total := at(alen, blen)
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
			if at(i-1, j) > at(i, j-1) {
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

// numkeysKeys returns the keys of a "numkeys key [key ...]" command whose
// numkeys is args[idx]; nil when numkeys is not a valid count.
func numkeysKeys(args [][]byte, idx int) [][]byte {
	n, ok := ParseInt(args[idx])
	if !ok || n < 1 || n > int64(len(args)-idx-1) {
		return nil
	}
	return args[idx+1 : idx+1+int(n)]
}
