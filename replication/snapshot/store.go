package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/objstore"
)

// Errors. Wrapped errors name the snapshot, manifest or segment.
var (
	// ErrDamaged: a manifest or segment is damaged (checksum, layout or
	// size mismatch) or missing. Never returned with wrong bytes.
	ErrDamaged = errors.New("snapshot: damaged")
	// ErrNotFound: no complete snapshot has that ID.
	ErrNotFound = errors.New("snapshot: not found")
	// ErrClosed: the Store is closed.
	ErrClosed = errors.New("snapshot: store closed")
	// ErrSinkDone: Write after Close or Cancel.
	ErrSinkDone = errors.New("snapshot: sink closed or cancelled")
	// ErrReadBack: a segment read back after upload differs from what was
	// uploaded.
	ErrReadBack = errors.New("snapshot: segment read-back differs from what was written")
)

// Store is a raft.SnapshotStore on an object store (see the package
// comment). Safe for concurrent use; Close stops its garbage collector.
type Store struct {
	obj objstore.Store
	opt Options
	log *slog.Logger

	ctx    context.Context // cancelled by Close; parent of every call
	cancel context.CancelFunc

	// commitMu serialises commits, so manifest versions become visible
	// in increasing order.
	commitMu sync.Mutex
	// openMu: Open holds it shared from its scan until it has registered
	// its reader; GC holds it exclusively while it retires a manifest, so
	// no Open registers a reader on a manifest GC is deleting.
	openMu sync.RWMutex

	mu        sync.Mutex
	closed    bool
	next      uint64                        // next number: above every number in the store
	sinks     map[uint64]bool               // numbers of sinks not yet closed or cancelled
	readers   map[uint64]int                // manifest version -> open readers
	removed   map[uint64]bool               // manifest versions GC retired (deleted or deleting)
	manifests map[string]*manifest.Manifest // decoded manifests by object name (objects are immutable)
	verified  map[string]manifest.Segment   // segments read through and matching this entry
	deferred  bool                          // GC held a deletion back for an open reader

	gc *collector
}

var _ raft.SnapshotStore = (*Store)(nil)

// New opens the snapshot store kept in obj. It lists obj once (to number
// new objects above every existing one) and starts the garbage collector,
// which makes a first pass in the background unless opt.ManualGC.
func New(obj objstore.Store, opt Options) (*Store, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Store{
		obj: obj, opt: opt, log: opt.Logger, ctx: ctx, cancel: cancel,
		sinks: map[uint64]bool{}, readers: map[uint64]int{}, removed: map[uint64]bool{},
		manifests: map[string]*manifest.Manifest{}, verified: map[string]manifest.Segment{},
	}
	infos, err := s.list(s.opt.Prefix)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("snapshot: open: %w", err)
	}
	var top uint64
	for _, in := range infos {
		if v, ok := manifest.ParseName(opt.Prefix, in.Name); ok {
			top = max(top, v)
		} else if n, ok := s.parseSegmentName(in.Name); ok {
			top = max(top, n)
		}
	}
	if top == ^uint64(0) {
		cancel()
		return nil, fmt.Errorf("snapshot: open: object numbers exhausted")
	}
	s.next = top + 1
	s.gc = startCollector(s)
	if !opt.ManualGC {
		s.gc.trigger()
	}
	return s, nil
}

// Close stops the garbage collector (within about 100 ms: its object-store
// calls are cancelled) and fails later calls. Sinks and readers still open
// fail on their next object-store call. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return nil
	}
	s.cancel()
	s.gc.stop()
	return nil
}

// Create starts a snapshot; see raft.SnapshotStore. It makes no object-
// store call: the sink uploads segments as they fill.
func (s *Store) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, _ raft.Transport) (raft.SnapshotSink, error) {
	if version != 1 {
		return nil, fmt.Errorf("snapshot: unsupported snapshot version %d", version)
	}
	conf := raft.EncodeConfiguration(configuration)
	if len(conf) > manifest.ConfigurationBytesMax {
		return nil, fmt.Errorf("snapshot: configuration of %d bytes over %d", len(conf), manifest.ConfigurationBytesMax)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	n := s.allocLocked()
	s.sinks[n] = true
	return newSink(s, n, &manifest.Manifest{
		SnapshotVersion:    version,
		ID:                 snapshotID(term, index, n),
		Index:              index,
		Term:               term,
		Configuration:      conf,
		ConfigurationIndex: configurationIndex,
	}), nil
}

// List returns the complete, verified snapshots, highest index first (then
// term, then manifest version). Each snapshot's segments are read through
// once per process; later Lists check only that they are still there with
// the right size. A damaged or incomplete snapshot is left out (and
// logged); an object-store failure fails List, so raft never falls back
// to an older snapshot because of a transient error.
func (s *Store) List() ([]*raft.SnapshotMeta, error) {
	ctx, cancel := s.callCtx()
	defer cancel()
	cat, err := s.scan(ctx)
	if err != nil {
		return nil, err
	}
	var out []*raft.SnapshotMeta
	for _, e := range cat.listed() {
		meta, err := e.m.Meta()
		if err != nil {
			panic(fmt.Sprintf("snapshot: verified manifest %q without metadata: %v", e.name, err))
		}
		out = append(out, meta)
	}
	return out, nil
}

// Open opens a complete snapshot for reading; see raft.SnapshotStore. The
// reader verifies every segment before it hands out a byte of it (a
// damaged segment is an ErrDamaged read error naming it), and the snapshot
// is not reaped while the reader is open.
func (s *Store) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	ctx, cancel := s.callCtx()
	defer cancel()
	s.openMu.RLock()
	defer s.openMu.RUnlock()
	cat, err := s.scan(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range cat.listed() {
		if e.m.ID != id {
			continue
		}
		s.mu.Lock()
		if s.closed || s.removed[e.version] {
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil, nil, ErrClosed
			}
			break
		}
		s.readers[e.version]++
		s.mu.Unlock()
		meta, err := e.m.Meta()
		if err != nil {
			panic(fmt.Sprintf("snapshot: verified manifest %q without metadata: %v", e.name, err))
		}
		return meta, newReader(s, e.version, e.m), nil
	}
	return nil, nil, fmt.Errorf("%w: %q", ErrNotFound, id)
}

// GC runs one garbage-collection pass now and reports it.
func (s *Store) GC(ctx context.Context) (PassStats, error) { return s.gc.run(ctx) }

// GCStats returns the collector's totals since New.
func (s *Store) GCStats(ctx context.Context) (Stats, error) { return s.gc.stats(ctx) }

// allocLocked hands out the next number (a sink number or a manifest
// version). Caller holds s.mu.
func (s *Store) allocLocked() uint64 {
	if s.next == ^uint64(0) {
		panic("snapshot: object numbers exhausted") // 2^64 snapshots
	}
	n := s.next
	s.next++
	return n
}

func (s *Store) alloc() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allocLocked()
}

// callCtx bounds one store call: cancelled by Close, and by OpTimeout per
// object-store call inside it (see op).
func (s *Store) callCtx() (context.Context, context.CancelFunc) {
	return context.WithCancel(s.ctx)
}

// opCtx bounds one object-store call.
func (s *Store) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opt.OpTimeout)
}

func (s *Store) list(prefix string) ([]objstore.Info, error) { return s.listCtx(s.ctx, prefix) }

// deleteObject deletes one object, bounded by OpTimeout.
func (s *Store) deleteObject(ctx context.Context, name string) error {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	return s.obj.Delete(ctx, name)
}

// releaseReader drops an open reader of manifest version v.
func (s *Store) releaseReader(v uint64) {
	s.mu.Lock()
	s.readers[v]--
	if s.readers[v] < 0 {
		panic(fmt.Sprintf("snapshot: reader count of manifest %d below zero", v))
	}
	if s.readers[v] == 0 {
		delete(s.readers, v)
	}
	retry := s.deferred && !s.closed && !s.opt.ManualGC
	s.mu.Unlock()
	if retry {
		s.gc.trigger()
	}
}
