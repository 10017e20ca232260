package script

import (
	"context"
	"sync/atomic"
	"time"
)

// Limits is the deterministic budget of one script call. Every replica
// runs a write script with the same Limits, so a script that crosses one
// stops at the same instruction everywhere.
type Limits struct {
	// Instructions is the most Lua VM instructions one call may execute.
	Instructions int64
	// StringBytes is the largest string a script may build with string.rep,
	// concatenation, table.concat, or receive from redis.call.
	StringBytes int
	// AllocBytes bounds what one call allocates in all (not what it
	// keeps): strings built by concatenation, string.rep, table.concat,
	// cjson, cmsgpack and struct, replies of redis.call, and 64 bytes per
	// table or closure created and 16 per table store. It is a cumulative,
	// deterministic count: gopher-lua has no allocator hook, and live
	// memory would depend on Go's garbage collector.
	AllocBytes int64
	// CallDepth bounds nested Lua calls (deep recursion errors instead of
	// growing the node's stacks).
	CallDepth int
	// Registry bounds the Lua value stack, in slots.
	Registry int
}

// DefaultLimits are the budget limits unless configured otherwise.
// 20 million instructions is 0.2-0.6 s of gopher-lua on one core (10-30
// ns an instruction): the bound on how long one runaway write script holds
// up the log, kept well inside the replicated leader's commit wait (10 s
// by default; commands queued behind a longer script would be answered
// UNCERTAIN).
// Strings stop at Redis's proto-max-bulk-len (512 MiB) so no single value
// can be larger than what a client could have sent.
var DefaultLimits = Limits{
	Instructions: 20_000_000,
	StringBytes:  512 << 20,
	AllocBytes:   1 << 30,
	CallDepth:    1000,
	Registry:     1 << 20,
}

// Stop reasons.
const (
	stopNone = iota
	stopInstructions
	stopMemory
	stopKilled
)

// budget is the context.Context gopher-lua polls before every instruction
// (mainLoopWithContext calls Done each time): it counts the calls, and once
// the count passes the limit, or the script was killed or built a string
// over the limit, Done returns a closed channel and the VM raises an
// error at that instruction. It never starts goroutines or reads clocks
// (Deadline reports none), so where it stops is a pure function of the
// script and its inputs.
type budget struct {
	e      *Engine
	n, max int64
	alloc  int64
	reason int
	closed chan struct{}
	kill   atomic.Bool // SCRIPT KILL (read-only scripts, outside the log)
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// reset starts a call's count. It leaves kill alone: a SCRIPT KILL that
// arrives after the caller registered the call but before it started must
// stop it (Engine.ResetKill clears it around registration).
func (b *budget) reset(max int64) {
	b.n, b.max, b.reason, b.alloc = 0, max, stopNone, 0
}

// stop makes the next instruction fail for reason (the first reason stays).
func (b *budget) stop(reason int) {
	if b.reason == stopNone {
		b.reason = reason
	}
}

func (b *budget) Deadline() (time.Time, bool) { return time.Time{}, false }

func (b *budget) Done() <-chan struct{} {
	b.n++
	if b.reason != stopNone {
		return closedChan
	}
	if b.n > b.max {
		b.reason = stopInstructions
		return closedChan
	}
	if b.kill.Load() {
		b.reason = stopKilled
		return closedChan
	}
	b.e.peekInstruction()
	if b.reason != stopNone {
		return closedChan
	}
	return nil
}

func (b *budget) Err() error {
	if b.reason == stopNone {
		return nil
	}
	return errStopped
}

func (b *budget) Value(any) any { return nil }

var _ context.Context = (*budget)(nil)

type stoppedError struct{}

func (stoppedError) Error() string { return "script stopped" }

var errStopped = stoppedError{}
