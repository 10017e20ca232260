package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/raft"
)

// Recovery errors.
var (
	// ErrNewestDamaged: a snapshot newer than every complete one is
	// damaged, and the complete one (or the empty state) is not consistent
	// with the Raft log, so restoring it would lose committed entries.
	ErrNewestDamaged = errors.New("snapshot: the newest snapshot is damaged and no older one is consistent with the raft log")
	// ErrLogGap: the Raft log starts after the newest complete snapshot
	// ends (or, with no snapshot, after index 1), so entries in between
	// exist nowhere.
	ErrLogGap = errors.New("snapshot: the raft log does not continue from the newest snapshot")
)

// RaftLog is the part of raft.LogStore that Recover reads; a raft.LogStore
// satisfies it.
type RaftLog interface {
	FirstIndex() (uint64, error) // 0 when the log is empty
	LastIndex() (uint64, error)
	GetLog(index uint64, log *raft.Log) error
}

// Recovery is Recover's decision.
type Recovery struct {
	// Snapshot is the snapshot raft will restore: the first List returns.
	// Nil means none (raft starts from the log alone).
	Snapshot *raft.SnapshotMeta
	// Skipped lists the damaged snapshots newer than Snapshot, each error
	// naming its manifest or segment; the log covers what they held.
	Skipped []error
}

// Recover decides, before raft starts on this store and log, whether the
// node may start. The candidate is the newest complete, verified snapshot
// (the one raft's restore will take), or none. It is refused when:
//
//   - the log is not empty and starts after the candidate's index + 1
//     (ErrLogGap; ErrNewestDamaged if a newer snapshot is damaged), or
//   - a newer snapshot is damaged and the log does not cover what it
//     held: the log is empty, or ends before its index, or lacks the entry
//     at its index (raft keeps no entries between a follower's old log and
//     an installed snapshot). A manifest too damaged to name its index is
//     judged on the first rule alone.
//
// So an older snapshot is used only when the log continues from it; a
// node is never silently started on less than its log needs.
func (s *Store) Recover(ctx context.Context, log RaftLog) (*Recovery, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	cat, err := s.scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("snapshot: recover: %w", err)
	}
	first, err := log.FirstIndex()
	if err != nil {
		return nil, fmt.Errorf("snapshot: recover: raft log first index: %w", err)
	}
	last, err := log.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("snapshot: recover: raft log last index: %w", err)
	}

	rec := &Recovery{}
	var chosen *entry
	var index, version uint64
	if l := cat.listed(); len(l) > 0 {
		chosen, index, version = l[0], l[0].m.Index, l[0].version
		if rec.Snapshot, err = chosen.m.Meta(); err != nil {
			panic(fmt.Sprintf("snapshot: verified manifest %q without metadata: %v", chosen.name, err))
		}
	}
	var damaged []*entry
	for _, e := range cat.entries {
		if e.retired || e.damage == nil {
			continue
		}
		if e.version > version || (e.m != nil && e.m.Index > index) {
			damaged = append(damaged, e)
			rec.Skipped = append(rec.Skipped, e.damage)
		}
	}
	what := "no snapshot (index 0)"
	if chosen != nil {
		what = fmt.Sprintf("snapshot %s (index %d)", chosen.m.ID, index)
	}
	refuse := func(reason string) error {
		if len(damaged) == 0 {
			return fmt.Errorf("%w: %s", ErrLogGap, reason)
		}
		return fmt.Errorf("%w: damaged: %w; fallback: %s", ErrNewestDamaged, joinDamage(damaged), reason)
	}
	if first > 0 && index+1 < first {
		return nil, refuse(fmt.Sprintf("%s needs the raft log to start at or before index %d; it starts at %d", what, index+1, first))
	}
	if len(damaged) == 0 {
		return rec, nil
	}
	if first == 0 {
		return nil, refuse(fmt.Sprintf("%s, and the raft log is empty", what))
	}
	for _, d := range damaged {
		if d.m == nil {
			continue
		}
		n := d.m.Index
		if n > last {
			return nil, refuse(fmt.Sprintf("%s; the raft log ends at %d, before the damaged snapshot's index %d", what, last, n))
		}
		var l raft.Log
		if err := log.GetLog(n, &l); err != nil {
			return nil, refuse(fmt.Sprintf("%s; the raft log lacks entry %d (the damaged snapshot's index): %v", what, n, err))
		}
	}
	for _, d := range damaged {
		s.log.Warn("recovering past a damaged snapshot; the raft log covers it", "manifest", d.name, "err", d.damage, "restoring", what)
	}
	return rec, nil
}

// joinDamage describes damaged entries, wrapping the first one's error.
func joinDamage(d []*entry) error {
	var more []string
	for _, e := range d[1:] {
		more = append(more, e.damage.Error())
	}
	if len(more) == 0 {
		return d[0].damage
	}
	return fmt.Errorf("%w; %s", d[0].damage, strings.Join(more, "; "))
}
