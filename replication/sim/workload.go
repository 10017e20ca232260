package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv"
	"redraft/wire"
)

// Kind is what an operation did.
type Kind uint8

const (
	Get      Kind = iota // register read: GET r
	Set                  // register write: SET r v
	CAS                  // register compare-and-set: CAS r from to
	Incr                 // counter increment: INCR c
	ReadCtr              // counter read: GET c
	Push                 // list append: RPUSH l e
	ReadList             // list read: LRANGE l 0 -1
	Churn                // expiry churn: SET e v PX ms (not checked)
)

func (k Kind) String() string {
	return [...]string{"get", "set", "cas", "incr", "read-counter", "push", "read-list", "churn", "queue-push", "queue-pop", "queue-move", "publish", "transfer", "audit",
		"xgroup-create", "xadd", "xreadgroup", "xack", "xautoclaim", "xrange"}[k]
}

func (k Kind) write() bool {
	return k == Set || k == CAS || k == Incr || k == Push || k == Churn || k == QPush || k == QPop || k == QMove || k == Publish || k == Transfer ||
		k == XCreate || k == XAdd || k == XGroupRead || k == XAck || k == XClaim
}

// Outcome is how an operation ended, in Jepsen's terms.
type Outcome uint8

const (
	Ok   Outcome = iota // took effect (a read: observed its result)
	Fail                // certainly did not take effect
	Info                // unknown: may take effect at any later time, or never
)

func (o Outcome) String() string { return [...]string{"ok", "fail", "info"}[o] }

// Op is one client operation of the history.
type Op struct {
	Client int
	Node   string
	Kind   Kind
	Key    string
	Value  string   // set/cas: new value; push: element
	From   string   // cas: expected value
	Keys   []string // queue pop and move: the keys it takes from; transfer: from, to
	Amount int64    // transfer: the amount
	Sha    bool     // transfer: sent as EVALSHA
	// Results of ok reads and increments.
	Found bool     // get: the key existed
	Got   string   // get: its value
	N     int64    // incr: the reply; read-counter: the value
	List  []string // read-list
	// Refused is set on an executed CAS whose comparison failed: "NOKEY"
	// (no such key) or "CASFAIL" (another value); nothing changed then.
	Refused string
	Outcome
	// Call and Return are logical times: a strict order of every
	// invocation and completion as they happened (an operation that
	// returned before another was invoked has a smaller Return than the
	// other's Call), which virtual time cannot give (many events share an
	// instant).
	Call, Return int64
	// Start and End are virtual times, for the trace.
	Start, End time.Duration
	Reply      string // the raw reply, abbreviated
}

func (o *Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%d..%d %.3fs..%.3fs] c%d@%s %s", o.Call, o.Return, o.Start.Seconds(), o.End.Seconds(), o.Client, o.Node, o.Kind)
	if o.Kind >= QPush {
		fmt.Fprintf(&b, " %s => %s", o.detail(), o.Outcome)
		if o.Outcome == Ok && o.Found {
			fmt.Fprintf(&b, " %s from %s", o.Got, o.Key)
		} else if o.Outcome == Ok && o.Kind == Transfer {
			fmt.Fprintf(&b, " ledger position %d", o.N)
		} else if o.Outcome == Ok && o.Kind == Audit {
			fmt.Fprintf(&b, " %v", o.List)
		} else if o.Outcome == Ok && (o.Kind == QPop || o.Kind == QMove) {
			b.WriteString(" nothing")
		} else if o.Outcome != Ok && o.Reply != "" {
			fmt.Fprintf(&b, " (%s)", o.Reply)
		}
		return b.String()
	}
	fmt.Fprintf(&b, " %s", o.Key)
	switch o.Kind {
	case Set, Push, Churn:
		fmt.Fprintf(&b, " %s", o.Value)
	case CAS:
		fmt.Fprintf(&b, " %s->%s", o.From, o.Value)
	}
	fmt.Fprintf(&b, " => %s", o.Outcome)
	if o.Outcome == Ok {
		switch o.Kind {
		case Get:
			if o.Found {
				fmt.Fprintf(&b, " %q", o.Got)
			} else {
				b.WriteString(" nil")
			}
		case Incr, ReadCtr:
			fmt.Fprintf(&b, " %d", o.N)
		case ReadList:
			fmt.Fprintf(&b, " %d elements", len(o.List))
		case CAS:
			if o.Refused != "" {
				fmt.Fprintf(&b, " refused %s", o.Refused)
			}
		}
	} else if o.Reply != "" {
		fmt.Fprintf(&b, " (%s)", o.Reply)
	}
	return b.String()
}

// History is the concurrent record of every operation.
type History struct {
	mu    sync.Mutex
	ops   []*Op
	clock atomic.Int64
	start time.Time
}

func newHistory() *History { return &History{start: time.Now()} }

func (h *History) tick() int64 { return h.clock.Add(1) }

func (h *History) add(op *Op) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
}

// Ops returns the completed operations.
func (h *History) Ops() []*Op {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*Op(nil), h.ops...)
}

// Workload shape: few keys so that clients contend.
var (
	registerKeys = []string{"r0", "r1", "r2", "r3"}
	counterKeys  = []string{"c0", "c1"}
	listKeys     = []string{"l0", "l1"}
	churnKeys    = []string{"e0", "e1", "e2"}
)

const (
	// clientTimeout bounds one client request (like a client library's).
	clientTimeout = 5 * time.Second
	// thinkMin and thinkMax bound a client's pause between requests.
	thinkMin = 20 * time.Millisecond
	thinkMax = 100 * time.Millisecond
	// extraThink multiplies the pause of queue, pub/sub and script
	// clients (CI time: Options.defaults).
	extraThink = 4
)

// client is one workload process: it picks a node and an operation from
// its own seeded generator, so the sequence of choices is fixed by the
// seed (the values it CASes from follow what it observed).
type client struct {
	id    int
	redis bool
	queue bool // a queue client (queue.go)
	pub   bool // a publisher (pubsub.go)
	scr   bool // a script client (script.go)
	strm  bool // a stream client (stream.go)
	// strmReady: the consumer group exists; strmPending: IDs delivered to
	// this client's consumer and not yet acknowledged.
	strmReady   bool
	strmPending []string
	rng         *rand.Rand
	c           *Cluster
	h           *History
	seq         int
	last        map[string]string // register: last value seen or written, per key
}

// req is one command of a request and what the client expects of it.
type req struct {
	op   *Op
	args []string
}

func (cl *client) value() string {
	cl.seq++
	return fmt.Sprintf("c%d.%d", cl.id, cl.seq)
}

// next draws the next request: one command, or for Redis clients
// sometimes a pipeline of three.
func (cl *client) next() []req {
	if !cl.redis {
		key := registerKeys[cl.rng.IntN(len(registerKeys))]
		switch r := cl.rng.IntN(10); {
		case r < 5:
			return []req{{&Op{Kind: Get, Key: key}, []string{"GET", key}}}
		case r < 8:
			v := cl.value()
			return []req{{&Op{Kind: Set, Key: key, Value: v}, []string{"SET", key, v}}}
		default:
			from, ok := cl.last[key]
			if !ok {
				from = "none"
			}
			v := cl.value()
			return []req{{&Op{Kind: CAS, Key: key, From: from, Value: v}, []string{"CAS", key, from, v}}}
		}
	}
	one := func() req {
		switch r := cl.rng.IntN(100); {
		case r < 35:
			k := counterKeys[cl.rng.IntN(len(counterKeys))]
			return req{&Op{Kind: Incr, Key: k}, []string{"INCR", k}}
		case r < 70:
			k := listKeys[cl.rng.IntN(len(listKeys))]
			e := cl.value()
			return req{&Op{Kind: Push, Key: k, Value: e}, []string{"RPUSH", k, e}}
		case r < 80:
			k := counterKeys[cl.rng.IntN(len(counterKeys))]
			return req{&Op{Kind: ReadCtr, Key: k}, []string{"GET", k}}
		case r < 90:
			k := listKeys[cl.rng.IntN(len(listKeys))]
			return req{&Op{Kind: ReadList, Key: k}, []string{"LRANGE", k, "0", "-1"}}
		default:
			k := churnKeys[cl.rng.IntN(len(churnKeys))]
			v := cl.value()
			ttl := strconv.Itoa(50 + cl.rng.IntN(500))
			return req{&Op{Kind: Churn, Key: k, Value: v}, []string{"SET", k, v, "PX", ttl}}
		}
	}
	if cl.rng.IntN(8) == 0 {
		return []req{one(), one(), one()}
	}
	return []req{one()}
}

// run issues requests until stop closes.
func (cl *client) run(stop <-chan struct{}) {
	for {
		think := thinkMin + time.Duration(cl.rng.Int64N(int64(thinkMax-thinkMin)))
		if cl.queue || cl.pub || cl.scr || cl.strm {
			think *= extraThink
		}
		t := time.NewTimer(think)
		select {
		case <-t.C:
		case <-stop:
			t.Stop()
			return
		}
		pick := cl.rng.IntN(len(cl.c.nodes))
		var reqs []req
		switch {
		case cl.queue:
			reqs = []req{cl.nextQueue()}
		case cl.pub:
			reqs = []req{cl.nextPublish()}
		case cl.scr:
			reqs = []req{cl.nextScript()}
		case cl.strm:
			reqs = []req{cl.nextStream()}
		default:
			reqs = cl.next()
		}
		// Go to the chosen node, or the next one that is up.
		var in incarnation
		ok := false
		for j := 0; j < len(cl.c.nodes) && !ok; j++ {
			in, ok = cl.c.nodes[(pick+j)%len(cl.c.nodes)].current()
		}
		if !ok {
			continue
		}
		if cl.queue {
			cl.doQueue(in, reqs[0])
		} else {
			cl.do(in, reqs)
		}
	}
}

// do sends one request to a node incarnation and records its operations.
func (cl *client) do(in incarnation, reqs []req) {
	cmds := make([]*kv.Cmd, len(reqs))
	for i, r := range reqs {
		args := make([][]byte, len(r.args))
		for j, a := range r.args {
			args[j] = []byte(a)
		}
		cmds[i] = &kv.Cmd{Args: args, Proto: 2}
	}
	call := cl.h.tick()
	start := time.Since(cl.h.start)
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	w := kv.NewWriter(nil, 2)
	in.node.Execute(ctx, cmds, w)
	cancel()
	ret := cl.h.tick()
	end := time.Since(cl.h.start)
	// A node that crashed while the request was in flight never answered:
	// the connection broke.
	broken := !in.alive()
	replies, err := wire.SplitReplies(w.Bytes(), len(reqs))
	if err != nil && !broken {
		cl.c.mon.violation("client %d: %d commands to %s, malformed replies %q: %v", cl.id, len(reqs), in.sn.id, w.Bytes(), err)
	}
	pureRead := true
	for _, r := range reqs {
		if r.op.Kind.write() {
			pureRead = false
		}
	}
	for i, r := range reqs {
		op := r.op
		op.Client, op.Node, op.Call, op.Return, op.Start, op.End = cl.id, in.sn.id, call, ret, start, end
		if broken || err != nil {
			op.Reply = "connection lost"
			op.Outcome = Fail
			if op.Kind.write() {
				op.Outcome = Info
			}
		} else {
			cl.interpret(op, replies[i], pureRead)
		}
		if op.Kind == Get && op.Outcome == Ok && op.Found {
			cl.last[op.Key] = op.Got
		}
		if (op.Kind == Set || op.Kind == CAS) && op.Outcome == Ok && op.Refused == "" {
			cl.last[op.Key] = op.Value
		}
		cl.h.add(op)
	}
}

// Error replies by what they say about the command (docs/replication.md).
var (
	definiteErrors = []string{"CLUSTERDOWN", "NOTLEADER", "SHUTDOWN", "MOVED"}
	casErrors      = []string{"CASFAIL", "NOKEY"}
)

// interpret sets op's outcome and result from its reply.
func (cl *client) interpret(op *Op, rep []byte, pureRead bool) {
	op.Reply = abbreviate(rep)
	if len(rep) > 0 && rep[0] == '-' {
		text := string(rep[1:])
		word, _, _ := strings.Cut(text, " ")
		switch {
		case word == "UNCERTAIN":
			op.Outcome = Info
			if !op.Kind.write() {
				op.Outcome = Fail // a read that was not served constrains nothing
				if pureRead {
					cl.c.mon.violation("client %d: a read got an uncertain outcome (reads never do): %s", cl.id, op.Reply)
				}
			}
		case contains(definiteErrors, word):
			op.Outcome = Fail
		case op.Kind == CAS && contains(casErrors, word):
			op.Outcome, op.Refused = Ok, word
		case op.Kind == Transfer && op.Sha && word == "NOSCRIPT":
			op.Outcome, op.Refused = Fail, word
		case op.Kind == XCreate && word == "BUSYGROUP":
			op.Outcome, op.Refused = Ok, word
			cl.strmReady = true
		default:
			op.Outcome = Fail
			cl.c.mon.violation("client %d: unexpected error reply to %s %s: %s", cl.id, op.Kind, op.Key, op.Reply)
		}
		return
	}
	op.Outcome = Ok
	bad := func() {
		op.Outcome = Fail
		cl.c.mon.violation("client %d: unexpected reply to %s %s: %s", cl.id, op.Kind, op.Key, op.Reply)
	}
	switch op.Kind {
	case Set, CAS, Churn:
		if string(rep) != "+OK\r\n" {
			bad()
		}
	case Get, ReadCtr:
		v, found, err := parseBulk(rep)
		if err != nil {
			bad()
			return
		}
		op.Found, op.Got = found, v
		if op.Kind == ReadCtr {
			if found {
				if op.N, err = strconv.ParseInt(v, 10, 64); err != nil {
					bad()
				}
			}
		}
	case Audit:
		if !cl.interpretAudit(op, rep) {
			bad()
		}
	case XCreate, XAdd, XGroupRead, XAck, XClaim, XRange:
		if !cl.interpretStream(op, rep) {
			bad()
		}
	case Incr, Push, QPush, Publish, Transfer:
		n, err := parseInt(rep)
		if err != nil {
			bad()
			return
		}
		op.N = n
	case ReadList:
		l, err := parseArray(rep)
		if err != nil {
			bad()
			return
		}
		op.List = l
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func abbreviate(b []byte) string {
	s := strings.TrimRight(string(b), "\r\n")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// parseBulk decodes a bulk string reply; $-1 is a missing key.
func parseBulk(b []byte) (string, bool, error) {
	s := string(b)
	if s == "$-1\r\n" {
		return "", false, nil
	}
	head, rest, ok := strings.Cut(s, "\r\n")
	if !ok || len(head) < 2 || head[0] != '$' {
		return "", false, fmt.Errorf("not a bulk string: %q", s)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || len(rest) != n+2 {
		return "", false, fmt.Errorf("bad bulk string: %q", s)
	}
	return rest[:n], true, nil
}

func parseInt(b []byte) (int64, error) {
	s := strings.TrimSuffix(string(b), "\r\n")
	if len(s) < 2 || s[0] != ':' {
		return 0, fmt.Errorf("not an integer: %q", b)
	}
	return strconv.ParseInt(s[1:], 10, 64)
}

// parseArray decodes an array of bulk strings.
func parseArray(b []byte) ([]string, error) {
	s := string(b)
	head, rest, ok := strings.Cut(s, "\r\n")
	if !ok || len(head) < 2 || head[0] != '*' {
		return nil, fmt.Errorf("not an array: %q", s)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 {
		return nil, fmt.Errorf("bad array: %q", s)
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		h, r, ok := strings.Cut(rest, "\r\n")
		if !ok || len(h) < 2 || h[0] != '$' {
			return nil, fmt.Errorf("bad array element: %q", s)
		}
		l, err := strconv.Atoi(h[1:])
		if err != nil || l < 0 || len(r) < l+2 {
			return nil, fmt.Errorf("bad array element: %q", s)
		}
		out = append(out, r[:l])
		rest = r[l+2:]
	}
	if rest != "" {
		return nil, fmt.Errorf("trailing bytes in array: %q", s)
	}
	return out, nil
}

// detail renders the arguments of a queue, pub/sub or script operation.
func (o *Op) detail() string {
	switch o.Kind {
	case QPush, Publish:
		return fmt.Sprintf("%s %s", o.Key, o.Value)
	case QMove:
		return fmt.Sprintf("%s->%s", o.Key, moveDest)
	case Transfer:
		how := "eval"
		if o.Sha {
			how = "evalsha"
		}
		return fmt.Sprintf("%s %s %s->%s %d", how, o.Value, o.Keys[0], o.Keys[1], o.Amount)
	case Audit:
		return "balances"
	case XAdd:
		return fmt.Sprintf("%s %s", o.Key, o.Value)
	case XGroupRead, XClaim:
		return fmt.Sprintf("%s as %s: %v", o.Key, o.Value, o.List)
	case XAck:
		return fmt.Sprintf("%s %v", o.Key, o.Keys)
	}
	return strings.Join(o.Keys, ",")
}
