package script

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Host runs the commands a script calls. The machine implements it: it
// validates the command (exists, arity, allowed in scripts, no writes from
// a read-only script) and executes it with the script's clock and a seed
// derived from the script's. Call returns the reply rendered in proto (the
// script's redis.setresp), an error reply starting with '-'.
type Host interface {
	Call(args [][]byte, proto int) []byte
}

// Engine is one Lua state set up as Redis 7.0's scripting environment.
// It is reused for many calls; nothing a script does outlives its call
// (see the package doc).
type Engine struct {
	L   *lua.LState
	lim Limits
	// g is the real globals table; scripts see it only through proxyG.
	g      *lua.LTable
	proxyG *lua.LTable
	// loadG replaces g while a library's body runs (FUNCTION LOAD): only
	// redis.register_function, redis.log and the version constants.
	loadG     *lua.LTable
	globalsMT *lua.LTable // proxyG's metatable
	// protected holds the read-only proxies (globals, libraries, metatables).
	protected map[*lua.LTable]bool
	// realOf maps a library proxy to the table it protects: next and
	// pairs iterate the real table, as on Redis's read-only tables.
	realOf map[*lua.LTable]*lua.LTable
	errFn  *lua.LFunction
	budget budget

	// Per-call state.
	host     Host
	resp     int // protocol of replies redis.call sees (redis.setresp)
	rnd      uint64
	funcName string // "f_<sha>" or the function name, for error texts
	inCall   bool
	loading  *libraryLoad // set while FUNCTION LOAD runs a library's body
	jsonNull *lua.LUserData
	json     cjsonConfig             // per call
	libs     map[string]*libraryLoad // instantiated FUNCTION libraries by code SHA-1
}

// allowedGlobals are the globals Redis 7.0 leaves to scripts (its allow
// lists in script_lua.c), less coroutine (coroutines run on threads whose
// instructions would escape the budget) and newproxy (not in gopher-lua).
var allowedGlobals = map[string]bool{
	"string": true, "cjson": true, "bit": true, "cmsgpack": true, "math": true,
	"table": true, "struct": true, "redis": true,
	"xpcall": true, "tostring": true, "getfenv": true, "setmetatable": true,
	"next": true, "assert": true, "tonumber": true, "rawequal": true,
	"collectgarbage": true, "getmetatable": true, "rawset": true, "pcall": true,
	"type": true, "_G": true, "select": true, "unpack": true, "gcinfo": true,
	"pairs": true, "rawget": true, "loadstring": true, "ipairs": true,
	"_VERSION": true, "setfenv": true, "load": true, "error": true,
}

// NewEngine returns an engine with the given limits.
func NewEngine(lim Limits) *Engine {
	L := lua.NewState(lua.Options{
		CallStackSize:   lim.CallDepth,
		RegistrySize:    1024 * 16,
		RegistryMaxSize: max(lim.Registry, 1024*16),
		SkipOpenLibs:    true,
	})
	e := &Engine{L: L, lim: lim, protected: map[*lua.LTable]bool{}, resp: 2, json: cjsonDefaults}
	e.budget.e = e
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
	} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	// gopher-lua registers library functions from Go maps, so their
	// insertion order (which pairs follows) differs from one state to the
	// next: rebuild every library table, and the globals, in key order.
	L.G.Global = sortedCopy(L, L.G.Global)
	for _, name := range []string{"string", "math", "table"} {
		if t, ok := L.G.Global.RawGetString(name).(*lua.LTable); ok {
			L.G.Global.RawSetString(name, sortedCopy(L, t))
		}
	}
	e.g = L.G.Global
	g := e.g

	// Drop everything Redis does not give scripts.
	var drop []string
	for k, _ := g.Next(lua.LNil); k != lua.LNil; k, _ = g.Next(k) {
		if s, ok := k.(lua.LString); !ok || !allowedGlobals[string(s)] {
			drop = append(drop, lua.LVAsString(k))
		}
	}
	for _, k := range drop {
		g.RawSetString(k, lua.LNil)
	}

	// Deterministic or sandboxed replacements of base functions.
	g.RawSetString("collectgarbage", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	g.RawSetString("gcinfo", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LNumber(0)); return 1 }))
	g.RawSetString("setmetatable", L.NewFunction(e.setmetatable))
	g.RawSetString("getmetatable", L.NewFunction(e.getmetatable))
	g.RawSetString("rawset", L.NewFunction(e.rawset))
	g.RawSetString("getfenv", L.NewFunction(e.getfenv))
	g.RawSetString("setfenv", L.NewFunction(e.setfenv))
	g.RawSetString("tostring", L.NewFunction(e.tostring))
	g.RawSetString("loadstring", L.NewFunction(e.loadstring))
	g.RawSetString("load", L.NewFunction(e.loadstring))
	nextFn := L.NewFunction(e.luaNext)
	g.RawSetString("next", nextFn)
	g.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(nextFn)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))

	mathT := g.RawGetString("math").(*lua.LTable)
	mathT.RawSetString("random", L.NewFunction(e.mathRandom))
	mathT.RawSetString("randomseed", L.NewFunction(e.mathRandomseed))
	strT := g.RawGetString("string").(*lua.LTable)
	strT.RawSetString("rep", L.NewFunction(e.stringRep))
	strT.RawSetString("dump", lua.LNil)
	strT.RawSetString("format", L.NewFunction(e.stringFormat(strT.RawGetString("format").(*lua.LFunction))))
	strT.RawSetString("find", L.NewFunction(func(L *lua.LState) int { return e.strFindAux(L, true) }))
	strT.RawSetString("match", L.NewFunction(func(L *lua.LState) int { return e.strFindAux(L, false) }))
	strT.RawSetString("gmatch", L.NewFunction(e.strGmatch))
	strT.RawSetString("gsub", L.NewFunction(e.strGsub))
	tabT := g.RawGetString("table").(*lua.LTable)
	tabT.RawSetString("concat", L.NewFunction(e.tableConcat(tabT.RawGetString("concat"))))
	for _, name := range []string{"insert", "remove", "sort"} {
		tabT.RawSetString(name, L.NewFunction(e.guardFirstArg(tabT.RawGetString(name))))
	}

	g.RawSetString("bit", openBit(L))
	g.RawSetString("cjson", e.openCjson())
	g.RawSetString("cmsgpack", e.openCmsgpack())
	g.RawSetString("struct", e.openStruct())
	g.RawSetString("redis", e.openRedis())
	e.loadG = e.openLoadAPI()

	// Every library table becomes a read-only proxy.
	for _, name := range []string{"string", "math", "table", "bit", "cjson", "cmsgpack", "struct", "redis"} {
		g.RawSetString(name, e.protect(g.RawGetString(name).(*lua.LTable)))
	}
	// The string metatable's __index goes through the string proxy, and
	// getmetatable("") returns a read-only view of it.
	if smt, ok := L.GetMetatable(lua.LString("")).(*lua.LTable); ok {
		smt.RawSetString("__index", g.RawGetString("string"))
	}

	// The globals: an empty proxy whose __index raises for names that do
	// not exist and whose __newindex refuses every write.
	e.proxyG = L.NewTable()
	mt := L.NewTable()
	// Lookups go proxy -> g (a table: no Go call on the hot path) -> g's
	// own metatable, whose __index raises for names that do not exist.
	mt.RawSetString("__index", g)
	gmt := L.NewTable()
	gmt.RawSetString("__index", L.NewFunction(e.globalMissing))
	g.Metatable = gmt
	e.globalsMT = mt
	mt.RawSetString("__newindex", L.NewFunction(readonlyError))
	mt.RawSetString("__metatable", e.protect(mt))
	e.proxyG.Metatable = mt
	e.protected[e.proxyG] = true
	e.realOf[e.proxyG] = g
	g.RawSetString("_G", e.proxyG)
	L.Env = e.proxyG
	e.errFn = L.NewFunction(e.errorHandler)
	return e
}

// Close releases the Lua state.
func (e *Engine) Close() { e.L.Close() }

// protect returns a read-only proxy of t.
func (e *Engine) protect(t *lua.LTable) *lua.LTable {
	L := e.L
	p := L.NewTable()
	if e.realOf == nil {
		e.realOf = map[*lua.LTable]*lua.LTable{}
	}
	e.realOf[p] = t
	mt := L.NewTable()
	mt.RawSetString("__index", t)
	mt.RawSetString("__newindex", L.NewFunction(readonlyError))
	mt.RawSetString("__metatable", lua.LFalse)
	p.Metatable = mt
	e.protected[p] = true
	e.protected[mt] = true
	return p
}

func readonlyError(L *lua.LState) int {
	L.RaiseError("Attempt to modify a readonly table")
	return 0
}

func (e *Engine) globalMissing(L *lua.LState) int {
	L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(L.Get(2)))
	return 0
}

// setGlobalsSource points the globals at g, or at the load-time API
// while a library's body runs.
func (e *Engine) setGlobalsSource(src *lua.LTable) { e.globalsMT.RawSetString("__index", src) }

func (e *Engine) checkWritable(L *lua.LState, v lua.LValue) {
	if t, ok := v.(*lua.LTable); ok && e.protected[t] {
		L.RaiseError("Attempt to modify a readonly table")
	}
}

func (e *Engine) setmetatable(L *lua.LState) int {
	t := L.CheckTable(1)
	L.CheckTypes(2, lua.LTNil, lua.LTTable)
	e.checkWritable(L, t)
	if mt, ok := t.Metatable.(*lua.LTable); ok && mt.RawGetString("__metatable") != lua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	t.Metatable = L.Get(2)
	L.SetTop(1)
	return 1
}

func (e *Engine) getmetatable(L *lua.LState) int {
	v := L.CheckAny(1)
	mt := L.GetMetatable(v)
	if t, ok := mt.(*lua.LTable); ok {
		if f := t.RawGetString("__metatable"); f != lua.LNil {
			L.Push(f)
			return 1
		}
		if _, isTable := v.(*lua.LTable); !isTable {
			// A built-in type's metatable is shared state.
			L.Push(e.protect(t))
			return 1
		}
	}
	L.Push(mt)
	return 1
}

func (e *Engine) rawset(L *lua.LState) int {
	t := L.CheckTable(1)
	e.checkWritable(L, t)
	t.RawSet(L.CheckAny(2), L.CheckAny(3))
	L.SetTop(1)
	return 1
}

func (e *Engine) guardFirstArg(fn lua.LValue) lua.LGFunction {
	g := fn.(*lua.LFunction)
	return func(L *lua.LState) int {
		e.checkWritable(L, L.Get(1))
		top := L.GetTop()
		L.Push(g)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, lua.MultRet)
		return L.GetTop() - top
	}
}

func (e *Engine) getfenv(L *lua.LState) int {
	v := L.Get(1)
	var env lua.LValue = e.proxyG
	if fn, ok := v.(*lua.LFunction); ok && !fn.IsG && fn.Env != nil {
		env = fn.Env
	}
	if env == lua.LValue(e.g) {
		env = e.proxyG
	}
	L.Push(env)
	return 1
}

func (e *Engine) setfenv(L *lua.LState) int {
	fn, ok := L.Get(1).(*lua.LFunction)
	if !ok || fn.IsG {
		L.RaiseError("'setfenv' cannot change environment of given object")
	}
	fn.Env = L.CheckTable(2)
	L.Push(fn)
	return 1
}

func (e *Engine) tostring(L *lua.LState) int {
	v := L.CheckAny(1)
	if n, ok := v.(lua.LNumber); ok {
		L.Push(lua.LString(luaNumber(float64(n))))
		return 1
	}
	L.Push(lua.LString(L.ToStringMeta(v).String()))
	return 1
}

// loadstring compiles code in the sandbox: its functions see the
// protected globals. Binary chunks are refused, as in Redis.
func (e *Engine) loadstring(L *lua.LState) int {
	src := L.CheckString(1)
	name := L.OptString(2, src)
	if strings.HasPrefix(src, "\x1bLua") {
		L.Push(lua.LNil)
		L.Push(lua.LString("binary chunks are not allowed"))
		return 2
	}
	fn, err := L.Load(strings.NewReader(src), name)
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	fn.Env = e.proxyG
	L.Push(fn)
	return 1
}

func (e *Engine) stringRep(L *lua.LState) int {
	s := L.CheckString(1)
	n := L.CheckInt(2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if int64(len(s))*int64(n) > int64(e.lim.StringBytes) {
		e.memoryError(L)
	}
	e.chargeL(L, len(s)*n)
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

func (e *Engine) tableConcat(orig lua.LValue) lua.LGFunction {
	fn := orig.(*lua.LFunction)
	return func(L *lua.LState) int {
		t := L.CheckTable(1)
		sep := L.OptString(2, "")
		total := 0
		for i := 1; ; i++ {
			v := t.RawGetInt(i)
			if v == lua.LNil {
				break
			}
			if s, ok := v.(lua.LString); ok {
				total += len(s) + len(sep)
			} else {
				total += 24 + len(sep)
			}
			if total > e.lim.StringBytes {
				e.memoryError(L)
			}
		}
		e.chargeL(L, total)
		top := L.GetTop()
		L.Push(fn)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, 1)
		return 1
	}
}

// memoryError stops the script: it built a value over the size limit.
func (e *Engine) memoryError(L *lua.LState) {
	e.budget.stop(stopMemory)
	L.RaiseError("Script exceeded the memory budget")
}

// chargeString stops the script when a string it receives is over the
// limit, and charges it to the allocation budget.
func (e *Engine) chargeString(n int) {
	if n > e.lim.StringBytes {
		e.memoryError(e.L)
	}
	e.chargeL(e.L, n)
}

// chargeL charges n bytes allocated by a Go function and raises the
// memory error at once when the budget is exhausted.
func (e *Engine) chargeL(L *lua.LState, n int) {
	e.charge(n)
	if e.budget.reason == stopMemory {
		L.RaiseError("Script exceeded the memory budget")
	}
}

// math.random and math.randomseed draw from the call's seed (splitmix64),
// the same on every replica for the same log entry.
func (e *Engine) next() uint64 {
	e.rnd += 0x9E3779B97F4A7C15
	z := e.rnd
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (e *Engine) mathRandom(L *lua.LState) int {
	r := float64(e.next()>>11) / (1 << 53)
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
	case 1:
		u := int(L.CheckNumber(1))
		if u < 1 {
			L.ArgError(1, "interval is empty")
		}
		L.Push(lua.LNumber(int(r*float64(u)) + 1))
	case 2:
		l, u := int(L.CheckNumber(1)), int(L.CheckNumber(2))
		if l > u {
			L.ArgError(2, "interval is empty")
		}
		L.Push(lua.LNumber(int(r*float64(u-l+1)) + l))
	default:
		L.RaiseError("wrong number of arguments")
	}
	return 1
}

func (e *Engine) mathRandomseed(L *lua.LState) int {
	e.rnd = uint64(int64(L.CheckNumber(1)))
	return 0
}

// errorHandler is the message handler of every call (Redis's
// __redis__err__handler): it turns the error into a table with err,
// source and line, from the innermost Lua frame.
func (e *Engine) errorHandler(L *lua.LState) int {
	v := L.Get(1)
	t, ok := v.(*lua.LTable)
	if !ok {
		msg := "ERR "
		if n, isNum := v.(lua.LNumber); isNum {
			msg += luaNumber(float64(n))
		} else {
			// gopher-lua does not name the type it failed to call; nil is
			// by far the common case (an undefined function).
			msg += luaStyleRuntimeError(L.ToStringMeta(v).String())
		}
		t = L.NewTable()
		t.RawSetString("err", lua.LString(msg))
	}
	for lvl := 1; lvl < 8; lvl++ {
		dbg, ok := L.GetStack(lvl)
		if !ok {
			break
		}
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err != nil {
			break
		}
		if dbg.What == "G" {
			continue
		}
		t.RawSetString("source", lua.LString("@"+dbg.Source))
		t.RawSetString("line", lua.LNumber(dbg.CurrentLine))
		break
	}
	L.Push(t)
	return 1
}

// Sha1Hex returns the lower-case hex SHA-1 of b (script ids, redis.sha1hex).
func Sha1Hex(b []byte) string {
	h := sha1.Sum(b)
	return hex.EncodeToString(h[:])
}

func argError(L *lua.LState, msg string) { L.RaiseError("%s", msg) }

var _ = fmt.Sprint

// openLoadAPI builds the globals a library's body sees.
func (e *Engine) openLoadAPI() *lua.LTable {
	L := e.L
	r := L.NewTable()
	r.RawSetString("register_function", L.NewFunction(e.registerFunction))
	r.RawSetString("log", L.NewFunction(redisLog))
	full := e.g.RawGetString("redis").(*lua.LTable)
	for _, k := range []string{"LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"} {
		r.RawSetString(k, full.RawGetString(k))
	}
	g := L.NewTable()
	g.RawSetString("redis", e.protectStrict(r))
	mt := L.NewTable()
	mt.RawSetString("__index", L.NewFunction(e.globalMissing))
	g.Metatable = mt
	return g
}

// protectStrict is protect whose missing fields raise the nonexistent
// global error (Redis's error metatable on the load-time redis table).
func (e *Engine) protectStrict(t *lua.LTable) *lua.LTable {
	p := e.protect(t)
	mt := p.Metatable.(*lua.LTable)
	mt.RawSetString("__index", e.L.NewFunction(func(L *lua.LState) int {
		k := L.Get(2)
		v := t.RawGet(k)
		if v == lua.LNil {
			L.RaiseError("Script attempted to access nonexistent global variable '%s'", lua.LVAsString(k))
		}
		L.Push(v)
		return 1
	}))
	return p
}

// luaNext is Lua's next, looking through read-only proxies.
func (e *Engine) luaNext(L *lua.LState) int {
	t := L.CheckTable(1)
	if r := e.realOf[t]; r != nil {
		t = r
	}
	k, v := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(v)
	return 2
}

// sortedCopy returns a copy of t whose keys were inserted in sorted order
// (strings by bytes; t holds only string keys here).
func sortedCopy(L *lua.LState, t *lua.LTable) *lua.LTable {
	var keys []string
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		if s, ok := k.(lua.LString); ok {
			keys = append(keys, string(s))
		}
	}
	sortStrings(keys)
	out := L.CreateTable(0, len(keys))
	for _, k := range keys {
		out.RawSetString(k, t.RawGetString(k))
	}
	out.Metatable = t.Metatable
	return out
}

var badArgRe = regexp.MustCompile(`bad argument #(\d+) to ([A-Za-z_][A-Za-z0-9_.]*) \(`)

// luaStyleRuntimeError words gopher-lua's runtime errors as Lua 5.1 does
// where they differ only in form: quoted function names in argument
// errors, and "attempt to call a nil value" (gopher-lua does not name the
// type it failed to call; nil, an undefined function, is by far the
// common case).
func luaStyleRuntimeError(s string) string {
	s = strings.Replace(s, "attempt to call a non-function object", "attempt to call a nil value", 1)
	return badArgRe.ReplaceAllString(s, "bad argument #$1 to '$2' (")
}
