package runner

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"redraft/maelstrom/checker"
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

// NemesisOp is one nemesis action, recorded as Jepsen records it: an info
// invocation and an info completion.
type NemesisOp struct {
	F      string        `json:"f"`
	Value  string        `json:"value"`  // the request (e.g. the partition kind)
	Result string        `json:"result"` // what was done (e.g. the grudge)
	Invoke time.Duration `json:"invoke-ns"`
	End    time.Duration `json:"complete-ns"`
}

// Window is a span during which a fault was active, for plots and reports.
type Window struct {
	Fault  string        `json:"fault"`
	Detail string        `json:"detail"`
	Start  time.Duration `json:"start-ns"`
	End    time.Duration `json:"end-ns"`
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

type line struct {
	at    time.Duration
	order int // ties: invocations before completions, then by index
	text  string
}

// WriteHistory writes history.txt in Jepsen's format: one line per event,
// "process type f value [error]", tab-separated, in time order.
func WriteHistory(w io.Writer, ops []ClientOp, nem []NemesisOp) error {
	lines := make([]line, 0, 2*len(ops)+2*len(nem))
	for i := range ops {
		o := &ops[i]
		p := strconv.Itoa(o.Process)
		lines = append(lines, line{o.Invoke, 0, p + "\t:invoke\t:" + o.F + "\t" + o.invokeValue()})
		t := p + "\t:" + o.Type + "\t:" + o.F + "\t" + o.completeValue()
		if o.Error != "" {
			t += "\t" + o.Error
		}
		lines = append(lines, line{o.End, 1, t})
	}
	for _, n := range nem {
		lines = append(lines, line{n.Invoke, 0, ":nemesis\t:info\t:" + n.F + "\t" + n.Value})
		lines = append(lines, line{n.End, 1, ":nemesis\t:info\t:" + n.F + "\t" + n.Result})
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].at != lines[j].at {
			return lines[i].at < lines[j].at
		}
		return lines[i].order < lines[j].order
	})
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteByte('\n')
		if b.Len() > 1<<16 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			b.Reset()
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
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
