package wire

import "slices"

// CopyPiece is the most CopyLarge copies in one call of the runtime's
// memmove.
//
// Why: Go's copy (and append's growth) moves a whole buffer with one call
// of memmove, which cannot be preempted, and a garbage collection's
// stop-the-world phases wait until every goroutine can stop: while one
// goroutine moves 100 MiB, every other goroutine of the process, Raft's
// heartbeats included, is already stopped. On a loaded two-core machine
// such waits reached 379-633 ms (results/bench-bigvalues.md) and cost a
// node the leader's heartbeats. Between pieces of 256 KiB the goroutine can
// be stopped.
const CopyPiece = 256 << 10

// CopyLarge is copy(dst, src) in pieces of at most CopyPiece bytes. dst may
// overlap src only if it starts at or before src (as when a buffer's
// unread bytes move to its front).
func CopyLarge(dst, src []byte) int {
	n := min(len(dst), len(src))
	for i := 0; i < n; i += CopyPiece {
		copyPiece(dst[i:n], src[i:min(i+CopyPiece, n)])
	}
	return n
}

// copyPiece and appendPiece move one piece each, in a call of their own: a
// goroutine asked to stop stops at a function's entry. Between memmoves
// inlined into one loop it can only be stopped by a signal that lands
// outside memmove, and copying into fresh memory (page faults inside
// memmove) such a loop of 256 KiB copies held GC stops for 117-168 ms
// where these calls held them for 0.2 ms (BenchmarkStopDuringFreshCopy).
//
//go:noinline
func copyPiece(dst, src []byte) int { return copy(dst, src) }

//go:noinline
func appendPiece[T []byte | string](dst []byte, b T) []byte { return append(dst, b...) }

// GrowLarge is slices.Grow(b, n) for byte buffers that may be big: when
// the result reaches CopyPiece bytes, b grows into a new allocation made
// by make (which the runtime clears in preemptible pieces) by at least half
// its capacity, and its contents move with CopyLarge instead of append's
// single memmove. (In a scratch benchmark, slices.Grow of a small buffer
// to 100 MiB followed by a piecewise copy held GC stops for 59-117 ms, make
// followed by the same copy 0.2-0.5 ms.)
func GrowLarge(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	if len(b)+n < CopyPiece {
		return slices.Grow(b, n)
	}
	nb := make([]byte, len(b), max(cap(b)+cap(b)/2, len(b)+n))
	CopyLarge(nb, b)
	return nb
}

// AppendLarge is append(dst, b...) for buffers and payloads that may be
// big: dst grows with GrowLarge, and b from CopyPiece bytes on is copied in
// pieces.
func AppendLarge[T []byte | string](dst []byte, b T) []byte {
	if cap(dst)-len(dst) < len(b) {
		dst = GrowLarge(dst, len(b)) // a big dst too: append would move it whole
	}
	if len(b) <= CopyPiece {
		return append(dst, b...)
	}
	for len(b) > 0 {
		k := min(len(b), CopyPiece)
		dst = appendPiece(dst, b[:k])
		b = b[k:]
	}
	return dst
}
