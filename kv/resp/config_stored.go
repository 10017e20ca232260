package resp

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Parameters CONFIG GET reports and CONFIG SET validates and stores exactly
// as Redis 7.0 does, but which change nothing this node computes: the
// log level, RDB save points and the like. They are kept per node, at the edge: CONFIG SET on one node of a
// cluster does not reach the others, as with redis-server replicas.
//
// The encoding thresholds are the exception: they are replicated machine
// state, set through the executor (config_encoding.go).

// storedParam is one stored parameter: name, its old alias (or ""), its
// default, and check, which validates a value and returns it as CONFIG GET
// reports it, or Redis's error text.
type storedParam struct {
	name, alias, def string
	hidden           bool // matched by an exact name only, never by a pattern
	check            func(v string) (string, string)
	// applied, when set, runs after CONFIG SET stored a new value.
	applied func(s *Server)
}

// Ranges of Redis's C types for the parameters below.
const (
	intMin  = math.MinInt32
	intMax  = math.MaxInt32
	longMax = math.MaxInt64
)

var storedParams = []storedParam{
	{name: "hash-max-listpack-entries", alias: "hash-max-ziplist-entries", def: "512", check: intParam(0, longMax)},
	{name: "hash-max-listpack-value", alias: "hash-max-ziplist-value", def: "64", check: memParam(0, longMax)},
	{name: "zset-max-listpack-entries", alias: "zset-max-ziplist-entries", def: "128", check: intParam(0, longMax)},
	{name: "zset-max-listpack-value", alias: "zset-max-ziplist-value", def: "64", check: memParam(0, longMax)},
	{name: "set-max-intset-entries", def: "512", check: intParam(0, longMax)},
	{name: "list-max-listpack-size", alias: "list-max-ziplist-size", def: "-2", check: intParam(intMin, intMax)},
	{name: "list-compress-depth", def: "0", check: intParam(0, intMax)},
	{name: "hll-sparse-max-bytes", def: "3000", check: memParam(0, longMax)},
	{name: "stream-node-max-bytes", def: "4096", check: memParam(0, longMax)},
	{name: "stream-node-max-entries", def: "100", check: intParam(0, longMax)},
	{name: "loglevel", def: "notice", check: enumParam("debug", "verbose", "notice", "warning")},
	{name: "save", def: "", check: saveParam},
	{name: "activerehashing", def: "yes", check: boolParam},
	{name: "lazyfree-lazy-eviction", def: "no", check: boolParam},
	{name: "lazyfree-lazy-expire", def: "no", check: boolParam},
	{name: "lazyfree-lazy-server-del", def: "no", check: boolParam},
	{name: "lazyfree-lazy-user-del", def: "no", check: boolParam},
	{name: "lazyfree-lazy-user-flush", def: "no", check: boolParam},
	{name: "latency-tracking", def: "yes", check: boolParam},
	{name: "replica-read-only", alias: "slave-read-only", def: "yes", check: boolParam},
	{name: "replica-serve-stale-data", alias: "slave-serve-stale-data", def: "yes", check: boolParam},
	{name: "min-replicas-to-write", alias: "min-slaves-to-write", def: "0", check: intParam(0, intMax)},
	{name: "slowlog-max-len", def: "128", check: intParam(0, longMax)},
	{name: "slowlog-log-slower-than", def: "10000", check: intParam(-1, math.MaxInt64)},
	{name: "latency-monitor-threshold", def: "0", check: intParam(0, math.MaxInt64)},
	{name: "active-expire-effort", def: "1", check: intParam(1, 10)},
	{name: "lfu-log-factor", def: "10", check: intParam(0, intMax)},
	{name: "lfu-decay-time", def: "1", check: intParam(0, intMax)},
	{name: "tracking-table-max-keys", def: "1000000", check: intParam(0, longMax)}, // applied: tracking.go
	{name: "shutdown-on-sigint", def: "default", check: shutdownParam},
	{name: "shutdown-on-sigterm", def: "default", check: shutdownParam},
	{name: "proc-title-template", def: "{title} {listen-addr} {server-mode}", check: func(v string) (string, string) { return v, "" }},
	{name: "rdb-key-save-delay", hidden: true, def: "0", check: intParam(intMin, intMax)},
	{name: "key-load-delay", hidden: true, def: "0", check: intParam(intMin, intMax)},
}

// Immutable parameters the suite and tools read.
var constantParams = []configParam{
	{name: "daemonize", get: constant("no")},
	{name: "enable-debug-command", get: constant("no")},
	{name: "enable-protected-configs", get: constant("no")},
	{name: "enable-module-command", get: constant("no")},
	{name: "maxmemory-clients", get: constant("0")},
	{name: "maxmemory-samples", get: constant("5")},
	{name: "maxmemory-eviction-tenacity", get: constant("10")},
	{name: "replicaof", get: constant("")},
	{name: "slaveof", get: constant("")},
	{name: "dir", get: constant("/"), parse: protectedParam, protected: true},
	{name: "dbfilename", get: constant("dump.rdb"), parse: protectedParam, protected: true},
}

// protectedParam is the parse of a protected parameter (never called:
// CONFIG SET refuses those first).
func protectedParam(*Server, string) (func(), string) { return nil, "can't set protected config" }

// storedConfig holds a server's stored parameter values (absent: default).
type storedConfig struct {
	mu     sync.Mutex
	values map[string]string // by canonical name
}

func (c *storedConfig) get(p *storedParam) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.values[p.name]; ok {
		return v
	}
	return p.def
}

func (c *storedConfig) set(p *storedParam, v string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.values == nil {
		c.values = map[string]string{}
	}
	c.values[p.name] = v
}

func init() {
	byName := map[string]int{}
	for i, p := range configParams {
		byName[p.name] = i
	}
	add := func(cp configParam) {
		if i, ok := byName[cp.name]; ok {
			configParams[i] = cp
			return
		}
		byName[cp.name] = len(configParams)
		configParams = append(configParams, cp)
	}
	for i := range storedParams {
		p := &storedParams[i]
		cp := configParam{
			name:   p.name,
			hidden: p.hidden,
			get: func(s *Server) string {
				if v, ok := s.encodingParam(p.name); ok { // config_encoding.go
					return v
				}
				return s.stored.get(p)
			},
			parse: func(s *Server, v string) (func(), string) {
				norm, errText := p.check(v)
				if errText != "" {
					return nil, errText
				}
				return func() {
					s.stored.set(p, norm)
					if p.applied != nil {
						p.applied(s)
					}
				}, ""
			},
		}
		add(cp)
		if p.alias != "" {
			cp.name = p.alias
			add(cp)
		}
	}
	for _, cp := range constantParams {
		add(cp)
	}
	sort.Slice(configParams, func(i, j int) bool { return configParams[i].name < configParams[j].name })
}

// intParam accepts an integer in [lo, hi] (Redis's numeric configs).
func intParam(lo, hi int64) func(string) (string, string) {
	return func(v string) (string, string) {
		n, errText := parseIntRange(v, lo, hi)
		return strconv.FormatInt(n, 10), errText
	}
}

// memParam accepts a memory value (units b, k, kb, ...) in [lo, hi]; CONFIG
// GET reports it in bytes.
func memParam(lo, hi int64) func(string) (string, string) {
	return func(v string) (string, string) {
		n, ok := ParseMemory(v)
		if !ok {
			return "", "argument must be a memory value"
		}
		if n < lo || n > hi {
			return "", "argument must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + " inclusive"
		}
		return strconv.FormatInt(n, 10), ""
	}
}

func boolParam(v string) (string, string) {
	switch strings.ToLower(v) {
	case "yes":
		return "yes", ""
	case "no":
		return "no", ""
	}
	return "", "argument must be 'yes' or 'no'"
}

func enumParam(values ...string) func(string) (string, string) {
	return func(v string) (string, string) {
		for _, e := range values {
			if strings.EqualFold(v, e) {
				return e, ""
			}
		}
		return "", "argument(s) must be one of the following: " + strings.Join(values, ", ")
	}
}

// shutdownParam accepts Redis's shutdown-on-sig* flags: "default", or any
// of save, nosave, now, force (save and nosave exclusive).
func shutdownParam(v string) (string, string) {
	const errText = "argument(s) must be one of the following: default, save, nosave, now, force"
	seen := map[string]bool{}
	var out []string
	for _, f := range strings.Split(strings.ToLower(v), " ") {
		switch f {
		case "default", "save", "nosave", "now", "force":
		default:
			return "", errText
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 || seen["default"] && len(out) > 1 || seen["save"] && seen["nosave"] {
		return "", "Invalid combination of shutdown flags"
	}
	return strings.Join(out, " "), ""
}

// saveParam accepts RDB save points "seconds changes ..." (seconds >= 1,
// changes >= 0) or "" for none. They are stored only: Raft snapshots, not
// save points, decide when this node writes its state.
func saveParam(v string) (string, string) {
	if v == "" {
		return "", ""
	}
	// Split on single spaces as Redis does (two spaces make an empty
	// argument, which reads as 0).
	f := strings.Split(v, " ")
	if len(f)%2 != 0 {
		return "", "Invalid save parameters"
	}
	for i, a := range f {
		n, err := int64(0), error(nil)
		if a != "" {
			n, err = strconv.ParseInt(a, 10, 64)
		}
		if err != nil || i%2 == 0 && n < 1 || i%2 == 1 && n < 0 {
			return "", "Invalid save parameters"
		}
		f[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(f, " "), ""
}
