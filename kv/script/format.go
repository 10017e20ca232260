package script

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// stringFormat checks string.format's arguments as Lua 5.1 does (a value
// for every conversion, a number for %d %c %o %u %x %X %e %E %f %g %G, a
// string or a number for %s and %q, widths and
// precisions of at most two digits) and converts them (numeric strings to
// numbers, numbers to "%.14g" strings for %s) before gopher-lua's own
// string.format renders them: it prints whatever it is given, "&{}" for a
// nil %d, and would pad to any width asked.
func (e *Engine) stringFormat(orig *lua.LFunction) lua.LGFunction {
	return func(L *lua.LState) int {
		f := L.CheckString(1)
		arg := 1
		for i := 0; i < len(f); i++ {
			if f[i] != '%' {
				continue
			}
			i++
			if i < len(f) && f[i] == '%' {
				continue
			}
			for i < len(f) && (f[i] == '-' || f[i] == '+' || f[i] == ' ' || f[i] == '#' || f[i] == '0') {
				i++
			}
			digits := 0
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
				digits++
			}
			if i < len(f) && f[i] == '.' {
				i++
				pd := 0
				for i < len(f) && f[i] >= '0' && f[i] <= '9' {
					i++
					pd++
				}
				digits = max(digits, pd)
			}
			if digits > 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			if i >= len(f) {
				L.RaiseError("invalid option '%%' to 'format'")
			}
			arg++
			if arg > L.GetTop() {
				L.ArgError(arg, "no value")
			}
			switch c := f[i]; c {
			case 'd', 'i', 'c', 'o', 'u', 'x', 'X', 'e', 'E', 'f', 'g', 'G':
				v := L.Get(arg)
				n, ok := v.(lua.LNumber)
				if s, isStr := v.(lua.LString); isStr {
					if x, err := strconv.ParseFloat(string(s), 64); err == nil {
						n, ok = lua.LNumber(x), true
					}
				}
				if !ok {
					L.ArgError(arg, "number expected, got "+typeName(v))
				}
				L.Replace(arg, n)
			case 'q':
				L.CheckString(arg)
			case 's':
				// luaL_checklstring: a string or a number, nothing else
				// (no __tostring).
				switch v := L.Get(arg).(type) {
				case lua.LNumber:
					L.Replace(arg, lua.LString(luaNumber(float64(v))))
				case lua.LString:
				default:
					L.ArgError(arg, "string expected, got "+typeName(v))
				}
			default:
				L.RaiseError("invalid option '%%%c' to 'format'", c)
			}
		}
		top := L.GetTop()
		L.Push(orig)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		if s, ok := L.Get(-1).(lua.LString); ok {
			e.chargeL(L, len(s))
		}
		return 1
	}
}

func typeName(v lua.LValue) string {
	if v == lua.LNil {
		return "nil"
	}
	return v.Type().String()
}
