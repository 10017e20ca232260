//go:build unix

package systest

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
	"go.etcd.io/bbolt"
)

// TestKillAllTornWALTail is TestKillAllUnderLoad on the wal log store with
// a torn write added to every node's log while the cluster is down: after
// the last commit frame of the tail segment lies a batch whose fsync never
// returned (so nothing in it was acknowledged, by the node or to a client):
// entry frames with random payloads and no commit frame, or with a commit
// frame whose CRC does not match, or bare garbage. On restart raft-wal must
// drop it, and every write acknowledged to a client must be there (a write
// is acknowledged once committed on a majority and applied).
func TestKillAllTornWALTail(t *testing.T) {
	killAllUnderLoad(t, "wal", tearWALTail)
}

// Frame layout of a raft-wal segment (its README, "Segment Files"): a
// 32-byte file header, then frames of an 8-byte header (type, 3 reserved
// bytes, length or CRC) and a payload padded to 8 bytes.
const (
	walFileHeader  = 32
	walFrameHeader = 8
	walFrameEntry  = 1
	walFrameCommit = 3
)

// tearWALTail writes an unacknowledged, torn batch after the last commit
// frame of n's tail segment.
func tearWALTail(t *testing.T, rng *rand.Rand, n *node) {
	t.Helper()
	seg, err := walTailSegment(filepath.Join(n.dir, "wal"))
	if err != nil {
		t.Fatalf("%s: %v", n, err)
	}
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	end, err := walEndOfData(f)
	if err != nil {
		t.Fatalf("%s: %s: %v", n, seg, err)
	}
	var tear []byte
	kind := rng.Intn(3)
	switch kind {
	case 0, 1: // entries, then no commit frame or a commit frame with a bad CRC
		for i := 1 + rng.Intn(8); i > 0; i-- {
			payload := make([]byte, 1+rng.Intn(200))
			rng.Read(payload)
			h := make([]byte, walFrameHeader)
			h[0] = walFrameEntry
			binary.LittleEndian.PutUint32(h[4:], uint32(len(payload)))
			tear = append(append(tear, h...), payload...)
			tear = append(tear, make([]byte, (8-len(payload)%8)%8)...)
		}
		if kind == 1 {
			h := make([]byte, walFrameHeader)
			h[0] = walFrameCommit
			binary.LittleEndian.PutUint32(h[4:], rng.Uint32())
			tear = append(tear, h...)
		}
		// The crash cut the batch somewhere.
		tear = tear[:1+rng.Intn(len(tear))]
	default: // garbage (the first byte a frame type, so that it is read)
		tear = make([]byte, 1+rng.Intn(1024))
		rng.Read(tear)
		tear[0] = walFrameEntry
	}
	if _, err := f.WriteAt(tear, end); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: tore %d bytes (kind %d) at offset %d of %s", n, len(tear), kind, end, filepath.Base(seg))
}

// walTailSegment returns the path of the unsealed (tail) segment that
// raft-wal's meta file lists.
func walTailSegment(dir string) (string, error) {
	db, err := bbolt.Open(filepath.Join(dir, "wal-meta.db"), 0o644, &bbolt.Options{ReadOnly: true, Timeout: stopWait})
	if err != nil {
		return "", err
	}
	defer db.Close()
	var st types.PersistentState
	err = db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("wal-meta"))
		if b == nil {
			return errors.New("no wal-meta bucket")
		}
		return json.Unmarshal(b.Get([]byte("m")), &st)
	})
	if err != nil {
		return "", err
	}
	for _, si := range st.Segments {
		if si.SealTime.IsZero() {
			return filepath.Join(dir, segment.FileName(si)), nil
		}
	}
	return "", errors.New("no unsealed segment")
}

// walEndOfData returns the offset just after the last frame of the segment
// (the first all-zero frame header: segments are preallocated with zeros).
func walEndOfData(f *os.File) (int64, error) {
	off := int64(walFileHeader)
	h := make([]byte, walFrameHeader)
	for {
		if _, err := f.ReadAt(h, off); err != nil {
			return 0, err
		}
		switch h[0] {
		case 0:
			return off, nil
		case walFrameCommit:
			off += walFrameHeader
		default:
			l := int64(binary.LittleEndian.Uint32(h[4:]))
			off += walFrameHeader + l + (8-l%8)%8
		}
	}
}
