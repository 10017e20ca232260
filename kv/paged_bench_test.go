package kv

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkGrowStall measures what paged arrays are for: while one
// goroutine grows two arrays of strings to 10M elements (an omap's keys and
// values), another one wakes every 10 ms (as Raft's heartbeat goroutines
// do) and records how late it ran. "slice" grows plain slices with append,
// "paged" grows paged arrays. Reported: max-lag-ms (the longest delay of
// the ticker past its period) and the time to grow.
//
//	go test ./kv -run '^$' -bench GrowStall -benchtime 1x -cpu 2
func BenchmarkGrowStall(b *testing.B) {
	const n = 10_000_000
	run := func(b *testing.B, grow func(i int, k, v string)) {
		for range b.N {
			runtime.GC()
			var maxLag atomic.Int64
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				t := time.NewTicker(10 * time.Millisecond)
				defer t.Stop()
				last := time.Now()
				for {
					select {
					case now := <-t.C:
						if lag := int64(now.Sub(last) - 10*time.Millisecond); lag > maxLag.Load() {
							maxLag.Store(lag)
						}
						last = now
					case <-stop:
						return
					}
				}
			}()
			start := time.Now()
			for i := range n {
				grow(i, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
			}
			took := time.Since(start)
			close(stop)
			<-done
			b.ReportMetric(float64(maxLag.Load())/1e6, "max-lag-ms")
			b.ReportMetric(took.Seconds(), "grow-s")
		}
	}
	b.Run("slice", func(b *testing.B) {
		var keys, vals []string
		run(b, func(i int, k, v string) {
			if i == 0 {
				keys, vals = nil, nil
			}
			keys = append(keys, k)
			vals = append(vals, v)
		})
		runtime.KeepAlive(keys)
		runtime.KeepAlive(vals)
	})
	b.Run("paged", func(b *testing.B) {
		var keys, vals paged[string]
		run(b, func(i int, k, v string) {
			if i == 0 {
				keys, vals = paged[string]{}, paged[string]{}
			}
			keys.push(k)
			vals.push(v)
		})
		runtime.KeepAlive(&keys)
		runtime.KeepAlive(&vals)
	})
}
