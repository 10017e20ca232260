package script

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// cmsgpack as Redis bundles it (lua-cmsgpack 0.4.0): pack(...) and
// unpack(s), unpack_one(s [, offset]), unpack_limit(s, limit [, offset]).
// Integral numbers pack as the smallest integer type, others as float32
// when exact, else float64; tables whose keys are exactly 1..n pack as
// arrays, others as maps; nesting deeper than 16 packs as nil.

const cmsgpackMaxNesting = 16

func (e *Engine) openCmsgpack() *lua.LTable {
	L := e.L
	t := L.NewTable()
	t.RawSetString("pack", L.NewFunction(e.mpPack))
	t.RawSetString("unpack", L.NewFunction(func(L *lua.LState) int { return e.mpUnpack(L, 0, 0, false) }))
	t.RawSetString("unpack_one", L.NewFunction(func(L *lua.LState) int {
		return e.mpUnpack(L, 1, L.OptInt(2, 0), true)
	}))
	t.RawSetString("unpack_limit", L.NewFunction(func(L *lua.LState) int {
		return e.mpUnpack(L, L.CheckInt(2), L.OptInt(3, 0), true)
	}))
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	return t
}

func (e *Engine) mpPack(L *lua.LState) int {
	n := L.GetTop()
	if n == 0 {
		L.ArgError(0, "MessagePack pack needs input.")
	}
	var b []byte
	for i := 1; i <= n; i++ {
		b = e.mpEncode(L, b, L.Get(i), 0)
	}
	e.chargeL(L, len(b))
	L.Push(lua.LString(b))
	return 1
}

func (e *Engine) mpEncode(L *lua.LState, b []byte, v lua.LValue, level int) []byte {
	if len(b) > e.lim.StringBytes {
		e.memoryError(L)
	}
	switch v := v.(type) {
	case lua.LString:
		n := len(v)
		switch {
		case n < 32:
			b = append(b, 0xa0|byte(n))
		case n <= 0xff:
			b = append(b, 0xd9, byte(n))
		case n <= 0xffff:
			b = append(b, 0xda)
			b = binary.BigEndian.AppendUint16(b, uint16(n))
		default:
			b = append(b, 0xdb)
			b = binary.BigEndian.AppendUint32(b, uint32(n))
		}
		return append(b, v...)
	case lua.LBool:
		if v {
			return append(b, 0xc3)
		}
		return append(b, 0xc2)
	case lua.LNumber:
		f := float64(v)
		if f == math.Trunc(f) && !math.IsInf(f, 0) && f >= -9.223372036854775808e18 && f < 9.223372036854775807e18 {
			return mpInt(b, int64(f))
		}
		if float64(float32(f)) == f || math.IsNaN(f) {
			b = append(b, 0xca)
			return binary.BigEndian.AppendUint32(b, math.Float32bits(float32(f)))
		}
		b = append(b, 0xcb)
		return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
	case *lua.LTable:
		if level >= cmsgpackMaxNesting {
			return append(b, 0xc0)
		}
		count, maxKey, isArray := 0, 0, true
		for k, _ := v.Next(lua.LNil); k != lua.LNil; k, _ = v.Next(k) {
			count++
			n, ok := k.(lua.LNumber)
			if !ok || n <= 0 || float64(n) != math.Trunc(float64(n)) {
				isArray = false
				continue
			}
			if int(n) > maxKey {
				maxKey = int(n)
			}
		}
		if isArray && maxKey == count {
			b = mpHeader(b, count, 0x90, 0xdc, 0xdd)
			for i := 1; i <= count; i++ {
				b = e.mpEncode(L, b, v.RawGetInt(i), level+1)
			}
			return b
		}
		b = mpHeader(b, count, 0x80, 0xde, 0xdf)
		for k, val := v.Next(lua.LNil); k != lua.LNil; k, val = v.Next(k) {
			b = e.mpEncode(L, b, k, level+1)
			b = e.mpEncode(L, b, val, level+1)
		}
		return b
	}
	return append(b, 0xc0)
}

func mpHeader(b []byte, n int, fix, c16, c32 byte) []byte {
	switch {
	case n < 16:
		return append(b, fix|byte(n))
	case n <= 0xffff:
		b = append(b, c16)
		return binary.BigEndian.AppendUint16(b, uint16(n))
	}
	b = append(b, c32)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func mpInt(b []byte, n int64) []byte {
	if n >= 0 {
		switch {
		case n <= 127:
			return append(b, byte(n))
		case n <= 0xff:
			return append(b, 0xcc, byte(n))
		case n <= 0xffff:
			return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
		case n <= 0xffffffff:
			return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
		}
		return binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	}
	switch {
	case n >= -32:
		return append(b, byte(int8(n)))
	case n >= -128:
		return append(b, 0xd0, byte(int8(n)))
	case n >= -32768:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(int16(n)))
	case n >= -2147483648:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(int32(n)))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}

type mpDecoder struct {
	e   *Engine
	L   *lua.LState
	s   string
	pos int
	err string
}

// mpUnpack decodes up to limit objects (0: all) starting at offset; with
// withOffset the first result is the offset after them (-1 at the end).
func (e *Engine) mpUnpack(L *lua.LState, limit, offset int, withOffset bool) int {
	s := L.CheckString(1)
	if offset < 0 || limit < 0 {
		L.RaiseError("Invalid request to unpack with offset of %d and limit of %d.", offset, limit)
	}
	if offset > len(s) {
		L.RaiseError("Start offset %d greater than input length %d.", offset, len(s))
	}
	d := &mpDecoder{e: e, L: L, s: s, pos: offset}
	var vals []lua.LValue
	for d.pos < len(s) && (limit == 0 || len(vals) < limit) {
		v := d.decode(0)
		if d.err != "" {
			L.RaiseError("%s", d.err)
		}
		vals = append(vals, v)
	}
	if withOffset {
		next := d.pos
		if next >= len(s) {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range vals {
		L.Push(v)
	}
	if withOffset {
		return len(vals) + 1
	}
	return len(vals)
}

func (d *mpDecoder) need(n int) bool {
	if d.err != "" {
		return false
	}
	if len(d.s)-d.pos < n {
		d.err = "Missing bytes in input."
		return false
	}
	return true
}

func (d *mpDecoder) u(n int) uint64 {
	if !d.need(n) {
		return 0
	}
	var v uint64
	for i := 0; i < n; i++ {
		v = v<<8 | uint64(d.s[d.pos+i])
	}
	d.pos += n
	return v
}

func (d *mpDecoder) bytes(n int) lua.LValue {
	if !d.need(n) {
		return lua.LNil
	}
	v := d.s[d.pos : d.pos+n]
	d.pos += n
	return lua.LString(v)
}

func (d *mpDecoder) decode(level int) lua.LValue {
	if !d.need(1) {
		return lua.LNil
	}
	if level > 1000 {
		d.err = "Bad data format in input."
		return lua.LNil
	}
	c := d.s[d.pos]
	d.pos++
	switch {
	case c <= 0x7f:
		return lua.LNumber(c)
	case c >= 0xe0:
		return lua.LNumber(int8(c))
	case c&0xe0 == 0xa0:
		return d.bytes(int(c & 0x1f))
	case c&0xf0 == 0x90:
		return d.array(int(c&0x0f), level)
	case c&0xf0 == 0x80:
		return d.mapN(int(c&0x0f), level)
	}
	switch c {
	case 0xc0:
		return lua.LNil
	case 0xc2:
		return lua.LFalse
	case 0xc3:
		return lua.LTrue
	case 0xcc:
		return lua.LNumber(d.u(1))
	case 0xcd:
		return lua.LNumber(d.u(2))
	case 0xce:
		return lua.LNumber(d.u(4))
	case 0xcf:
		return lua.LNumber(float64(d.u(8)))
	case 0xd0:
		return lua.LNumber(int8(d.u(1)))
	case 0xd1:
		return lua.LNumber(int16(d.u(2)))
	case 0xd2:
		return lua.LNumber(int32(d.u(4)))
	case 0xd3:
		return lua.LNumber(float64(int64(d.u(8))))
	case 0xca:
		return lua.LNumber(math.Float32frombits(uint32(d.u(4))))
	case 0xcb:
		return lua.LNumber(math.Float64frombits(d.u(8)))
	case 0xc4, 0xd9:
		return d.bytes(int(d.u(1)))
	case 0xc5, 0xda:
		return d.bytes(int(d.u(2)))
	case 0xc6, 0xdb:
		return d.bytes(int(d.u(4)))
	case 0xdc:
		return d.array(int(d.u(2)), level)
	case 0xdd:
		return d.array(int(d.u(4)), level)
	case 0xde:
		return d.mapN(int(d.u(2)), level)
	case 0xdf:
		return d.mapN(int(d.u(4)), level)
	}
	d.err = "Bad data format in input."
	return lua.LNil
}

func (d *mpDecoder) array(n, level int) lua.LValue {
	if n > len(d.s)-d.pos {
		d.err = "Missing bytes in input."
		return lua.LNil
	}
	t := d.L.CreateTable(n, 0)
	for i := 1; i <= n && d.err == ""; i++ {
		t.RawSetInt(i, d.decode(level+1))
	}
	return t
}

func (d *mpDecoder) mapN(n, level int) lua.LValue {
	if 2*n > len(d.s)-d.pos {
		d.err = "Missing bytes in input."
		return lua.LNil
	}
	t := d.L.CreateTable(0, n)
	for i := 0; i < n && d.err == ""; i++ {
		k := d.decode(level + 1)
		v := d.decode(level + 1)
		if k != lua.LNil {
			t.RawSet(k, v)
		}
	}
	return t
}
