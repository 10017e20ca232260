// Package objstore is the object-store abstraction under Redraft's snapshot
// segments and manifests: a flat namespace of immutable, whole objects.
//
// The contract every implementation honours (objstoretest.Run checks it):
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
//   - Names are flat: 1..NameBytesMax bytes of [A-Za-z0-9._-], not "." or
//     "..". Anything else is ErrBadName, never silently mapped.
//
// Implementations: Mem (in memory), Sim (seeded fault injection and
// crashes, for simulation tests), Dir (a local directory: write tmp, fsync,
// rename, fsync the directory) and Blob (gocloud.dev/blob, S3 first).
package objstore
