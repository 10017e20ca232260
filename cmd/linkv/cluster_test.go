package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redraft/tester/jepsen"
)

func TestClusterUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--cluster", "docker", "--bin", "x"}, "only netns"},
		{[]string{"test", "--cluster", "netns"}, "--bin is required"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "-w", "lin-kv"}, "workload"},
		{[]string{"test", "--cluster=netns", "--bin", "x", "--nemesis", "netem"}, "not built yet"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "--concurrency", "0"}, "--concurrency"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "--seed", "-1"}, "--seed"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), tc.args, nil, &out, &errb)
		if exitCode(err) != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, exitCode(err), errb.String(), exitUsage, tc.want)
		}
	}
}

func TestClusterReplayRoundTrips(t *testing.T) {
	var errb bytes.Buffer
	o, err := parseCluster([]string{"--cluster", "netns", "--bin", "bin/kv", "-w", "set", "--node-count", "5", "--nemesis", "all", "--seed", "42", "--node-args", "--max-inflight 4"}, &errb)
	if err != nil {
		t.Fatal(errb.String())
	}
	line := clusterReplay(o)
	for _, w := range []string{"--cluster netns", "-w set", "--node-count 5", "--concurrency 10", "--nemesis partition,kill,pause", "--seed 42", `--node-args "--max-inflight 4"`} {
		if !strings.Contains(line, w) {
			t.Errorf("replay %q lacks %q", line, w)
		}
	}
}

// TestIndexListsClusterReportsApart: linkv index puts a TCP-cluster report
// in its own table, not in the lin-kv one.
func TestIndexListsClusterReportsApart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "2026-01-01-set-3n-kill-s1")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	res := &jepsen.Result{
		Config: jepsen.Config{Workload: jepsen.WorkloadSet, NodeCount: 3, Concurrency: 1, TimeLimit: time.Second, Rate: 1, Nemesis: []string{jepsen.FaultKill}, Seed: 1},
		Nodes:  []string{"n1", "n2", "n3"},
		Ops: []jepsen.Op{
			{F: "add", Key: "set0", Value: "1", Type: jepsen.TypeOk, End: time.Millisecond},
			{F: "add", Key: "set0", Value: "2", Type: jepsen.TypeOk, End: time.Millisecond},
			{F: "read", Key: "set0", Elements: []int64{1}, Final: true, Type: jepsen.TypeOk, Invoke: 2 * time.Millisecond, End: 3 * time.Millisecond},
		},
	}
	a := jepsen.Analyze(res, time.Second)
	if err := jepsen.WriteReport(dir, res, a, jepsen.Meta{Command: "linkv test --cluster netns", Commit: "c0ffee", Cluster: "netns 10.77.1.0/24"}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"index", "--results", root}, nil, &out, &errb); err != nil {
		t.Fatalf("index: %v %s", err, errb.String())
	}
	b, _ := os.ReadFile(filepath.Join(root, "README.md"))
	doc := string(b)
	linkv := doc[strings.Index(doc, indexStart):strings.Index(doc, indexEnd)]
	cluster := doc[strings.Index(doc, clusterIndexStart):strings.Index(doc, clusterIndexEnd)]
	if strings.Contains(linkv, "set-3n-kill") || !strings.Contains(cluster, "set-3n-kill-s1") || !strings.Contains(cluster, "lost 1") || !strings.Contains(cluster, "**false**") {
		t.Fatalf("README.md:\n%s", doc)
	}
}

func TestClusterReplayFlag(t *testing.T) {
	var errb bytes.Buffer
	if _, err := parseCluster([]string{"--cluster", "netns", "--bin", "x", "--replay", t.TempDir()}, &errb); exitCode(err) != exitUsage || !strings.Contains(errb.String(), "--replay") {
		t.Fatalf("replay of an empty directory: exit %d, %q", exitCode(err), errb.String())
	}
}

// TestClusterRefusesWithoutNamespaces runs linkv as an unprivileged user
// (setpriv, when the test runs as root): it must exit 255 and say why,
// never pass.
func TestClusterRefusesWithoutNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		var out, errb bytes.Buffer
		err := run(context.Background(), []string{"test", "--cluster", "netns", "--bin", "bin/kv", "--time-limit", "1"}, nil, &out, &errb)
		if exitCode(err) != exitCrash || !strings.Contains(errb.String(), "must run as root") {
			t.Fatalf("exit %d, stderr %q", exitCode(err), errb.String())
		}
		return
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root without setpriv: cannot try an unprivileged run")
	}
	dir, err := os.MkdirTemp("", "linkv-refuse-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "linkv")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin,
		"test", "--cluster", "netns", "--bin", bin, "--time-limit", "1", "--results", dir)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitCrash || !strings.Contains(string(out), "refusing to run") || !strings.Contains(string(out), "must run as root") {
		t.Fatalf("unprivileged run: %v\n%s", err, out)
	}
}
