//go:build unix

package systest

// Clients of the cluster's nodes, the classification of their replies, and
// queries of the cluster's state (RAFT INFO, leader, catch-up).

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// clientOptions: no retries (a retried write would blur its outcome), short
// dials, replies bounded at 4 s (a slower reply, like -UNCERTAIN, leaves
// the outcome unknown; a leader commits within its commit wait, 10 s, and
// gives up sooner only when it loses leadership).
func clientOptions(addr string, pool int) *redis.Options {
	return &redis.Options{
		Addr:                     addr,
		Protocol:                 3,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		MaxRetries:               -1,
		DialTimeout:              time.Second,
		DialerRetries:            1, // a refused dial is an answer, not something to wait out
		ReadTimeout:              4 * time.Second,
		WriteTimeout:             time.Second,
		PoolSize:                 pool,
		PoolTimeout:              5 * time.Second,
	}
}

// client returns a shared client of node i.
func (c *cluster) client(i int) *redis.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	addr := c.nodes[i].resp
	cl, ok := c.clients[addr]
	if !ok {
		cl = redis.NewClient(clientOptions(addr, 64))
		c.clients[addr] = cl
	}
	return cl
}

// newClient returns a client of its own (closed when the test ends).
func (c *cluster) newClient(i, pool int) *redis.Client {
	cl := redis.NewClient(clientOptions(c.nodes[i].resp, pool))
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// info returns node i's RAFT INFO fields.
func (c *cluster) info(ctx context.Context, i int) (map[string]string, error) {
	s, err := c.client(i).Do(ctx, "RAFT", "INFO").Text()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

func (c *cluster) infoUint(ctx context.Context, i int, field string) (uint64, error) {
	m, err := c.info(ctx, i)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(m[field], 10, 64)
}

func (c *cluster) index(id string) int {
	for i, nd := range c.nodes {
		if nd.id == id {
			return i
		}
	}
	return -1
}

// leader returns the index of the node that reports itself leader and that
// a majority of the running nodes (itself included) name as leader; -1 if
// there is none right now.
func (c *cluster) leader(ctx context.Context) int {
	votes := map[string]int{}
	up := 0
	var self []string
	for i, nd := range c.nodes {
		if !nd.up() {
			continue
		}
		up++
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		m, err := c.info(ctx, i)
		cancel()
		if err != nil {
			continue
		}
		if m["leader_id"] != "" {
			votes[m["leader_id"]]++
		}
		if m["role"] == "leader" {
			self = append(self, nd.id)
		}
	}
	for _, id := range self {
		if votes[id] > up/2 {
			return c.index(id)
		}
	}
	return -1
}

// waitLeader waits for a leader (see leader).
func (c *cluster) waitLeader() int {
	c.t.Helper()
	return c.waitLeaderExcept(-1)
}

// waitLeaderExcept waits for a leader other than node not.
func (c *cluster) waitLeaderExcept(not int) int {
	c.t.Helper()
	deadline := time.Now().Add(leaderWait)
	for time.Now().Before(deadline) {
		if l := c.leader(context.Background()); l >= 0 && l != not {
			return l
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("no leader (other than %d) within %s", not, leaderWait)
	return -1
}

// Outcomes of a client call, in Jepsen's terms.
type outcome int

const (
	ok      outcome = iota // took effect (or a read observed its value)
	fail                   // certainly did not take effect
	unknown                // may or may not have taken effect
)

func (o outcome) String() string { return [...]string{"ok", "fail", "unknown"}[o] }

// Definite refusals: the node did not execute the command.
var definitePrefixes = []string{"CLUSTERDOWN", "NOTLEADER", "SHUTDOWN", "MOVED", "NOKEY", "CASFAIL"}

// classify maps a go-redis error to an outcome. redis.Nil is ok (a read of
// a missing key). Error replies other than the documented ones are
// unexpected and returned as such.
func classify(err error) (o outcome, unexpected bool) {
	if err == nil || errors.Is(err, redis.Nil) {
		return ok, false
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		for _, p := range definitePrefixes {
			if strings.HasPrefix(msg, p+" ") || msg == p {
				return fail, false
			}
		}
		if strings.HasPrefix(msg, "UNCERTAIN") {
			return unknown, false
		}
		return unknown, true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return fail, false // nothing was sent
	}
	return unknown, false // timeout, connection lost after sending, ...
}

// isRefusal reports whether err is a definite refusal worth retrying
// (no leader, not leader, shutting down, connection refused).
func isRefusal(err error) bool {
	if err == nil {
		return false
	}
	o, _ := classify(err)
	if o != fail {
		return false
	}
	var re redis.Error
	if errors.As(err, &re) {
		m := re.Error()
		return strings.HasPrefix(m, "CLUSTERDOWN") || strings.HasPrefix(m, "NOTLEADER") || strings.HasPrefix(m, "SHUTDOWN")
	}
	return true
}

// retry runs fn until it returns something other than a definite refusal,
// or opWait passed.
func retry(fn func() error) error {
	deadline := time.Now().Add(opWait)
	for {
		err := fn()
		if !isRefusal(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// retryIdem runs an idempotent command until it succeeds, retrying
// definite refusals and uncertain outcomes (running it again is harmless,
// even if an uncertain attempt takes effect later) until opWait passed or
// an unexpected error.
func retryIdem(fn func() error) error {
	deadline := time.Now().Add(opWait)
	for {
		err := fn()
		if err == nil {
			return nil
		}
		if _, unexp := classify(err); unexp || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// setIdem sets key to val through node i with retryIdem.
func (c *cluster) setIdem(i int, key, val string) error {
	return retryIdem(func() error { return c.client(i).Set(context.Background(), key, val, 0).Err() })
}

// mustSet is setIdem that fails the test.
func (c *cluster) mustSet(i int, key, val string) {
	c.t.Helper()
	if err := c.setIdem(i, key, val); err != nil {
		c.t.Fatalf("SET %s via %s: %v", key, c.nodes[i], err)
	}
}

// get reads key through node i, retrying definite refusals; ok=false for nil.
func (c *cluster) get(i int, key string) (string, bool, error) {
	var v string
	err := retry(func() error {
		var err error
		v, err = c.client(i).Get(context.Background(), key).Result()
		return err
	})
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return v, err == nil, err
}

// mget reads keys through node i (nil entries for missing keys).
func (c *cluster) mget(i int, keys []string) ([]interface{}, error) {
	var vs []interface{}
	err := retry(func() error {
		var err error
		vs, err = c.client(i).MGet(context.Background(), keys...).Result()
		return err
	})
	return vs, err
}

// waitCaughtUp waits until node i applied at least index.
func (c *cluster) waitCaughtUp(i int, index uint64) time.Duration {
	c.t.Helper()
	start := time.Now()
	deadline := start.Add(catchUpWait)
	var last uint64
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		v, err := c.infoUint(ctx, i, "applied_index")
		cancel()
		if err == nil {
			if v >= index {
				return time.Since(start)
			}
			last = v
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatalf("%s applied %d, not %d, after %s", c.nodes[i], last, index, catchUpWait)
	return 0
}

// catchUpTarget returns what a node that caught up with the leader has
// applied: the leader's applied_index, the last command its state machine
// applied. Not its commit index: no-op entries of later elections (a
// loaded machine changes leaders after the last write) never reach a
// state machine, so a follower's applied_index stays below a commit index
// that ends in them until the next command (found by TestLeaderFailover in
// .ci/run: "n1 applied 15, not 17").
func (c *cluster) catchUpTarget(leader int) uint64 {
	c.t.Helper()
	v, err := c.infoUint(context.Background(), leader, "applied_index")
	if err != nil {
		c.t.Fatalf("RAFT INFO on %s: %v", c.nodes[leader], err)
	}
	return v
}

// checkKeys checks that node i holds exactly want (key -> value) for the
// listed keys, reading in batches.
func (c *cluster) checkKeys(i int, want map[string]string) (missing, wrong int) {
	c.t.Helper()
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		vs, err := c.mget(i, keys[:n])
		if err != nil {
			c.t.Fatalf("MGET via %s: %v", c.nodes[i], err)
		}
		for j, v := range vs {
			s, isStr := v.(string)
			switch {
			case v == nil:
				missing++
			case !isStr || s != want[keys[j]]:
				wrong++
				if wrong <= 5 {
					c.t.Errorf("%s: %s = %v, want %q", c.nodes[i], keys[j], v, want[keys[j]])
				}
			}
		}
		keys = keys[n:]
	}
	return missing, wrong
}
