package jepsen

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

func TestScheduleJSONRoundTrips(t *testing.T) {
	cfg := Config{Nemesis: faultOrder, NemesisInterval: 3 * time.Second, TimeLimit: 60 * time.Second, Seed: 5}
	want := Schedule(cfg, nodesN(5))
	var b bytes.Buffer
	if err := WriteSchedule(&b, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSchedule(&b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d events back, wrote %d", len(got), len(want))
	}
	for i := range want {
		if got[i].String() != want[i].String() || !reflect.DeepEqual(got[i].Nodes, want[i].Nodes) {
			t.Fatalf("event %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

// TestLoadReplay: a report's configuration and schedule come back as the
// run had them.
func TestLoadReplay(t *testing.T) {
	cfg := Config{Workload: WorkloadSet, NodeCount: 5, Concurrency: 10, TimeLimit: 30 * time.Second, Rate: 40,
		Nemesis: []string{FaultPartition, FaultMember}, NemesisInterval: 4 * time.Second, Seed: 77,
		ClientTimeout: 3 * time.Second, RecoveryTime: DefaultRecoveryTime, CheckerTimeout: DefaultCheckerTime}
	cfg.Schedule = Schedule(cfg, nodesN(5))
	res := &Result{Config: cfg, Nodes: nodesN(5), Schedule: cfg.Schedule}
	dir := t.TempDir()
	if err := WriteReport(dir, res, Analyze(res, time.Second), Meta{Cluster: "netns", NodeArgs: []string{"--max-inflight", "4"}}); err != nil {
		t.Fatal(err)
	}
	got, args, err := LoadReplay(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(args, []string{"--max-inflight", "4"}) {
		t.Fatalf("node args %q", args)
	}
	gs, ws := got.Schedule, cfg.Schedule
	got.Schedule, cfg.Schedule = nil, nil
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("config\n%+v\nwant\n%+v", got, cfg)
	}
	if len(gs) != len(ws) || gs[len(gs)-1].String() != ws[len(ws)-1].String() {
		t.Fatalf("schedule of %d events back, wrote %d", len(gs), len(ws))
	}
}
