package script

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// FUNCTION libraries. A Library is the replicated description (name, code,
// functions and their flags); each Engine instantiates a library's code
// on first use and keeps the closures, keyed by the code's SHA-1.

// Library is a loaded library; it is immutable once loaded.
type Library struct {
	Name  string
	Code  []byte
	Funcs []*Function // sorted by name
	sha   string
}

// Function is a function registered by a library.
type Function struct {
	Name        string
	Description string
	HasDesc     bool
	Flags       Flags
	Lib         *Library
}

// libraryLoad collects what a library's body registers (FUNCTION LOAD).
type libraryLoad struct {
	funcs map[string]*lua.LFunction
	meta  []*Function
}

// ParseLibraryMeta reads "#!lua name=<lib>" (functionExtractLibMetaData).
func ParseLibraryMeta(code []byte) (name string, shebangLen int, err string) {
	if !bytes.HasPrefix(code, []byte("#!")) {
		return "", 0, "Missing library metadata"
	}
	end := bytes.IndexByte(code, '\n')
	if end < 0 {
		return "", 0, "Invalid library metadata"
	}
	parts, ok := splitArgs(string(code[:end]))
	if !ok || len(parts) == 0 {
		return "", 0, "Invalid library metadata"
	}
	engine := parts[0][2:]
	seen := false
	for _, p := range parts[1:] {
		if len(p) >= 5 && strings.EqualFold(p[:5], "name=") {
			if seen {
				return "", 0, "Invalid metadata value, name argument was given multiple times"
			}
			name, seen = p[5:], true
			continue
		}
		return "", 0, "Invalid metadata value given: " + p
	}
	if !seen {
		return "", 0, "Library name was not given"
	}
	if !validName(name) {
		return "", 0, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
	}
	if !strings.EqualFold(engine, "lua") {
		return "", 0, "Engine '" + engine + "' not found"
	}
	return name, end, ""
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// LoadLibrary compiles and runs a library's code, collecting the
// functions it registers. The error is the client's reply text.
func (e *Engine) LoadLibrary(code []byte, instructions int64) (*Library, string) {
	name, n, msg := ParseLibraryMeta(code)
	if msg != "" {
		return nil, "ERR " + msg
	}
	ld, msg := e.instantiate(code[n:], instructions)
	if msg != "" {
		return nil, msg
	}
	lib := &Library{Name: name, Code: code, Funcs: ld.meta, sha: Sha1Hex(code)}
	for _, f := range lib.Funcs {
		f.Lib = lib
	}
	e.loaded()[lib.sha] = ld
	return lib, ""
}

func (e *Engine) loaded() map[string]*libraryLoad {
	if e.libs == nil {
		e.libs = map[string]*libraryLoad{}
	}
	return e.libs
}

// instantiate runs a library body and returns what it registered.
func (e *Engine) instantiate(body []byte, instructions int64) (*libraryLoad, string) {
	proto, err := compileChunk(body, "user_function")
	if err != nil {
		return nil, "ERR Error compiling function: " + err.Error()
	}
	L := e.L
	fn := L.NewFunctionFromProto(proto)
	fn.Env = e.proxyG
	ld := &libraryLoad{funcs: map[string]*lua.LFunction{}}
	e.loading = ld
	e.setGlobalsSource(e.loadG)
	// A library's body only registers functions: it gets a tenth of a
	// call's budget (Redis stops a load after 500 ms).
	max := e.lim.Instructions / 10
	if instructions > 0 {
		max = instructions
	}
	e.budget.reset(max)
	L.SetTop(0)
	L.SetContext(&e.budget)
	L.Push(fn)
	perr := L.PCall(0, 0, e.errFn)
	L.RemoveContext()
	L.SetTop(0)
	e.loading = nil
	e.setGlobalsSource(e.g)
	if e.budget.reason == stopInstructions {
		return nil, fmt.Sprintf("ERR Error registering functions: FUNCTION LOAD timeout: the library's code exceeded its budget of %d Lua instructions", max)
	}
	if e.budget.reason != stopNone {
		return nil, "ERR Error registering functions: FUNCTION LOAD exceeded its memory budget"
	}
	if perr != nil {
		msg := "unknown error"
		if ae, ok := perr.(*lua.ApiError); ok {
			if t, ok := ae.Object.(*lua.LTable); ok {
				if s, ok := t.RawGetString("err").(lua.LString); ok {
					msg = string(s)
				}
			} else {
				msg = lua.LVAsString(ae.Object)
			}
		}
		return nil, "ERR Error registering functions: " + msg
	}
	if len(ld.meta) == 0 {
		return nil, "ERR No functions registered"
	}
	sort.Slice(ld.meta, func(i, j int) bool { return ld.meta[i].Name < ld.meta[j].Name })
	return ld, ""
}

func (e *Engine) registerFunction(L *lua.LState) int {
	if e.loading == nil {
		raiseTable(L, errTable(L, "redis.register_function can only be called on FUNCTION LOAD command"))
	}
	fail := func(msg string) int {
		raiseTable(L, errTable(L, msg))
		return 0
	}
	f := &Function{}
	var cb *lua.LFunction
	switch L.GetTop() {
	case 1:
		t, ok := L.Get(1).(*lua.LTable)
		if !ok {
			return fail("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
		}
		for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
			ks, ok := k.(lua.LString)
			if !ok {
				return fail("named argument key given to redis.register_function is not a string")
			}
			switch string(ks) {
			case "function_name":
				s, ok := v.(lua.LString)
				if !ok {
					return fail("function_name argument given to redis.register_function must be a string")
				}
				f.Name = string(s)
			case "description":
				s, ok := v.(lua.LString)
				if !ok {
					return fail("description argument given to redis.register_function must be a string")
				}
				f.Description, f.HasDesc = string(s), true
			case "callback":
				c, ok := v.(*lua.LFunction)
				if !ok {
					return fail("callback argument given to redis.register_function must be a function")
				}
				cb = c
			case "flags":
				ft, ok := v.(*lua.LTable)
				if !ok {
					return fail("flags argument to redis.register_function must be a table representing function flags")
				}
				for i := 1; ; i++ {
					fv := ft.RawGetInt(i)
					if fv == lua.LNil {
						break
					}
					s, ok := fv.(lua.LString)
					if !ok {
						return fail("unknown flag given")
					}
					fl, ok := ParseFlag(string(s))
					if !ok {
						return fail("unknown flag given")
					}
					f.Flags |= fl
				}
			default:
				return fail("unknown argument given to redis.register_function")
			}
		}
		if f.Name == "" {
			return fail("redis.register_function must get a function name argument")
		}
		if cb == nil {
			return fail("redis.register_function must get a callback argument")
		}
	case 2:
		s, ok := L.Get(1).(lua.LString)
		if !ok {
			return fail("first argument to redis.register_function must be a string")
		}
		c, ok := L.Get(2).(*lua.LFunction)
		if !ok {
			return fail("second argument to redis.register_function must be a function")
		}
		f.Name, cb = string(s), c
	default:
		return fail("wrong number of arguments to redis.register_function")
	}
	if !validName(f.Name) {
		// Redis 7.0 words this error as for library names (functionLibCreateFunction).
		return fail("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
	}
	if _, dup := e.loading.funcs[strings.ToLower(f.Name)]; dup {
		return fail("Function already exists in the library")
	}
	e.loading.funcs[strings.ToLower(f.Name)] = cb
	e.loading.meta = append(e.loading.meta, f)
	return 0
}

// FCall runs function f of its library with the keys and args tables as
// arguments and appends the reply to dst.
func (e *Engine) FCall(f *Function, c *Call, dst []byte) []byte {
	lib := f.Lib
	ld := e.loaded()[lib.sha]
	if ld == nil {
		_, n, _ := ParseLibraryMeta(lib.Code)
		var msg string
		ld, msg = e.instantiate(lib.Code[n:], 0)
		if msg != "" {
			a := appender{b: dst, proto: c.Proto}
			a.errorLine(msg)
			return a.b
		}
		e.loaded()[lib.sha] = ld
	}
	fn := ld.funcs[strings.ToLower(f.Name)]
	return e.run(fn, []lua.LValue{e.array(c.Keys), e.array(c.Args)}, c, dst)
}

// Forget drops the instantiated closures of libraries no longer loaded
// (FUNCTION DELETE, FLUSH, RESTORE); keep lists the live ones.
func (e *Engine) Forget(keep []*Library) {
	live := map[string]bool{}
	for _, l := range keep {
		live[l.sha] = true
	}
	for sha := range e.libs {
		if !live[sha] {
			delete(e.libs, sha)
		}
	}
}
