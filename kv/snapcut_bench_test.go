package kv

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"
)

var flagBigElements = flag.Int("kv.bigelements", 1_000_000, "BenchmarkSnapshotBigCollection: fields of the hash")

// bigHashMachine returns a machine holding one hash "big" of n fields
// (10-byte field names, 16-byte values) and the key "small".
func bigHashMachine(n int) *Machine {
	m := NewMachine()
	w := NewWriter(nil, 2)
	const per = 1000
	for i := 0; i < n; i += per {
		args := [][]byte{[]byte("HSET"), []byte("big")}
		for j := i; j < min(n, i+per); j++ {
			args = append(args, fmt.Appendf(nil, "f%09d", j), fmt.Appendf(nil, "v%015d", j))
		}
		w.Reset()
		m.Exec(&Cmd{Args: args, NowMs: cutTestNow, Proto: 2}, w)
	}
	w.Reset()
	m.Exec(&Cmd{Args: [][]byte{[]byte("SET"), []byte("small"), []byte("x")}, NowMs: cutTestNow, Proto: 2}, w)
	return m
}

// BenchmarkSnapshotBigCollection measures what a hash of -kv.bigelements
// fields costs the writes beside a snapshot:
//
//   - stopworld-ms: Snapshot of the stopped machine (what the old
//     FSM.Snapshot held the apply goroutine for);
//
//   - first-write-ms: an HSET on the hash right after BeginSnapshot,
//     before the streamer reached it: the hook copies the hash's element
//     headers on the write path (snapfreeze.go), the streamer encodes the
//     copy later;
//
//   - claimed-write-ms: an HSET on the hash just after the streamer
//     claimed it to encode it without the lock: it waits for the encoding
//     to end, holding the owner's lock (in the FSM every apply waits);
//
//   - other-write-max-ms: the slowest SET of another key, run in a loop
//     while the streamer encodes the hash: the lock is not held meanwhile.
//
//     go test ./kv -run '^$' -bench SnapshotBigCollection -benchtime 1x
func BenchmarkSnapshotBigCollection(b *testing.B) {
	m := bigHashMachine(*flagBigElements)
	hset := &Cmd{Args: [][]byte{[]byte("HSET"), []byte("big"), []byte("new"), []byte("v")}, NowMs: cutTestNow, Proto: 2}
	set := &Cmd{Args: [][]byte{[]byte("SET"), []byte("small"), []byte("y")}, NowMs: cutTestNow, Proto: 2}
	w := NewWriter(nil, 2)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := m.Snapshot(io.Discard); err != nil {
			b.Fatal(err)
		}
		stop := time.Since(t0)

		c := m.BeginSnapshot()
		t0 = time.Now()
		m.Exec(hset, w)
		first := time.Since(t0)
		if err := c.WriteTo(io.Discard, nil); err != nil {
			b.Fatal(err)
		}
		c.Release()

		// A streamer on its own goroutine; once it claims the hash, the
		// writer writes another key in a loop until the snapshot ends
		// (other), or the hash once (claimedWrite).
		var other, claimedWrite time.Duration
		for _, toHash := range []bool{false, true} {
			var mu sync.RWMutex
			mu.Lock()
			c = m.BeginSnapshot()
			mu.Unlock()
			done := make(chan error, 1)
			go func() { done <- c.WriteTo(io.Discard, mu.RLocker()) }()
			claimed := false
			for deadline := time.Now().Add(time.Minute); !claimed && time.Now().Before(deadline); {
				mu.Lock()
				claimed = c.claimed != nil
				mu.Unlock()
			}
			if !claimed {
				b.Fatal("the streamer never claimed the hash")
			}
			var err error
			if toHash {
				t0 = time.Now()
				mu.Lock()
				m.Exec(hset, w)
				mu.Unlock()
				claimedWrite = time.Since(t0)
				err = <-done
			} else {
				for over := false; !over; {
					select {
					case err = <-done:
						over = true
					default:
					}
					t0 = time.Now()
					mu.Lock()
					m.Exec(set, w)
					mu.Unlock()
					other = max(other, time.Since(t0))
					time.Sleep(100 * time.Microsecond)
				}
			}
			if err != nil {
				b.Fatal(err)
			}
			mu.Lock()
			c.Release()
			mu.Unlock()
		}

		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
		b.ReportMetric(ms(stop), "stopworld-ms")
		b.ReportMetric(ms(first), "first-write-ms")
		b.ReportMetric(ms(claimedWrite), "claimed-write-ms")
		b.ReportMetric(ms(other), "other-write-max-ms")
	}
}

// TestSnapshotBigCollectionClaimed: a small version of the benchmark's
// last case as a test: the write to a claimed hash waits for its encoding
// and the snapshot holds the hash as it was at the cut.
func TestSnapshotBigCollectionClaimed(t *testing.T) {
	m := bigHashMachine(20000)
	want := snap(t, m)
	var mu sync.RWMutex
	mu.Lock()
	c := m.BeginSnapshot()
	mu.Unlock()
	c.bigElements = 100
	var got bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- c.WriteTo(&got, mu.RLocker()) }()
	w := NewWriter(nil, 2)
	for i := 0; i < 200; i++ {
		mu.Lock()
		m.Exec(&Cmd{Args: [][]byte{[]byte("HSET"), []byte("big"), fmt.Appendf(nil, "f%09d", i), []byte("changed")}, NowMs: cutTestNow, Proto: 2}, w)
		mu.Unlock()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	c.Release()
	mu.Unlock()
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("snapshot differs from the machine at the cut at byte %d", firstDiff(got.Bytes(), want))
	}
}

// BenchmarkFreezeVsEncode compares the two things the write path can do
// with a big value of the cut before changing it (a hash of
// -kv.bigelements fields): freeze it (copy its element headers,
// snapfreeze.go) or encode its record.
//
//	go test ./kv -run '^$' -bench FreezeVsEncode
func BenchmarkFreezeVsEncode(b *testing.B) {
	m := bigHashMachine(*flagBigElements)
	e := m.dbs[0].get("big")
	b.Run("freeze", func(b *testing.B) {
		for b.Loop() {
			frozenEntry(e)
		}
	})
	b.Run("encode", func(b *testing.B) {
		for b.Loop() {
			if _, err := appendRecord(nil, e); err != nil {
				b.Fatal(err)
			}
		}
	})
}
