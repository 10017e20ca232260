// Package latency summarises the latencies of a history's operations as
// quantiles, the same way for both test runners (tester/linkv and
// tester/jepsen) and their plots: the p-quantile of n sorted values is the
// value at index floor(p*(n-1)), no interpolation.
package latency

import (
	"cmp"
	"slices"
	"time"
)

// Quantiles are the quantiles of some operations' latencies (the runners
// take ok operations). The JSON names carry the unit; each report picks
// the fields its results.json shows.
type Quantiles struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50-ns"`
	P90   time.Duration `json:"p90-ns"`
	P95   time.Duration `json:"p95-ns"`
	P99   time.Duration `json:"p99-ns"`
	Max   time.Duration `json:"max-ns"`
}

// Of computes the quantiles of ds, which it sorts in place. No latencies
// give zero quantiles with Count 0.
func Of(ds []time.Duration) Quantiles {
	q := Quantiles{Count: len(ds)}
	if len(ds) == 0 {
		return q
	}
	slices.Sort(ds)
	q.P50, q.P90, q.P95, q.P99, q.Max = At(ds, 0.5), At(ds, 0.9), At(ds, 0.95), At(ds, 0.99), ds[len(ds)-1]
	return q
}

// At is the p-quantile (0 <= p <= 1) of sorted, which must not be empty:
// the value at index floor(p*(len-1)).
func At[T cmp.Ordered](sorted []T, p float64) T {
	return sorted[int(p*float64(len(sorted)-1))]
}
