package kv

import (
	"math"
	"math/bits"
)

// Bitmap commands, as Redis 7.0's bitops.c: a bitmap is a string whose bit 0
// is the most significant bit of its first byte. Writes that reach past the
// end grow the string with zero bytes; no command can grow a string beyond
// maxStringBytes (Redis's proto-max-bulk-len), which bounds the allocation a
// single command may cause.

// Bitmap error replies.
const (
	errBitOffset     = "ERR bit offset is not an integer or out of range"
	errBitValue      = "ERR bit is not an integer or out of range"
	errBitArg        = "ERR The bit argument must be 1 or 0."
	errBitopNot      = "ERR BITOP NOT must be called with a single source key."
	errBitfieldType  = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
	errBitfieldOver  = "ERR Invalid OVERFLOW type specified"
	errBitfieldROSet = "ERR BITFIELD_RO only supports the GET subcommand"
)

func bitmapCommands() []*Spec {
	bm := func(name string, arity int, flags Flags, first, last int, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: 1,
			Group: "bitmap", Since: since, Summary: summary, Run: run}
	}
	const (
		ro  = FlagReadOnly
		w   = FlagWrite
		oom = FlagDenyOOM
		f   = FlagFast
	)
	return []*Spec{
		bm("setbit", 4, w|oom, 1, 1, "2.2.0", "Sets or clears the bit at offset in the string value stored at key", runSetBit),
		bm("getbit", 3, ro|f, 1, 1, "2.2.0", "Returns the bit value at offset in the string value stored at key", runGetBit),
		bm("bitcount", -2, ro, 1, 1, "2.6.0", "Count set bits in a string", runBitCount),
		bm("bitpos", -3, ro, 1, 1, "2.8.7", "Find first bit set or clear in a string", runBitPos),
		bm("bitop", -4, w|oom, 2, -1, "2.6.0", "Perform bitwise operations between strings", runBitOp),
		bm("bitfield", -2, w|oom, 1, 1, "3.2.0", "Perform arbitrary bitfield integer operations on strings", runBitField),
		bm("bitfield_ro", -2, ro|f, 1, 1, "6.0.0", "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", runBitFieldRO),
	}
}

// parseBitOffset is Redis's getBitOffsetFromArgument: a non-negative integer
// whose byte (offset/8) lies below maxStringBytes. With hash and bits > 0 the
// form "#N" means N*bits (BITFIELD).
func parseBitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	useHash := hash && width > 0 && len(arg) > 0 && arg[0] == '#'
	if useHash {
		arg = arg[1:]
	}
	v, ok := ParseInt(arg)
	if !ok {
		return 0, false
	}
	if useHash {
		v *= int64(width) // wraps like C; a wrapped value is caught below or harmless
	}
	if v < 0 || v>>3 >= maxStringBytes {
		return 0, false
	}
	return uint64(v), true
}

// growBitmap is Redis's lookupStringForBitCommand after the type check: it
// makes the string at key (created if absent) at least maxBit/8+1 bytes long
// and reports whether it created or grew it.
func growBitmap(c *Ctx, e *entry, maxBit uint64) (*entry, bool) {
	need := int(maxBit>>3) + 1
	if e == nil {
		e = c.Add(c.Args[1], nil, nil)
		e.str = make([]byte, need)
		return e, true
	}
	if len(e.str) >= need {
		return e, false
	}
	if need <= cap(e.str) {
		old := len(e.str)
		c.snapBytes(e.str, old, need-old)
		e.str = e.str[:need]
		clear(e.str[old:])
	} else {
		grown := make([]byte, need)
		copy(grown, e.str)
		e.str = grown
	}
	return e, true
}

func runSetBit(c *Ctx) {
	off, ok := parseBitOffset(c.Args[2], false, 0)
	if !ok {
		c.W.Error(errBitOffset)
		return
	}
	on, ok := ParseInt(c.Args[3])
	if !ok || on&^1 != 0 {
		c.W.Error(errBitValue)
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	e, grown := growBitmap(c, e, off)
	byteAt, shift := off>>3, 7-(off&7)
	old := e.str[byteAt] >> shift & 1
	if grown || int64(old) != on {
		c.snapBytes(e.str, int(byteAt), 1)
		e.str[byteAt] = e.str[byteAt]&^(1<<shift) | byte(on)<<shift
		c.Dirty(e)
		c.Notify(NotifyString, "setbit", c.Args[1])
	}
	c.W.Int(int64(old))
}

func runGetBit(c *Ctx) {
	off, ok := parseBitOffset(c.Args[2], false, 0)
	if !ok {
		c.W.Error(errBitOffset)
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil || off>>3 >= uint64(len(e.str)) {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(e.str[off>>3] >> (7 - off&7) & 1))
}

// popcount counts the set bits of b.
func popcount(b []byte) int64 {
	var n int
	for len(b) >= 8 {
		n += bits.OnesCount64(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		b = b[8:]
	}
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

// parseBitUnit parses BITCOUNT's and BITPOS's BIT|BYTE word.
func parseBitUnit(arg []byte) (isBit, ok bool) {
	switch {
	case cstrEq(arg, "BIT"):
		return true, true
	case cstrEq(arg, "BYTE"):
		return false, true
	}
	return false, false
}

// bitRange clamps start and end (bytes, or bits when isBit) to a string of
// n bytes as Redis does, and turns bit ranges into byte ranges plus masks of
// the bits outside the range in the first and last byte.
func bitRange(start, end, n int64, isBit bool) (s, e int64, firstMask, lastMask byte) {
	total := n
	if isBit {
		total <<= 3
	}
	start, end = clampRange(start, end, total)
	if isBit && start <= end {
		firstMask = ^byte((1 << (8 - (start & 7))) - 1)
		lastMask = byte((1 << (7 - (end & 7))) - 1)
		start >>= 3
		end >>= 3
	}
	return start, end, firstMask, lastMask
}

func runBitCount(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	p := e.str
	var start, end int64
	var firstMask, lastMask byte
	switch len(c.Args) {
	case 4, 5:
		if start, ok = c.ArgInt(2); !ok {
			return
		}
		if end, ok = c.ArgInt(3); !ok {
			return
		}
		if start < 0 && end < 0 && start > end {
			c.W.Int(0)
			return
		}
		isBit := false
		if len(c.Args) == 5 {
			if isBit, ok = parseBitUnit(c.Args[4]); !ok {
				c.W.Error(ErrSyntax)
				return
			}
		}
		start, end, firstMask, lastMask = bitRange(start, end, int64(len(p)), isBit)
	case 2:
		start, end = 0, int64(len(p))-1
	default:
		c.W.Error(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(0)
		return
	}
	count := popcount(p[start : end+1])
	if firstMask != 0 {
		count -= int64(bits.OnesCount8(p[start] & firstMask))
	}
	if lastMask != 0 {
		count -= int64(bits.OnesCount8(p[end] & lastMask))
	}
	c.W.Int(count)
}

// bitPos returns the position of the first bit equal to bit in p, or -1
// when looking for a 1 and there is none; looking for a 0 in all-ones bytes
// returns the first position past p (Redis's redisBitpos).
func bitPos(p []byte, bit byte) int64 {
	skip := byte(0)
	if bit == 0 {
		skip = 0xff
	}
	for i, x := range p {
		if x != skip {
			if bit == 0 {
				x = ^x
			}
			return int64(i)*8 + int64(bits.LeadingZeros8(x))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(p)) * 8
}

func runBitPos(c *Ctx) {
	b, ok := ParseInt(c.Args[2])
	if !ok {
		c.W.Error(ErrNotInteger)
		return
	}
	if b != 0 && b != 1 {
		c.W.Error(errBitArg)
		return
	}
	bit := byte(b)
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(-int64(bit))
		return
	}
	p := e.str
	n := int64(len(p))
	var start, end int64
	var firstMask, lastMask byte
	endGiven := false
	switch len(c.Args) {
	case 4, 5, 6:
		if start, ok = c.ArgInt(3); !ok {
			return
		}
		isBit := false
		if len(c.Args) == 6 {
			if isBit, ok = parseBitUnit(c.Args[5]); !ok {
				c.W.Error(ErrSyntax)
				return
			}
		}
		if len(c.Args) >= 5 {
			if end, ok = c.ArgInt(4); !ok {
				return
			}
			endGiven = true
		} else if isBit {
			end = n<<3 + 7
		} else {
			end = n - 1
		}
		start, end, firstMask, lastMask = bitRange(start, end, n, isBit)
	case 3:
		start, end = 0, n-1
	default:
		c.W.Error(ErrSyntax)
		return
	}
	if start > end {
		c.W.Int(-1)
		return
	}
	pos, base, bytes := bitPosRange(p, start, end, bit, firstMask, lastMask)
	if endGiven && bit == 0 && pos == bytes<<3 {
		c.W.Int(-1)
		return
	}
	if pos != -1 {
		pos += base << 3
	}
	c.W.Int(pos)
}

// bitPosRange searches p[start..end] (bytes) for bit, ignoring the bits
// outside a bit range (firstMask/lastMask). It returns the position (or -1)
// relative to the byte base where the last searched piece starts, and that
// piece's length in bytes, which BITPOS needs to tell "no 0 inside an
// explicit range" (Redis's bitposCommand works the same way).
func bitPosRange(p []byte, start, end int64, bit, firstMask, lastMask byte) (pos, base, bytes int64) {
	bytes = end - start + 1
	masked := func(x, outside byte) byte {
		if bit == 1 {
			return x &^ outside
		}
		return x | outside
	}
	if firstMask != 0 {
		x := masked(p[start], firstMask)
		if lastMask != 0 && bytes == 1 {
			x = masked(x, lastMask)
		}
		pos = bitPos([]byte{x}, bit)
		if bytes == 1 || pos != -1 && pos != 8 {
			return pos, start, bytes
		}
		start++
		bytes--
	}
	cur := bytes
	if lastMask != 0 {
		cur--
	}
	if cur > 0 {
		pos = bitPos(p[start:start+cur], bit)
		if bytes == cur || pos != -1 && pos != cur<<3 {
			return pos, start, bytes
		}
		start += cur
		bytes -= cur
	}
	pos = bitPos([]byte{masked(p[end], lastMask)}, bit)
	return pos, start, bytes
}

// Bit operations of BITOP.
const (
	bitopAnd = iota
	bitopOr
	bitopXor
	bitopNot
)

func runBitOp(c *Ctx) {
	var op int
	switch {
	case cstrEq(c.Args[1], "AND"):
		op = bitopAnd
	case cstrEq(c.Args[1], "OR"):
		op = bitopOr
	case cstrEq(c.Args[1], "XOR"):
		op = bitopXor
	case cstrEq(c.Args[1], "NOT"):
		op = bitopNot
	default:
		c.W.Error(ErrSyntax)
		return
	}
	if op == bitopNot && len(c.Args) != 4 {
		c.W.Error(errBitopNot)
		return
	}
	srcs := make([][]byte, 0, len(c.Args)-3)
	maxLen := 0
	for _, k := range c.Args[3:] {
		// Redis's lookupKeyRead on a master removes an expired key.
		e := c.LookupWrite(k)
		if e == nil {
			srcs = append(srcs, nil)
			continue
		}
		if e.typ() != TypeString {
			c.W.Error(ErrWrongType)
			return
		}
		srcs = append(srcs, e.str)
		maxLen = max(maxLen, len(e.str))
	}
	if maxLen == 0 {
		if c.Delete(c.Args[2]) {
			c.Notify(NotifyGeneric, "del", c.Args[2])
		}
		c.W.Int(0)
		return
	}
	res := make([]byte, maxLen)
	for j := range res {
		out := byteAtOrZero(srcs[0], j)
		switch op {
		case bitopNot:
			out = ^out
		case bitopAnd:
			for _, s := range srcs[1:] {
				out &= byteAtOrZero(s, j)
			}
		case bitopOr:
			for _, s := range srcs[1:] {
				out |= byteAtOrZero(s, j)
			}
		case bitopXor:
			for _, s := range srcs[1:] {
				out ^= byteAtOrZero(s, j)
			}
		}
		res[j] = out
	}
	e := c.SetString(c.Args[2], nil, false)
	e.str = res
	c.Notify(NotifyString, "set", c.Args[2])
	c.W.Int(int64(maxLen))
}

func byteAtOrZero(s []byte, j int) byte {
	if j < len(s) {
		return s[j]
	}
	return 0
}

// BITFIELD sub-operations and overflow policies.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

const (
	bfWrap = iota
	bfSat
	bfFail
)

// bitfieldOp is one parsed GET/SET/INCRBY of a BITFIELD command.
type bitfieldOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	op       int
	overflow int
	width    int
	signed   bool
}

// parseBitfieldType is Redis's getBitfieldTypeFromArgument: i1..i64, u1..u63.
func parseBitfieldType(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) == 0 || arg[0] != 'i' && arg[0] != 'u' {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := ParseInt(cstr(arg[1:]))
	if !ok || n < 1 || signed && n > 64 || !signed && n > 63 {
		return false, 0, false
	}
	return signed, int(n), true
}

// parseBitfield parses BITFIELD's sub-commands in Redis's order. On error it
// returns the error text. readOnly reports that every op is a GET.
func parseBitfield(args [][]byte) (ops []bitfieldOp, highest uint64, readOnly bool, errMsg string) {
	overflow := bfWrap
	readOnly = true
	for j := 0; j < len(args); j++ {
		rem := len(args) - j - 1
		var op int
		switch sub := args[j]; {
		case cstrEq(sub, "GET") && rem >= 2:
			op = bfGet
		case cstrEq(sub, "SET") && rem >= 3:
			op = bfSet
		case cstrEq(sub, "INCRBY") && rem >= 3:
			op = bfIncrBy
		case cstrEq(sub, "OVERFLOW") && rem >= 1:
			j++
			switch {
			case cstrEq(args[j], "WRAP"):
				overflow = bfWrap
			case cstrEq(args[j], "SAT"):
				overflow = bfSat
			case cstrEq(args[j], "FAIL"):
				overflow = bfFail
			default:
				return nil, 0, false, errBitfieldOver
			}
			continue
		default:
			return nil, 0, false, ErrSyntax
		}
		signed, width, ok := parseBitfieldType(args[j+1])
		if !ok {
			return nil, 0, false, errBitfieldType
		}
		off, ok := parseBitOffset(args[j+2], true, width)
		if !ok {
			return nil, 0, false, errBitOffset
		}
		var v int64
		if op != bfGet {
			readOnly = false
			highest = max(highest, off+uint64(width)-1)
			if v, ok = ParseInt(args[j+3]); !ok {
				return nil, 0, false, ErrNotInteger
			}
			j++
		}
		j += 2
		ops = append(ops, bitfieldOp{offset: off, value: v, op: op, overflow: overflow, width: width, signed: signed})
	}
	return ops, highest, readOnly, ""
}

func runBitField(c *Ctx)   { bitfieldGeneric(c, false) }
func runBitFieldRO(c *Ctx) { bitfieldGeneric(c, true) }

func bitfieldGeneric(c *Ctx, roCmd bool) {
	ops, highest, readOnly, errMsg := parseBitfield(c.Args[2:])
	if errMsg != "" {
		c.W.Error(errMsg)
		return
	}
	var e *entry
	grown := false
	if readOnly {
		var ok bool
		if roCmd {
			e, ok = c.LookupType(c.Args[1], TypeString)
		} else {
			// BITFIELD with only GETs looks the key up for reading, which
			// on a Redis master still removes it when expired.
			e = c.LookupWrite(c.Args[1])
			ok = e == nil || e.typ() == TypeString
			if !ok {
				c.W.Error(ErrWrongType)
			}
		}
		if !ok {
			return
		}
	} else {
		if roCmd {
			c.W.Error(errBitfieldROSet)
			return
		}
		var ok bool
		if e, ok = c.LookupType(c.Args[1], TypeString); !ok {
			return
		}
		e, grown = growBitmap(c, e, highest)
	}
	c.W.Array(len(ops))
	// Like Redis, the key counts as modified (WATCH) only when a SET or
	// INCRBY was applied on a grown string or changed the bits.
	changed := false
	for _, op := range ops {
		if op.op == bfGet {
			var src []byte
			if e != nil {
				src = e.str
			}
			v := getBits(src, op.offset, op.width)
			if op.signed {
				c.W.Int(signExtend(v, op.width))
			} else {
				c.W.Int(int64(v))
			}
			continue
		}
		oldRaw := getBits(e.str, op.offset, op.width)
		var newRaw uint64
		var reply int64
		var overflow bool
		if op.signed {
			old := signExtend(oldRaw, op.width)
			var nv int64
			if op.op == bfIncrBy {
				nv, overflow = signedOverflow(old, op.value, op.width, op.overflow)
				reply = nv
			} else {
				nv, overflow = signedOverflow(op.value, 0, op.width, op.overflow)
				reply = old
			}
			newRaw = uint64(nv)
		} else {
			var nv uint64
			if op.op == bfIncrBy {
				nv, overflow = unsignedOverflow(oldRaw, op.value, op.width, op.overflow)
				reply = int64(nv)
			} else {
				nv, overflow = unsignedOverflow(uint64(op.value), 0, op.width, op.overflow)
				reply = int64(oldRaw)
			}
			newRaw = nv
		}
		if overflow && op.overflow == bfFail {
			c.W.Null()
			continue
		}
		c.W.Int(reply)
		first := int(op.offset >> 3)
		c.snapBytes(e.str, first, int((op.offset+uint64(op.width)-1)>>3)-first+1)
		setBits(e.str, op.offset, op.width, newRaw)
		if grown || newRaw&widthMask(op.width) != oldRaw {
			changed = true
		}
	}
	if changed {
		c.Dirty(e)
		c.Notify(NotifyString, "setbit", c.Args[1])
	}
}

func widthMask(width int) uint64 {
	if width == 64 {
		return math.MaxUint64
	}
	return 1<<width - 1
}

// getBits reads width bits at bit offset off of p (MSB first); bits past
// the end of p read as 0.
func getBits(p []byte, off uint64, width int) uint64 {
	var v uint64
	for i := 0; i < width; i++ {
		b := off + uint64(i)
		var bit uint64
		if b>>3 < uint64(len(p)) {
			bit = uint64(p[b>>3]>>(7-b&7)) & 1
		}
		v = v<<1 | bit
	}
	return v
}

// setBits writes the low width bits of v at bit offset off of p (MSB first).
func setBits(p []byte, off uint64, width int, v uint64) {
	for i := 0; i < width; i++ {
		b := off + uint64(i)
		bit := byte(v>>(width-1-i)) & 1
		shift := 7 - b&7
		p[b>>3] = p[b>>3]&^(1<<shift) | bit<<shift
	}
}

func signExtend(v uint64, width int) int64 {
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= math.MaxUint64 << width
	}
	return int64(v)
}

// unsignedOverflow adds incr to value in a width-bit unsigned field and
// applies the overflow policy (Redis's checkUnsignedBitfieldOverflow).
func unsignedOverflow(value uint64, incr int64, width, policy int) (uint64, bool) {
	maxv := widthMask(width)
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	switch {
	case value > maxv || incr > 0 && incr > maxIncr:
		if policy == bfSat {
			return maxv, true
		}
	case incr < 0 && incr < minIncr:
		if policy == bfSat {
			return 0, true
		}
	default:
		return value + uint64(incr), false
	}
	return (value + uint64(incr)) & maxv, true
}

// signedOverflow is checkSignedBitfieldOverflow for a width-bit signed field.
func signedOverflow(value, incr int64, width, policy int) (int64, bool) {
	maxv := int64(math.MaxInt64)
	if width < 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	wrap := func() int64 {
		r := uint64(value) + uint64(incr)
		if width < 64 {
			if r&(1<<(width-1)) != 0 {
				r |= math.MaxUint64 << width
			} else {
				r &^= math.MaxUint64 << width
			}
		}
		return int64(r)
	}
	switch {
	case value > maxv || width != 64 && incr > maxIncr || value >= 0 && incr > 0 && incr > maxIncr:
		if policy == bfSat {
			return maxv, true
		}
		return wrap(), true
	case value < minv || width != 64 && incr < minIncr || value < 0 && incr < 0 && incr < minIncr:
		if policy == bfSat {
			return minv, true
		}
		return wrap(), true
	}
	return value + incr, false
}
