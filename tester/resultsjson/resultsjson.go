// Package resultsjson builds the parts of results.json that both test
// runners (tester/linkv and tester/jepsen) write alike: valid?, the
// "test" object (how the run was made), the schedule's lines and
// durations in milliseconds. Each runner adds its own keys; encoding/json
// writes a map's keys sorted, so where a key is added does not change the
// file.
package resultsjson

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"redraft/tester/verdict"
)

// Valid is results.json's valid?: the verdict (true, false, "unknown"),
// or "crashed" for a crashed run whatever the checkers say.
func Valid(v string, crashed bool) any {
	if crashed {
		return "crashed"
	}
	return verdict.JSON(v)
}

// Ms is a duration in milliseconds, to the microsecond.
func Ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Test is how a run was made.
type Test struct {
	Workload        string
	Command         string // the command line that replays the run
	Commit          string
	Seed            uint64
	NodeCount       int
	Nodes           []string
	Concurrency     int
	TimeLimit       time.Duration
	Rate            float64
	Nemesis         []string
	NemesisInterval time.Duration
	ClientTimeout   time.Duration
	Started         time.Time
	Duration        time.Duration // of the whole run
}

// Map is the "test" object; the runner adds its own keys to it.
func (t Test) Map() map[string]any {
	return map[string]any{
		"workload":          t.Workload,
		"command":           t.Command,
		"commit":            t.Commit,
		"seed":              strconv.FormatUint(t.Seed, 10),
		"node-count":        t.NodeCount,
		"nodes":             t.Nodes,
		"concurrency":       t.Concurrency,
		"time-limit-s":      t.TimeLimit.Seconds(),
		"rate":              t.Rate,
		"nemesis":           t.Nemesis,
		"nemesis-interval":  t.NemesisInterval.Seconds(),
		"client-timeout-ms": Ms(t.ClientTimeout),
		"start-time":        t.Started.UTC().Format(time.RFC3339),
		"duration-s":        t.Duration.Seconds(),
	}
}

// Schedule is the nemesis schedule as lines, each event's String()
// trimmed.
func Schedule[E fmt.Stringer](events []E) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = strings.TrimSpace(e.String())
	}
	return out
}
