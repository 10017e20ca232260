package segment

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// Reader streams the records of one segment, verifying as it goes. It reads
// from the source with io.ReadFull, so wrap an unbuffered source in a
// bufio.Reader.
type Reader struct {
	r        io.Reader
	name     string
	declared uint32 // record count in the header
	n        uint32 // records returned
	crc      uint32 // running data CRC
	off      int64  // bytes consumed
	buf      []byte // the current record; reused
	err      error  // sticky; io.EOF once the footer verified
	footer   Footer
}

// NewReader reads and verifies the header of the segment called name (the
// name only labels errors).
func NewReader(r io.Reader, name string) (*Reader, error) {
	sr := &Reader{r: r, name: name}
	var h [HeaderBytes]byte
	if err := sr.read(h[:], "header"); err != nil {
		return nil, err
	}
	switch {
	case string(h[0:4]) != Magic:
		return nil, sr.corrupt(0, fmt.Sprintf("magic %q, want %q", h[0:4], Magic))
	case crc32.Checksum(h[:12], castagnoli) != binary.BigEndian.Uint32(h[12:]):
		return nil, sr.corrupt(12, fmt.Sprintf("header checksum %#08x, computed %#08x",
			binary.BigEndian.Uint32(h[12:]), crc32.Checksum(h[:12], castagnoli)))
	case binary.BigEndian.Uint16(h[4:]) != Version:
		return nil, sr.corrupt(4, fmt.Sprintf("version %d, want %d", binary.BigEndian.Uint16(h[4:]), Version))
	case binary.BigEndian.Uint16(h[6:]) != 0:
		return nil, sr.corrupt(6, fmt.Sprintf("flags %#04x, want 0", binary.BigEndian.Uint16(h[6:])))
	}
	sr.declared = binary.BigEndian.Uint32(h[8:])
	return sr, nil
}

// Records is the record count the header declares.
func (r *Reader) Records() uint32 { return r.declared }

// Next returns the next record, valid until the following call. After the
// last record it verifies the footer and the end of the stream and returns
// io.EOF; any mismatch is a *CorruptError. Errors are sticky.
func (r *Reader) Next() ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.n == r.declared {
		r.err = r.finish()
		return nil, r.err
	}
	start := r.off
	var l [4]byte
	if err := r.read(l[:], fmt.Sprintf("record %d length", r.n)); err != nil {
		return nil, r.fail(err)
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > RecordBytesMax {
		return nil, r.fail(r.corrupt(start, fmt.Sprintf("record %d length %d over the %d-byte limit", r.n, n, RecordBytesMax)))
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	rec := r.buf[:n]
	if err := r.read(rec, fmt.Sprintf("record %d", r.n)); err != nil {
		return nil, r.fail(err)
	}
	var c [4]byte
	if err := r.read(c[:], fmt.Sprintf("record %d checksum", r.n)); err != nil {
		return nil, r.fail(err)
	}
	want := crc32.Update(crc32.Checksum(l[:], castagnoli), castagnoli, rec)
	if got := binary.BigEndian.Uint32(c[:]); got != want {
		return nil, r.fail(r.corrupt(start, fmt.Sprintf("record %d checksum %#08x, computed %#08x", r.n, got, want)))
	}
	for _, b := range [][]byte{l[:], rec, c[:]} {
		r.crc = crc32.Update(r.crc, castagnoli, b)
	}
	r.n++
	return rec, nil
}

// Footer is the verified footer; valid once Next returned io.EOF.
func (r *Reader) Footer() Footer { return r.footer }

// finish reads and checks the footer and that the stream ends after it.
func (r *Reader) finish() error {
	start := r.off
	var f [FooterBytes]byte
	if err := r.read(f[:], "footer"); err != nil {
		return err
	}
	records := binary.BigEndian.Uint32(f[4:])
	data := binary.BigEndian.Uint32(f[8:])
	size := binary.BigEndian.Uint64(f[12:])
	switch {
	case string(f[0:4]) != FooterMagic:
		return r.corrupt(start, fmt.Sprintf("footer magic %q, want %q (after %d records)", f[0:4], FooterMagic, r.n))
	case crc32.Checksum(f[:20], castagnoli) != binary.BigEndian.Uint32(f[20:]):
		return r.corrupt(start+20, fmt.Sprintf("footer checksum %#08x, computed %#08x",
			binary.BigEndian.Uint32(f[20:]), crc32.Checksum(f[:20], castagnoli)))
	case records != r.declared:
		return r.corrupt(start+4, fmt.Sprintf("footer record count %d, header says %d", records, r.declared))
	case data != r.crc:
		return r.corrupt(start+8, fmt.Sprintf("data checksum %#08x, computed %#08x", data, r.crc))
	case size != uint64(r.off):
		return r.corrupt(start+12, fmt.Sprintf("footer size %d, read %d bytes", size, r.off))
	}
	var one [1]byte
	switch n, err := io.ReadFull(r.r, one[:]); {
	case n > 0:
		return r.corrupt(r.off, "bytes after the footer")
	case err != io.EOF:
		return fmt.Errorf("segment %q: read after footer: %w", r.name, err)
	}
	r.footer = Footer{Records: records, DataChecksum: data, Size: int64(size)}
	return io.EOF
}

// read fills b from the source; a short stream is corruption (truncation),
// any other failure is returned wrapped with the segment name.
func (r *Reader) read(b []byte, what string) error {
	n, err := io.ReadFull(r.r, b)
	r.off += int64(n)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return r.corrupt(r.off, fmt.Sprintf("truncated in the %s", what))
	default:
		return fmt.Errorf("segment %q: read %s at byte %d: %w", r.name, what, r.off, err)
	}
}

func (r *Reader) corrupt(off int64, reason string) error {
	return &CorruptError{Segment: r.name, Offset: off, Reason: reason}
}

func (r *Reader) fail(err error) error {
	r.err = err
	return err
}
