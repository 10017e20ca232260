package gcstop

import (
	"math"
	"runtime/metrics"
	"testing"
	"time"
)

// TestLongestNew: the highest bucket that gained a count, by its upper
// bound (its lower one for the unbounded last bucket); none gained, 0.
func TestLongestNew(t *testing.T) {
	h := func(counts ...uint64) *metrics.Float64Histogram {
		return &metrics.Float64Histogram{Counts: counts, Buckets: []float64{0, 0.001, 0.01, 0.1, math.Inf(1)}}
	}
	for _, tc := range []struct {
		before, after *metrics.Float64Histogram
		want          time.Duration
	}{
		{h(1, 2, 3, 0), h(1, 2, 3, 0), 0},
		{h(1, 2, 3, 0), h(5, 2, 3, 0), time.Millisecond},
		{h(1, 2, 3, 0), h(5, 2, 4, 0), 100 * time.Millisecond},
		{h(1, 2, 3, 0), h(1, 3, 3, 1), 100 * time.Millisecond},
	} {
		if got := longestNew(tc.before, tc.after); got != tc.want {
			t.Errorf("%v -> %v: %v, want %v", tc.before.Counts, tc.after.Counts, got, tc.want)
		}
	}
}

// TestLongestCounts: every collection stops the world once at least, so
// the runtime's histogram gains a count and Longest reports a wait.
func TestLongestCounts(t *testing.T) {
	n := 0
	if got := Longest(2, func() { n++; time.Sleep(time.Millisecond) }); got <= 0 {
		t.Errorf("two GCs: longest stop wait %v, want > 0", got)
	}
	if n == 0 {
		t.Error("work never ran")
	}
}
