package script

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library (LuaBitOp 1.0.2, as bundled with Redis): 32-bit
// operations on Lua numbers, results as signed 32-bit integers.

func tobit(L *lua.LState, i int) int32 {
	n := float64(L.CheckNumber(i))
	// LuaBitOp adds 2^52+2^51 and takes the low word: a modular conversion.
	n = n + 6755399441055744.0
	return int32(uint32(uint64(int64(math.Float64bits(n)))))
}

func openBit(L *lua.LState) *lua.LTable {
	t := L.NewTable()
	un := func(f func(int32) int32) lua.LGFunction {
		return func(L *lua.LState) int { L.Push(lua.LNumber(f(tobit(L, 1)))); return 1 }
	}
	nary := func(f func(a, b int32) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			r := tobit(L, 1)
			for i := 2; i <= L.GetTop(); i++ {
				r = f(r, tobit(L, i))
			}
			L.Push(lua.LNumber(r))
			return 1
		}
	}
	shift := func(f func(a int32, n uint) int32) lua.LGFunction {
		return func(L *lua.LState) int {
			a, n := tobit(L, 1), uint(tobit(L, 2))&31
			L.Push(lua.LNumber(f(a, n)))
			return 1
		}
	}
	fns := []struct {
		name string
		fn   lua.LGFunction
	}{
		{"tobit", un(func(a int32) int32 { return a })},
		{"bnot", un(func(a int32) int32 { return ^a })},
		{"band", nary(func(a, b int32) int32 { return a & b })},
		{"bor", nary(func(a, b int32) int32 { return a | b })},
		{"bxor", nary(func(a, b int32) int32 { return a ^ b })},
		{"lshift", shift(func(a int32, n uint) int32 { return int32(uint32(a) << n) })},
		{"rshift", shift(func(a int32, n uint) int32 { return int32(uint32(a) >> n) })},
		{"arshift", shift(func(a int32, n uint) int32 { return a >> n })},
		{"rol", shift(func(a int32, n uint) int32 { u := uint32(a); return int32(u<<n | u>>((32-n)&31)) })},
		{"ror", shift(func(a int32, n uint) int32 { u := uint32(a); return int32(u>>n | u<<((32-n)&31)) })},
		{"bswap", un(func(a int32) int32 {
			u := uint32(a)
			return int32(u>>24 | (u>>8)&0xff00 | (u&0xff00)<<8 | u<<24)
		})},
		{"tohex", bitTohex},
	}
	for _, f := range fns {
		t.RawSetString(f.name, L.NewFunction(f.fn))
	}
	return t
}

func bitTohex(L *lua.LState) int {
	b := uint32(tobit(L, 1))
	n := int32(8)
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		n = tobit(L, 2)
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n = -n
		digits = "0123456789ABCDEF"
	}
	if n > 8 {
		n = 8
	}
	buf := make([]byte, n)
	for i := int(n) - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}

var _ = fmt.Sprint
