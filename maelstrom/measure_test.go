package maelstrom

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"redraft/replication"
)

// TestMeasureTiming reports messages per operation and ok-latency
// percentiles at about 100 ops/s on 3 nodes without faults, for several
// heartbeat timeouts (election, lease and RPC deadline follow it: see
// Timing.withDefaults), with heartbeats held (hold.go) and without. It only runs with REDRAFT_MEASURE=1 (it takes ~10 s
// per setting); REDRAFT_READS picks the read consistency:
//
//	REDRAFT_MEASURE=1 [REDRAFT_READS=lease] go test ./maelstrom -run TestMeasureTiming -v
func TestMeasureTiming(t *testing.T) {
	if os.Getenv("REDRAFT_MEASURE") == "" {
		t.Skip("set REDRAFT_MEASURE=1 to measure")
	}
	var reads replication.ReadConsistency
	if v := os.Getenv(EnvReads); v != "" {
		reads, _ = replication.ParseReadConsistency(v)
	}
	for _, hb := range []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
		for _, hold := range []time.Duration{0, -1} {
			t.Run(fmt.Sprintf("heartbeat=%v/hold=%v", hb, hold >= 0), func(t *testing.T) {
				s := newSimnet(t, 3, 1, func(string) Options {
					return Options{DataDir: MemoryDataDir, Timing: Timing{Heartbeat: hb, HeartbeatHold: hold}, ReadConsistency: reads}
				})
				s.startAll()
				s.leader(10 * time.Second)
				time.Sleep(500 * time.Millisecond)
				n0, c0 := s.nodeMsgs.Load(), s.clientMsgs.Load()
				var mu sync.Mutex
				var lat []time.Duration
				ops, answered := 0, 0
				var wg sync.WaitGroup
				end := time.Now().Add(8 * time.Second)
				for th := 0; th < 6; th++ {
					wg.Add(1)
					go func(th int) {
						defer wg.Done()
						rng := rand.New(rand.NewPCG(uint64(th), 7))
						c := s.client(fmt.Sprint("c", 100+th))
						for time.Now().Before(end) {
							time.Sleep(time.Duration(rng.IntN(120)) * time.Millisecond)
							body := map[string]any{"type": "read", "key": rng.IntN(3)}
							if th >= 3 {
								if rng.IntN(3) == 0 {
									body = map[string]any{"type": "write", "key": rng.IntN(3), "value": rng.IntN(5)}
								} else {
									body = map[string]any{"type": "cas", "key": rng.IntN(3), "from": rng.IntN(5), "to": rng.IntN(5)}
								}
							}
							start := time.Now()
							r := c.call(s.ids[th%3], body, clientTimeout)
							d := time.Since(start)
							code := replyCode(r)
							mu.Lock()
							ops++
							if code == 0 {
								lat = append(lat, d)
							}
							if code == 0 || code == codeNoKey || code == codePrecondition {
								answered++
							}
							mu.Unlock()
						}
					}(th)
				}
				wg.Wait()
				msgs := (s.nodeMsgs.Load() - n0) + 2*(s.clientMsgs.Load()-c0)
				sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
				pct := func(p float64) time.Duration {
					if len(lat) == 0 {
						return 0
					}
					return lat[int(p*float64(len(lat)-1))]
				}
				t.Logf("%d ops (%.0f/s), answered %.3f, msgs/op %.2f, ok latency p50 %v p99 %v",
					ops, float64(ops)/8, float64(answered)/float64(ops), float64(msgs)/float64(ops), pct(0.5), pct(0.99))
			})
		}
	}
}
