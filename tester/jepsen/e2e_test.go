package jepsen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"redraft/tester/elle"
	"redraft/tester/jepsen"
	"redraft/tester/netns"
	"redraft/tester/verdict"
)

// loadTolerantArgs are Raft timeouts for the tests' nodes: the defaults
// (150 ms heartbeat) lose their leader without any fault when the machine
// is loaded (a 2-core CI box at load 10-30), and the tests must not depend
// on the load. Safety does not depend on timeouts; the runs recorded in
// results/ use the defaults.
var loadTolerantArgs = []string{"--heartbeat-timeout", "500ms", "--election-timeout", "500ms", "--lease-timeout", "300ms"}

// TestRegisterUnderPartitionsAndKills is the end-to-end test: the real
// binary as a 3-node TCP cluster in network namespaces, 25 s of the
// register workload with partitions and kill -9, the history checked with
// porcupine, the report written. It is skipped only where namespaces
// cannot be created (not root, no nftables).
func TestRegisterUnderPartitionsAndKills(t *testing.T) {
	runUnderPartitionsAndKills(t, jepsen.WorkloadRegister, 25*time.Second)
}

// TestListAppendUnderPartitionsAndKills: the same for the list-append
// workload (MULTI/EXEC of RPUSH and LRANGE) checked by Elle's checker
// (tester/elle) for strict serializability, for 60 s (issue 16's CI run).
func TestListAppendUnderPartitionsAndKills(t *testing.T) {
	runUnderPartitionsAndKills(t, jepsen.WorkloadListAppend, 60*time.Second)
}

// TestQueueUnderPartitionsAndKills: the same for the queue workload (LPUSH,
// BRPOP, BLMOVE): no element lost or delivered twice.
func TestQueueUnderPartitionsAndKills(t *testing.T) {
	runUnderPartitionsAndKills(t, jepsen.WorkloadQueue, 25*time.Second)
}

func runUnderPartitionsAndKills(t *testing.T, workload string, limit time.Duration) {
	if testing.Short() {
		t.Skipf("-short: skipping a %s cluster run", limit)
	}
	dir, bin := buildForNetns(t)
	report := filepath.Join(dir, "report")
	var mu sync.Mutex
	var crashes []string
	c, err := netns.New(context.Background(), netns.Config{
		Bin: bin, Nodes: 3, WorkDir: filepath.Join(dir, "data"), LogDir: filepath.Join(report, "node-logs"), Args: loadTolerantArgs,
		OnExit: func(id string, err error) {
			mu.Lock()
			crashes = append(crashes, id+": "+err.Error())
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := jepsen.Config{
		Workload: workload, NodeCount: 3, Concurrency: 6, TimeLimit: limit, Rate: 50,
		Nemesis: []string{jepsen.FaultPartition, jepsen.FaultKill}, NemesisInterval: 4 * time.Second, Seed: 16,
		ClientTimeout: jepsen.DefaultClientTimeout, RecoveryTime: 30 * time.Second, CheckerTimeout: time.Minute,
		Progress: func(s string) { t.Log(s) },
	}
	start := time.Now()
	res, err := jepsen.Run(context.Background(), cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	a := jepsen.Analyze(res, cfg.CheckerTimeout)
	mu.Lock()
	meta := jepsen.Meta{Command: "go test", Commit: "test", Cluster: "netns " + c.Subnet().String(), Crashes: crashes}
	mu.Unlock()
	if err := jepsen.WriteReport(report, res, a, meta); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d ops (ok %d, fail %d, info %d), valid %s, %d nemesis ops, %.1f s",
		workload, a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info, a.Valid, len(res.Nemesis), time.Since(start).Seconds())
	if len(meta.Crashes) > 0 {
		t.Fatalf("nodes exited by themselves: %v", meta.Crashes)
	}
	if a.Valid != verdict.True {
		summary, _ := os.ReadFile(filepath.Join(report, "summary.md"))
		t.Fatalf("verdict %s (seed %d):\n%s", a.Valid, cfg.Seed, summary)
	}
	var kills, partitions int
	for _, n := range res.Nemesis {
		switch n.F {
		case "kill":
			kills++
		case "start-partition":
			partitions++
		}
	}
	if kills == 0 || partitions == 0 {
		t.Fatalf("the schedule of seed %d applied %d kills and %d partitions; the test wants both", cfg.Seed, kills, partitions)
	}
	if a.Stats.Ok < 50 {
		t.Fatalf("only %d ok operations in %s", a.Stats.Ok, limit)
	}
	for _, f := range []string{"results.json", "history.txt", "schedule.txt", "summary.md", "node-logs/n1.log"} {
		if _, err := os.Stat(filepath.Join(report, f)); err != nil {
			t.Errorf("report lacks %s: %v", f, err)
		}
	}
	if h, _ := os.ReadFile(filepath.Join(report, "history.txt")); !strings.Contains(string(h), ":nemesis\t:info\t:kill") {
		t.Error("history.txt lacks the nemesis's kill")
	}
}

// TestStaleReadsAreCaught shows the checkers bite on real runs: with
// --read-consistency stale every node serves reads from its own state, so
// a node cut off from the others keeps answering with what the majority
// has since overwritten (register) or appended or added to (list-append,
// set); every checker must
// call the history invalid.
func TestStaleReadsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping two 15 s cluster runs")
	}
	dir, bin := buildForNetns(t)
	for _, workload := range []string{jepsen.WorkloadRegister, jepsen.WorkloadSet, jepsen.WorkloadListAppend} {
		t.Run(workload, func(t *testing.T) {
			wd := filepath.Join(dir, workload)
			c, err := netns.New(context.Background(), netns.Config{
				Bin: bin, Nodes: 3, WorkDir: filepath.Join(wd, "data"), LogDir: filepath.Join(wd, "node-logs"),
				Args: append([]string{"--read-consistency", "stale"}, loadTolerantArgs...),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cfg := jepsen.Config{
				Workload: workload, NodeCount: 3, Concurrency: 6, TimeLimit: 15 * time.Second, Rate: 60,
				Nemesis: []string{jepsen.FaultPartition}, NemesisInterval: time.Second, Seed: 1,
				ClientTimeout: 2 * time.Second, RecoveryTime: 30 * time.Second, CheckerTimeout: time.Minute,
				// n3 is cut off from 1 s to the end: its readers see a frozen state.
				Schedule: []jepsen.Event{{At: time.Second, Fault: jepsen.FaultPartition, Start: true, Kind: jepsen.PartOne, Grudge: jepsen.Isolate("n3", c.Nodes())}},
			}
			res, err := jepsen.Run(context.Background(), cfg, c)
			if err != nil {
				t.Fatal(err)
			}
			a := jepsen.Analyze(res, cfg.CheckerTimeout)
			t.Logf("%d ops (ok %d, fail %d, info %d), valid %s", a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info, a.Valid)
			if a.Valid != verdict.False {
				t.Fatalf("stale reads under a partition judged %s, want false", a.Valid)
			}
			if a.Elle != nil {
				t.Logf("elle: %v", a.Elle.Counts)
				if a.Elle.Counts[elle.GSingleRealtime]+a.Elle.Counts[elle.G2Realtime]+a.Elle.Counts[elle.GSingle]+a.Elle.Counts[elle.G2] == 0 {
					t.Fatalf("invalid, but without an anti-dependency cycle (a stale read): %v", a.Elle.AnomalyTypes)
				}
			}
			if a.Set != nil {
				t.Logf("set: %d stale, %d lost; first: %v", len(a.Set.Stale), len(a.Set.Lost), a.Set.Examples[:1])
				if len(a.Set.Stale) == 0 {
					t.Fatalf("invalid, but not for stale reads: %v", a.Set.Examples)
				}
			}
		})
	}
}

// TestContractViolationsAreCaught shows the checkers bite on real runs of a
// node built to break the consistency contract (kv serve --test-fault):
//   - split-multi applies each MULTI/EXEC in two log entries; with no
//     fault at all, the list-append checker sees transactions half done
//     (G-single, G1c, internal and other cycles);
//   - ack-before-commit answers SET and SADD before Raft commits them;
//     with the leader cut off twice, the set checker finds adds that an
//     acknowledged-later read lacks (stale: the read ran before the add
//     committed) or that no final read has (lost: the isolated leader's
//     entry was never committed). Which of the two, and how many, depends
//     on timing; a run has always had some. (The register workload shows
//     it less reliably in 15 s; results/jepsen-bites has a 60 s run, and the
//     simulation's TestCatchesAckBeforeCommit catches it on registers.)
func TestContractViolationsAreCaught(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping two 15 s cluster runs")
	}
	dir, bin := buildForNetns(t)
	isolateLeader := func(c *netns.Cluster, at, until time.Duration) []jepsen.Event {
		return []jepsen.Event{
			// Nodes names the fallback; with it the nemesis isolates the
			// node that leads when the partition starts.
			{At: at, Fault: jepsen.FaultPartition, Start: true, Kind: jepsen.PartLeader, Nodes: []string{"n1"}, Grudge: jepsen.Isolate("n1", c.Nodes())},
			{At: until, Fault: jepsen.FaultPartition},
		}
	}
	for _, tc := range []struct {
		fault, workload string
		partitions      bool
		// rate: operations per second. Each early acknowledgement is a
		// window of a few ms in which a read can miss the add, and each
		// add the isolated leader acknowledges is lost: at 150/s, with
		// the leader found and cut off, three runs found 50-72 stale
		// and 20-22 lost adds (at 60/s, with n1 cut off whichever node
		// led, 2-6 stale and none lost).
		rate float64
	}{
		{"split-multi", jepsen.WorkloadListAppend, false, 60},
		{"ack-before-commit", jepsen.WorkloadSet, true, 150},
	} {
		t.Run(tc.fault+"/"+tc.workload, func(t *testing.T) {
			wd := filepath.Join(dir, tc.fault+"-"+tc.workload)
			c, err := netns.New(context.Background(), netns.Config{
				Bin: bin, Nodes: 3, WorkDir: filepath.Join(wd, "data"), LogDir: filepath.Join(wd, "node-logs"),
				Args: append([]string{"--test-fault", tc.fault}, loadTolerantArgs...),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			cfg := jepsen.Config{
				Workload: tc.workload, NodeCount: 3, Concurrency: 6, TimeLimit: 15 * time.Second, Rate: tc.rate,
				NemesisInterval: time.Second, Seed: 1,
				ClientTimeout: 2 * time.Second, RecoveryTime: 30 * time.Second, CheckerTimeout: time.Minute,
			}
			if tc.partitions {
				cfg.Nemesis = []string{jepsen.FaultPartition}
				cfg.Schedule = append(isolateLeader(c, 2*time.Second, 6*time.Second), isolateLeader(c, 8*time.Second, 12*time.Second)...)
			}
			res, err := jepsen.Run(context.Background(), cfg, c)
			if err != nil {
				t.Fatal(err)
			}
			a := jepsen.Analyze(res, cfg.CheckerTimeout)
			t.Logf("%d ops (ok %d, fail %d, info %d), valid %s", a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info, a.Valid)
			if a.Valid != verdict.False {
				t.Fatalf("a node with --test-fault %s judged %s, want false", tc.fault, a.Valid)
			}
			switch {
			case a.Elle != nil:
				t.Logf("elle: %v", a.Elle.Counts)
				if len(a.Elle.Counts) == 0 {
					t.Fatal("invalid, but elle reports no anomaly")
				}
			case a.Set != nil:
				t.Logf("set: %d lost, %d stale", len(a.Set.Lost), len(a.Set.Stale))
				if len(a.Set.Lost)+len(a.Set.Stale) == 0 {
					t.Fatalf("invalid, but no acknowledged add was missing from a read: %v", a.Set.Examples)
				}
			default:
				t.Fatalf("no check for workload %s", tc.workload)
			}
		})
	}
}

// buildForNetns skips the test where network namespaces cannot be created
// (the reason is netns.Available's), else builds bin/kv into a temporary
// directory and returns the directory and the binary.
func buildForNetns(t *testing.T) (dir, bin string) {
	t.Helper()
	if err := netns.Available(); err != nil {
		t.Skipf("network namespaces unavailable, the real-network cluster test cannot run: %v", err)
	}
	dir = t.TempDir()
	bin = filepath.Join(dir, "kv")
	if out, err := exec.Command("go", "build", "-o", bin, "redraft/cmd/kv").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir, bin
}
