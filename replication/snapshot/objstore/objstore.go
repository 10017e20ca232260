package objstore

import (
	"context"
	"errors"
	"io"
)

// Errors shared by every implementation. Implementations wrap them with
// the operation and the name (test with errors.Is).
var (
	// ErrNotFound: no object has that name.
	ErrNotFound = errors.New("objstore: object not found")
	// ErrBadName: the name (or List prefix) is outside the allowed
	// alphabet or length; see ValidName.
	ErrBadName = errors.New("objstore: bad object name")
	// ErrCrashed: the simulated store crashed (Sim only); the call's
	// outcome is unknown, like any other failed call.
	ErrCrashed = errors.New("objstore: store crashed")
	// ErrInjected: a fault the simulated store injected (Sim only).
	ErrInjected = errors.New("objstore: injected fault")
)

// Info describes a stored object.
type Info struct {
	Name string
	Size int64
}

// Store is a flat namespace of immutable objects. Safe for concurrent use.
//
// Every method first rejects a bad name (ErrBadName) and a done context
// (an error wrapping ctx.Err()).
type Store interface {
	// Put stores the bytes read from r (to EOF) under name. The object
	// becomes visible atomically and is durable once Put returns nil. If
	// Put fails (r fails, ctx is done, the store fails), the object may or
	// may not have been stored, but never partially.
	Put(ctx context.Context, name string, r io.Reader) error
	// Get opens the object for reading; ErrNotFound when it is missing.
	// The caller closes the reader.
	Get(ctx context.Context, name string) (io.ReadCloser, error)
	// List returns the objects whose name starts with prefix, sorted by
	// name (byte order). An empty prefix lists everything; no match is an
	// empty result, not an error.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Delete removes the object; missing objects are not an error. Once
	// Delete returns nil the deletion is durable.
	Delete(ctx context.Context, name string) error
}
