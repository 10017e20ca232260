// Package plots draws the PNG plots of both test runners' reports
// (tester/linkv and tester/jepsen): every op's latency against time
// (latency-raw.png) and completions per second (rate.png), by f and
// outcome, with the fault windows shaded, and the frame (axes, shading,
// legend, log range) that a runner's own plots build on.
//
// The plots are a pure function of their input: the same ops and windows
// give the same PNG bytes.
package plots

import (
	"fmt"
	"image/color"
	"math"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"redraft/tester/window"
)

// Plot size and binning.
const (
	Width      = 26 * vg.Centimeter
	Height     = 13 * vg.Centimeter
	RateBin    = time.Second // rate and per-second plots bucket ops per second
	MinLatency = 0.01        // ms; a log axis needs a positive floor
)

// Outcomes are the op types, in the order they are drawn.
var Outcomes = []string{"ok", "fail", "info"}

// Colours of outcomes, and an f's glyph (scatter) and dashes (lines) by
// its index in the fs drawn.
var (
	outcomeColors = map[string]color.Color{
		"ok":   color.NRGBA{R: 40, G: 140, B: 60, A: 255},
		"fail": color.NRGBA{R: 210, G: 50, B: 40, A: 255},
		"info": color.NRGBA{R: 240, G: 160, B: 20, A: 255},
	}
	glyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}}
	dashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}, {vg.Points(8), vg.Points(2), vg.Points(2), vg.Points(2)}}
)

// Op is what the plots need of one client op.
type Op struct {
	F, Type          string // Type: ok, fail or info
	Invoke, Complete time.Duration
}

// Frame is what every plot of a run shares: the time axis and the fault
// windows.
type Frame struct {
	Seconds float64 // the x axis's end: the longer of the run and its time limit
	Windows []window.Window
	Faults  []string                       // the legend's faults, in order (those with a window)
	Color   func(fault string) color.Color // a window's shade
}

// New is an empty plot with the frame's x axis, shaded windows and fault
// legend.
func (fr Frame) New(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = ylabel
	p.X.Min, p.X.Max = 0, fr.Seconds
	p.Legend.Top = true
	p.Add(shade{fr})
	for _, f := range fr.Faults {
		for _, w := range fr.Windows {
			if w.Fault == f {
				p.Legend.Add(f, legendBox{fr.Color(f)})
				break
			}
		}
	}
	return p
}

// Bins is how many RateBin buckets span the x axis.
func (fr Frame) Bins() int { return max(1, int(math.Ceil(fr.Seconds/RateBin.Seconds()))) }

// shade fills the fault windows across the plot's height.
type shade struct{ fr Frame }

func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, w := range s.fr.Windows {
		x0, x1 := max(trX(w.Start.Seconds()), c.Min.X), min(trX(w.End.Seconds()), c.Max.X)
		if x1 <= x0 {
			continue
		}
		c.FillPolygon(s.fr.Color(w.Fault), []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// legendBox is a filled legend thumbnail.
type legendBox struct{ c color.Color }

func (b legendBox) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.c, []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}})
}

// Ms is a latency in milliseconds, floored at MinLatency for a log axis.
func Ms(d time.Duration) float64 { return math.Max(float64(d)/1e6, MinLatency) }

// LogRange spans whole decades around [lo, hi], with one more decade on
// top so that the legend does not hide points. hi == 0 (nothing drawn)
// gives the range of MinLatency to 1000 ms.
func LogRange(lo, hi float64) (float64, float64) {
	if hi == 0 {
		lo, hi = MinLatency, 1000
	}
	return math.Pow10(int(math.Floor(math.Log10(lo)))), math.Pow10(int(math.Ceil(math.Log10(hi*1.01))) + 1)
}

// LogY makes p's y axis logarithmic.
func LogY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// Latency draws every op's latency against its invocation time, by f
// (glyph, by its index in fs) and outcome (colour), into path.
func Latency(path string, fr Frame, ops []Op, fs []string) error {
	p := fr.New("Latency (all operations)", "latency (ms)")
	LogY(p)
	lo, hi := math.Inf(1), 0.0
	for fi, f := range fs {
		for _, t := range Outcomes {
			var xys plotter.XYs
			for _, o := range ops {
				if o.F == f && o.Type == t {
					y := Ms(o.Complete - o.Invoke)
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
	p.Y.Min, p.Y.Max = LogRange(lo, hi)
	return p.Save(Width, Height, path)
}

// Rate draws completions per second by f (dashes, by its index in fs) and
// outcome (colour), into path.
func Rate(path string, fr Frame, ops []Op, fs []string) error {
	p := fr.New("Throughput (completions per second)", "ops/s")
	n := fr.Bins()
	peak := 0.0
	for fi, f := range fs {
		for _, t := range Outcomes {
			counts := make([]float64, n)
			any := false
			for _, o := range ops {
				if o.F == f && o.Type == t {
					counts[min(int(o.Complete/RateBin), n-1)]++
					any = true
				}
			}
			if !any {
				continue
			}
			xys := make(plotter.XYs, n)
			for b, c := range counts {
				xys[b] = plotter.XY{X: (float64(b) + 0.5) * RateBin.Seconds(), Y: c / RateBin.Seconds()}
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
	p.Y.Min, p.Y.Max = 0, math.Max(1, 1.35*peak) // room for the legend
	return p.Save(Width, Height, path)
}
