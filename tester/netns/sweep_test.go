package netns

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestSweepRemovesDeadRunsOnly leaves a namespace (with a process in it)
// and a bridge named after a dead pid, and a namespace named after this
// live process: Sweep removes the first two and keeps the third.
func TestSweepRemovesDeadRunsOnly(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("network namespaces unavailable: %v", err)
	}
	ctx := context.Background()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	pid := dead.Process.Pid // reaped: no process has this pid now (barring reuse)
	if alive(pid) {
		t.Skipf("pid %d was reused already", pid)
	}
	deadNS, deadBr, liveNS := nsName(pid, 1), bridgeName(pid), nsName(os.Getpid(), 98)
	for _, c := range [][]string{
		{"ip", "netns", "add", deadNS},
		{"ip", "link", "add", deadBr, "type", "bridge"},
		{"ip", "netns", "add", liveNS},
	} {
		if _, err := run(ctx, nil, c[0], c[1:]...); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		delIfExists(ctx, "netns", deadNS)
		delIfExists(ctx, "link", deadBr)
		delIfExists(ctx, "netns", liveNS)
	})
	// A process left running inside the dead run's namespace.
	sleeper := exec.Command("ip", "netns", "exec", deadNS, "sleep", "600")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- sleeper.Wait() }()

	removed, err := Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(removed, deadNS) || !slices.Contains(removed, deadBr) || slices.Contains(removed, liveNS) {
		t.Fatalf("Sweep removed %v; want %s and %s, not %s", removed, deadNS, deadBr, liveNS)
	}
	if err := <-done; err == nil {
		t.Fatal("the process in the swept namespace exited cleanly; want it killed")
	}
	if _, err := os.Stat(filepath.Join("/run/netns", deadNS)); err == nil {
		t.Fatalf("%s still exists", deadNS)
	}
	if _, err := os.Stat(filepath.Join("/run/netns", liveNS)); err != nil {
		t.Fatalf("Sweep removed the live run's %s", liveNS)
	}
}
