package kv

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"redraft/tester/gcstop"
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
// preempted), "writer" with Writer.Bulk (pieces of wire.CopyPiece);
// "elements" writes a reply of 2M small bulk strings and integers. It
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
		// A reply of 2M small elements (about 40 MiB), as ZRANGE ...
		// WITHSCORES of a big set writes: members and integers alternate,
		// and either can be the one that reaches the buffer's end.
		{"elements", func(w *Writer) {
			w.Array(4_000_000)
			for i := range 2_000_000 {
				w.BulkString("member:0000000")
				w.Int(int64(i))
			}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			benchStopDuring(b, func() {
				w := NewWriter(nil, 2) // a fresh buffer each time, as a reply gets
				tc.write(w)
			})
		})
	}
}

// benchStopDuring reports the longest wait of b.N collections' stops while
// work runs in a loop beside them (tester/gcstop).
func benchStopDuring(b *testing.B, work func()) {
	b.ReportMetric(float64(gcstop.Longest(b.N, work))/float64(time.Millisecond), "max-stop-ms")
}
