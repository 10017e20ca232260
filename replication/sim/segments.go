package sim

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"redraft/replication"
	"redraft/replication/snapshot"
	"redraft/replication/snapshot/objstore"
)

// NewSegmentSnapshotDisk returns the SnapshotDisk of node id on the
// production snapshot store: replication/snapshot's segments and manifests
// on an objstore.Sim, opened as replication.New opens it (the node's
// prefix, three snapshots retained, Recover against the log before raft
// starts). A crash crashes the object store (a Put in flight vanishes,
// later calls of the dying incarnation fail); the next Open restarts it
// with exactly its durable objects. faults are the object store's injected
// faults.
func NewSegmentSnapshotDisk(id string, seed uint64, faults objstore.SimFaults) SnapshotDisk {
	return &segmentDisk{id: id, seed: seed, faults: faults}
}

// segmentRetain matches the node's own store (replication.snapshotsRetained).
const segmentRetain = 3

// segmentRecoverMax bounds Recover at start-up (replication uses 5 minutes
// for real object stores; the simulated one has no latency).
const segmentRecoverMax = 10 * time.Second

type segmentDisk struct {
	id     string
	seed   uint64
	faults objstore.SimFaults

	mu    sync.Mutex
	obj   *objstore.Sim
	wipes uint64
}

func (d *segmentDisk) store() (*objstore.Sim, error) {
	if d.obj == nil {
		o, err := objstore.NewSim(d.seed+d.wipes*0x9E3779B97F4A7C15, objstore.SimOptions{Faults: d.faults})
		if err != nil {
			return nil, err
		}
		d.obj = o
	}
	return d.obj, nil
}

// objects returns the node's object store (the restore scenario seeds it).
func (d *segmentDisk) objects() (*objstore.Sim, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.store()
}

func (d *segmentDisk) Open(logs raft.LogStore) (raft.SnapshotStore, error) {
	d.mu.Lock()
	obj, err := d.store()
	if err == nil {
		obj.Restart() // back from a crash with its durable objects (a reboot otherwise)
	}
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	st, err := snapshot.New(obj, snapshot.Options{Prefix: replication.SnapshotPrefix(d.id), Retain: segmentRetain})
	if err != nil {
		return nil, fmt.Errorf("snapshot store: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), segmentRecoverMax)
	defer cancel()
	if _, err := st.Recover(ctx, logs); err != nil {
		st.Close()
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	return st, nil
}

func (d *segmentDisk) Crash() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.obj != nil {
		d.obj.Crash()
	}
}

func (d *segmentDisk) Wipe() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.obj != nil {
		d.obj.Crash()
	}
	d.obj = nil
	d.wipes++
}
