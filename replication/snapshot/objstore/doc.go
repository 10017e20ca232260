// Package objstore is the object-store abstraction under Redraft's snapshot
// segments and manifests: a flat namespace of immutable, whole objects.
//
// # Contract
//
// Every implementation honours it; objstoretest.Run checks it:
//   - Put makes an object visible atomically: a reader sees all of its bytes
//     or no object at all, and once Put returns nil the object is durable.
//     A Put that fails may or may not have stored the object; callers treat
//     such names as possibly present (the garbage collector removes them).
//   - Objects are written once. Put of an existing name replaces it, but
//     Redraft never relies on that: names are unique by construction.
//   - Get streams the object; a missing object is ErrNotFound.
//   - List returns the objects whose names start with prefix, sorted by
//     name in byte order.
//   - Delete is idempotent: deleting a missing object is not an error.
//     Once Delete returns nil the deletion is durable.
//   - Names are flat: 1..NameBytesMax bytes of [A-Za-z0-9._-], not "." or
//     "..". Anything else is ErrBadName, never silently mapped. A done
//     context fails a call before it touches the store.
//
// The store gives no integrity guarantee beyond what the medium gives:
// bytes can rot at rest (Sim flips bits on purpose), so the layer above
// checksums everything it reads.
//
// # Implementations and their durability
//
//   - Mem: a map in memory. Atomic and safe for concurrent use; durable for
//     the life of the value only. For unit tests and as a model.
//   - Sim: Mem's semantics plus seeded faults (failed, lost-ack and torn
//     Puts, Get/read/List/Delete failures, lost-ack Deletes, bit flips at
//     rest), latency through an injected Sleep, and crashes (Crash,
//     Restart, CrashAfter) that keep exactly the durable state: what a nil
//     or lost-ack Put stored and what a Delete removed. With TornPuts it is
//     deliberately weaker than the contract. Deterministic for a seed and a
//     sequential call sequence; Trace tells what happened.
//   - Dir: one file per object in a local directory. Put writes a temporary
//     file beside the target, fsyncs it, renames it onto the name and
//     fsyncs the directory; Delete removes and fsyncs the directory. So it
//     survives a power loss on a file system that honours fsync. One
//     process per directory (OpenDir deletes leftover temporary files).
//   - blobstore.Blob (a sub-package, so that importing objstore does not
//     link the AWS SDK): gocloud.dev/blob. On S3 the service's guarantees:
//     an acknowledged PutObject or completed multipart upload is durable
//     and atomically visible, reads and lists are strongly consistent.
//     gocloud's mem:// is not durable; its file:// renames into place
//     without fsync (prefer Dir) and needs ?metadata=skip to keep
//     concurrent overwrites atomic for readers.
package objstore
