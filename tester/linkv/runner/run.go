package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"redraft/tester/history"
	"redraft/tester/netsim"
	"redraft/tester/window"
)

// Result is everything a run observed; Analyze turns it into verdicts and
// statistics.
type Result struct {
	Config   Config
	Nodes    []string
	Started  time.Time
	Duration time.Duration // from the first op's schedule to the last completion
	Ops      []ClientOp
	Nemesis  []history.NemesisOp
	Windows  []window.Window
	Schedule []NemesisEvent
	Net      netsim.Stats
	// Late is the schedule time the op stream lost because no thread was
	// free or the dispatcher woke late (a slow system, a loaded machine):
	// the stream dispatches about Rate x (TimeLimit - Late) ops.
	Late           time.Duration
	ProtocolErrors []ProtocolError
	// Crashes are node exits nobody asked for; they make the run a crash
	// (exit 255) after the report is written, as Maelstrom's teardown does.
	Crashes []string
}

// run is the state of one test.
type run struct {
	cfg   Config
	nodes []string
	net   *netsim.Net
	byID  map[string]*node
	t0    atomic.Pointer[time.Time] // the test's time origin

	clientSeq atomic.Int64

	mu       sync.Mutex // guards the fields below
	killed   map[string]bool
	paused   map[string]bool
	windows  window.Tracker // has its own lock; the schedule alternates a fault's start and stop: no restarts
	nemOps   []history.NemesisOp
	protoErr []ProtocolError
	crashes  []string
	ended    bool

	ok, fail, info atomic.Int64
}

func (r *run) since() time.Duration { return time.Since(*r.t0.Load()) }

func (r *run) resetClock() time.Time {
	now := time.Now()
	r.t0.Store(&now)
	return now
}

func (r *run) newClientID() string { return fmt.Sprintf("c%d", r.clientSeq.Add(1)) }

// Run executes one lin-kv test. The error is non-nil only when the test
// could not run (bad configuration, a node that does not start or init);
// every process it started is dead when it returns.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logDir := filepath.Join(cfg.Dir, "node-logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	workRoot, err := os.MkdirTemp("", "linkv-nodes-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(workRoot)
	bin, err := filepath.Abs(cfg.Bin)
	if err != nil {
		return nil, err
	}
	r := &run{
		cfg:    cfg,
		net:    netsim.New(cfg.Latency, cfg.Seed^streamNet),
		byID:   map[string]*node{},
		killed: map[string]bool{},
		paused: map[string]bool{},
	}
	r.resetClock()
	for i := 0; i < cfg.NodeCount; i++ {
		r.nodes = append(r.nodes, fmt.Sprintf("n%d", i))
	}
	schedule, err := NemesisSchedule(cfg, r.nodes)
	if err != nil {
		return nil, err
	}
	defer r.net.Close()
	for _, id := range r.nodes {
		dir := filepath.Join(workRoot, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		n := &node{
			id: id, bin: bin, workDir: dir, net: r.net, since: r.since,
			logPath: filepath.Join(logDir, id+".log"),
			onProto: r.protocolError,
			onExit:  r.nodeExited,
		}
		r.byID[id] = n
		if err := r.net.Add(id, netsim.Server, n.deliver); err != nil {
			return nil, err
		}
	}
	// Every process dies before Run returns, whatever happens below.
	defer r.killAll()
	for _, id := range r.nodes {
		if err := r.byID[id].start(); err != nil {
			return nil, err
		}
	}
	if err := r.initAll(ctx); err != nil {
		return nil, err
	}

	// Workload clients: one per thread, opened after the init clients.
	clients := make([]*client, cfg.Concurrency)
	for i := range clients {
		c, err := newClient(r.newClientID(), r.net)
		if err != nil {
			return nil, err
		}
		clients[i] = c
	}
	w := newWorkload(cfg, r.nodes, clients)

	started := r.resetClock()
	testCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		r.runNemesis(testCtx, schedule)
	}()
	if cfg.Progress != nil {
		bg.Add(1)
		go func() {
			defer bg.Done()
			r.reportProgress(testCtx)
		}()
	}
	ops, late := r.dispatch(ctx, w)
	duration := r.since()
	r.mu.Lock()
	r.ended = true
	r.windows.End(duration) // Maelstrom has no final heal: faults in force end with the test
	r.mu.Unlock()
	cancel()
	bg.Wait()
	r.killAll()

	res := &Result{
		Config:   cfg,
		Nodes:    r.nodes,
		Started:  started,
		Duration: duration,
		Ops:      ops,
		Late:     late,
		Schedule: schedule,
		Net:      r.net.Stats(),
	}
	r.mu.Lock()
	res.Nemesis = slices.Clone(r.nemOps)
	res.Windows = r.windows.Windows()
	res.ProtocolErrors = slices.Clone(r.protoErr)
	res.Crashes = slices.Clone(r.crashes)
	r.mu.Unlock()
	return res, nil
}

// initAll sends init to every node from temporary clients, concurrently.
func (r *run) initAll(ctx context.Context) error {
	errs := make([]error, len(r.nodes))
	ids := make([]string, len(r.nodes))
	for i := range r.nodes {
		ids[i] = r.newClientID()
	}
	var wg sync.WaitGroup
	for i, id := range r.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.initNode(ctx, id, ids[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// initNode is Maelstrom's init RPC: from a temporary client that is
// removed from the network right after, with a 10 s timeout and a closed
// reply schema.
func (r *run) initNode(ctx context.Context, id, clientID string) error {
	c, err := newClient(clientID, r.net)
	if err != nil {
		return err
	}
	defer c.close()
	fields, raw, err := c.call(ctx, id, map[string]any{"type": "init", "node_id": id, "node_ids": r.nodes}, initTimeout)
	if err != nil {
		return fmt.Errorf("%w: %s did not answer init within %s (see node-logs/%s.log)", ErrInit, id, initTimeout, id)
	}
	var typ string
	_ = json.Unmarshal(fields["type"], &typ)
	if typ != "init_ok" {
		return fmt.Errorf("%w: %s answered init with %s", ErrInit, id, raw)
	}
	for k := range fields {
		switch k {
		case "type", "in_reply_to", "msg_id":
		default:
			return fmt.Errorf("%w: %s: malformed init_ok (unexpected key %q): %s", ErrInit, id, k, raw)
		}
	}
	return nil
}

// dispatch is the global op stream: ops at gaps uniform in [0, 2/rate],
// each taken by a free thread (one op in flight per thread), until the time
// limit; then it waits for the ops in flight. It also returns the schedule
// time lost to late dispatches (Result.Late).
func (r *run) dispatch(ctx context.Context, w *workload) ([]ClientOp, time.Duration) {
	cfg := r.cfg
	gaps := rand.New(rand.NewPCG(cfg.Seed, streamGaps))
	pick := rand.New(rand.NewPCG(cfg.Seed, streamPick))
	timeout := cfg.ClientTimeout()
	maxGap := 2 / cfg.Rate * float64(time.Second)

	freeCh := make(chan int, cfg.Concurrency)
	free := make([]bool, cfg.Concurrency)
	nfree := cfg.Concurrency
	for i := range free {
		free[i] = true
	}
	var mu sync.Mutex
	var ops []ClientOp
	var inflight sync.WaitGroup
	deadline := time.NewTimer(cfg.TimeLimit)
	defer deadline.Stop()
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()

	next, late := time.Duration(0), time.Duration(0)
loop:
	for {
		if wait := next - r.since(); wait > 0 {
			sleep.Reset(wait)
			select {
			case <-ctx.Done():
				break loop
			case <-deadline.C:
				break loop
			case <-sleep.C:
			}
		}
		// A free thread: drain completions, or wait for one.
		for {
			drained := false
			for !drained {
				select {
				case i := <-freeCh:
					free[i] = true
					nfree++
				default:
					drained = true
				}
			}
			if nfree > 0 {
				break
			}
			select {
			case <-ctx.Done():
				break loop
			case <-deadline.C:
				break loop
			case i := <-freeCh:
				free[i] = true
				nfree++
			}
		}
		now := r.since()
		if now >= cfg.TimeLimit {
			break
		}
		k := pick.IntN(nfree)
		var t *thread
		for i, f := range free {
			if f {
				if k == 0 {
					t = w.threads[i]
					break
				}
				k--
			}
		}
		free[t.idx] = false
		nfree--
		op := w.next(t)
		op.Bound = r.bound(t.node)
		op.Invoke = r.since()
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			invoke(ctx, t, &op, timeout, r.since)
			switch op.Type {
			case "ok":
				r.ok.Add(1)
			case "fail":
				r.fail.Add(1)
			default:
				r.info.Add(1)
				w.crashed(t, cfg.Concurrency)
			}
			mu.Lock()
			ops = append(ops, op)
			mu.Unlock()
			freeCh <- t.idx
		}()
		// gen/stagger: the next op is due a gap after this one was due, or
		// after now when this one was late (no thread was free).
		if now-next > lateSlack {
			late += now - next
			next = now
		}
		next += time.Duration(gaps.Float64() * maxGap)
	}
	if next < cfg.TimeLimit { // the stream ended waiting for a free thread
		late += cfg.TimeLimit - next
	}
	inflight.Wait()
	sort.Slice(ops, func(i, j int) bool { return ops[i].Invoke < ops[j].Invoke })
	return ops, late
}

// lateSlack is how late an op may be dispatched and still count as on
// schedule (timer wake-up jitter), so the schedule does not drift.
const lateSlack = 2 * time.Millisecond

// bound reports whether node could be served at all right now: it is up
// and has two-way links to a majority (itself included), or has a two-way
// link to such a node.
func (r *run) bound(id string) bool {
	g := r.net.Grudge()
	r.mu.Lock()
	defer r.mu.Unlock()
	up := func(x string) bool { return !r.killed[x] && !r.paused[x] }
	two := func(a, b string) bool { return up(a) && up(b) && g.TwoWay(a, b) }
	majority := len(r.nodes)/2 + 1
	hasMajority := func(x string) bool {
		if !up(x) {
			return false
		}
		c := 1
		for _, y := range r.nodes {
			if y != x && two(x, y) {
				c++
			}
		}
		return c >= majority
	}
	if hasMajority(id) {
		return true
	}
	for _, y := range r.nodes {
		if y != id && two(id, y) && hasMajority(y) {
			return true
		}
	}
	return false
}

func (r *run) protocolError(e ProtocolError) {
	r.mu.Lock()
	r.protoErr = append(r.protoErr, e)
	r.mu.Unlock()
	fmt.Fprintf(os.Stderr, "linkv: protocol error from %s at %.3fs: %s\n  line: %s\n  (the node's stdout link is broken for the rest of this process's life, as in Maelstrom)\n", e.Node, e.At.Seconds(), e.Err, e.Line)
}

func (r *run) nodeExited(id string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return
	}
	msg := fmt.Sprintf("node %s exited at %.3fs: %v (see node-logs/%s.log)", id, r.since().Seconds(), err, id)
	r.crashes = append(r.crashes, msg)
	fmt.Fprintln(os.Stderr, "linkv: "+msg)
}

// killAll SIGKILLs every node (paused ones too) and reaps it.
func (r *run) killAll() {
	r.mu.Lock()
	r.ended = true
	r.mu.Unlock()
	for _, n := range r.byID {
		n.kill()
	}
}

func (r *run) reportProgress(ctx context.Context) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		r.cfg.Progress(Progress{
			Elapsed: r.since(), Total: r.cfg.TimeLimit,
			Ok: int(r.ok.Load()), Fail: int(r.fail.Load()), Info: int(r.info.Load()),
			Nemesis: r.nemesisState(),
		})
	}
}

// nemesisState describes the faults in force.
func (r *run) nemesisState() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var parts []string
	for _, f := range []string{FaultPartition, FaultKill, FaultPause} {
		if d, ok := r.windows.InForce(f); ok {
			parts = append(parts, f+" "+d)
		}
	}
	if len(parts) == 0 {
		return "healthy"
	}
	return strings.Join(parts, "; ")
}

// pauseSignal and resumeSignal freeze and thaw a node's process group.
const (
	pauseSignal  = syscall.SIGSTOP
	resumeSignal = syscall.SIGCONT
)
