package segment

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math"
)

// Writer streams one segment to an io.Writer: the header when created, each
// record as it is appended, the footer on Close. It buffers nothing, so
// wrap an unbuffered destination in a bufio.Writer. After an error every
// call returns that error.
type Writer struct {
	w        io.Writer
	declared uint32 // record count in the header
	n        uint32 // records appended
	crc      uint32 // running data CRC
	size     int64  // bytes written so far
	err      error  // sticky
	closed   bool
	footer   Footer
}

// NewWriter writes the header of a segment that will hold exactly count
// records.
func NewWriter(w io.Writer, count uint32) (*Writer, error) {
	sw := &Writer{w: w, declared: count}
	var h [HeaderBytes]byte
	copy(h[0:4], Magic)
	binary.BigEndian.PutUint16(h[4:], Version)
	binary.BigEndian.PutUint16(h[6:], 0) // flags: none defined
	binary.BigEndian.PutUint32(h[8:], count)
	binary.BigEndian.PutUint32(h[12:], crc32.Checksum(h[:12], castagnoli))
	if err := sw.write(h[:]); err != nil {
		return nil, err
	}
	return sw, nil
}

// Append writes one record (at most RecordBytesMax bytes).
func (w *Writer) Append(rec []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return ErrClosed
	}
	if len(rec) > RecordBytesMax {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrRecordTooLarge, len(rec), RecordBytesMax)
	}
	if w.n == w.declared {
		return fmt.Errorf("%w: record %d of %d declared", ErrCount, w.n+1, w.declared)
	}
	var l [4]byte
	binary.BigEndian.PutUint32(l[:], uint32(len(rec)))
	rc := crc32.Update(crc32.Checksum(l[:], castagnoli), castagnoli, rec)
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], rc)
	for _, b := range [][]byte{l[:], rec, c[:]} {
		if err := w.write(b); err != nil {
			return err
		}
		w.crc = crc32.Update(w.crc, castagnoli, b)
	}
	w.n++
	return nil
}

// Close writes the footer and returns it. It fails with ErrCount if fewer
// records were appended than declared. Closing twice returns the footer
// again.
func (w *Writer) Close() (Footer, error) {
	if w.err != nil {
		return Footer{}, w.err
	}
	if w.closed {
		return w.footer, nil
	}
	if w.n != w.declared {
		return Footer{}, fmt.Errorf("%w: %d records appended, %d declared", ErrCount, w.n, w.declared)
	}
	if w.size > math.MaxInt64-FooterBytes {
		panic("segment: size overflow") // unreachable: 2^32 records of 1 MiB
	}
	size := w.size + FooterBytes
	var f [FooterBytes]byte
	copy(f[0:4], FooterMagic)
	binary.BigEndian.PutUint32(f[4:], w.n)
	binary.BigEndian.PutUint32(f[8:], w.crc)
	binary.BigEndian.PutUint64(f[12:], uint64(size))
	binary.BigEndian.PutUint32(f[20:], crc32.Checksum(f[:20], castagnoli))
	if err := w.write(f[:]); err != nil {
		return Footer{}, err
	}
	w.closed = true
	w.footer = Footer{Records: w.n, DataChecksum: w.crc, Size: size}
	return w.footer, nil
}

func (w *Writer) write(b []byte) error {
	n, err := w.w.Write(b)
	w.size += int64(n)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	if err != nil {
		w.err = fmt.Errorf("segment: write: %w", err)
	}
	return w.err
}

// Encode returns the segment holding records, in memory (for tests and
// small segments).
func Encode(records [][]byte) ([]byte, Footer, error) {
	var total int64
	for _, r := range records {
		total += int64(len(r))
	}
	if len(records) > math.MaxUint32 {
		return nil, Footer{}, fmt.Errorf("%w: %d records", ErrCount, len(records))
	}
	buf := &sliceWriter{b: make([]byte, 0, EncodedBytes(len(records), total))}
	w, err := NewWriter(buf, uint32(len(records)))
	if err != nil {
		return nil, Footer{}, err
	}
	for _, r := range records {
		if err := w.Append(r); err != nil {
			return nil, Footer{}, err
		}
	}
	f, err := w.Close()
	if err != nil {
		return nil, Footer{}, err
	}
	return buf.b, f, nil
}

type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}
