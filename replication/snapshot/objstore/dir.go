package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dirTempPrefix starts every temporary file's name. '~' is outside the
// name alphabet, so a temporary file can never collide with an object,
// and List, which shows only valid names, never shows one.
const dirTempPrefix = "~tmp-"

// Dir is a Store in a local directory, one file per object, named as the
// object. Put writes a temporary file in the same directory, fsyncs it,
// renames it onto the name and fsyncs the directory; Delete removes the
// file and fsyncs the directory. So an object is visible whole or not at
// all, and a nil Put or Delete survives a power loss (given a file system
// that honours fsync, as ext4 and xfs do).
//
// One Dir (one process) per directory: OpenDir removes the temporary
// files it finds, which would break another writer's Put in flight.
type Dir struct {
	path string
}

var _ Store = (*Dir)(nil)

// OpenDir opens the store in directory path, creating it if needed, and
// removes the temporary files of Puts a crash interrupted.
func OpenDir(path string) (*Dir, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(path, 0o755); err != nil {
			return nil, fmt.Errorf("objstore: open dir: %w", err)
		}
		if err := syncDir(filepath.Dir(path)); err != nil {
			return nil, fmt.Errorf("objstore: open dir: %w", err)
		}
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("objstore: open dir: %w", err)
	}
	removed := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), dirTempPrefix) {
			if err := os.Remove(filepath.Join(path, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("objstore: open dir: removing a temporary file: %w", err)
			}
			removed++
		}
	}
	if removed > 0 {
		if err := syncDir(path); err != nil {
			return nil, fmt.Errorf("objstore: open dir: %w", err)
		}
	}
	return &Dir{path: path}, nil
}

// Path returns the directory.
func (d *Dir) Path() string { return d.path }

// Put implements Store.
func (d *Dir) Put(ctx context.Context, name string, r io.Reader) error {
	if err := CheckCall(ctx, "put", name); err != nil {
		return err
	}
	if err := d.put(ctx, name, r); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	return nil
}

func (d *Dir) put(ctx context.Context, name string, r io.Reader) (err error) {
	f, err := os.CreateTemp(d.path, dirTempPrefix+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if _, err := io.Copy(f, ContextReader(ctx, r)); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil { // last moment the Put can still not happen
		return err
	}
	if err := os.Rename(tmp, filepath.Join(d.path, name)); err != nil {
		return err
	}
	// Visible from here on; durable once the directory is synced.
	return syncDir(d.path)
}

// Get implements Store. The reader is the open file.
func (d *Dir) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := CheckCall(ctx, "get", name); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(d.path, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("objstore: get %q: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("objstore: get %q: %w", name, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("not a regular file (%v)", st.Mode())
		}
		return nil, fmt.Errorf("objstore: get %q: %w", name, err)
	}
	return f, nil
}

// List implements Store. Entries that are not regular files with valid
// names (temporary files, strays) are not objects and are skipped.
func (d *Dir) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := CheckList(ctx, prefix); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(d.path) // sorted by name, in byte order
	if err != nil {
		return nil, fmt.Errorf("objstore: list %q: %w", prefix, err)
	}
	var infos []Info
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !e.Type().IsRegular() || ValidName(name) != nil {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // deleted since ReadDir
		}
		if err != nil {
			return nil, fmt.Errorf("objstore: list %q: %w", prefix, err)
		}
		infos = append(infos, Info{Name: name, Size: fi.Size()})
	}
	return infos, nil
}

// Delete implements Store. The directory is synced even when the file was
// already gone, so retrying a Delete whose sync failed makes it durable.
func (d *Dir) Delete(ctx context.Context, name string) error {
	if err := CheckCall(ctx, "delete", name); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(d.path, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("objstore: delete %q: %w", name, err)
	}
	if err := syncDir(d.path); err != nil {
		return fmt.Errorf("objstore: delete %q: %w", name, err)
	}
	return nil
}

// syncDir fsyncs a directory, making the renames and removals in it
// durable.
func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", path, err)
	}
	return nil
}
