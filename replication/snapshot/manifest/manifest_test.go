package manifest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/segment"
)

func testConfiguration() raft.Configuration {
	return raft.Configuration{Servers: []raft.Server{
		{Suffrage: raft.Voter, ID: "n1", Address: "127.0.0.1:7001"},
		{Suffrage: raft.Voter, ID: "n2", Address: "127.0.0.1:7002"},
		{Suffrage: raft.Nonvoter, ID: "n3", Address: "127.0.0.1:7003"},
	}}
}

func seg(name string, records uint32, payload int64, sum uint32) Segment {
	return Segment{Name: name, Size: segment.EncodedBytes(int(records), payload), Bytes: payload, Records: records, Checksum: sum}
}

func testManifest() *Manifest {
	return &Manifest{
		Version:            42,
		SnapshotVersion:    1,
		ID:                 "3-120-41",
		Index:              120,
		Term:               3,
		Configuration:      raft.EncodeConfiguration(testConfiguration()),
		ConfigurationIndex: 7,
		Size:               100 + 5,
		Segments:           []Segment{seg("segment-00000000000000000041-000000", 2, 100, 0xdeadbeef), seg("segment-00000000000000000041-000001", 1, 5, 1)},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, m := range []*Manifest{
		testManifest(),
		{Version: 1, SnapshotVersion: 1, ID: "x"}, // empty snapshot, empty configuration
	} {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("decoded %+v, want %+v", got, m)
		}
		meta, err := got.Meta()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := m.RaftConfiguration()
		if !reflect.DeepEqual(meta.Configuration, want) || meta.Size != m.Size || meta.ID != m.ID {
			t.Fatalf("meta %+v does not match the manifest", meta)
		}
	}
	conf, err := testManifest().RaftConfiguration()
	if err != nil || !reflect.DeepEqual(conf, testConfiguration()) {
		t.Fatalf("configuration: got %+v, %v, want %+v", conf, err, testConfiguration())
	}
}

func TestEncodeRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *Manifest)
		why  string
	}{
		{"version 0", func(m *Manifest) { m.Version = 0 }, "version 0"},
		{"empty id", func(m *Manifest) { m.ID = "" }, "id length"},
		{"long id", func(m *Manifest) { m.ID = strings.Repeat("x", IDBytesMax+1) }, "id length"},
		{"size mismatch", func(m *Manifest) { m.Size++ }, "segments carry 105 bytes, size says 106"},
		{"segment size", func(m *Manifest) { m.Segments[0].Size++ }, "does not fit"},
		{"bad name", func(m *Manifest) { m.Segments[0].Name = "a/b" }, "bad object name"},
		{"repeated name", func(m *Manifest) { m.Segments[1].Name = m.Segments[0].Name }, "repeated"},
		{"bad configuration", func(m *Manifest) { m.Configuration = []byte{0xc1} }, "configuration"},
		{"negative size", func(m *Manifest) { m.Size = -1; m.Segments = nil }, "size -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testManifest()
			tc.edit(m)
			_, err := Encode(m)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("got %v, want ErrInvalid mentioning %q", err, tc.why)
			}
		})
	}
}

// reseal recomputes the trailing CRC so only the field under test is wrong.
func reseal(b []byte) []byte {
	binary.BigEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], castagnoli))
	return b
}

func TestDecodeRejects(t *testing.T) {
	good, err := Encode(testManifest())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	for _, tc := range []struct {
		name string
		b    []byte
		why  string
	}{
		{"empty", nil, "shorter"},
		{"magic", edit(func(b []byte) []byte { b[0] = 'X'; return reseal(b) }), "magic"},
		{"bit flip", edit(func(b []byte) []byte { b[30] ^= 4; return b }), "checksum"},
		{"format", edit(func(b []byte) []byte { b[5] = 9; return reseal(b) }), "format 9"},
		{"flags", edit(func(b []byte) []byte { b[7] = 1; return reseal(b) }), "flags"},
		{"body length", edit(func(b []byte) []byte { b[11]++; return reseal(b) }), "body length"},
		{"truncated", reseal(append(bytes.Clone(good[:40]), 0, 0, 0, 0)), "body length"},
		{"trailing bytes", edit(func(b []byte) []byte {
			b = append(b[:len(b)-4], 0, 0, 0, 0, 0)
			binary.BigEndian.PutUint32(b[8:], binary.BigEndian.Uint32(b[8:])+1)
			return reseal(b)
		}), "after the last segment"},
		{"inconsistent size", edit(func(b []byte) []byte {
			// the size field sits after the configuration
			m := testManifest()
			off := headerBytes + 8 + 2 + 2 + len(m.ID) + 24 + 4 + len(m.Configuration)
			binary.BigEndian.PutUint64(b[off:], 999)
			return reseal(b)
		}), "size says 999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.b)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("got %v, want ErrCorrupt mentioning %q", err, tc.why)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		v      uint64
	}{{"", 1}, {"node1.", 42}, {"x-", ^uint64(0)}} {
		n := Name(tc.prefix, tc.v)
		if err := objstore.ValidName(n); err != nil {
			t.Fatal(err)
		}
		v, ok := ParseName(tc.prefix, n)
		if !ok || v != tc.v {
			t.Fatalf("ParseName(%q): got %d, %v, want %d", n, v, ok, tc.v)
		}
	}
	if Name("", 9) > Name("", 10) {
		t.Fatalf("names do not sort by version")
	}
	for _, bad := range []string{"manifest-1", "manifest-00000000000000000000", "other-00000000000000000001", "manifest-0000000000000000000x", "manifest-99999999999999999999"} {
		if v, ok := ParseName("", bad); ok {
			t.Fatalf("ParseName(%q) = %d, want not a manifest", bad, v)
		}
	}
}

func TestPutGet(t *testing.T) {
	ctx := context.Background()
	st := objstore.NewMem()
	m := testManifest()
	if err := Put(ctx, st, "p.", m); err != nil {
		t.Fatal(err)
	}
	got, err := Get(ctx, st, Name("p.", m.Version))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("got %+v, want %+v", got, m)
	}
	if _, err := Get(ctx, st, Name("p.", 7)); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("missing manifest: got %v, want ErrNotFound", err)
	}
	// A damaged object is corrupt and the error names it.
	name := Name("p.", 9)
	if err := st.Put(ctx, name, strings.NewReader("RMAN garbage")); err != nil {
		t.Fatal(err)
	}
	if _, err := Get(ctx, st, name); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), name) {
		t.Fatalf("damaged manifest: got %v, want ErrCorrupt naming %q", err, name)
	}
	// A store that damages what it stores fails the read-back.
	if err := Put(ctx, flipStore{st}, "q.", m); !errors.Is(err, ErrReadBack) {
		t.Fatalf("damaging store: got %v, want ErrReadBack", err)
	}
}

// flipStore flips the last byte of every object it stores.
type flipStore struct{ objstore.Store }

func (f flipStore) Put(ctx context.Context, name string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	b[len(b)-1] ^= 1
	return f.Store.Put(ctx, name, bytes.NewReader(b))
}
