// Package history writes a test's history in Jepsen's op form, as both
// test runners' history.txt has it (tester/linkv and tester/jepsen): one
// line per event, "process type f value [error]", tab-separated, in time
// order, invocations before completions at equal times, and the nemesis's
// actions as :nemesis :info pairs. Each runner renders its own ops'
// values; this package holds what the two forms share.
package history

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"
)

// NemesisOp is one nemesis action, recorded as Jepsen records it: an info
// invocation and an info completion.
type NemesisOp struct {
	F      string        `json:"f"`      // e.g. start-partition, stop-partition, kill, start, pause, resume
	Value  string        `json:"value"`  // the request (e.g. the partition kind)
	Result string        `json:"result"` // what was done (e.g. the grudge)
	Invoke time.Duration `json:"invoke-ns"`
	End    time.Duration `json:"complete-ns"`
}

// Event is one line's text without its time: process, type and f as
// Jepsen keywords (":invoke", ":read") and value.
func Event(process, typ, f, value string) string {
	return process + "\t:" + typ + "\t:" + f + "\t" + value
}

// Lines collects a history's events and writes them in time order.
type Lines struct{ ls []line }

type line struct {
	at       time.Duration
	complete bool // ties: invocations before completions, then by insertion
	text     string
}

// Invoke adds an invocation's line at at.
func (l *Lines) Invoke(at time.Duration, text string) {
	l.ls = append(l.ls, line{at: at, text: text})
}

// Complete adds a completion's line at at.
func (l *Lines) Complete(at time.Duration, text string) {
	l.ls = append(l.ls, line{at: at, complete: true, text: text})
}

// Nemesis adds the lines of the nemesis's actions.
func (l *Lines) Nemesis(ops []NemesisOp) {
	for _, n := range ops {
		l.Invoke(n.Invoke, Event(":nemesis", "info", n.F, n.Value))
		l.Complete(n.End, Event(":nemesis", "info", n.F, n.Result))
	}
}

func (l *Lines) sorted() []line {
	ls := slices.Clone(l.ls)
	sort.SliceStable(ls, func(i, j int) bool {
		if ls[i].at != ls[j].at {
			return ls[i].at < ls[j].at
		}
		return !ls[i].complete && ls[j].complete
	})
	return ls
}

// flushAt is how much text Write buffers before it writes.
const flushAt = 1 << 16

// Write writes the lines in time order, without times (Maelstrom's
// history.txt).
func (l *Lines) Write(w io.Writer) error {
	var b strings.Builder
	for _, ln := range l.sorted() {
		b.WriteString(ln.text)
		b.WriteByte('\n')
		if b.Len() > flushAt {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteTimed writes the lines in time order, each after its time in
// seconds since the start ("%10.6f\t").
func (l *Lines) WriteTimed(w io.Writer) error {
	for _, ln := range l.sorted() {
		if _, err := fmt.Fprintf(w, "%10.6f\t%s\n", ln.at.Seconds(), ln.text); err != nil {
			return err
		}
	}
	return nil
}

// ResultMap renders a nemesis result per node as Jepsen prints it:
// {"n1" :killed, "n2" :paused}, keys sorted.
func ResultMap(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q %s", k, m[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
