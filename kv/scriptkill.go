package kv

import (
	"sync"
	"sync/atomic"

	"redraft/kv/script"
)

// SCRIPT KILL and FUNCTION KILL. Read-only scripts run outside the log (on
// one node, changing nothing), so stopping one is a local decision: the
// running read-only calls register here and KillScript asks them to stop
// at their next instruction. Write scripts run in the log on every
// replica; stopping one on one node would make the replicas disagree, so
// they cannot be killed (their budget stops them everywhere alike) —
// unless the machine has no replicas (SetWriteScriptsKillable: the
// standalone node), where, as in Redis, a write script that has not run a
// write command yet can be killed.

// runningScripts is the registry; it has its own lock because KillScript
// runs while the machine is busy running the script.
type runningScripts struct {
	mu   sync.Mutex
	runs map[*script.Engine]runKind
	// killWrites: write scripts that wrote nothing yet may be killed
	// (node-local setting, never state).
	killWrites atomic.Bool
}

type runKind struct {
	function bool         // FCALL/FCALL_RO, else EVAL*
	write    bool         // runs in the log: cannot be killed (but see killWrites)
	wrote    *atomic.Bool // the script ran a write command
}

// SetWriteScriptsKillable lets SCRIPT KILL and FUNCTION KILL stop a write
// script that has not written yet, as Redis does. Only for a machine
// without replicas (kv/local): on a replica the kill would stop the script
// on one node only. Safe to call at any time.
func (m *Machine) SetWriteScriptsKillable(on bool) { m.running.killWrites.Store(on) }

func (r *runningScripts) add(e *script.Engine, k runKind) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[*script.Engine]runKind{}
	}
	e.ResetKill()
	r.runs[e] = k
}

func (r *runningScripts) remove(e *script.Engine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.runs, e)
	e.ResetKill()
}

// Kill error texts (Redis 7.0's).
const (
	ErrNotBusy      = "NOTBUSY No scripts in execution right now."
	ErrUnkillable   = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
	ErrBusyScript   = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
	ErrBusyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
	killReplyOK     = ""
)

// KillScript is SCRIPT KILL (function false) and FUNCTION KILL: it stops
// the running read-only scripts of that kind and returns "" (+OK), or the
// error text. Unlike the rest of the Machine it is safe to call while
// another goroutine executes commands (that is its purpose).
func (m *Machine) KillScript(function bool) string {
	r := m.running
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.runs) == 0 {
		return ErrNotBusy
	}
	killed := false
	reply := ErrNotBusy
	for e, k := range r.runs {
		switch {
		case k.write && (!r.killWrites.Load() || k.wrote == nil || k.wrote.Load()):
			reply = ErrUnkillable
		case k.function != function:
			if function {
				reply = ErrBusyScript
			} else {
				reply = ErrBusyFunction
			}
		default:
			e.Kill()
			killed = true
		}
	}
	if killed {
		return killReplyOK
	}
	return reply
}

// ScriptRunning reports whether a script is executing (registered for
// SCRIPT KILL). Safe to call concurrently, like KillScript.
func (m *Machine) ScriptRunning() bool {
	r := m.running
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.runs) > 0
}

// SetScriptInstructions sets the instruction budget of the machine's
// scripts (ScriptLimits.Instructions otherwise); call it before the machine
// runs a script. The budget is part of the state machine's definition: every
// replica must use the same. A machine without replicas (kv/local) may
// raise it: no apply timeout holds it back, and SCRIPT KILL stops a long
// script that has not written.
func (m *Machine) SetScriptInstructions(n int64) {
	m.scripts.limits.Instructions = n
	m.scripts.engine = nil
}

// FunctionCounts returns the number of FUNCTION libraries and functions.
// Unlike the machine's other methods it is safe to call while the machine
// runs a command (a function FUNCTION STATS asks about, say).
func (m *Machine) FunctionCounts() (libraries, functions int) {
	v := m.fnCounts.Load()
	return int(v >> 32), int(v & 0xffffffff)
}

// noteFunctionCounts refreshes what FunctionCounts returns.
func (m *Machine) noteFunctionCounts() {
	st := m.scripts
	m.fnCounts.Store(uint64(len(st.libs))<<32 | uint64(uint32(len(st.funcs))))
}
