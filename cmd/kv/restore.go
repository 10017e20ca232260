package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"redraft/replication"
	"redraft/replication/snapshot/objstore"
)

const restoreUsage = `usage: kv restore --from URL [--from-node ID] [--snapshot ID] --id ID --bootstrap ID=RAFTADDR,... [--data DIR] [--snapshot-store URL]

Disaster recovery: seed a new node's data directory from the newest complete
snapshot of a node in an object store (the old cluster's --snapshot-store: a
directory, file:///DIR or s3://BUCKET?...). Run it once for every node of the
new cluster with the same --from, --from-node and --bootstrap (the new
voters), so that all start from the same snapshot; then start each node with
"kv serve --id ID --raft RAFTADDR --data DIR" (its address in --bootstrap, and
the same --snapshot-store if one was given here) and no --bootstrap: they
elect a leader among themselves. Stop the old cluster first, or pin the
snapshot with --snapshot, so that a snapshot it writes meanwhile is not picked
by some nodes only.

Refused, changing nothing, when the data directory (or the new node's
objects in --snapshot-store) is not empty, when no complete snapshot is found,
and when the newest snapshot is damaged (--snapshot can name an older one).

flags:
`

type restoreFlags struct {
	from, fromNode, snapshotID string
	id, data, bootstrap        string
	snapshotStore              string
	logStore                   string
}

func (f *restoreFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.from, "from", "", "object store `URL` holding the snapshot: a directory, file:///DIR or s3://BUCKET?endpoint=URL&region=R&use_path_style=true[&prefix=P] (as kv serve --snapshot-store)")
	fs.StringVar(&f.fromNode, "from-node", "", "restore the snapshots of node `ID` (its object-name prefix ID.); default: the only node with snapshots in --from")
	fs.StringVar(&f.snapshotID, "snapshot", "", "restore the complete snapshot `ID` (term-index-number) instead of the newest")
	fs.StringVar(&f.id, "id", "", "the new node's `ID`")
	fs.StringVar(&f.data, "data", "", "the new node's data `DIR`, absent or empty (default data/<id>)")
	fs.StringVar(&f.bootstrap, "bootstrap", "", "the new cluster's voters `ID=RAFTADDR,...`, the same list for every node; must list --id")
	fs.StringVar(&f.snapshotStore, "snapshot-store", "", "where the new node keeps its snapshots, as its kv serve --snapshot-store `URL`; default DATA/objects")
	registerLogStore(fs, &f.logStore)
}

// parseRestoreFlags parses and checks the arguments of "kv restore".
func parseRestoreFlags(args []string, stdout io.Writer) (*restoreFlags, []replication.Peer, error) {
	var f restoreFlags
	fs := flag.NewFlagSet("kv restore", flag.ContinueOnError)
	var errBuf strings.Builder
	fs.SetOutput(&errBuf)
	f.register(fs)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, restoreUsage)
			printFlags(stdout, fs)
			return nil, nil, errHelp
		}
		return nil, nil, usageError{fmt.Sprintf("kv restore: %v (see kv restore -h)", err)}
	}
	if fs.NArg() > 0 {
		return nil, nil, usageError{fmt.Sprintf("kv restore: unexpected argument %q (see kv restore -h)", fs.Arg(0))}
	}
	for _, req := range []struct{ name, val string }{{"--from URL", f.from}, {"--id ID", f.id}, {"--bootstrap ID=RAFTADDR,...", f.bootstrap}} {
		if req.val == "" {
			return nil, nil, usageError{fmt.Sprintf("kv restore: %s is required (see kv restore -h)", req.name)}
		}
	}
	if _, err := parseLogStore("restore", f.logStore); err != nil {
		return nil, nil, err
	}
	// The same rules as kv serve --bootstrap.
	nf := nodeFlags{id: f.id, bootstrap: f.bootstrap}
	peers, err := nf.peers()
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return nil, nil, usageError{strings.Replace(ue.msg, "kv serve:", "kv restore:", 1)}
		}
		return nil, nil, err
	}
	if f.data == "" {
		f.data = filepath.Join("data", f.id)
	}
	return &f, peers, nil
}

// restore runs "kv restore": replication.SeedFromSnapshot from the command
// line, reporting what it did on stdout.
func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, peers, err := parseRestoreFlags(args, stdout)
	if err != nil {
		return err
	}
	if dir, ok := localDir(f.from); ok {
		// objstore.OpenDir would create a mistyped directory.
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return fmt.Errorf("restore: --from %s: not a directory (%v)", f.from, err)
		}
	}
	from, err := openObjects(ctx, f.from)
	if err != nil {
		return fmt.Errorf("restore: --from: %w", err)
	}
	defer closeObjects(from)
	cfg := replication.SeedConfig{
		From: from, FromNode: f.fromNode, SnapshotID: f.snapshotID,
		ID: f.id, DataDir: f.data, Voters: peers, LogOutput: stderr,
	}
	cfg.LogStore, _ = replication.ParseLogStore(f.logStore)
	if cfg.LogStore == replication.LogStoreAuto {
		cfg.LogStore = replication.DefaultLogStore // a new directory
	}
	if f.snapshotStore != "" {
		to, err := openObjects(ctx, f.snapshotStore)
		if err != nil {
			return fmt.Errorf("restore: --snapshot-store: %w", err)
		}
		defer closeObjects(to)
		cfg.SnapshotObjects = to
	}
	s, err := replication.SeedFromSnapshot(ctx, cfg)
	switch {
	case errors.Is(err, replication.ErrRestoreWhichNode):
		return fmt.Errorf("%w (choose one with --from-node)", err)
	case errors.Is(err, replication.ErrRestoreDamaged) && f.snapshotID == "":
		return fmt.Errorf("%w (--snapshot ID restores an older complete snapshot, losing what came after it)", err)
	case err != nil:
		return err
	}
	raftAddr := ""
	for _, p := range peers {
		if p.ID == f.id {
			raftAddr = p.Addr
		}
	}
	serveArgs := fmt.Sprintf("kv serve --id %s --raft %s --data %s --log-store %s --resp HOST:PORT", f.id, raftAddr, f.data, cfg.LogStore)
	if f.snapshotStore != "" {
		serveArgs += " --snapshot-store '" + f.snapshotStore + "'"
	}
	fmt.Fprintf(stdout, "kv restore: seeded %s for node %s from snapshot %s of node %s (index %d, term %d, %d bytes, sha256 %x)\n",
		f.data, f.id, s.Snapshot.ID, s.FromNode, s.Snapshot.Index, s.Snapshot.Term, s.Snapshot.Size, s.SHA256)
	fmt.Fprintf(stdout, "kv restore: voters %s; start it with: %s (no --bootstrap)\n", f.bootstrap, serveArgs)
	return nil
}

// localDir returns the directory of a --snapshot-store value naming one
// (see openObjects).
func localDir(url string) (string, bool) {
	if d, ok := strings.CutPrefix(url, "file://"); ok {
		return d, true
	}
	return url, !strings.Contains(url, "://")
}

// closeObjects closes an object store that needs it (a bucket).
func closeObjects(st objstore.Store) {
	if c, ok := st.(io.Closer); ok {
		c.Close()
	}
}
