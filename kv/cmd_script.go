package kv

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"redraft/kv/script"
)

// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, and (in
// cmd_function.go) FUNCTION, FCALL, FCALL_RO.
//
// A script runs inside one Exec, so it is atomic: a write script is one
// command of one log entry and runs on every replica, with the entry's
// NowMs for every command it calls (TIME is frozen) and seeds derived
// from the entry's seed. The script cache and the libraries are machine
// state: they change only through write commands (EVAL, SCRIPT LOAD,
// SCRIPT FLUSH, FUNCTION LOAD...) and are in snapshots (scriptsnap.go).
// Read-only runs (EVAL_RO, EVALSHA_RO, FCALL_RO, no-writes scripts) may
// run concurrently under the owner's read lock: they use a pooled engine
// and change nothing, not even the cache.

// Script cache limits: the cache is machine state that clients grow with
// every distinct EVAL, so it is bounded; past a limit the oldest scripts
// are dropped (in load order, the same on every replica) and EVALSHA of
// them answers NOSCRIPT, which clients handle by sending EVAL again.
const (
	scriptCacheMax      = 10000
	scriptCacheBytesMax = 64 << 20
	// readScriptCacheMax bounds the compiled scripts a pooled read engine keeps.
	readScriptCacheMax = 1000
)

// ScriptLimits is the budget every script runs with, read when a machine
// is made. It must be the same on every replica (it is part of the state
// machine's definition).
var ScriptLimits = script.DefaultLimits

func newScriptState() *scriptState { return &scriptState{limits: ScriptLimits} }

// ErrNoScript is Redis's reply to EVALSHA of an unknown script.
const ErrNoScript = "NOSCRIPT No matching script. Please use EVAL."

type scriptState struct {
	cache map[string]*script.Script // by SHA-1
	order []string                  // load order, oldest first
	bytes int

	libs  map[string]*script.Library  // FUNCTION libraries by name
	funcs map[string]*script.Function // functions by name

	limits script.Limits  // the budget of every call (ScriptLimits when the machine was made)
	engine *script.Engine // write runs (the owner holds the machine exclusively)
	pool   sync.Pool      // *readEngine for read-only runs
	// gen counts library changes: a pooled engine from an older
	// generation holds stale closures and is dropped.
	gen uint64
}

type readEngine struct {
	gen      uint64
	e        *script.Engine
	compiled map[string]*script.Script
}

func (st *scriptState) writeEngine() *script.Engine {
	if st.engine == nil {
		st.engine = script.NewEngine(st.limits)
	}
	return st.engine
}

func (st *scriptState) getReadEngine() *readEngine {
	if r, ok := st.pool.Get().(*readEngine); ok && r.gen == st.gen {
		return r
	}
	return &readEngine{e: script.NewEngine(st.limits), compiled: map[string]*script.Script{}, gen: st.gen}
}

func (st *scriptState) add(s *script.Script) {
	if st.cache == nil {
		st.cache = map[string]*script.Script{}
	}
	if _, ok := st.cache[s.Sha]; ok {
		return
	}
	st.cache[s.Sha] = s
	st.order = append(st.order, s.Sha)
	st.bytes += len(s.Body)
	for len(st.order) > 1 && (len(st.cache) > scriptCacheMax || st.bytes > scriptCacheBytesMax) {
		old := st.order[0]
		st.order = st.order[1:]
		st.bytes -= len(st.cache[old].Body)
		delete(st.cache, old)
	}
}

func (st *scriptState) flush() {
	st.cache, st.order, st.bytes = nil, nil, 0
}

func scriptCommands() []*Spec {
	evalKeys := func(name string, flags Flags, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: -3, Flags: flags | FlagNoScript, Group: "scripting",
			Since: "2.6.0", Summary: summary, Run: run, ReadsOnly: evalReadsOnly, KeysFunc: numKeysArgs}
	}
	specs := []*Spec{
		evalKeys("eval", FlagWrite|FlagStale, "Execute a Lua script server side", func(c *Ctx) { runEval(c, false, false) }),
		evalKeys("evalsha", FlagWrite|FlagStale, "Execute a Lua script server side", func(c *Ctx) { runEval(c, true, false) }),
		evalKeys("eval_ro", FlagReadOnly|FlagStale, "Execute a read-only Lua script server side", func(c *Ctx) { runEval(c, false, true) }),
		evalKeys("evalsha_ro", FlagReadOnly|FlagStale, "Execute a read-only Lua script server side", func(c *Ctx) { runEval(c, true, true) }),
		{Name: "script", Arity: -2, Flags: FlagWrite | FlagNoScript, Group: "scripting", Since: "2.6.0",
			Summary: "A container for Lua scripts management commands", Run: runScript, ReadsOnly: scriptReadsOnly},
	}
	specs[0].Since, specs[1].Since = "2.6.0", "2.6.0"
	specs[2].Since, specs[3].Since = "7.0.0", "7.0.0"
	return append(specs, functionCommands()...)
}

// evalReadsOnly: EVAL of a script whose shebang says no-writes is a read
// (EVAL_RO and EVALSHA_RO are reads by their flags; EVALSHA and FCALL
// would need the cache to tell and are treated as writes).
func evalReadsOnly(args [][]byte) bool {
	if len(args) < 2 || !strings.EqualFold(string(args[0]), "eval") {
		return false
	}
	flags, _, msg := script.ParseShebang(args[1])
	return msg == "" && flags&script.FlagCompat == 0 && flags&script.FlagNoWrites != 0
}

func scriptReadsOnly(args [][]byte) bool {
	if len(args) < 2 {
		return true
	}
	switch strings.ToLower(string(args[1])) {
	case "load", "flush":
		return false
	}
	return true
}

// parseNumKeys reads EVAL's and FCALL's numkeys and splits the rest.
func parseNumKeys(c *Ctx, rest [][]byte) (keys, argv [][]byte, ok bool) {
	n, err := strconv.ParseInt(string(rest[0]), 10, 64)
	if err != nil {
		c.W.Error(ErrNotInteger)
		return nil, nil, false
	}
	if n > int64(len(rest)-1) {
		c.W.Error("ERR Number of keys can't be greater than number of args")
		return nil, nil, false
	}
	if n < 0 {
		c.W.Error("ERR Number of keys can't be negative")
		return nil, nil, false
	}
	return rest[1 : 1+n], rest[1+n:], true
}

func runEval(c *Ctx, bySha, ro bool) {
	st := c.m.scripts
	keys, argv, ok := parseNumKeys(c, c.Args[2:])
	if !ok {
		return
	}
	var re *readEngine
	if c.readOnly {
		re = st.getReadEngine()
		defer st.pool.Put(re)
	}
	var s *script.Script
	if bySha {
		sha := strings.ToLower(string(c.Args[1]))
		s = st.cache[sha]
		if s == nil {
			c.W.Error(ErrNoScript)
			return
		}
	} else {
		body := c.Args[1]
		sha := script.Sha1Hex(body)
		s = st.cache[sha]
		if s == nil && re != nil {
			s = re.compiled[sha]
		}
		if s == nil {
			var msg string
			s, msg = script.Compile(bytes.Clone(body))
			if msg != "" {
				c.W.Error(msg)
				return
			}
			if re != nil {
				if len(re.compiled) >= readScriptCacheMax {
					clear(re.compiled)
				}
				re.compiled[sha] = s
			} else {
				st.add(s)
			}
		}
	}
	compat := s.Flags&script.FlagCompat != 0
	if !compat && s.Flags&script.FlagNoWrites == 0 && ro {
		c.W.Error("ERR Can not execute a script with write flag using *_ro command.")
		return
	}
	readOnly := ro || (!compat && s.Flags&script.FlagNoWrites != 0)
	var e *script.Engine
	if re != nil {
		e = re.e
	} else {
		e = st.writeEngine()
	}
	host := &scriptHost{m: c.m, db: c.dbIndex, nowMs: c.NowMs, seed: c.seed, readOnly: readOnly || c.readOnly, wrote: new(atomic.Bool), user: c.user, keys: keys, origin: c.scriptReadsOrigin()}
	call := &script.Call{Host: host, Seed: scriptSeed(c.seed), Proto: c.W.Proto, FuncName: s.Sha, Keys: keys, Args: argv}
	c.m.running.add(e, runKind{write: !c.readOnly, wrote: host.wrote})
	defer c.m.running.remove(e)
	c.W.Raw(e.Eval(s, call, nil))
}

// scriptSeed derives math.random's seed from the command's seed. It is a
// variable only so that a test can plant a nondeterministic seed and show
// that the determinism checks catch it (TestPlantedClockSeedIsCaught).
var scriptSeed = func(seed uint64) uint64 { return seed ^ 0x5851F42D4C957F2D }

// scriptHost runs the commands a script calls, inside the same Exec.
type scriptHost struct {
	m        *Machine
	db       int // the script's database: the caller's, until the script SELECTs
	nowMs    int64
	seed     uint64
	readOnly bool
	n        uint64
	w        Writer
	// user is the script caller's ACL user: redis.call checks commands
	// against it (nil: unchecked).
	user *aclUser
	// wrote is set once the script ran a write command (SCRIPT KILL can
	// no longer stop it, scriptkill.go); nil when nobody asks.
	wrote *atomic.Bool
	// keys are the script's declared keys; origin, when not zero, the
	// client they are reported to (ScriptReadKeys) the first time the
	// script calls a read-only command, as Redis's CLIENT TRACKING
	// remembers a script's keys then.
	keys   [][]byte
	origin Origin
}

// readsKeyspace reports whether spec is a read-only command as Redis's
// command table flags them (readonly): one that reads keys, or the
// keyspace as a whole. PING, ECHO, TIME and the like are not.
func readsKeyspace(spec *Spec) bool {
	if spec.Flags&FlagReadOnly == 0 {
		return false
	}
	switch spec.Name {
	case "dbsize", "keys", "randomkey", "scan":
		return true
	}
	return spec.FirstKey != 0 || spec.KeysFunc != nil
}

// scriptReadsOrigin is the origin a script started by c reports its keys
// to: c's when its client asked (Origin.ScriptReads), else none.
func (c *Ctx) scriptReadsOrigin() Origin {
	if !c.origin.ScriptReads {
		return Origin{}
	}
	return c.origin
}

// Known reports whether a command exists (redis.acl_check_cmd).
func (h *scriptHost) Known(name string) bool { return Lookup([]byte(name)) != nil }

// Call implements script.Host.
func (h *scriptHost) Call(args [][]byte, proto int) []byte {
	h.w.Reset()
	h.w.Proto = proto
	if cstrEq(args[0], "SELECT") {
		// SELECT (an edge command) changes the script's database only, as in Redis 7.
		h.db = txSelect(h.db, args, &h.w)
		return h.w.Bytes()
	}
	spec := Lookup(args[0])
	switch {
	case spec == nil:
		h.w.Error("ERR Unknown Redis command called from script")
	case !spec.CheckArity(len(args)):
		h.w.Error("ERR Wrong number of args calling Redis command from script")
	case spec.Flags&FlagNoScript != 0 || spec.Run == nil:
		h.w.Error("ERR This Redis command is not allowed from script")
	case h.user != nil && !h.user.unrestricted && h.aclRefused(args):
	case h.readOnly && spec.IsWriteArgs(args):
		h.w.Error("ERR Write commands are not allowed from read-only scripts.")
	default:
		h.n++
		seed := h.seed + h.n*0x9E3779B97F4A7C15
		ctx := Ctx{m: h.m, db: h.m.dbs[h.db], dbIndex: h.db, W: &h.w, Args: args, NowMs: h.nowMs, seed: seed, spec: spec, readOnly: h.readOnly || !spec.IsWriteArgs(args), inScript: true, user: h.user}
		if !ctx.readOnly {
			h.m.version++
			if h.wrote != nil {
				h.wrote.Store(true)
			}
		}
		spec.Run(&ctx)
		h.m.observeScriptCommand(h.db, args)
		if h.origin != (Origin{}) && readsKeyspace(spec) {
			h.m.scriptReadKeys(h.origin, h.keys)
			h.origin = Origin{} // once per script
		}
	}
	return h.w.Bytes()
}

// ACLAllowed reports whether the script's caller may run args
// (redis.acl_check_cmd).
func (h *scriptHost) ACLAllowed(args [][]byte) bool {
	if h.user == nil || h.user.unrestricted {
		return true
	}
	r, _, _ := h.user.check(args)
	return r == ACLOK
}

// aclRefused checks a redis.call against the caller's ACL rules and
// writes Redis's error when they refuse it.
func (h *scriptHost) aclRefused(args [][]byte) bool {
	r, p, ac := h.user.check(args)
	if r == ACLOK {
		return false
	}
	h.w.Error("ERR " + ACLDenial{Reason: r, Pos: p, Command: ac.name}.scriptError())
	return true
}

func runScript(c *Ctx) {
	st := c.m.scripts
	sub := strings.ToLower(string(c.Args[1]))
	arity := map[string]int{"load": 3, "exists": -3, "flush": -2, "kill": 2, "help": 2}
	a, known := arity[sub]
	if !known {
		c.W.Error(ErrUnknownSubcommand(c.Args[1], "script"))
		return
	}
	if (a > 0 && len(c.Args) != a) || (a < 0 && len(c.Args) < -a) {
		c.W.Error(ErrArity("script|" + sub))
		return
	}
	switch sub {
	case "load":
		body := c.Args[2]
		sha := script.Sha1Hex(body)
		if st.cache[sha] == nil {
			s, msg := script.Compile(bytes.Clone(body))
			if msg != "" {
				c.W.Error(msg)
				return
			}
			st.add(s)
		}
		c.W.BulkString(sha)
	case "exists":
		c.W.Array(len(c.Args) - 2)
		for _, a := range c.Args[2:] {
			if st.cache[strings.ToLower(string(a))] != nil {
				c.W.Int(1)
			} else {
				c.W.Int(0)
			}
		}
	case "flush":
		if len(c.Args) > 3 {
			c.W.Error(errSubcommandSyntax(c.Args[1], "SCRIPT"))
			return
		}
		if len(c.Args) == 3 && !strings.EqualFold(string(c.Args[2]), "sync") && !strings.EqualFold(string(c.Args[2]), "async") {
			c.W.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
			return
		}
		st.flush()
		c.W.OK()
	case "kill":
		// Write scripts run in the log and cannot be killed; read-only
		// scripts are killed at the edge, which answers before this.
		c.W.Error("NOTBUSY No scripts in execution right now.")
	case "help":
		writeHelp(c.W, "SCRIPT", []string{
			"EXISTS <sha1> [<sha1> ...]",
			"    Return information about the existence of the scripts in the script cache.",
			"FLUSH [ASYNC|SYNC]",
			"    Flush the Lua scripts cache. Very dangerous on replicas.",
			"    When called without the optional mode argument, the behavior is determined by the",
			"    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
			"    * ASYNC: Asynchronously flush the scripts cache.",
			"    * SYNC: Synchronously flush the scripts cache.",
			"KILL",
			"    Kill the currently executing Lua script.",
			"LOAD <script>",
			"    Load a script into the scripts cache without executing it.",
		})
	}
}

// writeHelp writes Redis's addReplyHelp: a header, the lines, and HELP.
func writeHelp(w *Writer, cmd string, lines []string) {
	w.Array(len(lines) + 3)
	w.Simple(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Print this help.")
}

// numKeysArgs returns the keys of EVAL-like commands: numkeys at
// args[2], then the keys (COMMAND GETKEYS, routing).
func numKeysArgs(args [][]byte) [][]byte {
	if len(args) < 3 {
		return nil
	}
	n, err := strconv.ParseInt(string(args[2]), 10, 64)
	if err != nil || n <= 0 || n > int64(len(args)-3) {
		return nil
	}
	return args[3 : 3+n]
}
