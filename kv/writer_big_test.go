package kv

import (
	"bytes"
	"math"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"

	"redraft/wire"
)

// TestWriterBigPayloads: replies with payloads around and above the copy
// piece size are byte for byte what one append would write, whatever the
// buffer held before.
func TestWriterBigPayloads(t *testing.T) {
	for _, n := range []int{0, 1, wire.CopyPiece - 1, wire.CopyPiece, wire.CopyPiece + 1, 3*wire.CopyPiece + 17} {
		for _, prefix := range []int{0, 5, wire.CopyPiece + 3} {
			p := bytes.Repeat([]byte{'x'}, prefix)
			v := make([]byte, n)
			for i := range v {
				v[i] = byte(i * 7)
			}
			want := append([]byte(nil), p...)
			want = append(want, '$')
			want = strconv.AppendInt(want, int64(n), 10)
			want = append(want, "\r\n"...)
			want = append(want, v...)
			want = append(want, "\r\n"...)
			for name, write := range map[string]func(w *Writer){
				"Bulk":       func(w *Writer) { w.Bulk(v) },
				"BulkString": func(w *Writer) { w.BulkString(string(v)) },
				"Raw":        func(w *Writer) { w.Raw(want[prefix:]) },
			} {
				w := NewWriter(append([]byte(nil), p...), 2)
				write(w)
				if !bytes.Equal(w.Bytes(), want) {
					t.Fatalf("%s of %d bytes after %d: %d bytes differ from one append's %d", name, n, prefix, w.Len(), len(want))
				}
			}
		}
	}
}

// BenchmarkStopDuringBigReply measures how long the collector's
// stop-the-world phases wait for the goroutines to stop ("time to stop")
// while another goroutine keeps writing 100 MiB bulk replies: "append"
// copies each value with one append (one memmove, which cannot be
// preempted), "writer" with Writer.Bulk (pieces of wire.CopyPiece). It
// reports the longest wait seen (the upper bound of the histogram bucket).
//
//	go test ./kv -run '^$' -bench StopDuringBigReply -benchtime 20x
func BenchmarkStopDuringBigReply(b *testing.B) {
	value := make([]byte, 100<<20)
	for _, tc := range []struct {
		name  string
		write func(w *Writer)
	}{
		{"append", func(w *Writer) {
			w.buf = append(w.buf, '$')
			w.buf = append(w.buf, value...)
		}},
		{"writer", func(w *Writer) { w.Bulk(value) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchStopDuring(b, func() {
				w := NewWriter(nil, 2) // a fresh buffer each time, as a reply gets
				tc.write(w)
			})
		})
	}
}

// benchStopDuring runs work in a loop on another goroutine while b.N
// runtime.GC calls run, and reports the longest wait for a GC's
// stop-the-world to stop every goroutine (/sched/pauses/stopping/gc): how
// long a non-preemptible stretch of work held the world.
func benchStopDuring(b *testing.B, work func()) {
	stops := func() *metrics.Float64Histogram {
		s := []metrics.Sample{{Name: "/sched/pauses/stopping/gc:seconds"}}
		metrics.Read(s)
		return s[0].Value.Float64Histogram()
	}
	// longest returns the upper bound of the highest bucket that gained
	// a count between two readings.
	longest := func(before, after *metrics.Float64Histogram) float64 {
		for i := len(after.Counts) - 1; i >= 0; i-- {
			if after.Counts[i] > before.Counts[i] {
				if math.IsInf(after.Buckets[i+1], 1) {
					return after.Buckets[i]
				}
				return after.Buckets[i+1]
			}
		}
		return 0
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			work()
		}
	}()
	before := stops()
	for range b.N {
		runtime.GC()
	}
	stop.Store(true)
	<-done
	b.ReportMetric(longest(before, stops())*1000, "max-stop-ms")
}
