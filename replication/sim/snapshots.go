package sim

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// SnapshotDisk is where one node's snapshots live across its crashes. It is
// the seam for the segment/manifest snapshot store (issue 6, on its own
// branch): a simulated implementation of that store plugs in here through
// Options.NewSnapshotDisk, with its object-store faults. The default,
// NewInmemSnapshotDisk, keeps raft's InmemSnapshotStore behind a crash
// boundary.
type SnapshotDisk interface {
	// Open returns the snapshot store of a new node incarnation.
	Open() raft.SnapshotStore
	// Crash cuts power: stores opened before it write nowhere from now on
	// (a snapshot is durable once its sink's Close returned, and only then).
	Crash()
	// Wipe forgets every snapshot (a removed node comes back blank).
	Wipe()
}

// NewInmemSnapshotDisk returns a SnapshotDisk on raft.InmemSnapshotStore.
// InmemSnapshotStore lists a snapshot from Create on, and Cancel does not
// remove it; so sinks buffer, and a snapshot reaches the store only when
// its sink closes (RAFT.md: list only complete snapshots).
func NewInmemSnapshotDisk() SnapshotDisk {
	return &inmemSnapshotDisk{store: raft.NewInmemSnapshotStore()}
}

type inmemSnapshotDisk struct {
	mu    sync.Mutex
	store *raft.InmemSnapshotStore
	gen   int
}

func (d *inmemSnapshotDisk) Open() raft.SnapshotStore {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &inmemSnapshots{d: d, gen: d.gen}
}

func (d *inmemSnapshotDisk) Crash() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
}

func (d *inmemSnapshotDisk) Wipe() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	d.store = raft.NewInmemSnapshotStore()
}

// inmemSnapshots is one incarnation's raft.SnapshotStore.
type inmemSnapshots struct {
	d   *inmemSnapshotDisk
	gen int
}

func (s *inmemSnapshots) Create(version raft.SnapshotVersion, index, term uint64, conf raft.Configuration, confIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	if version != 1 {
		return nil, fmt.Errorf("sim: unsupported snapshot version %d", version)
	}
	return &snapshotSink{s: s, version: version, index: index, term: term, conf: conf, confIndex: confIndex, trans: trans,
		id: fmt.Sprintf("%d-%d-%d", term, index, time.Now().UnixMilli())}, nil
}

func (s *inmemSnapshots) List() ([]*raft.SnapshotMeta, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return s.d.store.List()
}

func (s *inmemSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	return s.d.store.Open(id)
}

type snapshotSink struct {
	s         *inmemSnapshots
	version   raft.SnapshotVersion
	index     uint64
	term      uint64
	conf      raft.Configuration
	confIndex uint64
	trans     raft.Transport
	id        string
	buf       bytes.Buffer
	done      bool
}

func (k *snapshotSink) Write(p []byte) (int, error) { return k.buf.Write(p) }
func (k *snapshotSink) ID() string                  { return k.id }

func (k *snapshotSink) Cancel() error {
	k.done = true
	return nil
}

// Close makes the snapshot durable and visible at once, unless the disk
// crashed since the store was opened.
func (k *snapshotSink) Close() error {
	if k.done {
		return nil
	}
	k.done = true
	d := k.s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != k.s.gen {
		return nil
	}
	sink, err := d.store.Create(k.version, k.index, k.term, k.conf, k.confIndex, k.trans)
	if err != nil {
		return err
	}
	if _, err := sink.Write(k.buf.Bytes()); err != nil {
		return err
	}
	return sink.Close()
}
