package objstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Mem is a Store in memory: objects live as long as the Mem. Safe for
// concurrent use; Put copies the bytes in and Get hands out a private
// copy, so no caller can alter a stored object.
type Mem struct {
	mu      sync.Mutex
	objects map[string][]byte // guarded by mu; values are never mutated
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty in-memory store.
func NewMem() *Mem { return &Mem{objects: make(map[string][]byte)} }

// Put implements Store. The bytes are read before the store is locked, so
// a slow reader blocks no other caller.
func (m *Mem) Put(ctx context.Context, name string, r io.Reader) error {
	if err := CheckCall(ctx, "put", name); err != nil {
		return err
	}
	data, err := readAll(ctx, r)
	if err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	m.mu.Lock()
	m.objects[name] = data
	m.mu.Unlock()
	return nil
}

// Get implements Store.
func (m *Mem) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := CheckCall(ctx, "get", name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	data, ok := m.objects[name]
	m.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("objstore: get %q: %w", name, ErrNotFound)
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(data))), nil
}

// List implements Store.
func (m *Mem) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := CheckList(ctx, prefix); err != nil {
		return nil, err
	}
	m.mu.Lock()
	infos := listMap(m.objects, prefix)
	m.mu.Unlock()
	return infos, nil
}

// Delete implements Store.
func (m *Mem) Delete(ctx context.Context, name string) error {
	if err := CheckCall(ctx, "delete", name); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objects, name)
	m.mu.Unlock()
	return nil
}

// listMap returns the entries of objects whose name starts with prefix,
// sorted by name.
func listMap(objects map[string][]byte, prefix string) []Info {
	var infos []Info
	for name, data := range objects {
		if strings.HasPrefix(name, prefix) {
			infos = append(infos, Info{Name: name, Size: int64(len(data))})
		}
	}
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return infos
}

// readAll reads r to EOF, failing with ctx's error as soon as ctx is done
// (checked between reads), so a canceled Put stores nothing.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(ContextReader(ctx, r))
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return data, nil
}
