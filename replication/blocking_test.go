package replication

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/kv/resp"
)

// startRESPCluster starts n nodes, each with a RESP edge, and returns the
// cluster and the edges' addresses.
func startRESPCluster(t *testing.T, nodes int) (*cluster, []string) {
	return startRESPClusterWith(t, nodes, nil, resp.Config{})
}

// startRESPClusterWith is startRESPCluster with hook applied to each node's
// Config (after its client address is set) and edges configured by rc.
func startRESPClusterWith(t *testing.T, nodes int, hook func(i int, cfg *Config), rc resp.Config) (*cluster, []string) {
	lns := make([]net.Listener, nodes)
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	c := startClusterWith(t, nodes, false, func(cfg *Config) {
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.ClientAddr = lns[i].Addr().String()
		if hook != nil {
			hook(i, cfg)
		}
	})
	rc.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	addrs := make([]string, nodes)
	for i, n := range c.nodes {
		srv := resp.New(n, rc)
		done := make(chan struct{})
		go func(ln net.Listener) { srv.Serve(ln); close(done) }(lns[i])
		t.Cleanup(func() { srv.Close(); <-done })
		addrs[i] = lns[i].Addr().String()
	}
	c.leader()
	return c, addrs
}

// definite reports whether err is a refusal after which nothing ran.
func definite(err error) bool {
	s := err.Error()
	return strings.HasPrefix(s, "CLUSTERDOWN") || strings.HasPrefix(s, "NOTLEADER") || strings.HasPrefix(s, "SHUTDOWN")
}

// Consumers blocked on every node, producers pushing through two of them,
// leadership moved in the middle: every element pushed is delivered
// exactly once (an element whose push had an unknown outcome at most once),
// and a consumer sees each producer's elements in push order (FIFO).
//
// With crash, the leader is stopped instead, and clients use the two
// other nodes: consumers blocked on a follower keep waiting through the
// election and are served by the new leader.
func TestBlockingClusterExactlyOnce(t *testing.T) {
	t.Run("transfer", func(t *testing.T) { testBlockingExactlyOnce(t, false) })
	t.Run("crash", func(t *testing.T) { testBlockingExactlyOnce(t, true) })
}

func testBlockingExactlyOnce(t *testing.T, crash bool) {
	const nodes, perProducer, producers, consumersPerNode = 3, 80, 2, 2
	c, all := startRESPCluster(t, nodes)
	addrs := all
	li := -1
	if crash {
		l := c.leader()
		addrs = nil
		for i, n := range c.nodes {
			if n == l {
				li = i
			} else {
				addrs = append(addrs, all[i])
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	var mu sync.Mutex
	got := map[string]int{}       // element -> deliveries
	seqs := map[string][]string{} // consumer -> elements in order
	var stop atomic.Bool
	var lostReplies atomic.Int64 // consumers' UNCERTAIN replies
	var cwg sync.WaitGroup
	errs := make(chan error, nodes*consumersPerNode+producers)
	for i := 0; i < nodes*consumersPerNode; i++ {
		cwg.Add(1)
		go func(i int) {
			defer cwg.Done()
			name := fmt.Sprint("c", i)
			rdb := redis.NewClient(&redis.Options{Addr: addrs[i%len(addrs)], MaxRetries: -1, ReadTimeout: 20 * time.Second})
			defer rdb.Close()
			for !stop.Load() && ctx.Err() == nil {
				v, err := rdb.Do(ctx, "BLPOP", "q0", "q1", "0.5").StringSlice()
				if err == redis.Nil {
					continue
				}
				if err != nil {
					if strings.HasPrefix(err.Error(), "UNCERTAIN") {
						// Its waiter may have popped an element it never
						// gets (docs/replication.md, Blocked clients).
						lostReplies.Add(1)
					}
					if definite(err) || strings.HasPrefix(err.Error(), "UNCERTAIN") {
						time.Sleep(20 * time.Millisecond)
						continue
					}
					errs <- fmt.Errorf("%s: %w", name, err)
					return
				}
				mu.Lock()
				got[v[1]]++
				seqs[name] = append(seqs[name], v[1])
				mu.Unlock()
			}
		}(i)
	}

	uncertain := map[string]bool{}
	var umu sync.Mutex
	var pushed atomic.Int64
	var pwg sync.WaitGroup
	for p := 0; p < producers; p++ {
		pwg.Add(1)
		go func(p int) {
			defer pwg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addrs[(1+p)%len(addrs)], MaxRetries: -1})
			defer rdb.Close()
			for j := 0; j < perProducer; j++ {
				el := fmt.Sprintf("p%d-%03d", p, j)
				for {
					err := rdb.RPush(ctx, fmt.Sprint("q", p), el).Err()
					if err == nil {
						break
					}
					if strings.HasPrefix(err.Error(), "UNCERTAIN") {
						umu.Lock()
						uncertain[el] = true
						umu.Unlock()
						break
					}
					if !definite(err) || ctx.Err() != nil {
						errs <- fmt.Errorf("producer %d: %w", p, err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
				pushed.Add(1)
				time.Sleep(2 * time.Millisecond)
			}
		}(p)
	}

	// Move leadership once about half the elements are pushed.
	waitFor(t, "half pushed", func() bool { return pushed.Load() >= perProducer*producers/2 })
	if crash {
		c.mu.Lock()
		c.nodes[li].Close()
		c.nodes[li] = nil
		c.mu.Unlock()
	}
	if !crash {
		l := c.leader()
		var target string
		for _, n := range c.nodes {
			if n != l {
				target = n.cfg.ID
				break
			}
		}
		if err := l.TransferLeadership(target); err != nil {
			t.Logf("transfer: %v", err)
		}
	}
	pwg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}

	// Every certain element delivered; then stop the consumers.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		missing := 0
		for p := 0; p < producers; p++ {
			for j := 0; j < perProducer; j++ {
				el := fmt.Sprintf("p%d-%03d", p, j)
				if got[el] == 0 && !uncertain[el] {
					missing++
				}
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			if int64(missing) > lostReplies.Load() {
				t.Fatalf("%d elements never delivered, %d consumer replies with an unknown outcome", missing, lostReplies.Load())
			}
			t.Logf("%d elements never delivered, at most the %d consumer replies with an unknown outcome (the documented loss)", missing, lostReplies.Load())
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop.Store(true)
	cwg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for el, n := range got {
		if n != 1 {
			t.Errorf("%s delivered %d times", el, n)
		}
	}
	for name, seq := range seqs {
		last := map[byte]string{}
		for _, el := range seq {
			if prev := last[el[1]]; prev != "" && el <= prev {
				t.Errorf("%s got %s after %s", name, el, prev)
			}
			last[el[1]] = el
		}
	}
	for _, k := range []string{"q0", "q1"} {
		if n := c.doLeader("LLEN", k); n != ":0\r\n" {
			t.Errorf("%s left with %q", k, n)
		}
	}
	t.Logf("%d elements delivered once to %d consumers; %d pushes and %d pops with unknown outcome", len(got), len(seqs), len(uncertain), lostReplies.Load())
}

// Waiters are state: with clients blocked through every node, every
// replica's snapshot is byte-identical; a push serves them in the order
// they blocked, each reply going to the node holding the client.
func TestBlockingClusterSnapshotsAndFIFO(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type res struct {
		who int
		v   []string
		err error
	}
	out := make(chan res, 3)
	waiters := func() int {
		n := 0
		c.leader().fsm.Read(func(m *kv.Machine) { n = m.Waiters() })
		return n
	}
	for i := 0; i < 3; i++ {
		rdb := redis.NewClient(&redis.Options{Addr: addrs[i], MaxRetries: -1})
		defer rdb.Close()
		go func(i int) {
			v, err := rdb.BLPop(ctx, 0, "w").Result()
			out <- res{i, v, err}
		}(i)
		waitFor(t, "waiter registered", func() bool { return waiters() == i+1 })
	}
	// Same applied index everywhere, then compare snapshots.
	waitFor(t, "identical snapshots", func() bool {
		var snaps [][]byte
		for _, n := range c.nodes {
			var b bytes.Buffer
			var before, after uint64
			n.fsm.Read(func(m *kv.Machine) {
				before = n.fsm.AppliedIndex()
				if err := m.Snapshot(&b); err != nil {
					t.Fatal(err)
				}
				after = n.fsm.AppliedIndex()
			})
			if before != after || before != c.nodes[0].fsm.AppliedIndex() {
				return false
			}
			snaps = append(snaps, b.Bytes())
		}
		return bytes.Equal(snaps[0], snaps[1]) && bytes.Equal(snaps[0], snaps[2])
	})
	if got := c.doLeader("RPUSH", "w", "a", "b", "c"); got != ":3\r\n" {
		t.Fatalf("RPUSH: %q", got)
	}
	served := map[int]string{}
	for i := 0; i < 3; i++ {
		r := <-out
		if r.err != nil {
			t.Fatal(r.err)
		}
		served[r.who] = r.v[1]
	}
	if served[0] != "a" || served[1] != "b" || served[2] != "c" {
		t.Fatalf("served %v, want 0:a 1:b 2:c", served)
	}
}

// A timeout is proposed by the leader; a client blocked on a follower gets
// it. CLIENT UNBLOCK works on a follower's client.
func TestBlockingClusterTimeoutOnFollower(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	ctx := context.Background()
	l := c.leader()
	fi := 0
	for i, n := range c.nodes {
		if n != l {
			fi = i
			break
		}
	}
	rdb := redis.NewClient(&redis.Options{Addr: addrs[fi], MaxRetries: -1})
	defer rdb.Close()
	// The follower may not know the new leader's address yet: a definite
	// refusal is retried, as a client would.
	var start time.Time
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		start = time.Now()
		_, err := rdb.Do(ctx, "BRPOP", "none", "0.2").Result()
		if err == redis.Nil {
			break
		}
		if err == nil || !definite(err) || time.Now().After(deadline) {
			t.Fatalf("BRPOP: %v", err)
		}
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Fatalf("timed out after %v", d)
	}
	conn := rdb.Conn()
	defer conn.Close()
	id, err := conn.ClientID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- conn.BZPopMin(ctx, 0, "z").Err() }()
	waitFor(t, "blocked", func() bool {
		s, _ := rdb.Info(ctx, "clients").Result()
		return strings.Contains(s, "blocked_clients:1\r")
	})
	if n, err := rdb.Do(ctx, "CLIENT", "UNBLOCK", id, "ERROR").Int(); n != 1 || err != nil {
		t.Fatalf("CLIENT UNBLOCK: %d %v", n, err)
	}
	if err := <-done; err == nil || !strings.HasPrefix(err.Error(), "UNBLOCKED") {
		t.Fatalf("unblocked: %v", err)
	}
}

// Waiters left by an earlier run of a node (another incarnation) are
// removed through the log by the node itself: they would take elements
// for connections that no longer exist.
func TestBlockingStaleIncarnationCleaned(t *testing.T) {
	c, _ := startRESPCluster(t, 3) // client addresses: a follower forwards its cleanup
	l := c.leader()
	var f *Node
	for _, n := range c.nodes {
		if n != l {
			f = n
			break
		}
	}
	if got := c.doLeader("redraft.block", f.cfg.ID, "1", "7", "BLPOP", "k", "0"); got != kv.BlockedReply {
		t.Fatalf("register: %q", got)
	}
	// A waiter of the leader's current incarnation stays; one of a node
	// that is not a member goes too.
	lreg := l.Blocking()
	if got := c.doLeader("redraft.block", lreg.Node(), fmt.Sprint(lreg.Incarnation()), "8", "BLPOP", "k", "0"); got != kv.BlockedReply {
		t.Fatalf("register: %q", got)
	}
	if got := c.doLeader("redraft.block", "gone", "1", "9", "BLPOP", "k", "0"); got != kv.BlockedReply {
		t.Fatalf("register: %q", got)
	}
	waitFor(t, "stale waiters removed", func() bool {
		n := 0
		c.leader().fsm.Read(func(m *kv.Machine) { n = m.Waiters() })
		return n == 1
	})
	// The current waiter stays and is served.
	if got := c.doLeader("RPUSH", "k", "x"); got != ":1\r\n" {
		t.Fatalf("RPUSH: %q", got)
	}
	if got := c.doLeader("LLEN", "k"); got != ":0\r\n" {
		t.Fatalf("LLEN: %q", got)
	}
}
