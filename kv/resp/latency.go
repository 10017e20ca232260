package resp

import (
	"math"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Per-command latency distributions for INFO latencystats, kept as Redis
// 7.0 keeps them: a histogram of nanoseconds from 1 ns to 1 s with two
// significant digits (HdrHistogram's layout: 256 sub-buckets per power of
// two, half of them shared with the power below), percentiles reported
// as the highest value equivalent to the bucket they fall in, in
// microseconds with three decimals. Commands are timed in microseconds, as
// Redis times them, so a command of 1 us reports p50=1.003.

const (
	// latencyMinNs and latencyMaxNs clamp recorded values (Redis's
	// LATENCY_HISTOGRAM_MIN_VALUE and LATENCY_HISTOGRAM_MAX_VALUE).
	latencyMinNs = 1
	latencyMaxNs = 1_000_000_000
	// latencySubBucketBits: 2 significant digits need 2*10^2 = 200 distinct
	// values per bucket, rounded up to a power of two (256).
	latencySubBucketBits = 8
	latencySubBucketHalf = 1 << (latencySubBucketBits - 1)
	// latencyBuckets: powers of two until 256<<(n-1) passes latencyMaxNs.
	latencyBuckets = 23
	latencyCounts  = (latencyBuckets + 1) * latencySubBucketHalf
)

func init() {
	// latency-tracking replaces the stored parameter of config_stored.go:
	// every command reads it.
	configParams = append(configParams, configParam{name: "latency-tracking-info-percentiles", get: getPercentiles, parse: parsePercentiles})
	sort.Slice(configParams, func(i, j int) bool { return configParams[i].name < configParams[j].name })
	for i := range configParams {
		if p := &configParams[i]; p.name == "latency-tracking" {
			p.get = func(s *Server) string {
				if s.latencyTracking() {
					return "yes"
				}
				return "no"
			}
			p.parse = func(s *Server, v string) (func(), string) {
				norm, errText := boolParam(v)
				return func() { s.cmdStats.latencyOff.Store(norm == "no") }, errText
			}
		}
	}
}

// latencyTracking reports whether commands' latencies are recorded
// (CONFIG SET latency-tracking).
func (s *Server) latencyTracking() bool { return !s.cmdStats.latencyOff.Load() }

// defaultLatencyPercentiles are Redis's default
// latency-tracking-info-percentiles.
var defaultLatencyPercentiles = []float64{50, 99, 99.9}

// latencyPercentiles returns the percentiles INFO latencystats reports.
func (s *Server) latencyPercentiles() []float64 {
	if p := s.cmdStats.percentiles.Load(); p != nil {
		return *p
	}
	return defaultLatencyPercentiles
}

// formatPercentile renders a percentile as Redis does ("%f", trailing
// zeros and point trimmed): 50, 99.9.
func formatPercentile(p float64) string {
	s := strconv.FormatFloat(p, 'f', 6, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// parsePercentiles is latency-tracking-info-percentiles' CONFIG SET: a
// space-separated list of doubles in [0, 100], "" for none.
func parsePercentiles(s *Server, v string) (func(), string) {
	var ps []float64
	for _, f := range strings.Fields(v) {
		p, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(p) {
			return nil, "Invalid latency-tracking-info-percentiles parameters"
		}
		if p > 100 || p < 0 {
			return nil, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
		}
		ps = append(ps, p)
	}
	return func() { s.cmdStats.percentiles.Store(&ps) }, ""
}

func getPercentiles(s *Server) string {
	var out []string
	for _, p := range s.latencyPercentiles() {
		out = append(out, formatPercentile(p))
	}
	return strings.Join(out, " ")
}

// latencyHist is one command's histogram. Safe for concurrent use.
type latencyHist struct {
	counts [latencyCounts]atomic.Int64
}

// latencyIndex returns the counts index of v (in [latencyMinNs, latencyMaxNs]).
func latencyIndex(v int64) int {
	bucket := bits.Len64(uint64(v)|(1<<latencySubBucketBits-1)) - latencySubBucketBits
	sub := int(v >> bucket)
	return (bucket+1)<<(latencySubBucketBits-1) + sub - latencySubBucketHalf
}

// latencyHighest returns the highest value equivalent to counts index i.
func latencyHighest(i int) int64 {
	bucket := i>>(latencySubBucketBits-1) - 1
	sub := int64(i&(latencySubBucketHalf-1)) + latencySubBucketHalf
	if bucket < 0 {
		sub -= latencySubBucketHalf
		bucket = 0
	}
	return sub<<bucket + 1<<bucket - 1
}

// record adds one command that took usec microseconds.
func (h *latencyHist) record(usec int64) {
	ns := min(max(usec*1000, latencyMinNs), latencyMaxNs)
	h.counts[latencyIndex(ns)].Add(1)
}

func (h *latencyHist) reset() {
	for i := range h.counts {
		h.counts[i].Store(0)
	}
}

// snapshot copies the counts and returns their total.
func (h *latencyHist) snapshot(out *[latencyCounts]int64) int64 {
	var total int64
	for i := range h.counts {
		out[i] = h.counts[i].Load()
		total += out[i]
	}
	return total
}

// valueAt returns the value (ns) at percentile p of counts, as
// hdr_value_at_percentile (the lowest equivalent value for p = 0).
func valueAt(counts *[latencyCounts]int64, total int64, p float64) int64 {
	want := int64(p/100*float64(total) + 0.5)
	want = max(want, 1)
	var seen int64
	for i := range counts {
		seen += counts[i]
		if seen >= want {
			if p == 0 {
				return latencyLowest(i)
			}
			return latencyHighest(i)
		}
	}
	return 0
}

// latencyLowest returns the lowest value equivalent to counts index i.
func latencyLowest(i int) int64 {
	bucket := i>>(latencySubBucketBits-1) - 1
	sub := int64(i&(latencySubBucketHalf-1)) + latencySubBucketHalf
	if bucket < 0 {
		sub -= latencySubBucketHalf
		bucket = 0
	}
	return sub << bucket
}

// field renders the histogram as INFO latencystats' value at the
// percentiles ps: "p50=1.003,p99=2.007,p99.9=3.007". It reports false for
// an empty one.
func (h *latencyHist) field(ps []float64) (string, bool) {
	var counts [latencyCounts]int64
	total := h.snapshot(&counts)
	if total == 0 {
		return "", false
	}
	var b []byte
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, 'p')
		b = append(b, formatPercentile(p)...)
		b = append(b, '=')
		b = strconv.AppendFloat(b, float64(valueAt(&counts, total, p))/1000, 'f', 3, 64)
	}
	return string(b), true
}

// latencyFields renders INFO latencystats, sorted by command name.
func (s *cmdStats) latencyFields(ps []float64) [][2]string {
	names, stats := s.sorted()
	var out [][2]string
	for i, n := range names {
		if v, ok := stats[i].lat.field(ps); ok {
			out = append(out, [2]string{"latency_percentiles_usec_" + n, v})
		}
	}
	return out
}
