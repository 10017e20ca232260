package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// cjson as Redis bundles it (lua-cjson 2.1): encode and decode with
// lua-cjson's defaults (numbers "%.14g", "/" escaped, empty tables as
// objects, sparse arrays refused, 1000 levels of nesting) and cjson.null.
// The configuration functions (encode_max_depth, decode_max_depth,
// encode_invalid_numbers, decode_invalid_numbers, encode_keep_buffer,
// encode_number_precision, encode_sparse_array) work, but their settings
// last for the current call only: the library is shared by every script,
// and a setting that outlived the call would make a replica that restarted
// (with defaults) behave differently from one that did not.

const cjsonMaxDepth = 1000

// cjsonConfig is lua-cjson's configuration; reset before every call.
type cjsonConfig struct {
	encodeDepth, decodeDepth, precision int
	encodeInvalid, decodeInvalid        bool
	sparseConvert                       bool
	sparseRatio, sparseSafe             int
}

var cjsonDefaults = cjsonConfig{encodeDepth: cjsonMaxDepth, decodeDepth: cjsonMaxDepth, precision: 14, sparseRatio: 2, sparseSafe: 10}

func cjsonIntOpt(L *lua.LState, v *int, lo, hi int) int {
	if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
		n := int(L.CheckNumber(1))
		if n < lo || n > hi {
			L.ArgError(1, "expected integer between "+itoaInt(lo)+" and "+itoaInt(hi))
		}
		*v = n
	}
	L.Push(lua.LNumber(*v))
	return 1
}

func cjsonBoolOpt(L *lua.LState, v *bool) int {
	if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
		*v = lua.LVAsBool(L.Get(1))
	}
	if *v {
		L.Push(lua.LString("on"))
	} else {
		L.Push(lua.LString("off"))
	}
	return 1
}

func itoaInt(n int) string { return strconv.Itoa(n) }

func (e *Engine) openCjson() *lua.LTable {
	L := e.L
	t := L.NewTable()
	null := L.NewUserData()
	e.jsonNull = null
	t.RawSetString("encode", L.NewFunction(e.jsonEncode))
	t.RawSetString("decode", L.NewFunction(e.jsonDecode))
	t.RawSetString("null", null)
	opts := map[string]lua.LGFunction{
		"encode_max_depth": func(L *lua.LState) int { return cjsonIntOpt(L, &e.json.encodeDepth, 1, math.MaxInt32) },
		"decode_max_depth": func(L *lua.LState) int { return cjsonIntOpt(L, &e.json.decodeDepth, 1, math.MaxInt32) },
		"encode_number_precision": func(L *lua.LState) int {
			return cjsonIntOpt(L, &e.json.precision, 1, 14)
		},
		"encode_invalid_numbers": func(L *lua.LState) int { return cjsonBoolOpt(L, &e.json.encodeInvalid) },
		"decode_invalid_numbers": func(L *lua.LState) int { return cjsonBoolOpt(L, &e.json.decodeInvalid) },
		"encode_keep_buffer":     func(L *lua.LState) int { keep := true; return cjsonBoolOpt(L, &keep) },
		"encode_sparse_array": func(L *lua.LState) int {
			if L.GetTop() >= 1 && L.Get(1) != lua.LNil {
				e.json.sparseConvert = lua.LVAsBool(L.Get(1))
			}
			if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
				e.json.sparseRatio = int(L.CheckNumber(2))
			}
			if L.GetTop() >= 3 && L.Get(3) != lua.LNil {
				e.json.sparseSafe = int(L.CheckNumber(3))
			}
			L.Push(lua.LBool(e.json.sparseConvert))
			L.Push(lua.LNumber(e.json.sparseRatio))
			L.Push(lua.LNumber(e.json.sparseSafe))
			return 3
		},
	}
	// Insertion order decides pairs() order: keep it fixed.
	names := make([]string, 0, len(opts))
	for n := range opts {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		t.RawSetString(n, L.NewFunction(opts[n]))
	}
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

func (e *Engine) jsonEncode(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	var sb strings.Builder
	e.jsonValue(L, &sb, L.Get(1), 0)
	e.chargeL(L, sb.Len())
	L.Push(lua.LString(sb.String()))
	return 1
}

func (e *Engine) jsonValue(L *lua.LState, sb *strings.Builder, v lua.LValue, depth int) {
	if sb.Len() > e.lim.StringBytes {
		e.memoryError(L)
	}
	switch v := v.(type) {
	case lua.LString:
		jsonString(sb, string(v))
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if !e.json.encodeInvalid {
				L.RaiseError("Cannot serialise number: must not be NaN or Inf")
			}
			switch {
			case math.IsNaN(f):
				sb.WriteString("nan")
			case f > 0:
				sb.WriteString("inf")
			default:
				sb.WriteString("-inf")
			}
			return
		}
		if e.json.precision == 14 {
			sb.WriteString(luaNumber(f))
		} else {
			sb.WriteString(formatG(f, e.json.precision))
		}
	case lua.LBool:
		if v {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case *lua.LNilType:
		sb.WriteString("null")
	case *lua.LUserData:
		if v == e.jsonNull {
			sb.WriteString("null")
			return
		}
		L.RaiseError("Cannot serialise userdata: type not supported")
	case *lua.LTable:
		depth++
		if depth > e.json.encodeDepth {
			L.RaiseError("Cannot serialise, excessive nesting (%d)", depth)
		}
		n := e.jsonArrayLen(L, v)
		if n > 0 {
			sb.WriteByte('[')
			for i := 1; i <= n; i++ {
				if i > 1 {
					sb.WriteByte(',')
				}
				e.jsonValue(L, sb, v.RawGetInt(i), depth)
			}
			sb.WriteByte(']')
			return
		}
		sb.WriteByte('{')
		first := true
		for k, val := v.Next(lua.LNil); k != lua.LNil; k, val = v.Next(k) {
			if !first {
				sb.WriteByte(',')
			}
			first = false
			switch k := k.(type) {
			case lua.LString:
				jsonString(sb, string(k))
			case lua.LNumber:
				sb.WriteByte('"')
				sb.WriteString(luaNumber(float64(k)))
				sb.WriteByte('"')
			default:
				L.RaiseError("Cannot serialise %s: table key must be a number or string", k.Type().String())
			}
			sb.WriteByte(':')
			e.jsonValue(L, sb, val, depth)
		}
		sb.WriteByte('}')
	default:
		L.RaiseError("Cannot serialise %s: type not supported", v.Type().String())
	}
}

// jsonArrayLen is lua-cjson's lua_array_length: the largest key when every
// key is a positive integer, -1 otherwise; sparse arrays are an error.
func (e *Engine) jsonArrayLen(L *lua.LState, t *lua.LTable) int {
	max, items := 0, 0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		n, ok := k.(lua.LNumber)
		if !ok || float64(n) != math.Floor(float64(n)) || n < 1 {
			return -1
		}
		if int(n) > max {
			max = int(n)
		}
		items++
	}
	if c := e.json; c.sparseRatio > 0 && max > items*c.sparseRatio && max > c.sparseSafe {
		if !c.sparseConvert {
			L.RaiseError("Cannot serialise table: excessively sparse array")
		}
		return -1
	}
	return max
}

func jsonString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			sb.WriteString(`\"`)
		case '\\':
			sb.WriteString(`\\`)
		case '/':
			sb.WriteString(`\/`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		default:
			if c < 0x20 || c == 0x7f {
				sb.WriteString(`\u00`)
				sb.WriteByte("0123456789abcdef"[c>>4])
				sb.WriteByte("0123456789abcdef"[c&15])
			} else {
				sb.WriteByte(c)
			}
		}
	}
	sb.WriteByte('"')
}

type jsonParser struct {
	e   *Engine
	L   *lua.LState
	s   string
	pos int
}

func (e *Engine) jsonDecode(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.ArgError(1, "expected 1 argument")
	}
	p := &jsonParser{e: e, L: L, s: L.CheckString(1)}
	v := p.value(0)
	p.ws()
	if p.pos < len(p.s) {
		p.fail("the end")
	}
	L.Push(v)
	return 1
}

func (p *jsonParser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) fail(expected string) {
	found := "invalid token"
	if p.pos >= len(p.s) {
		found = "T_END"
	}
	p.L.RaiseError("Expected %s but found %s at character %d", expected, found, p.pos+1)
}

func (p *jsonParser) value(depth int) lua.LValue {
	p.ws()
	if p.pos >= len(p.s) {
		p.fail("value")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return lua.LString(p.str())
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return lua.LTrue
	case strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return lua.LFalse
	case strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return p.e.jsonNull
	}
	p.fail("value")
	return nil
}

func (p *jsonParser) nest(depth int) {
	if depth > p.e.json.decodeDepth {
		p.L.RaiseError("Found too many nested data structures (%d) at character %d", depth, p.pos+1)
	}
}

func (p *jsonParser) object(depth int) lua.LValue {
	p.nest(depth)
	p.pos++
	t := p.L.NewTable()
	p.ws()
	if p.pos < len(p.s) && p.s[p.pos] == '}' {
		p.pos++
		return t
	}
	for {
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != '"' {
			p.fail("object key string")
		}
		k := p.str()
		p.ws()
		if p.pos >= len(p.s) || p.s[p.pos] != ':' {
			p.fail("colon")
		}
		p.pos++
		t.RawSetString(k, p.value(depth))
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return t
		}
		p.fail("comma or object end")
	}
}

func (p *jsonParser) array(depth int) lua.LValue {
	p.nest(depth)
	p.pos++
	t := p.L.NewTable()
	p.ws()
	if p.pos < len(p.s) && p.s[p.pos] == ']' {
		p.pos++
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, p.value(depth))
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			return t
		}
		p.fail("comma or array end")
	}
}

func (p *jsonParser) number() lua.LValue {
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[p.pos]) >= 0 {
		p.pos++
	}
	f, err := strconv.ParseFloat(p.s[start:p.pos], 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		p.pos = start
		p.fail("value")
	}
	return lua.LNumber(f)
}

func (p *jsonParser) str() string {
	p.pos++ // opening quote
	var sb strings.Builder
	for {
		if p.pos >= len(p.s) {
			p.fail("string end")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return sb.String()
		case c == '\\':
			if p.pos+1 >= len(p.s) {
				p.fail("escape")
			}
			esc := p.s[p.pos+1]
			p.pos += 2
			switch esc {
			case '"', '\\', '/':
				sb.WriteByte(esc)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				if p.pos+4 > len(p.s) {
					p.fail("unicode escape")
				}
				r, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
				if err != nil {
					p.fail("unicode escape")
				}
				p.pos += 4
				if r >= 0xd800 && r < 0xdc00 && p.pos+6 <= len(p.s) && p.s[p.pos] == '\\' && p.s[p.pos+1] == 'u' {
					if lo, err := strconv.ParseUint(p.s[p.pos+2:p.pos+6], 16, 32); err == nil && lo >= 0xdc00 && lo < 0xe000 {
						r = 0x10000 + (r-0xd800)<<10 + (lo - 0xdc00)
						p.pos += 6
					}
				}
				sb.WriteRune(rune(r))
			default:
				p.fail("valid escape")
			}
		default:
			sb.WriteByte(c)
			p.pos++
		}
	}
}
