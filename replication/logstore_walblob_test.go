package replication

import (
	"bytes"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

// openWAL opens a raft-wal log store in dir with entries of blobBytes or
// more in blob files; the returned func closes it.
func openWAL(t *testing.T, dir string, blobBytes int) (raft.LogStore, func()) {
	t.Helper()
	logs, _, c, _, err := openLogStore(dir, logStoreOptions{kind: LogStoreWAL, walBlobBytes: blobBytes})
	if err != nil {
		t.Fatal(err)
	}
	return logs, func() { c.Close() }
}

func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, walBlobDir))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestWALEntryOverMaxEntrySize: an entry of 65 MiB, over raft-wal's fixed
// 64 MiB limit, reads back whole, before and after the store is reopened
// (raft-wal alone writes it and then reports it corrupt on every read).
func TestWALEntryOverMaxEntrySize(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 65 MiB entries")
	}
	dir := t.TempDir()
	logs, closeFn := openWAL(t, dir, 0)
	big := make([]byte, 65<<20)
	rand.New(rand.NewSource(1)).Read(big)
	want := []*raft.Log{
		{Index: 1, Term: 1, Type: raft.LogCommand, Data: []byte("small")},
		{Index: 2, Term: 1, Type: raft.LogCommand, Data: big},
		{Index: 3, Term: 1, Type: raft.LogCommand, Data: []byte("after")},
	}
	if err := logs.StoreLogs(want); err != nil {
		t.Fatal(err)
	}
	if &want[1].Data[0] != &big[0] || want[1].Extensions != nil {
		t.Fatal("StoreLogs changed the caller's entry")
	}
	checkEntries(t, logs, want, "after the append")
	closeFn()
	logs, closeFn = openWAL(t, dir, 0)
	defer closeFn()
	checkEntries(t, logs, want, "after reopening")
	if n := len(blobFiles(t, dir)); n != 1 {
		t.Fatalf("%d blob files, want 1", n)
	}
}

// TestWALBlobLifecycle (with a 1 KiB threshold): Extensions survive,
// damaged blobs are errors, DeleteRange of a head or a tail removes their
// blobs, and opening the store removes blobs no entry points to.
func TestWALBlobLifecycle(t *testing.T) {
	dir := t.TempDir()
	logs, closeFn := openWAL(t, dir, 1024)
	rng := rand.New(rand.NewSource(2))
	var want []*raft.Log
	for i := uint64(1); i <= 20; i++ {
		n := 10
		if i%3 == 0 {
			n = 1024 + rng.Intn(4096)
		}
		l := &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: make([]byte, n)}
		rng.Read(l.Data)
		if i == 6 {
			l.Extensions = []byte("ext")
		}
		if i == 7 { // a small entry whose Extensions look like a pointer's
			l.Extensions = append([]byte(nil), walBlobMarker...)
		}
		want = append(want, l)
	}
	if err := logs.StoreLogs(want[:10]); err != nil {
		t.Fatal(err)
	}
	for _, l := range want[10:] {
		if err := logs.StoreLog(l); err != nil {
			t.Fatal(err)
		}
	}
	checkEntries(t, logs, want, "after the appends")
	if got := len(blobFiles(t, dir)); got != 7 { // 3, 6, 9, 12, 15, 18 and 7
		t.Fatalf("%d blobs, want 7", got)
	}

	// A damaged blob is an error, never other bytes.
	p := filepath.Join(dir, walBlobDir, blobName(9, 1))
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(orig)
	bad[len(bad)/2] ^= 1
	os.WriteFile(p, bad, 0o644)
	var l raft.Log
	if err := logs.GetLog(9, &l); !errors.Is(err, errBlob) {
		t.Fatalf("GetLog of a damaged blob: %v, want errBlob", err)
	}
	os.Remove(p)
	if err := logs.GetLog(9, &l); !errors.Is(err, errBlob) {
		t.Fatalf("GetLog of a missing blob: %v, want errBlob", err)
	}
	os.WriteFile(p, orig, 0o644)

	// Head compaction, then a conflicting tail rewritten by a new term.
	if err := logs.DeleteRange(1, 10); err != nil {
		t.Fatal(err)
	}
	if err := logs.DeleteRange(16, 20); err != nil {
		t.Fatal(err)
	}
	for _, name := range blobFiles(t, dir) {
		if idx, _, _ := parseBlobName(name); idx <= 10 || idx >= 16 {
			t.Errorf("blob %s left after DeleteRange", name)
		}
	}
	tail := &raft.Log{Index: 16, Term: 2, Type: raft.LogCommand, Data: bytes.Repeat([]byte("t"), 2000)}
	if err := logs.StoreLog(tail); err != nil {
		t.Fatal(err)
	}
	want = append(want[10:15], tail)
	checkEntries(t, logs, want, "after compaction and a new tail")

	// Blobs of entries that are not in the WAL (a crash between a blob and
	// its pointer, a half-written temporary) go when the store opens.
	closeFn()
	stray := []string{blobName(17, 2), blobName(12, 7), blobName(3, 1), blobName(15, 1) + ".tmp"}
	for _, name := range stray {
		os.WriteFile(filepath.Join(dir, walBlobDir, name), []byte("x"), 0o644)
	}
	logs, closeFn = openWAL(t, dir, 1024)
	defer closeFn()
	checkEntries(t, logs, want, "after reopening")
	left := map[string]bool{}
	for _, name := range blobFiles(t, dir) {
		left[name] = true
	}
	for _, name := range stray {
		if left[name] {
			t.Errorf("stray blob %s kept", name)
		}
	}
	for _, name := range []string{blobName(12, 1), blobName(15, 1), blobName(16, 2)} {
		if !left[name] {
			t.Errorf("blob %s removed", name)
		}
	}
}

// checkEntries checks that logs ends with want (consecutive) and holds
// each entry of it as it was stored, Extensions included.
func checkEntries(t *testing.T, logs raft.LogStore, want []*raft.Log, when string) {
	t.Helper()
	last, err := logs.LastIndex()
	if err != nil {
		t.Fatal(err)
	}
	if last != want[len(want)-1].Index {
		t.Fatalf("%s: last index %d, want %d", when, last, want[len(want)-1].Index)
	}
	for _, w := range want {
		var got raft.Log
		if err := logs.GetLog(w.Index, &got); err != nil {
			t.Fatalf("%s: entry %d: %v", when, w.Index, err)
		}
		if got.Term != w.Term || got.Type != w.Type || !bytes.Equal(got.Data, w.Data) ||
			!bytes.Equal(got.Extensions, w.Extensions) {
			t.Fatalf("%s: entry %d differs from what was stored", when, w.Index)
		}
	}
}
