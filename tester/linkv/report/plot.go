package report

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"redraft/tester/linkv/runner"
)

// Plot size and binning.
const (
	plotWidth  = 26 * vg.Centimeter
	plotHeight = 13 * vg.Centimeter
	rateBin    = time.Second // rate and quantile plots bucket ops per second
	minLatency = 0.01        // ms; log axes need a positive floor
)

// Colours of the shaded fault windows.
var windowColors = map[string]color.Color{
	runner.FaultPartition: color.NRGBA{R: 120, G: 120, B: 120, A: 50},
	runner.FaultKill:      color.NRGBA{R: 220, G: 40, B: 40, A: 45},
	runner.FaultPause:     color.NRGBA{R: 40, G: 90, B: 220, A: 45},
}

var outcomeColors = map[string]color.Color{
	"ok":   color.NRGBA{R: 40, G: 140, B: 60, A: 255},
	"fail": color.NRGBA{R: 210, G: 50, B: 40, A: 255},
	"info": color.NRGBA{R: 240, G: 160, B: 20, A: 255},
}

var fShapes = map[string]draw.GlyphDrawer{
	"read":  draw.CircleGlyph{},
	"write": draw.SquareGlyph{},
	"cas":   draw.TriangleGlyph{},
}

var fDashes = map[string][]vg.Length{
	"read":  nil,
	"write": {vg.Points(6), vg.Points(3)},
	"cas":   {vg.Points(2), vg.Points(2)},
}

// shade is a plotter that fills the fault windows across the whole height.
type shade struct{ windows []runner.Window }

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range s.windows {
		x0, x1 := trX(w.Start.Seconds()), trX(w.End.Seconds())
		x0, x1 = max(x0, c.Min.X), min(x1, c.Max.X)
		if x1 <= x0 {
			continue
		}
		clr, ok := windowColors[w.Fault]
		if !ok {
			clr = windowColors[runner.FaultPartition]
		}
		c.FillPolygon(clr, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

func newPlot(title, ylabel string, res *runner.Result) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = ylabel
	p.X.Min = 0
	p.X.Max = math.Max(res.Duration.Seconds(), res.Config.TimeLimit.Seconds())
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(shade{res.Windows})
	for _, f := range []string{runner.FaultPartition, runner.FaultKill, runner.FaultPause} {
		for _, w := range res.Windows {
			if w.Fault == f {
				p.Legend.Add(f, legendBox{windowColors[f]})
				break
			}
		}
	}
	return p
}

// legendBox is a filled legend thumbnail.
type legendBox struct{ c color.Color }

func (b legendBox) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}}
	c.FillPolygon(b.c, pts)
}

func ms(d time.Duration) float64 { return math.Max(float64(d)/1e6, minLatency) }

// latencyRaw plots every op's latency against its invocation time.
func latencyRaw(dir string, res *runner.Result) error {
	p := newPlot("Latency (all operations)", "latency (ms)", res)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	lo, hi := math.Inf(1), 0.0
	for _, f := range []string{"read", "write", "cas"} {
		for _, t := range []string{"ok", "fail", "info"} {
			var xys plotter.XYs
			for i := range res.Ops {
				o := &res.Ops[i]
				if o.F != f || o.Type != t {
					continue
				}
				y := ms(o.Latency())
				lo, hi = math.Min(lo, y), math.Max(hi, y)
				xys = append(xys, plotter.XY{X: o.Invoke.Seconds(), Y: y})
			}
			if len(xys) == 0 {
				continue
			}
			s, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: outcomeColors[t], Radius: vg.Points(1.6), Shape: fShapes[f]}
			p.Add(s)
			p.Legend.Add(f+" "+t, s)
		}
	}
	if hi == 0 {
		lo, hi = minLatency, 1000
	}
	p.Y.Min, p.Y.Max = logRange(lo, hi)
	return p.Save(plotWidth, plotHeight, filepath.Join(dir, "latency-raw.png"))
}

// logRange spans whole decades around [lo, hi], with one more decade on
// top so that the legend does not hide points.
func logRange(lo, hi float64) (float64, float64) {
	return math.Pow10(int(math.Floor(math.Log10(lo)))), math.Pow10(int(math.Ceil(math.Log10(hi*1.01))) + 1)
}

// bins groups ops by invocation second.
func bins(res *runner.Result) int {
	return max(1, int(math.Ceil(math.Max(res.Duration.Seconds(), res.Config.TimeLimit.Seconds())/rateBin.Seconds())))
}

// latencyQuantiles plots quantiles of ok latencies per second.
func latencyQuantiles(dir string, res *runner.Result) error {
	p := newPlot("Latency quantiles (ok operations, per second)", "latency (ms)", res)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	n := bins(res)
	buckets := make([][]float64, n)
	for i := range res.Ops {
		o := &res.Ops[i]
		if o.Type != "ok" {
			continue
		}
		b := min(int(o.Invoke/rateBin), n-1)
		buckets[b] = append(buckets[b], ms(o.Latency()))
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
			sort.Float64s(vs)
			y := vs[int(q.p*float64(len(vs)-1))]
			lo, hi = math.Min(lo, y), math.Max(hi, y)
			cur = append(cur, plotter.XY{X: (float64(b) + 0.5) * rateBin.Seconds(), Y: y})
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
	if hi == 0 {
		lo, hi = minLatency, 1000
	}
	p.Y.Min, p.Y.Max = logRange(lo, hi)
	return p.Save(plotWidth, plotHeight, filepath.Join(dir, "latency-quantiles.png"))
}

// rate plots completions per second by f and outcome.
func rate(dir string, res *runner.Result) error {
	p := newPlot("Throughput (completions per second)", "ops/s", res)
	n := bins(res)
	p.Y.Min = 0
	peak := 0.0
	for _, f := range []string{"read", "write", "cas"} {
		for _, t := range []string{"ok", "fail", "info"} {
			counts := make([]float64, n)
			any := false
			for i := range res.Ops {
				o := &res.Ops[i]
				if o.F != f || o.Type != t {
					continue
				}
				counts[min(int(o.End/rateBin), n-1)]++
				any = true
			}
			if !any {
				continue
			}
			xys := make(plotter.XYs, n)
			for b := range counts {
				xys[b] = plotter.XY{X: (float64(b) + 0.5) * rateBin.Seconds(), Y: counts[b] / rateBin.Seconds()}
				peak = math.Max(peak, xys[b].Y)
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return err
			}
			l.Color = outcomeColors[t]
			l.Dashes = fDashes[f]
			l.Width = vg.Points(1.2)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s %s", f, t), l)
		}
	}
	p.Y.Max = 1.35 * peak // room for the legend
	if peak == 0 {
		p.Y.Max = 1
	}
	return p.Save(plotWidth, plotHeight, filepath.Join(dir, "rate.png"))
}
