package resp

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"redraft/kv"
)

// Prometheus metrics of the RESP edge (docs/operations.md lists them).
// Most are read at scrape time from the counters INFO reports
// (commandstats, errorstats, stats, clients); the latency histograms per
// command class are observed as commands are counted (cmdstats.go).
// CONFIG RESETSTAT zeroes the counters it zeroes for INFO, which
// Prometheus sees as a counter reset.

// commandClasses are the values of the class label, in the order
// commandClass tries them.
var commandClasses = []string{"script", "blocking", "pubsub", "admin", "transaction", "connection", "write", "read", "other"}

// commandLatencyBuckets are redraft_command_duration_seconds' upper
// bounds: 10 us .. ~0.6 s (the histograms they come from stop at 1 s).
var commandLatencyBuckets = prometheus.ExponentialBuckets(10e-6, 2.5, 13)

// commandClass returns the class of a command by its statistics name
// ("get", "config|set").
func commandClass(name string) string {
	base, _, _ := strings.Cut(name, "|")
	spec := kv.Lookup([]byte(base))
	switch {
	case spec == nil:
		return "other"
	case base == "eval" || base == "evalsha" || base == "eval_ro" || base == "evalsha_ro" ||
		base == "fcall" || base == "fcall_ro" || base == "script" || base == "function":
		return "script"
	case spec.IsBlocking():
		return "blocking"
	case spec.Flags&kv.FlagPubSub != 0:
		return "pubsub"
	case spec.Flags&kv.FlagAdmin != 0:
		return "admin"
	case spec.Group == "transactions":
		return "transaction"
	case spec.Group == "connection":
		return "connection"
	case spec.IsWrite():
		return "write"
	case spec.Flags&kv.FlagReadOnly != 0:
		return "read"
	}
	return "other"
}

var (
	descCommands        = prometheus.NewDesc("redraft_commands_total", "Commands by name and result: ok (ran, no error reply), error (ran, error reply), rejected (refused before running: arity, NOAUTH, ...).", []string{"cmd", "result"}, nil)
	descErrorReplies    = prometheus.NewDesc("redraft_error_replies_total", "Error replies by error code (INFO errorstats).", []string{"code"}, nil)
	descConnected       = prometheus.NewDesc("redraft_connected_clients", "Client connections open (peer links from other members not included).", nil, nil)
	descBlocked         = prometheus.NewDesc("redraft_blocked_clients", "Clients waiting in a blocking command.", nil, nil)
	descTracking        = prometheus.NewDesc("redraft_tracking_clients", "Clients with CLIENT TRACKING on.", nil, nil)
	descMaxClients      = prometheus.NewDesc("redraft_maxclients", "The maxclients setting.", nil, nil)
	descConnsReceived   = prometheus.NewDesc("redraft_connections_received_total", "Client connections accepted.", nil, nil)
	descConnsRejected   = prometheus.NewDesc("redraft_rejected_connections_total", "Client connections refused (maxclients).", nil, nil)
	descProcessed       = prometheus.NewDesc("redraft_commands_processed_total", "Commands read from clients.", nil, nil)
	descNetIn           = prometheus.NewDesc("redraft_net_input_bytes_total", "Bytes read from clients.", nil, nil)
	descNetOut          = prometheus.NewDesc("redraft_net_output_bytes_total", "Bytes written to clients.", nil, nil)
	descPubsubChannels  = prometheus.NewDesc("redraft_pubsub_channels", "Channels with subscribers on this node.", nil, nil)
	descPubsubPatterns  = prometheus.NewDesc("redraft_pubsub_patterns", "Patterns with subscribers on this node.", nil, nil)
	descSlowlogLen      = prometheus.NewDesc("redraft_slowlog_length", "Entries in the slow log.", nil, nil)
	descSlowlogEntries  = prometheus.NewDesc("redraft_slowlog_entries_total", "Commands ever logged in the slow log (its last id + 1).", nil, nil)
	descCommandDuration = prometheus.NewDesc("redraft_command_duration_seconds", "Time from a command's dispatch to its reply, by command class (the latencystats histograms of the class's commands; a pipelined group's time is shared by its commands; a blocking command's is its first attempt, not its wait).", []string{"class"}, nil)
	edgeDescs           = []*prometheus.Desc{descCommands, descErrorReplies, descConnected, descBlocked, descTracking, descMaxClients, descConnsReceived, descConnsRejected, descProcessed, descNetIn, descNetOut, descPubsubChannels, descPubsubPatterns, descSlowlogLen, descSlowlogEntries, descCommandDuration}
)

// edgeCollector is the prometheus.Collector of a Server.
type edgeCollector struct{ s *Server }

// Collector returns the server's Prometheus collector; register it in a
// registry of its own per server.
func (s *Server) Collector() prometheus.Collector { return edgeCollector{s} }

// Describe implements prometheus.Collector.
func (c edgeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range edgeDescs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c edgeCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.s
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	names, stats := s.cmdStats.sorted()
	for i, n := range names {
		st := stats[i]
		calls, failed, rejected := st.calls.Load(), st.failed.Load(), st.rejected.Load()
		if calls == 0 && rejected == 0 {
			continue
		}
		counter(descCommands, calls-failed, n, "ok")
		counter(descCommands, failed, n, "error")
		counter(descCommands, rejected, n, "rejected")
	}
	s.cmdStats.mu.Lock()
	codes := make(map[string]int64, len(s.cmdStats.errs))
	for code, n := range s.cmdStats.errs {
		codes[code] = n
	}
	s.cmdStats.mu.Unlock()
	for code, n := range codes {
		counter(descErrorReplies, n, code)
	}
	clients, _ := s.numConns()
	gauge(descConnected, float64(clients))
	gauge(descBlocked, float64(s.blockedClients()))
	gauge(descTracking, float64(s.trk.n.Load()))
	gauge(descMaxClients, float64(s.maxClients.Load()))
	counter(descConnsReceived, s.stats.connsReceived.Load())
	counter(descConnsRejected, s.stats.rejected.Load())
	cmds, in, out := s.totals()
	counter(descProcessed, cmds)
	counter(descNetIn, in)
	counter(descNetOut, out)
	chans, pats, _ := s.hub.Stats()
	gauge(descPubsubChannels, float64(chans))
	gauge(descPubsubPatterns, float64(pats))
	l := s.slowlogOf()
	l.mu.Lock()
	n, next := len(l.entries), l.nextID
	l.mu.Unlock()
	gauge(descSlowlogLen, float64(n))
	counter(descSlowlogEntries, next)
	collectClassHistograms(ch, stats)
}

// classHistogram accumulates one class's latency histogram.
type classHistogram struct {
	count   uint64
	sum     float64
	buckets map[float64]uint64 // cumulative, by upper bound
}

// collectClassHistograms sends redraft_command_duration_seconds: per
// class, the sum of its commands' latencystats histograms, each bucket of
// those counted under the first upper bound at or above its highest value.
func collectClassHistograms(ch chan<- prometheus.Metric, stats []*cmdStat) {
	classes := map[string]*classHistogram{}
	var counts [latencyCounts]int64
	for _, st := range stats {
		if st.lat.snapshot(&counts) == 0 {
			continue
		}
		h := classes[st.class]
		if h == nil {
			h = &classHistogram{buckets: make(map[float64]uint64, len(commandLatencyBuckets))}
			classes[st.class] = h
		}
		b := 0
		for i, n := range counts {
			if n == 0 {
				continue
			}
			hi := float64(latencyHighest(i)) / 1e9
			for b < len(commandLatencyBuckets) && commandLatencyBuckets[b] < hi {
				b++
			}
			h.count += uint64(n)
			h.sum += float64(n) * float64(latencyLowest(i)+latencyHighest(i)) / 2 / 1e9
			if b < len(commandLatencyBuckets) {
				h.buckets[commandLatencyBuckets[b]] += uint64(n)
			}
		}
	}
	for _, class := range commandClasses {
		h := classes[class]
		if h == nil {
			continue
		}
		var cum uint64
		for _, ub := range commandLatencyBuckets {
			cum += h.buckets[ub]
			h.buckets[ub] = cum
		}
		ch <- prometheus.MustNewConstHistogram(descCommandDuration, h.count, h.sum, h.buckets, class)
	}
}
