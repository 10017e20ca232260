package replication

// Disaster recovery: seed a fresh node's data directory from a snapshot kept
// in an object store, so that a new cluster starts from it
// (docs/snapshot-store.md, "Disaster recovery").

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"redraft/replication/snapshot"
	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/objstore"
)

// Errors of SeedFromSnapshot; the wrapped errors name the directory,
// node, snapshot, manifest or segment.
var (
	// ErrRestoreNotEmpty: the new node's data directory (or its snapshot
	// store, under the node's prefix) already holds something.
	ErrRestoreNotEmpty = errors.New("replication: restore: the data directory is not empty")
	// ErrRestoreNoSnapshot: the object store holds no complete snapshot of
	// the node (or none with the ID asked for).
	ErrRestoreNoSnapshot = errors.New("replication: restore: no snapshot found")
	// ErrRestoreDamaged: the snapshot to restore is damaged (a manifest or
	// segment fails its checksums or is missing, or the copy differs).
	ErrRestoreDamaged = errors.New("replication: restore: the snapshot is damaged")
	// ErrRestoreWhichNode: no source node was named and the object store
	// holds snapshots of several nodes.
	ErrRestoreWhichNode = errors.New("replication: restore: the object store holds snapshots of several nodes; name one")
)

// SeedConfig says what SeedFromSnapshot restores, and where.
type SeedConfig struct {
	// From is the object store holding the snapshot (the old cluster's
	// snapshot store). It is only read. The caller closes it.
	From objstore.Store
	// FromNode is the node whose snapshots are restored (object prefix
	// SnapshotPrefix(FromNode)). Empty: the only node with a snapshot
	// manifest in From (ErrRestoreWhichNode if there are several).
	FromNode string
	// SnapshotID restores this complete snapshot instead of the newest.
	SnapshotID string

	// ID is the new node's ID.
	ID string
	// DataDir is the new node's data directory. It must not exist or be
	// empty; it appears, whole, only when the seed succeeded.
	DataDir string
	// LogStore is the kind of log store written there (LogStoreAuto:
	// DefaultLogStore); a node started on it must not name the other kind.
	LogStore LogStoreKind
	// SnapshotObjects is where the new node keeps its snapshots (its
	// Config.SnapshotObjects); nil: DataDir/objects. It must hold no object
	// under the new node's prefix. The caller closes it.
	SnapshotObjects objstore.Store
	// Voters is the new cluster's configuration, the same on every node;
	// it must list ID.
	Voters []Peer
	// LogOutput receives raft's and the snapshot stores' warnings
	// (default os.Stderr).
	LogOutput io.Writer

	// UnsafeOmitBoundaryEntry, for tests only, seeds as before issue 11's
	// fix: an empty log, without the snapshot's last entry (see
	// SeedFromSnapshot, step 5). The cluster simulation sets it to show
	// that its restore scenario catches the wedge that follows.
	UnsafeOmitBoundaryEntry bool
}

// Seeded reports what SeedFromSnapshot did.
type Seeded struct {
	FromNode string
	// Snapshot is the source snapshot's metadata (its configuration is the
	// old cluster's).
	Snapshot raft.SnapshotMeta
	// SHA256 is the digest of the snapshot stream, the same in the source
	// and in the copy.
	SHA256 [sha256.Size]byte
	// Term is the Raft term written to the new node's stable store.
	Term uint64
}

// copyBufferBytes is the buffer of the streamed copy: large enough that
// each Write to the sink is a memcpy of a useful size, small against a
// segment (snapshot.DefaultSegmentBytes).
const copyBufferBytes = 1 << 20

// SeedFromSnapshot prepares cfg.DataDir so that a node started on it (with
// the same ID, and no Bootstrap) joins a new cluster of cfg.Voters whose
// state is a snapshot from cfg.From. Every node of the new cluster is
// seeded from the same snapshot; then they elect a leader among
// themselves. Steps:
//
//  1. Refuse unless the data directory (and the new node's prefix in
//     cfg.SnapshotObjects) is empty: ErrRestoreNotEmpty.
//  2. Choose the snapshot: the newest complete one of FromNode, which must
//     also be the newest there is (a newer damaged one is
//     ErrRestoreDamaged, as a node refuses to start on it, unless
//     SnapshotID names an older one); none: ErrRestoreNoSnapshot.
//  3. In a temporary directory beside DataDir, stream it (bounded memory,
//     every segment verified on the way) into the new node's snapshot
//     store under its own prefix, then read the copy back and compare its
//     SHA-256 with the source's.
//  4. raft.RecoverCluster on that store, a new log (cfg.LogStore) and the FSM: it
//     restores the snapshot and writes a new one holding the new
//     configuration (as if committed at index 1). The FSM's registry of
//     client addresses is cleared (they are the old cluster's); the nodes
//     register theirs again.
//  5. Store the snapshot's last entry in the log (a no-op with its index
//     and term; see below), and set the stored current term to the snapshot's term, so that the new
//     cluster's terms continue above it: a leader elected in a term below
//     the snapshot's would append entries with terms lower than the
//     snapshot's, and a node holding only the snapshot would then look
//     more up to date than one holding those entries (Raft's election
//     restriction compares last terms first).
//  6. Keep only the new snapshot (GC with Retain 1), then rename the
//     temporary directory to DataDir and sync its parent.
//
// On error nothing is left behind: DataDir is untouched and objects written
// to cfg.SnapshotObjects are deleted (best effort; a crash can leave them,
// and the next SeedFromSnapshot refuses until they are removed).
func SeedFromSnapshot(ctx context.Context, cfg SeedConfig) (_ *Seeded, err error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.DataDir == "" {
		return nil, errors.New("replication: restore: SeedConfig.DataDir is required")
	}
	if cfg.LogOutput == nil {
		cfg.LogOutput = os.Stderr
	}
	if err := checkEmptyDir(cfg.DataDir); err != nil {
		return nil, err
	}
	prefix := SnapshotPrefix(cfg.ID)
	if cfg.SnapshotObjects != nil {
		objs, err := cfg.SnapshotObjects.List(ctx, prefix)
		if err != nil {
			return nil, fmt.Errorf("replication: restore: list the new node's snapshot store: %w", err)
		}
		if len(objs) > 0 {
			return nil, fmt.Errorf("%w: its snapshot store already holds objects named %s* (%d, e.g. %s)", ErrRestoreNotEmpty, prefix, len(objs), objs[0].Name)
		}
	}

	// Build the data directory beside its final place, so that it appears
	// whole or not at all.
	abs, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("replication: restore: %w", err)
	}
	parent := filepath.Dir(abs)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("replication: restore: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(abs)+".restore-")
	if err != nil {
		return nil, fmt.Errorf("replication: restore: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.RemoveAll(tmp)
		}
	}()
	if cfg.SnapshotObjects == nil {
		if cfg.SnapshotObjects, err = objstore.OpenDir(filepath.Join(tmp, "objects")); err != nil {
			return nil, fmt.Errorf("replication: restore: %w", err)
		}
	} else {
		obj := cfg.SnapshotObjects
		defer func() {
			if err != nil {
				deletePrefix(context.WithoutCancel(ctx), obj, prefix)
			}
		}()
	}

	logs, stable, bs, _, err := openLogStore(tmp, logStoreOptions{kind: cfg.LogStore, logOut: cfg.LogOutput})
	if err != nil {
		return nil, fmt.Errorf("replication: restore: %w", err)
	}
	bsOpen := true
	defer func() {
		if bsOpen {
			bs.Close()
		}
	}()
	seeded, err := SeedStores(ctx, cfg, logs, stable)
	if err != nil {
		return nil, err
	}
	bsOpen = false
	if err := bs.Close(); err != nil {
		return nil, fmt.Errorf("replication: restore: close log store: %w", err)
	}
	if err := replaceDir(tmp, abs); err != nil {
		return nil, err
	}
	renamed = true
	return seeded, nil
}

// SeedStores is the seeding of SeedFromSnapshot (steps 2 to 5, and the GC
// of step 6) on stores the caller opened: logs and stable are the new
// node's Raft log and stable store, empty; cfg.SnapshotObjects (required)
// receives the snapshot under the new node's prefix; cfg.DataDir is not
// used. SeedFromSnapshot runs it on a new log store (cfg.LogStore) in its temporary
// directory, the cluster simulation (replication/sim) on simulated disks.
// On error the stores may hold part of the seed: the caller discards them.
func SeedStores(ctx context.Context, cfg SeedConfig, logs raft.LogStore, stable raft.StableStore) (*Seeded, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.SnapshotObjects == nil {
		return nil, errors.New("replication: restore: SeedConfig.SnapshotObjects is required")
	}
	if cfg.LogOutput == nil {
		cfg.LogOutput = os.Stderr
	}
	logger := slog.New(slog.NewTextHandler(cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fromNode := cfg.FromNode
	if fromNode == "" {
		var err error
		if fromNode, err = onlySnapshotNode(ctx, cfg.From); err != nil {
			return nil, err
		}
	}
	src, err := snapshot.New(cfg.From, snapshot.Options{
		Prefix:   SnapshotPrefix(fromNode),
		ManualGC: true, // read only: never collect the old cluster's objects
		Logger:   logger.With("component", "restore-source", "node", fromNode),
	})
	if err != nil {
		return nil, fmt.Errorf("replication: restore: open the snapshots of node %s: %w", fromNode, err)
	}
	defer src.Close()
	meta, err := chooseSnapshot(ctx, src, fromNode, cfg.SnapshotID)
	if err != nil {
		return nil, err
	}
	dst, err := snapshot.New(cfg.SnapshotObjects, snapshot.Options{
		Prefix:   SnapshotPrefix(cfg.ID),
		Retain:   1,
		ManualGC: true,
		Logger:   logger.With("component", "restore-target", "node", cfg.ID),
	})
	if err != nil {
		return nil, fmt.Errorf("replication: restore: open the new node's snapshot store: %w", err)
	}
	dstOpen := true
	defer func() {
		if dstOpen {
			dst.Close()
		}
	}()

	sum, err := copySnapshot(ctx, src, dst, meta)
	if err != nil {
		return nil, err
	}
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Output: cfg.LogOutput, Level: hclog.Warn})
	conf := voterConfiguration(cfg.Voters)
	if err := raft.RecoverCluster(rc, seedFSM{newFSM(cfg.ID)}, logs, stable, dst, nil, conf); err != nil {
		return nil, fmt.Errorf("replication: restore: recover cluster: %w", err)
	}
	if err := stable.SetUint64(keyCurrentTerm, meta.Term); err != nil {
		return nil, fmt.Errorf("replication: restore: set current term: %w", err)
	}
	// The log holds the snapshot's last entry (as a no-op with its index
	// and term), so that it continues from the snapshot as every node's
	// log does. hashicorp/raft v1.8.0 checks an AppendEntries' previous
	// entry against its last entry or its log, never its snapshot: with an
	// empty log, once a follower stored entries past the snapshot, every
	// AppendEntries whose previous entry is the snapshot's (a retransmission
	// after a lost reply) was rejected, the leader fell back to sending the
	// snapshot, and the follower stayed behind for good (issue 11;
	// docs/replication.md, "The snapshot boundary"). The entry is never
	// applied (raft applies only entries past the restored snapshot) and
	// never sent (a leader sends entry S only after reading S-1 from its
	// log, and no node of a restored cluster holds S-1).
	if !cfg.UnsafeOmitBoundaryEntry {
		if err := logs.StoreLog(&raft.Log{Index: meta.Index, Term: meta.Term, Type: raft.LogNoop}); err != nil {
			return nil, fmt.Errorf("replication: restore: store the snapshot's last entry: %w", err)
		}
	}
	if _, err := dst.GC(ctx); err != nil {
		return nil, fmt.Errorf("replication: restore: drop the copied snapshot: %w", err)
	}
	if err := checkSeeded(dst, meta, conf); err != nil {
		return nil, err
	}
	dstOpen = false
	if err := dst.Close(); err != nil {
		return nil, fmt.Errorf("replication: restore: close snapshot store: %w", err)
	}
	return &Seeded{FromNode: fromNode, Snapshot: *meta, SHA256: sum, Term: meta.Term}, nil
}

// keyCurrentTerm is the stable-store key of raft's current term (raft's
// unexported keyCurrentTerm in raft.go, v1.8.0).
var keyCurrentTerm = []byte("CurrentTerm")

func (cfg *SeedConfig) check() error {
	switch {
	case cfg.From == nil:
		return errors.New("replication: restore: SeedConfig.From is required")
	case cfg.ID == "":
		return errors.New("replication: restore: SeedConfig.ID is required")
	case len(cfg.Voters) == 0:
		return errors.New("replication: restore: SeedConfig.Voters is required")
	}
	seen := map[string]bool{}
	for _, p := range cfg.Voters {
		if p.ID == "" || p.Addr == "" {
			return fmt.Errorf("replication: restore: voter %+v: want an ID and an address", p)
		}
		if seen[p.ID] {
			return fmt.Errorf("replication: restore: voter %q listed twice", p.ID)
		}
		seen[p.ID] = true
	}
	if !seen[cfg.ID] {
		return fmt.Errorf("replication: restore: the voters do not list this node %q", cfg.ID)
	}
	return nil
}

// checkEmptyDir accepts a directory that does not exist or is empty.
func checkEmptyDir(dir string) error {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replication: restore: %w", err)
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replication: restore: %s: %w", dir, err)
	}
	return fmt.Errorf("%w: %s holds %s", ErrRestoreNotEmpty, dir, names[0])
}

// manifestPart is what follows a node's prefix in a manifest's name
// (manifest.Name: "manifest-" and 20 digits).
const manifestPart = "manifest-"

// snapshotNodes lists the nodes with at least one manifest in st: names
// <id>.manifest-<20 digits> (SnapshotPrefix, manifest.Name).
func snapshotNodes(ctx context.Context, st objstore.Store) ([]string, error) {
	objs, err := st.List(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("replication: restore: list the object store: %w", err)
	}
	var nodes []string
	for _, o := range objs {
		i := strings.LastIndex(o.Name, "."+manifestPart)
		if i <= 0 {
			continue
		}
		id := o.Name[:i]
		if _, ok := manifest.ParseName(SnapshotPrefix(id), o.Name); ok && !slices.Contains(nodes, id) {
			nodes = append(nodes, id)
		}
	}
	slices.Sort(nodes)
	return nodes, nil
}

// onlySnapshotNode returns the one node with snapshots in st.
func onlySnapshotNode(ctx context.Context, st objstore.Store) (string, error) {
	nodes, err := snapshotNodes(ctx, st)
	if err != nil {
		return "", err
	}
	switch len(nodes) {
	case 0:
		return "", fmt.Errorf("%w: the object store holds no snapshot manifest (<node>.manifest-*)", ErrRestoreNoSnapshot)
	case 1:
		return nodes[0], nil
	}
	return "", fmt.Errorf("%w: %s", ErrRestoreWhichNode, strings.Join(nodes, ", "))
}

// emptyLog is the Raft log of a node that has none: Recover on it judges a
// snapshot store alone, as a new node would.
type emptyLog struct{}

func (emptyLog) FirstIndex() (uint64, error) { return 0, nil }
func (emptyLog) LastIndex() (uint64, error)  { return 0, nil }
func (emptyLog) GetLog(uint64, *raft.Log) error {
	return raft.ErrLogNotFound
}

// chooseSnapshot returns the snapshot to restore: id, or the newest when
// id is "" (refused when a newer one is damaged, as Recover refuses to
// start a node with no log on an older one).
func chooseSnapshot(ctx context.Context, src *snapshot.Store, node, id string) (*raft.SnapshotMeta, error) {
	list, err := src.List()
	if err != nil {
		return nil, fmt.Errorf("replication: restore: list the snapshots of node %s: %w", node, err)
	}
	ids := make([]string, len(list))
	for i, m := range list {
		ids[i] = m.ID
	}
	if id != "" {
		for _, m := range list {
			if m.ID == id {
				return m, nil
			}
		}
		return nil, fmt.Errorf("%w: node %s has no complete snapshot %q (complete: %s)", ErrRestoreNoSnapshot, node, id, describeIDs(ids))
	}
	rec, err := src.Recover(ctx, emptyLog{})
	if errors.Is(err, snapshot.ErrNewestDamaged) {
		return nil, fmt.Errorf("%w: node %s: %w (complete, older: %s)", ErrRestoreDamaged, node, err, describeIDs(ids))
	}
	if err != nil {
		return nil, fmt.Errorf("replication: restore: node %s: %w", node, err)
	}
	if rec.Snapshot == nil {
		return nil, fmt.Errorf("%w: node %s has no complete snapshot in the object store", ErrRestoreNoSnapshot, node)
	}
	return rec.Snapshot, nil
}

func describeIDs(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// copySnapshot streams snapshot meta from src into a new snapshot of dst
// with the same metadata, then reads the copy back: both streams must have
// meta.Size bytes and the same SHA-256. Memory: the copy buffer plus one
// segment on each side.
func copySnapshot(ctx context.Context, src, dst *snapshot.Store, meta *raft.SnapshotMeta) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	_, rc, err := src.Open(meta.ID)
	if err != nil {
		return sum, damaged(fmt.Errorf("open snapshot %s: %w", meta.ID, err))
	}
	defer rc.Close()
	sink, err := dst.Create(meta.Version, meta.Index, meta.Term, meta.Configuration, meta.ConfigurationIndex, nil)
	if err != nil {
		return sum, fmt.Errorf("replication: restore: create the copy: %w", err)
	}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(sink, h), objstore.ContextReader(ctx, rc), make([]byte, copyBufferBytes))
	if err == nil && n != meta.Size {
		err = fmt.Errorf("snapshot %s: %d bytes, its manifest says %d", meta.ID, n, meta.Size)
	}
	if err != nil {
		sink.Cancel()
		return sum, damaged(fmt.Errorf("copy snapshot %s: %w", meta.ID, err))
	}
	if err := sink.Close(); err != nil {
		return sum, fmt.Errorf("replication: restore: commit the copy of snapshot %s: %w", meta.ID, err)
	}
	h.Sum(sum[:0])

	// Read the copy back: what the new node will restore is what was read.
	_, cr, err := dst.Open(sink.ID())
	if err != nil {
		return sum, fmt.Errorf("replication: restore: open the copy %s: %w", sink.ID(), err)
	}
	defer cr.Close()
	got, n, err := digest(ctx, cr)
	if err != nil {
		return sum, fmt.Errorf("replication: restore: read the copy %s back: %w", sink.ID(), err)
	}
	if n != meta.Size || got != sum {
		return sum, fmt.Errorf("%w: the copy %s reads back %d bytes, sha256 %x; the source %s had %d, sha256 %x",
			ErrRestoreDamaged, sink.ID(), n, got, meta.ID, meta.Size, sum)
	}
	return sum, nil
}

// damaged classifies a copy failure: the source's damage is ErrRestoreDamaged.
func damaged(err error) error {
	if errors.Is(err, snapshot.ErrDamaged) || errors.Is(err, snapshot.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrRestoreDamaged, err)
	}
	return fmt.Errorf("replication: restore: %w", err)
}

func digest(ctx context.Context, r io.Reader) (sum [sha256.Size]byte, n int64, err error) {
	h := sha256.New()
	n, err = io.CopyBuffer(h, objstore.ContextReader(ctx, r), make([]byte, copyBufferBytes))
	h.Sum(sum[:0])
	return sum, n, err
}

// seedFSM is the FSM RecoverCluster restores into: after the restore it
// clears the registry of client addresses, which belong to the old
// cluster (every seeded node clears it alike, so the replicas agree).
type seedFSM struct{ *FSM }

func (f seedFSM) Restore(rc io.ReadCloser) error {
	if err := f.FSM.Restore(rc); err != nil {
		return err
	}
	f.mu.Lock()
	f.nodes = map[string]memberInfo{}
	f.mu.Unlock()
	return nil
}

func voterConfiguration(peers []Peer) raft.Configuration {
	var conf raft.Configuration
	for _, p := range peers {
		conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	return conf
}

// checkSeeded checks the new node's snapshot store holds exactly one
// snapshot: the source's index and term with the new configuration.
func checkSeeded(dst *snapshot.Store, meta *raft.SnapshotMeta, conf raft.Configuration) error {
	list, err := dst.List()
	if err != nil {
		return fmt.Errorf("replication: restore: list the new node's snapshots: %w", err)
	}
	if len(list) != 1 {
		return fmt.Errorf("replication: restore: the new node's store holds %d snapshots after recovery, want 1", len(list))
	}
	got := list[0]
	if got.Index != meta.Index || got.Term != meta.Term || !bytes.Equal(raft.EncodeConfiguration(got.Configuration), raft.EncodeConfiguration(conf)) {
		return fmt.Errorf("replication: restore: the recovered snapshot %s (index %d, term %d, %v) is not the source's index %d, term %d with %v",
			got.ID, got.Index, got.Term, got.Configuration, meta.Index, meta.Term, conf)
	}
	return nil
}

// replaceDir renames the seeded directory tmp to dir (which is absent or
// empty) and syncs the parent, so the data directory appears whole.
func replaceDir(tmp, dir string) error {
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrRestoreNotEmpty, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("replication: restore: %w", err)
	}
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("replication: restore: sync %s: %w", filepath.Dir(dir), err)
	}
	return nil
}

// deletePrefix removes the objects under prefix (a failed seed's), best
// effort.
func deletePrefix(ctx context.Context, st objstore.Store, prefix string) {
	objs, err := st.List(ctx, prefix)
	if err != nil {
		return
	}
	for _, o := range objs {
		st.Delete(ctx, o.Name)
	}
}
