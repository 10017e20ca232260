package plots

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"redraft/tester/window"
)

// TestPlotsDecodeAndRepeat draws both plots twice from one input: the PNGs
// decode, have the plot's size, and are the same bytes each time.
func TestPlotsDecodeAndRepeat(t *testing.T) {
	var ops []Op
	for i := 0; i < 200; i++ {
		at := time.Duration(i) * 20 * time.Millisecond
		ops = append(ops, Op{F: []string{"read", "write"}[i%2], Type: Outcomes[i%3], Invoke: at, Complete: at + time.Duration(i%7+1)*time.Millisecond})
	}
	fr := Frame{
		Seconds: 4,
		Windows: []window.Window{{Fault: "kill", Detail: "n1", Start: time.Second, End: 2 * time.Second}},
		Faults:  []string{"partition", "kill"},
		Color:   func(string) color.Color { return color.NRGBA{R: 200, A: 45} },
	}
	draw := func(dir string) map[string][]byte {
		if err := Latency(filepath.Join(dir, "latency.png"), fr, ops, []string{"read", "write"}); err != nil {
			t.Fatal(err)
		}
		if err := Rate(filepath.Join(dir, "rate.png"), fr, ops, []string{"read", "write"}); err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, f := range []string{"latency.png", "rate.png"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if w := img.Bounds().Dx(); w < 500 {
				t.Fatalf("%s: %d pixels wide", f, w)
			}
			out[f] = b
		}
		return out
	}
	a, b := draw(t.TempDir()), draw(t.TempDir())
	for f := range a {
		if !bytes.Equal(a[f], b[f]) {
			t.Errorf("%s differs between two draws of one input", f)
		}
	}
}

func TestLogRange(t *testing.T) {
	for _, tc := range []struct{ lo, hi, wantLo, wantHi float64 }{
		{0.5, 20, 0.1, 1000},
		{3, 99.5, 1, 10000},
		{0, 0, 0.01, 100000}, // nothing drawn: MinLatency to 1000 ms, plus a decade
	} {
		lo, hi := tc.lo, tc.hi
		if lo == 0 {
			lo = 1e300 // as the plots start: +Inf-like, ignored when hi == 0
		}
		if gl, gh := LogRange(lo, hi); gl != tc.wantLo || gh != tc.wantHi {
			t.Errorf("LogRange(%v, %v) = %v, %v, want %v, %v", tc.lo, tc.hi, gl, gh, tc.wantLo, tc.wantHi)
		}
	}
}
