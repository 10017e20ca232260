package jepsen

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
)

// Plot size and binning.
const (
	plotWidth  = 26 * vg.Centimeter
	plotHeight = 13 * vg.Centimeter
	rateBin    = time.Second
	minLatency = 0.01 // ms; a log axis needs a positive floor
)

// Colours of the shaded fault windows, and of outcomes.
var (
	windowColors = map[string]color.Color{
		FaultPartition: color.NRGBA{R: 120, G: 120, B: 120, A: 50},
		FaultKill:      color.NRGBA{R: 220, G: 40, B: 40, A: 45},
		FaultPause:     color.NRGBA{R: 40, G: 90, B: 220, A: 45},
		FaultMember:    color.NRGBA{R: 40, G: 170, B: 60, A: 45},
		FaultClock:     color.NRGBA{R: 230, G: 170, B: 30, A: 45},
	}
	outcomeColors = map[string]color.Color{
		TypeOk:   color.NRGBA{R: 40, G: 140, B: 60, A: 255},
		TypeFail: color.NRGBA{R: 210, G: 50, B: 40, A: 255},
		TypeInfo: color.NRGBA{R: 240, G: 160, B: 20, A: 255},
	}
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}
	dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
)

// shade fills the fault windows across the plot's height.
type shade struct{ windows []Window }

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range s.windows {
		x0, x1 := max(trX(w.Start.Seconds()), c.Min.X), min(trX(w.End.Seconds()), c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(windowColors[w.Fault], []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

type legendBox struct{ c color.Color }

func (b legendBox) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.c, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

func newPlot(title, ylabel string, res *Result) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, math.Max(res.Duration.Seconds(), res.Config.TimeLimit.Seconds())
	p.Legend.Top = true
	p.Add(shade{res.Windows})
	for _, f := range faultOrder {
		for _, w := range res.Windows {
			if w.Fault == f {
				p.Legend.Add(f, legendBox{windowColors[f]})
				break
			}
		}
	}
	return p
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

// plotLatency draws every op's latency against its invocation time, by f
// (glyph) and outcome (colour), fault windows shaded.
func plotLatency(dir string, res *Result) error {
	p := newPlot("Latency (all operations)", "latency (ms)", res)
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	lo, hi := math.Inf(1), 0.0
	for fi, f := range fsOf(res.Ops) {
		for _, t := range []string{TypeOk, TypeFail, TypeInfo} {
			var xys plotter.XYs
			for i := range res.Ops {
				o := &res.Ops[i]
				if o.F == f && o.Type == t {
					y := math.Max(float64(o.Latency())/1e6, minLatency)
					lo, hi = math.Min(lo, y), math.Max(hi, y)
					xys = append(xys, plotter.XY{X: o.Invoke.Seconds(), Y: y})
				}
			}
			if len(xys) == 0 {
				continue
			}
			s, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: outcomeColors[t], Radius: vg.Points(1.6), Shape: glyphs[fi%len(glyphs)]}
			p.Add(s)
			p.Legend.Add(f+" "+t, s)
		}
	}
	if hi == 0 {
		lo, hi = minLatency, 1000
	}
	p.Y.Min = math.Pow10(int(math.Floor(math.Log10(lo))))
	p.Y.Max = math.Pow10(int(math.Ceil(math.Log10(hi*1.01))) + 1) // a decade of room for the legend
	return p.Save(plotWidth, plotHeight, filepath.Join(dir, "latency-raw.png"))
}

// plotRate draws completions per second by f and outcome.
func plotRate(dir string, res *Result) error {
	p := newPlot("Throughput (completions per second)", "ops/s", res)
	n := max(1, int(math.Ceil(p.X.Max/rateBin.Seconds())))
	peak := 0.0
	for fi, f := range fsOf(res.Ops) {
		for _, t := range []string{TypeOk, TypeFail, TypeInfo} {
			counts := make([]float64, n)
			any := false
			for i := range res.Ops {
				o := &res.Ops[i]
				if o.F == f && o.Type == t {
					counts[min(int(o.End/rateBin), n-1)]++
					any = true
				}
			}
			if !any {
				continue
			}
			xys := make(plotter.XYs, n)
			for b, c := range counts {
				xys[b] = plotter.XY{X: (float64(b) + 0.5) * rateBin.Seconds(), Y: c / rateBin.Seconds()}
				peak = math.Max(peak, xys[b].Y)
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return err
			}
			l.Color, l.Dashes, l.Width = outcomeColors[t], dashes[fi%len(dashes)], vg.Points(1.2)
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s %s", f, t), l)
		}
	}
	p.Y.Min, p.Y.Max = 0, math.Max(1, 1.35*peak)
	return p.Save(plotWidth, plotHeight, filepath.Join(dir, "rate.png"))
}
