package resp

import (
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv"
)

// SLOWLOG GET [count] | LEN | RESET | HELP, as Redis 7.0: a node keeps the
// commands its clients ran that took at least slowlog-log-slower-than
// microseconds (-1: none, 0: every command), the newest slowlog-max-len
// of them. A command's time is the one INFO commandstats counts: from
// the executor's call to its return (for a pipelined group, its share of
// the group's time), which on a cluster includes the Raft round trip a
// write or a read barrier waits for. A blocking command is logged when it
// is answered, with the time of its first attempt (not the time it waited).
// EXEC is not logged; the commands it ran are. The log is per node.

const (
	// slowlogMaxArgs and slowlogMaxArgBytes bound what an entry keeps of a
	// command (Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING).
	slowlogMaxArgs     = 32
	slowlogMaxArgBytes = 128
	// slowlogDefaultSlowerThan and slowlogDefaultMaxLen are Redis's defaults.
	slowlogDefaultSlowerThan = 10000
	slowlogDefaultMaxLen     = 128
)

// slowEntry is one logged command.
type slowEntry struct {
	id, unix, usec int64
	args           [][]byte
	peer, name     string
}

// slowlog is a node's slow log. The threshold is read on every command
// without a lock; entries are kept oldest first.
type slowlog struct {
	slowerThan atomic.Int64 // microseconds; -1 disables
	maxLen     atomic.Int64

	mu      sync.Mutex
	entries []slowEntry
	nextID  int64
}

func init() {
	// The two parameters replace the stored ones of config_stored.go: the
	// log reads them on every command.
	for i := range configParams {
		p := &configParams[i]
		switch p.name {
		case "slowlog-log-slower-than":
			p.get = func(s *Server) string { return strconv.FormatInt(s.slowlogOf().slowerThan.Load(), 10) }
			p.parse = func(s *Server, v string) (func(), string) {
				n, errText := parseIntRange(v, -1, math.MaxInt64)
				return func() { s.slowlogOf().slowerThan.Store(n) }, errText
			}
		case "slowlog-max-len":
			p.get = func(s *Server) string { return strconv.FormatInt(s.slowlogOf().maxLen.Load(), 10) }
			p.parse = func(s *Server, v string) (func(), string) {
				n, errText := parseIntRange(v, 0, math.MaxInt64)
				return func() { s.slowlogOf().setMaxLen(n) }, errText
			}
		}
	}
	s := &kv.Spec{Name: "slowlog", Arity: -2, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagLoading | kv.FlagStale,
		Group: "server", Since: "2.2.12", Summary: "A container for slow log commands"}
	kv.Register(s)
	localEdge[s] = (*conn).cmdSlowlog
}

// slowlogOf returns the server's slow log, set up with Redis's defaults
// on first use.
func (s *Server) slowlogOf() *slowlog {
	sl := &s.cmdStats.slow
	sl.initOnce.Do(func() {
		sl.slowerThan.Store(slowlogDefaultSlowerThan)
		sl.maxLen.Store(slowlogDefaultMaxLen)
	})
	return &sl.slowlog
}

func (l *slowlog) setMaxLen(n int64) {
	l.maxLen.Store(n)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trim(n)
}

// trim drops the oldest entries beyond n. Called with mu held.
func (l *slowlog) trim(n int64) {
	if over := int64(len(l.entries)) - n; over > 0 {
		clear(l.entries[:over])
		l.entries = append(l.entries[:0], l.entries[over:]...)
	}
}

// slowlogCommand logs one command when it took long enough.
func (c *conn) slowlogCommand(spec *kv.Spec, args [][]byte, usec int64) {
	l := c.srv.slowlogOf()
	t := l.slowerThan.Load()
	if t < 0 || usec < t || spec == nil || spec.Name == "exec" {
		return
	}
	e := slowEntry{unix: time.Now().Unix(), usec: usec, peer: c.addr}
	if n := c.name.Load(); n != nil {
		e.name = *n
	}
	redacted := slowlogRedacted(spec.Name, args)
	keep := min(len(args), slowlogMaxArgs)
	e.args = make([][]byte, keep)
	for i := 0; i < keep; i++ {
		switch a := args[i]; {
		case keep != len(args) && i == keep-1:
			e.args[i] = []byte("... (" + strconv.Itoa(len(args)-keep+1) + " more arguments)")
		case i < 64 && redacted&(1<<i) != 0:
			e.args[i] = []byte("(redacted)")
		case len(a) > slowlogMaxArgBytes:
			e.args[i] = append(a[:slowlogMaxArgBytes:slowlogMaxArgBytes], "... ("+strconv.Itoa(len(a)-slowlogMaxArgBytes)+" more bytes)"...)
		default:
			e.args[i] = append([]byte(nil), a...)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	l.trim(l.maxLen.Load())
}

// slowlogRedacted returns the arguments the slow log shows as
// "(redacted)" (a bit set of positions), as Redis redacts them: those of
// AUTH and HELLO's AUTH (as MONITOR), CONFIG SET values of sensitive
// parameters, MIGRATE's AUTH and AUTH2, and ACL SETUSER's rules.
func slowlogRedacted(name string, args [][]byte) uint64 {
	set := redactedArgs(name, args)
	switch name {
	case "config":
		if len(args) >= 2 && kv.EqualFold(args[1], "SET") {
			for i := 2; i+1 < len(args) && i+1 < 64; i += 2 {
				switch lowerASCII(args[i]) {
				case "requirepass", "masterauth", "masteruser":
					set |= 1 << (i + 1)
				}
			}
		}
	case "migrate":
		for j := 6; j < len(args) && j < 62; j++ {
			if kv.EqualFold(args[j], "AUTH") && j+1 < len(args) {
				set |= 1 << (j + 1)
				j++
			} else if kv.EqualFold(args[j], "AUTH2") && j+2 < len(args) {
				set |= 1<<(j+1) | 1<<(j+2)
				j += 2
			}
		}
	case "acl":
		if len(args) >= 2 && kv.EqualFold(args[1], "SETUSER") {
			for i := 2; i < len(args) && i < 64; i++ {
				set |= 1 << i
			}
		}
	}
	return set
}

func (c *conn) cmdSlowlog(args [][]byte) {
	sub := lowerASCII(args[1])
	l := c.srv.slowlogOf()
	switch {
	case sub == "help" && len(args) == 2:
		writeHelp(&c.w, "SLOWLOG",
			"GET [<count>]",
			"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"    Entries are made of:",
			"    id, timestamp, time in microseconds, arguments array, client IP and port,",
			"    client name",
			"LEN",
			"    Return the length of the slowlog.",
			"RESET",
			"    Reset the slowlog.",
		)
	case sub == "reset" && len(args) == 2:
		l.mu.Lock()
		clear(l.entries)
		l.entries = l.entries[:0]
		l.mu.Unlock()
		c.w.OK()
	case sub == "len" && len(args) == 2:
		l.mu.Lock()
		n := len(l.entries)
		l.mu.Unlock()
		c.w.Int(int64(n))
	case sub == "get" && (len(args) == 2 || len(args) == 3):
		count := int64(10)
		if len(args) == 3 {
			n, ok := kv.ParseInt(args[2])
			if !ok || n < -1 {
				c.w.Error("ERR count should be greater than or equal to -1")
				return
			}
			count = n
		}
		l.mu.Lock()
		total := int64(len(l.entries))
		if count == -1 || count > total {
			count = total
		}
		out := make([]slowEntry, count)
		for i := range out {
			out[i] = l.entries[total-1-int64(i)]
		}
		l.mu.Unlock()
		c.w.Array(len(out))
		for _, e := range out {
			c.w.Array(6)
			c.w.Int(e.id)
			c.w.Int(e.unix)
			c.w.Int(e.usec)
			c.w.Array(len(e.args))
			for _, a := range e.args {
				c.w.Bulk(a)
			}
			c.w.Bulk([]byte(e.peer))
			c.w.Bulk([]byte(e.name))
		}
	default:
		c.w.Error("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try SLOWLOG HELP.")
	}
}
