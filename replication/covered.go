package replication

import "github.com/hashicorp/raft"

// coveredSnapshots is the snapshot store raft sees: it lists the newest
// snapshot and, of the older ones, only those the log continues from: it
// holds every entry after the older snapshot up to the newest one's index.
//
// At start-up raft restores the first listed snapshot it can read and, if
// reading one fails, falls back to the next. An older snapshot the log no
// longer continues from (compacted against a newer one) restores fine, and
// raft then panics applying entries the log does not have ("log not
// found", docs/hashicorp-raft.md: issue #85). Recover checks the newest snapshot before
// raft starts, but a read can still fail transiently while raft restores
// it (found by replication/sim, seed 260 with object-store faults). With
// the older ones unlisted, raft instead refuses to start ("failed to load
// any existing snapshots"), and a restart tries again.
//
// The log's first index is not enough to tell: after InstallSnapshot raft
// keeps up to TrailingLogs entries of the follower's old log below the
// snapshot, so a log can start before an older snapshot and still have a
// gap after it (raft then panics scanning it for configurations at start).
type coveredSnapshots struct {
	raft.SnapshotStore
	logs raft.LogStore
}

// List implements raft.SnapshotStore: newest first, as the store lists.
func (c coveredSnapshots) List() ([]*raft.SnapshotMeta, error) {
	l, err := c.SnapshotStore.List()
	if err != nil || len(l) <= 1 {
		return l, err
	}
	first, err := c.logs.FirstIndex()
	if err != nil || first == 0 {
		return l[:1], nil // an empty log continues from nothing
	}
	out := l[:1]
	for _, m := range l[1:] {
		if first <= m.Index+1 && c.holds(m.Index+1, l[0].Index) {
			out = append(out, m)
		}
	}
	return out, nil
}

// holds reports whether the log has every entry in [from, to]. The span
// is at most the distance between two retained snapshots, and raft lists
// snapshots rarely (at start-up, and to send one to a follower).
func (c coveredSnapshots) holds(from, to uint64) bool {
	var e raft.Log
	for i := from; i <= to; i++ {
		if c.logs.GetLog(i, &e) != nil {
			return false
		}
	}
	return true
}
