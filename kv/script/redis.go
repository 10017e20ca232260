package script

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Redis 7.0's version as scripts see it (redis.REDIS_VERSION[_NUM]).
const (
	RedisVersion    = "7.0.15"
	redisVersionNum = 0x0007000f
)

// openRedis builds the redis table.
func (e *Engine) openRedis() *lua.LTable {
	L := e.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"call":               func(L *lua.LState) int { return e.redisCall(L, true) },
		"pcall":              func(L *lua.LState) int { return e.redisCall(L, false) },
		"error_reply":        e.errorReply,
		"status_reply":       statusReply,
		"sha1hex":            sha1hexFn,
		"log":                redisLog,
		"setresp":            e.setresp,
		"set_repl":           e.setRepl,
		"replicate_commands": func(L *lua.LState) int { L.Push(lua.LTrue); return 1 },
		"breakpoint":         func(L *lua.LState) int { L.Push(lua.LFalse); return 1 },
		"debug":              func(L *lua.LState) int { return 0 },
		"acl_check_cmd":      e.aclCheckCmd,
		"register_function":  e.registerFunction,
	}
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	// Insertion order decides pairs() order: keep it fixed.
	sortStrings(names)
	for _, n := range names {
		t.RawSetString(n, L.NewFunction(fns[n]))
	}
	for _, c := range []struct {
		name string
		v    lua.LValue
	}{
		{"LOG_DEBUG", lua.LNumber(0)}, {"LOG_VERBOSE", lua.LNumber(1)},
		{"LOG_NOTICE", lua.LNumber(2)}, {"LOG_WARNING", lua.LNumber(3)},
		{"REPL_NONE", lua.LNumber(0)}, {"REPL_AOF", lua.LNumber(1)},
		{"REPL_SLAVE", lua.LNumber(2)}, {"REPL_REPLICA", lua.LNumber(2)},
		{"REPL_ALL", lua.LNumber(3)},
		{"REDIS_VERSION", lua.LString(RedisVersion)},
		{"REDIS_VERSION_NUM", lua.LNumber(redisVersionNum)},
	} {
		t.RawSetString(c.name, c.v)
	}
	return t
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// errTable builds Redis's error table from a message: "-CODE msg" keeps
// its code, anything else gets ERR (luaPushErrorBuff).
func errTable(L *lua.LState, buf string) *lua.LTable {
	var code, msg string
	if strings.HasPrefix(buf, "-") {
		if i := strings.IndexByte(buf, ' '); i < 0 {
			code, msg = "ERR", buf[1:]
		} else {
			code, msg = buf[1:i], buf[i+1:]
		}
	} else {
		code, msg = "ERR", buf
	}
	msg = strings.TrimRight(msg, "\r\n")
	t := L.CreateTable(0, 2)
	t.RawSetString("err", lua.LString(code+" "+msg))
	return t
}

// raiseTable raises t as the error (redis.call's error tables).
func raiseTable(L *lua.LState, t *lua.LTable) {
	L.Error(t, 0)
}

// redisCall is redis.call (raise) and redis.pcall.
func (e *Engine) redisCall(L *lua.LState, raise bool) int {
	fail := func(msg string) int {
		t := errTable(L, msg)
		if raise {
			raiseTable(L, t)
		}
		L.Push(t)
		return 1
	}
	if !e.inCall || e.host == nil {
		return fail("redis.call/pcall can only be called inside a script invocation")
	}
	n := L.GetTop()
	if n == 0 {
		return fail("Please specify at least one argument for this redis lib call")
	}
	args := make([][]byte, n)
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			args[i-1] = []byte(v)
		case lua.LNumber:
			args[i-1] = []byte(formatG17(float64(v)))
		default:
			return fail("Lua redis lib command arguments must be strings or integers")
		}
	}
	out := e.host.Call(args, e.resp)
	r, _, err := parseReply(out)
	if err != nil {
		return fail("ERR internal: " + err.Error())
	}
	if r.kind == '-' {
		t := errTable(L, "-"+r.str)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		if raise {
			raiseTable(L, t)
		}
		L.Push(t)
		return 1
	}
	L.Push(e.replyToLua(&r))
	return 1
}

func (e *Engine) errorReply(L *lua.LState) int {
	if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
		L.Push(errTable(L, "wrong number or type of arguments"))
		return 1
	}
	s := L.ToString(1)
	if !strings.HasPrefix(s, "-") {
		s = "-" + s
	}
	L.Push(errTable(L, s))
	return 1
}

func statusReply(L *lua.LState) int {
	if L.GetTop() != 1 || L.Get(1).Type() != lua.LTString {
		L.Push(errTable(L, "wrong number or type of arguments"))
		return 1
	}
	t := L.CreateTable(0, 1)
	t.RawSetString("ok", L.Get(1))
	L.Push(t)
	return 1
}

func sha1hexFn(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("wrong number of arguments")
	}
	var s string // Redis hashes what lua_tolstring gives: "" for non-strings
	switch v := L.Get(1).(type) {
	case lua.LString:
		s = string(v)
	case lua.LNumber:
		s = luaNumber(float64(v))
	}
	L.Push(lua.LString(Sha1Hex([]byte(s))))
	return 1
}

func redisLog(L *lua.LState) int {
	if L.GetTop() < 2 {
		L.RaiseError("redis.log() requires two arguments or more.")
	}
	lvl, ok := L.Get(1).(lua.LNumber)
	if !ok {
		L.RaiseError("First argument must be a number (log level).")
	}
	if lvl < 0 || lvl > 3 {
		L.RaiseError("Invalid debug level.")
	}
	// The machine does no I/O: log lines are dropped.
	return 0
}

func (e *Engine) setresp(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("redis.setresp() requires one argument.")
	}
	n := L.CheckInt(1)
	if n != 2 && n != 3 {
		L.RaiseError("RESP version must be 2 or 3.")
	}
	e.resp = n
	return 0
}

func (e *Engine) setRepl(L *lua.LState) int {
	if L.GetTop() != 1 {
		L.RaiseError("redis.set_repl() requires one argument.")
	}
	n := L.CheckInt(1)
	if n < 0 || n > 3 {
		L.RaiseError("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.")
	}
	// Every write runs on every replica through the log: nothing to select.
	return 0
}

func (e *Engine) aclCheckCmd(L *lua.LState) int {
	if L.GetTop() < 1 {
		L.RaiseError("Please specify at least one argument for this redis lib call")
	}
	name := L.CheckString(1)
	if c, ok := e.host.(interface{ Known(name string) bool }); ok && !c.Known(name) {
		L.RaiseError("Invalid command passed to redis.acl_check_cmd()")
	}
	allowed := true
	if c, ok := e.host.(interface{ ACLAllowed(args [][]byte) bool }); ok {
		args := make([][]byte, L.GetTop())
		for i := range args {
			args[i] = []byte(L.CheckString(i + 1))
		}
		allowed = c.ACLAllowed(args)
	}
	L.Push(lua.LBool(allowed))
	return 1
}

func parseDouble(s string) float64 {
	switch s {
	case "inf", "+inf":
		return posInf
	case "-inf":
		return negInf
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
