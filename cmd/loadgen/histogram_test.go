package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBoundsContainValue(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := r.Uint64N(1 << valueBitsMax)
		i := bucketOf(v)
		if hi := bucketHigh(i); v > hi {
			t.Fatalf("value %d: bucket %d high %d below it", v, i, hi)
		}
		if i > 0 && v <= bucketHigh(i-1) {
			t.Fatalf("value %d: bucket %d, but previous bucket's high %d covers it", v, i, bucketHigh(i-1))
		}
		if hi := bucketHigh(i); float64(hi-v) > float64(v)/subBuckets {
			t.Fatalf("value %d: bucket high %d, relative error above 1/%d", v, hi, subBuckets)
		}
	}
	if got, want := bucketOf(1<<valueBitsMax+5), bucketCount-1; got != want {
		t.Errorf("bucketOf(huge) = %d, want %d (clamped)", got, want)
	}
}

func TestQuantileMatchesSortedSamples(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var h histogram
	var samples []time.Duration
	for range 50000 {
		// Log-normal-ish latencies from 10 µs to 100 ms.
		d := time.Duration(10000 * (1 + r.ExpFloat64()*r.ExpFloat64()*100))
		samples = append(samples, d)
		h.record(d)
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		exact := samples[int(q*float64(len(samples)))-1]
		got := h.quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/subBuckets*2 {
			t.Errorf("quantile(%v) = %v, want within 2/%d above %v", q, got, subBuckets, exact)
		}
	}
	if got, want := h.quantile(1), samples[len(samples)-1]; got != want {
		t.Errorf("quantile(1) = %v, want the maximum %v", got, want)
	}
}

func TestMerge(t *testing.T) {
	var a, b histogram
	a.record(time.Millisecond)
	b.record(3 * time.Millisecond)
	b.record(2 * time.Millisecond)
	a.merge(&b)
	if got, want := a.total, uint64(3); got != want {
		t.Errorf("total = %d, want %d", got, want)
	}
	if got, want := a.mean(), 2*time.Millisecond; got != want {
		t.Errorf("mean = %v, want %v", got, want)
	}
	if got, want := a.max, 3*time.Millisecond; got != want {
		t.Errorf("max = %v, want %v", got, want)
	}
	var empty histogram
	if got := empty.quantile(0.5); got != 0 {
		t.Errorf("empty quantile = %v, want 0", got)
	}
}
