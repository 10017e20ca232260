package wire

import (
	"bytes"
	"testing"
)

// TestCopyLarge: CopyLarge copies what copy copies, for sizes around the
// piece size, unequal lengths, and a buffer's tail moving to its front.
func TestCopyLarge(t *testing.T) {
	fill := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*31 + i>>9)
		}
		return b
	}
	for _, n := range []int{0, 1, CopyPiece - 1, CopyPiece, CopyPiece + 1, 3*CopyPiece + 5} {
		for _, dn := range []int{n, n / 2, n + 7} {
			src := fill(n)
			want, got := make([]byte, dn), make([]byte, dn)
			wn := copy(want, src)
			if gn := CopyLarge(got, src); gn != wn || !bytes.Equal(got, want) {
				t.Fatalf("%d bytes into %d: copied %d (want %d), contents differ: %v", n, dn, gn, wn, !bytes.Equal(got, want))
			}
		}
		for _, shift := range []int{1, 100, CopyPiece / 2, CopyPiece + 3} {
			buf := fill(n + shift)
			want := append([]byte(nil), buf...)
			copy(want, want[shift:])
			CopyLarge(buf, buf[shift:])
			if !bytes.Equal(buf, want) {
				t.Fatalf("%d bytes moved %d to the front: contents differ", n, shift)
			}
		}
	}
}

// TestGrowLarge: the buffer keeps its contents and gains room for n bytes,
// small and big, with room already there or not.
func TestGrowLarge(t *testing.T) {
	for _, l := range []int{0, 10, CopyPiece - 1, CopyPiece, 2*CopyPiece + 3} {
		for _, n := range []int{0, 1, 100, CopyPiece + 1} {
			b := make([]byte, l, l+50)
			for i := range b {
				b[i] = byte(i * 13)
			}
			want := append([]byte(nil), b...)
			g := GrowLarge(b, n)
			if !bytes.Equal(g, want) || cap(g)-len(g) < n {
				t.Fatalf("len %d grown by %d: contents equal %v, room %d", l, n, bytes.Equal(g, want), cap(g)-len(g))
			}
		}
	}
}

// TestAppendLarge: AppendLarge appends what append appends, []byte and
// string, with and without room, around the piece size.
func TestAppendLarge(t *testing.T) {
	for _, l := range []int{0, 7, CopyPiece, 2*CopyPiece + 1} {
		for _, n := range []int{0, 1, CopyPiece, CopyPiece + 1, 3*CopyPiece + 5} {
			for _, room := range []int{0, n + 10} {
				dst := make([]byte, l, l+room)
				for i := range dst {
					dst[i] = byte(i * 7)
				}
				b := make([]byte, n)
				for i := range b {
					b[i] = byte(i*31 + i>>9)
				}
				want := append(append([]byte(nil), dst...), b...)
				if got := AppendLarge(dst, b); !bytes.Equal(got, want) {
					t.Fatalf("%d + %d bytes (room %d): contents differ", l, n, room)
				}
				if got := AppendLarge(dst[:l:l], string(b)); !bytes.Equal(got, want) {
					t.Fatalf("%d + %d bytes as a string: contents differ", l, n)
				}
			}
		}
	}
}
