// Package objstoretest is the conformance suite every objstore.Store
// implementation must pass: Run it from the implementation's tests.
package objstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"redraft/replication/snapshot/objstore"
)

// Limits of the suite, sized to run in seconds under the race detector
// while still crossing the buffer sizes implementations use.
const (
	// largeBytes crosses S3's 5 MiB minimum multipart part size and any
	// 32 KiB/1 MiB copy buffer, and is not a multiple of either.
	largeBytes = 5<<20 + 4093
	// streamChunkBytes is how much the streaming reader hands out per
	// Read, so Put sees a stream and not one big slice.
	streamChunkBytes = 64<<10 - 1
	// concurrentWorkers and concurrentObjects size the concurrency test.
	concurrentWorkers = 8
	concurrentObjects = 12
	// sharedVersions is how many whole versions writers race to put under
	// one name while readers check that each read is one whole version.
	sharedVersions = 24
)

// Run runs the conformance suite. newStore must return a fresh, empty
// store for each subtest (and register its own cleanup on t).
func Run(t *testing.T, newStore func(t *testing.T) objstore.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, objstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Large", testLarge},
		{"Overwrite", testOverwrite},
		{"NotFound", testNotFound},
		{"List", testList},
		{"Delete", testDelete},
		{"FailingReader", testFailingReader},
		{"CanceledBefore", testCanceledBefore},
		{"CanceledDuringPut", testCanceledDuringPut},
		{"BadNames", testBadNames},
		{"ValidNames", testValidNames},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStore(t)) })
	}
}

func put(t *testing.T, s objstore.Store, name string, data []byte) {
	t.Helper()
	if err := s.Put(t.Context(), name, bytes.NewReader(data)); err != nil {
		t.Fatalf("Put(%q, %d bytes) = %v, want nil", name, len(data), err)
	}
}

func get(t *testing.T, s objstore.Store, name string) []byte {
	t.Helper()
	b, err := read(t.Context(), s, name)
	if err != nil {
		t.Fatalf("Get(%q) = %v, want nil", name, err)
	}
	return b
}

func read(ctx context.Context, s objstore.Store, name string) ([]byte, error) {
	rc, err := s.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return b, err
}

func list(t *testing.T, s objstore.Store, prefix string) []objstore.Info {
	t.Helper()
	infos, err := s.List(t.Context(), prefix)
	if err != nil {
		t.Fatalf("List(%q) = %v, want nil", prefix, err)
	}
	if !slices.IsSortedFunc(infos, func(a, b objstore.Info) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatalf("List(%q) = %v, not sorted by name", prefix, infos)
	}
	return infos
}

func wantMissing(t *testing.T, s objstore.Store, name string) {
	t.Helper()
	if b, err := read(t.Context(), s, name); !errors.Is(err, objstore.ErrNotFound) {
		t.Fatalf("Get(%q) = (%d bytes, %v), want ErrNotFound", name, len(b), err)
	}
}

func testRoundTrip(t *testing.T, s objstore.Store) {
	for i, n := range []int{0, 1, 15, 16, 4096, 100003} {
		name := fmt.Sprintf("obj-%d", n)
		want := content(uint64(i+1), n)
		put(t, s, name, want)
		if got := get(t, s, name); !bytes.Equal(got, want) {
			t.Errorf("Get(%q) = %d bytes, want the %d bytes put", name, len(got), len(want))
		}
		infos := list(t, s, name)
		if len(infos) != 1 || infos[0] != (objstore.Info{Name: name, Size: int64(n)}) {
			t.Errorf("List(%q) = %v, want [{%s %d}]", name, infos, name, n)
		}
	}
}

func testLarge(t *testing.T, s objstore.Store) {
	const name, seed = "large.seg", 42
	if err := s.Put(t.Context(), name, newStreamReader(seed, largeBytes, streamChunkBytes)); err != nil {
		t.Fatalf("Put(%q, %d streamed bytes) = %v, want nil", name, largeBytes, err)
	}
	want := sha256.New()
	if _, err := io.Copy(want, newStreamReader(seed, largeBytes, streamChunkBytes)); err != nil {
		t.Fatal(err)
	}
	rc, err := s.Get(t.Context(), name)
	if err != nil {
		t.Fatalf("Get(%q) = %v, want nil", name, err)
	}
	defer rc.Close()
	got := sha256.New()
	n, err := io.CopyBuffer(got, rc, make([]byte, 8191))
	if err != nil {
		t.Fatalf("reading %q: %v after %d bytes", name, err, n)
	}
	if n != largeBytes || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("Get(%q) = %d bytes sha256 %x, want %d bytes sha256 %x", name, n, got.Sum(nil), largeBytes, want.Sum(nil))
	}
	if infos := list(t, s, "large"); len(infos) != 1 || infos[0].Size != largeBytes {
		t.Fatalf("List(large) = %v, want one object of %d bytes", infos, largeBytes)
	}
}

func testOverwrite(t *testing.T, s objstore.Store) {
	const name = "manifest-1"
	put(t, s, name, content(1, 5000))
	want := content(2, 300)
	put(t, s, name, want)
	if got := get(t, s, name); !bytes.Equal(got, want) {
		t.Fatalf("Get after overwrite = %d bytes, want the second version's %d", len(got), len(want))
	}
	if infos := list(t, s, ""); len(infos) != 1 || infos[0].Size != int64(len(want)) {
		t.Fatalf("List after overwrite = %v, want one object of %d bytes", infos, len(want))
	}
}

func testNotFound(t *testing.T, s objstore.Store) {
	wantMissing(t, s, "nothing")
	put(t, s, "something", []byte("x"))
	wantMissing(t, s, "somethin")
	wantMissing(t, s, "something-else")
}

func testList(t *testing.T, s objstore.Store) {
	if infos := list(t, s, ""); len(infos) != 0 {
		t.Fatalf("List on an empty store = %v, want nothing", infos)
	}
	// Put out of order; names chosen so byte order differs from what
	// case-folding or numeric sorting would give.
	names := []string{"seg-b", "seg-a", "Seg-c", "seg-", "seg-a.1", "seg-a-2", "manifest-10", "manifest-9", "m", "seg_a", "s"}
	sizes := map[string]int64{}
	for i, name := range names {
		n := 10 * (i + 1)
		put(t, s, name, content(uint64(i), n))
		sizes[name] = int64(n)
	}
	for _, prefix := range []string{"", "seg-", "seg-a", "seg-a.", "manifest-", "m", "S", "s", "seg-b", "x", "seg-bb"} {
		var want []objstore.Info
		for _, name := range names {
			if strings.HasPrefix(name, prefix) {
				want = append(want, objstore.Info{Name: name, Size: sizes[name]})
			}
		}
		slices.SortFunc(want, func(a, b objstore.Info) int { return strings.Compare(a.Name, b.Name) })
		if got := list(t, s, prefix); !slices.Equal(got, want) {
			t.Errorf("List(%q) = %v, want %v", prefix, got, want)
		}
	}
}

func testDelete(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	if err := s.Delete(ctx, "never-there"); err != nil {
		t.Fatalf("Delete of a missing object = %v, want nil", err)
	}
	put(t, s, "a", []byte("aaa"))
	put(t, s, "b", []byte("bbb"))
	for i := range 2 {
		if err := s.Delete(ctx, "a"); err != nil {
			t.Fatalf("Delete(a) #%d = %v, want nil", i+1, err)
		}
	}
	wantMissing(t, s, "a")
	if got, want := list(t, s, ""), []objstore.Info{{Name: "b", Size: 3}}; !slices.Equal(got, want) {
		t.Fatalf("List after Delete = %v, want %v", got, want)
	}
	put(t, s, "a", []byte("again"))
	if got := get(t, s, "a"); string(got) != "again" {
		t.Fatalf("Get after delete and put = %q, want %q", got, "again")
	}
}

var errReader = errors.New("objstoretest: reader failed")

func testFailingReader(t *testing.T, s objstore.Store) {
	old := content(7, 2000)
	put(t, s, "obj", old)
	for _, name := range []string{"obj", "fresh"} {
		err := s.Put(t.Context(), name, &failingReader{data: content(8, 100000), err: errReader})
		if !errors.Is(err, errReader) {
			t.Fatalf("Put(%q) from a failing reader = %v, want an error wrapping %v", name, err, errReader)
		}
	}
	if got := get(t, s, "obj"); !bytes.Equal(got, old) {
		t.Fatalf("after a failed overwrite Get = %d bytes, want the old %d", len(got), len(old))
	}
	wantMissing(t, s, "fresh")
}

func testCanceledBefore(t *testing.T, s objstore.Store) {
	put(t, s, "obj", []byte("data"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Put(ctx, "new", bytes.NewReader([]byte("x"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context = %v, want context.Canceled", err)
	}
	if rc, err := s.Get(ctx, "obj"); !errors.Is(err, context.Canceled) {
		if err == nil {
			rc.Close()
		}
		t.Errorf("Get with a canceled context = %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context = %v, want context.Canceled", err)
	}
	if err := s.Delete(ctx, "obj"); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete with a canceled context = %v, want context.Canceled", err)
	}
	wantMissing(t, s, "new")
	if got := get(t, s, "obj"); string(got) != "data" {
		t.Errorf("Get after a canceled Delete = %q, want %q", got, "data")
	}
}

func testCanceledDuringPut(t *testing.T, s objstore.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	want := content(9, 300000)
	err := s.Put(ctx, "obj", &cancelingReader{data: want, cancel: cancel, chunk: 4096})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Put canceled mid-stream = %v, want context.Canceled", err)
	}
	// The outcome of a failed Put is unknown, but never partial.
	got, err := read(t.Context(), s, "obj")
	switch {
	case errors.Is(err, objstore.ErrNotFound):
	case err != nil:
		t.Fatalf("Get after a canceled Put = %v, want the object or ErrNotFound", err)
	case !bytes.Equal(got, want):
		t.Fatalf("Get after a canceled Put = %d bytes, want all %d or none", len(got), len(want))
	}
}

// badNames are rejected with ErrBadName by Put, Get and Delete.
var badNames = []string{
	"", ".", "..", "a/b", "/a", "a/", "a\\b", "a b", " a", "a\x00", "a\n", "é", "a:b", "a~", "a*", "a?",
	strings.Repeat("a", objstore.NameBytesMax+1),
}

// badPrefixes are rejected with ErrBadName by List.
var badPrefixes = []string{"a/", "/", "a b", "é", "..\\", strings.Repeat("p", objstore.NameBytesMax+1)}

func testBadNames(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	for _, name := range badNames {
		if err := s.Put(ctx, name, bytes.NewReader([]byte("x"))); !errors.Is(err, objstore.ErrBadName) {
			t.Errorf("Put(%q) = %v, want ErrBadName", name, err)
		}
		if rc, err := s.Get(ctx, name); !errors.Is(err, objstore.ErrBadName) {
			if err == nil {
				rc.Close()
			}
			t.Errorf("Get(%q) = %v, want ErrBadName", name, err)
		}
		if err := s.Delete(ctx, name); !errors.Is(err, objstore.ErrBadName) {
			t.Errorf("Delete(%q) = %v, want ErrBadName", name, err)
		}
	}
	for _, prefix := range badPrefixes {
		if _, err := s.List(ctx, prefix); !errors.Is(err, objstore.ErrBadName) {
			t.Errorf("List(%q) = %v, want ErrBadName", prefix, err)
		}
	}
	if infos := list(t, s, ""); len(infos) != 0 {
		t.Errorf("List after rejected puts = %v, want nothing", infos)
	}
}

func testValidNames(t *testing.T, s objstore.Store) {
	names := []string{"a", "-", "_", ".a", "a.", "...", "a..b", "A-Z.0_9", strings.Repeat("n", objstore.NameBytesMax)}
	for i, name := range names {
		put(t, s, name, content(uint64(i), 20+i))
	}
	for i, name := range names {
		if got, want := get(t, s, name), content(uint64(i), 20+i); !bytes.Equal(got, want) {
			t.Errorf("Get(%q) = %d bytes, want %d", name, len(got), len(want))
		}
	}
	if got := list(t, s, "."); len(got) != 2 {
		t.Errorf("List(\".\") = %v, want .a and ...", got)
	}
	if got := list(t, s, ""); len(got) != len(names) {
		t.Errorf("List(\"\") = %d objects, want %d", len(got), len(names))
	}
}

func testConcurrent(t *testing.T, s objstore.Store) {
	ctx := t.Context()
	const shared = "shared"
	put(t, s, shared, content(1000, 4000))
	var wg sync.WaitGroup
	for w := range concurrentWorkers {
		wg.Go(func() { // distinct names: each reads back its own writes
			for i := range concurrentObjects {
				name := fmt.Sprintf("w%d-o%02d", w, i)
				seed := uint64(w*concurrentObjects + i + 1)
				want := content(seed, 100+int(seed)*37)
				if err := s.Put(ctx, name, bytes.NewReader(want)); err != nil {
					t.Errorf("Put(%q) = %v", name, err)
					return
				}
				if got, err := read(ctx, s, name); err != nil || !bytes.Equal(got, want) {
					t.Errorf("Get(%q) = (%d bytes, %v), want %d bytes", name, len(got), err, len(want))
					return
				}
			}
		})
	}
	for w := range 2 { // writers of whole versions under one name
		wg.Go(func() {
			for v := w; v < sharedVersions; v += 2 {
				data := content(uint64(2000+v), 1000+v*311)
				if err := s.Put(ctx, shared, bytes.NewReader(data)); err != nil {
					t.Errorf("Put(%q) version %d = %v", shared, v, err)
					return
				}
			}
		})
	}
	for range 2 { // readers: every read is one whole version
		wg.Go(func() {
			for range sharedVersions {
				got, err := read(ctx, s, shared)
				if err != nil {
					t.Errorf("Get(%q) = %v", shared, err)
					return
				}
				if err := checkContent(got); err != nil {
					t.Errorf("Get(%q) while being overwritten: %v", shared, err)
					return
				}
				if _, err := s.List(ctx, "w"); err != nil {
					t.Errorf("List(w) = %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got, want := len(list(t, s, "w")), concurrentWorkers*concurrentObjects; got != want {
		t.Errorf("List(w) after the concurrent puts = %d objects, want %d", got, want)
	}
	if err := checkContent(get(t, s, shared)); err != nil {
		t.Errorf("final %q: %v", shared, err)
	}
}
