package latency

import (
	"testing"
	"time"
)

func TestOf(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // reversed: Of sorts
	}
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want Quantiles
	}{
		{"none", nil, Quantiles{}},
		{"one", ms(7), Quantiles{Count: 1, P50: 7e6, P90: 7e6, P95: 7e6, P99: 7e6, Max: 7e6}},
		{"floor index", ms(4, 1, 3, 2), Quantiles{Count: 4, P50: 2e6, P90: 3e6, P95: 3e6, P99: 3e6, Max: 4e6}},
		{"1..100", ms(hundred...), Quantiles{Count: 100, P50: 50e6, P90: 90e6, P95: 95e6, P99: 99e6, Max: 100e6}},
	} {
		if got := Of(tc.in); got != tc.want {
			t.Errorf("%s: Of = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestAt(t *testing.T) {
	vs := []float64{1, 2, 3, 4, 5}
	for p, want := range map[float64]float64{0: 1, 0.5: 3, 0.74: 3, 0.75: 4, 0.99: 4, 1: 5} {
		if got := At(vs, p); got != want {
			t.Errorf("At(%v) = %v, want %v", p, got, want)
		}
	}
}
