package segment

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every record of a segment, copying each.
func readAll(t testing.TB, b []byte) ([][]byte, Footer, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(b), "seg-test")
	if err != nil {
		return nil, Footer{}, err
	}
	var out [][]byte
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return out, r.Footer(), nil
		}
		if err != nil {
			return out, Footer{}, err
		}
		out = append(out, bytes.Clone(rec))
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		records [][]byte
	}{
		{"empty", nil},
		{"one empty record", [][]byte{{}}},
		{"one", [][]byte{[]byte("hello")}},
		{"several", [][]byte{[]byte("a"), {}, bytes.Repeat([]byte{0xff}, 1000), []byte("z")}},
		{"max record", [][]byte{bytes.Repeat([]byte{7}, RecordBytesMax)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, f, err := Encode(tc.records)
			if err != nil {
				t.Fatal(err)
			}
			var payload int64
			for _, r := range tc.records {
				payload += int64(len(r))
			}
			if got, want := int64(len(b)), EncodedBytes(len(tc.records), payload); got != want {
				t.Fatalf("encoded size: got %d, want %d", got, want)
			}
			if got, want := f.Size, int64(len(b)); got != want {
				t.Fatalf("footer size: got %d, want %d", got, want)
			}
			got, rf, err := readAll(t, b)
			if err != nil {
				t.Fatal(err)
			}
			if rf != f {
				t.Fatalf("footer: got %+v, want %+v", rf, f)
			}
			if len(got) != len(tc.records) {
				t.Fatalf("records: got %d, want %d", len(got), len(tc.records))
			}
			for i := range got {
				if !bytes.Equal(got[i], tc.records[i]) {
					t.Fatalf("record %d differs", i)
				}
			}
		})
	}
}

// TestOneByteReads reads through a source that returns one byte at a time
// (io.ReadFull must cope) and through bufio.
func TestOneByteReads(t *testing.T) {
	recs := [][]byte{[]byte("abc"), bytes.Repeat([]byte("x"), 5000)}
	b, _, err := Encode(recs)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []io.Reader{iotest.OneByteReader(bytes.NewReader(b)), bufio.NewReader(bytes.NewReader(b))} {
		r, err := NewReader(src, "s")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if got, want := n, len(recs); got != want {
			t.Fatalf("records: got %d, want %d", got, want)
		}
	}
}

// put writes v big-endian at off and refreshes the header or footer CRC so
// only the field under test is wrong.
func patch(b []byte, off int, v uint32, fixHeader, fixFooter bool) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[off:], v)
	if fixHeader {
		binary.BigEndian.PutUint32(b[12:], crc32.Checksum(b[:12], castagnoli))
	}
	if fixFooter {
		f := b[len(b)-FooterBytes:]
		binary.BigEndian.PutUint32(f[20:], crc32.Checksum(f[:20], castagnoli))
	}
	return b
}

func TestCorruption(t *testing.T) {
	recs := [][]byte{[]byte("first"), []byte("second record"), []byte("third")}
	good, _, err := Encode(recs)
	if err != nil {
		t.Fatal(err)
	}
	foot := len(good) - FooterBytes
	flip := func(i int) []byte { b := bytes.Clone(good); b[i] ^= 0x10; return b }
	for _, tc := range []struct {
		name   string
		b      []byte
		reason string // substring of the error
	}{
		{"empty stream", nil, "truncated in the header"},
		{"bad magic", append([]byte("XSEG"), good[4:]...), "magic"},
		{"header bit flip", flip(9), "header checksum"},
		{"version", func() []byte { b := bytes.Clone(good); b[5] = 2; return patch(b, 8, 3, true, false) }(), "version 2"},
		{"flags", func() []byte { b := bytes.Clone(good); b[7] = 1; return patch(b, 8, 3, true, false) }(), "flags"},
		{"header count too high", patch(good, 8, 4, true, false), "record 3"},
		{"header count too low", patch(good, 8, 2, true, false), "footer magic"},
		{"record length flip", flip(HeaderBytes + 3), "record 0"},
		{"record byte flip", flip(HeaderBytes + 5), "record 0 checksum"},
		{"record crc flip", flip(HeaderBytes + 4 + 5), "record 0 checksum"},
		{"huge record length", patch(good, HeaderBytes, RecordBytesMax+1, false, false), "over the"},
		{"footer magic", flip(foot), "footer magic"},
		{"footer bit flip", flip(foot + 5), "footer checksum"},
		{"footer count", patch(good, foot+4, 9, false, true), "footer record count 9"},
		{"data checksum", patch(good, foot+8, 1, false, true), "data checksum"},
		{"size", patch(good, foot+16, 1, false, true), "footer size"},
		{"truncated footer", good[:len(good)-1], "truncated in the footer"},
		{"truncated record", good[:HeaderBytes+6], "truncated in the record 0"},
		{"trailing byte", append(bytes.Clone(good), 0), "bytes after the footer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := readAll(t, tc.b)
			if err == nil {
				t.Fatalf("read %d records and no error", len(got))
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v: not a *CorruptError", err)
			}
			if ce.Segment != "seg-test" || !strings.Contains(err.Error(), `"seg-test"`) {
				t.Fatalf("error %q does not name the segment", err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("error %q, want it to mention %q", err, tc.reason)
			}
			for i, r := range got {
				if !bytes.Equal(r, recs[i]) {
					t.Fatalf("record %d returned with wrong bytes", i)
				}
			}
		})
	}
}

func TestReadErrorNotCorrupt(t *testing.T) {
	b, _, err := Encode([][]byte{[]byte("x")})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	src := io.MultiReader(bytes.NewReader(b[:HeaderBytes+2]), iotest.ErrReader(boom))
	r, err := NewReader(src, "s")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	if !errors.Is(err, boom) || errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want the source's error, not corruption", err)
	}
	if _, err2 := r.Next(); err2 != err {
		t.Fatalf("error not sticky: got %v, want %v", err2, err)
	}
}

func TestWriterErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Close(); !errors.Is(err, ErrCount) {
		t.Fatalf("close with too few records: got %v, want ErrCount", err)
	}
	if err := w.Append(make([]byte, RecordBytesMax+1)); !errors.Is(err, ErrRecordTooLarge) {
		t.Fatalf("oversized record: got %v, want ErrRecordTooLarge", err)
	}
	if err := w.Append([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Append([]byte("b")); !errors.Is(err, ErrCount) {
		t.Fatalf("extra record: got %v, want ErrCount", err)
	}
	f, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if f2, err := w.Close(); err != nil || f2 != f {
		t.Fatalf("second close: got %+v, %v, want %+v, nil", f2, err, f)
	}
	if err := w.Append(nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: got %v, want ErrClosed", err)
	}

	boom := errors.New("disk full")
	if _, err := NewWriter(failWriter{boom}, 0); !errors.Is(err, boom) {
		t.Fatalf("failing destination: got %v, want %v", err, boom)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
