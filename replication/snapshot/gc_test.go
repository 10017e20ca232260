package snapshot

import (
	"context"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"redraft/replication/snapshot/objstore"
)

// blockingStore blocks every call, once armed, until its context is done.
type blockingStore struct {
	objstore.Store
	armed   atomic.Bool
	entered chan struct{} // one send per blocked call (buffered)
}

func (b *blockingStore) block(ctx context.Context) error {
	if !b.armed.Load() {
		return nil
	}
	select {
	case b.entered <- struct{}{}:
	default:
	}
	<-ctx.Done()
	return ctx.Err()
}

func (b *blockingStore) List(ctx context.Context, prefix string) ([]objstore.Info, error) {
	if err := b.block(ctx); err != nil {
		return nil, err
	}
	return b.Store.List(ctx, prefix)
}

func (b *blockingStore) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := b.block(ctx); err != nil {
		return nil, err
	}
	return b.Store.Get(ctx, name)
}

func (b *blockingStore) Delete(ctx context.Context, name string) error {
	if err := b.block(ctx); err != nil {
		return err
	}
	return b.Store.Delete(ctx, name)
}

// gcShutdownBound is the bound on GC shutdown; the assertion is
// looser (gcShutdownSlack) so a loaded CI machine does not fail it, and
// the measured time is logged.
const (
	gcShutdownBound = 100 * time.Millisecond
	gcShutdownSlack = 10 * gcShutdownBound
)

// TestGCStopsOnClose: Close stops a GC pass blocked in the object store,
// leaving no goroutine behind.
func TestGCStopsOnClose(t *testing.T) {
	defer goleak.VerifyNone(t)
	bs := &blockingStore{Store: objstore.NewMem(), entered: make(chan struct{}, 1)}
	s, err := New(bs, Options{ManualGC: true})
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, s, 1, 1, []byte("x"))
	bs.armed.Store(true)
	done := make(chan error, 1)
	go func() { _, err := s.GC(context.Background()); done <- err }()
	select {
	case <-bs.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("GC pass never reached the store")
	}
	start := time.Now()
	s.Close()
	took := time.Since(start)
	t.Logf("Close with a GC pass blocked in the store took %v (bound %v)", took, gcShutdownBound)
	if took > gcShutdownSlack {
		t.Fatalf("Close took %v, want about %v (at most %v)", took, gcShutdownBound, gcShutdownSlack)
	}
	if err := <-done; err == nil {
		t.Fatalf("GC cut short by Close returned no error")
	}
	if _, err := s.GC(context.Background()); err != ErrClosed {
		t.Fatalf("GC after Close: got %v, want ErrClosed", err)
	}
	s.Close() // idempotent
}

// TestGCStopsWhenIdle: an idle collector and background passes stop on
// Close without leaks.
func TestGCStopsWhenIdle(t *testing.T) {
	defer goleak.VerifyNone(t)
	s, err := New(objstore.NewMem(), Options{Retain: 1, SegmentBytes: 100, RecordBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		mustWrite(t, s, uint64(i+1), 1, randomBytes(uint64(i), 250))
	}
	start := time.Now()
	s.Close()
	t.Logf("Close of an idle store took %v", time.Since(start))
}

// TestGCBackground: commits trigger background passes that apply
// retention and remove garbage.
func TestGCBackground(t *testing.T) {
	defer goleak.VerifyNone(t)
	obj := objstore.NewMem()
	s, err := New(obj, Options{Retain: 2, SegmentBytes: 100, RecordBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var ids []string
	for i := range 6 {
		ids = append(ids, mustWrite(t, s, uint64(i+1), 1, randomBytes(uint64(i), 250)))
	}
	want := []string{ids[5], ids[4]}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if got := names(t, obj, "manifest-"); len(got) == 2 && len(names(t, obj, "segment-")) == 6 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("background GC did not converge: %v", names(t, obj, ""))
		}
		time.Sleep(2 * time.Millisecond)
	}
	if got := listIDs(t, s); !slices.Equal(got, want) {
		t.Fatalf("List: got %v, want %v", got, want)
	}
	st, err := s.GCStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Passes == 0 || st.ManifestsDeleted != 4 || st.SegmentsDeleted != 12 {
		t.Fatalf("GC totals %+v, want passes > 0, 4 manifests and 12 segments deleted", st)
	}
}

// TestGCProtectsSinks: a sink's segments are unreferenced until its
// manifest lands; GC leaves them (and anything numbered after the sink)
// alone, and removes older orphans.
func TestGCProtectsSinks(t *testing.T) {
	ctx := context.Background()
	mem := objstore.NewMem()
	fs := &faultStore{Store: mem}
	s := open(t, fs, smallOpts())
	// An orphan: a sink cancelled while deletions fail.
	fs.delete = func(string) error { return errFault }
	o, _ := s.Create(1, 1, 1, testConf, 1, nil)
	o.Write(randomBytes(1, 2000))
	o.Cancel()
	fs.mu.Lock()
	fs.delete = nil
	fs.mu.Unlock()

	k, _ := s.Create(1, 2, 1, testConf, 1, nil)
	data := randomBytes(2, 3000)
	if _, err := k.Write(data); err != nil {
		t.Fatal(err)
	}
	st, err := s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Protected != 3 || st.SegmentsDeleted != 2 {
		t.Fatalf("GC: %+v, want the sink's 3 segments protected and the 2 orphans deleted", st)
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if _, got, err := read(s, k.ID()); err != nil || string(got) != string(data) {
		t.Fatalf("read: %d bytes, %v", len(got), err)
	}
	st, err = s.GC(ctx)
	if err != nil || st.SegmentsDeleted != 0 || st.Protected != 0 || st.Kept != 1 {
		t.Fatalf("GC after commit: %+v, %v; want nothing deleted or protected, one kept", st, err)
	}
}

// TestGCKeepsEvidence: a damaged manifest newer than every complete
// snapshot stays (Recover reports it) until a newer complete one exists.
func TestGCKeepsEvidence(t *testing.T) {
	ctx := context.Background()
	obj := objstore.NewMem()
	opt := smallOpts()
	opt.Retain = 1
	s := open(t, obj, opt)
	mustWrite(t, s, 1, 1, randomBytes(1, 1500))
	mustWrite(t, s, 2, 1, randomBytes(2, 1500))
	bad := s.manifestName(s.next - 1)
	flipByte(t, obj, bad, 50)
	s = open(t, obj, opt) // forget the cached manifest
	st, err := s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Evidence != 1 || st.Kept != 1 || st.ManifestsDeleted != 0 || st.SegmentsDeleted != 2 {
		t.Fatalf("GC: %+v; want the damaged manifest kept as evidence, the older snapshot kept, its 2 unreferenced segments deleted", st)
	}
	if !slices.Contains(names(t, obj, "manifest-"), bad) {
		t.Fatalf("damaged manifest %q deleted", bad)
	}
	id := mustWrite(t, s, 3, 1, randomBytes(3, 500))
	st, err = s.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.ManifestsDeleted != 2 || st.Evidence != 0 {
		t.Fatalf("GC after a newer snapshot: %+v; want the damaged and the old manifest deleted", st)
	}
	if got := listIDs(t, s); !slices.Equal(got, []string{id}) {
		t.Fatalf("List: got %v, want [%s]", got, id)
	}
	if got := names(t, obj, ""); len(got) != 2 {
		t.Fatalf("objects: %v, want one manifest and one segment", got)
	}
}

// TestGCConcurrent: passes, triggers, commits, readers and Lists at once
// (run with -race); afterwards one pass leaves exactly the retained
// snapshots.
func TestGCConcurrent(t *testing.T) {
	defer goleak.VerifyNone(t)
	obj := objstore.NewMem()
	s, err := New(obj, Options{Retain: 2, SegmentBytes: 100, RecordBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for i := range 10 {
				idx := uint64(w*100 + i + 1)
				data := randomBytes(idx, 300)
				id := mustWrite(t, s, idx, 1, data)
				_, got, err := read(s, id)
				if err != nil && !strings.Contains(err.Error(), "not found") {
					t.Errorf("read %s: %v", id, err)
				}
				if err == nil && string(got) != string(data) {
					t.Errorf("read %s: wrong bytes", id)
				}
				s.List()
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := s.GC(context.Background()); err != nil {
				t.Errorf("GC: %v", err)
			}
		}
	})
	wg.Wait()
	st, err := s.GC(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := 2 // retained; plus the highest version if it ranks lower by index
	if st.Floor {
		want++
	}
	if got := names(t, obj, "manifest-"); len(got) != want {
		t.Fatalf("manifests after the final pass: %v, want %d (%+v)", got, want, st)
	}
	if got := names(t, obj, "segment-"); len(got) != 3*want {
		t.Fatalf("segments after the final pass: %d, want %d", len(got), 3*want)
	}
}
