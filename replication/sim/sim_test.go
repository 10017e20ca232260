package sim

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

var (
	flagSeeds     = flag.Int("sim.seeds", 200, "number of seeds TestSimulation runs")
	flagFirst     = flag.Uint64("sim.first", 1, "first seed TestSimulation runs")
	flagSeed      = flag.Int64("sim.seed", -1, "run only this seed (replay)")
	flagDuration  = flag.Duration("sim.duration", 30*time.Second, "virtual time of each run's faulty workload")
	flagTrace     = flag.String("sim.trace", "", "directory for the traces of failing runs (default: a new temporary directory, kept)")
	flagSkip      = flag.Bool("sim.skip-read-barrier", false, "replay with replication.Config.UnsafeSkipReadBarrier")
	flagTraceAll  = flag.Bool("sim.trace-all", false, "write the trace of passing runs too")
	flagWallMax   = flag.Duration("sim.wall-max", 3*time.Minute, "wall time after which a run counts as stuck (its goroutines and trace are dumped)")
	flagTraceLive = flag.Bool("sim.trace-live", false, "stream each run's events and raft logs to a file as they happen (for runs that die)")
	flagLying     = flag.Bool("sim.lying-log-store", false, "replay with a log store that acknowledges before it is durable")
	flagRestore   = flag.Bool("sim.restore", false, "run the restore scenario (a cluster restored from a snapshot)")
	flagNoBound   = flag.Bool("sim.restore-without-boundary-entry", false, "replay the restore scenario seeding without the snapshot's last entry (before issue 11's fix)")
)

// simulate runs one seed in a synctest bubble and checks it.
func simulate(t *testing.T, opts Options) (res *Result, fails []string, vis map[string]func(io.Writer) error) {
	t.Helper()
	opts.trace = newTrace()
	if *flagTraceLive {
		f, err := os.Create(filepath.Join(dirForTraces(), fmt.Sprintf("sim-seed-%d.live", opts.Seed)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		opts.trace.live = f
	}
	watchdog := time.AfterFunc(runWallMax, func() { stuck(opts) })
	synctest.Test(t, func(t *testing.T) { res = Run(opts) })
	watchdog.Stop()
	fails, notes, vis := res.Check()
	for _, n := range notes {
		t.Logf("seed %d: %s", opts.Seed, n)
	}
	return res, fails, vis
}

var (
	traceDirOnce sync.Once
	traceDir     string
)

// dirForTraces returns the directory traces go to.
func dirForTraces() string {
	traceDirOnce.Do(func() {
		traceDir = *flagTrace
		if traceDir == "" {
			var err error
			if traceDir, err = os.MkdirTemp("", "redraft-sim-"); err != nil {
				traceDir = os.TempDir()
			}
		}
		os.MkdirAll(traceDir, 0o755)
	})
	return traceDir
}

// report writes a run's trace and logs where it is and how to replay it.
func report(t *testing.T, res *Result, fails []string, vis map[string]func(io.Writer) error) {
	t.Helper()
	path, err := res.WriteTrace(dirForTraces(), fails, vis)
	if err != nil {
		t.Logf("writing the trace: %v", err)
	}
	t.Logf("seed %d: %d failures (%d operations, %.1fs virtual); trace: %s\nreplay: %s",
		res.Opts.Seed, len(fails), len(res.History), res.Virtual.Seconds(), path, ReplayCommand(res.Opts))
}

// runWallMax bounds one run's wall time. A run past it is stuck: a
// deadlock the bubble cannot detect (a goroutine waiting on a mutex held by
// one durably blocked) or a livelock in virtual time.
var runWallMax = 3 * time.Minute

// stuck dumps every goroutine of a stuck run and ends the test binary.
func stuck(opts Options) {
	dir := *flagTrace
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("sim-seed-%d-stuck.goroutines", opts.Seed))
	if f, err := os.Create(path); err == nil {
		pprof.Lookup("goroutine").WriteTo(f, 2)
		f.Close()
	}
	if f, err := os.Create(strings.TrimSuffix(path, ".goroutines") + ".trace"); err == nil {
		opts.trace.WriteTo(f)
		f.Close()
	}
	panic(fmt.Sprintf("seed %d still running after %s of wall time; goroutines: %s\nreplay: %s", opts.Seed, runWallMax, path, ReplayCommand(opts)))
}

func summary(fails []string) string {
	const show = 8
	if len(fails) > show {
		return strings.Join(fails[:show], "\n") + fmt.Sprintf("\n... and %d more", len(fails)-show)
	}
	return strings.Join(fails, "\n")
}

// TestSimulation runs -sim.seeds seeds (200 by default: CI) of 30 virtual
// seconds each, or only -sim.seed. Every run must pass every check.
func TestSimulation(t *testing.T) {
	runWallMax = *flagWallMax
	seeds := []uint64{}
	if *flagSeed >= 0 {
		seeds = append(seeds, uint64(*flagSeed))
	} else {
		for i := 0; i < *flagSeeds; i++ {
			seeds = append(seeds, *flagFirst+uint64(i))
		}
	}
	var ops, failed, workarounds atomic.Int64
	var mu sync.Mutex
	var net NetStats
	start := time.Now()
	t.Cleanup(func() {
		t.Logf("%d seeds x %s virtual: %d operations, %d failed, %d raft livelocks worked around, %.1fs wall; messages %+v",
			len(seeds), *flagDuration, ops.Load(), failed.Load(), workarounds.Load(), time.Since(start).Seconds(), net)
	})
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			t.Parallel()
			opts := Options{Seed: seed, Duration: *flagDuration, UnsafeSkipReadBarrier: *flagSkip, LyingLogStore: *flagLying,
				Restore: *flagRestore, RestoreWithoutBoundaryEntry: *flagNoBound}
			res, fails, vis := simulate(t, opts)
			ops.Add(int64(len(res.History)))
			workarounds.Add(int64(len(res.Workarounds)))
			mu.Lock()
			net.Add(res.Net)
			mu.Unlock()
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
