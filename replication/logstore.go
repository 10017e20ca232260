package replication

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"
	walfs "github.com/hashicorp/raft-wal/fs"
	"github.com/hashicorp/raft-wal/segment"
	"github.com/hashicorp/raft-wal/types"
	"go.etcd.io/bbolt"
)

// LogStoreKind names the implementation of raft's log and stable store in a
// data directory. Both keep the log and the stable store (term, vote)
// together; they differ in layout and in the cost of an append:
//
//   - LogStoreBolt: raft-boltdb, one B+tree file DataDir/raft.db. Every
//     StoreLogs is a bolt transaction: two fdatasyncs (data pages, then
//     the meta page). The file never shrinks; compaction frees pages
//     inside it.
//   - LogStoreWAL: raft-wal, DataDir/wal/: append-only segment files of
//     64 MiB plus a small bolt file (wal-meta.db) for the stable store and
//     the segment list. Every StoreLogs appends its entries and a commit
//     frame (a CRC of the batch) and fsyncs once; compaction deletes whole
//     segments. On recovery a torn last batch (its CRC fails) is dropped:
//     it was never acknowledged, since its fsync did not return.
//
// A data directory is written by one kind for its whole life: opening it
// with the other is refused (ErrLogStoreMismatch), never started empty.
// LogStoreAuto (no kind named) opens whatever kind the directory holds, and
// creates DefaultLogStore in a new one, so that a node upgraded across a
// change of the default keeps its log.
type LogStoreKind string

// The log store kinds; DefaultLogStore is the one a new data directory gets
// when none is named (results/log-store.md says why).
const (
	LogStoreAuto    LogStoreKind = ""
	LogStoreBolt    LogStoreKind = "bolt"
	LogStoreWAL     LogStoreKind = "wal"
	DefaultLogStore              = LogStoreWAL
)

// ParseLogStore parses a --log-store value ("" or "auto": LogStoreAuto).
func ParseLogStore(s string) (LogStoreKind, bool) {
	switch LogStoreKind(s) {
	case "", "auto":
		return LogStoreAuto, true
	case LogStoreBolt, LogStoreWAL:
		return LogStoreKind(s), true
	}
	return "", false
}

// Where each kind keeps its files inside a data directory.
const (
	boltFile = "raft.db"
	walDir   = "wal"
	// walBlobDir holds the raft-wal entries too big for its segments
	// (logstore_walblob.go), beside walDir: raft-wal owns walDir.
	walBlobDir = "wal-blobs"
	// walLockFile is the lock of a raft-wal directory: raft-wal opens its
	// meta file with bolt's default options, whose file lock waits forever,
	// so a second process on the same directory would hang instead of
	// failing with ErrDataLocked.
	walLockFile = "LOCK"
)

// ErrLogStoreMismatch: the data directory holds a log written by the other
// kind of log store (or by both).
var ErrLogStoreMismatch = errors.New("replication: the data directory holds a log store of another kind")

// detectLogStore reports which kinds of log store hold files in dir.
func detectLogStore(dir string) (bolt, walFound bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, boltFile)); err == nil {
		bolt = true
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, false, err
	}
	if _, err := os.Stat(filepath.Join(dir, walDir, "wal-meta.db")); err == nil {
		walFound = true
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, false, err
	}
	return bolt, walFound, nil
}

// checkLogStoreKind refuses a data directory that holds another kind's log
// and returns the kind to open (kind, or for LogStoreAuto the kind dir
// holds, else DefaultLogStore).
func checkLogStoreKind(dir string, kind LogStoreKind) (LogStoreKind, error) {
	bolt, walFound, err := detectLogStore(dir)
	if err != nil {
		return "", fmt.Errorf("replication: %w", err)
	}
	if kind == LogStoreAuto && bolt != walFound {
		if bolt {
			return LogStoreBolt, nil
		}
		return LogStoreWAL, nil
	}
	if kind == LogStoreAuto && !bolt {
		return DefaultLogStore, nil
	}
	switch {
	case bolt && walFound:
		return "", fmt.Errorf("%w: %s holds both %s (bolt) and %s/ (wal); remove the one that is not in use",
			ErrLogStoreMismatch, dir, boltFile, walDir)
	case kind == LogStoreWAL && bolt:
		return "", fmt.Errorf("%w: %s holds a bolt log (%s); start with --log-store bolt", ErrLogStoreMismatch, dir, boltFile)
	case kind == LogStoreBolt && walFound:
		return "", fmt.Errorf("%w: %s holds a wal log (%s/); start with --log-store wal", ErrLogStoreMismatch, dir, walDir)
	}
	return kind, nil
}

// logStoreOptions says how openLogStore opens a store.
type logStoreOptions struct {
	kind   LogStoreKind
	noSync bool      // skip fsync of appends (unsafe; benchmarks only)
	logOut io.Writer // raft-wal's warnings
	// walSegmentBytes overrides raft-wal's segment size (64 MiB); tests
	// lower it to make segments rotate.
	walSegmentBytes int
	// walBlobBytes overrides the entry size from which raft-wal entries go
	// to blob files (logstore_walblob.go); tests lower it.
	walBlobBytes int
	// walDeleteInline leaves the removal of dropped segment files to
	// raft-wal, under its write lock (benchmarks compare it with the
	// segmentPruner, logstore_walprune.go).
	walDeleteInline bool
}

// openLogStore opens (creating it if needed) the log and stable store of
// kind in dir, after refusing a directory written by the other kind. The
// closer closes the store (and releases its lock); kind is what it opened.
func openLogStore(dir string, o logStoreOptions) (raft.LogStore, raft.StableStore, io.Closer, LogStoreKind, error) {
	kind, err := checkLogStoreKind(dir, o.kind)
	if err != nil {
		return nil, nil, nil, "", err
	}
	switch kind {
	case LogStoreBolt:
		bs, err := raftboltdb.New(raftboltdb.Options{
			Path:        filepath.Join(dir, boltFile),
			BoltOptions: &bbolt.Options{Timeout: dataLockTimeout, NoFreelistSync: true},
			NoSync:      o.noSync,
		})
		if err != nil {
			if errors.Is(err, bbolt.ErrTimeout) {
				return nil, nil, nil, "", fmt.Errorf("%w: %s", ErrDataLocked, dir)
			}
			return nil, nil, nil, "", fmt.Errorf("replication: open log store: %w", err)
		}
		return bs, bs, bs, kind, nil
	case LogStoreWAL:
		wdir := filepath.Join(dir, walDir)
		if err := os.MkdirAll(wdir, 0o755); err != nil {
			return nil, nil, nil, "", fmt.Errorf("replication: %w", err)
		}
		unlock, err := lockDir(filepath.Join(wdir, walLockFile), dataLockTimeout)
		if err != nil {
			if errors.Is(err, errLocked) {
				return nil, nil, nil, "", fmt.Errorf("%w: %s", ErrDataLocked, dir)
			}
			return nil, nil, nil, "", fmt.Errorf("replication: lock log store: %w", err)
		}
		out := o.logOut
		if out == nil {
			out = os.Stderr
		}
		hl := hclog.New(&hclog.LoggerOptions{Name: "wal", Output: out, Level: hclog.Warn})
		logger := wal.WithLogger(hl)
		var vfs types.VFS = walfs.New()
		if o.noSync {
			vfs = noSyncVFS{vfs}
		}
		var filer types.SegmentFiler = sealRepairFiler{SegmentFiler: segment.NewFiler(wdir, vfs), dir: wdir}
		var pruner *segmentPruner
		if !o.walDeleteInline {
			pruner = newSegmentPruner(filer, hl)
			filer = pruner
		}
		size := wal.DefaultSegmentSize
		if o.walSegmentBytes > 0 {
			size = o.walSegmentBytes
		}
		w, err := wal.Open(wdir, logger, wal.WithSegmentFiler(filer), wal.WithSegmentSize(size))
		if err != nil {
			pruner.Close()
			unlock()
			return nil, nil, nil, "", fmt.Errorf("replication: open log store: %w", err)
		}
		ws := walStore{WAL: w, blobDir: filepath.Join(dir, walBlobDir), blobBytes: walBlobBytes}
		if o.walBlobBytes > 0 {
			ws.blobBytes = o.walBlobBytes
		}
		if err := ws.removeOrphanBlobs(); err != nil {
			w.Close()
			pruner.Close()
			unlock()
			return nil, nil, nil, "", err
		}
		return ws, w, walCloser{w, pruner, unlock}, kind, nil
	}
	return nil, nil, nil, "", fmt.Errorf("replication: unknown log store %q", kind)
}

// walStore is raft-wal with the data of entries over blobBytes in blob
// files of their own (logstore_walblob.go), and GetLog refusing the entries
// below FirstIndex: raft-wal's head truncation (raft's compaction after a
// snapshot) only moves FirstIndex until the whole segment holding them
// goes, and GetLog still returns them; raft then keeps replicating a lagging follower from
// entries it compacted instead of sending it the snapshot, so TrailingLogs
// means nothing for up to 64 MiB of log. With raft-boltdb they are gone.
type walStore struct {
	*wal.WAL
	blobDir   string // DataDir/wal-blobs
	blobBytes int    // walBlobBytes but in tests
}

var _ raft.MonotonicLogStore = walStore{}

// GetLog implements raft.LogStore.
func (s walStore) GetLog(index uint64, log *raft.Log) error {
	first, err := s.WAL.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	if err := s.WAL.GetLog(index, log); err != nil {
		return err
	}
	if isBlobPointer(log) {
		return s.fromBlob(log)
	}
	return nil
}

// walCloser closes a raft-wal store and its segment pruner (nil: none),
// then releases its directory lock.
type walCloser struct {
	w      *wal.WAL
	pruner *segmentPruner
	unlock func()
}

func (c walCloser) Close() error {
	err := c.w.Close()
	c.pruner.Close()
	c.unlock()
	return err
}

// noSyncVFS is raft-wal's file system without fsync of segment files
// (--no-fsync: benchmarks only). Its meta file still syncs, but it is
// written only when a segment is created, sealed or deleted.
type noSyncVFS struct{ types.VFS }

func (v noSyncVFS) Create(dir, name string, size uint64) (types.WritableFile, error) {
	f, err := v.VFS.Create(dir, name, size)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (v noSyncVFS) OpenWriter(dir, name string) (types.WritableFile, error) {
	f, err := v.VFS.OpenWriter(dir, name)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

type noSyncFile struct{ types.WritableFile }

func (noSyncFile) Sync() error { return nil }

// LogStoreKind returns the kind of log store the node opened in its data
// directory ("" for a node without one).
func (n *Node) LogStoreKind() LogStoreKind { return n.logKind }
