package kv

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"redraft/kv/script"
)

// FUNCTION and FCALL/FCALL_RO. Libraries are machine state like the
// script cache: FUNCTION LOAD runs the library's code once on the
// machine's write engine to collect its functions, and every engine that
// later calls one of them instantiates the library from its code.

func functionCommands() []*Spec {
	fcall := func(name string, flags Flags, summary string, ro bool) *Spec {
		return &Spec{Name: name, Arity: -3, Flags: flags | FlagNoScript | FlagStale, Group: "scripting",
			Since: "7.0.0", Summary: summary, Run: func(c *Ctx) { runFCall(c, ro) }, KeysFunc: numKeysArgs}
	}
	return []*Spec{
		fcall("fcall", FlagWrite, "Invoke a function", false),
		fcall("fcall_ro", FlagReadOnly, "Invoke a read-only function", true),
		{Name: "function", Arity: -2, Flags: FlagWrite | FlagNoScript, Group: "scripting", Since: "7.0.0",
			Summary: "A container for function commands", Run: runFunction, ReadsOnly: functionReadsOnly},
	}
}

func functionReadsOnly(args [][]byte) bool {
	if len(args) < 2 {
		return true
	}
	switch strings.ToLower(string(args[1])) {
	case "load", "delete", "flush", "restore":
		return false
	}
	return true
}

func runFCall(c *Ctx, ro bool) {
	st := c.m.scripts
	f := st.funcs[strings.ToLower(string(c.Args[1]))]
	if f == nil {
		c.W.Error("ERR Function not found")
		return
	}
	if _, err := strconv.ParseInt(string(c.Args[2]), 10, 64); err != nil {
		c.W.Error("ERR Bad number of keys provided")
		return
	}
	keys, argv, ok := parseNumKeys(c, c.Args[2:])
	if !ok {
		return
	}
	if ro && f.Flags&script.FlagNoWrites == 0 {
		c.W.Error("ERR Can not execute a script with write flag using *_ro command.")
		return
	}
	var e *script.Engine
	if c.readOnly {
		re := st.getReadEngine()
		defer st.pool.Put(re)
		e = re.e
	} else {
		e = st.writeEngine()
	}
	readOnly := ro || f.Flags&script.FlagNoWrites != 0 || c.readOnly
	host := &scriptHost{m: c.m, db: c.dbIndex, nowMs: c.NowMs, seed: c.seed, readOnly: readOnly, wrote: new(atomic.Bool), user: c.user, keys: keys, origin: c.scriptReadsOrigin()}
	call := &script.Call{Host: host, Seed: scriptSeed(c.seed), Proto: c.W.Proto, FuncName: f.Name, Keys: keys, Args: argv}
	c.m.running.add(e, runKind{function: true, write: !c.readOnly, wrote: host.wrote})
	defer c.m.running.remove(e)
	c.W.Raw(e.FCall(f, call, nil))
}

var functionArity = map[string]int{
	"load": -3, "delete": 3, "flush": -2, "list": -2, "dump": 2, "restore": -3,
	"stats": 2, "kill": 2, "help": 2,
}

func runFunction(c *Ctx) {
	sub := strings.ToLower(string(c.Args[1]))
	a, known := functionArity[sub]
	if !known {
		c.W.Error(ErrUnknownSubcommand(c.Args[1], "function"))
		return
	}
	if (a > 0 && len(c.Args) != a) || (a < 0 && len(c.Args) < -a) {
		c.W.Error(ErrArity("function|" + sub))
		return
	}
	st := c.m.scripts
	defer c.m.noteFunctionCounts()
	switch sub {
	case "load":
		replace := false
		args := c.Args[2:]
		for len(args) > 1 {
			if !strings.EqualFold(string(args[0]), "replace") {
				c.W.Error("ERR Unknown option given: " + string(args[0]))
				return
			}
			replace = true
			args = args[1:]
		}
		if len(args) == 0 {
			c.W.Error("ERR Function code is missing")
			return
		}
		name, msg := st.loadLibrary(bytes.Clone(args[0]), replace)
		if msg != "" {
			c.W.Error(msg)
			return
		}
		c.W.BulkString(name)
	case "delete":
		lib := st.libs[string(c.Args[2])]
		if lib == nil {
			c.W.Error("ERR Library not found")
			return
		}
		st.removeLibrary(lib)
		c.W.OK()
	case "flush":
		if len(c.Args) > 3 {
			c.W.Error(errSubcommandSyntax(c.Args[1], "FUNCTION"))
			return
		}
		if len(c.Args) == 3 && !strings.EqualFold(string(c.Args[2]), "sync") && !strings.EqualFold(string(c.Args[2]), "async") {
			c.W.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
			return
		}
		st.flushLibraries()
		c.W.OK()
	case "list":
		functionList(c, st)
	case "dump":
		c.W.Bulk(st.dumpLibraries())
	case "restore":
		functionRestore(c, st)
	case "stats":
		c.W.Map(2)
		c.W.BulkString("running_script")
		c.W.Null()
		c.W.BulkString("engines")
		c.W.Map(1)
		c.W.BulkString("LUA")
		c.W.Map(2)
		c.W.BulkString("libraries_count")
		c.W.Int(int64(len(st.libs)))
		c.W.BulkString("functions_count")
		c.W.Int(int64(len(st.funcs)))
	case "kill":
		c.W.Error("NOTBUSY No scripts in execution right now.")
	case "help":
		writeHelp(c.W, "FUNCTION", []string{
			"LOAD [REPLACE] <FUNCTION CODE>",
			"    Create a new library with the given library name and code.",
			"DELETE <LIBRARY NAME>",
			"    Delete the given library.",
			"LIST [LIBRARYNAME PATTERN] [WITHCODE]",
			"    Return general information on all the libraries:",
			"    * Library name",
			"    * The engine used to run the Library",
			"    * Library description",
			"    * Functions list",
			"    * Library code (if WITHCODE is given)",
			"    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
			"STATS",
			"    Return information about the current function running:",
			"    * Function name",
			"    * Command used to run the function",
			"    * Duration in MS that the function is running",
			"    If no function is running, return nil",
			"    In addition, returns a list of available engines.",
			"KILL",
			"    Kill the current running function.",
			"FLUSH [ASYNC|SYNC]",
			"    Delete all the libraries.",
			"    When called without the optional mode argument, the behavior is determined by the",
			"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
			"    * ASYNC: Asynchronously flush the libraries.",
			"    * SYNC: Synchronously flush the libraries.",
			"DUMP",
			"    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
			"RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
			"    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
			"    control how to handle existing libraries (default APPEND):",
			"    * FLUSH: delete all existing libraries.",
			"    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
			"    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
			"      libraries with the new libraries (notice that even on this option there is a chance of failure",
			"      in case of functions name collision with another library).",
		})
	}
}

// loadLibrary loads (or with replace, replaces) a library; the error is
// the reply text.
func (st *scriptState) loadLibrary(code []byte, replace bool) (string, string) {
	name, _, msg := script.ParseLibraryMeta(code)
	if msg != "" {
		return "", "ERR " + msg
	}
	old := st.libs[name]
	if old != nil && !replace {
		return "", "ERR Library '" + name + "' already exists"
	}
	lib, msg := st.writeEngine().LoadLibrary(code, 0)
	if msg != "" {
		return "", msg
	}
	for _, f := range lib.Funcs {
		if other := st.funcs[strings.ToLower(f.Name)]; other != nil && other.Lib != old {
			return "", "ERR Function " + f.Name + " already exists"
		}
	}
	if old != nil {
		st.removeLibrary(old)
	}
	st.installLibrary(lib)
	return name, ""
}

func (st *scriptState) installLibrary(lib *script.Library) {
	if st.libs == nil {
		st.libs = map[string]*script.Library{}
		st.funcs = map[string]*script.Function{}
	}
	st.libs[lib.Name] = lib
	for _, f := range lib.Funcs {
		st.funcs[strings.ToLower(f.Name)] = f
	}
}

func (st *scriptState) removeLibrary(lib *script.Library) {
	for _, f := range lib.Funcs {
		delete(st.funcs, strings.ToLower(f.Name))
	}
	delete(st.libs, lib.Name)
	if st.engine != nil {
		st.engine.Forget(st.sortedLibraries())
	}
	st.gen++
}

func (st *scriptState) flushLibraries() {
	st.libs, st.funcs = nil, nil
	if st.engine != nil {
		st.engine.Forget(nil)
	}
	st.gen++
}

func (st *scriptState) sortedLibraries() []*script.Library {
	out := make([]*script.Library, 0, len(st.libs))
	for _, l := range st.libs {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func functionList(c *Ctx, st *scriptState) {
	withCode := false
	var pattern []byte
	args := c.Args[2:]
	for len(args) > 0 {
		switch a := strings.ToLower(string(args[0])); {
		case a == "withcode" && !withCode:
			withCode = true
			args = args[1:]
		case a == "libraryname" && pattern == nil:
			if len(args) < 2 {
				c.W.Error("ERR library name argument was not given")
				return
			}
			pattern = args[1]
			args = args[2:]
		default:
			c.W.Error("ERR Unknown argument " + string(args[0]))
			return
		}
	}
	var libs []*script.Library
	for _, l := range st.sortedLibraries() {
		if pattern == nil || MatchGlob(bytes.ToLower(pattern), []byte(strings.ToLower(l.Name))) {
			libs = append(libs, l)
		}
	}
	w := c.W
	w.Array(len(libs))
	for _, l := range libs {
		n := 3
		if withCode {
			n++
		}
		w.Map(n)
		w.BulkString("library_name")
		w.BulkString(l.Name)
		w.BulkString("engine")
		w.BulkString("LUA")
		w.BulkString("functions")
		w.Array(len(l.Funcs))
		for _, f := range l.Funcs {
			w.Map(3)
			w.BulkString("name")
			w.BulkString(f.Name)
			w.BulkString("description")
			if f.HasDesc {
				w.BulkString(f.Description)
			} else {
				w.Null()
			}
			w.BulkString("flags")
			names := f.Flags.Names()
			w.Set(len(names))
			for _, fl := range names {
				w.Simple(fl)
			}
		}
		if withCode {
			w.BulkString("library_code")
			w.Bulk(l.Code)
		}
	}
}

// FUNCTION DUMP payloads use Redis's format, so that payloads move between
// Redis and Redraft: per library the RDB opcode FUNCTION2 (245) and the
// code as an RDB string, then the RDB version (2 bytes, little-endian)
// and a CRC-64 (Jones, as Redis's crc64) of everything before it.
// The payload's framing (lengths, footer) is rdb.go's, as DUMP's.
const rdbOpcodeFunction2 = 245

func (st *scriptState) dumpLibraries() []byte {
	var b []byte
	for _, l := range st.sortedLibraries() {
		b = append(b, rdbOpcodeFunction2)
		b = rdbAppendLen(b, uint64(len(l.Code)))
		b = append(b, l.Code...)
	}
	return sealPayload(b)
}

func functionRestore(c *Ctx, st *scriptState) {
	policy := "append"
	if len(c.Args) > 4 {
		c.W.Error(errSubcommandSyntax(c.Args[1], "FUNCTION"))
		return
	}
	if len(c.Args) == 4 {
		policy = strings.ToLower(string(c.Args[3]))
		if policy != "append" && policy != "replace" && policy != "flush" {
			c.W.Error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
			return
		}
	}
	p := c.Args[2]
	if !verifyPayload(p) {
		c.W.Error("ERR DUMP payload version or checksum are wrong")
		return
	}
	r := rdbReader{b: p[:len(p)-10]}
	var codes [][]byte
	for len(r.b) > 0 {
		if op, _ := r.byte(); op != rdbOpcodeFunction2 {
			c.W.Error("ERR given type is not a function")
			return
		}
		code, ok := r.str()
		if !ok {
			c.W.Error("ERR failed loading the given functions payload")
			return
		}
		codes = append(codes, bytes.Clone(code)) // the arguments are borrowed
	}
	// Load everything into a scratch set first: on any error nothing changes.
	e := st.writeEngine()
	var libs []*script.Library
	names := map[string]bool{}
	for _, code := range codes {
		lib, msg := e.LoadLibrary(code, 0)
		if msg != "" {
			c.W.Error(msg)
			return
		}
		if names[lib.Name] {
			c.W.Error("ERR Library " + lib.Name + " already exists")
			return
		}
		names[lib.Name] = true
		libs = append(libs, lib)
	}
	next := scriptState{}
	if policy != "flush" {
		for _, l := range st.sortedLibraries() {
			if names[l.Name] {
				if policy == "append" {
					c.W.Error("ERR Library " + l.Name + " already exists")
					return
				}
				continue
			}
			next.installLibrary(l)
		}
	}
	for _, l := range libs {
		for _, f := range l.Funcs {
			if next.funcs[strings.ToLower(f.Name)] != nil {
				c.W.Error("ERR Function " + f.Name + " already exists")
				return
			}
		}
		next.installLibrary(l)
	}
	st.libs, st.funcs = next.libs, next.funcs
	e.Forget(st.sortedLibraries())
	st.gen++
	c.W.OK()
}

// errSubcommandSyntax is Redis's addReplySubcommandSyntaxError.
func errSubcommandSyntax(sub []byte, cmd string) string {
	return "ERR unknown subcommand or wrong number of arguments for '" + sanitize(sub) + "'. Try " + cmd + " HELP."
}
