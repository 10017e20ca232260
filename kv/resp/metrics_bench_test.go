package resp

import (
	"testing"

	"redraft/kv"
)

// BenchmarkCommandAccounting measures what the edge does per command for
// its statistics, from parallel connections: "counters" is INFO
// commandstats' two counters alone (what the edge did before metrics),
// "all" adds the latencystats histogram (which the Prometheus histograms
// per class are built from at scrape time) and the slow-log check
// (threshold not reached).
func BenchmarkCommandAccounting(b *testing.B) {
	s := New(localExec(), Config{})
	defer s.Close()
	spec := kv.Lookup([]byte("get"))
	args := [][]byte{[]byte("get"), []byte("key")}
	reply := []byte("$1\r\nv\r\n")
	b.Run("counters", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			c := &conn{srv: s}
			for pb.Next() {
				st := c.statFor(spec)
				st.calls.Add(1)
				st.usec.Add(12)
			}
		})
	})
	b.Run("all", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			c := &conn{srv: s}
			for pb.Next() {
				st := c.statFor(spec)
				c.countStat(st, reply, 12)
				c.trackLatency(st, spec, args, 12)
			}
		})
	})
}
