package sim

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// The simulation must catch real bugs within the seeds CI runs. Each test
// plants one and runs seeds from 1 up, a batch at a time, until a run's
// checks report the bug's symptom; it fails if the budget runs out.
const (
	// catchBudget is the CI seed budget (TestSimulation's default).
	catchBudget = 200
	// catchBatch seeds run in parallel between looks for a catch.
	catchBatch = 8
)

func catches(t *testing.T, planted Options, budget uint64, symptom func(fail string) bool) {
	for first := uint64(1); first <= budget; first += catchBatch {
		var mu sync.Mutex
		var caught []string
		t.Run(fmt.Sprintf("seeds=%d-%d", first, first+catchBatch-1), func(t *testing.T) {
			for seed := first; seed < first+catchBatch; seed++ {
				t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
					t.Parallel()
					opts := planted
					opts.Seed = seed
					res, fails, vis := simulate(t, opts)
					for _, f := range fails {
						if symptom(f) {
							mu.Lock()
							caught = append(caught, fmt.Sprintf("seed %d: %s", seed, f))
							mu.Unlock()
							if *flagTraceAll {
								report(t, res, fails, vis)
							}
							return
						}
					}
				})
			}
		})
		if len(caught) > 0 {
			t.Logf("caught in %d of seeds %d-%d, e.g. %s", len(caught), first, first+catchBatch-1, caught[0])
			return
		}
	}
	t.Fatalf("the planted bug was not caught within %d seeds", budget)
}

// staleRead: a client saw a read older than a write acknowledged before
// the read was invoked.
func staleRead(f string) bool {
	return strings.Contains(f, "not linearizable") || strings.Contains(f, "stale read") || strings.Contains(f, "read went back")
}

// lostWrite: an acknowledged write is missing from what clients read.
func lostWrite(f string) bool {
	return strings.Contains(f, "acknowledged push lost") || strings.Contains(f, "lost acknowledged increments") ||
		strings.Contains(f, "stale read") || strings.HasPrefix(f, "register ") && strings.Contains(f, "not linearizable")
}

// TestCatchesReadsWithoutBarrier: a leader serving reads from whatever it
// applied (no read barrier) is caught serving stale reads.
func TestCatchesReadsWithoutBarrier(t *testing.T) {
	catches(t, Options{UnsafeSkipReadBarrier: true}, catchBudget, staleRead)
}

// TestCatchesAckBeforeCommit: a leader that answers SET and SADD before
// they commit is caught losing an acknowledged write (a leader cut off
// from the majority, or killed, acknowledges writes that never commit).
func TestCatchesAckBeforeCommit(t *testing.T) {
	catches(t, Options{AckBeforeCommit: true}, catchBudget, lostWrite)
}

// TestCatchesLyingLogStore: a log store that acknowledges writes before
// they are durable is caught losing an acknowledged write across a crash.
func TestCatchesLyingLogStore(t *testing.T) {
	catches(t, Options{LyingLogStore: true}, catchBudget, lostWrite)
}
