package jepsen

import (
	"context"
	"slices"
	"testing"
	"time"
)

// The loss nemesis: a start sets the targets' loss (replacing the one in
// force), a stop and the final heal remove it from every lossy node.
func TestNemesisLoss(t *testing.T) {
	f := newFake(3)
	n := newNemesis(f, func() time.Duration { return 0 })
	ctx := context.Background()
	n.apply(ctx, Event{Fault: FaultLoss, Start: true, Kind: TargetMinority, Nodes: []string{"n2"}, Percent: 20})
	n.apply(ctx, Event{Fault: FaultLoss, Start: true, Kind: TargetAll, Nodes: []string{"n1", "n3"}, Percent: 40})
	n.apply(ctx, Event{Fault: FaultLoss})
	n.apply(ctx, Event{Fault: FaultLoss, Start: true, Kind: TargetOne, Nodes: []string{"n3"}, Percent: 10})
	n.healAll(ctx)
	want := []string{"loss n2 20%", "loss n2 0%", "loss n1 40%", "loss n3 40%", "loss n1 0%", "loss n3 0%", "loss n3 10%", "loss n3 0%"}
	var got []string
	for _, c := range f.calls {
		if len(c) > 5 && c[:5] == "loss " {
			got = append(got, c)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("loss calls %v, want %v", got, want)
	}
	ops, windows := n.result()
	if len(windows) != 3 || windows[0].Fault != FaultLoss || windows[0].Detail != "n2 20%" {
		t.Fatalf("windows %+v", windows)
	}
	if ops[0].F != "start-loss" || ops[2].F != "stop-loss" {
		t.Fatalf("ops %+v", ops)
	}
}

func TestScheduleLoss(t *testing.T) {
	cfg := Config{Nemesis: []string{FaultLoss}, NemesisInterval: time.Second, TimeLimit: time.Minute, Seed: 7}
	starts := 0
	for _, e := range Schedule(cfg, nodesN(5)) {
		if e.Fault != FaultLoss || !e.Start {
			continue
		}
		starts++
		if !slices.Contains(LossKinds, e.Kind) || len(e.Nodes) == 0 || e.Percent < lossPercentMin || e.Percent > lossPercentMax {
			t.Fatalf("bad loss event %+v", e)
		}
	}
	if starts < 5 {
		t.Fatalf("%d loss starts in a minute at a 1 s interval", starts)
	}
	// A fault added at the end of faultOrder leaves the others' schedules alone.
	both := Schedule(Config{Nemesis: []string{FaultPartition, FaultLoss}, NemesisInterval: time.Second, TimeLimit: time.Minute, Seed: 7}, nodesN(5))
	alone := Schedule(Config{Nemesis: []string{FaultPartition}, NemesisInterval: time.Second, TimeLimit: time.Minute, Seed: 7}, nodesN(5))
	var parts []Event
	for _, e := range both {
		if e.Fault == FaultPartition {
			parts = append(parts, e)
		}
	}
	if len(parts) != len(alone) {
		t.Fatalf("partition events with loss %d, alone %d", len(parts), len(alone))
	}
	for i := range parts {
		if parts[i].At != alone[i].At || parts[i].Kind != alone[i].Kind {
			t.Fatalf("partition event %d changed: %+v vs %+v", i, parts[i], alone[i])
		}
	}
}

// Every fault has a shade in the plots and the timelines (a missing one
// is drawn black over the data).
func TestEveryFaultHasAWindowColour(t *testing.T) {
	for _, f := range faultOrder {
		if windowColors[f] == nil || windowCSS[f] == "" {
			t.Errorf("fault %s: plot colour %v, timeline colour %q", f, windowColors[f], windowCSS[f])
		}
	}
}
