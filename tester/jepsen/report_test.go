package jepsen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redraft/tester/history"
	"redraft/tester/window"
)

// TestWriteReport writes the report of a synthetic register run with a
// stale read and checks its files and verdict.
func TestWriteReport(t *testing.T) {
	one, two := "1", "2"
	res := &Result{
		Config: Config{Workload: WorkloadRegister, NodeCount: 3, Concurrency: 2, TimeLimit: 2 * time.Second, Rate: 10,
			Nemesis: []string{FaultPartition}, NemesisInterval: time.Second, Seed: 9, ClientTimeout: time.Second},
		Nodes: nodesN(3), Duration: 2 * time.Second, FinalPhase: "none",
		Ops: []Op{
			{Process: 0, F: "write", Key: "r0", Value: "1", Type: TypeOk, Invoke: ms1(0), End: ms1(10), Node: "n1"},
			{Process: 0, F: "write", Key: "r0", Value: "2", Type: TypeOk, Invoke: ms1(20), End: ms1(30), Node: "n1"},
			{Process: 1, F: "read", Key: "r0", Read: &one, Type: TypeOk, Invoke: ms1(40), End: ms1(50), Node: "n2"},
			{Process: 1, F: "read", Key: "r0", Read: &two, Type: TypeOk, Invoke: ms1(60), End: ms1(70), Node: "n2"},
			{Process: 1, F: "cas", Key: "r0", From: "2", To: "3", Type: TypeFail, Error: "CLUSTERDOWN no leader", Invoke: ms1(80), End: ms1(90), Node: "n2"},
		},
		Nemesis:  []history.NemesisOp{{F: "start-partition", Value: ":one", Result: "[:isolated {}]", Invoke: ms1(35), End: ms1(36)}},
		Windows:  []window.Window{{Fault: FaultPartition, Detail: "one", Start: ms1(35), End: ms1(100)}},
		Schedule: []Event{{At: ms1(35), Fault: FaultPartition, Start: true, Kind: PartOne, Grudge: Isolate("n3", nodesN(3))}},
	}
	a := Analyze(res, time.Minute)
	dir := t.TempDir()
	if err := WriteReport(dir, res, a, Meta{Command: "linkv test ...", Commit: "abc", Cluster: "netns 10.77.1.0/24"}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.json", "summary.md", "history.txt", "history.jsonl", "schedule.txt", "timeline-r0.html", "latency-raw.png", "rate.png"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	var js struct {
		Valid any `json:"valid?"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if err := json.Unmarshal(b, &js); err != nil || js.Valid != false {
		t.Fatalf("results.json valid? = %v (%v), want false", js.Valid, err)
	}
	s, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	for _, w := range []string{"INVALID", "keys not valid | r0", "1 × fail cas CLUSTERDOWN", "start-partition"} {
		if !strings.Contains(string(s), w) {
			t.Errorf("summary.md lacks %q", w)
		}
	}
	sched, _ := os.ReadFile(filepath.Join(dir, "schedule.txt"))
	if !strings.Contains(string(sched), `start partition one {"n1" #{"n3"}`) {
		t.Errorf("schedule.txt:\n%s", sched)
	}
}
