package main

import (
	"math/bits"
	"time"
)

// Histogram layout: values (nanoseconds) below 2^subBucketBits are counted
// exactly; above, each power of two is split into subBuckets linear
// sub-buckets, so a bucket's width is under 1/subBuckets of its values.
const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits
	// valueBitsMax caps recorded values at 2^valueBitsMax ns (about 18
	// minutes), far above any per-operation timeout; larger values are
	// clamped into the last bucket (the exact maximum is kept apart).
	valueBitsMax = 40
	bucketCount  = (valueBitsMax - subBucketBits + 1) * subBuckets
)

// histogram is a fixed-size log-linear latency histogram. Not safe for
// concurrent use: each worker owns one and they are merged at the end.
type histogram struct {
	counts [bucketCount]uint64
	total  uint64
	sum    time.Duration
	max    time.Duration
}

// bucketOf maps a value to its bucket index.
func bucketOf(v uint64) int {
	if v >= 1<<valueBitsMax {
		v = 1<<valueBitsMax - 1
	}
	if v < subBuckets {
		return int(v)
	}
	shift := bits.Len64(v) - subBucketBits - 1 // v>>shift is in [subBuckets, 2*subBuckets)
	return (shift+1)*subBuckets + int(v>>shift) - subBuckets
}

// bucketHigh is the largest value that maps to bucket i.
func bucketHigh(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	shift := i/subBuckets - 1
	low := uint64(i%subBuckets+subBuckets) << shift
	return low + 1<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.total++
	h.sum += d
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the upper bound of the bucket holding the q-quantile
// (0 < q <= 1), never more than the exact maximum; 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	rank = min(max(rank, 1), h.total)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketHigh(i)), h.max)
		}
	}
	panic("histogram: counts do not add up to total")
}

func (h *histogram) mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return h.sum / time.Duration(h.total)
}
