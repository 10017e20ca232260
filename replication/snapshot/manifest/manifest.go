package manifest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/segment"
)

// Layout constants and limits.
const (
	// Magic opens every manifest.
	Magic = "RMAN"
	// Format is the layout version Encode writes and Decode accepts.
	Format = 1

	headerBytes = 4 + 2 + 2 + 4 // magic, format, flags, body length
	crcBytes    = 4

	// IDBytesMax bounds a snapshot ID. Redraft's are "term-index-number",
	// under 64 bytes.
	IDBytesMax = 128
	// ConfigurationBytesMax bounds the encoded Raft configuration: about
	// 100 bytes a server, so room for thousands.
	ConfigurationBytesMax = 1 << 20
	// SegmentsMax bounds the segments of one snapshot: 4 TiB of 4 MiB
	// segments, in a manifest of about 80 MiB.
	SegmentsMax = 1 << 20
	// segmentEntryBytesMax is one segment entry at its largest.
	segmentEntryBytesMax = 2 + objstore.NameBytesMax + 8 + 8 + 4 + 4
	// bodyFixedBytes is the body without id, configuration and segments.
	bodyFixedBytes = 8 + 2 + 2 + 8 + 8 + 8 + 4 + 8 + 4
	// BytesMax bounds an encoded manifest; Get reads no more than this.
	BytesMax = headerBytes + bodyFixedBytes + IDBytesMax + ConfigurationBytesMax +
		SegmentsMax*segmentEntryBytesMax + crcBytes
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors.
var (
	// ErrCorrupt: the bytes are not a valid manifest (checksum, magic,
	// format, bounds, inconsistent sizes, undecodable configuration).
	ErrCorrupt = errors.New("manifest: corrupt")
	// ErrInvalid: Encode was given a manifest that breaks a rule.
	ErrInvalid = errors.New("manifest: invalid")
)

// Segment is one segment of a snapshot, as its footer describes it.
type Segment struct {
	Name     string // object name
	Size     int64  // object bytes: segment.EncodedBytes(Records, Bytes)
	Bytes    int64  // snapshot bytes its records carry
	Records  uint32 // record count
	Checksum uint32 // the footer's data CRC
}

// Manifest commits one snapshot.
type Manifest struct {
	Version            uint64               // > 0; larger than every earlier manifest's
	SnapshotVersion    raft.SnapshotVersion // raft's snapshot metadata version
	ID                 string               // raft snapshot ID
	Index              uint64
	Term               uint64
	Configuration      []byte // raft.EncodeConfiguration of the snapshot's configuration
	ConfigurationIndex uint64
	Size               int64 // exact snapshot stream length: the sum of Segments' Bytes
	Segments           []Segment
}

// RaftConfiguration decodes Configuration (Decode has checked it decodes).
func (m *Manifest) RaftConfiguration() (raft.Configuration, error) {
	return decodeConfiguration(m.Configuration)
}

// Meta is the raft.SnapshotMeta the manifest describes.
func (m *Manifest) Meta() (*raft.SnapshotMeta, error) {
	conf, err := m.RaftConfiguration()
	if err != nil {
		return nil, err
	}
	return &raft.SnapshotMeta{
		Version:            m.SnapshotVersion,
		ID:                 m.ID,
		Index:              m.Index,
		Term:               m.Term,
		Configuration:      conf,
		ConfigurationIndex: m.ConfigurationIndex,
		Size:               m.Size,
	}, nil
}

// check returns why m breaks a rule, or "".
func (m *Manifest) check() string {
	switch {
	case m.Version == 0:
		return "version 0"
	case m.SnapshotVersion < 0 || m.SnapshotVersion > math.MaxUint16:
		return fmt.Sprintf("snapshot version %d out of range", m.SnapshotVersion)
	case m.ID == "" || len(m.ID) > IDBytesMax:
		return fmt.Sprintf("id length %d outside 1..%d", len(m.ID), IDBytesMax)
	case len(m.Configuration) > ConfigurationBytesMax:
		return fmt.Sprintf("configuration %d bytes over %d", len(m.Configuration), ConfigurationBytesMax)
	case len(m.Segments) > SegmentsMax:
		return fmt.Sprintf("%d segments over %d", len(m.Segments), SegmentsMax)
	case m.Size < 0:
		return fmt.Sprintf("size %d", m.Size)
	}
	if _, err := decodeConfiguration(m.Configuration); err != nil {
		return err.Error()
	}
	var sum int64
	names := make(map[string]bool, len(m.Segments))
	for i, s := range m.Segments {
		if err := objstore.ValidName(s.Name); err != nil {
			return fmt.Sprintf("segment %d: %v", i, err)
		}
		if names[s.Name] {
			return fmt.Sprintf("segment %d: name %q repeated", i, s.Name)
		}
		names[s.Name] = true
		if s.Bytes < 0 || s.Bytes > math.MaxInt64/2 || s.Size != segment.EncodedBytes(int(s.Records), s.Bytes) {
			return fmt.Sprintf("segment %d (%q): size %d does not fit %d records of %d bytes", i, s.Name, s.Size, s.Records, s.Bytes)
		}
		sum += s.Bytes
		if sum < 0 || sum > m.Size {
			return fmt.Sprintf("segments carry more than the %d-byte size", m.Size)
		}
	}
	if sum != m.Size {
		return fmt.Sprintf("segments carry %d bytes, size says %d", sum, m.Size)
	}
	return ""
}

// Encode returns the manifest's bytes.
func Encode(m *Manifest) ([]byte, error) {
	if why := m.check(); why != "" {
		return nil, fmt.Errorf("%w: %s", ErrInvalid, why)
	}
	n := headerBytes + bodyFixedBytes + len(m.ID) + len(m.Configuration) + crcBytes
	for _, s := range m.Segments {
		n += 2 + len(s.Name) + 8 + 8 + 4 + 4
	}
	b := make([]byte, headerBytes, n)
	copy(b, Magic)
	binary.BigEndian.PutUint16(b[4:], Format)
	binary.BigEndian.PutUint16(b[6:], 0)
	binary.BigEndian.PutUint32(b[8:], uint32(n-headerBytes-crcBytes))
	b = binary.BigEndian.AppendUint64(b, m.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(m.SnapshotVersion))
	b = binary.BigEndian.AppendUint16(b, uint16(len(m.ID)))
	b = append(b, m.ID...)
	b = binary.BigEndian.AppendUint64(b, m.Index)
	b = binary.BigEndian.AppendUint64(b, m.Term)
	b = binary.BigEndian.AppendUint64(b, m.ConfigurationIndex)
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Configuration)))
	b = append(b, m.Configuration...)
	b = binary.BigEndian.AppendUint64(b, uint64(m.Size))
	b = binary.BigEndian.AppendUint32(b, uint32(len(m.Segments)))
	for _, s := range m.Segments {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s.Name)))
		b = append(b, s.Name...)
		b = binary.BigEndian.AppendUint64(b, uint64(s.Size))
		b = binary.BigEndian.AppendUint64(b, uint64(s.Bytes))
		b = binary.BigEndian.AppendUint32(b, s.Records)
		b = binary.BigEndian.AppendUint32(b, s.Checksum)
	}
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	if len(b) != n {
		panic(fmt.Sprintf("manifest: encoded %d bytes, computed %d", len(b), n))
	}
	return b, nil
}

// Decode parses and verifies a manifest. Every failure wraps ErrCorrupt.
func Decode(b []byte) (*Manifest, error) {
	if len(b) < headerBytes+crcBytes {
		return nil, corrupt("%d bytes, shorter than header and checksum", len(b))
	}
	if len(b) > BytesMax {
		return nil, corrupt("%d bytes over the %d-byte limit", len(b), BytesMax)
	}
	if string(b[:4]) != Magic {
		return nil, corrupt("magic %q, want %q", b[:4], Magic)
	}
	body := b[:len(b)-crcBytes]
	if got, want := binary.BigEndian.Uint32(b[len(b)-crcBytes:]), crc32.Checksum(body, castagnoli); got != want {
		return nil, corrupt("checksum %#08x, computed %#08x", got, want)
	}
	if f := binary.BigEndian.Uint16(b[4:]); f != Format {
		return nil, corrupt("format %d, want %d", f, Format)
	}
	if f := binary.BigEndian.Uint16(b[6:]); f != 0 {
		return nil, corrupt("flags %#04x, want 0", f)
	}
	if l := binary.BigEndian.Uint32(b[8:]); uint64(l) != uint64(len(body)-headerBytes) {
		return nil, corrupt("body length %d, have %d bytes", l, len(body)-headerBytes)
	}
	d := decoder{b: body[headerBytes:]}
	m := &Manifest{Version: d.u64()}
	m.SnapshotVersion = raft.SnapshotVersion(d.u16())
	m.ID = string(d.bytes(int(d.u16()), IDBytesMax, "id"))
	m.Index = d.u64()
	m.Term = d.u64()
	m.ConfigurationIndex = d.u64()
	if c := d.bytes(int(d.u32()), ConfigurationBytesMax, "configuration"); len(c) > 0 {
		m.Configuration = bytes.Clone(c)
	}
	size := d.u64()
	m.Size = int64(size)
	if size > math.MaxInt64 {
		d.fail("size %d over the int64 range", size)
	}
	count := d.u32()
	// Each entry takes at least 26 bytes, so a count the remaining bytes
	// cannot hold is rejected before anything is allocated for it.
	if count > SegmentsMax || uint64(count)*(2+8+8+4+4) > uint64(len(d.b)) {
		d.fail("segment count %d does not fit", count)
	}
	if d.err == nil && count > 0 {
		m.Segments = make([]Segment, count)
		for i := range m.Segments {
			s := &m.Segments[i]
			s.Name = string(d.bytes(int(d.u16()), objstore.NameBytesMax, "segment name"))
			s.Size = int64(d.u64())
			s.Bytes = int64(d.u64())
			s.Records = d.u32()
			s.Checksum = d.u32()
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the last segment", len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	if why := m.check(); why != "" {
		return nil, corrupt("%s", why)
	}
	return m, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// decoder reads big-endian fields; the first failure sticks and later
// reads return zeros.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = corrupt(format, args...)
	}
}

func (d *decoder) take(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b) {
		d.fail("truncated: need %d bytes, have %d", n, len(d.b))
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *decoder) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.BigEndian.Uint64(p)
	}
	return 0
}

func (d *decoder) bytes(n, max int, what string) []byte {
	if n > max {
		d.fail("%s length %d over %d", what, n, max)
		return nil
	}
	return d.take(n)
}

// decodeConfiguration is raft.DecodeConfiguration (the same msgpack handle)
// returning an error where raft's panics. Empty bytes are the empty
// configuration.
func decodeConfiguration(b []byte) (raft.Configuration, error) {
	var c raft.Configuration
	if len(b) == 0 {
		return c, nil
	}
	var h codec.MsgpackHandle
	dec := codec.NewDecoderBytes(b, &h)
	if err := dec.Decode(&c); err != nil {
		return raft.Configuration{}, fmt.Errorf("configuration does not decode: %w", err)
	}
	if dec.NumBytesRead() != len(b) {
		return raft.Configuration{}, fmt.Errorf("configuration: %d bytes after the encoding", len(b)-dec.NumBytesRead())
	}
	return c, nil
}
