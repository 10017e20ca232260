// Package objstore is the object-store abstraction under Redraft's snapshot
// segments and manifests: a flat namespace of immutable, whole objects.
//
// The contract every implementation honours (and objstore's conformance
// tests check):
//   - Put makes an object visible atomically: a reader sees all of its bytes
//     or no object at all, and once Put returns nil the object is durable.
//     A Put that fails may or may not have stored the object; callers treat
//     such names as possibly present (the garbage collector removes them).
//   - Objects are written once. Put of an existing name replaces it, but
//     Redraft never relies on that: names are unique by construction.
//   - Get streams the object; a missing object is ErrNotFound.
//   - List returns the objects whose names start with prefix, sorted by name.
//   - Delete is idempotent: deleting a missing object is not an error.
//     Once Delete returns nil the deletion is durable.
//
// Implementations: Mem (in memory), Sim (seeded fault injection and
// crashes, for simulation tests), Dir (a local directory: write tmp, fsync,
// rename, fsync the directory) and Blob (gocloud.dev/blob, S3 first).
package objstore

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound: no object has that name.
var ErrNotFound = errors.New("objstore: object not found")

// Info describes a stored object.
type Info struct {
	Name string
	Size int64
}

// Store is a flat namespace of immutable objects. Safe for concurrent use.
type Store interface {
	// Put stores the bytes read from r (to EOF) under name.
	Put(ctx context.Context, name string, r io.Reader) error
	// Get opens the object for reading; ErrNotFound when it is missing.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// List returns the objects whose name starts with prefix, sorted by name.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes the object; missing objects are not an error.
	Delete(ctx context.Context, name string) error
}
