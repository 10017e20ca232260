//go:build unix

package systest

import (
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// writeLog records the outcome of every write of a load, by key (SET) and
// by list element (RPUSH); values are unique, so presence after a crash
// tells whether a write took effect.
type writeLog struct {
	mu         sync.Mutex
	sets       map[string]writeRec // key -> value and outcome
	pushes     map[string]outcome  // element -> outcome
	unexpected []string
}

type writeRec struct {
	val string
	out outcome
}

func newWriteLog() *writeLog {
	return &writeLog{sets: map[string]writeRec{}, pushes: map[string]outcome{}}
}

func (l *writeLog) count(o outcome) (sets, pushes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.sets {
		if r.out == o {
			sets++
		}
	}
	for _, p := range l.pushes {
		if p == o {
			pushes++
		}
	}
	return
}

// crashLists is how many lists the load pushes to.
const crashLists = 4

// runWriteLoad runs clients that alternate SET of a unique key and RPUSH of
// a unique element (no retries: each write has one outcome) until stop is
// closed. pick chooses the node of client w's i-th write; nil: node w % 3.
func runWriteLoad(c *cluster, clients int, round string, rng *rand.Rand, wl *writeLog, pick func(w, i int) int, stop <-chan struct{}) *sync.WaitGroup {
	if pick == nil {
		pick = func(w, i int) int { return w % 3 }
	}
	var wg sync.WaitGroup
	for w := 0; w < clients; w++ {
		wg.Add(1)
		salt := rng.Int63()
		go func() {
			defer wg.Done()
			cls := map[int]*redis.Client{}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				n := pick(w, i)
				cl := cls[n]
				if cl == nil {
					cl = c.newClient(n, 1)
					cls[n] = cl
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				var err error
				if i%2 == 0 {
					k, v := fmt.Sprintf("%s-k%d-%d", round, w, i), fmt.Sprintf("v%d-%d-%x", w, i, salt)
					err = cl.Set(ctx, k, v, 0).Err()
					o, unexp := classify(err)
					wl.mu.Lock()
					wl.sets[k] = writeRec{v, o}
					if unexp {
						wl.unexpected = append(wl.unexpected, fmt.Sprintf("SET %s via %s: %v", k, c.nodes[n], err))
					}
					wl.mu.Unlock()
				} else {
					e := fmt.Sprintf("%s-e%d-%d", round, w, i)
					err = cl.RPush(ctx, fmt.Sprintf("list%d", w%crashLists), e).Err()
					o, unexp := classify(err)
					wl.mu.Lock()
					wl.pushes[e] = o
					if unexp {
						wl.unexpected = append(wl.unexpected, fmt.Sprintf("RPUSH %s via %s: %v", e, c.nodes[n], err))
					}
					wl.mu.Unlock()
				}
				cancel()
				if err != nil {
					time.Sleep(10 * time.Millisecond) // a refusal or a dead node: do not spin
				}
			}
		}()
	}
	return &wg
}

// TestKillAllUnderLoad: kill -9 all three nodes in the middle of a write
// load from 16 clients, restart them, and check that every acknowledged
// write is present, that no definitely refused write is, and that no list
// element appears twice. Two rounds: the second crashes a cluster that
// recovered from the first, just after every node took a snapshot. It runs
// on each log store (--log-store).
func TestKillAllUnderLoad(t *testing.T) {
	for _, store := range logStores {
		t.Run(store, func(t *testing.T) { killAllUnderLoad(t, store, nil) })
	}
}

// logStores are the kinds of --log-store.
var logStores = []string{"bolt", "wal"}

// killAllUnderLoad is TestKillAllUnderLoad on store; afterKill, when set,
// runs on every node's data directory while the cluster is down (the torn
// tail test damages the logs there).
func killAllUnderLoad(t *testing.T, store string, afterKill func(t *testing.T, rng *rand.Rand, n *node)) {
	rng := newRand(t)
	c := newCluster(t, 3, "--trailing-logs", "64", "--log-store", store)
	const clients = 16
	wl := newWriteLog()
	for round := 1; round <= 2; round++ {
		stop := make(chan struct{})
		name := fmt.Sprintf("r%d", round)
		wg := runWriteLoad(c, clients, name, rng, wl, nil, stop)
		// Let the load build up, then crash every node at once. In the
		// second round every node first snapshots and compacts its log
		// (--trailing-logs), so the restarts restore a snapshot and replay
		// the log after it.
		time.Sleep(time.Duration(700+rng.Intn(800)) * time.Millisecond)
		if round == 2 {
			for i := range c.nodes {
				if err := c.client(i).Do(context.Background(), "RAFT", "SNAPSHOT").Err(); err != nil {
					t.Errorf("RAFT SNAPSHOT on %s: %v", c.nodes[i], err)
				}
			}
			time.Sleep(time.Duration(100+rng.Intn(300)) * time.Millisecond)
		}
		for _, nd := range c.nodes {
			nd.signal(syscall.SIGKILL)
		}
		for _, nd := range c.nodes {
			nd.wait()
		}
		time.Sleep(100 * time.Millisecond) // clients see refused connections
		close(stop)
		wg.Wait()
		if afterKill != nil {
			for _, nd := range c.nodes {
				afterKill(t, rng, nd)
			}
		}
		for i := range c.nodes {
			c.restart(i)
		}
		l := c.waitLeader()
		if round == 2 {
			var snaps []string
			for i := range c.nodes {
				m, err := c.info(context.Background(), i)
				if err != nil {
					t.Fatalf("RAFT INFO on %s: %v", c.nodes[i], err)
				}
				if m["last_snapshot_index"] == "0" {
					t.Errorf("%s restarted without a snapshot", c.nodes[i])
				}
				snaps = append(snaps, c.nodes[i].id+"@"+m["last_snapshot_index"])
				// The snapshot came from the segment/manifest store.
				manifests, _ := filepath.Glob(filepath.Join(c.nodes[i].dir, "objects", c.nodes[i].id+".manifest-*"))
				if len(manifests) == 0 {
					t.Errorf("%s: no snapshot manifest under %s/objects", c.nodes[i], c.nodes[i].dir)
				}
			}
			t.Logf("restarted from snapshots %v", snaps)
		}
		checkWrites(t, c, l, wl, "after crash "+name)
		// Every node appends again after its recovery: a new write reaches
		// all three.
		c.mustSet(l, "after-"+name, "x")
		target := c.catchUpTarget(l)
		for i := range c.nodes {
			c.waitCaughtUp(i, target)
		}
	}
	wl.mu.Lock()
	defer wl.mu.Unlock()
	if len(wl.unexpected) > 0 {
		t.Errorf("%d unexpected error replies, e.g. %s", len(wl.unexpected), wl.unexpected[0])
	}
}

// checkWrites reads every key and list of the load through node i and
// checks the outcomes recorded in wl.
func checkWrites(t *testing.T, c *cluster, i int, wl *writeLog, round string) {
	t.Helper()
	wl.mu.Lock()
	defer wl.mu.Unlock()
	var keys []string
	for k := range wl.sets {
		keys = append(keys, k)
	}
	present := map[string]bool{}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		vs, err := c.mget(i, keys[:n])
		if err != nil {
			t.Fatalf("MGET via %s: %v", c.nodes[i], err)
		}
		for j, v := range vs {
			k := keys[j]
			if v == nil {
				continue
			}
			present[k] = true
			if s, _ := v.(string); s != wl.sets[k].val {
				t.Errorf("%s = %v, want %q", k, v, wl.sets[k].val)
			}
		}
		keys = keys[n:]
	}
	elems := map[string]int{}
	for li := 0; li < crashLists; li++ {
		var vs []string
		err := retry(func() error {
			var err error
			vs, err = c.client(i).LRange(context.Background(), fmt.Sprintf("list%d", li), 0, -1).Result()
			return err
		})
		if err != nil {
			t.Fatalf("LRANGE via %s: %v", c.nodes[i], err)
		}
		for _, e := range vs {
			elems[e]++
		}
	}
	var st [3]struct{ n, present int }
	for k, r := range wl.sets {
		st[r.out].n++
		if present[k] {
			st[r.out].present++
		}
	}
	var pt [3]struct{ n, present int }
	for e, o := range wl.pushes {
		pt[o].n++
		if elems[e] > 0 {
			pt[o].present++
		}
		if elems[e] > 1 {
			t.Errorf("list element %s appears %d times", e, elems[e])
		}
		delete(elems, e)
	}
	for e := range elems {
		t.Errorf("list element %s was never pushed", e)
	}
	t.Logf("%s: SET acknowledged %d, present %d; uncertain %d, present %d; refused %d, present %d",
		round, st[ok].n, st[ok].present, st[unknown].n, st[unknown].present, st[fail].n, st[fail].present)
	t.Logf("%s: RPUSH acknowledged %d, present %d; uncertain %d, present %d; refused %d, present %d",
		round, pt[ok].n, pt[ok].present, pt[unknown].n, pt[unknown].present, pt[fail].n, pt[fail].present)
	if st[ok].present != st[ok].n || pt[ok].present != pt[ok].n {
		t.Errorf("acknowledged writes lost: SET %d of %d present, RPUSH %d of %d", st[ok].present, st[ok].n, pt[ok].present, pt[ok].n)
	}
	if st[fail].present != 0 || pt[fail].present != 0 {
		t.Errorf("definitely refused writes present: SET %d, RPUSH %d", st[fail].present, pt[fail].present)
	}
	if st[ok].n == 0 || pt[ok].n == 0 {
		t.Errorf("the load made no progress before the crash")
	}
}
