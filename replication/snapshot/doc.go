// Package snapshot is Redraft's raft.SnapshotStore on an object store
// (package objstore): each snapshot is a sequence of checksummed segments
// (package segment) committed by an immutable, versioned manifest (package
// manifest). docs/snapshot-store.md has the layouts and the protocol.
//
// Invariants:
//   - A snapshot is listed only if its manifest decodes and each of its
//     segments is present with the recorded size and was read through and
//     verified (once per process; objects are immutable). List is newest
//     first (index, then term, then manifest version) and Meta.Size is the
//     exact stream length.
//   - Open never hands out a byte of a segment before the whole segment
//     verified against its footer and the manifest; damage is an
//     ErrDamaged error naming the segment, never wrong bytes.
//   - When a sink's Close returns nil the manifest is durable, read back
//     intact, and listed; before that nothing of the snapshot is listed.
//     A crash at any step leaves the previous snapshots or the new one
//     fully visible.
//   - Manifest versions and sink numbers come from one counter that starts
//     above every number in the store, and manifests are committed one at a
//     time, so versions only grow, across restarts too.
//   - Memory is bounded whatever the snapshot size: a sink holds one
//     segment (and its encoding), a reader one segment.
//   - GC (an actor) deletes only manifests outside the newest Retain
//     complete snapshots that no reader has open, and segments no kept
//     manifest references that no sink still writing may need. Damaged
//     manifests newer than every complete snapshot are kept for Recover.
//   - Recover refuses to start a node on an older snapshot unless the Raft
//     log continues from it (ErrNewestDamaged, ErrLogGap).
//
// Concurrency: Store is safe for concurrent use. A sink or reader is used
// by one goroutine (as raft does); their Close/Cancel are idempotent.
// Commits are serialised. The garbage collector runs passes one at a time
// on its own goroutine, in the background after each commit (unless
// Options.ManualGC) or on demand (Store.GC); Store.Close stops it within
// about 100 ms.
package snapshot
