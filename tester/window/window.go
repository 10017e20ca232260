// Package window records fault windows, the spans during which a nemesis
// held a fault in force, for both test runners (tester/linkv and
// tester/jepsen): their plots shade them, porcupine's timelines annotate
// them, and the reports list them.
package window

import (
	"slices"
	"sort"
	"sync"
	"time"

	"redraft/maelstrom/checker"
)

// Window is a span during which a fault was in force.
type Window struct {
	Fault  string        `json:"fault"`
	Detail string        `json:"detail"` // what the fault did, e.g. the grudge or the targets
	Start  time.Duration `json:"start-ns"`
	End    time.Duration `json:"end-ns"`
}

// Tracker follows the windows of a run as its nemesis opens and closes
// them, at most one open window per fault. It is safe for concurrent use;
// the zero Tracker is ready.
type Tracker struct {
	mu     sync.Mutex // guards the fields below
	open   map[string]*Window
	done   []Window
	frozen bool
}

// Open starts fault's window at at. A fault already in force (a restart)
// first has its window closed at at. After Freeze, Open does nothing.
func (t *Tracker) Open(fault, detail string, at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.frozen {
		return
	}
	if w, ok := t.open[fault]; ok {
		w.End = at
		t.done = append(t.done, *w)
	}
	if t.open == nil {
		t.open = map[string]*Window{}
	}
	t.open[fault] = &Window{Fault: fault, Detail: detail, Start: at}
}

// Close ends fault's window at at, if one is open.
func (t *Tracker) Close(fault string, at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.close(fault, at)
}

func (t *Tracker) close(fault string, at time.Duration) {
	if w, ok := t.open[fault]; ok {
		w.End = at
		t.done = append(t.done, *w)
		delete(t.open, fault)
	}
}

// End ends every open window at at and freezes the tracker, in one step:
// a run without a final heal ends its faults with it.
func (t *Tracker) End(at time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	faults := make([]string, 0, len(t.open))
	for f := range t.open {
		faults = append(faults, f)
	}
	sort.Strings(faults)
	for _, f := range faults {
		t.close(f, at)
	}
	t.frozen = true
}

// Freeze makes later Opens do nothing: the run is over. A window still
// open stays out of Windows.
func (t *Tracker) Freeze() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.frozen = true
}

// InForce reports the detail of fault's open window.
func (t *Tracker) InForce(fault string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.open[fault]
	if !ok {
		return "", false
	}
	return w.Detail, true
}

// Windows are the closed windows in order of their start.
func (t *Tracker) Windows() []Window {
	t.mu.Lock()
	defer t.mu.Unlock()
	ws := slices.Clone(t.done)
	slices.SortStableFunc(ws, func(a, b Window) int { return int(a.Start - b.Start) })
	return ws
}

// Timeline converts windows to porcupine timeline annotations (tag
// "nemesis FAULT"), coloured by fault with css (an HTML colour; a fault
// without one gets porcupine's default).
func Timeline(ws []Window, css map[string]string) []checker.Window {
	out := make([]checker.Window, 0, len(ws))
	for _, w := range ws {
		out = append(out, checker.Window{Tag: "nemesis " + w.Fault, Start: w.Start, End: w.End, Description: w.Fault, Details: w.Detail, Color: css[w.Fault]})
	}
	return out
}
