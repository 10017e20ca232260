package replication

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/replication/snapshot"
	"redraft/replication/snapshot/objstore"
)

// BenchmarkFSMSnapshot measures the node's real snapshot path on
// -replication.benchkeys string keys "key:%012d" with 64-byte values:
//
//   - write: FSM.Snapshot (the cut, on the apply goroutine) then Persist,
//     which streams the machine into a store's sink, durably (both stores
//     fsync); serialise-ms is the cut, persist-MB/s includes the encoding;
//   - restore: Open on the store, then FSM.Restore into an empty FSM
//     (page cache warm, as after a write; every checksum verified).
//
// Stores: segments-dir is the node's store (replication/snapshot on
// objstore.Dir, default options, segment read-back on), segments-dir-noreadback
// skips the read-back, raft-file is hashicorp/raft's FileSnapshotStore. MB/s
// counts snapshot stream bytes; open+restore times exclude FSM
// serialisation (persist-MB/s now includes it: Persist encodes the
// machine as it streams). peak-heap-MiB is the highest HeapInuse sampled every
// millisecond during the operation; extra-heap-MiB is that minus HeapInuse
// before it (after a GC): for a write, what the snapshot holds on top of
// the state; for a restore, the restored state (state-heap-MiB, after a
// GC) plus what the restore holds on top of it. scripts/bench-snapshot.sh runs each case in its own process under
// /usr/bin/time -v (max RSS) and summarises three rounds.
//
//	go test ./replication -run '^$' -bench 'FSMSnapshot' -benchtime 1x
func BenchmarkFSMSnapshot(b *testing.B) {
	keys := *flagBenchKeys
	for _, st := range fsmBenchStores() {
		b.Run(fmt.Sprintf("write/%s/%dkeys", st.name, keys), func(b *testing.B) {
			f := benchFSM(b, keys)
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
				s := st.open(b, dir)
				runtime.GC()
				peak := startHeapPeak()
				b.StartTimer()
				t0 := time.Now()
				snap, err := f.Snapshot()
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				inner, err := s.Create(1, 100, 1, benchConf, 1, benchTrans)
				if err != nil {
					b.Fatal(err)
				}
				sink := &countSink{SnapshotSink: inner}
				if err := snap.Persist(sink); err != nil {
					b.Fatal(err)
				}
				snap.Release()
				t2 := time.Now()
				size := sink.n
				b.StopTimer()
				base, top := peak.stop()
				b.SetBytes(size)
				b.ReportMetric(float64(size)/1e6/t2.Sub(t1).Seconds(), "persist-MB/s")
				b.ReportMetric(t1.Sub(t0).Seconds()*1e3, "serialise-ms")
				b.ReportMetric(float64(size)/(1<<20), "snapshot-MiB")
				reportHeap(b, base, top)
				if c, ok := s.(io.Closer); ok {
					c.Close()
				}
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
	for _, st := range fsmBenchStores() {
		if st.name == "segments-dir-noreadback" {
			continue // the read path is segments-dir's
		}
		b.Run(fmt.Sprintf("restore/%s/%dkeys", st.name, keys), func(b *testing.B) {
			dir := b.TempDir()
			if *flagBenchDir != "" {
				dir = filepath.Join(*flagBenchDir, fmt.Sprintf("%s-%d", st.name, keys))
			}
			s := st.open(b, dir)
			id := benchSnapshot(b, s, keys)
			for b.Loop() {
				b.StopTimer()
				into := newFSM("bench")
				runtime.GC()
				peak := startHeapPeak()
				b.StartTimer()
				meta, rc, err := s.Open(id)
				if err != nil {
					b.Fatal(err)
				}
				if err := into.Restore(rc); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				base, top := peak.stop()
				b.SetBytes(meta.Size)
				reportHeap(b, base, top)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				b.ReportMetric(float64(ms.HeapInuse-base)/(1<<20), "state-heap-MiB")
				if got := into.m.Len(); got != keys {
					b.Fatalf("restored %d keys, want %d", got, keys)
				}
				b.StartTimer()
			}
		})
	}
}

// countSink counts the bytes written through it.
type countSink struct {
	raft.SnapshotSink
	n int64
}

func (s *countSink) Write(p []byte) (int, error) {
	n, err := s.SnapshotSink.Write(p)
	s.n += int64(n)
	return n, err
}

// benchSnapshot returns the ID of the newest snapshot in s, first writing
// one of an FSM of keys keys if s holds none.
func benchSnapshot(b *testing.B, s raft.SnapshotStore, keys int) string {
	b.Helper()
	if list, err := s.List(); err != nil {
		b.Fatal(err)
	} else if len(list) > 0 {
		return list[0].ID
	}
	snap, err := benchFSM(b, keys).Snapshot()
	if err != nil {
		b.Fatal(err)
	}
	sink, err := s.Create(1, 100, 1, benchConf, 1, benchTrans)
	if err != nil {
		b.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		b.Fatal(err)
	}
	return sink.ID()
}

var flagBenchDir = flag.String("replication.benchdir", "", "BenchmarkFSMSnapshot: keep the restore cases' snapshots in DIR/<store>-<keys> and reuse them (so that a process measuring a restore did not build the state first)")

var flagBenchKeys = flag.Int("replication.benchkeys", 1_000_000, "BenchmarkFSMSnapshot: keys in the state machine")

// benchValueBytes is the value size of BenchmarkFSMSnapshot's keys (as
// scripts/bench-memory.sh).
const benchValueBytes = 64

var (
	benchConf     = raft.Configuration{Servers: []raft.Server{{Suffrage: raft.Voter, ID: "bench", Address: "127.0.0.1:1"}}}
	_, benchTrans = raft.NewInmemTransport("bench")
)

// benchFSM returns an FSM holding keys keys "key:%012d" = 64 bytes.
func benchFSM(b *testing.B, keys int) *FSM {
	b.Helper()
	f := newFSM("bench")
	w := kv.NewWriter(nil, 2)
	val := make([]byte, benchValueBytes)
	for i := 0; i < keys; i++ {
		copy(val, fmt.Sprintf("val:%060d", i))
		w.Reset()
		f.m.Exec(&kv.Cmd{Args: [][]byte{[]byte("SET"), fmt.Appendf(nil, "key:%012d", i), val}, Proto: 2}, w)
	}
	if got := f.m.Len(); got != keys {
		b.Fatalf("FSM holds %d keys, want %d", got, keys)
	}
	return f
}

type fsmBenchStore struct {
	name string
	open func(b *testing.B, dir string) raft.SnapshotStore
}

func fsmBenchStores() []fsmBenchStore {
	seg := func(skipReadBack bool) func(*testing.B, string) raft.SnapshotStore {
		return func(b *testing.B, dir string) raft.SnapshotStore {
			d, err := objstore.OpenDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			s, err := snapshot.New(d, snapshot.Options{Prefix: "bench.", Retain: snapshotsRetained, SkipSegmentReadBack: skipReadBack, ManualGC: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}
	}
	return []fsmBenchStore{
		{"segments-dir", seg(false)},
		{"segments-dir-noreadback", seg(true)},
		{"raft-file", func(b *testing.B, dir string) raft.SnapshotStore {
			s, err := raft.NewFileSnapshotStore(dir, snapshotsRetained, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
}

// heapSampleEvery is how often heapPeak samples HeapInuse.
const heapSampleEvery = time.Millisecond

// heapPeak samples runtime.MemStats.HeapInuse until stopped.
type heapPeak struct {
	base uint64
	done chan struct{}
	wg   sync.WaitGroup
	top  uint64
}

func startHeapPeak() *heapPeak {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p := &heapPeak{base: ms.HeapInuse, top: ms.HeapInuse, done: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(heapSampleEvery)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			p.top = max(p.top, ms.HeapInuse)
			select {
			case <-t.C:
			case <-p.done:
				return
			}
		}
	}()
	return p
}

// stop ends sampling (with a last sample) and returns HeapInuse before and
// at its peak.
func (p *heapPeak) stop() (base, top uint64) {
	close(p.done)
	p.wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return p.base, max(p.top, ms.HeapInuse)
}

func reportHeap(b *testing.B, base, top uint64) {
	b.ReportMetric(float64(top)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(top-base)/(1<<20), "extra-heap-MiB")
}
