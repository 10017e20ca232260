package jepsen

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"redraft/tester/netsim"
	"redraft/tester/schedule"
)

// Partition kinds (Jepsen's grudge shapes). Leader is resolved when
// applied: the node the cluster names as leader is isolated.
const (
	PartOne            = netsim.One            // isolate one random node
	PartLeader         = "leader"              // isolate the current leader
	PartMajority       = netsim.Majority       // random halves: a minority and a majority
	PartMajoritiesRing = netsim.MajoritiesRing // every node sees a majority, no two the same
	PartBridge         = "bridge"              // two halves that only one node in the middle joins
)

// PartitionKinds are the kinds a partition start draws from.
var PartitionKinds = []string{PartOne, PartLeader, PartMajority, PartMajoritiesRing, PartBridge}

// Target kinds of kill and pause (jepsen.nemesis.combined's db targets);
// leader is resolved when applied.
const (
	TargetOne      = schedule.One
	TargetMinority = schedule.Minority
	TargetMajority = schedule.Majority
	TargetAll      = schedule.All
	TargetLeader   = "leader"
)

// TargetKinds are the kinds a kill or pause start draws from.
var TargetKinds = []string{TargetOne, TargetMinority, TargetMajority, TargetAll, TargetLeader}

// MemberKinds are the kinds a member start draws from: which node leaves.
var MemberKinds = []string{TargetOne, TargetLeader}

// Clock kinds (Jepsen's clock nemesis): bump moves the targets' clocks by
// OffsetMs and leaves them there until the stop; strobe flips them between
// 0 and OffsetMs every PeriodMs until the stop. The stop resets every
// clock to 0.
const (
	ClockBump   = "bump"
	ClockStrobe = "strobe"
)

// ClockKinds are the kinds a clock start draws from.
var ClockKinds = []string{ClockBump, ClockStrobe}

// Clock offsets drawn by a clock start: a bump of up to clockBumpMax either
// way (Jepsen bumps by up to 2^18 ms; a quarter hour keeps TTL-free
// workloads meaningful), a strobe of up to clockStrobeMax every 10-100 ms.
const (
	clockBumpMax   = 15 * time.Minute
	clockStrobeMax = 2 * time.Second
)

// Event is one planned nemesis action.
type Event struct {
	At    time.Duration `json:"at-ns"`
	Fault string        `json:"fault"` // partition, kill, pause
	Start bool          `json:"start"`
	Kind  string        `json:"kind,omitempty"` // partition kind or target kind
	// Grudge is a partition's cut (destination -> sources it drops); for
	// PartLeader it is the fallback, used when no leader is found.
	Grudge netsim.Grudge `json:"-"`
	// Nodes are kill/pause/clock targets; for the leader kinds, the fallback.
	Nodes []string `json:"nodes,omitempty"`
	// OffsetMs and PeriodMs are a clock start's offset and strobe period.
	OffsetMs int64 `json:"offset-ms,omitempty"`
	PeriodMs int64 `json:"period-ms,omitempty"`
	// Percent is a loss start's share of packets dropped.
	Percent int `json:"percent,omitempty"`
}

func (e Event) String() string {
	if !e.Start {
		return fmt.Sprintf("%8.3fs stop  %s", e.At.Seconds(), e.Fault)
	}
	detail := "[" + strings.Join(e.Nodes, " ") + "]"
	if e.Fault == FaultPartition {
		detail = e.Grudge.String()
	}
	if e.Kind == PartLeader || e.Kind == TargetLeader {
		detail = "the leader (fallback if none: " + detail + ")"
	}
	if e.Fault == FaultLoss {
		detail += fmt.Sprintf(" %d%%", e.Percent)
	}
	if e.Fault == FaultClock {
		detail += fmt.Sprintf(" by %dms", e.OffsetMs)
		if e.Kind == ClockStrobe {
			detail += fmt.Sprintf(" every %dms", e.PeriodMs)
		}
	}
	return fmt.Sprintf("%8.3fs start %s %s %s", e.At.Seconds(), e.Fault, e.Kind, detail)
}

// Schedule plans every fault's start/stop events before the time limit
// (tester/schedule): each fault alternates start and stop, the first start
// one gap after t=0; faults are independent of each other, as jepsen's
// composed packages are. The final heal (every fault stopped) is the
// runner's, after the time limit.
func Schedule(cfg Config, nodes []string) []Event {
	flip := schedule.Flip{Interval: cfg.NemesisInterval, Limit: cfg.TimeLimit, Delayed: true}
	events, err := schedule.Plan(cfg.Seed, faultOrder, cfg.Nemesis, flip, func(e Event) time.Duration { return e.At },
		func(rng *rand.Rand, fault string, at time.Duration, start bool) (Event, error) {
			e := Event{At: at, Fault: fault, Start: start}
			if start {
				drawStart(&e, rng, nodes)
			}
			return e, nil
		})
	if err != nil {
		panic(err) // drawStart cannot fail
	}
	return events
}

// drawStart draws what a start of e.Fault does.
func drawStart(e *Event, rng *rand.Rand, nodes []string) {
	switch e.Fault {
	case FaultPartition:
		e.Kind = PartitionKinds[rng.IntN(len(PartitionKinds))]
		if e.Kind == PartLeader {
			e.Nodes = Targets(TargetOne, nodes, rng)
			e.Grudge = Isolate(e.Nodes[0], nodes)
		} else {
			e.Grudge = NewGrudge(e.Kind, nodes, rng)
		}
	case FaultClock:
		e.Kind = ClockKinds[rng.IntN(len(ClockKinds))]
		e.Nodes = Targets([]string{TargetOne, TargetMinority, TargetAll}[rng.IntN(3)], nodes, rng)
		max := clockBumpMax
		if e.Kind == ClockStrobe {
			max = clockStrobeMax
			e.PeriodMs = 10 + rng.Int64N(91)
		}
		e.OffsetMs = rng.Int64N(2*max.Milliseconds()+1) - max.Milliseconds()
	case FaultLoss:
		e.Kind = LossKinds[rng.IntN(len(LossKinds))]
		e.Nodes = Targets(e.Kind, nodes, rng)
		e.Percent = lossPercentMin + rng.IntN(lossPercentMax-lossPercentMin+1)
	default:
		kinds := TargetKinds
		if e.Fault == FaultMember {
			kinds = MemberKinds
		}
		e.Kind = kinds[rng.IntN(len(kinds))]
		e.Nodes = Targets(e.Kind, nodes, rng)
	}
}

// NewGrudge draws a partition of kind over nodes (PartLeader as PartOne).
func NewGrudge(kind string, nodes []string, rng *rand.Rand) netsim.Grudge {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	switch kind {
	case PartOne, PartLeader:
		return Isolate(s[0], nodes)
	case PartBridge:
		h := len(s) / 2
		if len(s) < 3 {
			return Complete([][]string{s[:h], s[h:]})
		}
		// s[h] is the bridge: it sees both halves, which do not see each other.
		g := netsim.Grudge{}
		for _, a := range s[:h] {
			for _, b := range s[h+1:] {
				cut(g, a, b)
				cut(g, b, a)
			}
		}
		return g
	case PartMajoritiesRing:
		g, err := netsim.NewGrudge(netsim.MajoritiesRing, s, rng)
		if err != nil {
			panic(err) // the kind is known
		}
		return g
	default: // PartMajority: jepsen's bisect, the first half (rounded down) is the minority
		h := len(s) / 2
		return Complete([][]string{s[:h], s[h:]})
	}
}

// Isolate cuts node off from every other node, both ways.
func Isolate(node string, nodes []string) netsim.Grudge {
	var rest []string
	for _, n := range nodes {
		if n != node {
			rest = append(rest, n)
		}
	}
	return Complete([][]string{{node}, rest})
}

// Complete is jepsen's complete-grudge: every node drops packets from every
// node outside its own component.
func Complete(components [][]string) netsim.Grudge {
	g := netsim.Grudge{}
	for i, c := range components {
		for _, d := range c {
			for j, other := range components {
				if i != j {
					for _, s := range other {
						cut(g, s, d)
					}
				}
			}
		}
	}
	return g
}

// cut makes dest drop packets from src.
func cut(g netsim.Grudge, src, dest string) {
	if g[dest] == nil {
		g[dest] = map[string]bool{}
	}
	g[dest][src] = true
}

// Targets draws the nodes of a kill or pause of kind (tester/schedule).
// TargetLeader draws its fallback (as TargetOne).
func Targets(kind string, nodes []string, rng *rand.Rand) []string {
	if kind == TargetLeader {
		kind = TargetOne
	}
	return schedule.Targets(kind, nodes, rng)
}
