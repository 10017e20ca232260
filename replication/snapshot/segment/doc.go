// Package segment is the byte layout of one snapshot segment: a checksummed
// header, length-prefixed checksummed records, and a checksummed footer.
// docs/snapshot-store.md draws the layout; this comment states the rules.
//
//	header  "RSEG" | version u16 | flags u16 | record count u32 | header CRC u32
//	record  length u32 | bytes | record CRC u32            (record count times)
//	footer  "RSEF" | record count u32 | data CRC u32 | segment size u64 | footer CRC u32
//
// Integers are big-endian; CRCs are CRC-32C (Castagnoli). The header CRC
// covers the 12 header bytes before it; a record CRC covers that record's
// length and bytes; the data CRC covers every record byte between header and
// footer (lengths, bytes and record CRCs); the footer CRC covers the 20
// footer bytes before it; the segment size counts every byte from the magic
// to the footer CRC. Nothing may follow the footer.
//
// Invariants:
//   - Reader never returns a record whose record CRC does not match, and it
//     reports io.EOF only after the footer, the data CRC, the record count
//     (header and footer agree with the records read) and the size checked
//     out and the stream ended. Every mismatch is a *CorruptError (errors.Is
//     ErrCorrupt) naming the segment and the byte offset.
//   - Memory is bounded: Writer buffers nothing, Reader holds one record,
//     and no record is longer than RecordBytesMax, checked before a byte of
//     it is allocated.
//   - Every stream Reader accepts is the exact encoding Writer produces for
//     the records it returned (the encoding is canonical; FuzzReader checks).
//
// The header carries the record count, so Writer is told the count up
// front (as a tar header carries the file size) and the footer repeats it.
// A caller that learns the count only at the end buffers one bounded
// segment's records first; the snapshot store does, because it needs the
// whole segment anyway to retry a failed upload and to verify it.
//
// Writer and Reader are not safe for concurrent use.
package segment
