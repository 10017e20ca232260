package replication

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkClusterSet measures acknowledged SETs/s through the leader of a
// three-node cluster over loopback TCP with durable (fsynced) bolt stores,
// from 50 concurrent clients with one command in flight each, for several
// group-commit windows (Config.MaxInflight).
//
//	go test ./replication -run '^$' -bench ClusterSet -benchtime 20000x
func BenchmarkClusterSet(b *testing.B) {
	for _, inflight := range []int{1, 2, 4, 16} {
		b.Run(fmt.Sprintf("inflight=%d", inflight), func(b *testing.B) {
			c := startClusterWith(b, 3, true, func(cfg *Config) { cfg.MaxInflight = inflight })
			l := c.leader()
			const clients = 50
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			before := l.raft.LastIndex()
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						if got := do(l, "SET", fmt.Sprint("k", n%1000), "v"); !strings.HasPrefix(got, "+OK") {
							b.Errorf("SET: %q", got)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sets/s")
			b.ReportMetric(float64(b.N)/float64(l.raft.LastIndex()-before), "cmds/entry")
		})
	}
}
