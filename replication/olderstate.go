package replication

import (
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// A follower refuses a snapshot older than what its FSM applied, and the
// leader answers a refusal by taking a fresh snapshot.
//
// The trap (hashicorp/raft v1.8.0, raft#697 family): a follower checks an
// AppendEntries' previous entry against its log, never its snapshot. When a
// follower compacted its log against a snapshot of its own while the leader
// still believes it is further behind (the acknowledgements of the entries
// it took were lost), it rejects every probe below its log's first index.
// The leader walks back until it runs out of log and sends its newest
// snapshot, which can be older than the follower's state. raft installs it
// and sets its applied index back to the snapshot's, then, at the next
// AppendEntries it accepts, applies from there on, reads entries the
// follower compacted away, and panics ("log not found", found by
// replication/sim, seed 100 under .ci/run).
//
// FSM.Restore therefore fails on an older snapshot (errOlderSnapshot): the
// install fails, raft's applied index stays where it was, and the error
// text travels back to the leader in the RPC's reply. The leader's
// transport sees it (refusalWatch) and asks the node for a new snapshot,
// at its own applied index, which is not older than anything a follower
// applied once this leader's log has caught up; the next attempt sends it.
// Without that the follower would stay refused until the leader's next
// automatic snapshot, which an idle cluster never takes.

// errOlderSnapshot is FSM.Restore's refusal. Its text is what the leader
// matches in the error that comes back through any transport.
var errOlderSnapshot = errors.New(olderSnapshotText)

const olderSnapshotText = "replication: refused a snapshot older than the applied state"

// refusedSnapshotEvery bounds how often a leader snapshots because a
// follower refused its snapshot: a snapshot costs a full serialisation.
const refusedSnapshotEvery = time.Second

// The same wrapper ends the livelock at the snapshot's own index
// (docs/replication.md, "The snapshot boundary"): a follower that holds
// entries past a snapshot at S but not entry S rejects an AppendEntries
// whose previous entry is S, and keeps rejecting it after installing the
// leader's snapshot at S again, since raft never consults the snapshot for
// it. The wrapper remembers, per follower, the snapshot it just installed;
// the first append after it with that snapshot's index as previous entry
// is a probe the follower can only reject for that reason (its state
// includes the snapshot, whose term the leader sent). A rejection then asks
// for a new snapshot too: its index is past the follower's entries once
// they committed, and installing it compacts them.

// refusalWatch wraps the node's raft transport and reports an
// InstallSnapshot that a follower refused as older than its state, or a
// follower that rejects the append right after a snapshot it installed.
type refusalWatch struct {
	raft.Transport
	refused func()
	// installed: per follower, the last index of the snapshot it
	// installed last, until the next append to it.
	mu        *sync.Mutex
	installed map[raft.ServerID]uint64
}

// InstallSnapshot implements raft.Transport.
func (w refusalWatch) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	err := w.Transport.InstallSnapshot(id, target, args, resp, data)
	if err != nil && strings.Contains(err.Error(), olderSnapshotText) {
		w.refused()
	}
	if err == nil && resp.Success {
		w.mu.Lock()
		w.installed[id] = args.LastLogIndex
		w.mu.Unlock()
	}
	return err
}

// AppendEntries implements raft.Transport. (raft probes a follower with
// plain AppendEntries after a snapshot; it pipelines only after an append
// succeeded.)
func (w refusalWatch) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	err := w.Transport.AppendEntries(id, target, args, resp)
	if err != nil {
		return err
	}
	w.mu.Lock()
	s, ok := w.installed[id]
	if ok && args.PrevLogEntry == s {
		delete(w.installed, id)
	}
	w.mu.Unlock()
	if ok && args.PrevLogEntry == s && !resp.Success && resp.Term <= args.Term {
		w.refused()
	}
	return err
}

// refusalWatchPreVote keeps pre-vote for transports that have it: raft
// enables pre-vote only when its transport implements raft.WithPreVote.
type refusalWatchPreVote struct {
	refusalWatch
	pv raft.WithPreVote
}

// RequestPreVote implements raft.WithPreVote.
func (w refusalWatchPreVote) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return w.pv.RequestPreVote(id, target, args, resp)
}

// watchRefusals returns the transport raft gets: t, reporting refused
// snapshots to n.snapRefused.
func (n *Node) watchRefusals(t raft.Transport) raft.Transport {
	w := refusalWatch{Transport: t, refused: func() {
		select {
		case n.snapRefused <- struct{}{}:
		default: // one request pending is enough
		}
	}, mu: &sync.Mutex{}, installed: map[raft.ServerID]uint64{}}
	if pv, ok := t.(raft.WithPreVote); ok {
		return refusalWatchPreVote{refusalWatch: w, pv: pv}
	}
	return w
}

// snapshotOnRefusal is the node's worker that takes the snapshot a refusal
// asked for, at most once per refusedSnapshotEvery, while it leads.
func (n *Node) snapshotOnRefusal() {
	defer n.wg.Done()
	log := slog.New(slog.NewTextHandler(n.cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var last time.Time
	for {
		select {
		case <-n.snapRefused:
		case <-n.stop:
			return
		}
		if wait := refusedSnapshotEvery - time.Since(last); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-n.stop:
				t.Stop()
				return
			}
		}
		last = time.Now()
		if n.raft.State() != raft.Leader {
			continue
		}
		n.snapshotRetakes.Add(1)
		f := n.raft.Snapshot()
		err := awaitFuture(f, n.stop)
		log.Warn("a follower refused this leader's snapshot, or rejected the append after installing it; took a new snapshot", "error", err)
	}
}
