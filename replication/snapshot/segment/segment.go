package segment

import (
	"errors"
	"fmt"
	"hash/crc32"
)

// Layout constants (see the package comment).
const (
	// Magic opens every segment.
	Magic = "RSEG"
	// FooterMagic opens the footer, so a reader that lands anywhere but
	// the footer says so instead of misreading a record as one.
	FooterMagic = "RSEF"
	// Version is the layout version Writer writes and Reader accepts.
	Version = 1

	// HeaderBytes: magic, version, flags, record count, header CRC.
	HeaderBytes = 4 + 2 + 2 + 4 + 4
	// FooterBytes: magic, record count, data CRC, segment size, footer CRC.
	FooterBytes = 4 + 4 + 4 + 8 + 4
	// RecordOverheadBytes: a record's length prefix and CRC.
	RecordOverheadBytes = 4 + 4

	// RecordBytesMax bounds one record. Reader allocates a record's bytes
	// before it can check them, so this is the most a corrupt length can
	// make it allocate; 1 MiB is 16 of the snapshot store's default
	// 64 KiB records.
	RecordBytesMax = 1 << 20
)

// castagnoli is the CRC-32C table (hardware-accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors. A corrupt stream is a *CorruptError wrapping ErrCorrupt; the
// others are caller mistakes on the writing side.
var (
	// ErrCorrupt: the bytes are not a valid segment (any checksum, magic,
	// version, flag, length, count or size mismatch, or truncation).
	ErrCorrupt = errors.New("segment: corrupt")
	// ErrRecordTooLarge: a record is longer than RecordBytesMax.
	ErrRecordTooLarge = errors.New("segment: record too large")
	// ErrCount: more records appended, or fewer closed, than declared.
	ErrCount = errors.New("segment: record count differs from the declared count")
	// ErrClosed: the Writer is closed.
	ErrClosed = errors.New("segment: writer closed")
)

// CorruptError describes where and how a segment failed verification.
type CorruptError struct {
	Segment string // the segment's name, as given to NewReader
	Offset  int64  // byte offset in the segment where the problem was found
	Reason  string
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("segment %q: corrupt at byte %d: %s", e.Segment, e.Offset, e.Reason)
}

// Unwrap makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// Footer is what a finished segment's footer says: written by Writer.Close,
// verified by Reader before it reports io.EOF.
type Footer struct {
	Records      uint32 // number of records
	DataChecksum uint32 // CRC-32C of the record bytes between header and footer
	Size         int64  // segment size in bytes, header to footer inclusive
}

// EncodedBytes is the size of a segment holding records of the given total
// payload length.
func EncodedBytes(records int, payloadBytes int64) int64 {
	return HeaderBytes + int64(records)*RecordOverheadBytes + payloadBytes + FooterBytes
}
