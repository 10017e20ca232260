package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/netsim"
	"redraft/tester/schedule"
)

// thread is one of Jepsen's worker threads. It keeps its node and its
// client for the whole test; its process id advances by the concurrency
// after every info (Jepsen's crashed process).
type thread struct {
	idx     int
	group   int
	node    string
	reader  bool
	process int
	cl      *client
	rng     *rand.Rand // this thread's op kinds and values
}

// group is one independent key's thread group (2n threads).
type group struct {
	threads []*thread
	key     int64
	procs   map[int]bool // distinct processes that used key
}

// workload is lin-kv's generator state: jepsen.independent's
// concurrent-generator over (range) keys, each key's generator
// (reserve n reads, mix [write cas cas]) under process-limit 20.
type workload struct {
	mu      sync.Mutex // guards thread processes and group state
	threads []*thread
	groups  []*group
	nextKey int64
	limit   int // distinct processes per key
}

func newWorkload(cfg Config, nodes []string, clients []*client) *workload {
	n := len(nodes)
	per := 2 * n
	w := &workload{limit: max(processLimit, per)}
	for g := 0; g < cfg.Concurrency/per; g++ {
		w.groups = append(w.groups, &group{key: int64(g), procs: map[int]bool{}})
	}
	w.nextKey = int64(len(w.groups))
	for i := 0; i < cfg.Concurrency; i++ {
		t := &thread{
			idx:     i,
			group:   i / per,
			node:    nodes[i%n],
			reader:  i%per < n,
			process: i,
			cl:      clients[i],
			rng:     rand.New(rand.NewPCG(cfg.Seed, schedule.StreamThread+uint64(i))),
		}
		w.threads = append(w.threads, t)
		g := w.groups[t.group]
		g.threads = append(g.threads, t)
	}
	return w
}

// next builds thread t's next operation (not yet invoked). Only the
// dispatcher calls it.
func (w *workload) next(t *thread) ClientOp {
	w.mu.Lock()
	defer w.mu.Unlock()
	g := w.groups[t.group]
	for _, th := range g.threads {
		g.procs[th.process] = true
	}
	if len(g.procs) > w.limit {
		// The key's generator is exhausted: the group takes the next key.
		g.key = w.nextKey
		w.nextKey++
		g.procs = map[int]bool{}
		for _, th := range g.threads {
			g.procs[th.process] = true
		}
	}
	op := ClientOp{Process: t.process, Thread: t.idx, Node: t.node, Client: t.cl.id, Key: g.key, Code: NoCode}
	switch {
	case t.reader:
		op.F = "read"
	case t.rng.IntN(3) == 0:
		op.F = "write"
		op.Value = strconv.Itoa(t.rng.IntN(5))
	default:
		op.F = "cas"
		op.From = strconv.Itoa(t.rng.IntN(5))
		op.To = strconv.Itoa(t.rng.IntN(5))
	}
	return op
}

// crashed advances t's process after an info, as Jepsen does for a
// crashed process: the new id is the old one plus the concurrency.
func (w *workload) crashed(t *thread, concurrency int) {
	w.mu.Lock()
	t.process += concurrency
	w.mu.Unlock()
}

// definite are the error codes after which an operation certainly did not
// happen.
var definite = map[int]bool{1: true, 10: true, 11: true, 12: true, 14: true, 20: true, 21: true, 22: true, 30: true}

// invoke sends op to its node and fills in the completion.
func invoke(ctx context.Context, t *thread, op *ClientOp, timeout time.Duration, since func() time.Duration) {
	body := map[string]any{"type": op.F, "key": op.Key}
	switch op.F {
	case "write":
		body["value"] = json.RawMessage(op.Value)
	case "cas":
		body["from"] = json.RawMessage(op.From)
		body["to"] = json.RawMessage(op.To)
	}
	fields, _, err := t.cl.call(ctx, op.Node, body, timeout)
	op.End = since()
	classify(op, fields, err)
}

// classify turns a reply (or its absence) into Jepsen's outcome.
func classify(op *ClientOp, fields map[string]json.RawMessage, err error) {
	idempotent := op.F == "read"
	switch {
	case err == errTimeout:
		op.Error = ":net-timeout"
		op.Code = 0
		if idempotent {
			op.set(checker.Fail)
		} else {
			op.set(checker.Info)
		}
		return
	case err != nil:
		op.Error = strconv.Quote(err.Error())
		op.set(checker.Info)
		return
	}
	var typ string
	_ = json.Unmarshal(fields["type"], &typ)
	if typ == "error" {
		var code int
		if json.Unmarshal(fields["code"], &code) != nil {
			code = NoCode
		}
		var text string
		_ = json.Unmarshal(fields["text"], &text)
		op.Code = code
		op.Error = errText(code, text)
		if definite[code] || idempotent {
			op.set(checker.Fail)
		} else {
			op.set(checker.Info)
		}
		return
	}
	if msg := schemaError(op.F, typ, fields); msg != "" {
		op.Error = "[:malformed-rpc-response " + strconv.Quote(msg) + "]"
		op.set(checker.Info)
		return
	}
	if op.F == "read" {
		v, err := canonical(fields["value"])
		if err != nil {
			op.Error = "[:malformed-rpc-response " + strconv.Quote(err.Error()) + "]"
			op.set(checker.Info)
			return
		}
		op.Read = v
	}
	op.set(checker.Ok)
}

func (o *ClientOp) set(out checker.Outcome) {
	o.Outcome = out
	o.Type = out.String()
}

// schemaError checks a reply against Maelstrom's closed reply schema:
// {type, in_reply_to, msg_id?} plus value for read_ok; "" when it conforms.
func schemaError(f, typ string, fields map[string]json.RawMessage) string {
	if typ != f+"_ok" {
		return fmt.Sprintf("expected a %s_ok reply, got type %q", f, typ)
	}
	var extra []string
	for k, v := range fields {
		switch k {
		case "type", "in_reply_to":
		case "msg_id":
			if _, ok := netsim.ParseInt(v); !ok {
				return "msg_id is not an integer"
			}
		case "value":
			if f != "read" {
				extra = append(extra, k)
			}
		default:
			extra = append(extra, k)
		}
	}
	if f == "read" {
		if _, ok := fields["value"]; !ok {
			return "read_ok has no value"
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return "unexpected keys " + strings.Join(extra, ", ")
	}
	return ""
}

// canonical re-encodes a JSON value so that equal values compare equal as
// strings (object keys sorted, no whitespace, numbers as written). null
// yields nil.
func canonical(raw json.RawMessage) (*string, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("value is not JSON: %w", err)
	}
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}
