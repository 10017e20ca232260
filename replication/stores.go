package replication

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot"
	"redraft/replication/snapshot/objstore"
)

// snapshotsRetained is how many complete snapshots the store keeps.
const snapshotsRetained = 3

// recoverTimeout bounds the start-up check of the snapshot store (it reads
// and verifies the newest snapshot's manifest and segments).
const recoverTimeout = 5 * time.Minute

// openStores opens raft's log, stable and snapshot stores as cfg asks and
// sets n.logs and n.closer (closed in order after raft shut down):
//   - cfg.Stores: the caller's (the simulation's), not closed by the node;
//   - DataDir "": in memory (raft's InmemStore, segment/manifest snapshots
//     on an in-memory object store);
//   - otherwise the log store cfg.LogStore names (logstore.go: raft-boltdb
//     at DataDir/raft.db or raft-wal under DataDir/wal; fsync unless
//     NoSync; a lock with a timeout) and segment/manifest snapshots on
//     cfg.SnapshotObjects or a directory store at DataDir/objects.
//
// Before raft starts, the snapshot store's Recover checks that the newest
// complete snapshot and the log fit together; a node whose newest snapshot
// is damaged and whose log does not cover it refuses to start.
func (n *Node) openStores() (_ raft.StableStore, _ raft.SnapshotStore, err error) {
	cfg := &n.cfg
	if c, ok := cfg.SnapshotObjects.(io.Closer); ok {
		defer func() {
			if err != nil {
				c.Close()
			}
		}()
	}
	if cfg.Stores != nil {
		n.logs = cfg.Stores.Log
		return cfg.Stores.Stable, coveredSnapshots{SnapshotStore: cfg.Stores.Snapshots, logs: n.logs}, nil
	}
	obj := cfg.SnapshotObjects
	var stable raft.StableStore
	if cfg.DataDir == "" {
		st := raft.NewInmemStore()
		n.logs, stable = st, st
		if obj == nil {
			obj = objstore.NewMem()
		}
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("replication: %w", err)
		}
		logs, st, c, kind, err := openLogStore(cfg.DataDir, logStoreOptions{kind: cfg.LogStore, noSync: cfg.NoSync, logOut: cfg.LogOutput})
		if err != nil {
			return nil, nil, err
		}
		n.logs, stable, n.logKind = logs, st, kind
		n.closer = append(n.closer, c)
		if obj == nil {
			dir, err := objstore.OpenDir(filepath.Join(cfg.DataDir, "objects"))
			if err != nil {
				n.closeStores()
				return nil, nil, fmt.Errorf("replication: snapshot objects: %w", err)
			}
			obj = dir
		}
	}
	log := slog.New(slog.NewTextHandler(cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelWarn}))
	obj = countedObjects{obj, n.metrics} // metrics.go
	snaps, err := snapshot.New(obj, snapshot.Options{
		Prefix: SnapshotPrefix(cfg.ID),
		Retain: snapshotsRetained,
		Logger: log.With("node", cfg.ID, "component", "snapshots"),
	})
	if err != nil {
		n.closeStores()
		return nil, nil, fmt.Errorf("replication: snapshot store: %w", err)
	}
	n.closer = append(n.closer, snaps)
	ctx, cancel := context.WithTimeout(context.Background(), recoverTimeout)
	defer cancel()
	rec, err := snaps.Recover(ctx, n.logs)
	if err != nil {
		n.closeStores()
		return nil, nil, fmt.Errorf("replication: refusing to start: %w", err)
	}
	if c, ok := cfg.SnapshotObjects.(io.Closer); ok {
		n.closer = append(n.closer, c) // after the snapshot store that uses it
	}
	for _, skipped := range rec.Skipped {
		log.Warn("damaged snapshot skipped; the log covers it", "node", cfg.ID, "err", skipped)
	}
	return stable, coveredSnapshots{SnapshotStore: snaps, logs: n.logs}, nil
}

// SnapshotPrefix is the object-name prefix of node id's snapshots, so that
// the nodes of a cluster can share one object store (a bucket).
func SnapshotPrefix(id string) string { return id + "." }
