package replication

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzWALTailScan: walTailScan reads any bytes as a tail segment without
// panicking, and what it reports lies inside the file and on raft-wal's
// 8-byte frame grid: the end of the last kept commit frame, the batch that
// frame covers starting before it, and an index frame (if any) after the
// file header.
func FuzzWALTailScan(f *testing.F) {
	// Seeds: a real segment with three batches, and cut or damaged copies.
	dir := f.TempDir()
	logs, _, c, _, err := openLogStore(dir, logStoreOptions{kind: LogStoreWAL, logOut: os.Stderr})
	if err != nil {
		f.Fatal(err)
	}
	next := uint64(1)
	for _, n := range []int{1, 5, 3} {
		if err := logs.StoreLogs(benchLogs(next, n)); err != nil {
			f.Fatal(err)
		}
		next += uint64(n)
	}
	c.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, walDir, "*.wal"))
	if len(segs) != 1 {
		f.Fatalf("segments %v", segs)
	}
	seg, err := os.ReadFile(segs[0])
	if err != nil {
		f.Fatal(err)
	}
	sc, err := walTailScan(segs[0])
	if err != nil || sc.end == 0 {
		f.Fatalf("scan of a good segment: %+v %v", sc, err)
	}
	good := seg[:sc.end+64]
	f.Add(good)
	f.Add(good[:sc.end-3])
	torn := append([]byte(nil), good...)
	torn[sc.end-20] ^= 0xff
	f.Add(torn)
	sealed := append([]byte(nil), good...)
	copy(sealed[sc.end:], []byte{walFrameIndex, 0, 0, 0, 8, 0, 0, 0})
	f.Add(sealed)
	f.Add([]byte{})

	tmp := filepath.Join(f.TempDir(), "seg")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := walTailScan(tmp)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		size := int64(len(data))
		if sc.end < 0 || sc.end > size || sc.end%walFrameHeaderBytes != 0 || (sc.end > 0 && sc.end < walSegHeaderBytes+walFrameHeaderBytes) {
			t.Fatalf("end %d of a %d-byte file", sc.end, size)
		}
		if sc.end > 0 && (sc.crcStart < -1 || sc.crcStart > sc.end) {
			t.Fatalf("batch from %d to %d", sc.crcStart, sc.end)
		}
		if sc.indexAt != -1 && (sc.indexAt < walSegHeaderBytes || sc.indexAt%walFrameHeaderBytes != 0 || sc.indexEnd <= sc.indexAt) {
			t.Fatalf("index frame at %d-%d", sc.indexAt, sc.indexEnd)
		}
	})
}
