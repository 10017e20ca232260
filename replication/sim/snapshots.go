package sim

import (
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/hashicorp/raft"
)

// SnapshotDisk is where one node's snapshots live across its crashes
// (Options.NewSnapshotDisk). The default, NewSegmentSnapshotDisk, is the
// production segment/manifest store (replication/snapshot) on a simulated
// object store; NewInmemSnapshotDisk keeps raft's InmemSnapshotStore
// behind a crash boundary.
type SnapshotDisk interface {
	// Open returns the snapshot store of a new node incarnation whose raft
	// log is logs, as the node would open it; an error means the node
	// refuses to start. The caller closes it (when it is an io.Closer)
	// after the incarnation shut down.
	Open(logs raft.LogStore) (raft.SnapshotStore, error)
	// Crash cuts power: stores opened before it write nowhere from now on
	// (a snapshot is durable once its sink's Close returned, and only then).
	Crash()
	// Wipe forgets every snapshot (a removed node comes back blank).
	Wipe()
}

// NewInmemSnapshotDisk returns a SnapshotDisk of raft.InmemSnapshotStores,
// one per snapshot, that behaves like the production FileSnapshotStore:
//
//   - a snapshot is listed only once its sink closed (InmemSnapshotStore
//     alone lists it from Create on, and Cancel does not remove it);
//   - List orders snapshots newest first by (term, index), and the newest
//     snapshotRetain are kept. A follower may install a leader's snapshot
//     older than one it took itself and compacted its log against; listing
//     the latest created instead (what one InmemSnapshotStore keeps) made a
//     restarted node restore the older one, find the entries after it
//     compacted away, and panic in raft ("log not found"). Issue 6's store
//     must order and retain the same way.
func NewInmemSnapshotDisk() SnapshotDisk { return &inmemSnapshotDisk{} }

// snapshotRetain is how many snapshots a disk keeps (the node's
// FileSnapshotStore retains 3).
const snapshotRetain = 3

type inmemSnapshotDisk struct {
	mu    sync.Mutex
	snaps []*raft.InmemSnapshotStore // one complete snapshot each, newest first
	gen   int
}

func (d *inmemSnapshotDisk) Open(raft.LogStore) (raft.SnapshotStore, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return &inmemSnapshots{d: d, gen: d.gen}, nil
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
	d.snaps = nil
}

// metaOf returns the meta of a store's only snapshot.
func metaOf(s *raft.InmemSnapshotStore) *raft.SnapshotMeta {
	l, _ := s.List()
	return l[0]
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
	// A store of its own, listed on the disk only once the sink closes.
	st := raft.NewInmemSnapshotStore()
	sink, err := st.Create(version, index, term, conf, confIndex, trans)
	if err != nil {
		return nil, err
	}
	return &snapshotSink{s: s, st: st, sink: sink}, nil
}

func (s *inmemSnapshots) List() ([]*raft.SnapshotMeta, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	out := make([]*raft.SnapshotMeta, 0, len(s.d.snaps))
	for _, st := range s.d.snaps {
		m := *metaOf(st)
		out = append(out, &m)
	}
	return out, nil
}

func (s *inmemSnapshots) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	for _, st := range s.d.snaps {
		if metaOf(st).ID == id {
			return st.Open(id)
		}
	}
	return nil, nil, fmt.Errorf("sim: no snapshot %s", id)
}

// snapshotSink writes one snapshot into its own InmemSnapshotStore.
type snapshotSink struct {
	s    *inmemSnapshots
	st   *raft.InmemSnapshotStore
	sink raft.SnapshotSink
	done bool
}

func (k *snapshotSink) Write(p []byte) (int, error) { return k.sink.Write(p) }
func (k *snapshotSink) ID() string                  { return k.sink.ID() }

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
	if err := k.sink.Close(); err != nil {
		return err
	}
	d := k.s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != k.s.gen {
		return nil // power was cut: the snapshot never reached the disk
	}
	d.snaps = append(d.snaps, k.st)
	sort.SliceStable(d.snaps, func(i, j int) bool {
		a, b := metaOf(d.snaps[i]), metaOf(d.snaps[j])
		if a.Term != b.Term {
			return a.Term > b.Term
		}
		if a.Index != b.Index {
			return a.Index > b.Index
		}
		return a.ID > b.ID
	})
	if len(d.snaps) > snapshotRetain {
		d.snaps = d.snaps[:snapshotRetain]
	}
	return nil
}
