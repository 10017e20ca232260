package runner

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"redraft/tester/netsim"
	"redraft/tester/verdict"
)

// Fixture nodes (testdata/fixture) are built once per test binary.
var (
	fixtureMu   sync.Mutex
	fixtureDir  string
	fixtureBins = map[string]string{}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// fixture builds testdata/fixture in the given mode.
func fixture(t *testing.T, mode string) string {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if bin, ok := fixtureBins[mode]; ok {
		return bin
	}
	if fixtureDir == "" {
		d, err := os.MkdirTemp("", "linkv-fixtures-")
		if err != nil {
			t.Fatal(err)
		}
		fixtureDir = d
	}
	bin := filepath.Join(fixtureDir, mode)
	cmd := exec.Command("go", "build", "-ldflags", "-X main.mode="+mode, "-o", bin, "./testdata/fixture")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building fixture %s: %v\n%s", mode, err, out)
	}
	fixtureBins[mode] = bin
	return bin
}

// quick is a short, fast test configuration.
func quick(t *testing.T, bin string, nodes int) Config {
	return Config{
		Bin:             bin,
		NodeCount:       nodes,
		Concurrency:     2 * nodes,
		TimeLimit:       2 * time.Second,
		Rate:            300,
		Latency:         netsim.Latency{Dist: netsim.Constant},
		NemesisInterval: time.Second,
		Seed:            1,
		Dir:             t.TempDir(),
		CheckerTimeout:  30 * time.Second,
	}
}

func runAndAnalyze(t *testing.T, cfg Config) (*Result, *Analysis) {
	t.Helper()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res, Analyze(res, cfg.CheckerTimeout)
}

func describe(a *Analysis) string {
	return fmt.Sprintf("valid %s (linearizable %s, stats %v), %d ops ok %d fail %d info %d",
		a.Valid, a.Linearizable, a.StatsValid, a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info)
}

func TestSingleNodeIsValid(t *testing.T) {
	cfg := quick(t, fixture(t, "local"), 1)
	res, a := runAndAnalyze(t, cfg)
	if a.Valid != verdict.True {
		t.Fatalf("correct single node: %s", describe(a))
	}
	// The stream keeps the rate whenever a thread is free; on a loaded
	// machine it loses schedule time (res.Late), never more ops than the rate.
	if want := cfg.Rate * (cfg.TimeLimit - res.Late).Seconds(); float64(a.Stats.Count) < 0.8*want || float64(a.Stats.Count) > 1.2*want {
		t.Fatalf("%d ops, want about %.0f (rate x (time limit - %v late))", a.Stats.Count, want, res.Late)
	}
	if a.AnsweredFraction != 1 || a.StructuralBound != 1 {
		t.Fatalf("answered %.3f, bound %.3f; want 1 and 1", a.AnsweredFraction, a.StructuralBound)
	}
	if res.Net.All.Sends != res.Net.All.Recvs || res.Net.Servers.Sends != 0 {
		t.Fatalf("net stats %+v", res.Net)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "node-logs", "n0.log")); err != nil {
		t.Fatal(err)
	}
}

func TestLocalMapsAreInvalid(t *testing.T) {
	cfg := quick(t, fixture(t, "local"), 3)
	_, a := runAndAnalyze(t, cfg)
	if a.Valid != verdict.False || a.Linearizable != verdict.False {
		t.Fatalf("unreplicated nodes: %s", describe(a))
	}
}

func TestAsyncReplicationIsInvalid(t *testing.T) {
	cfg := quick(t, fixture(t, "async"), 3)
	cfg.Latency = netsim.Latency{Mean: 10 * time.Millisecond, Dist: netsim.Exponential}
	cfg.Nemesis = []string{FaultPartition}
	res, a := runAndAnalyze(t, cfg)
	if a.Linearizable != verdict.False {
		t.Fatalf("asynchronous replication: %s", describe(a))
	}
	if res.Net.Servers.Sends == 0 || len(res.Windows) == 0 {
		t.Fatalf("no replication traffic or no partition: %+v, %d windows", res.Net, len(res.Windows))
	}
}

func TestStdoutLogIsAProtocolError(t *testing.T) {
	cfg := quick(t, fixture(t, "stdoutlog"), 1)
	cfg.TimeLimit = time.Second
	res, a := runAndAnalyze(t, cfg)
	if len(res.ProtocolErrors) != 1 || !strings.Contains(res.ProtocolErrors[0].Line, "initialised") {
		t.Fatalf("protocol errors %+v", res.ProtocolErrors)
	}
	// The link is broken from then on: no reply reaches a client.
	if a.Stats.Ok != 0 {
		t.Fatalf("%d ok ops after the link broke", a.Stats.Ok)
	}
}

func TestExtraKeysAreMalformed(t *testing.T) {
	cfg := quick(t, fixture(t, "extrakeys"), 1)
	cfg.TimeLimit = time.Second
	_, a := runAndAnalyze(t, cfg)
	if r := a.ByF["read"]; r.Ok != 0 || r.Info == 0 {
		t.Fatalf("read_ok with an extra key must be info: %+v", r)
	}
	if a.StatsValid {
		t.Fatal("stats valid without an ok read")
	}
}

func TestKillAndPauseRestartNodes(t *testing.T) {
	cfg := quick(t, fixture(t, "local"), 1)
	cfg.TimeLimit = 3 * time.Second
	cfg.Nemesis = []string{FaultKill, FaultPause}
	cfg.NemesisInterval = 300 * time.Millisecond
	res, a := runAndAnalyze(t, cfg)
	if len(res.Crashes) != 0 {
		t.Fatalf("deliberate kills reported as crashes: %v", res.Crashes)
	}
	restarted := false
	for _, n := range res.Nemesis {
		if n.F == "start" && strings.Contains(n.Result, ":started") {
			restarted = true
		}
	}
	if !restarted {
		t.Fatalf("no restart in %+v", res.Nemesis)
	}
	if a.StructuralBound >= 1 {
		t.Fatalf("bound %.2f with the only node killed or paused part of the time", a.StructuralBound)
	}
}

func TestNodeThatNeverInitsFailsFast(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "silent.sh")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexec cat >/dev/null\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := quick(t, bin, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := Run(ctx, cfg)
	if err == nil {
		t.Fatal("a node that never answers init must fail the run")
	}
}
