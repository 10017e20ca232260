package sim

import (
	"flag"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var flagRestoreSeeds = flag.Int("sim.restore-seeds", restoreSeeds, "number of seeds TestRestoreSimulation runs")

const (
	// restoreSeeds is the restore scenario's CI seed budget, and
	// restoreDuration the virtual time of each restored run (after the
	// source cluster's restoreSourceFor): a run costs about two thirds of
	// a TestSimulation run, so the scenario adds about 5% to CI time.
	restoreSeeds    = 16
	restoreDuration = 10 * time.Second
)

// TestRestoreSimulation runs the restore scenario (restore.go) on
// -sim.restore-seeds seeds from -sim.first. Every run must pass every
// check. A failing seed replays with TestSimulation -sim.restore. With
// -sim.restore-without-boundary-entry (seeding as before issue 11's fix)
// most seeds fail.
func TestRestoreSimulation(t *testing.T) {
	runWallMax = *flagWallMax
	var ops, failed atomic.Int64
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("restore scenario: %d seeds x %s virtual: %d operations, %d failed, %.1fs wall",
			*flagRestoreSeeds, restoreDuration, ops.Load(), failed.Load(), time.Since(start).Seconds())
	})
	for i := 0; i < *flagRestoreSeeds; i++ {
		seed := *flagFirst + uint64(i)
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			res, fails, vis := simulate(t, Options{Seed: seed, Duration: restoreDuration, Restore: true, RestoreWithoutBoundaryEntry: *flagNoBound})
			ops.Add(int64(len(res.History)))
			if len(fails) > 0 || *flagTraceAll {
				report(t, res, fails, vis)
			}
			if len(fails) > 0 {
				failed.Add(1)
				t.Errorf("seed %d: %d failures:\n%s", seed, len(fails), summary(fails))
			}
		})
	}
}

// TestCatchesRestoreWedge: a cluster seeded as kv restore seeded one
// before issue 11's fix (an empty log continuing after the snapshot) is
// caught wedging at the snapshot boundary within the restore scenario's
// CI seed budget.
func TestCatchesRestoreWedge(t *testing.T) {
	catches(t, Options{Duration: restoreDuration, Restore: true, RestoreWithoutBoundaryEntry: true, FailFast: true}, restoreSeeds, wedged)
}

// wedged: a follower of a restored cluster rejected appends at the
// snapshot boundary, or never caught up.
func wedged(f string) bool {
	return strings.Contains(f, "snapshot-boundary wedge")
}
