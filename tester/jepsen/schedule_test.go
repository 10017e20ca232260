package jepsen

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"redraft/tester/netsim"
)

func nodesN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "n" + string(rune('1'+i))
	}
	return out
}

func TestScheduleIsDrawnFromTheSeed(t *testing.T) {
	cfg := Config{Nemesis: faultOrder, NemesisInterval: 5 * time.Second, TimeLimit: 120 * time.Second, Seed: 7}
	nodes := nodesN(5)
	a, b := Schedule(cfg, nodes), Schedule(cfg, nodes)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("one seed, two schedules")
	}
	cfg.Seed = 8
	if c := Schedule(cfg, nodes); reflect.DeepEqual(a, c) {
		t.Fatal("seeds 7 and 8 drew the same schedule")
	}
	// Each fault alternates start and stop, in time order, within the limit.
	for _, fault := range faultOrder {
		want := true
		var last time.Duration
		n := 0
		for _, e := range a {
			if e.Fault != fault {
				continue
			}
			n++
			if e.Start != want {
				t.Fatalf("%s: event %v breaks start/stop alternation", fault, e)
			}
			if e.At < last || e.At >= cfg.TimeLimit {
				t.Fatalf("%s: event at %s out of order or past the limit", fault, e.At)
			}
			last, want = e.At, !want
			if e.Start && e.Fault == FaultPartition && !slices.Contains(PartitionKinds, e.Kind) {
				t.Fatalf("unknown partition kind %q", e.Kind)
			}
			if e.Start && e.Fault == FaultClock && (!slices.Contains(ClockKinds, e.Kind) || len(e.Nodes) == 0) {
				t.Fatalf("bad clock event %v", e)
			}
			if e.Start && e.Fault != FaultPartition && e.Fault != FaultClock && (!slices.Contains(TargetKinds, e.Kind) || len(e.Nodes) == 0) {
				t.Fatalf("bad target %v", e)
			}
			if e.Start && e.Kind == PartLeader && len(e.Nodes) != 1 {
				t.Fatalf("leader partition without a fallback: %v", e)
			}
		}
		if n < 4 {
			t.Errorf("%s: only %d events in 120 s at a 5 s interval", fault, n)
		}
	}
	// A fault not asked for is never scheduled.
	cfg.Nemesis = []string{FaultPause}
	for _, e := range Schedule(cfg, nodes) {
		if e.Fault != FaultPause {
			t.Fatalf("scheduled %s, only pause was asked for", e.Fault)
		}
	}
}

// sees reports whether a and b exchange packets both ways.
func sees(g netsim.Grudge, a, b string) bool { return g.TwoWay(a, b) }

func TestGrudgeShapes(t *testing.T) {
	for _, n := range []int{3, 5} {
		nodes := nodesN(n)
		majority := n/2 + 1
		for seed := uint64(0); seed < 20; seed++ {
			rng := rand.New(rand.NewPCG(seed, 0))
			g := NewGrudge(PartOne, nodes, rng)
			isolated := 0
			for _, a := range nodes {
				if len(g[a]) == n-1 {
					isolated++
				}
			}
			if isolated != 1 {
				t.Fatalf("one over %d nodes isolates %d: %s", n, isolated, g)
			}

			g = NewGrudge(PartMajority, nodes, rng)
			big := 0
			for _, a := range nodes {
				c := 1
				for _, b := range nodes {
					if a != b && sees(g, a, b) {
						c++
					}
				}
				if c >= majority {
					big++
				}
			}
			if big != majority {
				t.Fatalf("majority over %d nodes: %d nodes in a majority component, want %d: %s", n, big, majority, g)
			}

			g = NewGrudge(PartBridge, nodes, rng)
			bridges := 0
			for _, a := range nodes {
				if len(g[a]) == 0 {
					bridges++
					for _, b := range nodes {
						if a != b && !sees(g, a, b) {
							t.Fatalf("bridge %s cut from %s: %s", a, b, g)
						}
					}
				}
			}
			if bridges != 1 {
				t.Fatalf("bridge over %d nodes has %d bridges: %s", n, bridges, g)
			}

			g = NewGrudge(PartMajoritiesRing, nodes, rng)
			views := map[string]bool{}
			for _, a := range nodes {
				var view []string
				for _, b := range nodes {
					if !g.Cuts(b, a) {
						view = append(view, b)
					}
				}
				if len(view) != majority {
					t.Fatalf("ring: %s hears %v, not a majority of %d: %s", a, view, n, g)
				}
				views[joinIDs(view)] = true
			}
			if len(views) != n {
				t.Fatalf("ring: %d distinct views over %d nodes: %s", len(views), n, g)
			}
		}
	}
}

func joinIDs(ids []string) string {
	s := ""
	for _, id := range ids {
		s += id + ","
	}
	return s
}

func TestTargets(t *testing.T) {
	for _, tc := range []struct {
		kind string
		n    int
		want int
	}{
		{TargetOne, 3, 1}, {TargetLeader, 5, 1}, {TargetMinority, 3, 1}, {TargetMinority, 5, 2},
		{TargetMajority, 3, 2}, {TargetMajority, 5, 3}, {TargetAll, 5, 5},
	} {
		got := Targets(tc.kind, nodesN(tc.n), rand.New(rand.NewPCG(1, 2)))
		if len(got) != tc.want || !slices.IsSorted(got) {
			t.Errorf("%s over %d: %v, want %d sorted nodes", tc.kind, tc.n, got, tc.want)
		}
	}
}

func TestParseNemesis(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"partition,kill", []string{FaultPartition, FaultKill}, true},
		{"all", faultOrder, true},
		{"pause,pause", []string{FaultPause}, true},
		{"clock", []string{FaultClock}, true},
		{"netem", nil, false},
		{"bogus", nil, false},
	} {
		got, err := ParseNemesis(tc.in)
		if (err == nil) != tc.ok || !slices.Equal(got, tc.want) {
			t.Errorf("ParseNemesis(%q) = %v, %v", tc.in, got, err)
		}
	}
}
