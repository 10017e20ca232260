package jepsen

import (
	"image/color"
	"math"
	"path/filepath"
	"sort"

	"redraft/tester/plots"
)

// windowColors shade the fault windows.
var windowColors = map[string]color.Color{
	FaultPartition: color.NRGBA{R: 120, G: 120, B: 120, A: 50},
	FaultKill:      color.NRGBA{R: 220, G: 40, B: 40, A: 45},
	FaultPause:     color.NRGBA{R: 40, G: 90, B: 220, A: 45},
	FaultMember:    color.NRGBA{R: 40, G: 170, B: 60, A: 45},
	FaultClock:     color.NRGBA{R: 230, G: 170, B: 30, A: 45},
	FaultLoss:      color.NRGBA{R: 150, G: 60, B: 190, A: 45},
}

// fsOf lists the fs of the history in a stable order.
func fsOf(ops []Op) []string {
	seen := map[string]bool{}
	for i := range ops {
		seen[ops[i].F] = true
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// writePlots draws latency-raw.png (every op's latency against its
// invocation time) and rate.png (completions per second), by f and
// outcome, fault windows shaded (tester/plots).
func writePlots(dir string, res *Result) (latencyErr, rateErr error) {
	fr := plots.Frame{
		Seconds: math.Max(res.Duration.Seconds(), res.Config.TimeLimit.Seconds()),
		Windows: res.Windows,
		Faults:  faultOrder,
		Color:   func(f string) color.Color { return windowColors[f] },
	}
	ops := make([]plots.Op, len(res.Ops))
	for i := range res.Ops {
		o := &res.Ops[i]
		ops[i] = plots.Op{F: o.F, Type: o.Type, Invoke: o.Invoke, Complete: o.End}
	}
	fs := fsOf(res.Ops)
	return plots.Latency(filepath.Join(dir, "latency-raw.png"), fr, ops, fs), plots.Rate(filepath.Join(dir, "rate.png"), fr, ops, fs)
}
