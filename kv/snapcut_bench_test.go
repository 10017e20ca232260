package kv

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"
	"unsafe"
)

var (
	flagBigElements = flag.Int("kv.bigelements", 1_000_000, "BenchmarkSnapshotBigCollection: elements of each collection")
	flagBigString   = flag.Int("kv.bigstring", 100<<20, "BenchmarkSnapshotBigCollection: bytes of the string (0: skip it)")
)

// bigHashMachine returns a machine holding one hash "big" of n fields
// (10-byte field names, 16-byte values) and the key "small".
func bigHashMachine(n int) *Machine { return bigMachine("hash", n) }

// bigMachine returns a machine holding one value "big" of type typ with n
// elements (n bytes for a string) and the key "small":
//
//	hash:   fields f%09d, values v%015d
//	set:    members m%09d (the hashtable encoding)
//	zset:   members m%09d with score i
//	list:   elements e%09d
//	string: n bytes
func bigMachine(typ string, n int) *Machine {
	m := NewMachine()
	w := NewWriter(nil, 2)
	run := func(args [][]byte) {
		w.Reset()
		m.Exec(&Cmd{Args: args, NowMs: cutTestNow, Proto: 2}, w)
	}
	if typ == "string" {
		run([][]byte{[]byte("SET"), []byte("big"), bytes.Repeat([]byte("s"), n)})
	}
	const per = 1000
	for i := 0; i < n && typ != "string"; i += per {
		cmd := map[string]string{"hash": "HSET", "set": "SADD", "zset": "ZADD", "list": "RPUSH"}[typ]
		args := [][]byte{[]byte(cmd), []byte("big")}
		for j := i; j < min(n, i+per); j++ {
			switch typ {
			case "hash":
				args = append(args, fmt.Appendf(nil, "f%09d", j), fmt.Appendf(nil, "v%015d", j))
			case "set":
				args = append(args, fmt.Appendf(nil, "m%09d", j))
			case "zset":
				args = append(args, fmt.Append(nil, j), fmt.Appendf(nil, "m%09d", j))
			case "list":
				args = append(args, fmt.Appendf(nil, "e%09d", j))
			}
		}
		run(args)
	}
	run([][]byte{[]byte("SET"), []byte("small"), []byte("x")})
	return m
}

// bigWrite returns a write that changes an element of the cut in the
// middle of big (of type typ, n elements), ahead of the streamer.
func bigWrite(typ string, n int) *Cmd {
	mid := n / 2
	var a []string
	switch typ {
	case "hash":
		a = []string{"HSET", "big", fmt.Sprintf("f%09d", mid), "changed"}
	case "set":
		a = []string{"SREM", "big", fmt.Sprintf("m%09d", mid)}
	case "zset":
		a = []string{"ZADD", "big", fmt.Sprint(-1), fmt.Sprintf("m%09d", mid)}
	case "list":
		a = []string{"LSET", "big", fmt.Sprint(mid), "changed"}
	case "string":
		a = []string{"SETRANGE", "big", fmt.Sprint(mid), "changed"}
	}
	args := make([][]byte, len(a))
	for i, s := range a {
		args[i] = []byte(s)
	}
	return &Cmd{Args: args, NowMs: cutTestNow, Proto: 2}
}

// bigInProgress reports whether the streamer of c is encoding m's key
// "big" (called under the owner's lock): it claimed it (main's path, kept
// for streams) or has encoded part of it (snaptrack*.go).
func bigInProgress(c *SnapshotCut, m *Machine) bool {
	if c.claimed != nil {
		return true
	}
	e := m.dbs[0].get("big")
	if e == nil {
		return false
	}
	switch o := e.obj.(type) {
	case nil:
		t := c.strs[unsafe.SliceData(e.str)]
		return t != nil && t.pos > 0
	case *Hash:
		return o.m.track != nil && o.m.track.done > 0
	case *Set:
		return o.m != nil && o.m.track != nil && o.m.track.done > 0
	case *ZSet:
		return o.track != nil && o.track.done > 0
	case *List:
		return o.track != nil && o.track.done > 0
	}
	return false
}

// BenchmarkSnapshotBigCollection measures what a big value costs the
// writes beside a snapshot, for a hash, set, sorted set and list of
// -kv.bigelements elements and a string of -kv.bigstring bytes:
//
//   - stopworld-ms: Snapshot of the stopped machine (what the old
//     FSM.Snapshot held the apply goroutine for);
//
//   - first-write-ms: a write to an element in the middle of the value
//     right after BeginSnapshot, before the streamer reached it: the
//     copy-before-write hook's cost on the write path;
//
//   - claimed-write-ms: the same write once the streamer has begun the
//     value: how long the writer waits (holding the owner's lock, so in
//     the FSM every apply waits too);
//
//   - other-write-max-ms: the slowest SET of another key, run in a loop
//     while the streamer encodes the value;
//
//   - first-kept-KiB: the most memory the write path held for the
//     streamer in the first-write case (PreservedPeak).
//
//     go test ./kv -run '^$' -bench SnapshotBigCollection -benchtime 1x
func BenchmarkSnapshotBigCollection(b *testing.B) {
	for _, typ := range []string{"hash", "set", "zset", "list", "string"} {
		n := *flagBigElements
		if typ == "string" {
			if n = *flagBigString; n == 0 {
				continue
			}
		}
		b.Run(typ, func(b *testing.B) {
			m := bigMachine(typ, n)
			benchBigValue(b, m, bigWrite(typ, n))
		})
	}
}

func benchBigValue(b *testing.B, m *Machine, write *Cmd) {
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
		w.Reset()
		m.Exec(write, w)
		first := time.Since(t0)
		if err := c.WriteTo(io.Discard, nil); err != nil {
			b.Fatal(err)
		}
		kept := c.PreservedPeak()
		c.Release()

		// A streamer on its own goroutine; once it is on the big value,
		// the writer writes another key in a loop until the snapshot
		// ends (other), or the big value once (claimedWrite).
		var other, claimedWrite time.Duration
		for _, toBig := range []bool{false, true} {
			var mu sync.RWMutex
			mu.Lock()
			c = m.BeginSnapshot()
			mu.Unlock()
			done := make(chan error, 1)
			go func() { done <- c.WriteTo(io.Discard, mu.RLocker()) }()
			busy := false
			for deadline := time.Now().Add(time.Minute); !busy && time.Now().Before(deadline); {
				mu.Lock()
				busy = bigInProgress(c, m)
				mu.Unlock()
			}
			if !busy {
				b.Fatal("the streamer never reached the big value")
			}
			var err error
			if toBig {
				t0 = time.Now()
				mu.Lock()
				w.Reset()
				m.Exec(write, w)
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
					w.Reset()
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
		b.ReportMetric(float64(kept)/1024, "first-kept-KiB")
	}
}

// TestSnapshotBigCollectionClaimed: a small version of the benchmark's
// last case as a test: writes to a big hash while the streamer encodes it
// in pieces (snaptrack.go) go on, and the snapshot holds the hash as it
// was at the cut.
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
