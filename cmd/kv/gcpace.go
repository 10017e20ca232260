package main

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"
)

// gcPacer starts garbage collection cycles before Go's pacer would, so
// that a cycle's marking has room to finish before the heap reaches its
// goal.
//
// Why: Go starts a cycle when it expects marking to end just as the heap
// reaches the goal (twice the live heap at GOGC=100). On a node holding
// gigabytes of collections its cycles started at 85-99.5% of the goal, 95-97%
// on average (GODEBUG=gctrace=1, results/bench-bigvalues.md); when the
// allocation rate then rose, the heap reached the goal with marking
// unfinished, and the
// runtime made every allocating goroutine mark before it could allocate
// (mutator assists) or wait for the cycle to end: Raft's RPC goroutines
// included, so the node stopped answering heartbeats for up to a second
// and the leadership moved. Starting the cycle at a fraction of the goal
// (runtime.GC on a goroutine of its own; the others keep running while it
// marks) leaves the rest of the goal as room, at the price of cycles about
// 1/fraction times as often.
type gcPacer struct {
	frac    float64
	minGoal uint64
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	busy    atomic.Bool   // a forced cycle is running
	forced  atomic.Uint64 // cycles this pacer started
}

const (
	// gcPacerPeriod: how often the heap is compared with its goal.
	gcPacerPeriod = 5 * time.Millisecond
	// gcPacerMinGoal: smaller heaps are left to the runtime (their cycles
	// are short).
	gcPacerMinGoal = 256 << 20
)

// startGCPacer starts a pacer that forces a cycle once the heap's objects
// reach frac of the goal (0 < frac < 1), for goals of at least minGoal
// bytes.
func startGCPacer(frac float64, minGoal uint64) *gcPacer {
	if !(frac > 0 && frac < 1) {
		panic("gcPacer: fraction outside (0, 1)")
	}
	p := &gcPacer{frac: frac, minGoal: minGoal, stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

func (p *gcPacer) loop() {
	defer close(p.done)
	samples := []metrics.Sample{
		{Name: "/gc/heap/goal:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
	}
	t := time.NewTicker(gcPacerPeriod)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		if p.busy.Load() {
			continue
		}
		metrics.Read(samples)
		if samples[0].Value.Kind() != metrics.KindUint64 || samples[1].Value.Kind() != metrics.KindUint64 {
			return // metrics missing: leave it to the runtime
		}
		goal, heap := samples[0].Value.Uint64(), samples[1].Value.Uint64()
		if goal < p.minGoal || float64(heap) < p.frac*float64(goal) {
			continue
		}
		p.busy.Store(true)
		p.forced.Add(1)
		go func() {
			// Not waited for by Stop: a cycle cannot be interrupted, and
			// it ends on its own.
			defer p.busy.Store(false)
			runtime.GC()
		}()
	}
}

// Stop ends the pacer (a forced cycle under way finishes by itself).
func (p *gcPacer) Stop() {
	p.once.Do(func() { close(p.stop) })
	<-p.done
}
