package resp

import (
	"math"
	"strconv"
	"strings"
	"time"

	"redraft/kv"
)

// CONFIG GET, SET, RESETSTAT, REWRITE and HELP. The parameters are the ones
// clients and tools ask for; only those the edge enforces can be set.

// configParam is one CONFIG parameter.
type configParam struct {
	name string
	get  func(s *Server) string
	// parse validates a new value and returns the function applying it, or
	// Redis's error text. nil: the parameter is immutable.
	parse func(s *Server, v string) (apply func(), errText string)
	// hidden parameters match an exact name only, never a pattern.
	hidden bool
	// protected parameters cannot be set (enable-protected-configs no).
	protected bool
}

// configParams is sorted by name (CONFIG GET replies in this order).
var configParams = []configParam{
	{name: "appendfsync", get: constant("everysec")},
	{name: "appendonly", get: constant("no")},
	{name: "bind", get: func(s *Server) string { return s.host }},
	{name: "notify-keyspace-events", get: getNotifyKeyspaceEvents, parse: parseNotifyKeyspaceEvents},
	{name: "busy-reply-threshold", get: getBusyReplyThreshold, parse: parseBusyReplyThreshold},
	{name: "client-output-buffer-limit", get: func(s *Server) string { return formatOutputLimits(s.outLimits.Load()) },
		parse: parseOutputLimits},
	{name: "client-query-buffer-limit", get: func(s *Server) string { return strconv.FormatInt(s.cfg.QueryBufferMax, 10) }},
	{name: "cluster-enabled", get: constant("no")},
	{name: "databases", get: constant(strconv.Itoa(kv.Databases))},
	{name: "hz", get: constant("10")},
	{name: "io-threads", get: constant("1")},
	{name: "lua-time-limit", get: getBusyReplyThreshold, parse: parseBusyReplyThreshold},
	{name: "maxclients", get: func(s *Server) string { return strconv.FormatInt(s.maxClients.Load(), 10) },
		parse: func(s *Server, v string) (func(), string) {
			n, errText := parseIntRange(v, 1, 4294967295)
			return func() { s.maxClients.Store(n) }, errText
		}},
	{name: "maxmemory", get: constant("0")},
	{name: "maxmemory-policy", get: constant("noeviction")},
	{name: "port", get: func(s *Server) string { return strconv.Itoa(s.listenPort()) }},
	{name: "proto-max-bulk-len", get: func(s *Server) string { return strconv.FormatInt(s.protoMaxBulkLen.Load(), 10) },
		parse: func(s *Server, v string) (func(), string) {
			n, ok := ParseMemory(v)
			if !ok {
				return nil, "argument must be a memory value"
			}
			if n < MinProtoMaxBulkLen {
				return nil, "argument must be between 1048576 and 9223372036854775807 inclusive"
			}
			return func() { s.protoMaxBulkLen.Store(n) }, ""
		}},
	{name: "requirepass", get: func(s *Server) string { return s.getRequirePass() },
		parse: func(s *Server, v string) (func(), string) {
			return func() { s.requirePass.Store(&v) }, ""
		}},
	{name: "save", get: constant("")},
	{name: "timeout", get: func(s *Server) string { return strconv.FormatInt(s.idleTimeout.Load()/int64(time.Second), 10) },
		parse: func(s *Server, v string) (func(), string) {
			n, errText := parseIntRange(v, 0, 2147483647)
			return func() { s.idleTimeout.Store(n * int64(time.Second)) }, errText
		}},
}

// busy-reply-threshold and its alias lua-time-limit, in milliseconds.
func getBusyReplyThreshold(s *Server) string { return strconv.FormatInt(s.scripts.limit.Load(), 10) }

func parseBusyReplyThreshold(s *Server, v string) (func(), string) {
	n, errText := parseIntRange(v, 0, math.MaxInt64)
	return func() { s.scripts.limit.Store(n) }, errText
}

func constant(v string) func(*Server) string { return func(*Server) string { return v } }

// parseIntRange parses a numeric config value as Redis does.
func parseIntRange(v string, lo, hi int64) (int64, string) {
	n, ok := kv.ParseInt([]byte(v))
	if !ok {
		return 0, "argument couldn't be parsed into an integer"
	}
	if n < lo || n > hi {
		return 0, "argument must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + " inclusive"
	}
	return n, ""
}

// ParseMemory parses a memory value as Redis's memtoll does: an integer
// with an optional unit b, k (1000), kb (1024), m, mb, g or gb, any case.
func ParseMemory(v string) (int64, bool) {
	u := 0
	if u < len(v) && v[0] == '-' {
		u++
	}
	for u < len(v) && v[u] >= '0' && v[u] <= '9' {
		u++
	}
	mul := int64(1)
	switch strings.ToLower(v[u:]) {
	case "", "b":
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(v[:u], 10, 64)
	if err != nil || n > math.MaxInt64/mul || n < math.MinInt64/mul {
		return 0, false
	}
	return n * mul, true
}

func lookupConfig(name string) *configParam {
	name = strings.ToLower(name)
	for i := range configParams {
		if configParams[i].name == name {
			return &configParams[i]
		}
	}
	return nil
}

func (c *conn) cmdConfigGet(args [][]byte) {
	out := mapV()
	for i := range configParams {
		p := &configParams[i]
		for _, pat := range args[2:] {
			lower := strings.ToLower(string(pat))
			if !strings.ContainsAny(lower, "*?[") {
				if lower == p.name {
					out.add(bulkV(p.name), bulkV(p.get(c.srv)))
					break
				}
				continue
			}
			if !p.hidden && kv.MatchGlob([]byte(lower), []byte(p.name)) {
				out.add(bulkV(p.name), bulkV(p.get(c.srv)))
				break
			}
		}
	}
	out.write(&c.w)
}

// cmdConfigSet sets one or more parameters atomically: all are validated
// before any is applied, as Redis 7.0 does.
func (c *conn) cmdConfigSet(args [][]byte) {
	if len(args)%2 != 0 {
		c.w.Error(kv.ErrSyntax)
		return
	}
	var params []*configParam
	badName, errArg, errText := "", "", ""
	for i := 2; i < len(args); i += 2 {
		p := lookupConfig(string(args[i]))
		if p == nil {
			if badName == "" {
				badName = string(args[i])
			}
			continue
		}
		if errText != "" || badName != "" {
			continue
		}
		if p.parse == nil {
			errArg, errText = string(args[i]), "can't set immutable config"
		} else if p.protected {
			errArg, errText = string(args[i]), "can't set protected config"
		}
		for _, q := range params {
			if q == p {
				errArg, errText = string(args[i]), "duplicate parameter"
			}
		}
		params = append(params, p)
	}
	if badName != "" {
		c.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + badName + "'")
		return
	}
	if errText == "" {
		var applies []func()
		for i, p := range params {
			apply, e := p.parse(c.srv, string(args[3+2*i]))
			if e != "" {
				errArg, errText = p.name, e
				break
			}
			applies = append(applies, apply)
		}
		if errText == "" {
			commitTLS, msg := c.configTLS(params, args)
			if msg != "" {
				c.w.Error(msg)
				return
			}
			if msg := c.configEncoding(params, args); msg != "" {
				c.w.Error(msg)
				return
			}
			if msg := c.configRequirePass(params, args); msg != "" {
				c.w.Error(msg)
				return
			}
			commitTLS()
			for _, apply := range applies {
				apply()
			}
			c.w.OK()
			return
		}
	}
	c.w.Error("ERR CONFIG SET failed (possibly related to argument '" + errArg + "') - " + errText)
}

func (c *conn) cmdConfigResetStat(args [][]byte) {
	st := &c.srv.stats
	st.connsReceived.Store(0)
	st.rejected.Store(0)
	c.srv.resetTotals()
	c.srv.cmdStats.reset()
	st.peakMemory.Store(0)
	st.opsMu.Lock()
	st.opsSamples = [16]float64{}
	st.opsLastT = time.Time{}
	st.opsMu.Unlock()
	c.w.OK()
}

func (c *conn) cmdConfigRewrite(args [][]byte) {
	if msg := c.srv.rewriteConfig(); msg != "" { // config_file.go
		c.w.Error(msg)
		return
	}
	c.w.OK()
}

func (c *conn) cmdConfigHelp(args [][]byte) {
	writeHelp(&c.w, "CONFIG",
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	)
}
