package report

import (
	"image/color"
	"math"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"redraft/tester/latency"
	"redraft/tester/linkv/runner"
	"redraft/tester/plots"
)

// windowColors shade the fault windows; a fault without one is shaded as
// a partition.
var windowColors = map[string]color.Color{
	runner.FaultPartition: color.NRGBA{R: 120, G: 120, B: 120, A: 50},
	runner.FaultKill:      color.NRGBA{R: 220, G: 40, B: 40, A: 45},
	runner.FaultPause:     color.NRGBA{R: 40, G: 90, B: 220, A: 45},
}

func windowColor(f string) color.Color {
	if c, ok := windowColors[f]; ok {
		return c
	}
	return windowColors[runner.FaultPartition]
}

// fs are lin-kv's fs, in the order drawn (glyphs and dashes follow it).
var fs = []string{"read", "write", "cas"}

func frame(res *runner.Result) plots.Frame {
	return plots.Frame{
		Seconds: math.Max(res.Duration.Seconds(), res.Config.TimeLimit.Seconds()),
		Windows: res.Windows,
		Faults:  []string{runner.FaultPartition, runner.FaultKill, runner.FaultPause},
		Color:   windowColor,
	}
}

func plotOps(res *runner.Result) []plots.Op {
	ops := make([]plots.Op, len(res.Ops))
	for i := range res.Ops {
		o := &res.Ops[i]
		ops[i] = plots.Op{F: o.F, Type: o.Type, Invoke: o.Invoke, Complete: o.End}
	}
	return ops
}

// latencyRaw plots every op's latency against its invocation time.
func latencyRaw(dir string, res *runner.Result) error {
	return plots.Latency(filepath.Join(dir, "latency-raw.png"), frame(res), plotOps(res), fs)
}

// rate plots completions per second by f and outcome.
func rate(dir string, res *runner.Result) error {
	return plots.Rate(filepath.Join(dir, "rate.png"), frame(res), plotOps(res), fs)
}

// latencyQuantiles plots quantiles of ok latencies per second (of
// invocation), one line per run of seconds with ok ops.
func latencyQuantiles(dir string, res *runner.Result) error {
	fr := frame(res)
	p := fr.New("Latency quantiles (ok operations, per second)", "latency (ms)")
	plots.LogY(p)
	n := fr.Bins()
	buckets := make([][]float64, n)
	for i := range res.Ops {
		o := &res.Ops[i]
		if o.Type != "ok" {
			continue
		}
		b := min(int(o.Invoke/plots.RateBin), n-1)
		buckets[b] = append(buckets[b], plots.Ms(o.Latency()))
	}
	lo, hi := math.Inf(1), 0.0
	for _, q := range []struct {
		name string
		p    float64
		clr  color.Color
	}{
		{"p50", 0.5, color.NRGBA{R: 40, G: 90, B: 200, A: 255}},
		{"p95", 0.95, color.NRGBA{R: 40, G: 160, B: 80, A: 255}},
		{"p99", 0.99, color.NRGBA{R: 230, G: 140, B: 20, A: 255}},
		{"max", 1, color.NRGBA{R: 200, G: 40, B: 40, A: 255}},
	} {
		// One line per run of seconds with ok ops: no line across a gap.
		var runs []plotter.XYs
		var cur plotter.XYs
		for b, vs := range buckets {
			if len(vs) == 0 {
				if len(cur) > 0 {
					runs, cur = append(runs, cur), nil
				}
				continue
			}
			slices.Sort(vs)
			y := latency.At(vs, q.p)
			lo, hi = math.Min(lo, y), math.Max(hi, y)
			cur = append(cur, plotter.XY{X: (float64(b) + 0.5) * plots.RateBin.Seconds(), Y: y})
		}
		if len(cur) > 0 {
			runs = append(runs, cur)
		}
		for i, xys := range runs {
			l, pts, err := plotter.NewLinePoints(xys)
			if err != nil {
				return err
			}
			l.Color, pts.Color = q.clr, q.clr
			pts.Radius = vg.Points(1.5)
			p.Add(l, pts)
			if i == 0 {
				p.Legend.Add(q.name, l, pts)
			}
		}
	}
	p.Y.Min, p.Y.Max = plots.LogRange(lo, hi)
	return p.Save(plots.Width, plots.Height, filepath.Join(dir, "latency-quantiles.png"))
}
