package jepsen

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"redraft/tester/netsim"
)

// eventJSON is an Event in schedule.json: the grudge spelled out as
// destination -> sources it drops.
type eventJSON struct {
	At     time.Duration       `json:"at-ns"`
	Fault  string              `json:"fault"`
	Start  bool                `json:"start"`
	Kind   string              `json:"kind,omitempty"`
	Grudge map[string][]string `json:"grudge,omitempty"`
	Nodes  []string            `json:"nodes,omitempty"`
	// A clock start's offset and strobe period.
	OffsetMs int64 `json:"offset-ms,omitempty"`
	PeriodMs int64 `json:"period-ms,omitempty"`
	// A loss start's share of packets dropped.
	Percent int `json:"percent,omitempty"`
}

// WriteSchedule writes events as schedule.json's JSON array.
func WriteSchedule(w io.Writer, events []Event) error {
	out := make([]eventJSON, len(events))
	for i, e := range events {
		j := eventJSON{At: e.At, Fault: e.Fault, Start: e.Start, Kind: e.Kind, Nodes: e.Nodes, OffsetMs: e.OffsetMs, PeriodMs: e.PeriodMs, Percent: e.Percent}
		if len(e.Grudge) > 0 {
			j.Grudge = map[string][]string{}
			for d, srcs := range e.Grudge {
				for s, cut := range srcs {
					if cut {
						j.Grudge[d] = append(j.Grudge[d], s)
					}
				}
				sort.Strings(j.Grudge[d])
			}
		}
		out[i] = j
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ReadSchedule reads schedule.json.
func ReadSchedule(r io.Reader) ([]Event, error) {
	var in []eventJSON
	if err := json.NewDecoder(r).Decode(&in); err != nil {
		return nil, fmt.Errorf("jepsen: schedule.json: %w", err)
	}
	out := make([]Event, len(in))
	for i, j := range in {
		e := Event{At: j.At, Fault: j.Fault, Start: j.Start, Kind: j.Kind, Nodes: j.Nodes, OffsetMs: j.OffsetMs, PeriodMs: j.PeriodMs, Percent: j.Percent}
		if len(j.Grudge) > 0 {
			e.Grudge = netsim.Grudge{}
			for d, srcs := range j.Grudge {
				for _, s := range srcs {
					cut(e.Grudge, s, d)
				}
			}
		}
		out[i] = e
	}
	return out, nil
}

// reportTest is the part of results.json a replay needs.
type reportTest struct {
	Test struct {
		Workload      string   `json:"workload"`
		Seed          string   `json:"seed"`
		Nodes         int      `json:"node-count"`
		Concurrency   int      `json:"concurrency"`
		Limit         float64  `json:"time-limit-s"`
		Rate          float64  `json:"rate"`
		Nemesis       []string `json:"nemesis"`
		Interval      float64  `json:"nemesis-interval"`
		ClientTimeout float64  `json:"client-timeout-ms"`
		NodeArgs      []string `json:"node-args"`
	} `json:"test"`
}

// LoadReplay reads a report directory's test configuration (results.json)
// and fault schedule (schedule.json): a run with them repeats the report's
// schedule and op streams even if the schedule generator has changed since.
// It returns the node flags of the run too.
func LoadReplay(dir string) (Config, []string, error) {
	var rt reportTest
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		return Config{}, nil, err
	}
	if err := json.Unmarshal(b, &rt); err != nil {
		return Config{}, nil, fmt.Errorf("jepsen: %s/results.json: %w", dir, err)
	}
	t := rt.Test
	seed, err := strconv.ParseUint(t.Seed, 10, 64)
	if err != nil {
		return Config{}, nil, fmt.Errorf("jepsen: %s/results.json: seed %q: %w", dir, t.Seed, err)
	}
	f, err := os.Open(filepath.Join(dir, "schedule.json"))
	if err != nil {
		return Config{}, nil, err
	}
	defer f.Close()
	sched, err := ReadSchedule(f)
	if err != nil {
		return Config{}, nil, err
	}
	sec := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
	cfg := Config{
		Workload: t.Workload, NodeCount: t.Nodes, Concurrency: t.Concurrency, TimeLimit: sec(t.Limit), Rate: t.Rate,
		Nemesis: t.Nemesis, NemesisInterval: sec(t.Interval), Seed: seed,
		ClientTimeout: time.Duration(t.ClientTimeout * float64(time.Millisecond)),
		RecoveryTime:  DefaultRecoveryTime, CheckerTimeout: DefaultCheckerTime,
		Schedule: sched,
	}
	if cfg.Schedule == nil {
		cfg.Schedule = []Event{} // no faults: not "draw from the seed"
	}
	return cfg, t.NodeArgs, cfg.Validate()
}
