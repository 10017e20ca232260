package replication

import (
	"fmt"
	"os"
	"testing"

	"github.com/hashicorp/raft"
)

// benchEntryBytes is the payload of a benchmark entry: about one small
// SET as the proposer encodes it.
const benchEntryBytes = 100

// benchLogs returns n entries from index first on.
func benchLogs(first uint64, n int) []*raft.Log {
	data := make([]byte, benchEntryBytes)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	out := make([]*raft.Log, n)
	for i := range out {
		out[i] = &raft.Log{Index: first + uint64(i), Term: 1, Type: raft.LogCommand, Data: data}
	}
	return out
}

// BenchmarkLogStoreStoreLogs measures one durable append (StoreLogs with
// fsync) of 1 or 64 entries of ~100 bytes on each log store, in a
// directory under $TMPDIR (the same disk as the data directories here).
//
//	go test ./replication -run '^$' -bench 'LogStoreStoreLogs' -benchtime 2000x
func BenchmarkLogStoreStoreLogs(b *testing.B) {
	for _, kind := range []LogStoreKind{LogStoreBolt, LogStoreWAL} {
		for _, batch := range []int{1, 64} {
			b.Run(fmt.Sprintf("%s/batch=%d", kind, batch), func(b *testing.B) {
				logs, _, c, _, err := openLogStore(b.TempDir(), logStoreOptions{kind: kind, logOut: os.Stderr})
				if err != nil {
					b.Fatal(err)
				}
				defer c.Close()
				next := uint64(1)
				b.SetBytes(int64(batch * benchEntryBytes))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					lb := benchLogs(next, batch)
					if err := logs.StoreLogs(lb); err != nil {
						b.Fatal(err)
					}
					next += uint64(batch)
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}

// BenchmarkLogStoreRecover measures what a restarted node asks of its log
// store before raft runs: open the store holding n entries of ~100 bytes
// (written in batches of 64, as after a kill -9) and read every entry
// (raft's NewRaft scans the log after the snapshot for configuration
// entries; the FSM then applies them).
//
//	go test ./replication -run '^$' -bench 'LogStoreRecover' -benchtime 3x
func BenchmarkLogStoreRecover(b *testing.B) {
	for _, kind := range []LogStoreKind{LogStoreBolt, LogStoreWAL} {
		for _, n := range []int{100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/entries=%d", kind, n), func(b *testing.B) {
				dir := b.TempDir()
				logs, _, c, _, err := openLogStore(dir, logStoreOptions{kind: kind, noSync: true, logOut: os.Stderr})
				if err != nil {
					b.Fatal(err)
				}
				for next := 1; next <= n; next += 64 {
					if err := logs.StoreLogs(benchLogs(uint64(next), min(64, n-next+1))); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					logs, _, c, _, err := openLogStore(dir, logStoreOptions{kind: kind, logOut: os.Stderr})
					if err != nil {
						b.Fatal(err)
					}
					first, _ := logs.FirstIndex()
					last, _ := logs.LastIndex()
					if first != 1 || last != uint64(n) {
						b.Fatalf("log %d-%d, want 1-%d", first, last, n)
					}
					var l raft.Log
					for idx := first; idx <= last; idx++ {
						if err := logs.GetLog(idx, &l); err != nil {
							b.Fatal(err)
						}
					}
					c.Close()
				}
			})
		}
	}
}
