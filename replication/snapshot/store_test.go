package snapshot

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/segment"
)

func TestRoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 999, 1000, 1001, 5500} {
		obj := objstore.NewMem()
		s := open(t, obj, smallOpts())
		data := randomBytes(uint64(n), n)
		id := mustWrite(t, s, 10, 2, data)
		metas, err := s.List()
		if err != nil {
			t.Fatal(err)
		}
		if len(metas) != 1 {
			t.Fatalf("size %d: listed %d snapshots, want 1", n, len(metas))
		}
		m := metas[0]
		want := raft.SnapshotMeta{Version: 1, ID: id, Index: 10, Term: 2, Configuration: testConf, ConfigurationIndex: 1, Size: int64(n)}
		if !reflect.DeepEqual(*m, want) {
			t.Fatalf("size %d: meta %+v, want %+v", n, *m, want)
		}
		// A fresh process reads it too (nothing cached).
		s2 := open(t, obj, smallOpts())
		for _, st := range []*Store{s, s2} {
			meta, got, err := read(st, id)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) || meta.Size != int64(n) {
				t.Fatalf("size %d: read %d bytes (meta %d), want the %d written", n, len(got), meta.Size, n)
			}
		}
		if got, want := len(names(t, obj, "segment-")), (n+999)/1000; got != want {
			t.Fatalf("size %d: %d segments, want %d", n, got, want)
		}
	}
}

func TestPrefixAndOptions(t *testing.T) {
	obj := objstore.NewMem()
	opt := smallOpts()
	opt.Prefix = "node1."
	s := open(t, obj, opt)
	mustWrite(t, s, 1, 1, randomBytes(1, 2500))
	for _, n := range names(t, obj, "") {
		if !strings.HasPrefix(n, "node1.") {
			t.Fatalf("object %q outside the prefix", n)
		}
	}
	if ids := listIDs(t, open(t, obj, Options{Prefix: "node2.", ManualGC: true})); len(ids) != 0 {
		t.Fatalf("another prefix lists %v, want nothing", ids)
	}
	for _, bad := range []Options{
		{SegmentBytes: -1}, {SegmentBytes: SegmentBytesLimit + 1}, {SegmentBytes: 10, RecordBytes: 11},
		{Retain: -1}, {Prefix: "a/b"}, {Prefix: strings.Repeat("p", PrefixBytesMax+1)}, {OpTimeout: -1},
	} {
		if _, err := New(obj, bad); err == nil {
			t.Fatalf("New(%+v) accepted bad options", bad)
		}
	}
	if _, err := s.Create(0, 1, 1, testConf, 1, nil); err == nil {
		t.Fatalf("Create accepted snapshot version 0")
	}
}

func TestListOrder(t *testing.T) {
	s := open(t, objstore.NewMem(), Options{Retain: 10, ManualGC: true})
	a := mustWrite(t, s, 5, 1, []byte("a"))
	b := mustWrite(t, s, 9, 2, []byte("b"))
	c := mustWrite(t, s, 7, 2, []byte("c")) // committed last, lower index
	d := mustWrite(t, s, 9, 3, []byte("d"))
	if got, want := listIDs(t, s), []string{d, b, c, a}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

func TestSinkIdempotence(t *testing.T) {
	obj := objstore.NewMem()
	s := open(t, obj, smallOpts())
	k, err := s.Create(1, 3, 1, testConf, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.Write(randomBytes(1, 2500)); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: got %v, want nil", err)
	}
	if err := k.Cancel(); err != nil {
		t.Fatalf("Cancel after Close: got %v, want nil", err)
	}
	if _, err := k.Write([]byte("x")); !errors.Is(err, ErrSinkDone) {
		t.Fatalf("Write after Close: got %v, want ErrSinkDone", err)
	}
	if ids := listIDs(t, s); !slices.Equal(ids, []string{k.ID()}) {
		t.Fatalf("List: got %v, want [%s]", ids, k.ID())
	}

	c, err := s.Create(1, 4, 1, testConf, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(randomBytes(2, 2500)); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(); err != nil {
		t.Fatalf("second Cancel: got %v, want nil", err)
	}
	if err := c.Close(); err == nil {
		t.Fatalf("Close after Cancel: got nil, want an error")
	}
	if ids := listIDs(t, s); !slices.Equal(ids, []string{k.ID()}) {
		t.Fatalf("List after Cancel: got %v, want [%s]", ids, k.ID())
	}
	if got, want := len(names(t, obj, "segment-")), 3; got != want {
		t.Fatalf("segments after Cancel: got %d, want %d (the cancelled sink's deleted)", got, want)
	}
}

// TestDamage: a damaged or missing segment or manifest is never listed by
// a fresh process; a process that verified the snapshot earlier lists it
// but Open's reader fails naming the segment, after handing out only
// correct bytes.
func TestDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, obj objstore.Store, seg, man string)
		want   string
	}{
		{"segment bit flip", func(t *testing.T, obj objstore.Store, seg, _ string) { flipByte(t, obj, seg, 700) }, "checksum"},
		{"segment header flip", func(t *testing.T, obj objstore.Store, seg, _ string) { flipByte(t, obj, seg, 3) }, "magic"},
		{"segment missing", func(t *testing.T, obj objstore.Store, seg, _ string) { obj.Delete(context.Background(), seg) }, "missing"},
		{"segment replaced", func(t *testing.T, obj objstore.Store, seg, _ string) {
			// Same size, valid on its own, different bytes: only the
			// manifest's checksum catches it.
			b, _, err := encodeTestSegment(randomBytes(99, 1000), 128)
			if err != nil {
				t.Fatal(err)
			}
			obj.Put(context.Background(), seg, bytes.NewReader(b))
		}, "manifest says"},
		{"manifest bit flip", func(t *testing.T, obj objstore.Store, _, man string) { flipByte(t, obj, man, 40) }, "manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := objstore.NewMem()
			s := open(t, obj, smallOpts())
			old := mustWrite(t, s, 1, 1, randomBytes(1, 300))
			data := randomBytes(2, 3500)
			id := mustWrite(t, s, 2, 1, data)
			if got, want := listIDs(t, s), []string{id, old}; !slices.Equal(got, want) {
				t.Fatalf("List: got %v, want %v", got, want)
			}
			m := s.manifests[s.manifestName(s.next-1)]
			seg := m.Segments[2].Name
			tc.damage(t, obj, seg, s.manifestName(m.Version))

			fresh := open(t, obj, smallOpts())
			if got, want := listIDs(t, fresh), []string{old}; !slices.Equal(got, want) {
				t.Fatalf("fresh List: got %v, want %v", got, want)
			}
			if _, _, err := fresh.Open(id); !errors.Is(err, ErrNotFound) {
				t.Fatalf("fresh Open: got %v, want ErrNotFound", err)
			}
			if strings.HasPrefix(tc.name, "manifest") {
				return
			}
			if tc.name == "segment missing" {
				// Presence is checked against a fresh listing on every
				// List and Open, so even this process drops it.
				if got, want := listIDs(t, s), []string{old}; !slices.Equal(got, want) {
					t.Fatalf("List: got %v, want %v", got, want)
				}
				return
			}
			_, got, err := read(s, id)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), seg) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("read: got %v, want ErrDamaged naming %q and saying %q", err, seg, tc.want)
			}
			if !bytes.Equal(got, data[:len(got)]) || len(got) != 2000 {
				t.Fatalf("read handed out %d bytes before the error; want the 2000 of the intact segments, unchanged", len(got))
			}
		})
	}
}

// encodeTestSegment encodes data as one segment of rb-byte records.
func encodeTestSegment(data []byte, rb int) ([]byte, manifest.Segment, error) {
	var recs [][]byte
	for off := 0; off < len(data); off += rb {
		recs = append(recs, data[off:min(off+rb, len(data))])
	}
	b, f, err := segment.Encode(recs)
	return b, manifest.Segment{Size: f.Size, Bytes: int64(len(data)), Records: f.Records, Checksum: f.DataChecksum}, err
}

func TestRetentionAndOpenReaders(t *testing.T) {
	ctx := context.Background()
	obj := objstore.NewMem()
	opt := smallOpts()
	opt.Retain = 1
	s := open(t, obj, opt)
	dataA := randomBytes(1, 2500)
	a := mustWrite(t, s, 1, 1, dataA)
	meta, rc, err := s.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	if meta.ID != a {
		t.Fatalf("Open: meta ID %q, want %q", meta.ID, a)
	}
	b := mustWrite(t, s, 2, 1, randomBytes(2, 2500))
	st, err := s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.HeldOpen != 1 || st.ManifestsDeleted != 0 {
		t.Fatalf("GC with a reader open: %+v, want one deletion held and none done", st)
	}
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, dataA) {
		t.Fatalf("reading the held snapshot: %d bytes, %v; want the %d written", len(got), err, len(dataA))
	}
	rc.Close()
	rc.Close() // idempotent
	st, err = s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ManifestsDeleted != 1 || st.SegmentsDeleted != 3 || st.Kept != 1 {
		t.Fatalf("GC after the reader closed: %+v, want 1 manifest and 3 segments deleted, 1 kept", st)
	}
	if got, want := listIDs(t, s), []string{b}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	if _, _, err := s.Open(a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open of a reaped snapshot: got %v, want ErrNotFound", err)
	}
	if got, want := len(names(t, obj, "")), 1+3; got != want {
		t.Fatalf("objects left: %d (%v), want %d", got, names(t, obj, ""), want)
	}
}

// TestVersionsGrow: new objects are numbered above everything in the
// store, across restarts, whatever GC deleted.
func TestVersionsGrow(t *testing.T) {
	obj := objstore.NewMem()
	opt := smallOpts()
	opt.Retain = 1
	seen := map[string]bool{}
	var top uint64
	for round := range 4 {
		s := open(t, obj, opt)
		mustWrite(t, s, uint64(round+1), 1, randomBytes(uint64(round), 1500))
		// An abandoned sink leaves numbered segments behind.
		k, err := s.Create(1, 99, 1, testConf, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		k.Write(randomBytes(7, 2000))
		s.Close()
		s = open(t, obj, opt)
		if _, err := s.GC(context.Background()); err != nil {
			t.Fatal(err)
		}
		newTop := top
		for _, n := range names(t, obj, "manifest-") {
			if seen[n] {
				continue
			}
			seen[n] = true
			v, ok := manifest.ParseName("", n)
			if !ok || v <= top {
				t.Fatalf("round %d: new manifest %q not above version %d", round, n, top)
			}
			newTop = max(newTop, v)
		}
		if newTop == top {
			t.Fatalf("round %d: no new manifest", round)
		}
		top = newTop
		s.Close()
	}
}

func TestUploadRetries(t *testing.T) {
	ctx := context.Background()
	mem := objstore.NewMem()
	fs := &faultStore{Store: mem}
	fails := 0
	fs.put = func(name string) (bool, error) {
		if strings.HasPrefix(name, "segment-") && strings.HasSuffix(name, "-00000001") && fails < 1 {
			fails++
			return true, errFault // stored, but reported failed
		}
		return false, nil
	}
	s := open(t, fs, smallOpts())
	data := randomBytes(3, 2500)
	id := mustWrite(t, s, 1, 1, data)
	if _, got, err := read(s, id); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after a retried upload: %d bytes, %v", len(got), err)
	}
	st, err := s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.SegmentsDeleted != 1 {
		t.Fatalf("GC: %+v, want the failed upload's object deleted", st)
	}

	// Every attempt failing fails the Write and then Close.
	fs.mu.Lock()
	fs.put = func(name string) (bool, error) {
		if strings.HasPrefix(name, "segment-") {
			return false, errFault
		}
		return false, nil
	}
	fs.mu.Unlock()
	k, _ := s.Create(1, 2, 1, testConf, 1, nil)
	if _, err := k.Write(data); !errors.Is(err, errFault) {
		t.Fatalf("Write with failing uploads: got %v, want the store's error", err)
	}
	if err := k.Close(); !errors.Is(err, errFault) {
		t.Fatalf("Close after a failed Write: got %v, want the store's error", err)
	}
	if got, want := listIDs(t, s), []string{id}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

func TestCommitFailure(t *testing.T) {
	mem := objstore.NewMem()
	fs := &faultStore{Store: mem}
	s := open(t, fs, smallOpts())
	fs.put = func(name string) (bool, error) {
		if strings.HasPrefix(name, "manifest-") {
			return true, errFault // stored, reported failed
		}
		return false, nil
	}
	if _, err := write(t, s, 1, 1, randomBytes(1, 2500)); !errors.Is(err, errFault) {
		t.Fatalf("Close with a failing manifest upload: got %v, want the store's error", err)
	}
	if got := names(t, mem, ""); len(got) != 0 {
		t.Fatalf("objects left after a failed commit: %v, want none", got)
	}
	// When the clean-up fails too, the manifest may survive: it is listed
	// only because it is complete and intact.
	fs.delete = func(string) error { return errFault }
	id, err := write(t, s, 2, 1, randomBytes(2, 2500))
	if !errors.Is(err, errFault) {
		t.Fatalf("Close: got %v, want the store's error", err)
	}
	if got, want := listIDs(t, s), []string{id}; !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
}

// TestConcurrentSinks: sinks interleave; each commit gets a larger version
// than the one before, in commit order.
func TestConcurrentSinks(t *testing.T) {
	obj := objstore.NewMem()
	s := open(t, obj, Options{SegmentBytes: 100, RecordBytes: 10, Retain: 10, ManualGC: true})
	a, _ := s.Create(1, 1, 1, testConf, 1, nil)
	b, _ := s.Create(1, 2, 1, testConf, 1, nil)
	a.Write(randomBytes(1, 250))
	b.Write(randomBytes(2, 250))
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	ms := names(t, obj, "manifest-")
	if len(ms) != 2 {
		t.Fatalf("manifests: %v, want 2", ms)
	}
	first, _ := manifest.Get(context.Background(), obj, ms[0])
	if first.ID != b.ID() {
		t.Fatalf("lower version holds %s, want %s (committed first)", first.ID, b.ID())
	}
}
