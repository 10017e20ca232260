package report

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/history"
	"redraft/tester/linkv/runner"
	"redraft/tester/window"
)

// TestWriteFromSyntheticRun renders a report from a hand-made result and
// checks every file is there and the PNGs decode. No cas succeeds, so the
// stats checker makes the run invalid although the history is linearizable.
func TestWriteFromSyntheticRun(t *testing.T) {
	v := "2"
	var ops []runner.ClientOp
	for i := 0; i < 300; i++ {
		at := time.Duration(i) * 10 * time.Millisecond
		op := runner.ClientOp{Process: i % 6, F: "write", Value: "2", Type: "ok", Outcome: checker.Ok, Code: runner.NoCode, Invoke: at, End: at + time.Millisecond}
		switch i % 3 {
		case 1:
			op = runner.ClientOp{Process: i % 6, F: "read", Read: &v, Type: "ok", Outcome: checker.Ok, Code: runner.NoCode, Invoke: at, End: at + 2*time.Millisecond}
		case 2:
			op = runner.ClientOp{Process: i % 6, F: "cas", From: "1", To: "3", Type: "fail", Outcome: checker.Fail, Code: 22, Error: `[22 "no"]`, Invoke: at, End: at + time.Millisecond}
		}
		ops = append(ops, op)
	}
	res := &runner.Result{
		Config:   runner.Config{NodeCount: 3, Concurrency: 6, TimeLimit: 3 * time.Second, Rate: 100, Seed: 9, Nemesis: []string{runner.FaultPartition}, NemesisInterval: time.Second},
		Nodes:    []string{"n0", "n1", "n2"},
		Started:  time.Unix(0, 0),
		Duration: 3 * time.Second,
		Ops:      ops,
		Windows:  []window.Window{{Fault: runner.FaultPartition, Detail: "one", Start: time.Second, End: 2 * time.Second}},
		Nemesis:  []history.NemesisOp{{F: "start-partition", Value: ":one", Result: "[:isolated {}]", Invoke: time.Second, End: time.Second}},
	}
	a := runner.Analyze(res, time.Minute)
	dir := t.TempDir()
	if err := Write(dir, res, a, Meta{Command: "linkv test --seed 9", Commit: "abc"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"latency-raw.png", "latency-quantiles.png", "rate.png"} {
		fh, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fh.Close()
	}
	html, err := os.ReadFile(filepath.Join(dir, "timeline-0.html"))
	if err != nil || !strings.Contains(string(html), "nemesis partition") {
		t.Fatalf("timeline: %v", err)
	}
	sum, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	for _, want := range []string{"# lin-kv: INVALID", "| stats (read, write and cas each have an ok) | false |", "| linearizable (porcupine, per key CAS register) | true over 1 keys |", "`abc`", "| seed | 9 |", "| cas | 100 | 0 | 100 | 0 |", "answered fraction (ok + errors 20/22) | 100.0 %"} {
		if !strings.Contains(string(sum), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, sum)
		}
	}
}
