// Package local is the standalone executor: one in-process kv.Machine, no
// replication, no log. `kv serve --standalone` uses it; tests use it as the
// reference executor. Commands are stamped with the local clock and a
// seed from a counter, then executed under a mutex, so the machine sees one
// command at a time. RunExpiry (expiry.go) sweeps expired keys of every
// database in the background, as the replicated leader's active expiry.
package local

import (
	"context"
	"sync"
	"time"

	"redraft/kv"
	"redraft/kv/blocked"
	"redraft/kv/pubsub"
)

// standaloneScriptBudgetFactor multiplies the instruction budget of a
// script on a standalone node: the replicated node's (kv.ScriptLimits) is
// kept under its apply timeout, a fraction of a second on a quiet machine.
// Redis has no budget: a script runs until it ends or SCRIPT KILL stops it
// (before it writes), which this node allows too, so it may run longer
// here (a few seconds of Lua).
const standaloneScriptBudgetFactor = 5

// Executor runs commands on a local machine.
type Executor struct {
	mu    sync.Mutex
	m     *kv.Machine
	clock func() int64 // Unix ms
	seed  uint64
	hub   *pubsub.Hub // PUBLISH delivers here, under mu, in execution order
	// blk receives the replies of blocked clients' waiters (kv/block.go).
	blk *blocked.Registry
}

// Option configures an Executor.
type Option func(*Executor)

// WithClock replaces the wall clock (Unix ms); tests use it to move time.
func WithClock(now func() int64) Option { return func(x *Executor) { x.clock = now } }

// WithSeed sets the first seed handed to commands.
func WithSeed(seed uint64) Option { return func(x *Executor) { x.seed = seed } }

// New returns an executor over a fresh machine.
func New(opts ...Option) *Executor {
	x := &Executor{
		m:     kv.NewMachine(),
		clock: func() int64 { return time.Now().UnixMilli() },
		seed:  uint64(time.Now().UnixNano()),
		hub:   pubsub.New(),
		blk:   blocked.New("standalone"),
	}
	x.m.SetEventSink(x.hub)
	x.m.SetBlockSink(x.blk)
	// No replicas: a write script that has not written may be killed,
	// and scripts may run longer (standaloneScriptBudgetFactor).
	x.m.SetWriteScriptsKillable(true)
	x.m.SetScriptInstructions(standaloneScriptBudgetFactor * kv.ScriptLimits.Instructions)
	for _, o := range opts {
		o(x)
	}
	return x
}

// ExecutesLocally implements resp.LocalExecutor: every command runs on
// this executor's machine.
func (x *Executor) ExecutesLocally() bool { return true }

// Execute implements resp.Executor.
func (x *Executor) Execute(_ context.Context, cmds []*kv.Cmd, w *kv.Writer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.clock()
	for _, c := range cmds {
		c.NowMs = now
		x.seed++
		c.Seed = kv.CommandSeed(x.seed)
		x.m.Exec(c, w)
	}
}

// PubSub returns the hub the machine publishes into (resp.PubSubProvider).
func (x *Executor) PubSub() *pubsub.Hub { return x.hub }

// Blocking returns the registry of blocked connections (resp.BlockingProvider).
func (x *Executor) Blocking() *blocked.Registry { return x.blk }

// Watch implements resp.Executor.
func (x *Executor) Watch(_ context.Context, db int, keys [][]byte) ([]uint64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.clock()
	out := make([]uint64, len(keys))
	for i, k := range keys {
		out[i] = x.m.KeyVersion(db, k, now)
	}
	return out, nil
}

// Keyspace implements resp.Executor.
func (x *Executor) Keyspace() []kv.KeyspaceInfo {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m.Keyspace()
}

// Machine runs fn with exclusive access to the machine (snapshots, tests).
func (x *Executor) Machine(fn func(m *kv.Machine)) {
	x.mu.Lock()
	defer x.mu.Unlock()
	fn(x.m)
}

// KillScript implements resp.ScriptKiller: it does not take the lock the
// running script holds (kv.Machine.KillScript is safe concurrently).
func (x *Executor) KillScript(function bool) string { return x.m.KillScript(function) }

// EncodingParam implements resp.EncodingConfig: the machine's encoding
// thresholds (kv/encoding.go).
func (x *Executor) EncodingParam(name string) (int64, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m.EncodingParam(name)
}

// WriteScriptsKillable implements resp.WriteScriptKiller: the machine has
// no replicas, so SCRIPT KILL may stop a write script before it writes.
func (x *Executor) WriteScriptsKillable() bool { return true }

// ScriptRunning implements resp.ScriptRunner without the lock the running
// script holds (kv.Machine.ScriptRunning is safe concurrently).
func (x *Executor) ScriptRunning() bool { return x.m.ScriptRunning() }

// FunctionCounts implements resp.FunctionCounter without the lock the
// running script holds (kv.Machine.FunctionCounts is safe concurrently).
func (x *Executor) FunctionCounts() (libraries, functions int) { return x.m.FunctionCounts() }

// ACL implements resp.ACLSource: the machine's ACL users as last changed.
// Safe without the lock (the state is an immutable value).
func (x *Executor) ACL() *kv.ACLState { return x.m.ACL() }
