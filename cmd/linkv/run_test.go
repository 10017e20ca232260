package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func exitCode(err error) int {
	var e *exitError
	if err == nil {
		return 0
	}
	if errors.As(err, &e) {
		return e.code
	}
	return exitCrash
}

func TestConcurrencyNotMultipleOf2nIsAUsageError(t *testing.T) {
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"test", "-w", "lin-kv", "--bin", "x", "--node-count", "3", "--concurrency", "4"}, nil, &out, &errb)
	if exitCode(err) != exitUsage || !strings.Contains(errb.String(), "not a multiple of 2n = 6") {
		t.Fatalf("exit %d, stderr %q", exitCode(err), errb.String())
	}
	// Maelstrom's default (1n) is rejected too.
	errb.Reset()
	err = run(context.Background(), []string{"test", "--bin", "x", "--node-count", "2"}, nil, &out, &errb)
	if exitCode(err) != exitUsage {
		t.Fatalf("default concurrency accepted: %q", errb.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"check"},
		{"test", "-w", "broadcast", "--bin", "x", "--concurrency", "2n"},
		{"test", "--bin", "x", "--concurrency", "2n", "--latency-dist", "normal"},
		{"test", "--bin", "x", "--concurrency", "2n", "--nemesis", "clock"},
		{"test", "--concurrency", "2n"},
	} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, nil, &out, &errb); exitCode(err) != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, exitCode(err), exitUsage)
		}
	}
}

// TestReportOfAValidRun runs the correct single-node fixture end to end and
// checks the report directory.
func TestReportOfAValidRun(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "node")
	build := exec.Command("go", "build", "-ldflags", "-X main.mode=local", "-o", bin, "../../tester/linkv/runner/testdata/fixture")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	results := filepath.Join(dir, "results")
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"test", "-w", "lin-kv", "--bin", bin, "--node-count", "1", "--concurrency", "2n",
		"--time-limit", "1", "--rate", "200", "--nemesis", "partition", "--nemesis-interval", "0.3", "--seed", "5", "--results", results}, nil, &out, &errb)
	if err != nil {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", exitCode(err), out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "seed 5") || !strings.Contains(out.String(), "valid:") {
		t.Fatalf("stdout %q", out.String())
	}
	if strings.Contains(out.String(), "\r") {
		t.Fatal("progress line written to a non-terminal")
	}
	dirs, _ := filepath.Glob(filepath.Join(results, "*-lin-kv-1n-partition-s5"))
	if len(dirs) != 1 {
		t.Fatalf("report dirs %v", dirs)
	}
	for _, f := range []string{"results.json", "history.txt", "summary.md", "timeline-0.html", "latency-raw.png", "latency-quantiles.png", "rate.png", "node-logs/n0.log"} {
		if _, err := os.Stat(filepath.Join(dirs[0], f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	var res map[string]any
	b, _ := os.ReadFile(filepath.Join(dirs[0], "results.json"))
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"perf", "timeline", "exceptions", "stats", "availability", "net", "workload", "valid?", "test", "latency", "nemesis"} {
		if _, ok := res[k]; !ok {
			t.Errorf("results.json has no %q", k)
		}
	}
	if res["valid?"] != true || res["test"].(map[string]any)["seed"] != "5" {
		t.Fatalf("valid? %v, test %v", res["valid?"], res["test"])
	}
	sum, _ := os.ReadFile(filepath.Join(dirs[0], "summary.md"))
	for _, want := range []string{"**valid**", "--seed 5", "answered fraction", "structural bound", "server to server"} {
		if !bytes.Contains(sum, []byte(want)) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
}

func TestStoreAndIndex(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "node")
	build := exec.Command("go", "build", "-ldflags", "-X main.mode=local", "-o", bin, "../../tester/linkv/runner/testdata/fixture")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	store, results := filepath.Join(dir, "store"), filepath.Join(dir, "results")
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"test", "--bin", bin, "--node-count", "2", "--concurrency", "2n",
		"--time-limit", "0.5", "--rate", "100", "--seed", "3", "--store", store, "--results", results}, nil, &out, &errb)
	// Two unreplicated nodes: invalid (or, rarely in half a second, valid).
	if code := exitCode(err); code != exitInvalid && code != exitValid {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(store, "lin-kv", "latest", "results.json")); err != nil {
		t.Fatal(err)
	}
	copies, _ := filepath.Glob(filepath.Join(results, "*-lin-kv-2n-none-s3", "results.json"))
	if len(copies) != 1 {
		t.Fatalf("promoted copies %v", copies)
	}
	out.Reset()
	if err := run(context.Background(), []string{"index", "--results", results}, nil, &out, &errb); err != nil {
		t.Fatal(err)
	}
	readme, _ := os.ReadFile(filepath.Join(results, "README.md"))
	if !bytes.Contains(readme, []byte("-lin-kv-2n-none-s3](")) || !bytes.Contains(readme, []byte(indexEnd)) {
		t.Fatalf("README.md:\n%s", readme)
	}
	// The row names the flags that tell runs apart (latency and its
	// distribution included), the seed, and the figures issue 4 asks for.
	for _, want := range []string{indexHeader,
		"`--node-count 2 --concurrency 2n --time-limit 0.5 --rate 100 --latency 0 --latency-dist constant` | 3 |"} {
		if !bytes.Contains(readme, []byte(want)) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}
}

func TestIndexRowFlags(t *testing.T) {
	for _, tc := range []struct {
		json, want string
	}{
		{`{"test":{"node-count":5,"concurrency":10,"time-limit-s":60,"rate":100,"latency-ms":10,"latency-dist":"uniform","nemesis":["partition"]}}`,
			"--node-count 5 --concurrency 2n --time-limit 60 --rate 100 --latency 10 --latency-dist uniform --nemesis partition"},
		{`{"test":{"node-count":3,"concurrency":6,"time-limit-s":20,"rate":5,"latency-ms":0,"nemesis":["partition","kill"]}}`,
			"--node-count 3 --concurrency 2n --time-limit 20 --rate 5 --latency 0 --latency-dist constant --nemesis partition,kill"},
		{`{"test":{"node-count":3,"concurrency":7,"time-limit-s":60,"rate":100,"latency-ms":0,"latency-dist":"exponential"}}`,
			"--node-count 3 --concurrency 7 --time-limit 60 --rate 100 --latency 0 --latency-dist exponential"},
	} {
		var r indexRow
		if err := json.Unmarshal([]byte(tc.json), &r); err != nil {
			t.Fatal(err)
		}
		if got := r.flags(); got != tc.want {
			t.Errorf("flags of %s:\ngot  %s\nwant %s", tc.json, got, tc.want)
		}
	}
}
