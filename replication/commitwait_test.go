package replication

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// stallingLog is an in-memory log store whose appends take stall while
// its node is the one named by *slow: a leader that keeps its quorum (its
// heartbeats go on) but commits slowly, as under a flood or a slow disk.
type stallingLog struct {
	*raft.InmemStore
	id    string
	slow  *atomic.Value // string: the stalling node's ID
	stall time.Duration
}

func (s *stallingLog) StoreLogs(logs []*raft.Log) error {
	if s.slow.Load() == s.id {
		time.Sleep(s.stall)
	}
	return s.InmemStore.StoreLogs(logs)
}

func (s *stallingLog) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// TestSlowCommitWaitsInsteadOfUncertain: a write whose commit takes longer
// than ApplyTimeout, on a leader that keeps leading, is answered with its
// reply once it commits (the client waits: back-pressure), not with
// -UNCERTAIN; only a commit slower than CommitWait is. Before CommitWait,
// ApplyTimeout bounded the commit wait too and both writes were UNCERTAIN.
func TestSlowCommitWaitsInsteadOfUncertain(t *testing.T) {
	for _, tc := range []struct {
		commitWait time.Duration
		want       string
	}{
		{5 * time.Second, "+OK"},                // the stall is within the commit wait
		{400 * time.Millisecond, "-UNCERTAIN "}, // the stall is past it
	} {
		t.Run(tc.commitWait.String(), func(t *testing.T) {
			var slow atomic.Value
			slow.Store("")
			c := startClusterWith(t, 3, false, func(cfg *Config) {
				slowTimers(cfg)
				cfg.ApplyTimeout = 300 * time.Millisecond
				cfg.CommitWait = tc.commitWait
				cfg.Stores = &Stores{
					Log:       &stallingLog{InmemStore: raft.NewInmemStore(), id: cfg.ID, slow: &slow, stall: 1500 * time.Millisecond},
					Stable:    raft.NewInmemStore(),
					Snapshots: raft.NewInmemSnapshotStore(),
				}
			})
			c.set("warm", "up")
			// The case needs a leader that keeps leading through the stall
			// (heartbeats do not wait for its log store). A loaded machine
			// may still hold an election of its own meanwhile; such an
			// attempt says nothing either way and is made again, with a
			// new key, up to three times.
			key := ""
			for attempt := 1; ; attempt++ {
				key = fmt.Sprint("k", attempt)
				l := c.leader()
				term := l.raft.CurrentTerm()
				slow.Store(l.cfg.ID)
				start := time.Now()
				got := do(l, "SET", key, "v")
				took := time.Since(start)
				slow.Store("")
				if l.raft.CurrentTerm() != term || !l.IsLeader() {
					if attempt == 3 {
						t.Fatalf("leadership moved during the stall in all 3 attempts (last: term %d -> %d)", term, l.raft.CurrentTerm())
					}
					t.Logf("attempt %d: leadership moved during the stall (term %d -> %d); again", attempt, term, l.raft.CurrentTerm())
					continue
				}
				if !strings.HasPrefix(got, tc.want) {
					t.Fatalf("SET with a 1.5 s commit, commit wait %s: got %q after %s, want %s...", tc.commitWait, got, took, tc.want)
				}
				if tc.want == "+OK" && took < time.Second {
					t.Fatalf("SET answered after %s: the stall did not happen", took)
				}
				break
			}
			// Either way the write commits: the store stalled, it did not fail.
			deadline := time.Now().Add(10 * time.Second)
			for {
				if r := c.doLeader("GET", key); r == "$1\r\nv\r\n" {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("GET %s after the slow commit: %q", key, r)
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
