package replication

import (
	"bytes"
	"fmt"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// BenchmarkSnapshotUnderLoad measures what a snapshot costs the writes
// running beside it, on an FSM of -replication.benchkeys keys (as
// BenchmarkFSMSnapshot's): an applier goroutine applies one SET entry of an
// existing key every cowApplyEvery (an open loop: an entry's latency counts
// from when it was due, so a stall shows in every entry it delays),
// while the snapshot runs into a sink that counts and discards:
//
//   - stopworld: the old FSM.Snapshot, emulated: the machine serialised
//     into a bytes.Buffer under the FSM lock, then Persist writes the buffer;
//   - cow: FSM.Snapshot (the cut) and Persist (streaming the live machine);
//   - none: no snapshot for cowNoneFor, the noise floor of the machine.
//
// Metrics: start-pause-ms is the FSM.Snapshot call (raft makes it on the
// apply goroutine: no entry applies meanwhile), total-ms until Persist
// returns; worst-due-at-ms is when the slowest entry was due, from the
// start; lock-hold-max-ms and lock-hold-p99-ms are how long the streamer
// held the FSM's read lock at a time (cow); apply-p50/p99/max-ms are the latencies of the entries due
// during that time; extra-heap-MiB is the peak of live heap objects
// (runtime/metrics, sampled every 2 ms without stopping the world) minus
// the value before, after a GC; preserved-peak-MiB the most the cut held
// for the streamer. One iteration per case:
//
//	go test ./replication -run '^$' -bench 'SnapshotUnderLoad' -benchtime 1x
func BenchmarkSnapshotUnderLoad(b *testing.B) {
	keys := *flagBenchKeys
	f := benchFSM(b, keys)
	for _, mode := range []string{"none", "stopworld", "cow"} {
		b.Run(fmt.Sprintf("%s/%dkeys", mode, keys), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				snapshotUnderLoad(b, f, keys, mode)
			}
		})
	}
}

// cowApplyEvery is the applier's period: 2k entries/s, a load the machine
// sustains with room to spare on this shared 2-core hardware, so latency
// is the stall.
const cowApplyEvery = 500 * time.Microsecond

// cowNoneFor is how long the none case measures.
const cowNoneFor = time.Second

func snapshotUnderLoad(b *testing.B, f *FSM, keys int, mode string) {
	b.StopTimer()
	runtime.GC()
	heap := startLiveHeapPeak()
	// The applier records when each entry was due and how late it applied;
	// it stops once it is past until (set after Persist) and caught up.
	type sample struct {
		due time.Time
		lat time.Duration
	}
	var (
		mu      sync.Mutex
		until   time.Time
		samples []sample
		wg      sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		idx := f.AppliedIndex()
		val := bytes.Repeat([]byte("w"), benchValueBytes)
		next := time.Now()
		for i := 0; ; i++ {
			if d := time.Until(next); d > 0 {
				mu.Lock()
				end := !until.IsZero() && next.After(until)
				mu.Unlock()
				if end {
					return
				}
				time.Sleep(d)
			}
			idx++
			key := fmt.Appendf(nil, "key:%012d", (uint64(i)*0x9E3779B97F4A7C15)%uint64(keys))
			data := encodeEntry(nil, "other", []*kv.Cmd{{Args: [][]byte{[]byte("SET"), key, val}, Proto: 2}})
			f.ApplyBatch([]*raft.Log{{Index: idx, Term: 1, Type: raft.LogCommand, Data: data}})
			samples = append(samples, sample{next, time.Since(next)})
			next = next.Add(cowApplyEvery)
		}
	}()
	time.Sleep(100 * time.Millisecond) // the applier in its stride
	b.StartTimer()
	sink := &discardSink{}
	var hold holdLock
	t0 := time.Now()
	var snap raft.FSMSnapshot
	switch mode {
	case "none":
		time.Sleep(cowNoneFor)
		snap = &fsmSnapshot{f: f}
	case "stopworld":
		f.mu.RLock()
		var buf bytes.Buffer
		buf.Write(encodeSnapshotHeader(f.applied.Load(), f.nodes))
		if err := f.m.Snapshot(&buf); err != nil {
			b.Fatal(err)
		}
		f.mu.RUnlock()
		snap = &fsmSnapshot{f: f, hdr: buf.Bytes()}
	default:
		var err error
		if snap, err = f.Snapshot(); err != nil {
			b.Fatal(err)
		}
	}
	t1 := time.Now()
	if mode == "none" {
		t1 = t0
	} else if s := snap.(*fsmSnapshot); s.cut != nil {
		// Persist's path, with the read lock timed.
		hold.l = f.mu.RLocker()
		sink.Write(s.hdr)
		if err := s.cut.WriteTo(sink, &hold); err != nil {
			b.Fatal(err)
		}
	} else if err := snap.Persist(sink); err != nil {
		b.Fatal(err)
	}
	t2 := time.Now()
	b.StopTimer()
	mu.Lock()
	until = t2
	mu.Unlock()
	wg.Wait()
	var lat []time.Duration
	var worst sample
	for _, x := range samples {
		if !x.due.Before(t0) && !x.due.After(t2) {
			lat = append(lat, x.lat)
			if x.lat > worst.lat {
				worst = x
			}
		}
	}
	var preserved int
	if s := snap.(*fsmSnapshot); s.cut != nil {
		f.mu.RLock()
		preserved = s.cut.PreservedPeak()
		f.mu.RUnlock()
	}
	snap.Release()
	base, top := heap.stop()
	slices.Sort(lat)
	slices.Sort(hold.holds)
	quantile := func(d []time.Duration, p float64) float64 {
		if len(d) == 0 {
			return 0
		}
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1e3
	}
	q := func(p float64) float64 { return quantile(lat, p) }
	b.ReportMetric(float64(t1.Sub(t0).Microseconds())/1e3, "start-pause-ms")
	b.ReportMetric(float64(t2.Sub(t0).Microseconds())/1e3, "total-ms")
	b.ReportMetric(q(0.5), "apply-p50-ms")
	b.ReportMetric(q(0.99), "apply-p99-ms")
	b.ReportMetric(q(1), "apply-max-ms")
	if !worst.due.IsZero() {
		b.ReportMetric(float64(worst.due.Sub(t0).Microseconds())/1e3, "worst-due-at-ms")
	}
	b.ReportMetric(float64(len(lat)), "applies")
	b.ReportMetric(quantile(hold.holds, 1), "lock-hold-max-ms")
	b.ReportMetric(quantile(hold.holds, 0.99), "lock-hold-p99-ms")
	b.ReportMetric(float64(top-base)/(1<<20), "extra-heap-MiB")
	b.ReportMetric(float64(preserved)/(1<<20), "preserved-peak-MiB")
	b.ReportMetric(float64(sink.n)/(1<<20), "snapshot-MiB")
	if f.m.Len() != keys {
		b.Fatalf("FSM holds %d keys, want %d", f.m.Len(), keys)
	}
	b.StartTimer()
}

// holdLock times how long its holder keeps l.
type holdLock struct {
	l     sync.Locker
	at    time.Time
	holds []time.Duration
}

func (h *holdLock) Lock()   { h.l.Lock(); h.at = time.Now() }
func (h *holdLock) Unlock() { h.holds = append(h.holds, time.Since(h.at)); h.l.Unlock() }

// discardSink is a raft.SnapshotSink that counts and discards.
type discardSink struct{ n int64 }

func (s *discardSink) Write(p []byte) (int, error) { s.n += int64(len(p)); return len(p), nil }
func (s *discardSink) ID() string                  { return "discard" }
func (s *discardSink) Cancel() error               { return nil }
func (s *discardSink) Close() error                { return nil }

// liveHeapPeak samples the bytes of live and unswept heap objects
// (runtime/metrics, which does not stop the world) until stopped.
type liveHeapPeak struct {
	base, top uint64
	done      chan struct{}
	wg        sync.WaitGroup
}

const liveHeapMetric = "/memory/classes/heap/objects:bytes"

func readLiveHeap() uint64 {
	s := []metrics.Sample{{Name: liveHeapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startLiveHeapPeak() *liveHeapPeak {
	p := &liveHeapPeak{base: readLiveHeap(), done: make(chan struct{})}
	p.top = p.base
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			p.top = max(p.top, readLiveHeap())
			select {
			case <-t.C:
			case <-p.done:
				return
			}
		}
	}()
	return p
}

func (p *liveHeapPeak) stop() (base, top uint64) {
	close(p.done)
	p.wg.Wait()
	return p.base, max(p.top, readLiveHeap())
}
