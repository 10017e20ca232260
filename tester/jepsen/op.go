package jepsen

import (
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"redraft/tester/elle"
	"redraft/tester/history"
)

// Op is one client operation: its invocation and its completion.
type Op struct {
	Process int    `json:"process"` // Jepsen's process: a new one after each info
	Thread  int    `json:"thread"`
	Node    string `json:"node"`
	F       string `json:"f"` // register: read, write, cas; set: add, read; list-append: txn; queue: enqueue, dequeue, move
	Key     string `json:"key"`
	// Value: the write's value, the added or enqueued element; From/To:
	// cas; To: a queue move's destination list.
	Value string `json:"value,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	// Read: a register read's value (nil: the key was missing).
	Read *string `json:"read,omitempty"`
	// Elements: a set read's members, sorted; a queue's final read of a
	// list, in list order.
	Elements []int64 `json:"elements,omitempty"`
	// Txn: a list-append transaction's micro-operations, with what its
	// reads returned (a final read is one read).
	Txn []elle.Mop `json:"txn,omitempty"`
	// Final: a read of the final phase, after every fault was healed.
	Final bool `json:"final,omitempty"`
	// Bound: at invocation the node could be served at all (up, and a
	// majority of members reachable, directly or through one up neighbour
	// that has one); see Analysis.StructuralBound.
	Bound  bool          `json:"bound"`
	Type   string        `json:"type"` // ok, fail, info
	Error  string        `json:"error,omitempty"`
	Invoke time.Duration `json:"invoke-ns"`
	End    time.Duration `json:"complete-ns"`
}

// Answered: ok, or a definite answer of the application (CAS's NOKEY and
// CASFAIL): the cluster served the op.
func (o *Op) Answered() bool {
	return o.Type == TypeOk || o.Type == TypeFail && (strings.HasPrefix(o.Error, "NOKEY") || strings.HasPrefix(o.Error, "CASFAIL"))
}

// Latency is the op's duration.
func (o *Op) Latency() time.Duration { return o.End - o.Invoke }

func (o *Op) invokeValue() string {
	switch o.F {
	case "txn":
		return txnValue(o.Txn, false)
	case "read":
		if strings.HasPrefix(o.Key, listKeyPrefix) { // a list-append final read
			return txnValue([]elle.Mop{{F: elle.Read, Key: o.Key}}, false)
		}
	case "move":
		return "[" + strconv.Quote(o.Key) + " " + strconv.Quote(o.To) + " nil]"
	case "write", "add", "enqueue":
		return "[" + strconv.Quote(o.Key) + " " + o.Value + "]"
	case "cas":
		return "[" + strconv.Quote(o.Key) + " [" + o.From + " " + o.To + "]]"
	}
	return "[" + strconv.Quote(o.Key) + " nil]"
}

func (o *Op) completeValue() string {
	switch {
	case o.Type != TypeOk:
		return o.invokeValue()
	case o.Txn != nil:
		return txnValue(o.Txn, true)
	case o.F == "dequeue" || o.F == "move":
		v := "nil"
		if o.Read != nil {
			v = *o.Read
		}
		if o.F == "move" {
			return "[" + strconv.Quote(o.Key) + " " + strconv.Quote(o.To) + " " + v + "]"
		}
		return "[" + strconv.Quote(o.Key) + " " + v + "]"
	case o.F != "read":
		return o.invokeValue()
	case strings.HasPrefix(o.Key, queueKey):
		return "[" + strconv.Quote(o.Key) + " " + elle.FormatList(o.Elements) + "]"
	}
	if o.Elements != nil || strings.HasPrefix(o.Key, "set") {
		parts := make([]string, len(o.Elements))
		for i, e := range o.Elements {
			parts[i] = strconv.FormatInt(e, 10)
		}
		return "[" + strconv.Quote(o.Key) + " #{" + strings.Join(parts, " ") + "}]"
	}
	v := "nil"
	if o.Read != nil {
		v = *o.Read
	}
	return "[" + strconv.Quote(o.Key) + " " + v + "]"
}

// WriteHistory writes history.txt in Jepsen's form (tester/history), with
// the time since the start in the first column.
func WriteHistory(w io.Writer, ops []Op, nem []history.NemesisOp) error {
	var h history.Lines
	for i := range ops {
		o := &ops[i]
		p := strconv.Itoa(o.Process)
		f := o.F
		if o.Final {
			f = "final-read"
		}
		h.Invoke(o.Invoke, history.Event(p, "invoke", f, o.invokeValue()))
		t := history.Event(p, o.Type, f, o.completeValue())
		if o.Error != "" {
			t += "\t" + strconv.Quote(o.Error)
		}
		h.Complete(o.End, t)
	}
	h.Nemesis(nem)
	return h.WriteTimed(w)
}

// WriteHistoryJSON writes one JSON object per op, in invocation order.
func WriteHistoryJSON(w io.Writer, ops []Op) error {
	enc := json.NewEncoder(w)
	for i := range ops {
		if err := enc.Encode(&ops[i]); err != nil {
			return err
		}
	}
	return nil
}
