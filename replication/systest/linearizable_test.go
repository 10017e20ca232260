//go:build unix

package systest

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/maelstrom/checker"
)

// Parameters of the linearizability test (Maelstrom lin-kv's shape: a few
// keys, small integer values so that CAS often succeeds).
const (
	linKeys         = 4
	linValues       = 5
	linWorkers      = 9 // three per node
	linThinkMax     = 8 * time.Millisecond
	linCheckTimeout = 60 * time.Second
)

// history is the operations of a test, appended by concurrent workers.
type history struct {
	start time.Time
	mu    sync.Mutex
	ops   []checker.Op
	// unexpected error replies (not in docs/replication.md).
	unexpected []string
	windows    []checker.Window
}

func (h *history) add(op checker.Op) {
	h.mu.Lock()
	h.ops = append(h.ops, op)
	h.mu.Unlock()
}

func (h *history) since() time.Duration { return time.Since(h.start) }

// TestLinearizableUnderFaults runs register operations (GET, SET, CAS on a
// few keys) from clients on all three nodes while a nemesis kills
// (SIGKILL) and restarts nodes and pauses (SIGSTOP) and resumes them, then
// checks the history with porcupine. On failure the timeline of each
// offending key is written to a file whose path is printed.
func TestLinearizableUnderFaults(t *testing.T) {
	rng := newRand(t)
	dur := 15 * time.Second
	if long() {
		dur = 60 * time.Second
	}
	// Extra serve flags, e.g. "--read-consistency stale" to see the checker
	// catch stale reads.
	extra := strings.Fields(os.Getenv("REDRAFT_SYSTEST_LIN_FLAGS"))
	c := newCluster(t, 3, extra...)
	h := &history{start: time.Now()}
	end := h.start.Add(dur)

	var procs atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < linWorkers; w++ {
		wg.Add(1)
		wrng := rand.New(rand.NewSource(rng.Int63()))
		go func() {
			defer wg.Done()
			linWorker(c, h, w%3, wrng, &procs, end)
		}()
	}
	nrng := rand.New(rand.NewSource(rng.Int63()))
	nemesisDone := make(chan struct{})
	go func() {
		defer close(nemesisDone)
		nemesis(t, c, h, nrng, end.Add(-2*time.Second))
	}()
	wg.Wait()
	<-nemesisDone

	var n [3][3]int // kind x outcome
	for _, op := range h.ops {
		n[op.Kind][op.Outcome]++
	}
	t.Logf("%d operations in %v: reads ok/fail/info %v, writes %v, cas %v; %d faults",
		len(h.ops), dur, n[checker.Read], n[checker.Write], n[checker.CAS], len(h.windows))
	for _, w := range h.windows {
		t.Logf("  fault %v..%v: %s", w.Start.Round(time.Millisecond), w.End.Round(time.Millisecond), w.Description)
	}
	if len(h.unexpected) > 0 {
		t.Errorf("%d unexpected error replies, e.g. %s", len(h.unexpected), h.unexpected[0])
	}
	if n[checker.Read][checker.Ok] == 0 || n[checker.Write][checker.Ok]+n[checker.CAS][checker.Ok] == 0 {
		t.Fatalf("no progress: %v", n)
	}

	started := time.Now()
	res := checker.Check(h.ops, linCheckTimeout)
	t.Logf("checker: %s in %v (%v)", res.Verdict, time.Since(started).Round(time.Millisecond), res.Keys)
	if res.Verdict == checker.Valid {
		return
	}
	dir, err := os.MkdirTemp("", "redraft-linearizability-")
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range res.Keys {
		if v == checker.Valid {
			continue
		}
		path := filepath.Join(dir, k+".html")
		f, err := os.Create(path)
		if err == nil {
			err = res.TimelineWithWindows(k, f, h.windows)
			f.Close()
		}
		t.Errorf("key %s: %s; timeline: %s (%v)", k, v, path, err)
	}
	t.Fatalf("history is %s", res.Verdict)
}

// linWorker is one client bound to node i until end. After an operation
// with an unknown outcome it continues as a new process (Jepsen's rule: the
// old one may still be running).
func linWorker(c *cluster, h *history, i int, rng *rand.Rand, procs *atomic.Int64, end time.Time) {
	cl := c.newClient(i, 1)
	proc := int(procs.Add(1))
	for time.Now().Before(end) {
		key := "r" + strconv.Itoa(rng.Intn(linKeys))
		op := checker.Op{Process: proc, Key: key}
		var err error
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		switch x := rng.Intn(4); {
		case x < 2:
			op.Kind = checker.Read
			op.Call = h.since()
			var v string
			v, err = cl.Get(ctx, key).Result()
			if err == nil {
				op.Value = &v
			}
		case x == 2:
			op.Kind = checker.Write
			v := strconv.Itoa(rng.Intn(linValues))
			op.Value = &v
			op.Call = h.since()
			err = cl.Set(ctx, key, v, 0).Err()
		default:
			op.Kind = checker.CAS
			op.From, op.To = strconv.Itoa(rng.Intn(linValues)), strconv.Itoa(rng.Intn(linValues))
			op.Call = h.since()
			err = cl.Do(ctx, "CAS", key, op.From, op.To).Err()
		}
		op.Return = h.since()
		cancel()
		o, unexp := classify(err)
		if unexp {
			h.mu.Lock()
			h.unexpected = append(h.unexpected, fmt.Sprintf("%s %s via %s: %v", op.Kind, key, c.nodes[i], err))
			h.mu.Unlock()
		}
		op.Outcome = [...]checker.Outcome{ok: checker.Ok, fail: checker.Fail, unknown: checker.Info}[o]
		if op.Kind == checker.Read && errors.Is(err, redis.Nil) {
			op.Value = nil // a missing key reads as null
		}
		h.add(op)
		if op.Outcome == checker.Info {
			proc = int(procs.Add(1))
		}
		if err != nil && o == fail {
			time.Sleep(10 * time.Millisecond) // refused: let the cluster settle
		}
		time.Sleep(time.Duration(rng.Int63n(int64(linThinkMax))))
	}
}

// nemesis injects one fault at a time until end: SIGKILL a node, the leader
// or a majority and restart them later, or SIGSTOP them and SIGCONT them
// later. Every fault is healed before it returns.
func nemesis(t *testing.T, c *cluster, h *history, rng *rand.Rand, end time.Time) {
	pause := func(lo, hi int) time.Duration { return time.Duration(lo+rng.Intn(hi-lo)) * time.Millisecond }
	for {
		time.Sleep(pause(500, 1500))
		if time.Now().After(end) {
			return
		}
		// Victims: a random node, the leader, or two nodes (no quorum left).
		victims := []int{rng.Intn(len(c.nodes))}
		who := "node"
		switch rng.Intn(5) {
		case 0, 1:
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			if l := c.leader(ctx); l >= 0 {
				victims, who = []int{l}, "leader"
			}
			cancel()
		case 2:
			victims = append(victims, (victims[0]+1+rng.Intn(len(c.nodes)-1))%len(c.nodes))
			who = "majority"
		}
		var names []string
		for _, v := range victims {
			names = append(names, c.nodes[v].id)
		}
		w := checker.Window{Tag: "nemesis", Start: h.since()}
		hold := pause(300, 2000)
		if rng.Intn(2) == 0 {
			w.Description = fmt.Sprintf("kill -9 %s %v, restart after %v", who, names, hold)
			w.Color = "#f4cccc"
			for _, v := range victims {
				c.nodes[v].kill()
			}
			time.Sleep(hold)
			for _, v := range victims {
				if err := c.tryRestart(v); err != nil {
					t.Errorf("nemesis: restart %s: %v", c.nodes[v], err)
				}
			}
		} else {
			w.Description = fmt.Sprintf("SIGSTOP %s %v for %v", who, names, hold)
			w.Color = "#cfe2f3"
			for _, v := range victims {
				c.nodes[v].pause()
			}
			time.Sleep(hold)
			for _, v := range victims {
				c.nodes[v].resume()
			}
		}
		w.End = h.since()
		h.mu.Lock()
		h.windows = append(h.windows, w)
		h.mu.Unlock()
	}
}
