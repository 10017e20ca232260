package kv

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkGrowPause adds 10M elements one at a time, as the apply
// goroutine does for SETs or for a ZADD per member, and reports the
// longest single add (max-add-ms: a resize that rehashes at once pays for
// the whole table in one add), the number of adds over 1 ms, and the
// average cost of an add. "keyspace" adds entries to the keyspace table
// (dict.go), "zset" adds members to one sorted set (skiplist and member
// index, skiplist.go), "hash" adds fields to an indexed omap (a big hash
// or set, omap.go). Keys are built before the clock starts.
//
//	go test ./kv -run '^$' -bench GrowPause -benchtime 1x
func BenchmarkGrowPause(b *testing.B) {
	const n = 10_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	run := func(b *testing.B, start func(), add func(i int)) {
		for range b.N {
			b.StopTimer()
			start()
			runtime.GC()
			b.StartTimer()
			reportPauses(b, "add", n, add)
		}
	}
	b.Run("keyspace", func(b *testing.B) {
		var d *dict
		es := make([]entry, n)
		run(b, func() {
			d = newDict()
			for i := range es {
				es[i] = entry{key: keys[i]}
			}
		}, func(i int) { d.add(&es[i]) })
	})
	b.Run("hash", func(b *testing.B) {
		var m *omap[string]
		run(b, func() { m = &omap[string]{}; m.makeIndexed() }, func(i int) { m.add(keys[i], "v") })
	})
	b.Run("zset", func(b *testing.B) {
		var z *ZSet
		run(b, func() { z = newZSet(false) }, func(i int) { z.insert(keys[i], float64(i%1000)) })
	})
}

// BenchmarkShrinkPause builds a 10M-field indexed omap (a big hash or set),
// then removes 90% of its fields one at a time in a seeded random order, as
// the apply goroutine does for an HDEL per field, and reports the longest
// single remove (max-remove-ms: a compaction of the tombstones done at once
// pays for the whole collection in one remove), the number of removes over
// 1 ms, and the average cost of a remove. Only the removes are timed.
//
//	go test ./kv -run '^$' -bench ShrinkPause -benchtime 1x
func BenchmarkShrinkPause(b *testing.B) {
	const n = 10_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "key:" + strconv.Itoa(i)
	}
	order := rand.New(rand.NewPCG(1, 2)).Perm(n)[:n/10*9]
	for range b.N {
		b.StopTimer()
		m := &omap[string]{}
		m.makeIndexed()
		for _, k := range keys {
			m.add(k, "v")
		}
		runtime.GC()
		b.StartTimer()
		reportPauses(b, "remove", len(order), func(i int) { m.remove(keys[order[i]]) })
	}
}

// reportPauses runs op(0) .. op(n-1), timing each, and reports the longest
// (max-<name>-ms), how many took over 1 ms (<name>s>1ms) and the mean
// (ns/<name>).
func reportPauses(b *testing.B, name string, n int, op func(i int)) {
	var longest time.Duration
	slow := 0
	t0 := time.Now()
	for i := range n {
		t := time.Now()
		op(i)
		dt := time.Since(t)
		longest = max(longest, dt)
		if dt > time.Millisecond {
			slow++
		}
	}
	took := time.Since(t0)
	b.ReportMetric(float64(longest.Microseconds())/1000, "max-"+name+"-ms")
	b.ReportMetric(float64(slow), name+"s>1ms")
	b.ReportMetric(float64(took.Nanoseconds())/float64(n), "ns/"+name)
}
