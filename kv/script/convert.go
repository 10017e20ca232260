package script

import (
	lua "github.com/yuin/gopher-lua"
)

// Conversions between command replies and Lua values, as Redis 7.0's
// script_lua.c does them.

// replyToLua converts a command reply to the Lua value redis.call returns.
// RESP2: integer -> number, bulk -> string, null bulk or array -> false,
// status -> {ok=s}, error -> {err=s}, array -> table. RESP3 adds maps
// ({map={...}}), sets ({set={k=true}}), null (nil), booleans, doubles
// ({double=n}), big numbers ({big_number=s}) and verbatim strings.
func (e *Engine) replyToLua(r *reply) lua.LValue {
	L := e.L
	switch r.kind {
	case ':':
		return lua.LNumber(r.num)
	case '$':
		e.chargeString(len(r.str))
		return lua.LString(r.str)
	case 'N':
		return lua.LFalse
	case '+':
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(r.str))
		return t
	case '-':
		t := L.CreateTable(0, 1)
		t.RawSetString("err", lua.LString(r.str))
		return t
	case '*':
		t := L.CreateTable(len(r.elems), 0)
		for i := range r.elems {
			t.RawSetInt(i+1, e.replyToLua(&r.elems[i]))
		}
		return t
	case '%':
		m := L.CreateTable(0, len(r.elems)/2)
		for i := 0; i+1 < len(r.elems); i += 2 {
			m.RawSet(e.replyToLua(&r.elems[i]), e.replyToLua(&r.elems[i+1]))
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("map", m)
		return t
	case '~':
		s := L.CreateTable(0, len(r.elems))
		for i := range r.elems {
			s.RawSet(e.replyToLua(&r.elems[i]), lua.LTrue)
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("set", s)
		return t
	case '_':
		return lua.LNil
	case '#':
		return lua.LBool(r.num != 0)
	case ',':
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(parseDouble(r.str)))
		return t
	case '(':
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(r.str))
		return t
	case '=':
		format, s := "txt", r.str
		if len(s) >= 4 && s[3] == ':' {
			format, s = s[:3], s[4:]
		}
		v := L.CreateTable(0, 2)
		v.RawSetString("format", lua.LString(format))
		v.RawSetString("string", lua.LString(s))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", v)
		return t
	}
	return lua.LFalse
}

// maxReplyDepth bounds the nesting of a script's return value that is
// converted (Redis stops at the Lua C stack limit with "reached lua stack
// limit"); a self-referencing table would otherwise recurse forever.
const maxReplyDepth = 1000

// luaToReply appends v, a script's return value, to a in the client's
// protocol; booleans follow the script's own protocol (redis.setresp).
func (e *Engine) luaToReply(a *appender, v lua.LValue, depth int) {
	if depth > maxReplyDepth {
		a.errorLine("ERR reached lua stack limit")
		return
	}
	switch v := v.(type) {
	case lua.LString:
		a.bulk(string(v))
	case lua.LBool:
		if e.resp == 2 {
			if v {
				a.integer(1)
			} else {
				a.null()
			}
			return
		}
		a.boolean(bool(v))
	case lua.LNumber:
		a.integer(toInteger(float64(v)))
	case *lua.LTable:
		e.tableToReply(a, v, depth)
	default:
		a.null()
	}
}

func (e *Engine) tableToReply(a *appender, t *lua.LTable, depth int) {
	if s, ok := t.RawGetString("err").(lua.LString); ok {
		a.errorLine(errorText(t, string(s)))
		return
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		a.status(string(s))
		return
	}
	if n, ok := t.RawGetString("double").(lua.LNumber); ok {
		a.double(float64(n))
		return
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		a.bigNumber(noCRLF(string(s)))
		return
	}
	if vt, ok := t.RawGetString("verbatim_string").(*lua.LTable); ok {
		f, fok := vt.RawGetString("format").(lua.LString)
		s, sok := vt.RawGetString("string").(lua.LString)
		if fok && sok {
			a.verbatim(string(f), string(s))
			return
		}
	}
	if m, ok := t.RawGetString("map").(*lua.LTable); ok {
		n := 0
		for k, _ := m.Next(lua.LNil); k != lua.LNil; k, _ = m.Next(k) {
			n++
		}
		a.mapHeader(n)
		for k, v := m.Next(lua.LNil); k != lua.LNil; k, v = m.Next(k) {
			e.luaToReply(a, k, depth+1)
			e.luaToReply(a, v, depth+1)
		}
		return
	}
	if s, ok := t.RawGetString("set").(*lua.LTable); ok {
		n := 0
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			n++
		}
		a.setHeader(n)
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			e.luaToReply(a, k, depth+1)
		}
		return
	}
	n := 0
	for t.RawGetInt(n+1) != lua.LNil {
		n++
	}
	a.header('*', n)
	for i := 1; i <= n; i++ {
		e.luaToReply(a, t.RawGetInt(i), depth+1)
	}
}

// errorText is the reply text of an error table: its err field, which
// carries its own code ("ERR ...", "WRONGTYPE ..."), as Redis's
// luaExtractErrorInformation reads it.
func errorText(t *lua.LTable, s string) string {
	return s
}

func noCRLF(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return string(b)
}
