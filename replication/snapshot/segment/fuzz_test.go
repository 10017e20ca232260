package segment

import (
	"bytes"
	"io"
	"testing"
)

// splitRecords turns fuzz bytes into records: each byte b starts a record
// of the next b%23 bytes.
func splitRecords(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := min(int(b[0]%23), len(b)-1)
		out = append(out, b[1:1+n])
		b = b[1+n:]
	}
	return out
}

func seedSegments(f *testing.F) {
	for _, recs := range [][][]byte{nil, {{}}, {[]byte("a")}, {[]byte("hello"), []byte("world"), bytes.Repeat([]byte{0}, 300)}} {
		b, _, err := Encode(recs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(Magic))
}

// FuzzReader: the reader never panics, and every stream it accepts is the
// canonical encoding of the records it returned, so no byte of an accepted
// stream went unchecked.
func FuzzReader(f *testing.F) {
	seedSegments(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, foot, err := readAll(t, data)
		if err != nil {
			return
		}
		again, f2, err := Encode(recs)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted a stream that is not the encoding of its records")
		}
		if f2 != foot {
			t.Fatalf("footer: got %+v, want %+v", foot, f2)
		}
	})
}

// FuzzReaderDamage: a valid segment with one bit flipped or cut short is
// always rejected, and every record returned before the error is the one
// that was written.
func FuzzReaderDamage(f *testing.F) {
	f.Add([]byte("\x05hello\x00\x03abc"), uint32(0), uint8(0), false)
	f.Add([]byte("\x05hello\x00\x03abc"), uint32(20), uint8(3), false)
	f.Add([]byte("\x05hello"), uint32(30), uint8(0), true)
	f.Fuzz(func(t *testing.T, seed []byte, pos uint32, bit uint8, cut bool) {
		recs := splitRecords(seed)
		good, _, err := Encode(recs)
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(good)
		p := int(pos % uint32(len(bad)))
		if cut {
			bad = bad[:p]
		} else {
			bad[p] ^= 1 << (bit % 8)
		}
		r, err := NewReader(bytes.NewReader(bad), "s")
		if err != nil {
			return
		}
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				t.Fatalf("damaged segment (byte %d, cut %v) accepted", p, cut)
			}
			if err != nil {
				return
			}
			if i >= len(recs) || !bytes.Equal(rec, recs[i]) {
				t.Fatalf("record %d returned with wrong bytes", i)
			}
		}
	})
}
