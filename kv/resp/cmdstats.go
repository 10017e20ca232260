package resp

import (
	"bytes"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv"
)

// Per-command statistics (INFO commandstats) and error statistics (INFO
// errorstats, total_error_replies), counted at the edge as Redis counts
// them: a command refused before it runs (unknown subcommand, arity,
// NOAUTH, not allowed in MULTI, ...) is a rejected call, a command that ran
// and replied with an error a failed one, and every error reply counts
// under its code (its first word). Commands queued in MULTI are counted when
// EXEC runs them. The time of a group of pipelined commands is shared
// evenly between them. CONFIG RESETSTAT zeroes everything.

// cmdStat is one command's counters.
type cmdStat struct {
	calls, usec, rejected, failed atomic.Int64
	// lat is the command's latency distribution (INFO latencystats, and
	// the Prometheus histograms per class, metrics.go).
	lat latencyHist
	// class is the command's class for Prometheus (metrics.go).
	class string
}

// errStatsMax bounds the distinct error codes counted (Redis's
// ERROR_STATS_NUMBER): errors that are not from Redis's fixed set could
// otherwise grow the table without bound.
const errStatsMax = 128

type cmdStats struct {
	mu     sync.Mutex
	cmds   map[string]*cmdStat
	errs   map[string]int64
	errTot atomic.Int64
	// latencyOff is CONFIG SET latency-tracking no, percentiles
	// latency-tracking-info-percentiles (nil: the default) (latency.go).
	latencyOff  atomic.Bool
	percentiles atomic.Pointer[[]float64]
	// slow is the slow log (slowlog.go).
	slow struct {
		initOnce sync.Once
		slowlog
	}
}

// get returns name's counters, creating them.
func (s *cmdStats) get(name string) *cmdStat {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.cmds[name]
	if st == nil {
		if s.cmds == nil {
			s.cmds = map[string]*cmdStat{}
		}
		st = &cmdStat{class: commandClass(name)}
		s.cmds[name] = st
	}
	return st
}

// countError counts one error reply whose text (without '-') starts msg.
func (s *cmdStats) countError(msg []byte) {
	s.errTot.Add(1)
	code, _, _ := bytes.Cut(msg, []byte(" "))
	if i := bytes.IndexAny(code, "\r\n"); i >= 0 {
		code = code[:i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errs == nil {
		s.errs = map[string]int64{}
	}
	if _, ok := s.errs[string(code)]; !ok && len(s.errs) >= errStatsMax {
		return
	}
	s.errs[string(code)]++
}

// reset zeroes the counters in place (connections cache the pointers).
func (s *cmdStats) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.cmds {
		st.calls.Store(0)
		st.usec.Store(0)
		st.rejected.Store(0)
		st.failed.Store(0)
		st.lat.reset()
	}
	s.errs = nil
	s.errTot.Store(0)
}

// statFor returns spec's counters through the connection's cache, so that
// the hot path takes no lock. The cache is bounded by the command table.
func (c *conn) statFor(spec *kv.Spec) *cmdStat {
	st := c.statCache[spec]
	if st == nil {
		if c.statCache == nil {
			c.statCache = map[*kv.Spec]*cmdStat{}
		}
		st = c.srv.cmdStats.get(spec.Name)
		c.statCache[spec] = st
	}
	return st
}

// sorted returns the commands with counters and their counters, sorted
// by name.
func (s *cmdStats) sorted() ([]string, []*cmdStat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, 0, len(s.cmds))
	for n := range s.cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	stats := make([]*cmdStat, len(names))
	for i, n := range names {
		stats[i] = s.cmds[n]
	}
	return names, stats
}

// commandFields renders INFO commandstats, sorted by command name.
func (s *cmdStats) commandFields() [][2]string {
	names, stats := s.sorted()
	var out [][2]string
	for i, n := range names {
		st := stats[i]
		calls, usec := st.calls.Load(), st.usec.Load()
		if calls == 0 && st.rejected.Load() == 0 && st.failed.Load() == 0 {
			continue
		}
		per := 0.0
		if calls > 0 {
			per = float64(usec) / float64(calls)
		}
		out = append(out, [2]string{"cmdstat_" + n, "calls=" + strconv.FormatInt(calls, 10) +
			",usec=" + strconv.FormatInt(usec, 10) + ",usec_per_call=" + strconv.FormatFloat(per, 'f', 2, 64) +
			",rejected_calls=" + strconv.FormatInt(st.rejected.Load(), 10) + ",failed_calls=" + strconv.FormatInt(st.failed.Load(), 10)})
	}
	return out
}

// errorFields renders INFO errorstats, sorted by code.
func (s *cmdStats) errorFields() [][2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	codes := make([]string, 0, len(s.errs))
	for c := range s.errs {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	out := make([][2]string, 0, len(codes))
	for _, c := range codes {
		out = append(out, [2]string{"errorstat_" + c, "count=" + strconv.FormatInt(s.errs[c], 10)})
	}
	return out
}

// statName is the name commandstats uses for a command: the container and
// subcommand for the edge's container commands ("config|set").
func statName(spec *kv.Spec, args [][]byte) string {
	if e := edgeBySpec[spec]; e != nil && e.subs != nil && len(args) >= 2 {
		if sub := e.subs[lowerASCII(args[1])]; sub != nil {
			return sub.full
		}
	}
	return spec.Name
}

// countRejected counts a command refused before it ran (spec nil: unknown).
func (c *conn) countRejected(spec *kv.Spec, args [][]byte, msg string) {
	st := &c.srv.cmdStats
	st.countError([]byte(msg))
	if spec != nil {
		st.get(statName(spec, args)).rejected.Add(1)
	}
}

// countRan counts one command that ran, with its reply in out.
func (c *conn) countRan(name string, reply []byte, usec int64) {
	c.countStat(c.srv.cmdStats.get(name), reply, usec)
}

// countEdge counts an edge command that ran.
func (c *conn) countEdge(spec *kv.Spec, args [][]byte, reply []byte, usec int64) {
	st := c.srv.cmdStats.get(statName(spec, args))
	c.countStat(st, reply, usec)
	c.trackLatency(st, spec, args, usec)
}

// trackLatency records a command's time in its latency distribution
// (unless latency-tracking is off) and in the slow log.
func (c *conn) trackLatency(st *cmdStat, spec *kv.Spec, args [][]byte, usec int64) {
	if c.srv.latencyTracking() {
		st.lat.record(usec)
	}
	c.slowlogCommand(spec, args, usec)
}

func (c *conn) countStat(st *cmdStat, reply []byte, usec int64) {
	st.calls.Add(1)
	st.usec.Add(usec)
	if len(reply) > 0 && reply[0] == '-' {
		st.failed.Add(1)
		c.srv.cmdStats.countError(reply[1:])
	}
}

// countGroup counts the commands of a group the executor ran, their
// replies in out (in order) and the group's time.
func (c *conn) countGroup(cmds []*kv.Cmd, out []byte, elapsed time.Duration) {
	usec := elapsed.Microseconds() / int64(len(cmds))
	// Without a '-' anywhere no reply is an error, and the replies need
	// not be split.
	split := bytes.IndexByte(out, '-') >= 0
	for _, cmd := range cmds {
		spec := kv.Lookup(cmd.Args[0])
		if spec == nil {
			continue
		}
		var reply []byte
		if split {
			n, err := replyLen(out)
			if err != nil {
				split = false
			} else {
				reply, out = out[:n], out[n:]
			}
		}
		st := c.statFor(spec)
		c.countStat(st, reply, usec)
		c.trackLatency(st, spec, cmd.Args, usec)
	}
}

// countQueued counts the keyspace commands of a transaction EXEC ran (the
// edge's own are counted as they run); their errors, inside EXEC's reply,
// are not counted.
func (c *conn) countQueued(specs []*kv.Spec, queued [][][]byte) {
	for i, spec := range specs {
		if spec.Flags&kv.FlagEdge == 0 {
			c.countStat(c.statFor(spec), nil, 0)
			// Their time is not known apart from the transaction's: the
			// slow log shows them (with 0 us), latencystats does not.
			c.slowlogCommand(spec, queued[i], 0)
		}
	}
}
