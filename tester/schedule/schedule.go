// Package schedule plans a nemesis schedule from a seed and plays it
// against the clock, the same way for both test runners (tester/linkv and
// tester/jepsen): each fault alternates start and stop (Jepsen's
// flip-flop) with gaps uniform in [0, 2*interval] (gen/stagger), drawn
// from a random stream of its own so that enabling one fault leaves the
// others' schedules as they were; targets of kill-like faults are drawn as
// jepsen.nemesis.combined draws them. What a start does (a partition's
// grudge, a clock's offset) is the runner's to draw.
package schedule

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"
)

// Random streams derived from the seed (rand.NewPCG(seed, stream)); each
// concern draws from its own so that one does not shift another.
const (
	StreamNemesis = 0x100   // + the fault's index in the runner's fault order
	StreamThread  = 0x10000 // + the client thread's index
)

// Flip is how a fault's starts and stops are spaced.
type Flip struct {
	Interval time.Duration // mean gap between a start and its stop
	Limit    time.Duration // no event at or after it
	// Delayed: the first start comes one gap after 0, not at 0.
	Delayed bool
}

// Plan draws the events of every fault of order that enabled names, each
// from the stream (seed, StreamNemesis + its index in order), and merges
// them in time order (a stable sort, so equal times keep fault order).
// event makes one event at at, a start or a stop; it draws a start's
// details from rng between the gaps.
func Plan[E any](seed uint64, order, enabled []string, flip Flip, at func(E) time.Duration,
	event func(rng *rand.Rand, fault string, at time.Duration, start bool) (E, error)) ([]E, error) {
	var events []E
	for fi, fault := range order {
		if !slices.Contains(enabled, fault) {
			continue
		}
		rng := rand.New(rand.NewPCG(seed, StreamNemesis+uint64(fi)))
		gap := func() time.Duration { return time.Duration(rng.Float64() * 2 * float64(flip.Interval)) }
		t := time.Duration(0)
		if flip.Delayed {
			t = gap()
		}
		for start := true; t < flip.Limit; t += gap() {
			e, err := event(rng, fault, t, start)
			if err != nil {
				return nil, err
			}
			events = append(events, e)
			start = !start
		}
	}
	slices.SortStableFunc(events, func(a, b E) int { return int(at(a) - at(b)) })
	return events, nil
}

// Target kinds of kill-like faults (jepsen.nemesis.combined's db targets).
const (
	One      = "one"
	Minority = "minority"
	Majority = "majority"
	All      = "all"
)

// Targets draws the nodes of a kind, sorted: One, Minority (a majority
// less one), Majority, and All for any other kind.
func Targets(kind string, nodes []string, rng *rand.Rand) []string {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	majority := len(s)/2 + 1
	var out []string
	switch kind {
	case One:
		out = s[:1]
	case Minority:
		out = s[:majority-1]
	case Majority:
		out = s[:majority]
	default:
		out = s
	}
	out = slices.Clone(out)
	slices.Sort(out)
	return out
}

// Play applies events at their times (at, against since: the time since
// the run's start) until ctx ends; an event already due applies at once.
func Play[E any](ctx context.Context, events []E, at func(E) time.Duration, since func() time.Duration, apply func(context.Context, E)) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for _, e := range events {
		if wait := at(e) - since(); wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		if ctx.Err() != nil {
			return
		}
		apply(ctx, e)
	}
}
