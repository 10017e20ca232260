package runner

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/history"
)

// NoCode marks a completion that carried no error code.
const NoCode = -1

// ClientOp is one client operation: its invocation and its completion.
type ClientOp struct {
	Process int    `json:"process"`
	Thread  int    `json:"thread"`
	Node    string `json:"node"`
	Client  string `json:"client"`
	F       string `json:"f"` // read, write, cas
	Key     int64  `json:"key"`
	// Value is the write's value; From/To the cas arguments; Read what a
	// read returned (nil: null). All are canonical JSON.
	Value   string          `json:"value,omitempty"`
	From    string          `json:"from,omitempty"`
	To      string          `json:"to,omitempty"`
	Read    *string         `json:"read,omitempty"`
	Outcome checker.Outcome `json:"-"`
	Type    string          `json:"type"` // ok, fail, info
	Error   string          `json:"error,omitempty"`
	Code    int             `json:"code"` // error code, NoCode when none
	Invoke  time.Duration   `json:"invoke-ns"`
	End     time.Duration   `json:"complete-ns"`
	// Bound: at invocation the op's node could be served at all (see
	// Analysis.StructuralBound).
	Bound bool `json:"bound"`
}

// Latency is the op's duration.
func (o *ClientOp) Latency() time.Duration { return o.End - o.Invoke }

// Answered: ok, or a definite application answer (key missing, cas
// precondition failed).
func (o *ClientOp) Answered() bool {
	return o.Outcome == checker.Ok || (o.Outcome == checker.Fail && (o.Code == 20 || o.Code == 22))
}

func kindOf(f string) checker.Kind {
	switch f {
	case "write":
		return checker.Write
	case "cas":
		return checker.CAS
	}
	return checker.Read
}

// edn renders canonical JSON as EDN for history.txt: null becomes nil.
func edn(v *string) string {
	if v == nil {
		return "nil"
	}
	return *v
}

func (o *ClientOp) invokeValue() string {
	k := strconv.FormatInt(o.Key, 10)
	switch o.F {
	case "write":
		return "[" + k + " " + o.Value + "]"
	case "cas":
		return "[" + k + " [" + o.From + " " + o.To + "]]"
	}
	return "[" + k + " nil]"
}

func (o *ClientOp) completeValue() string {
	if o.F == "read" && o.Outcome == checker.Ok {
		return "[" + strconv.FormatInt(o.Key, 10) + " " + edn(o.Read) + "]"
	}
	return o.invokeValue()
}

// WriteHistory writes history.txt in Jepsen's form (tester/history),
// without times.
func WriteHistory(w io.Writer, ops []ClientOp, nem []history.NemesisOp) error {
	var h history.Lines
	for i := range ops {
		o := &ops[i]
		p := strconv.Itoa(o.Process)
		h.Invoke(o.Invoke, history.Event(p, "invoke", o.F, o.invokeValue()))
		t := history.Event(p, o.Type, o.F, o.completeValue())
		if o.Error != "" {
			t += "\t" + o.Error
		}
		h.Complete(o.End, t)
	}
	h.Nemesis(nem)
	return h.Write(w)
}

// CheckerOps converts the client ops for maelstrom/checker.
func CheckerOps(ops []ClientOp) []checker.Op {
	out := make([]checker.Op, 0, len(ops))
	for i := range ops {
		o := &ops[i]
		c := checker.Op{
			Process: o.Process,
			Kind:    kindOf(o.F),
			Key:     strconv.FormatInt(o.Key, 10),
			Outcome: o.Outcome,
			Call:    o.Invoke,
			Return:  o.End,
		}
		switch o.F {
		case "read":
			c.Value = o.Read
		case "write":
			v := o.Value
			c.Value = &v
		case "cas":
			c.From, c.To = o.From, o.To
		}
		out = append(out, c)
	}
	return out
}

func errText(code int, text string) string {
	return fmt.Sprintf("[%d %s]", code, strconv.Quote(text))
}
