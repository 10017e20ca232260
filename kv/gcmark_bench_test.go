package kv

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// BenchmarkMarkCost builds one structure of 10M elements and reports what a
// full GC cycle costs with it live, averaged over three cycles: the wall
// time of runtime.GC, the CPU the collector's mark workers and assists
// spent (runtime/metrics), and the heap after the build. (The test
// binary's own heap, a few MiB, is included.)
//
//	go test ./kv -run '^$' -bench MarkCost -benchtime 1x
func BenchmarkMarkCost(b *testing.B) {
	const n = 10_000_000
	gcCPU := func() float64 {
		s := []metrics.Sample{{Name: "/cpu/classes/gc/mark/assist:cpu-seconds"},
			{Name: "/cpu/classes/gc/mark/dedicated:cpu-seconds"},
			{Name: "/cpu/classes/gc/mark/idle:cpu-seconds"}}
		metrics.Read(s)
		return s[0].Value.Float64() + s[1].Value.Float64() + s[2].Value.Float64()
	}
	measure := func(b *testing.B, build func() any) {
		keep := build()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		c0 := gcCPU()
		t0 := time.Now()
		const rounds = 3
		for range rounds {
			runtime.GC()
		}
		b.ReportMetric(float64(time.Since(t0).Milliseconds())/rounds, "gc-wall-ms")
		b.ReportMetric((gcCPU()-c0)*1000/rounds, "mark-cpu-ms")
		b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MiB")
		runtime.KeepAlive(keep)
	}
	key := func(i int) string { return "key:" + strconv.Itoa(i) }
	b.Run("hash", func(b *testing.B) {
		measure(b, func() any {
			m := &omap[string]{}
			m.makeIndexed()
			for i := range n {
				m.add(key(i), "value:"+strconv.Itoa(i))
			}
			return m
		})
	})
	b.Run("zset", func(b *testing.B) {
		measure(b, func() any {
			z := newZSet(false)
			for i := range n {
				z.insert(key(i), float64(i%1000))
			}
			return z
		})
	})
	b.Run("keyspace", func(b *testing.B) {
		measure(b, func() any {
			d := newDict()
			for i := range n {
				d.add(&entry{key: key(i), str: []byte("value:" + strconv.Itoa(i))})
			}
			return d
		})
	})
}
