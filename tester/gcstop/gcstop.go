// Package gcstop measures how long work that runs beside garbage
// collections keeps their stop-the-world phases waiting: a goroutine in a
// stretch of code that cannot be preempted (one long memmove, an assembly
// checksum) holds every other goroutine of the process, already stopped,
// until it reaches a point where it can stop too.
package gcstop

import (
	"math"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// Longest runs work over and over (once at least) on a goroutine of its own while gcs
// calls of runtime.GC run, and returns the longest wait of a GC's
// stop-the-world for every goroutine to stop, from the runtime's
// /sched/pauses/stopping/gc histogram (so to its bucket's upper bound).
// Waits of other collections in the process in the meantime count too.
func Longest(gcs int, work func()) time.Duration {
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			work() // at least once
			if stop.Load() {
				return
			}
		}
	}()
	before := stops()
	for range gcs {
		runtime.GC()
	}
	stop.Store(true)
	<-done
	return longestNew(before, stops())
}

func stops() *metrics.Float64Histogram {
	s := []metrics.Sample{{Name: "/sched/pauses/stopping/gc:seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64Histogram()
}

// longestNew returns the upper bound of the highest bucket that gained a
// count between two readings (the lower bound for the last, unbounded one).
func longestNew(before, after *metrics.Float64Histogram) time.Duration {
	for i := len(after.Counts) - 1; i >= 0; i-- {
		if after.Counts[i] > before.Counts[i] {
			s := after.Buckets[i+1]
			if math.IsInf(s, 1) {
				s = after.Buckets[i]
			}
			return time.Duration(s * float64(time.Second))
		}
	}
	return 0
}
