package runner

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"redraft/tester/netsim"
	"redraft/tester/schedule"
)

// Random streams derived from the seed; each concern draws from its own so
// that one does not shift another.
const (
	streamGaps = 1 // gaps between operations
	streamPick = 2 // which free thread takes an operation
	streamNet  = 3 // message latencies
	// The nemesis's and the threads' streams are tester/schedule's.
)

// NemesisEvent is one planned nemesis action.
type NemesisEvent struct {
	At     time.Duration `json:"at-ns"`
	Fault  string        `json:"fault"` // partition, kill, pause
	Start  bool          `json:"start"`
	Kind   string        `json:"kind,omitempty"` // partition kind or target kind
	Grudge netsim.Grudge `json:"-"`
	Nodes  []string      `json:"nodes,omitempty"` // kill/pause targets
}

func (e NemesisEvent) String() string {
	verb := "stop"
	if e.Start {
		verb = "start"
	}
	switch {
	case !e.Start:
		return fmt.Sprintf("%8.3fs %s %s", e.At.Seconds(), verb, e.Fault)
	case e.Fault == FaultPartition:
		return fmt.Sprintf("%8.3fs %s %s %s %s", e.At.Seconds(), verb, e.Fault, e.Kind, e.Grudge)
	default:
		return fmt.Sprintf("%8.3fs %s %s %s [%s]", e.At.Seconds(), verb, e.Fault, e.Kind, strings.Join(e.Nodes, " "))
	}
}

// targetKinds are jepsen.nemesis.combined's db targets (less primaries,
// which needs a database that names its leader).
var targetKinds = []string{schedule.One, schedule.Minority, schedule.Majority, schedule.All}

// NemesisSchedule plans every fault's start/stop events before the time
// limit (tester/schedule): each fault alternates start and stop, the first
// start at t=0; faults run independently of each other, as jepsen's
// composed packages do.
func NemesisSchedule(cfg Config, nodes []string) ([]NemesisEvent, error) {
	flip := schedule.Flip{Interval: cfg.NemesisInterval, Limit: cfg.TimeLimit}
	return schedule.Plan(cfg.Seed, []string{FaultPartition, FaultKill, FaultPause}, cfg.Nemesis, flip, func(e NemesisEvent) time.Duration { return e.At },
		func(rng *rand.Rand, fault string, at time.Duration, start bool) (NemesisEvent, error) {
			e := NemesisEvent{At: at, Fault: fault, Start: start}
			if !start {
				return e, nil
			}
			if fault == FaultPartition {
				e.Kind = netsim.PartitionKinds[rng.IntN(len(netsim.PartitionKinds))]
				g, err := netsim.NewGrudge(e.Kind, nodes, rng)
				e.Grudge = g
				return e, err
			}
			e.Kind = targetKinds[rng.IntN(len(targetKinds))]
			e.Nodes = schedule.Targets(e.Kind, nodes, rng)
			return e, nil
		})
}
