package replication

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// BenchmarkClusterSetAuth is BenchmarkClusterSet (three durable nodes, 50
// clients writing through the leader, MaxInflight 1) with the Raft ports
// unauthenticated, under mutual TLS and under the shared secret: the cost
// of authenticated, encrypted replication.
//
//	go test ./replication -run '^$' -bench BenchmarkClusterSetAuth -benchtime 20000x
func BenchmarkClusterSetAuth(b *testing.B) {
	for _, mode := range []string{"none", "tls", "secret"} {
		b.Run(mode, func(b *testing.B) {
			var c *cluster
			if mode == "none" {
				c = startClusterWith(b, 3, true, nil)
			} else {
				c, _ = startAuthRESPCluster(b, clusterAuths(b, mode, 3), func(cfg *Config) { cfg.DataDir = b.TempDir() })
			}
			l := c.leader()
			const clients = 50
			var next, refused atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for i := 0; i < clients; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						// On a loaded machine leadership can move: a SET
						// that is refused or has an unknown outcome is
						// counted, not retried (the rate counts them too).
						if got := do(l, "SET", fmt.Sprint("k", n%1000), "v"); !strings.HasPrefix(got, "+OK") {
							if !strings.HasPrefix(got, "-UNCERTAIN") && !strings.HasPrefix(got, "-CLUSTERDOWN") && !strings.HasPrefix(got, "-NOTLEADER") {
								b.Errorf("SET: %q", got)
								return
							}
							refused.Add(1)
						}
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sets/s")
			b.ReportMetric(float64(refused.Load()), "not-ok")
		})
	}
}
