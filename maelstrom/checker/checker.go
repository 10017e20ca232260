package checker

import (
	"fmt"
	"io"
	"math"
	"sort"
	"time"

	"github.com/anishathalye/porcupine"
)

// Kind is the operation type.
type Kind uint8

const (
	Read Kind = iota
	Write
	CAS
)

func (k Kind) String() string { return [...]string{"read", "write", "cas"}[k] }

// Outcome is how an operation ended, in Jepsen's terms.
type Outcome uint8

const (
	// Ok: the operation took effect (or, for a read, observed Value).
	Ok Outcome = iota
	// Fail: it certainly did not take effect.
	Fail
	// Info: unknown; it may take effect at any later time, or never.
	Info
)

func (o Outcome) String() string { return [...]string{"ok", "fail", "info"}[o] }

// Op is one operation of a history. Values are canonical encodings
// (e.g. canonical JSON); a nil Value on a read means null.
type Op struct {
	Process int // the client process (Jepsen's process id)
	Kind    Kind
	Key     string
	Value   *string // read: the value read; write: the value written
	From    string  // cas: expected value
	To      string  // cas: new value
	Outcome Outcome
	Call    time.Duration // invocation, since the start of the test
	Return  time.Duration // completion (ignored for Info)
}

// Verdict is the checker's answer.
type Verdict string

const (
	Valid   Verdict = "valid"
	Invalid Verdict = "invalid"
	Unknown Verdict = "unknown" // the search timed out
)

// Result is the verdict overall and per key.
type Result struct {
	Verdict Verdict
	Keys    map[string]Verdict
	// info is kept for rendering timelines.
	info  map[string]porcupine.LinearizationInfo
	model porcupine.Model
}

type input struct {
	kind     Kind
	value    *string
	from, to string
}

type output struct {
	value   *string
	unknown bool
}

// registerModel is knossos' cas-register for one key.
var registerModel = porcupine.Model{
	Init: func() interface{} { return (*string)(nil) },
	Step: func(state, in, out interface{}) (bool, interface{}) {
		s := state.(*string)
		i := in.(input)
		o := out.(output)
		switch i.kind {
		case Read:
			if o.value == nil { // null read: matches anything
				return true, s
			}
			return s != nil && *s == *o.value, s
		case Write:
			return true, i.value
		case CAS:
			if s != nil && *s == i.from {
				to := i.to
				return true, &to
			}
			// An unknown cas may have failed its comparison: a no-op.
			return o.unknown, s
		}
		return false, s
	},
	Equal: func(a, b interface{}) bool {
		x, y := a.(*string), b.(*string)
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	},
	DescribeOperation: func(in, out interface{}) string {
		i, o := in.(input), out.(output)
		suffix := ""
		if o.unknown {
			suffix = " (unknown)"
		}
		switch i.kind {
		case Read:
			return fmt.Sprintf("read -> %s%s", show(o.value), suffix)
		case Write:
			return fmt.Sprintf("write %s%s", show(i.value), suffix)
		default:
			return fmt.Sprintf("cas %s -> %s%s", i.from, i.to, suffix)
		}
	},
	DescribeState: func(s interface{}) string { return show(s.(*string)) },
}

func show(v *string) string {
	if v == nil {
		return "null"
	}
	return *v
}

// Check checks every key's sub-history within timeout in total.
func Check(ops []Op, timeout time.Duration) *Result {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range ops {
		if op.Outcome == Fail {
			continue
		}
		if op.Kind == Read && op.Outcome != Ok {
			continue // an unanswered read constrains nothing
		}
		ret := int64(op.Return)
		unknown := op.Outcome == Info
		if unknown {
			ret = math.MaxInt64
		}
		var out output
		out.unknown = unknown
		if op.Kind == Read {
			out.value = op.Value
		}
		byKey[op.Key] = append(byKey[op.Key], porcupine.Operation{
			ClientId: op.Process,
			Input:    input{kind: op.Kind, value: op.Value, from: op.From, to: op.To},
			Call:     int64(op.Call),
			Output:   out,
			Return:   ret,
		})
	}
	res := &Result{Verdict: Valid, Keys: map[string]Verdict{}, info: map[string]porcupine.LinearizationInfo{}, model: registerModel}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	deadline := time.Now().Add(timeout)
	for _, k := range keys {
		left := time.Until(deadline)
		if left <= 0 {
			res.Keys[k] = Unknown
			res.merge(Unknown)
			continue
		}
		cr, info := porcupine.CheckOperationsVerbose(registerModel, byKey[k], left)
		res.info[k] = info
		var v Verdict
		switch cr {
		case porcupine.Ok:
			v = Valid
		case porcupine.Illegal:
			v = Invalid
		default:
			v = Unknown
		}
		res.Keys[k] = v
		res.merge(v)
	}
	return res
}

// merge folds a key's verdict into the total: invalid > unknown > valid.
func (r *Result) merge(v Verdict) {
	switch {
	case v == Invalid:
		r.Verdict = Invalid
	case v == Unknown && r.Verdict == Valid:
		r.Verdict = Unknown
	}
}

// Timeline writes porcupine's HTML visualisation of key's history.
func (r *Result) Timeline(key string, w io.Writer) error {
	info, ok := r.info[key]
	if !ok {
		return fmt.Errorf("checker: no history for key %q", key)
	}
	return porcupine.Visualize(r.model, info, w)
}

// Window is a span of the test drawn as an annotation on a timeline, e.g. a
// nemesis fault. Times are since the start of the test, like Op's.
type Window struct {
	Tag         string // the row it is drawn in, e.g. "nemesis"
	Start, End  time.Duration
	Description string
	Details     string // shown in the tooltip
	Color       string // CSS background colour; "" for porcupine's default
}

// TimelineWithWindows is Timeline with windows drawn as annotations.
func (r *Result) TimelineWithWindows(key string, w io.Writer, windows []Window) error {
	info, ok := r.info[key]
	if !ok {
		return fmt.Errorf("checker: no history for key %q", key)
	}
	anns := make([]porcupine.Annotation, 0, len(windows))
	for _, win := range windows {
		anns = append(anns, porcupine.Annotation{
			Tag:             win.Tag,
			Start:           int64(win.Start),
			End:             int64(win.End),
			Description:     win.Description,
			Details:         win.Details,
			BackgroundColor: win.Color,
		})
	}
	info.AddAnnotations(anns)
	return porcupine.Visualize(r.model, info, w)
}
