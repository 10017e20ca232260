package kv

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	"redraft/kv/script"
)

// The script cache and the FUNCTION libraries in snapshots: after the key
// records and before the trailer, one item per cached script, in load
// order (the order evictions follow, the same on every replica), then one
// per library, by name:
//
//	script   'S' | body length u32 | script body | crc u32
//	library  'L' | code length u32 | library code | crc u32
//
// The crc covers the kind byte, the length and the bytes, like a key
// record's. They are not counted in the trailer's record count, so a
// snapshot without scripts is byte-identical to what earlier versions
// wrote, and those snapshots restore with an empty cache.

const (
	snapshotKindScript  = 'S'
	snapshotKindLibrary = 'L'
)

func (sw *snapWriter) blob(kind byte, b []byte) {
	var hdr [5]byte
	hdr[0] = kind
	binary.BigEndian.PutUint32(hdr[1:], uint32(len(b)))
	crc := crc32.Update(crc32.Checksum(hdr[:], castagnoli), castagnoli, b)
	sw.write(hdr[:])
	sw.write(b)
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], crc)
	sw.write(c[:])
}

// scriptsBlobMax bounds one script or library read back (the cache's own
// byte limit; a longer length is corruption).
const scriptsBlobMax = scriptCacheBytesMax

// readBlob reads a script or library item after its kind byte.
func (sr *snapReader) readBlob(kind byte) ([]byte, error) {
	var l [4]byte
	if err := sr.read(l[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > scriptsBlobMax {
		return nil, fmt.Errorf("%w: script of %d bytes", ErrSnapshotTooLarge, n)
	}
	b := make([]byte, n)
	if err := sr.read(b); err != nil {
		return nil, err
	}
	var c [4]byte
	if _, err := io.ReadFull(sr.r, c[:]); err != nil {
		return nil, readErr(err)
	}
	sr.total = crc32.Update(sr.total, castagnoli, c[:])
	hdr := [5]byte{kind}
	copy(hdr[1:], l[:])
	if got, want := binary.BigEndian.Uint32(c[:]), crc32.Update(crc32.Checksum(hdr[:], castagnoli), castagnoli, b); got != want {
		return nil, fmt.Errorf("%w: script item: stored %08x, computed %08x", ErrSnapshotChecksum, got, want)
	}
	return b, nil
}

// restoreScripts rebuilds the script state from the items Restore read.
func restoreScripts(bodies, libs [][]byte, limits script.Limits) (*scriptState, error) {
	st := &scriptState{limits: limits}
	for _, b := range bodies {
		s, msg := script.Compile(b)
		if msg != "" {
			return nil, fmt.Errorf("%w: cached script does not compile: %s", ErrSnapshotBadRecord, msg)
		}
		st.add(s)
	}
	for _, code := range libs {
		lib, msg := st.writeEngine().LoadLibrary(code, 0)
		if msg != "" {
			return nil, fmt.Errorf("%w: library does not load: %s", ErrSnapshotBadRecord, msg)
		}
		st.installLibrary(lib)
	}
	return st, nil
}
