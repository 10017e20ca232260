package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func forcedCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestGCPacerStartsCyclesEarly: while a heap grows slowly, the pacer
// forces the cycles (the runtime's own would start near the goal), and
// Stop returns promptly.
func TestGCPacerStartsCyclesEarly(t *testing.T) {
	runtime.GC()
	before := forcedCycles()
	p := startGCPacer(0.5, 8<<20)
	var keep [][]byte
	deadline := time.Now().Add(10 * time.Second)
	for p.forced.Load() < 3 && time.Now().Before(deadline) {
		keep = append(keep, make([]byte, 256<<10))
		time.Sleep(time.Millisecond)
	}
	t0 := time.Now()
	p.Stop()
	if d := time.Since(t0); d > 100*time.Millisecond {
		t.Errorf("Stop took %v", d)
	}
	if n := p.forced.Load(); n < 3 {
		t.Fatalf("the pacer forced %d cycles while the heap grew to %d MiB", n, len(keep)/4)
	}
	for p.busy.Load() { // its last cycle may still run
		time.Sleep(time.Millisecond)
	}
	if got := forcedCycles() - before; got < 3 {
		t.Fatalf("the runtime counted %d forced cycles, the pacer %d", got, p.forced.Load())
	}
	runtime.KeepAlive(keep)
}

func TestGCPacerRefusesBadFractions(t *testing.T) {
	for _, f := range []float64{0, 1, -0.5, 1.5} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("fraction %v accepted", f)
				}
			}()
			startGCPacer(f, 0).Stop()
		}()
	}
}
