package elle

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Micro-operation kinds, as Elle names them.
const (
	Append = "append"
	Read   = "r"
)

// Transaction outcomes, in Jepsen's words.
const (
	Ok   = "ok"
	Fail = "fail"
	Info = "info"
)

// Mop is one micro-operation of a transaction.
type Mop struct {
	F   string `json:"f"` // Append or Read
	Key string `json:"key"`
	// Value: what an append appended.
	Value int64 `json:"value,omitempty"`
	// List: what a read returned (nil is the empty list); meaningful only
	// in an ok transaction.
	List []int64 `json:"list,omitempty"`
}

func (m Mop) String() string {
	if m.F == Append {
		return "[:append " + strconv.Quote(m.Key) + " " + strconv.FormatInt(m.Value, 10) + "]"
	}
	if m.List == nil {
		return "[:r " + strconv.Quote(m.Key) + " nil]"
	}
	return "[:r " + strconv.Quote(m.Key) + " " + FormatList(m.List) + "]"
}

// FormatList is a list in Clojure's vector form: [1 2 3].
func FormatList(l []int64) string {
	parts := make([]string, len(l))
	for i, v := range l {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Txn is one transaction with its outcome and its times.
type Txn struct {
	// ID names the transaction in reports (the caller's op index).
	ID      int    `json:"id"`
	Process int    `json:"process"`
	Node    string `json:"node,omitempty"`
	Type    string `json:"type"` // Ok, Fail, Info
	Mops    []Mop  `json:"mops"`
	// Invoke and Complete: since the start of the test. Complete is
	// meaningless for Info (the transaction may take effect at any later
	// time).
	Invoke   time.Duration `json:"invoke-ns"`
	Complete time.Duration `json:"complete-ns"`
	// Final: a read of the final phase, after every fault was healed; the
	// checker reports acknowledged appends it lacks as lost.
	Final bool `json:"final,omitempty"`
}

// String names a transaction for reports: its ID, process, node, outcome,
// times and micro-operations (long lists by their tail: history.txt has
// them whole).
func (t *Txn) String() string {
	mops := make([]string, len(t.Mops))
	for i, m := range t.Mops {
		switch {
		case m.F != Read:
			mops[i] = m.String()
		case t.Type != Ok:
			m.List = nil
			mops[i] = m.String()
		default:
			mops[i] = "[:r " + strconv.Quote(m.Key) + " " + briefList(m.List) + "]"
		}
	}
	end := fmt.Sprintf("%.3f", t.Complete.Seconds())
	if t.Type == Info {
		end = "?"
	}
	node := ""
	if t.Node != "" {
		node = " on " + t.Node
	}
	return fmt.Sprintf("T%d (process %d%s, %s, %.3f-%s s: %s)", t.ID, t.Process, node, t.Type, t.Invoke.Seconds(), end, strings.Join(mops, " "))
}
