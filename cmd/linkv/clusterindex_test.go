package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"redraft/tester/elle"
	"redraft/tester/jepsen"
)

// TestIndexAnomaliesOfListAppendAndQueue: the index names each workload's
// anomalies (Elle's kinds; the queue's lost elements).
func TestIndexAnomaliesOfListAppendAndQueue(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	for _, tc := range []struct {
		workload string
		ops      []jepsen.Op
		want     string
	}{
		{jepsen.WorkloadListAppend, []jepsen.Op{
			{F: "txn", Txn: []elle.Mop{{F: elle.Append, Key: "list0", Value: 1}}, Type: jepsen.TypeOk, End: ms(1)},
			{F: "txn", Txn: []elle.Mop{{F: elle.Append, Key: "list0", Value: 2}}, Type: jepsen.TypeOk, End: ms(1)},
			{F: "read", Key: "list0", Txn: []elle.Mop{{F: elle.Read, Key: "list0", List: []int64{1}}}, Final: true, Type: jepsen.TypeOk, Invoke: ms(2), End: ms(3)},
		}, "lost-append 1"},
		{jepsen.WorkloadQueue, []jepsen.Op{
			{F: "enqueue", Key: "queue0", Value: "1", Type: jepsen.TypeOk, End: ms(1)},
			{F: "read", Key: "queue0", Final: true, Type: jepsen.TypeOk, Invoke: ms(2), End: ms(3)},
			{F: "read", Key: "queue0-moved", Final: true, Type: jepsen.TypeOk, Invoke: ms(2), End: ms(3)},
		}, "lost 1"},
	} {
		t.Run(tc.workload, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "2026-01-01-"+tc.workload+"-3n-kill-s1")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			res := &jepsen.Result{
				Config: jepsen.Config{Workload: tc.workload, NodeCount: 3, Concurrency: 1, TimeLimit: time.Second, Rate: 1, Nemesis: []string{jepsen.FaultKill}, Seed: 1},
				Nodes:  []string{"n1", "n2", "n3"},
				Ops:    tc.ops,
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
			cluster := doc[strings.Index(doc, clusterIndexStart):strings.Index(doc, clusterIndexEnd)]
			if !strings.Contains(cluster, tc.want) || !strings.Contains(cluster, "**false**") {
				t.Fatalf("index lacks %q or the false verdict:\n%s", tc.want, cluster)
			}
			s, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
			if !strings.Contains(string(s), "### Anomalies") {
				t.Fatalf("summary.md explains no anomaly:\n%s", s)
			}
		})
	}
}
