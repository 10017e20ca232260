package script

import (
	"bytes"
	"errors"
	"fmt"
	"redraft/kv/splitargs"
	"regexp"
	"strings"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/parse"
)

// Flags are a script's shebang flags (#!lua flags=...) or a function's.
type Flags uint8

const (
	FlagNoWrites Flags = 1 << iota
	FlagAllowOOM
	FlagAllowStale
	FlagNoCluster
	FlagAllowCrossSlot
	// FlagCompat marks an EVAL script without a shebang (Redis's
	// SCRIPT_FLAG_EVAL_COMPAT_MODE): it may write, flags do not apply.
	FlagCompat
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{FlagNoWrites, "no-writes"}, {FlagAllowOOM, "allow-oom"}, {FlagAllowStale, "allow-stale"},
	{FlagNoCluster, "no-cluster"}, {FlagAllowCrossSlot, "allow-cross-slot-keys"},
}

// ParseFlag returns the flag named s.
func ParseFlag(s string) (Flags, bool) {
	for _, f := range flagNames {
		if f.name == s {
			return f.f, true
		}
	}
	return 0, false
}

// Names lists the flags' names in Redis's order.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// ParseShebang reads the "#!lua flags=..." first line of an EVAL script
// (Redis's evalExtractShebangFlags). It returns the flags, the length of
// the shebang line (without its newline) and an error text for the client.
func ParseShebang(body []byte) (Flags, int, string) {
	if !bytes.HasPrefix(body, []byte("#!")) {
		return FlagCompat, 0, ""
	}
	end := bytes.IndexByte(body, '\n')
	if end < 0 {
		return 0, 0, "Invalid script shebang"
	}
	parts, ok := splitArgs(string(body[:end]))
	if !ok || len(parts) == 0 {
		return 0, 0, "Invalid engine in script shebang"
	}
	if parts[0] != "#!lua" {
		return 0, 0, "Unexpected engine in script shebang: " + parts[0]
	}
	var flags Flags
	for _, p := range parts[1:] {
		v, ok := strings.CutPrefix(p, "flags=")
		if !ok {
			return 0, 0, "Unknown lua shebang option: " + p
		}
		if v == "" {
			continue
		}
		for _, name := range strings.Split(v, ",") {
			f, ok := ParseFlag(name)
			if !ok {
				return 0, 0, "Unexpected flag in script shebang: " + name
			}
			flags |= f
		}
	}
	return flags, end, ""
}

// Script is a compiled EVAL script; it is immutable and may be shared.
type Script struct {
	Sha   string
	Body  []byte
	Flags Flags
	proto *lua.FunctionProto
}

// Compile compiles an EVAL script. The error is the client's reply text.
func Compile(body []byte) (*Script, string) {
	flags, n, msg := ParseShebang(body)
	if msg != "" {
		return nil, "ERR " + msg
	}
	proto, err := compileChunk(body[n:], "user_script")
	if err != nil {
		return nil, "ERR Error compiling script (new function): " + err.Error()
	}
	return &Script{Sha: Sha1Hex(body), Body: body, Flags: flags, proto: proto}, ""
}

// maxChunkBytes bounds a script's source (it is an argument, so the edge's
// bulk limit applies already; this keeps the parser's work bounded too).
const maxChunkBytes = 64 << 20

func compileChunk(src []byte, name string) (p *lua.FunctionProto, err error) {
	if len(src) > maxChunkBytes {
		return nil, fmt.Errorf("%s: script too large", name)
	}
	defer func() {
		// The parser panics on a few malformed inputs; they are errors.
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%s: %v", name, r)
		}
	}()
	chunk, err := parse.Parse(bytes.NewReader(src), name)
	if err != nil {
		return nil, errors.New(luaStyleParseError(err.Error()))
	}
	p, err = lua.Compile(chunk, name)
	if err != nil {
		return nil, err
	}
	// A main chunk has no "arg" local (Lua 5.1 gives it none either), but
	// gopher-lua would build an arg table on every call of it.
	p.IsVarArg &^= lua.VarArgNeedsArg
	return p, nil
}

// Call describes one invocation.
type Call struct {
	Host Host
	// Seed feeds math.random (the log entry's seed, derived per call).
	Seed uint64
	// Proto is the calling client's protocol: the reply is rendered in it.
	Proto int
	// FuncName names the script in error texts: "f_<sha>" for EVAL, the
	// function's name for FCALL.
	FuncName string
	Keys     [][]byte
	Args     [][]byte
	// Instructions overrides the engine's instruction budget when > 0.
	Instructions int64
}

// Budget-stop error texts.
const (
	ErrTextInstructions = "ERR Script stopped: it exceeded its budget of %d Lua instructions"
	ErrTextMemory       = "ERR Script stopped: it exceeded the memory budget (strings up to %d bytes, %d bytes allocated per call)"
	ErrTextKilled       = "ERR Script killed by user with SCRIPT KILL..."
)

// Eval runs s with KEYS and ARGV as globals and appends the reply to dst.
func (e *Engine) Eval(s *Script, c *Call, dst []byte) []byte {
	fn := e.L.NewFunctionFromProto(s.proto)
	fn.Env = e.proxyG
	e.g.RawSetString("KEYS", e.array(c.Keys))
	e.g.RawSetString("ARGV", e.array(c.Args))
	defer func() {
		e.g.RawSetString("KEYS", lua.LNil)
		e.g.RawSetString("ARGV", lua.LNil)
	}()
	return e.run(fn, nil, c, dst)
}

func (e *Engine) array(items [][]byte) *lua.LTable {
	t := e.L.CreateTable(len(items), 0)
	for i, b := range items {
		t.RawSetInt(i+1, lua.LString(b))
	}
	return t
}

// Kill asks the running call to stop at its next instruction. It is the
// one method safe to call from another goroutine (SCRIPT KILL of a
// read-only script).
func (e *Engine) Kill() { e.budget.kill.Store(true) }

// ResetKill clears a Kill. The owner calls it when it makes the engine
// killable and when it stops being so (under the lock its killer takes),
// so that a kill reaches exactly the calls made in between.
func (e *Engine) ResetKill() { e.budget.kill.Store(false) }

// Instructions returns the instructions the last call executed.
func (e *Engine) Instructions() int64 { return e.budget.n }

func (e *Engine) run(fn *lua.LFunction, args []lua.LValue, c *Call, dst []byte) []byte {
	L := e.L
	e.host, e.resp, e.rnd, e.funcName, e.inCall = c.Host, 2, c.Seed, c.FuncName, true
	e.json = cjsonDefaults
	max := e.lim.Instructions
	if c.Instructions > 0 {
		max = c.Instructions
	}
	e.budget.reset(max)
	defer func() {
		e.host, e.inCall = nil, false
		L.RemoveContext()
		L.SetTop(0)
	}()
	L.SetTop(0)
	L.SetContext(&e.budget)
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), 1, e.errFn)
	a := appender{b: dst, proto: c.Proto}
	if e.budget.reason != stopNone || err != nil {
		e.failure(&a, err)
		return a.b
	}
	e.luaToReply(&a, L.Get(-1), 0)
	return a.b
}

// failure renders a call that raised an error: "<code> <msg> script:
// <name>, on <source>:<line>." as Redis does.
func (e *Engine) failure(a *appender, err error) {
	var t *lua.LTable
	if ae, ok := err.(*lua.ApiError); ok {
		t, _ = ae.Object.(*lua.LTable)
	}
	var msg string
	switch e.budget.reason {
	case stopInstructions:
		msg = fmt.Sprintf(ErrTextInstructions, e.budget.max)
	case stopMemory:
		msg = fmt.Sprintf(ErrTextMemory, e.lim.StringBytes, e.lim.AllocBytes)
	case stopKilled:
		msg = ErrTextKilled
	}
	if t == nil {
		text := "execution failure"
		if err != nil {
			if ae, ok := err.(*lua.ApiError); ok {
				text = lua.LVAsString(ae.Object)
			} else {
				text = err.Error()
			}
		}
		if msg != "" {
			text = strings.TrimPrefix(msg, "ERR ")
		}
		a.errorLine(fmt.Sprintf("ERR Error running script %s, %.100s", e.funcName, text))
		return
	}
	if msg == "" {
		s, ok := t.RawGetString("err").(lua.LString)
		if !ok {
			s = "ERR unknown error"
		}
		msg = string(s)
	}
	src, sok := t.RawGetString("source").(lua.LString)
	line := t.RawGetString("line")
	if sok && line != lua.LNil {
		msg = fmt.Sprintf("%s script: %s, on %s:%s.", msg, e.funcName, src, lua.LVAsString(line))
	}
	a.errorLine(msg)
}

var parseErrRe = regexp.MustCompile(`^(\S+) line:(\d+)\(column:\d+\) near '(.*)':\s+(.*?)\s*$`)

// luaStyleParseError rewrites gopher-lua's parse errors ("user_script
// line:1(column:8) near '+':   syntax error") the way Lua 5.1 words them
// ("user_script:1: syntax error near '+'").
func luaStyleParseError(s string) string {
	if m := parseErrRe.FindStringSubmatch(s); m != nil {
		msg := m[4]
		if msg == "syntax error" {
			// Lua 5.1's wording for the most common case; gopher-lua's
			// parser does not tell the cases apart.
			msg = "unexpected symbol"
		}
		return m[1] + ":" + m[2] + ": " + msg + " near '" + m[3] + "'"
	}
	return s
}

// splitArgs splits a shebang line as Redis's sdssplitargs does.
func splitArgs(line string) ([]string, bool) {
	argv, ok := splitargs.Split([]byte(line), nil)
	if !ok {
		return nil, false
	}
	out := make([]string, len(argv))
	for i, a := range argv {
		out[i] = string(a)
	}
	return out, true
}
