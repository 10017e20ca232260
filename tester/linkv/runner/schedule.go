package runner

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"redraft/tester/netsim"
)

// Random streams derived from the seed; each concern draws from its own so
// that one does not shift another.
const (
	streamGaps    = 1       // gaps between operations
	streamPick    = 2       // which free thread takes an operation
	streamNet     = 3       // message latencies
	streamNemesis = 0x100   // + fault index
	streamThread  = 0x10000 // + thread index
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
var targetKinds = []string{"one", "minority", "majority", "all"}

// NemesisSchedule plans every fault's start/stop events before the time
// limit. Each fault alternates start and stop (jepsen's flip-flop) with gaps
// uniform in [0, 2*interval] (gen/stagger), the first start at t=0; faults
// run independently of each other, as jepsen's composed packages do.
func NemesisSchedule(cfg Config, nodes []string) ([]NemesisEvent, error) {
	var events []NemesisEvent
	for fi, fault := range []string{FaultPartition, FaultKill, FaultPause} {
		if !slices.Contains(cfg.Nemesis, fault) {
			continue
		}
		rng := rand.New(rand.NewPCG(cfg.Seed, streamNemesis+uint64(fi)))
		start := true
		for t := time.Duration(0); t < cfg.TimeLimit; t += time.Duration(rng.Float64() * 2 * float64(cfg.NemesisInterval)) {
			e := NemesisEvent{At: t, Fault: fault, Start: start}
			if start {
				switch fault {
				case FaultPartition:
					e.Kind = netsim.PartitionKinds[rng.IntN(len(netsim.PartitionKinds))]
					g, err := netsim.NewGrudge(e.Kind, nodes, rng)
					if err != nil {
						return nil, err
					}
					e.Grudge = g
				default:
					e.Kind = targetKinds[rng.IntN(len(targetKinds))]
					e.Nodes = targets(e.Kind, nodes, rng)
				}
			}
			events = append(events, e)
			start = !start
		}
	}
	slices.SortStableFunc(events, func(a, b NemesisEvent) int {
		return int(a.At - b.At)
	})
	return events, nil
}

func targets(kind string, nodes []string, rng *rand.Rand) []string {
	s := slices.Clone(nodes)
	rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
	majority := len(s)/2 + 1
	var out []string
	switch kind {
	case "one":
		out = s[:1]
	case "minority":
		out = s[:majority-1]
	case "majority":
		out = s[:majority]
	default:
		out = s
	}
	out = slices.Clone(out)
	slices.Sort(out)
	return out
}
