package resp

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv"
)

// Busy scripts: Redis answers -BUSY to other clients while a script has
// been running for longer than busy-reply-threshold (lua-time-limit), and
// lets them stop a read-only one with SCRIPT KILL or FUNCTION KILL. The
// edge tracks the script commands it has handed to the executor (wall
// clock, this node only: being busy is about this node's clients, never
// about replicated state) and routes the KILLs to the executor without
// waiting behind the running script.

// ScriptKiller is implemented by executors that can stop a running
// read-only script (kv.Machine.KillScript). KillScript must not wait for
// the executor's lock: the script holds it. It returns "" for +OK or the
// error text.
type ScriptKiller interface {
	KillScript(function bool) string
}

// ScriptRunner is implemented by executors that can tell whether their
// machine is running a script (kv.Machine.ScriptRunning); safe to call
// while it does. SCRIPT KILL uses it to wait for a script that has not
// started yet.
type ScriptRunner interface {
	ScriptRunning() bool
}

// WriteScriptKiller is implemented by executors whose write scripts SCRIPT
// KILL may stop before their first write (the standalone executor: no
// replicas to disagree). Their write scripts make other clients BUSY too,
// as every script does in Redis.
type WriteScriptKiller interface {
	WriteScriptsKillable() bool
}

func (s *Server) writeScriptsKillable() bool {
	k, ok := s.exec.(WriteScriptKiller)
	return ok && k.WriteScriptsKillable()
}

// killStartWait bounds how long SCRIPT KILL waits for a script the edge
// has handed to the executor to start running; killStartPoll is its
// polling interval.
const (
	killStartWait = time.Second
	killStartPoll = time.Millisecond
)

// defaultBusyReplyThreshold is Redis's busy-reply-threshold default (ms).
const defaultBusyReplyThreshold = 5000

type busyScripts struct {
	n     atomic.Int32 // running script commands (fast path: 0)
	mu    sync.Mutex
	runs  map[*conn]busyRun
	limit atomic.Int64 // threshold in ms; 0 disables -BUSY
}

type busyRun struct {
	since    time.Time
	function bool
	args     []string      // the script command (FUNCTION STATS shows it)
	done     chan struct{} // closed by end
}

// scriptKind reports whether args is a script command, and a function call.
func scriptKind(name string) (script, function bool) {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro":
		return true, false
	case "fcall", "fcall_ro":
		return true, true
	}
	return false, false
}

func (b *busyScripts) begin(c *conn, function bool, args [][]byte) {
	r := busyRun{since: time.Now(), function: function, done: make(chan struct{})}
	if function { // only FUNCTION STATS reads them
		for _, a := range args {
			r.args = append(r.args, string(a))
		}
	}
	b.mu.Lock()
	if b.runs == nil {
		b.runs = map[*conn]busyRun{}
	}
	b.runs[c] = r
	b.mu.Unlock()
	b.n.Add(1)
}

func (b *busyScripts) end(c *conn) {
	b.mu.Lock()
	if r, ok := b.runs[c]; ok {
		close(r.done)
		delete(b.runs, c)
	}
	b.mu.Unlock()
	b.n.Add(-1)
}

// wait is what a command that is not allowed while busy goes through
// before it is queued or executed. When other connections' scripts are
// running, it waits, as the command would in Redis (which serves nobody
// while a script runs, until the script ends or passes the threshold), for
// each of them to end, and returns the -BUSY text as soon as one of them
// has run past the threshold; "" when none has, or none runs. Waiting for
// the executor's lock instead would hold the command behind the script
// for as long as it runs, -BUSY never coming: the check before it may
// have seen the script a millisecond old. Only scripts already running
// when the command arrived are waited for, so a stream of new scripts on
// other connections cannot hold it up for ever; done (the server's
// shutdown) ends the wait.
func (b *busyScripts) wait(self *conn, done <-chan struct{}) string {
	if b.n.Load() == 0 {
		return ""
	}
	limit := time.Duration(b.limit.Load()) * time.Millisecond
	if limit <= 0 {
		return ""
	}
	b.mu.Lock()
	var runs []busyRun
	for c, r := range b.runs {
		if c != self {
			runs = append(runs, r)
		}
	}
	b.mu.Unlock()
	// The oldest run passes the threshold first.
	slices.SortFunc(runs, func(x, y busyRun) int { return x.since.Compare(y.since) })
	for _, r := range runs {
		left := limit - time.Since(r.since)
		if left > 0 {
			t := time.NewTimer(left)
			select {
			case <-r.done:
				t.Stop()
				continue
			case <-done:
				t.Stop()
				return ""
			case <-t.C:
			}
		}
		select {
		case <-r.done: // ended just in time
			continue
		default:
		}
		if r.function {
			return kv.ErrBusyFunction
		}
		return kv.ErrBusyScript
	}
	return ""
}

// runningFunction returns the oldest function another connection runs
// (FUNCTION STATS's running_script), ok false when none does.
func (b *busyScripts) runningFunction(self *conn) (r busyRun, ok bool) {
	if b.n.Load() == 0 {
		return busyRun{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for c, x := range b.runs {
		if c != self && x.function && (!ok || x.since.Before(r.since)) {
			r, ok = x, true
		}
	}
	return r, ok
}

// FunctionCounter is implemented by executors that can count their
// machine's FUNCTION libraries and functions while it runs a script
// (kv.Machine.FunctionCounts), for FUNCTION STATS.
type FunctionCounter interface {
	FunctionCounts() (libraries, functions int)
}

// functionStats answers FUNCTION STATS at the edge while another
// connection's function runs: the machine is held by it, and Redis
// reports the running function (its name, command and how long it has
// run) and the engines. It reports false when no function runs (the
// machine answers then, with running_script null) or the executor cannot
// count its functions.
func (c *conn) functionStats() bool {
	fc, ok := c.srv.exec.(FunctionCounter)
	if !ok {
		return false
	}
	r, ok := c.srv.scripts.runningFunction(c)
	if !ok {
		return false
	}
	if sr, ok := c.srv.exec.(ScriptRunner); ok && !sr.ScriptRunning() {
		return false // handed over but not started: nothing runs yet
	}
	libs, funcs := fc.FunctionCounts()
	c.flushGroup()
	w := &c.w
	w.Proto = int(c.proto)
	w.Map(2)
	w.BulkString("running_script")
	w.Map(3)
	w.BulkString("name")
	name := ""
	if len(r.args) > 1 {
		name = r.args[1]
	}
	w.BulkString(name)
	w.BulkString("command")
	w.Array(len(r.args))
	for _, a := range r.args {
		w.BulkString(a)
	}
	w.BulkString("duration_ms")
	w.Int(time.Since(r.since).Milliseconds())
	w.BulkString("engines")
	w.Map(1)
	w.BulkString("LUA")
	w.Map(2)
	w.BulkString("libraries_count")
	w.Int(int64(libs))
	w.BulkString("functions_count")
	w.Int(int64(funcs))
	return true
}

// allowedWhileBusy are the commands Redis runs while a script is busy
// (CMD_ALLOW_BUSY).
func allowedWhileBusy(spec *kv.Spec, args [][]byte) bool {
	switch spec.Name {
	case "auth", "hello", "quit", "reset", "shutdown", "discard", "multi", "unwatch", "watch":
		return true
	case "script", "function":
		if len(args) >= 2 {
			sub := strings.ToLower(string(args[1]))
			return sub == "kill" || (spec.Name == "function" && sub == "stats")
		}
	}
	return false
}

// killCommand answers SCRIPT KILL / FUNCTION KILL at once, through the
// executor's ScriptKiller; it reports false when the executor has none.
func (c *conn) killCommand(spec *kv.Spec, args [][]byte) bool {
	k, ok := c.srv.exec.(ScriptKiller)
	if !ok || len(args) != 2 || !strings.EqualFold(string(args[1]), "kill") {
		return false
	}
	c.flushGroup()
	c.w.Proto = int(c.proto)
	msg := k.KillScript(spec.Name == "function")
	// A script counts as running from when the edge handed its group to
	// the executor, which may first run the commands queued before it:
	// a kill that finds the machine not running it yet waits for it to
	// start (killStartWait), as Redis, which reports BUSY only once the
	// script runs, would have killed it.
	if msg == kv.ErrNotBusy && c.srv.scripts.n.Load() > 0 {
		if sr, ok := c.srv.exec.(ScriptRunner); ok {
			deadline := time.Now().Add(killStartWait)
			for !sr.ScriptRunning() && c.srv.scripts.n.Load() > 0 && time.Now().Before(deadline) {
				time.Sleep(killStartPoll)
			}
			msg = k.KillScript(spec.Name == "function")
		}
	}
	if msg != "" {
		c.w.Error(msg)
	} else {
		c.w.OK()
	}
	return true
}
