package objstore_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/objstore/objstoretest"
)

func openDir(t *testing.T, path string) *objstore.Dir {
	t.Helper()
	d, err := objstore.OpenDir(path)
	if err != nil {
		t.Fatalf("OpenDir(%s) = %v", path, err)
	}
	return d
}

func TestDirConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store {
		return openDir(t, filepath.Join(t.TempDir(), "objects")) // created by OpenDir
	})
}

func dirNames(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(path)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestDirTempFiles: temporary files are never listed, a failed Put leaves
// none, and reopening removes those a crash left; strays that are not
// objects are listed neither and kept.
func TestDirTempFiles(t *testing.T) {
	ctx := t.Context()
	path := t.TempDir()
	d := openDir(t, path)
	if err := d.Put(ctx, "obj", strings.NewReader("data")); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"~tmp-seg-1-123", "~tmp-obj-9"} { // as a crash mid-Put leaves them
		if err := os.WriteFile(filepath.Join(path, name), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(path, "not an object"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(path, "subdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := []objstore.Info{{Name: "obj", Size: 4}}
	if got, err := d.List(ctx, ""); err != nil || !slices.Equal(got, want) {
		t.Errorf("List = (%v, %v), want %v", got, err, want)
	}
	if err := d.Put(ctx, "bad", &failReader{}); err == nil {
		t.Errorf("Put from a failing reader = nil, want an error")
	}
	if got, want := dirNames(t, path), []string{"not an object", "obj", "subdir", "~tmp-obj-9", "~tmp-seg-1-123"}; !slices.Equal(got, want) {
		t.Errorf("after a failed Put the directory holds %q, want %q", got, want)
	}
	d = openDir(t, path)
	if got, want := dirNames(t, path), []string{"not an object", "obj", "subdir"}; !slices.Equal(got, want) {
		t.Errorf("after reopening the directory holds %q, want %q", got, want)
	}
	if got, err := readAll(ctx, d, "obj"); err != nil || string(got) != "data" {
		t.Errorf("Get(obj) after reopening = (%q, %v), want %q", got, err, "data")
	}
}

type failReader struct{}

func (failReader) Read(p []byte) (int, error) { return 0, os.ErrClosed }
