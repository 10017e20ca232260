package replication

import (
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// A follower that cannot make progress says so. A follower that has a
// leader but accepts none of its AppendEntries (a rejected previous entry,
// as in the snapshot-boundary livelock of docs/replication.md) keeps a leader that
// keeps retrying, so nothing else notices: the leader commits with the
// other followers, and the stuck one serves ever older state to stale reads
// and forwards writes that succeed. raft records the last time an
// AppendEntries or InstallSnapshot from the leader succeeded (LastContact);
// a node that is not the leader, knows a leader, and has had no successful
// contact for stallAfter is stalled: RAFT INFO shows replication_stalled:1
// and last_contact_ms, and a warning is logged every stallWarnEvery while
// it lasts.
//
// Except while a snapshot is written to the node's store or restored into
// its state machine: raft receives and restores an InstallSnapshot on the
// goroutine that handles AppendEntries, so a follower catching up by a
// snapshot accepts no append, nor answers a heartbeat, until it is done
// (about a minute at 10M keys). That is catching up, not a stall: the
// node logs that it is installing a snapshot instead, and RAFT INFO shows
// snapshot_writing and snapshot_restoring. (A snapshot the node takes of
// its own counts too; appends continue during one, so it hides no stall
// for long.)

// stallAfterMin is the floor of the stall threshold: a follower that misses
// a few heartbeats (GC pause, fsync, a loaded machine) is not stalled.
const stallAfterMin = 2 * time.Second

// stallWarnEvery spaces the warnings of a node that stays stalled.
const stallWarnEvery = 10 * time.Second

// stallAfter is how long without a successful append from a known leader
// makes a follower stalled: ten election timeouts, at least stallAfterMin.
func (n *Node) stallAfter() time.Duration {
	return max(10*n.cfg.ElectionTimeout, stallAfterMin)
}

// stallState is the monitor's memory between checks.
type stallState struct {
	lastWarn atomic.Int64 // Unix ns of the last warning, 0 none
}

// contactAge returns the time since the last successful AppendEntries or
// InstallSnapshot from a leader: 0 on the leader, -1 when never.
func (n *Node) contactAge() time.Duration {
	if n.raft.State() == raft.Leader {
		return 0
	}
	last := n.raft.LastContact()
	if last.IsZero() {
		return -1
	}
	return time.Since(last)
}

// snapshotBusy reports whether a snapshot is being written to this node's
// store or restored into its state machine.
func (n *Node) snapshotBusy() bool {
	return n.metrics.snapOpen.Load() > 0 || n.metrics.restoring.Load() > 0
}

// noContact reports whether this node knows a leader (not itself) whose
// appends it has not accepted for stallAfter.
func (n *Node) noContact() bool {
	if n.raft.State() == raft.Leader {
		return false
	}
	if _, id := n.raft.LeaderWithID(); id == "" {
		return false
	}
	age := n.contactAge()
	return age < 0 || age > n.stallAfter()
}

// stalled reports whether this node has had no contact with its leader for
// stallAfter while no snapshot kept it busy.
func (n *Node) stalled() bool { return n.noContact() && !n.snapshotBusy() }

// checkStalled logs a warning when the node is stalled (at most every
// stallWarnEvery). It runs on the node's leadership watcher, once a second.
func (n *Node) checkStalled(log *slog.Logger) {
	if !n.noContact() {
		n.stall.lastWarn.Store(0)
		return
	}
	now := time.Now()
	if last := n.stall.lastWarn.Load(); last != 0 && now.Sub(time.Unix(0, last)) < stallWarnEvery {
		return
	}
	n.stall.lastWarn.Store(now.UnixNano())
	_, leader := n.raft.LeaderWithID()
	st := n.raft.Stats()
	msg := "replication stalled: the leader's appends are not being accepted"
	if n.snapshotBusy() {
		msg = "catching up by a snapshot: the leader's appends wait until it is received and restored"
	}
	log.Warn(msg,
		"node", n.cfg.ID, "leader", string(leader), "last_contact_ms", n.contactMs(),
		"snapshot_writing", n.metrics.snapOpen.Load(), "snapshot_restoring", n.metrics.restoring.Load(),
		"commit_index", n.raft.CommitIndex(), "applied_index", n.fsm.AppliedIndex(),
		"last_log_index", n.raft.LastIndex(), "last_snapshot_index", st["last_snapshot_index"])
}

// contactMs renders contactAge for RAFT INFO: milliseconds, -1 for never.
func (n *Node) contactMs() string {
	age := n.contactAge()
	if age < 0 {
		return "-1"
	}
	return strconv.FormatInt(age.Milliseconds(), 10)
}

// stallFields are the RAFT INFO lines of the stall monitor.
func (n *Node) stallFields() []Field {
	s := "0"
	if n.stalled() {
		s = "1"
	}
	return []Field{{"last_contact_ms", n.contactMs()}, {"replication_stalled", s},
		{"snapshot_writing", strconv.FormatInt(n.metrics.snapOpen.Load(), 10)},
		{"snapshot_restoring", strconv.FormatInt(n.metrics.restoring.Load(), 10)},
		{"snapshot_retakes", strconv.FormatUint(n.snapshotRetakes.Load(), 10)}}
}
