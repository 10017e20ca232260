// Package manifest is the commit record of one Raft snapshot on an object
// store: which segments hold the snapshot's bytes, in order, with their
// sizes and checksums, and the snapshot's Raft metadata. Writing the
// manifest is the commit point of a snapshot.
//
// Commit protocol (docs/snapshot-store.md):
//  1. The snapshot's segments are uploaded under names no other snapshot
//     uses. Nothing refers to them yet, so a crash leaves only garbage.
//  2. The manifest is uploaded, immutable, as Name(prefix, version) with a
//     version larger than every version the store has held. objstore.Put
//     is atomic, so the snapshot appears whole or not at all; Put reads the
//     manifest back and compares it byte for byte before it reports success.
//  3. Readers take the newest manifest that decodes (checksum, bounds) and
//     whose segments verify. A crash at any step leaves the old snapshot or
//     the new one fully visible, never a mix.
//
// Byte layout (integers big-endian, CRC-32C Castagnoli):
//
//	"RMAN" | format u16 | flags u16 | body length u32 | body | CRC u32 of all before
//	body: version u64 | snapshot version u16 | id (u16 length + bytes) |
//	      index u64 | term u64 | configuration index u64 |
//	      configuration (u32 length + bytes, raft.EncodeConfiguration) |
//	      size u64 | segment count u32 |
//	      segment count times: name (u16 length + bytes) | size u64 |
//	                           payload bytes u64 | records u32 | data CRC u32
//
// Decode accepts exactly what Encode writes (the encoding is canonical;
// FuzzDecode checks), and every bound is checked before anything is
// allocated.
package manifest
