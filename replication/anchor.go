package replication

import (
	"errors"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// Raft's snapshot-boundary trap, and the log store that closes it.
//
// A follower checks an AppendEntries against the entry before the new ones
// (PrevLogEntry, PrevLogTerm). hashicorp/raft v1.8.0 (raft.go,
// appendEntries) takes that entry's term from its last entry when the
// index is its last index, and otherwise reads it from the log store. It
// never consults its newest snapshot for an index below its last one. So a
// follower whose log continues past its snapshot's last index S without
// holding entry S itself rejects every AppendEntries whose previous entry
// is S, although the snapshot proves that the committed entry at S has the
// snapshot's term. Such a log is ordinary:
//
//   - a node seeded from a snapshot (kv restore) has an empty log that
//     continues at S+1;
//   - compaction deletes the log up to min(S, last - TrailingLogs), so a
//     node with TrailingLogs entries past its snapshot loses entry S;
//   - InstallSnapshot at S keeps the follower's entries past S (it only
//     compacts), and a follower that never had entry S keeps not having it.
//
// The leader answers the rejection by stepping its next index down to S;
// the entry before that, S-1, is compacted on the leader too, so it sends
// its snapshot at S; the follower installs it, still holds its entries
// past S but not S, and rejects the next AppendEntries again: forever
// (hashicorp/raft#697 is the same livelock with a conflicting entry at S).
// It wedged a restored cluster under load: the new leader's first
// AppendEntries (previous entry S) reached a follower, whose reply timed
// out; the follower had stored the entries, so the retransmission, with the
// same previous entry S, was rejected, and the follower never caught up.
//
// anchoredLog is the log store raft gets. GetLog(S) for the last index S of
// the newest snapshot this node persisted answers with the snapshot's term
// (as a no-op entry) when the log does not hold entry S with that term and
// does not hold S-1 either, and raft has applied S (its state includes the
// snapshot). The last condition matters: a snapshot received by
// InstallSnapshot is persisted before raft restores it, and when the
// restore fails raft keeps its older state; accepting an AppendEntries
// after S then would make raft apply entries from its old applied index
// that the log does not hold ("log not found" panic, found by
// replication/sim with object-store read faults). The term is right: a snapshot only covers
// committed entries, and Raft's log matching makes the committed entry at
// S the one every later leader has. The substitute is never sent to
// another node or applied: a leader sends entry S only after reading S-1
// from its log as the previous entry, and the substitute exists only when
// S-1 is absent; entries up to S are never applied again once the snapshot
// is installed. Everything but raft itself (the read barrier, the check of
// snapshots the log covers, start-up recovery) reads the underlying log.
type anchoredLog struct {
	raft.LogStore
	anchor atomic.Pointer[logAnchor]
	// applied is raft's applied index (raft.AppliedIndex), set once raft
	// runs; until then the log is not anchored.
	applied atomic.Pointer[func() uint64]
}

// logAnchor is the (index, term) of the last entry a snapshot covers.
type logAnchor struct{ index, term uint64 }

var _ raft.LogStore = (*anchoredLog)(nil)

// setAnchor records the newest snapshot this node persisted.
func (l *anchoredLog) setAnchor(index, term uint64) {
	if index == 0 {
		return
	}
	l.anchor.Store(&logAnchor{index: index, term: term})
}

// setApplied gives the log raft's applied index; the anchor works from then on.
func (l *anchoredLog) setApplied(applied func() uint64) { l.applied.Store(&applied) }

// GetLog implements raft.LogStore.
func (l *anchoredLog) GetLog(index uint64, out *raft.Log) error {
	err := l.LogStore.GetLog(index, out)
	a := l.anchor.Load()
	if a == nil || index != a.index || (err == nil && out.Term == a.term) {
		return err
	}
	if err != nil && !errors.Is(err, raft.ErrLogNotFound) {
		return err
	}
	if applied := l.applied.Load(); applied == nil || (*applied)() < a.index {
		return err // raft's state does not include the snapshot (yet)
	}
	var prev raft.Log
	if index > 1 && l.LogStore.GetLog(index-1, &prev) == nil {
		return err // the log continues into S from below: raft's own answer
	}
	*out = raft.Log{Index: a.index, Term: a.term, Type: raft.LogNoop}
	return nil
}

// anchoringSink is a snapshot sink that, once the snapshot is durable,
// makes it the log's anchor: raft records it as its newest snapshot right
// after Close returns, for its own snapshots and for installed ones.
type anchoringSink struct {
	raft.SnapshotSink
	log         *anchoredLog
	index, term uint64
}

// Close implements raft.SnapshotSink.
func (s *anchoringSink) Close() error {
	if err := s.SnapshotSink.Close(); err != nil {
		return err
	}
	s.log.setAnchor(s.index, s.term)
	return nil
}

// create wraps a new sink so that closing it anchors the log.
func (l *anchoredLog) create(sink raft.SnapshotSink, index, term uint64) raft.SnapshotSink {
	return &anchoringSink{SnapshotSink: sink, log: l, index: index, term: term}
}
