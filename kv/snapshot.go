package kv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"redraft/wire"
)

// Snapshots of a Machine: a streaming, checksummed, deterministic encoding of
// the whole state (docs/snapshot-format.md describes it byte by byte).
//
//	header   "RKVS" | format u16 | flags u16 | machine version u64 | crc u32
//	database 'D' | index u32 | table size u32 | crc u32      (one per non-empty database)
//	record   'R' | body length u32 | body | crc u32          (one per key)
//	body     type u8 | expireAt i64 | version u64 | key length u32 | key | value
//	trailer  'E' | record count u64 | crc of everything before it u32
//
// Format 3 (written): each non-empty database, in index order, is a
// database item followed by its records; the item holds the number of
// buckets of the database's table, which with the keys decides the order
// of KEYS, SCAN and RANDOMKEY (dict.go). Format 2 (still read) has no table
// size in its database items (the table gets the size its keys grow it
// to); format 1 (still read) has no database items: its records are
// database 0's.
//
// Integers are big-endian. Records are sorted by key bytes, so two machines in
// the same logical state (same keys, values, expiry times, entry versions and
// machine version) write byte-identical snapshots whatever history led there.
// Writing needs 16 bytes per key (the sort) plus the largest record;
// reading needs the largest record (in 1 MiB steps, so a corrupt length cannot
// make it allocate more than about twice what the stream really holds) plus,
// of course, the restored state itself.

// Snapshot format constants.
const (
	snapshotMagic = "RKVS"
	// snapshotFormat is the format version written; Restore reads it,
	// snapshotFormatV2 and snapshotFormatV1. Bump it whenever the layout or
	// the meaning of a field changes.
	snapshotFormat = 3
	// snapshotFormatV2: database items without the table size.
	snapshotFormatV2 = 2
	// snapshotFormatV1: one database, no database items (read as database 0).
	snapshotFormatV1 = 1

	snapshotHeaderBytes = 4 + 2 + 2 + 8 + 4 // magic, format, flags, version, crc
	// snapshotRecordPrefixBytes: kind, body length.
	snapshotRecordPrefixBytes = 1 + 4
	// snapshotBodyFixedBytes: type, expireAt, version, key length.
	snapshotBodyFixedBytes = 1 + 8 + 8 + 4
	snapshotTrailerBytes   = 1 + 8 + 4     // kind, count, crc
	snapshotDatabaseBytes  = 1 + 4 + 4 + 4 // kind, index, table size, crc
	// snapshotDatabaseBytesV2: kind, index, crc.
	snapshotDatabaseBytesV2 = 1 + 4 + 4

	snapshotKindRecord   = 'R'
	snapshotKindTrailer  = 'E'
	snapshotKindDatabase = 'D'

	// snapshotRecordBytesMax bounds one record's body. It is the largest
	// int32, so the length fits its 4-byte field and an int on every
	// platform, and it holds a maximal Redis string (512 MiB, Redis's
	// proto-max-bulk-len) under a maximal key (512 MiB) with room to spare.
	// A collection whose encoding exceeds it cannot be snapshotted: Snapshot
	// fails with ErrSnapshotTooLarge instead of writing a snapshot that
	// Restore would refuse.
	snapshotRecordBytesMax = 1<<31 - 1

	// snapshotReadChunkBytes is the step in which Restore grows its record
	// buffer while reading a body, so that a corrupt length on a short stream
	// fails with ErrSnapshotTruncated after allocating about what is there,
	// not what the length claims.
	snapshotReadChunkBytes = 1 << 20
	// snapshotScratchKeepBytes: record buffers larger than this are dropped
	// after use instead of being kept for the next record, so one huge
	// collection does not pin its buffer for the rest of the stream.
	snapshotScratchKeepBytes = 1 << 20
	// snapshotBufferBytes is the size of the bufio buffers on both sides.
	snapshotBufferBytes = 64 << 10
	// restoreBatch: Restore adds records to the keyspace this many at a
	// time.
	restoreBatch = 256
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshot errors. Restore wraps them with %w and names the record index
// (0-based, in stream order) where one applies.
var (
	ErrSnapshotMagic        = errors.New("kv: snapshot: bad magic (not a kv snapshot)")
	ErrSnapshotFormat       = errors.New("kv: snapshot: unsupported format version or flags")
	ErrSnapshotTruncated    = errors.New("kv: snapshot: truncated")
	ErrSnapshotChecksum     = errors.New("kv: snapshot: checksum mismatch")
	ErrSnapshotTooLarge     = errors.New("kv: snapshot: record exceeds size limit")
	ErrSnapshotBadKind      = errors.New("kv: snapshot: unknown item kind")
	ErrSnapshotBadRecord    = errors.New("kv: snapshot: malformed record")
	ErrSnapshotKeyOrder     = errors.New("kv: snapshot: keys out of order")
	ErrSnapshotDuplicateKey = errors.New("kv: snapshot: duplicate key")
	ErrSnapshotCount        = errors.New("kv: snapshot: record count mismatch")
	ErrSnapshotTrailingData = errors.New("kv: snapshot: data after trailer")
	ErrSnapshotDatabase     = errors.New("kv: snapshot: bad database item")
)

// Snapshot writes the machine's whole state to w (format in the file comment
// and docs/snapshot-format.md). It streams: records go through a bufio.Writer
// in chunks, and the only memory it needs beyond that is 16 bytes per key of
// the largest database (a pointer and a sort word) and the largest single
// record. Expired entries that have not been removed yet are state and are
// written.
//
// The machine must not be modified while Snapshot runs (BeginSnapshot is
// the variant that lets commands run). On error the bytes already written
// to w are not a valid snapshot and must be discarded.
func (m *Machine) Snapshot(w io.Writer) error {
	return m.newCut().WriteTo(w, nil)
}

// sortKey is an entry with the 8 bytes of its key that follow the prefix
// common to all keys, big-endian and zero-padded: comparing w first settles
// most comparisons without touching the keys.
type sortKey struct {
	w uint64
	e *entry
}

// sortSnapKeys (snapcut.go) orders them.
//
// Ordering by w then by key is ordering by key: for keys a < b sharing the
// first lcp bytes, either a is a prefix of b (its window is b's with bytes
// zeroed, so not greater), or they first differ at some i >= lcp, inside the
// window (a's window is smaller) or past it (equal windows, and the key
// comparison decides).

// snapWriter writes through a bufio.Writer and keeps the running CRC of
// everything written (the trailer's checksum).
type snapWriter struct {
	w     *bufio.Writer
	total uint32 // CRC-32C of every byte written so far
	err   error  // first write error; later writes are skipped
}

func (sw *snapWriter) write(b []byte) {
	if sw.err != nil {
		return
	}
	sw.total = crcUpdate(sw.total, b)
	_, sw.err = sw.w.Write(b)
}

// Restore replaces the machine's whole state with the snapshot read from r.
// It validates everything (magic, format, every checksum, key order, record
// count, end of stream) and decodes into a fresh keyspace that replaces the
// current one only at the end: on any error the machine is unchanged. The
// expiry counter is recomputed; the machine and entry versions come from the
// snapshot. Restore reads r to its end.
func (m *Machine) Restore(r io.Reader) error {
	sr := snapReader{r: bufio.NewReaderSize(r, snapshotBufferBytes)}
	var hdr [snapshotHeaderBytes]byte
	if err := sr.read(hdr[:]); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if string(hdr[:4]) != snapshotMagic {
		return fmt.Errorf("header: %w: %q", ErrSnapshotMagic, hdr[:4])
	}
	if got, want := binary.BigEndian.Uint32(hdr[16:]), crc32.Checksum(hdr[:16], castagnoli); got != want {
		return fmt.Errorf("header: %w: stored %08x, computed %08x", ErrSnapshotChecksum, got, want)
	}
	format, flags := binary.BigEndian.Uint16(hdr[4:]), binary.BigEndian.Uint16(hdr[6:])
	if format != snapshotFormat && format != snapshotFormatV2 && format != snapshotFormatV1 || flags != 0 {
		return fmt.Errorf("header: %w: format %d flags %#x, this build reads formats %d to %d with flags 0",
			ErrSnapshotFormat, format, flags, snapshotFormatV1, snapshotFormat)
	}
	version := binary.BigEndian.Uint64(hdr[8:])

	var dbs [Databases]*database
	for i := range dbs {
		dbs[i] = newDatabase()
	}
	// cur is the database records go to: format 1 has only database 0;
	// formats 2 and 3 need a database item before the first record.
	cur, curIndex := dbs[0], 0
	if format != snapshotFormatV1 {
		cur, curIndex = nil, -1
	}
	var n uint64     // records read
	inCur := 0       // records read into cur
	var table uint64 // cur's table size (format 3), 0 when not stored
	// Records are added to cur in batches: a batch's inserts, one after
	// the other with nothing else between them, overlap their cache misses
	// on the bucket array, which the decoding between two records kept
	// from happening (BenchmarkRestore1M: the inserts take half as long).
	pending := make([]*entry, 0, restoreBatch)
	flush := func() {
		for _, e := range pending {
			if table != 0 {
				cur.dict.growForRestore(table)
			}
			cur.add(e)
		}
		clear(pending)
		pending = pending[:0]
	}
	endDB := func() error { // cur's records are all read
		flush()
		if cur == nil || format == snapshotFormatV1 {
			return nil
		}
		if inCur == 0 {
			return fmt.Errorf("record %d: %w: database %d has no records", n, ErrSnapshotDatabase, curIndex)
		}
		if table == 0 {
			return nil
		}
		if !validDictSize(table, inCur) {
			return fmt.Errorf("record %d: %w: database %d: a table of %d buckets cannot hold %d keys", n, ErrSnapshotDatabase, curIndex, table, inCur)
		}
		cur.dict.resizeNow(int(table))
		return nil
	}
	var prev *entry
	var scripts, libs [][]byte // script items ('S', 'L'), not counted as records
	var aclItems [][]byte      // ACL items ('A'), not counted either
	var blk blockState
	sawWaiters := false
	var enc *encodingLimits
	for {
		kind, err := sr.readByte()
		if err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		if kind == snapshotKindDatabase && format != snapshotFormatV1 {
			if err := endDB(); err != nil {
				return err
			}
			idx, size, err := sr.database(format)
			if err != nil {
				return fmt.Errorf("record %d: %w", n, err)
			}
			if idx <= curIndex || idx >= Databases {
				return fmt.Errorf("record %d: %w: database %d after %d (this build has %d)", n, ErrSnapshotDatabase, idx, curIndex, Databases)
			}
			cur, curIndex, inCur, prev, table = dbs[idx], idx, 0, nil, size
			continue
		}
		if kind == snapshotKindWaiters && !sawWaiters {
			var hd [4]byte
			if err := sr.read(hd[:]); err != nil {
				return fmt.Errorf("waiters: %w", err)
			}
			size := binary.BigEndian.Uint32(hd[:])
			if size > maxWaitersSection {
				return fmt.Errorf("waiters: %w", errSnapshotWaiters)
			}
			body := make([]byte, size)
			if err := sr.read(body); err != nil {
				return fmt.Errorf("waiters: %w", err)
			}
			d := decoder{b: body}
			if blk, err = readWaiters(&d); err != nil || len(d.b) != 0 {
				return fmt.Errorf("waiters: %w", errSnapshotWaiters)
			}
			sawWaiters = true
			continue
		}
		if kind == snapshotKindTrailer {
			if err := endDB(); err != nil {
				return err
			}
			break
		}
		if kind == snapshotKindEncoding && enc == nil {
			b, err := sr.readBlob(kind)
			if err == nil {
				enc, err = decodeEncodingItem(b)
			}
			if err != nil {
				return fmt.Errorf("encoding item after record %d: %w", n, err)
			}
			continue
		}
		if kind == snapshotKindACLUser {
			b, err := sr.readBlob(kind)
			if err != nil {
				return fmt.Errorf("ACL item after record %d: %w", n, err)
			}
			aclItems = append(aclItems, b)
			continue
		}
		if kind == snapshotKindScript || kind == snapshotKindLibrary {
			b, err := sr.readBlob(kind)
			if err != nil {
				return fmt.Errorf("script item after record %d: %w", n, err)
			}
			if kind == snapshotKindScript {
				scripts = append(scripts, b)
			} else {
				libs = append(libs, b)
			}
			continue
		}
		if kind != snapshotKindRecord {
			return fmt.Errorf("record %d: %w: %#x", n, ErrSnapshotBadKind, kind)
		}
		if cur == nil {
			return fmt.Errorf("record %d: %w: record before any database item", n, ErrSnapshotDatabase)
		}
		e, err := sr.record(version)
		if err != nil {
			return fmt.Errorf("record %d: %w", n, err)
		}
		if prev != nil {
			switch c := strings.Compare(prev.key, e.key); {
			case c == 0:
				return fmt.Errorf("record %d: %w: %q", n, ErrSnapshotDuplicateKey, truncKey(e.key))
			case c > 0:
				return fmt.Errorf("record %d: %w: %q after %q", n, ErrSnapshotKeyOrder, truncKey(e.key), truncKey(prev.key))
			}
		}
		if pending = append(pending, e); len(pending) == cap(pending) {
			flush()
		}
		if e.expireAt != 0 {
			cur.expires++
		}
		inCur++
		n++
		prev = e
	}

	var tr [snapshotTrailerBytes - 1]byte // the kind byte is read
	if err := sr.read(tr[:8]); err != nil {
		return fmt.Errorf("trailer: %w", err)
	}
	computed := sr.total
	if err := sr.read(tr[8:]); err != nil {
		return fmt.Errorf("trailer: %w", err)
	}
	if got := binary.BigEndian.Uint32(tr[8:]); got != computed {
		return fmt.Errorf("trailer: %w: stored %08x, computed %08x", ErrSnapshotChecksum, got, computed)
	}
	if got := binary.BigEndian.Uint64(tr[:8]); got != n {
		return fmt.Errorf("trailer: %w: trailer says %d, stream holds %d", ErrSnapshotCount, got, n)
	}
	if _, err := sr.r.ReadByte(); err != io.EOF {
		if err != nil {
			return fmt.Errorf("kv: snapshot: after trailer: %w", err)
		}
		return ErrSnapshotTrailingData
	}

	st, err := restoreScripts(scripts, libs, m.scripts.limits)
	if err != nil {
		return err
	}
	acl, err := restoreACL(aclItems)
	if err != nil {
		return err
	}
	m.acl.Store(acl)
	m.dbs, m.version, m.scripts = dbs, version, st
	m.blk = blk
	m.enc = enc
	m.noteFunctionCounts()
	return nil
}

// snapReader reads through a bufio.Reader and keeps the running CRC of
// everything read.
type snapReader struct {
	r     *bufio.Reader
	total uint32 // CRC-32C of every byte read so far
	buf   []byte // the current record, reused between records
	one   [1]byte
}

// read fills b entirely; a short stream is ErrSnapshotTruncated.
func (sr *snapReader) read(b []byte) error {
	if _, err := io.ReadFull(sr.r, b); err != nil {
		return readErr(err)
	}
	sr.total = crc32.Update(sr.total, castagnoli, b)
	return nil
}

func (sr *snapReader) readByte() (byte, error) {
	c, err := sr.r.ReadByte()
	if err != nil {
		return 0, readErr(err)
	}
	sr.one[0] = c
	sr.total = crc32.Update(sr.total, castagnoli, sr.one[:])
	return c, nil
}

func readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrSnapshotTruncated
	}
	return fmt.Errorf("kv: snapshot: read: %w", err)
}

// database reads a database item after its kind byte and returns its index
// and, in format 3, its table size (0 in format 2).
func (sr *snapReader) database(format uint16) (idx int, table uint64, err error) {
	b := [snapshotDatabaseBytes]byte{snapshotKindDatabase}
	n := snapshotDatabaseBytes
	if format == snapshotFormatV2 {
		n = snapshotDatabaseBytesV2
	}
	if err := sr.read(b[1:n]); err != nil {
		return 0, 0, err
	}
	if got, computed := binary.BigEndian.Uint32(b[n-4:]), crc32.Checksum(b[:n-4], castagnoli); got != computed {
		return 0, 0, fmt.Errorf("%w: database item: stored %08x, computed %08x", ErrSnapshotChecksum, got, computed)
	}
	i := binary.BigEndian.Uint32(b[1:])
	if i >= Databases {
		return 0, 0, fmt.Errorf("%w: database %d, this build has %d", ErrSnapshotDatabase, i, Databases)
	}
	if format != snapshotFormatV2 {
		// Checked against the key count at the end of the database.
		if table = uint64(binary.BigEndian.Uint32(b[5:])); table == 0 {
			return 0, 0, fmt.Errorf("%w: database %d: table size 0", ErrSnapshotDatabase, i)
		}
	}
	return int(i), table, nil
}

// record reads one record after its kind byte, checks its checksum and
// decodes it into a new entry. maxVersion is the machine version from the
// header: no entry can have been modified after it.
func (sr *snapReader) record(maxVersion uint64) (*entry, error) {
	// b holds the whole record: kind, length, body, crc.
	b := append(sr.buf[:0], snapshotKindRecord, 0, 0, 0, 0)
	if _, err := io.ReadFull(sr.r, b[1:snapshotRecordPrefixBytes]); err != nil {
		return nil, readErr(err)
	}
	bodyLen := binary.BigEndian.Uint32(b[1:])
	if bodyLen > snapshotRecordBytesMax {
		return nil, fmt.Errorf("%w: body length %d, limit %d", ErrSnapshotTooLarge, bodyLen, snapshotRecordBytesMax)
	}
	if bodyLen < snapshotBodyFixedBytes {
		return nil, fmt.Errorf("%w: body length %d, minimum %d", ErrSnapshotBadRecord, bodyLen, snapshotBodyFixedBytes)
	}
	want := snapshotRecordPrefixBytes + int(bodyLen) + 4
	for len(b) < want {
		step := min(want-len(b), snapshotReadChunkBytes)
		b = wire.GrowLarge(b, step)
		k, err := io.ReadFull(sr.r, b[len(b):len(b)+step])
		b = b[:len(b)+k]
		if err != nil {
			sr.keepBuf(b)
			return nil, readErr(err)
		}
	}
	defer sr.keepBuf(b)
	sr.total = crcUpdate(sr.total, b[1:]) // the kind byte is counted
	body := b[snapshotRecordPrefixBytes : want-4]
	if got, computed := binary.BigEndian.Uint32(b[want-4:]), crcUpdate(0, b[:want-4]); got != computed {
		return nil, fmt.Errorf("%w: stored %08x, computed %08x", ErrSnapshotChecksum, got, computed)
	}

	typ := Type(body[0])
	expireAt := int64(binary.BigEndian.Uint64(body[1:]))
	version := binary.BigEndian.Uint64(body[9:])
	keyLen := binary.BigEndian.Uint32(body[17:])
	rest := body[snapshotBodyFixedBytes:]
	if uint64(keyLen) > uint64(len(rest)) {
		return nil, fmt.Errorf("%w: key length %d, %d bytes left", ErrSnapshotBadRecord, keyLen, len(rest))
	}
	if version > maxVersion {
		return nil, fmt.Errorf("%w: entry version %d beyond machine version %d", ErrSnapshotBadRecord, version, maxVersion)
	}
	e := &entry{key: string(rest[:keyLen]), expireAt: expireAt, version: version}
	value := rest[keyLen:]
	if typ == TypeString {
		e.str = cloneBytes(value)
		return e, nil
	}
	// The decoder may keep the slice it is given, so it gets its own copy.
	obj, n, err := decodeSnapshotValue(typ, cloneBytes(value))
	if err != nil {
		return nil, fmt.Errorf("%w: key %q: %s value: %w", ErrSnapshotBadRecord, truncKey(e.key), typ, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: key %q: empty %s", ErrSnapshotBadRecord, truncKey(e.key), typ)
	}
	e.obj = obj
	return e, nil
}

// decodeSnapshotValue decodes a collection value of type t and returns it
// with its length (collections are never empty in the keyspace).
func decodeSnapshotValue(t Type, b []byte) (any, int, error) {
	switch t {
	case TypeList:
		v, err := decodeListSnapshot(b)
		if err != nil || v == nil {
			return nil, 0, nilDecode(err)
		}
		return v, v.Len(), nil
	case TypeSet:
		v, err := decodeSetSnapshot(b)
		if err != nil || v == nil {
			return nil, 0, nilDecode(err)
		}
		return v, v.Len(), nil
	case TypeZSet:
		v, err := decodeZSetSnapshot(b)
		if err != nil || v == nil {
			return nil, 0, nilDecode(err)
		}
		return v, v.Len(), nil
	case TypeHash:
		v, err := decodeHashSnapshot(b)
		if err != nil || v == nil {
			return nil, 0, nilDecode(err)
		}
		return v, v.Len(), nil
	case TypeStream:
		v, err := decodeStreamSnapshot(b)
		if err != nil || v == nil {
			return nil, 0, nilDecode(err)
		}
		// An empty stream is a valid value (XGROUP CREATE MKSTREAM, XDEL).
		return v, 1, nil
	}
	return nil, 0, fmt.Errorf("unknown type byte %d", t)
}

// nilDecode is err, or an error for a decoder that returned neither a
// value nor an error.
func nilDecode(err error) error {
	if err == nil {
		return errors.New("decoder returned no value")
	}
	return err
}

func (sr *snapReader) keepBuf(b []byte) {
	if cap(b) > snapshotScratchKeepBytes {
		b = nil
	}
	sr.buf = b[:0]
}

// truncKey shortens a key for an error message.
func truncKey(k string) string {
	const max = 64
	if len(k) > max {
		return k[:max] + "..."
	}
	return k
}
