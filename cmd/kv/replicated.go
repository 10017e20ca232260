package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv/resp"
	"redraft/replication"
)

// replicatedExecutor adapts a replication.Node to the RESP edge: the node
// already is an Executor and an EdgeHandler (RAFT, REDRAFT.FORWARD); this
// adds the Raft section to INFO.
type replicatedExecutor struct{ *replication.Node }

// SAVE and BGSAVE take a Raft snapshot (Node.TakeSnapshot).
var _ resp.Snapshotter = replicatedExecutor{}

// InfoSections implements resp.InfoProvider.
func (x replicatedExecutor) InfoSections() []resp.InfoSection {
	return []resp.InfoSection{{Name: "Raft", Fields: x.Node.InfoFields()}}
}

// raftRPCTimeout bounds every Raft RPC: two thirds of the heartbeat timeout
// (266 ms at the default 400 ms). It must stay below the heartbeat timeout
// (docs/hashicorp-raft.md), and docs/replication.md explains why read barriers rely on it.
func raftRPCTimeout(heartbeat time.Duration) time.Duration { return heartbeat * 2 / 3 }

// raftLogLevel: raft logs at warn unless --log-level is debug, which turns
// on raft's debug log too (elections, votes, appends: what a Jepsen
// report's node logs need to name each term's leader).
func raftLogLevel(ctx context.Context, log *slog.Logger) string {
	if log.Enabled(ctx, slog.LevelDebug) {
		return "debug"
	}
	return "warn"
}

// startNode opens the data directory and starts the Raft node.
func startNode(ctx context.Context, f *nodeFlags, sec *securityFlags, auth *replication.ClusterAuth, respAddr string, password func() string, log *slog.Logger) (*replication.Node, error) {
	raftAddr, err := f.raftAddr(respAddr)
	if err != nil {
		return nil, err
	}
	if err := sec.checkClusterExposure(raftAddr, auth); err != nil {
		return nil, err
	}
	dir := f.data
	if dir == "" {
		dir = filepath.Join("data", f.id)
	}
	peers, err := f.peers()
	if err != nil {
		return nil, err
	}
	rc, _ := replication.ParseReadConsistency(f.readConsistency)
	rconf, _ := replication.ParseReadConfirm(f.readConfirm)
	ls, _ := replication.ParseLogStore(f.logStore)
	var tr raft.Transport
	if auth != nil {
		tr, err = replication.NewAuthTransport(raftAddr, raftRPCTimeout(f.heartbeat), os.Stderr, auth)
	} else {
		tr, err = replication.NewTCPTransport(raftAddr, raftRPCTimeout(f.heartbeat), os.Stderr)
	}
	if err != nil {
		return nil, fmt.Errorf("raft transport on %s: %w", raftAddr, err)
	}
	cfg := replication.Config{
		ID:              f.id,
		Transport:       tr,
		ReadConfirm:     rconf,
		DataDir:         dir,
		LogStore:        ls,
		Bootstrap:       peers,
		ReadConsistency: rc,
		ClientAddr:      respAddr,
		Redirect:        f.redirect,
		NoSync:          f.noFsync,
		MaxInflight:     f.maxInflight,
		BatchLinger:     f.batchLinger,
		CommitWait:      f.commitWait,

		HeartbeatTimeout:   f.heartbeat,
		ElectionTimeout:    f.election,
		LeaderLeaseTimeout: f.lease,

		SnapshotThreshold: f.snapshotThreshold,
		TrailingLogs:      f.trailingLogs,

		ForwardPassword: password,
		Joining:         f.join != "",
		RaftLogLevel:    raftLogLevel(ctx, log),
	}
	if f.batchLinger == 0 {
		cfg.BatchLinger = -1 // Config's zero value means the default
	}
	cfg.ClusterAuth = auth // nil: none (tlsflags.go)

	cfg.TestFaults, _ = replication.ParseTestFaults(f.testFaults) // validated by nodeFlags.validate
	if f.testClockFile != "" {
		cfg.Clock = offsetClock(ctx, f.testClockFile)
	}
	if f.snapshotStore != "" {
		obj, err := openObjects(ctx, f.snapshotStore)
		if err != nil {
			closeTransport(tr)
			return nil, err
		}
		cfg.SnapshotObjects = obj // the node closes it
	}
	if len(peers) == 0 && f.join == "" {
		// No peers given: a one-node cluster (bootstrapped only if new).
		cfg.Bootstrap = []replication.Peer{{ID: f.id, Addr: string(tr.LocalAddr())}}
	}
	n, err := replication.New(cfg)
	if err != nil {
		closeTransport(tr)
		return nil, err
	}
	mode := "none"
	if auth != nil {
		mode = auth.Mode()
	}
	log.Info("kv: raft node started", "id", f.id, "raft", string(tr.LocalAddr()), "data", dir,
		"log_store", n.LogStoreKind(), "read_consistency", f.readConsistency, "read_confirm", f.readConfirm, "redirect", f.redirect, "cluster_auth", mode)
	return n, nil
}

func closeTransport(tr raft.Transport) {
	if c, ok := tr.(interface{ Close() error }); ok {
		c.Close()
	}
}

// joinCluster asks a member to add this node, retrying until it succeeds
// or ctx ends. A node that already belongs to a configuration (it restarted)
// does not ask again, unless it is a joining node not registered yet
// (replication/rejoin.go: it does not vote until then). With cluster
// authentication --join names the member's Raft port, asked over its
// authenticated peer channel.
func joinCluster(ctx context.Context, n *replication.Node, f *nodeFlags, auth *replication.ClusterAuth, respAddr, password string, log *slog.Logger) error {
	if n.Member() && n.Voting() {
		return nil
	}
	raftAddr := n.RaftAddr()
	for attempt := 1; ; attempt++ {
		var idx, term uint64
		var err error
		if auth != nil {
			idx, term, err = replication.JoinAuth(ctx, auth, f.join, f.id, raftAddr, respAddr, n.Incarnation())
		} else {
			idx, term, err = replication.Join(ctx, f.join, f.id, raftAddr, respAddr, n.Incarnation(), password)
		}
		if err == nil {
			err = n.SetRegistration(idx, term)
		}
		if err == nil {
			log.Info("kv: joined the cluster", "via", f.join)
			return nil
		}
		if auth != nil {
			log.Warn("kv: join failed; retrying (with cluster authentication --join names a member's Raft address)", "via", f.join, "attempt", attempt, "err", err)
		} else {
			log.Warn("kv: join failed; retrying", "via", f.join, "attempt", attempt, "err", err)
		}
		select {
		case <-time.After(time.Second):
		case <-ctx.Done():
			return fmt.Errorf("join via %s: %w", f.join, err)
		}
	}
}
