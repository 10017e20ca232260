package wire

import (
	"syscall"
	"testing"
	"time"

	"redraft/tester/gcstop"
)

// BenchmarkStopDuringFreshCopy: the longest wait of a GC's stop for every
// goroutine while another copies 200 MiB into memory just mapped (every
// page faults inside memmove, as a new big buffer's pages do): "loop"
// copies 256 KiB per copy in one loop, with no call between the memmoves;
// "CopyLarge" is the same pieces, each in a call of its own
// (`go test ./wire -run '^$' -bench StopDuringFreshCopy -benchtime 20x -count 2`).
func BenchmarkStopDuringFreshCopy(b *testing.B) {
	const size = 200 << 20
	src := make([]byte, size)
	fresh := func() []byte {
		d, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
		if err != nil {
			b.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name string
		copy func(dst, src []byte)
	}{
		{"loop", func(dst, src []byte) {
			for i := 0; i < len(src); i += CopyPiece {
				copy(dst[i:], src[i:min(i+CopyPiece, len(src))])
			}
		}},
		{"CopyLarge", func(dst, src []byte) { CopyLarge(dst, src) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			longest := gcstop.Longest(b.N, func() {
				d := fresh()
				tc.copy(d, src)
				if err := syscall.Munmap(d); err != nil {
					b.Error(err)
				}
			})
			b.ReportMetric(float64(longest)/float64(time.Millisecond), "max-stop-ms")
		})
	}
}
