package replication

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft-wal/types"
)

// gatedFiler is a segment filer whose Delete waits for its gate (but for
// segments whose base index is ungated) and records what it removed.
type gatedFiler struct {
	types.SegmentFiler // nil: only Delete is called
	gate               chan struct{}
	mu                 sync.Mutex
	deleted            []segmentRef
}

// ungated is the base index of the segments gatedFiler removes at once.
const ungated = 99

func (f *gatedFiler) Delete(base, id uint64) error {
	if base != ungated {
		<-f.gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, segmentRef{base, id})
	return nil
}

func (f *gatedFiler) removed() []segmentRef {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]segmentRef(nil), f.deleted...)
}

// TestSegmentPrunerDeletesInTheBackground: Delete returns before the file
// is removed, removals happen in order, a full queue removes inline, Close
// stops after the removal under way (leaving the queued ones), and Delete
// after Close removes inline.
func TestSegmentPrunerDeletesInTheBackground(t *testing.T) {
	f := &gatedFiler{gate: make(chan struct{})}
	p := newSegmentPruner(f, hclog.NewNullLogger())
	for i := range uint64(3) {
		done := make(chan struct{})
		go func() { p.Delete(10*i, i); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Delete waited for the removal")
		}
	}
	f.gate <- struct{}{} // the first removal
	f.gate <- struct{}{} // the second
	deadline := time.Now().Add(5 * time.Second)
	for len(f.removed()) < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := f.removed(); len(got) != 2 || got[0] != (segmentRef{0, 0}) || got[1] != (segmentRef{10, 1}) {
		t.Fatalf("removed %v, want the first two in order", got)
	}
	// The third is under way (taken off the queue, waiting at the gate):
	// the queue fills, and one more Delete removes the file itself, at once.
	for len(p.q) > 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for i := range uint64(segmentPruneQueue) {
		p.Delete(1000+i, 100+i)
	}
	p.Delete(ungated, 99)
	if got := f.removed(); len(got) != 3 || got[2] != (segmentRef{ungated, 99}) {
		t.Fatalf("removed %v: want the full queue's Delete to remove inline", got)
	}
	// Close waits for the removal under way, then leaves the queue.
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-p.stop:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the pruner")
	}
	f.gate <- struct{}{} // the third
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if got := f.removed(); len(got) != 4 || got[3] != (segmentRef{20, 2}) {
		t.Fatalf("removed %v: want the third finished and nothing after it", got)
	}
	if len(p.q) != segmentPruneQueue {
		t.Fatalf("%d removals left queued, want all %d", len(p.q), segmentPruneQueue)
	}
	p.Close() // twice is fine
	// After Close, Delete removes inline.
	p.Delete(ungated, 7)
	if got := f.removed(); len(got) != 5 || got[4] != (segmentRef{ungated, 7}) {
		t.Fatalf("removed %v: want Delete after Close to remove inline", got)
	}
}

func containsRef(rs []segmentRef, r segmentRef) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// TestWALPrunesSegmentsAndOrphans: through the real store, a head
// truncation's segment files go (in the background), and a segment file the
// metadata does not list (a removal queued when the process stopped) is
// removed when the store opens again; the entries kept stay readable.
func TestWALPrunesSegmentsAndOrphans(t *testing.T) {
	dir := t.TempDir()
	opts := logStoreOptions{kind: LogStoreWAL, logOut: os.Stderr, walSegmentBytes: 64 << 10}
	logs, _, c, _, err := openLogStore(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		if err := logs.StoreLogs(benchLogs(uint64(i*100+1), 100)); err != nil {
			t.Fatal(err)
		}
	}
	segs := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, walDir, "*.wal"))
		return m
	}
	before := len(segs())
	if before < 4 {
		t.Fatalf("%d segment files: the test wants several", before)
	}
	if err := logs.DeleteRange(1, 3900); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(segs()) > before-3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	after := segs()
	if len(after) > before-3 {
		t.Fatalf("%d segment files before the truncation, %d after", before, len(after))
	}
	c.Close()
	// An orphan: a segment file with an ID the metadata never gave out.
	orphan := filepath.Join(dir, walDir, "00000000000000000001-00000000000fffff.wal")
	if err := os.WriteFile(orphan, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, _, c, _, err = openLogStore(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(orphan); os.IsNotExist(err) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("the orphan segment file is still there after reopening: %v", err)
	}
	first, _ := logs.FirstIndex()
	last, _ := logs.LastIndex()
	if first != 3901 || last != 4000 {
		t.Fatalf("log %d-%d after reopening, want 3901-4000", first, last)
	}
	for _, s := range segs() {
		if strings.HasSuffix(s, "fffff.wal") {
			t.Fatal("orphan listed")
		}
	}
}
