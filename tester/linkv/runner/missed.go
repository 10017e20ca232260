package runner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"redraft/tester/window"
)

// Missed breaks down the operations that were within the structural bound
// but not answered: where the answered fraction fell short of the bound.
// It shows whether they came right after a nemesis change (a leader to
// find) or in quiet times (a node that gave up on a reachable leader).
type Missed struct {
	Count int `json:"count"`
	// ByError: the reply's code and the first word of its text (e.g.
	// "11 CLUSTERDOWN"), "timeout" when the client gave up, or the error.
	ByError map[string]int `json:"by-error"`
	// ByNode: the node the operation was sent to.
	ByNode map[string]int `json:"by-node"`
	// BySinceChange: time from the last nemesis change (a window starting
	// or ending) to the invocation; "no change" when none came before it.
	BySinceChange map[string]int `json:"by-since-change"`
	// ByFault: the faults active at the invocation ("partition <kind>",
	// "kill", "pause", joined by " + "), or "none".
	ByFault map[string]int `json:"by-fault"`
}

// sinceChangeBuckets are BySinceChange's keys, upper bounds in order.
var sinceChangeBuckets = []struct {
	name string
	max  time.Duration
}{
	{"< 0.5 s", 500 * time.Millisecond},
	{"0.5-1 s", time.Second},
	{"1-2 s", 2 * time.Second},
	{">= 2 s", 1<<63 - 1},
}

// SinceChangeOrder lists BySinceChange's keys in order.
func SinceChangeOrder() []string {
	out := []string{"no change"}
	for _, b := range sinceChangeBuckets {
		out = append(out, b.name)
	}
	return out
}

// missed computes the breakdown of res's ops.
func missed(res *Result) Missed {
	m := Missed{ByError: map[string]int{}, ByNode: map[string]int{}, BySinceChange: map[string]int{}, ByFault: map[string]int{}}
	var changes []time.Duration
	for _, w := range res.Windows {
		changes = append(changes, w.Start, w.End)
	}
	for i := range res.Ops {
		o := &res.Ops[i]
		if !o.Bound || o.Answered() {
			continue
		}
		m.Count++
		m.ByError[errorClass(o)]++
		m.ByNode[o.Node]++
		m.ByFault[faultsAt(res.Windows, o.Invoke)]++
		last, ok := time.Duration(0), false
		for _, c := range changes {
			if c <= o.Invoke && (!ok || c > last) {
				last, ok = c, true
			}
		}
		if !ok {
			m.BySinceChange["no change"]++
			continue
		}
		for _, b := range sinceChangeBuckets {
			if o.Invoke-last < b.max {
				m.BySinceChange[b.name]++
				break
			}
		}
	}
	return m
}

// faultsAt names the faults active at t.
func faultsAt(windows []window.Window, t time.Duration) string {
	var active []string
	for _, w := range windows {
		if w.Start <= t && t < w.End {
			name := w.Fault
			if w.Fault == "partition" {
				if kind, _, _ := strings.Cut(w.Detail, " "); kind != "" {
					name += " " + kind
				}
			}
			active = append(active, name)
		}
	}
	if len(active) == 0 {
		return "none"
	}
	sort.Strings(active)
	return strings.Join(active, " + ")
}

// errorClass names why o was not answered.
func errorClass(o *ClientOp) string {
	switch {
	case o.Error == ":net-timeout":
		return "timeout"
	case o.Code > 0:
		// Error is errText's [code "text"]: keep the text's first word.
		word := ""
		if i := strings.IndexByte(o.Error, ' '); i >= 0 {
			if text, err := strconv.Unquote(strings.TrimSuffix(o.Error[i+1:], "]")); err == nil {
				word, _, _ = strings.Cut(text, " ")
			}
		}
		return strings.TrimSpace(fmt.Sprintf("%d %s", o.Code, word))
	case o.Error != "":
		return o.Error
	}
	return o.Type
}
