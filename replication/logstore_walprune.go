package replication

import (
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft-wal/types"
)

// segmentPruner deletes the segment files raft-wal has dropped on a
// goroutine of its own, so that the deletions no longer run under
// raft-wal's write lock.
//
// Why: raft-wal removes the segments a head truncation (raft's log
// compaction after a snapshot) or a tail truncation drops while it still
// holds the lock every append takes: each removal unlinks a file of up to
// 64 MiB and fsyncs the directory. On a follower of bench-scale
// (results/bench-scale.md, run 6) compacting 53,348 entries held the lock
// for 324 ms, and the follower's next append, on raft's main goroutine,
// which also answers the leader's heartbeats, waited 322 ms of it: most of
// a 400 ms heartbeat timeout.
//
// Safe: raft-wal drops a segment from its metadata (committed to
// wal-meta.db) before it asks for the file's removal, and when it opens it
// deletes every segment file its metadata does not list. So a file whose
// removal was queued when the process stopped is removed at the next
// start; segment IDs are never reused, so a late removal cannot hit a
// newer file.
//
// The queue is bounded: when it is full, Delete removes the file itself,
// as raft-wal would have. Close stops the goroutine after the removal it
// is doing and leaves the rest to the next start.
type segmentPruner struct {
	types.SegmentFiler
	log  hclog.Logger
	q    chan segmentRef
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// segmentRef names a segment file.
type segmentRef struct{ base, id uint64 }

// segmentPruneQueue bounds the removals waiting (a segment is 64 MiB of log
// by default: 1024 of them are 64 GiB).
const segmentPruneQueue = 1024

func newSegmentPruner(f types.SegmentFiler, log hclog.Logger) *segmentPruner {
	p := &segmentPruner{SegmentFiler: f, log: log, q: make(chan segmentRef, segmentPruneQueue),
		stop: make(chan struct{}), done: make(chan struct{})}
	go p.loop()
	return p
}

// Delete implements types.SegmentFiler: the removal is queued.
func (p *segmentPruner) Delete(base, id uint64) error {
	select {
	case <-p.stop:
	default:
		select {
		case p.q <- segmentRef{base, id}:
			return nil
		default: // full
		}
	}
	return p.SegmentFiler.Delete(base, id)
}

func (p *segmentPruner) loop() {
	defer close(p.done)
	for {
		select { // stop first: Close waits for one removal at most
		case <-p.stop:
			return
		default:
		}
		select {
		case <-p.stop:
			return
		case s := <-p.q:
			if err := p.SegmentFiler.Delete(s.base, s.id); err != nil {
				// Not fatal: the next start removes the file.
				p.log.Error("failed to delete old segment", "baseIndex", s.base, "id", s.id, "err", err)
			}
		}
	}
}

// Close stops the goroutine (after the removal under way, if any). A nil
// pruner is a no-op.
func (p *segmentPruner) Close() {
	if p == nil {
		return
	}
	p.once.Do(func() { close(p.stop) })
	<-p.done
}
