package resp

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv"
)

// MONITOR: a connection that sends MONITOR receives, as simple strings,
// every command this node runs for its clients, in Redis's format:
//
//	+1700000000.123456 [0 127.0.0.1:50000] "set" "foo" "bar"
//
// Commands are shown as Redis shows them: after they ran (a command refused
// before running, unknown or of the wrong arity, is not shown), except the
// script commands (EVAL, EVALSHA, FCALL and their _RO forms), shown before
// they run so that the commands the script calls follow them, as
// "[<db> lua]" lines. A transaction shows MULTI, the queued commands when
// EXEC runs them, then EXEC. Administrative commands (CONFIG, DEBUG,
// CLIENT KILL, MONITOR, ...: Redis's "admin" flag) are never shown, and
// the arguments of AUTH and of HELLO's AUTH are shown as "(redacted)".
//
// On a cluster a node shows the commands of its own clients, whether it
// ran them itself or forwarded them to the leader, and the commands that
// scripts call where the script runs: every node runs a write script as it
// applies the log (so every node's monitors see its redis.call commands,
// whichever node's client sent it), the node serving the read runs a
// read-only script (the leader, for a linearizable read from a follower).
//
// A monitor's output goes through the connection's output queue (psout.go)
// and is bounded by client-output-buffer-limit's replica class, as Redis
// bounds its monitors (default: 256mb hard, 64mb for 60 s soft): a monitor
// that does not keep up is disconnected; nothing waits for it. While a
// node has monitors, each connection sends its pipelined keyspace
// commands to the executor one at a time (each line must come after the
// command's reply is known, before the next runs).

// errMonitorDenyBlocking is Redis's reply to MONITOR inside a transaction.
const errMonitorDenyBlocking = "ERR MONITOR isn't allowed for DENY BLOCKING client"

// monitors are a node's MONITOR connections.
type monitors struct {
	n    atomic.Int32 // len(list), read without the lock on every command
	mu   sync.Mutex
	list []*conn
}

func (m *monitors) active() bool { return m.n.Load() > 0 }

// add registers c, queueing first (MONITOR's +OK) under the lock so that
// no line can be fed between the two.
func (m *monitors) add(c *conn, first []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Counted before +OK can reach the client: a command sent after it
	// sees a monitor.
	m.list = append(m.list, c)
	m.n.Store(int32(len(m.list)))
	c.ps.write(first) // a failure closes the connection, which removes it
}

func (m *monitors) remove(c *conn) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.list {
		if x == c {
			m.list = append(m.list[:i], m.list[i+1:]...)
			break
		}
	}
	m.n.Store(int32(len(m.list)))
}

// feed queues line on every monitor's output.
func (m *monitors) feed(line []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.list {
		o := c.ps
		o.mu.Lock()
		if !o.dead {
			o.buf = append(o.buf, line...)
			o.queued()
		}
		o.mu.Unlock()
	}
}

// cmdMonitor is MONITOR.
func (c *conn) cmdMonitor(args [][]byte) {
	if c.inExec {
		c.w.Error(errMonitorDenyBlocking)
		return
	}
	if c.monitorA.Load() {
		return // Redis ignores a second MONITOR
	}
	c.psStart()
	c.moveOutput()
	// Registered before CLIENT LIST shows the O flag: a client that sees
	// the flag (or the +OK) sees every command that follows.
	c.srv.mon.add(c, []byte("+OK\r\n"))
	c.monitorA.Store(true)
}

// stopMonitor takes the connection out of the monitors (RESET, close).
func (c *conn) stopMonitor() {
	if c.monitorA.Swap(false) {
		c.srv.mon.remove(c)
	}
}

// hiddenFromMonitor holds the full names of the commands MONITOR never
// shows: Redis's admin commands. (The script commands, Redis's
// skip_monitor ones, are shown before they run: feedsBefore.)
var (
	hiddenOnce        sync.Once
	hiddenFromMonitor map[string]bool
)

func monitorHidden(full string) bool {
	hiddenOnce.Do(func() {
		hiddenFromMonitor = map[string]bool{}
		mark := func(full string, info value) {
			for _, f := range info.elems[2].elems {
				if f.str == "admin" {
					hiddenFromMonitor[full] = true
				}
			}
		}
		for _, s := range kv.Commands() {
			mark(s.Name, commandInfo(s))
			for _, sub := range containerSubs(s) {
				mark(sub.full, subInfoOf(s, sub))
			}
		}
	})
	return hiddenFromMonitor[full]
}

// feedsBefore reports the commands shown before they run (Redis feeds
// them itself so that the commands they call come after).
func feedsBefore(name string) bool {
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

// monitorCmd shows a command this connection ran (or is about to run,
// for scripts) in database db.
func (c *conn) monitorCmd(spec *kv.Spec, args [][]byte, db int) {
	if spec == nil {
		return
	}
	full := statName(spec, args)
	if subs := containerSubs(spec); subs != nil && len(args) >= 2 {
		if sub := subs[lowerASCII(args[1])]; sub != nil {
			full = sub.full
		}
	}
	if monitorHidden(full) {
		return
	}
	c.srv.mon.feed(appendMonitorLine(nil, time.Now(), db, c.addr, args, redactedArgs(spec.Name, args)))
}

// scriptCommand receives the commands scripts run (the hub's script
// observer): it counts them in commandstats, as Redis does, and shows
// them to the monitors.
func (s *Server) scriptCommand(db int, args [][]byte) {
	spec := kv.Lookup(args[0])
	if spec == nil {
		return
	}
	s.cmdStats.get(spec.Name).calls.Add(1)
	if s.mon.active() && !monitorHidden(spec.Name) {
		s.mon.feed(appendMonitorLine(nil, time.Now(), db, "lua", args, 0))
	}
}

// redactedArgs returns the arguments MONITOR shows as "(redacted)", as a
// bit set of positions: AUTH's arguments, HELLO's AUTH username and
// password.
func redactedArgs(name string, args [][]byte) uint64 {
	var set uint64
	switch name {
	case "auth":
		for i := 1; i < len(args) && i < 64; i++ {
			set |= 1 << i
		}
	case "hello":
		for j := 2; j < len(args) && j < 62; j++ {
			if kv.EqualFold(args[j], "AUTH") && len(args)-1-j >= 2 {
				set |= 1<<(j+1) | 1<<(j+2)
				j += 2
			} else if kv.EqualFold(args[j], "SETNAME") {
				j++
			}
		}
	}
	return set
}

// appendMonitorLine renders one MONITOR line: the time with microseconds,
// the database and the client's address (or "lua"), then each argument
// quoted as Redis's sdscatrepr quotes it.
func appendMonitorLine(b []byte, now time.Time, db int, addr string, args [][]byte, redacted uint64) []byte {
	us := now.UnixMicro()
	b = append(b, '+')
	b = strconv.AppendInt(b, us/1e6, 10)
	b = append(b, '.')
	frac := strconv.AppendInt(nil, us%1e6, 10)
	b = append(b, strings.Repeat("0", 6-len(frac))...)
	b = append(b, frac...)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, "] "...)
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		if i < 64 && redacted&(1<<i) != 0 {
			b = append(b, `"(redacted)"`...)
			continue
		}
		b = appendRepr(b, a)
	}
	return append(b, '\r', '\n')
}

// appendRepr quotes s as Redis's sdscatrepr: escapes for \\ " \n \r \t
// \a \b, printable ASCII as is, other bytes as \xHH.
func appendRepr(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, ch := range s {
		switch ch {
		case '\\', '"':
			b = append(b, '\\', ch)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\a':
			b = append(b, '\\', 'a')
		case '\b':
			b = append(b, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				b = append(b, ch)
			} else {
				b = append(b, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(b, '"')
}

// flushGroupMonitored runs the pending keyspace commands one at a time
// while the node has monitors, showing each after it ran (scripts before).
func (c *conn) flushGroupMonitored() {
	for i, cmd := range c.pending {
		spec := kv.Lookup(cmd.Args[0])
		before := spec != nil && feedsBefore(spec.Name)
		if before {
			c.monitorCmd(spec, cmd.Args, cmd.DB)
		}
		if c.ps != nil {
			c.moveOutput()
			c.trackCmd(cmd, c.rememberReads([][][]byte{cmd.Args}, false)) // CLIENT TRACKING (tracking.go)
			c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, &c.w)
			c.trackingDone()
		} else {
			c.execGroup(c.pending[i : i+1])
		}
		if !before {
			c.monitorCmd(spec, cmd.Args, cmd.DB)
		}
	}
	c.pending = c.pending[:0]
	c.cmds = c.cmds[:0]
}

// monitorTx shows the queued keyspace commands of a transaction that ran
// (out, EXEC's reply from the executor, is an array), before EXEC itself.
func (c *conn) monitorTx(queued [][][]byte, specs []*kv.Spec, db int, out []byte) {
	if !c.srv.mon.active() || len(out) < 2 || out[0] != '*' || out[1] == '-' {
		return
	}
	for i, q := range queued {
		if specs[i].Name == "select" {
			if d, errText := kv.ParseDB(q[1]); errText == "" {
				db = d
			}
		}
		if !runsAtEdge(specs[i]) {
			c.monitorCmd(specs[i], q, db)
		}
	}
}
