package schedule

import (
	"context"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

type ev struct {
	at    time.Duration
	fault string
	start bool
	draw  int
}

func plan(t *testing.T, enabled []string, delayed bool) []ev {
	t.Helper()
	flip := Flip{Interval: 3 * time.Second, Limit: time.Minute, Delayed: delayed}
	evs, err := Plan(7, []string{"a", "b", "c"}, enabled, flip, func(e ev) time.Duration { return e.at },
		func(rng *rand.Rand, fault string, at time.Duration, start bool) (ev, error) {
			e := ev{at: at, fault: fault, start: start}
			if start {
				e.draw = rng.IntN(1000)
			}
			return e, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func only(evs []ev, fault string) []ev {
	return slices.DeleteFunc(slices.Clone(evs), func(e ev) bool { return e.fault != fault })
}

func TestPlan(t *testing.T) {
	for _, delayed := range []bool{false, true} {
		all := plan(t, []string{"a", "c"}, delayed)
		if !slices.IsSortedFunc(all, func(x, y ev) int { return int(x.at - y.at) }) {
			t.Fatalf("not in time order: %v", all)
		}
		for _, f := range []string{"a", "c"} {
			evs := only(all, f)
			if len(evs) < 4 {
				t.Fatalf("%s: only %d events", f, len(evs))
			}
			if first := evs[0].at; (first == 0) == delayed {
				t.Errorf("delayed %v: first %s at %v", delayed, f, first)
			}
			for i, e := range evs {
				if e.start != (i%2 == 0) || e.at >= time.Minute {
					t.Fatalf("%s event %d: %+v", f, i, e)
				}
			}
			// Each fault has its own stream: enabling b changes nothing of it.
			if alone := plan(t, []string{f}, delayed); !reflect.DeepEqual(alone, evs) {
				t.Errorf("%s alone differs from %s among others", f, f)
			}
		}
		if len(only(all, "b")) != 0 {
			t.Error("b planned although not enabled")
		}
	}
}

func TestTargets(t *testing.T) {
	nodes := []string{"n1", "n2", "n3", "n4", "n5"}
	for kind, n := range map[string]int{One: 1, Minority: 2, Majority: 3, All: 5, "other": 5} {
		got := Targets(kind, nodes, rand.New(rand.NewPCG(1, 2)))
		if len(got) != n || !slices.IsSorted(got) {
			t.Errorf("Targets(%s) = %v, want %d sorted nodes", kind, got, n)
		}
	}
}

func TestPlay(t *testing.T) {
	now := time.Duration(0)
	since := func() time.Duration { return now }
	var applied []time.Duration
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, time.Hour}
	Play(ctx, events, func(d time.Duration) time.Duration { return d }, since, func(_ context.Context, d time.Duration) {
		applied = append(applied, d)
		now = d + time.Millisecond // the clock moves on: the next is due at once
		if d == 2*time.Millisecond {
			cancel() // the hour-long wait ends with ctx
		}
	})
	if want := events[:3]; !reflect.DeepEqual(applied, want) {
		t.Fatalf("applied %v, want %v", applied, want)
	}
}
