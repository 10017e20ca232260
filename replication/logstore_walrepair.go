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

// sealRepairFiler works around a recovery bug of raft-wal v0.4.2. Reading
// the tail segment after a crash, raft-wal notes the position of any index
// frame it meets (written only when a segment is sealed), also in the
// garbage of a torn batch after the last good commit frame. It then rewinds
// to that commit frame (dropping the unacknowledged batch, as it should)
// but keeps the segment marked sealed, and every later append fails with
// types.ErrSealed: the node starts but can never write again
// (TestWALTornTailKeepsAcknowledged finds it in about one run in ten).
//
// When the recovered tail claims to be sealed, sealRepairFiler reads the
// segment as raft-wal does (walTailEnd) and, if the index frame lies past
// the last good commit frame, cuts the file there: the bytes it removes are
// the torn batch raft-wal had already discarded, so nothing acknowledged
// changes; then it recovers the segment again. A segment sealed for real
// (its index frame before a good commit; a crash between sealing and
// recording it) is left as raft-wal leaves it.
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
	end, indexAt, err := walTailEnd(path)
	if err != nil || indexAt < end {
		return w, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := truncateSync(path, end); err != nil {
		return nil, fmt.Errorf("replication: repair wal tail %s: %w", path, err)
	}
	walSealRepairs.Add(1)
	return f.SegmentFiler.RecoverTail(info)
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

// walTailEnd reads a tail segment as raft-wal's recovery does (frame by
// frame, trusting each length, to the first zero or unknown frame header)
// and returns
// the offset just after the last commit frame it keeps (0: none) and the
// offset of the last index frame it met (-1: none).
func walTailEnd(path string) (end, indexAt int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, -1, err
	}
	defer f.Close()
	type commit struct {
		off     int64
		crc     uint32
		entries int
	}
	var prev, final *commit
	entries := 0
	indexAt = -1
	off := int64(walSegHeaderBytes)
	var h [walFrameHeaderBytes]byte
	for {
		n, err := f.ReadAt(h[:], off)
		if n < len(h) {
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, -1, err
			}
			break
		}
		typ, val := h[0], binary.LittleEndian.Uint32(h[4:])
		if typ == 0 || typ > walFrameCommit {
			break // zeros (the end) or a torn frame header
		}
		switch typ {
		case walFrameEntry:
			entries++
		case walFrameIndex:
			indexAt = off
		case walFrameCommit:
			prev, final = final, &commit{off: off, crc: val, entries: entries}
			off += walFrameHeaderBytes
			continue
		}
		off += walFrameHeaderBytes + int64(val) + int64((walFrameHeaderBytes-val%walFrameHeaderBytes)%walFrameHeaderBytes)
	}
	if final == nil {
		return 0, indexAt, nil
	}
	if final.entries < entries {
		// Entries after the last commit frame: a torn batch; the commit
		// before it was complete.
		return final.off + walFrameHeaderBytes, indexAt, nil
	}
	start := int64(0)
	if prev != nil {
		start = prev.off + walFrameHeaderBytes
	}
	buf := make([]byte, final.off-start)
	if _, err := f.ReadAt(buf, start); err != nil {
		return 0, -1, err
	}
	if crc32.Checksum(buf, walCRCTable) == final.crc {
		return final.off + walFrameHeaderBytes, indexAt, nil
	}
	if prev == nil {
		return 0, indexAt, nil
	}
	return prev.off + walFrameHeaderBytes, indexAt, nil
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
