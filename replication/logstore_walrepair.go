package replication

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
)

// sealRepairFiler works around two recovery bugs of raft-wal v0.4.2 that
// leave the tail segment marked sealed after a restart, so that every
// append fails with types.ErrSealed and the node can never write again:
//
//  1. Reading the tail after a crash, raft-wal notes the position of any
//     index frame (written only when a segment is sealed) it meets, also in
//     the garbage of a torn batch after the last good commit frame; it then
//     rewinds to that commit frame (dropping the unacknowledged batch, as it
//     should) but keeps the segment sealed. TestWALTornTailKeepsAcknowledged
//     found it in about one run in ten.
//  2. An append that fills a segment writes its entries, an index frame and
//     a commit frame, and returns; a background goroutine then records the
//     seal in wal-meta.db and creates the next segment. A crash, or even a
//     clean Close, before that leaves a sealed tail that the meta file says
//     is open, and raft-wal never finishes the rotation
//     (TestWALCrashDuringRotation).
//
// When the recovered tail claims to be sealed, sealRepairFiler reads the
// segment as raft-wal does (walTailScan). Case 1 (the index frame past the
// last good commit frame): it cuts the file at that commit frame; the bytes
// removed are the torn batch raft-wal had already discarded. Case 2 (the
// index frame right before the last good commit frame): it unseals the
// segment by writing, over the index frame's header, a commit frame for
// the entries before it (their CRC), then cuts the file after it. Until
// the new header is durable the old file is intact; once it is, raft-wal's
// recovery stops after it, since the index payload that follows starts
// with the offset of the segment's first entry (32), not a frame type; so
// a crash at any point loses nothing acknowledged. The next append then
// seals the segment again and rotation runs normally. Then it recovers the
// segment again. Anything else is left as raft-wal leaves it.
type sealRepairFiler struct {
	types.SegmentFiler
	dir string
}

func (f sealRepairFiler) RecoverTail(info types.SegmentInfo) (types.SegmentWriter, error) {
	w, err := f.SegmentFiler.RecoverTail(info)
	if err != nil {
		return w, err
	}
	sealed, _, err := w.Sealed()
	if err != nil || !sealed {
		return w, err
	}
	path := filepath.Join(f.dir, segment.FileName(info))
	sc, err := walTailScan(path)
	if err != nil {
		return w, err
	}
	switch {
	case sc.indexAt >= sc.end: // case 1
		if err := w.Close(); err != nil {
			return nil, err
		}
		if err := truncateSync(path, sc.end); err != nil {
			return nil, fmt.Errorf("replication: repair wal tail %s: %w", path, err)
		}
	case sc.crcStart >= 0 && sc.indexAt >= sc.crcStart && sc.indexEnd == sc.end-walFrameHeaderBytes: // case 2
		if err := w.Close(); err != nil {
			return nil, err
		}
		if err := unseal(path, sc); err != nil {
			return nil, fmt.Errorf("replication: unseal wal tail %s: %w", path, err)
		}
	default:
		return w, nil
	}
	walSealRepairs.Add(1)
	return f.SegmentFiler.RecoverTail(info)
}

// unseal replaces the index frame of a sealed tail by a commit frame of
// the bytes before it, then cuts the file after that frame.
func unseal(path string, sc walScan) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, sc.indexAt-sc.crcStart)
	if _, err := f.ReadAt(buf, sc.crcStart); err != nil {
		return err
	}
	var h [walFrameHeaderBytes]byte
	h[0] = walFrameCommit
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(buf, walCRCTable))
	if _, err := f.WriteAt(h[:], sc.indexAt); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Truncate(sc.indexAt + walFrameHeaderBytes); err != nil {
		return err
	}
	return f.Sync()
}

// walSealRepairs counts the repairs (tests read it).
var walSealRepairs atomic.Int64

// raft-wal's segment format (its README, "Segment Files"): a 32-byte file
// header, then frames of an 8-byte header (type; 3 reserved bytes; the
// payload length, or for a commit frame the CRC-32C of every byte since the
// previous commit frame, the file header included for the first) and a
// payload padded to 8 bytes.
const (
	walSegHeaderBytes   = 32
	walFrameHeaderBytes = 8
	walFrameEntry       = 1
	walFrameIndex       = 2
	walFrameCommit      = 3
)

var walCRCTable = crc32.MakeTable(crc32.Castagnoli)

// walScan is what walTailScan found in a tail segment.
type walScan struct {
	end      int64 // just after the last commit frame raft-wal keeps (0: none)
	crcStart int64 // where the batch that commit frame covers starts
	indexAt  int64 // the last index frame met (-1: none)
	indexEnd int64 // just after that index frame
}

// walTailScan reads a tail segment as raft-wal's recovery does (frame by
// frame, trusting each length, to the first zero or unknown frame header).
func walTailScan(path string) (walScan, error) {
	sc := walScan{indexAt: -1}
	f, err := os.Open(path)
	if err != nil {
		return sc, err
	}
	defer f.Close()
	type commit struct {
		off     int64
		crc     uint32
		entries int
	}
	var prev, final *commit
	entries := 0
	off := int64(walSegHeaderBytes)
	var h [walFrameHeaderBytes]byte
	for {
		n, err := f.ReadAt(h[:], off)
		if n < len(h) {
			if err != nil && !errors.Is(err, io.EOF) {
				return sc, err
			}
			break
		}
		typ, val := h[0], binary.LittleEndian.Uint32(h[4:])
		if typ == 0 || typ > walFrameCommit {
			break // zeros (the end) or a torn frame header
		}
		if typ == walFrameCommit {
			prev, final = final, &commit{off: off, crc: val, entries: entries}
			off += walFrameHeaderBytes
			continue
		}
		next := off + walFrameHeaderBytes + int64(val) + int64((walFrameHeaderBytes-val%walFrameHeaderBytes)%walFrameHeaderBytes)
		if typ == walFrameEntry {
			entries++
		} else {
			sc.indexAt, sc.indexEnd = off, next
		}
		off = next
	}
	if final == nil {
		return sc, nil
	}
	keep := final
	if final.entries == entries {
		// The file ends with a commit frame: it counts if its CRC matches;
		// otherwise the one before it. (Entries after it would mean a torn
		// batch after a complete commit: that one counts as is.)
		start := int64(0)
		if prev != nil {
			start = prev.off + walFrameHeaderBytes
		}
		buf := make([]byte, final.off-start)
		if _, err := f.ReadAt(buf, start); err != nil {
			return sc, err
		}
		if crc32.Checksum(buf, walCRCTable) != final.crc {
			keep = prev
		}
	}
	if keep == nil {
		return sc, nil
	}
	sc.end = keep.off + walFrameHeaderBytes
	if keep == final && prev != nil {
		sc.crcStart = prev.off + walFrameHeaderBytes
	} else if keep == prev {
		sc.crcStart = -1 // not needed: only the last batch is ever unsealed
	}
	return sc, nil
}

// truncateSync cuts the file at size and syncs it.
func truncateSync(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
