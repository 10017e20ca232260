package jepsen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/tester/history"
	"redraft/tester/schedule"
	"redraft/tester/window"
)

// ErrNotReady: the cluster never elected a leader every node answers for.
var ErrNotReady = errors.New("jepsen: the cluster did not become ready")

// readyTimeout bounds the wait for a fresh cluster to elect a leader and
// answer on every node.
const readyTimeout = 60 * time.Second

// progressEvery is the period of the progress line.
const progressEvery = 5 * time.Second

// Result is everything a run observed.
type Result struct {
	Config   Config
	Nodes    []string
	Started  time.Time
	Duration time.Duration // from the start of the workload to the end of the final phase
	Ops      []Op
	Nemesis  []history.NemesisOp
	Windows  []window.Window
	Schedule []Event
	// FinalPhase says how the final phase went (set: which nodes answered
	// their final read).
	FinalPhase string
	// Interrupted: the caller's context ended before the time limit
	// (SIGINT); the history is checked all the same.
	Interrupted bool
}

// run is the state of one test.
type run struct {
	cfg     Config
	c       Cluster
	w       workload
	nem     *nemesis
	t0      time.Time
	started atomic.Int64 // ops started, all threads
	ok      atomic.Int64
	fail    atomic.Int64
	info    atomic.Int64

	mu  sync.Mutex
	ops []Op
}

func (r *run) since() time.Duration { return time.Since(r.t0) }

func (r *run) record(o Op) {
	switch o.Type {
	case TypeOk:
		r.ok.Add(1)
	case TypeFail:
		r.fail.Add(1)
	default:
		r.info.Add(1)
	}
	r.mu.Lock()
	r.ops = append(r.ops, o)
	r.mu.Unlock()
}

func (r *run) progress(s string) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(s)
	}
}

// Run starts every node of c, waits for a leader, runs the workload and the
// nemesis schedule for the time limit, heals everything, runs the final
// phase and returns the history. The error is non-nil only when the test
// could not run (bad configuration, a cluster that never became ready).
// Closing c is the caller's.
func Run(ctx context.Context, cfg Config, c Cluster) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	nodes := c.Nodes()
	if len(nodes) != cfg.NodeCount {
		return nil, fmt.Errorf("%w: cluster has %d nodes, config says %d", ErrConfig, len(nodes), cfg.NodeCount)
	}
	r := &run{cfg: cfg, c: c, w: newWorkload(cfg.Workload), t0: time.Now()}
	schedule := cfg.Schedule
	if schedule == nil { // nil: draw; empty: no faults
		schedule = Schedule(cfg, nodes)
	}
	for _, id := range nodes {
		if err := c.Start(id); err != nil {
			return nil, err
		}
	}
	if err := r.awaitReady(ctx, readyTimeout); err != nil {
		return nil, err
	}

	started := time.Now()
	r.t0 = started
	nem := newNemesis(c, r.since)
	nem.progress = r.progress
	r.nem = nem
	stopGen := make(chan struct{})
	nemCtx, stopNem := context.WithCancel(ctx)
	var bg sync.WaitGroup
	bg.Add(2)
	go func() {
		defer bg.Done()
		nem.run(nemCtx, schedule)
	}()
	go func() {
		defer bg.Done()
		r.reportProgress(nemCtx)
	}()
	var threads sync.WaitGroup
	for i := 0; i < cfg.Concurrency; i++ {
		threads.Add(1)
		go func() {
			defer threads.Done()
			r.thread(ctx, i, stopGen)
		}()
	}
	select {
	case <-time.After(cfg.TimeLimit):
	case <-ctx.Done():
	}
	interrupted := ctx.Err() != nil
	close(stopGen)
	threads.Wait() // ops in flight complete (or time out)
	stopNem()
	bg.Wait()

	// Final phase: heal everything, then the workload's final reads.
	r.progress(fmt.Sprintf("[%6.1f s] time limit: healing every fault", r.since().Seconds()))
	nem.healAll(context.WithoutCancel(ctx))
	final := r.finalReads(ctx)

	res := &Result{Config: cfg, Nodes: nodes, Started: started, Duration: r.since(), Schedule: schedule, FinalPhase: final, Interrupted: interrupted}
	res.Nemesis, res.Windows = nem.result()
	r.mu.Lock()
	res.Ops = slices.Clone(r.ops)
	r.mu.Unlock()
	sort.SliceStable(res.Ops, func(i, j int) bool { return res.Ops[i].Invoke < res.Ops[j].Invoke })
	return res, nil
}

// awaitReady polls until a leader exists and every node answers PING.
func (r *run) awaitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addrs := map[string]string{}
	for _, id := range r.c.Nodes() {
		addrs[id] = r.c.RESPAddr(id)
	}
	for {
		if FindLeader(ctx, addrs) != "" && r.allAnswer(ctx, addrs) {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%w within %s (see node-logs/)", ErrNotReady, timeout)
		}
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// allAnswer: every node serves a linearizable read (so forwarding and the
// read barrier work, not only the listener).
func (r *run) allAnswer(ctx context.Context, addrs map[string]string) bool {
	for _, addr := range addrs {
		c := newClient(addr, time.Second)
		err := c.Get(ctx, "jepsen-ready").Err()
		c.Close()
		if err != nil && !errors.Is(err, redis.Nil) {
			return false
		}
	}
	return true
}

// thread is one client: it sends its ops to node index mod n, one at a
// time, with gaps uniform in [0, 2 x concurrency / rate], until stop.
func (r *run) thread(ctx context.Context, i int, stop <-chan struct{}) {
	cfg := r.cfg
	nodes := r.c.Nodes()
	node := nodes[i%len(nodes)]
	c := newClient(r.c.RESPAddr(node), cfg.ClientTimeout)
	defer c.Close()
	th := &thread{index: i, count: cfg.Concurrency, rng: rand.New(rand.NewPCG(cfg.Seed, schedule.StreamThread+uint64(i)))}
	process := i
	maxGap := 2 * float64(cfg.Concurrency) / cfg.Rate * float64(time.Second)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(time.Duration(th.rng.Float64() * maxGap))
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		o := r.w.next(th, r.started.Add(1)-1)
		o.Process, o.Thread, o.Node = process, i, node
		o.Bound = r.nem.bound(node)
		o.Invoke = r.since()
		opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ClientTimeout)
		err := r.w.exec(opCtx, c, &o)
		cancel()
		o.End = r.since()
		o.Type, o.Error = Classify(err)
		if o.Type == TypeInfo {
			process += cfg.Concurrency // Jepsen: a crashed process never returns
		}
		r.record(o)
	}
}

// finalProcessBase numbers the final phase's processes (one per node),
// apart from the client threads'.
const finalProcessBase = 1 << 20

// finalReadPause is the gap between final read attempts on a node.
const finalReadPause = 500 * time.Millisecond

// finalReads reads every final key on every node until each answers or
// RecoveryTime runs out.
func (r *run) finalReads(ctx context.Context) string {
	keys := r.w.finalKeys()
	if len(keys) == 0 {
		return "none (the workload has no final reads)"
	}
	deadline := time.Now().Add(r.cfg.RecoveryTime)
	var mu sync.Mutex
	var missing []string
	var wg sync.WaitGroup
	for idx, id := range r.c.Nodes() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient(r.c.RESPAddr(id), r.cfg.ClientTimeout)
			defer c.Close()
			for _, key := range keys {
				for {
					o := Op{Process: finalProcessBase + idx, Node: id, F: "read", Key: key, Final: true, Invoke: r.since()}
					opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.ClientTimeout)
					err := r.w.exec(opCtx, c, &o)
					cancel()
					o.End = r.since()
					o.Type, o.Error = Classify(err)
					r.record(o)
					if o.Type == TypeOk {
						break
					}
					if time.Now().After(deadline) || ctx.Err() != nil {
						mu.Lock()
						missing = append(missing, id+" "+key)
						mu.Unlock()
						break
					}
					time.Sleep(finalReadPause)
				}
			}
		}()
	}
	wg.Wait()
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Sprintf("final reads never answered within %s: %v", r.cfg.RecoveryTime, missing)
	}
	return "every node answered its final reads"
}

func (r *run) reportProgress(ctx context.Context) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.progress(fmt.Sprintf("[%6.1f s] ok %d  fail %d  info %d", r.since().Seconds(), r.ok.Load(), r.fail.Load(), r.info.Load()))
		}
	}
}
