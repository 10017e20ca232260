package script

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns for string.find, string.match, string.gmatch and
// string.gsub, written here (after lstrlib.c's algorithm) instead of using
// gopher-lua's, so that matching is part of the budget: a backtracking
// pattern can take exponential time inside one library call, where no VM
// instruction is counted. Every step of the matcher counts as an
// instruction.

const (
	patEsc        = '%'
	patMaxCapture = 32
	patMaxDepth   = 200 // Lua's MAXCCALLS: "pattern too complex"
	capUnfinished = -1
	capPosition   = -2
)

type matchState struct {
	e       *Engine
	L       *lua.LState
	src     string
	pat     string
	level   int
	capture [patMaxCapture]struct{ init, len int }
	depth   int
}

func (ms *matchState) step() {
	b := &ms.e.budget
	b.n++
	if b.n > b.max {
		b.stop(stopInstructions)
		ms.L.RaiseError("pattern matching exceeded the script's budget")
	}
}

func (ms *matchState) classEnd(p int) int {
	if p >= len(ms.pat) {
		ms.L.RaiseError("%s", "malformed pattern (ends with '%')")
	}
	c := ms.pat[p]
	p++
	switch c {
	case patEsc:
		if p >= len(ms.pat) {
			ms.L.RaiseError("%s", "malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if p < len(ms.pat) && ms.pat[p] == '^' {
			p++
		}
		for {
			if p >= len(ms.pat) {
				ms.L.RaiseError("malformed pattern (missing ']')")
			}
			c := ms.pat[p]
			p++
			if c == patEsc && p < len(ms.pat) {
				p++
			}
			if p < len(ms.pat) && ms.pat[p] == ']' {
				return p + 1
			}
			if p >= len(ms.pat) {
				ms.L.RaiseError("malformed pattern (missing ']')")
			}
		}
	}
	return p
}

func isalpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isdigit(c byte) bool { return c >= '0' && c <= '9' }

func matchClass(c, cl byte) bool {
	var res bool
	lower := cl | 0x20
	switch lower {
	case 'a':
		res = isalpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = isdigit(c)
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = c >= 33 && c <= 47 || c >= 58 && c <= 64 || c >= 91 && c <= 96 || c >= 123 && c <= 126
	case 's':
		res = c == ' ' || c >= '\t' && c <= '\r'
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = isalpha(c) || isdigit(c)
	case 'x':
		res = isdigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if cl >= 'A' && cl <= 'Z' {
		return !res
	}
	return res
}

// matchBracketClass: p at '[', ec at the closing ']'.
func (ms *matchState) matchBracketClass(c byte, p, ec int) bool {
	sig := true
	if ms.pat[p+1] == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case ms.pat[p] == patEsc:
			p++
			if matchClass(c, ms.pat[p]) {
				return sig
			}
		case p+2 < ec && ms.pat[p+1] == '-':
			if ms.pat[p] <= c && c <= ms.pat[p+2] {
				return sig
			}
			p += 2
		default:
			if ms.pat[p] == c {
				return sig
			}
		}
	}
	return !sig
}

func (ms *matchState) singleMatch(s, p, ep int) bool {
	if s >= len(ms.src) {
		return false
	}
	c := ms.src[s]
	switch ms.pat[p] {
	case '.':
		return true
	case patEsc:
		return matchClass(c, ms.pat[p+1])
	case '[':
		return ms.matchBracketClass(c, p, ep-1)
	}
	return ms.pat[p] == c
}

func (ms *matchState) matchBalance(s, p int) int {
	if p+1 >= len(ms.pat) {
		ms.L.RaiseError("unbalanced pattern")
	}
	if s >= len(ms.src) || ms.src[s] != ms.pat[p] {
		return -1
	}
	b, e := ms.pat[p], ms.pat[p+1]
	cont := 1
	for s++; s < len(ms.src); s++ {
		ms.step()
		switch ms.src[s] {
		case e:
			cont--
			if cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (ms *matchState) maxExpand(s, p, ep int) int {
	i := 0
	for ms.singleMatch(s+i, p, ep) {
		ms.step()
		i++
	}
	for ; i >= 0; i-- {
		if r := ms.match(s+i, ep+1); r != -1 {
			return r
		}
	}
	return -1
}

func (ms *matchState) minExpand(s, p, ep int) int {
	for {
		if r := ms.match(s, ep+1); r != -1 {
			return r
		}
		if !ms.singleMatch(s, p, ep) {
			return -1
		}
		s++
	}
}

func (ms *matchState) startCapture(s, p, what int) int {
	if ms.level >= patMaxCapture {
		ms.L.RaiseError("too many captures")
	}
	ms.capture[ms.level].init = s
	ms.capture[ms.level].len = what
	ms.level++
	r := ms.match(s, p)
	if r == -1 {
		ms.level--
	}
	return r
}

func (ms *matchState) endCapture(s, p int) int {
	l := -1
	for i := ms.level - 1; i >= 0; i-- {
		if ms.capture[i].len == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		ms.L.RaiseError("invalid pattern capture")
	}
	ms.capture[l].len = s - ms.capture[l].init
	r := ms.match(s, p)
	if r == -1 {
		ms.capture[l].len = capUnfinished
	}
	return r
}

func (ms *matchState) matchCapture(s int, l byte) int {
	idx := int(l - '1')
	if idx < 0 || idx >= ms.level || ms.capture[idx].len == capUnfinished {
		ms.L.RaiseError("invalid capture index")
	}
	c := ms.capture[idx]
	if len(ms.src)-s >= c.len && ms.src[c.init:c.init+c.len] == ms.src[s:s+c.len] {
		return s + c.len
	}
	return -1
}

// match returns the end of the match of pat[p:] at src[s:], or -1.
func (ms *matchState) match(s, p int) int {
	ms.depth++
	defer func() { ms.depth-- }()
	if ms.depth > patMaxDepth {
		ms.L.RaiseError("pattern too complex")
	}
	for {
		ms.step()
		if p >= len(ms.pat) {
			return s
		}
		switch ms.pat[p] {
		case '(':
			if p+1 < len(ms.pat) && ms.pat[p+1] == ')' {
				return ms.startCapture(s, p+2, capPosition)
			}
			return ms.startCapture(s, p+1, capUnfinished)
		case ')':
			return ms.endCapture(s, p+1)
		case patEsc:
			if p+1 < len(ms.pat) {
				switch c := ms.pat[p+1]; {
				case c == 'b':
					s = ms.matchBalance(s, p+2)
					if s == -1 {
						return -1
					}
					p += 4
					continue
				case c == 'f':
					p += 2
					if p >= len(ms.pat) || ms.pat[p] != '[' {
						ms.L.RaiseError("%s", "missing '[' after '%f' in pattern")
					}
					ep := ms.classEnd(p)
					var prev, cur byte
					if s > 0 {
						prev = ms.src[s-1]
					}
					if s < len(ms.src) {
						cur = ms.src[s]
					}
					if ms.matchBracketClass(prev, p, ep-1) || !ms.matchBracketClass(cur, p, ep-1) {
						return -1
					}
					p = ep
					continue
				case isdigit(c):
					s = ms.matchCapture(s, c)
					if s == -1 {
						return -1
					}
					p += 2
					continue
				}
			}
		case '$':
			if p+1 == len(ms.pat) {
				if s == len(ms.src) {
					return s
				}
				return -1
			}
		}
		ep := ms.classEnd(p)
		m := ms.singleMatch(s, p, ep)
		if ep < len(ms.pat) {
			switch ms.pat[ep] {
			case '?':
				if m {
					if r := ms.match(s+1, ep+1); r != -1 {
						return r
					}
				}
				p = ep + 1
				continue
			case '*':
				return ms.maxExpand(s, p, ep)
			case '+':
				if !m {
					return -1
				}
				return ms.maxExpand(s+1, p, ep)
			case '-':
				return ms.minExpand(s, p, ep)
			}
		}
		if !m {
			return -1
		}
		s++
		p = ep
	}
}

func (ms *matchState) getCapture(i, s, e int) lua.LValue {
	if i >= ms.level {
		if i == 0 {
			return lua.LString(ms.src[s:e])
		}
		ms.L.RaiseError("invalid capture index")
	}
	c := ms.capture[i]
	if c.len == capUnfinished {
		ms.L.RaiseError("unfinished capture")
	}
	if c.len == capPosition {
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(ms.src[c.init : c.init+c.len])
}

func (ms *matchState) pushCaptures(s, e int, wholeIfNone bool) int {
	n := ms.level
	if n == 0 && wholeIfNone {
		n = 1
	}
	for i := 0; i < n; i++ {
		ms.L.Push(ms.getCapture(i, s, e))
	}
	return n
}

func (e *Engine) newMatch(L *lua.LState, src, pat string) *matchState {
	return &matchState{e: e, L: L, src: src, pat: pat}
}

func startIndex(init, n int) int {
	if init < 0 {
		init = n + init + 1
		if init < 1 {
			init = 1
		}
	} else if init == 0 {
		init = 1
	}
	return init - 1
}

func hasSpecials(p string) bool { return strings.ContainsAny(p, "^$*+?.([%-") }

func (e *Engine) strFindAux(L *lua.LState, find bool) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	init := startIndex(L.OptInt(3, 1), len(src))
	if init > len(src) {
		L.Push(lua.LNil)
		return 1
	}
	if find && (lua.LVAsBool(L.Get(4)) || !hasSpecials(pat)) {
		if i := strings.Index(src[init:], pat); i >= 0 {
			L.Push(lua.LNumber(init + i + 1))
			L.Push(lua.LNumber(init + i + len(pat)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	ms := e.newMatch(L, src, pat)
	anchor := len(pat) > 0 && pat[0] == '^'
	p := 0
	if anchor {
		p = 1
	}
	for s := init; ; s++ {
		ms.level = 0
		if end := ms.match(s, p); end != -1 {
			if find {
				L.Push(lua.LNumber(s + 1))
				L.Push(lua.LNumber(end))
				return ms.pushCaptures(-1, 0, false) + 2
			}
			return ms.pushCaptures(s, end, true)
		}
		if anchor || s >= len(src) {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func (e *Engine) strGmatch(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		ms := e.newMatch(L, src, pat)
		for s := pos; s <= len(src); s++ {
			ms.level = 0
			if end := ms.match(s, 0); end != -1 {
				pos = end
				if end == s {
					pos++ // empty match: go at least one step
				}
				return ms.pushCaptures(s, end, true)
			}
		}
		pos = len(src) + 1
		return 0
	}))
	return 1
}

func (e *Engine) strGsub(L *lua.LState) int {
	src := L.CheckString(1)
	pat := L.CheckString(2)
	repl := L.Get(3)
	switch repl.Type() {
	case lua.LTNumber, lua.LTString, lua.LTTable, lua.LTFunction:
	default:
		L.ArgError(3, "string/function/table expected")
	}
	maxN := len(src) + 1
	if L.GetTop() >= 4 && L.Get(4) != lua.LNil {
		maxN = L.CheckInt(4)
	}
	anchor := len(pat) > 0 && pat[0] == '^'
	p := 0
	if anchor {
		p = 1
	}
	ms := e.newMatch(L, src, pat)
	var b strings.Builder
	n := 0
	s := 0
	for n < maxN {
		ms.level = 0
		end := ms.match(s, p)
		if end != -1 {
			n++
			e.addValue(ms, &b, s, end, repl)
		}
		switch {
		case end != -1 && end > s:
			s = end
		case s < len(src):
			b.WriteByte(src[s])
			s++
		default:
			goto done
		}
		if b.Len() > e.lim.StringBytes {
			e.memoryError(L)
		}
		if anchor {
			break
		}
	}
done:
	if s < len(src) {
		b.WriteString(src[s:])
	}
	e.chargeL(L, b.Len())
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(n))
	return 2
}

func (e *Engine) addValue(ms *matchState, b *strings.Builder, s, end int, repl lua.LValue) {
	L := ms.L
	var v lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		rs := lua.LVAsString(r)
		if n, ok := r.(lua.LNumber); ok {
			rs = luaNumber(float64(n))
		}
		for i := 0; i < len(rs); i++ {
			c := rs[i]
			if c != patEsc {
				b.WriteByte(c)
				continue
			}
			i++
			if i >= len(rs) {
				break
			}
			d := rs[i]
			if !isdigit(d) {
				b.WriteByte(d)
				continue
			}
			var cv lua.LValue
			if d == '0' {
				cv = lua.LString(ms.src[s:end])
			} else {
				cv = ms.getCapture(int(d-'1'), s, end)
			}
			if n, ok := cv.(lua.LNumber); ok {
				b.WriteString(strconv.Itoa(int(n)))
			} else {
				b.WriteString(lua.LVAsString(cv))
			}
		}
		return
	case *lua.LTable:
		v = L.GetTable(r, ms.getCapture(0, s, end))
	case *lua.LFunction:
		top := L.GetTop()
		L.Push(r)
		n := ms.pushCaptures(s, end, true)
		L.Call(n, 1)
		v = L.Get(-1)
		L.SetTop(top)
	}
	switch v := v.(type) {
	case *lua.LNilType:
		b.WriteString(ms.src[s:end])
	case lua.LBool:
		if !v {
			b.WriteString(ms.src[s:end])
			return
		}
		L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	case lua.LString:
		b.WriteString(string(v))
	case lua.LNumber:
		b.WriteString(luaNumber(float64(v)))
	default:
		L.RaiseError("invalid replacement value (a %s)", v.Type().String())
	}
}
