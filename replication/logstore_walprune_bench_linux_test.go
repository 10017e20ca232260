package replication

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// BenchmarkAppendDuringCompaction: raft's log compaction after a snapshot
// (DeleteRange of a prefix, on raft's snapshot goroutine) beside appends
// (on raft's main goroutine, which on a follower also answers the
// leader's heartbeats). A WAL of segs full segments of the default 64 MiB
// (entries of 4 KiB, written without fsync), then one goroutine appends
// single entries with fsync while DeleteRange drops every segment but the
// last two; it reports the longest append that overlapped the truncation
// (max-append-ms), the truncation's own time (truncate-ms) and how long
// until the dropped files were gone (files-gone-ms). "inline": raft-wal
// removes the files under its write lock; "pruner": the segmentPruner
// removes them on its own goroutine.
//
//	go test ./replication -run '^$' -bench AppendDuringCompaction -benchtime 3x
func BenchmarkAppendDuringCompaction(b *testing.B) {
	const segs, entryBytes = 8, 4 << 10
	perSeg := (64 << 20) / (entryBytes + 16)
	data := make([]byte, entryBytes)
	for _, inline := range []bool{true, false} {
		name := map[bool]string{true: "inline", false: "pruner"}[inline]
		b.Run(name, func(b *testing.B) {
			var maxAppend, truncate, gone time.Duration
			for range b.N {
				b.StopTimer()
				dir := b.TempDir()
				o := logStoreOptions{kind: LogStoreWAL, logOut: os.Stderr, walDeleteInline: inline}
				o.noSync = true
				logs, _, c, _, err := openLogStore(dir, o)
				if err != nil {
					b.Fatal(err)
				}
				next := uint64(1)
				for next <= uint64(segs*perSeg) {
					batch := make([]*raft.Log, 512)
					for i := range batch {
						batch[i] = &raft.Log{Index: next, Term: 1, Type: raft.LogCommand, Data: data}
						next++
					}
					if err := logs.StoreLogs(batch); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
				syscall.Sync() // on disk, as segments written with fsync would be
				o.noSync = false
				if logs, _, c, _, err = openLogStore(dir, o); err != nil {
					b.Fatal(err)
				}
				files := func() int {
					m, _ := filepath.Glob(filepath.Join(dir, walDir, "*.wal"))
					return len(m)
				}
				before := files()
				b.StartTimer()
				stop := make(chan struct{})
				appended := make(chan time.Duration)
				var trStart, trEnd atomic.Int64 // Unix ns, 0 until then
				go func() {
					var longest time.Duration
					for i := next; ; i++ {
						select {
						case <-stop:
							appended <- longest
							return
						default:
						}
						t0 := time.Now()
						if err := logs.StoreLogs([]*raft.Log{{Index: i, Term: 1, Type: raft.LogCommand, Data: data[:100]}}); err != nil {
							b.Error(err)
						}
						t1 := time.Now()
						s, e := trStart.Load(), trEnd.Load()
						if s != 0 && t1.UnixNano() > s && (e == 0 || t0.UnixNano() < e) {
							longest = max(longest, t1.Sub(t0))
						}
					}
				}()
				time.Sleep(50 * time.Millisecond)
				first, _ := logs.FirstIndex()
				t0 := time.Now()
				trStart.Store(t0.UnixNano())
				if err := logs.DeleteRange(first, uint64((segs-2)*perSeg)); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				trEnd.Store(t1.UnixNano())
				for files() > before-segs+3 && time.Since(t1) < 30*time.Second {
					time.Sleep(time.Millisecond)
				}
				filesGone := time.Since(t0)
				time.Sleep(50 * time.Millisecond)
				close(stop)
				maxAppend = max(maxAppend, <-appended)
				truncate = max(truncate, t1.Sub(t0))
				gone = max(gone, filesGone)
				b.StopTimer()
				c.Close()
			}
			b.ReportMetric(float64(maxAppend.Microseconds())/1000, "max-append-ms")
			b.ReportMetric(float64(truncate.Microseconds())/1000, "truncate-ms")
			b.ReportMetric(float64(gone.Microseconds())/1000, "files-gone-ms")
		})
	}
}
