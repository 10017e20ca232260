package replication

import (
	"log/slog"
	"sync"
	"time"
)

// Slow storage and apply operations are logged one by one. A log append
// (its fsync) or a log truncation that takes a good part of a heartbeat
// timeout, or an FSM batch that holds the apply goroutine as long, delays
// the node's answers to its leader: a follower handles heartbeats on raft's
// main goroutine, behind its own appends and behind a full queue of
// entries to apply. The histograms (redraft_raft_log_append_seconds,
// redraft_fsm_apply_seconds) show such operations only in aggregate; like
// etcd's "slow fdatasync", each one of at least slowOpThreshold is logged
// with its duration, at most one line per kind per slowOpEvery, saying
// how many were left out since the last line.

const (
	// slowOpThreshold: a quarter of the default heartbeat timeout (400 ms).
	slowOpThreshold = 100 * time.Millisecond
	slowOpEvery     = time.Second
)

// slowOps logs slow operations. The zero value logs nothing.
type slowOps struct {
	log *slog.Logger

	mu      sync.Mutex
	last    map[string]time.Time // kind -> when its last line was logged
	skipped map[string]int       // kind -> slow ones not logged since
}

func newSlowOps(log *slog.Logger) *slowOps {
	return &slowOps{log: log, last: map[string]time.Time{}, skipped: map[string]int{}}
}

// observe records one operation of kind that took d over entries log
// entries.
func (s *slowOps) observe(kind string, d time.Duration, entries int) {
	if d < slowOpThreshold || s == nil || s.log == nil {
		return
	}
	now := time.Now()
	s.mu.Lock()
	if t, ok := s.last[kind]; ok && now.Sub(t) < slowOpEvery {
		s.skipped[kind]++
		s.mu.Unlock()
		return
	}
	skipped := s.skipped[kind]
	s.last[kind], s.skipped[kind] = now, 0
	s.mu.Unlock()
	s.log.Warn("slow "+kind, "ms", d.Milliseconds(), "entries", entries, "slow_not_logged_since_last", skipped)
}
