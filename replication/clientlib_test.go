package replication

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/go-redsync/redsync/v4"
	"github.com/go-redsync/redsync/v4/redis/goredis/v9"
	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
)

// TestClientLibrariesAcrossFailover drives real client libraries, through
// their public APIs, against a 3-node cluster's RESP edges (connected to a
// follower, which forwards to the leader), with the leader killed in the
// middle: a Redlock-style mutex (redsync: acquire, extend, release, all Lua
// scripts), a GCRA rate limiter (redis_rate: one Lua script), and go-redis
// Script.Run (EVALSHA falling back to EVAL).
func TestClientLibrariesAcrossFailover(t *testing.T) {
	lns := map[string]net.Listener{}
	for _, id := range []string{"n0", "n1", "n2"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[id] = ln
	}
	c := startClusterWith(t, 3, false, func(cfg *Config) { cfg.ClientAddr = lns[cfg.ID].Addr().String() })
	srvs := map[*Node]*resp.Server{}
	for _, n := range c.nodes {
		srv := resp.New(n, resp.Config{})
		srvs[n] = srv
		ln := lns[n.cfg.ID]
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	leader := c.leader()
	var follower *Node
	for _, n := range c.nodes {
		if n != leader {
			follower = n
			break
		}
	}
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: follower.cfg.ClientAddr, MaxRetries: 20,
		MinRetryBackoff: 50 * time.Millisecond, MaxRetryBackoff: 500 * time.Millisecond})
	defer rdb.Close()
	// Wait until the follower knows the leader's client address.
	retry(t, "first write through the follower", func() error { return rdb.Set(ctx, "hello", "1", 0).Err() })

	rs := redsync.New(goredis.NewPool(rdb))
	mutex := rs.NewMutex("lock:job", redsync.WithExpiry(5*time.Second), redsync.WithTries(50),
		redsync.WithRetryDelay(100*time.Millisecond))
	retry(t, "redsync Lock", func() error { return mutex.LockContext(ctx) })
	other := rs.NewMutex("lock:job", redsync.WithTries(1))
	if err := other.LockContext(ctx); err == nil {
		t.Fatal("a second client acquired a held lock")
	}

	limiter := redis_rate.NewLimiter(rdb)
	limit := redis_rate.PerMinute(5)
	allowed := 0
	for i := 0; i < 3; i++ {
		var res *redis_rate.Result
		retry(t, "redis_rate Allow", func() (err error) { res, err = limiter.Allow(ctx, "rl:user", limit); return err })
		allowed += res.Allowed
	}
	incr := redis.NewScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
	retry(t, "Script.Run", func() error { return incr.Run(ctx, rdb, []string{"sc"}, 5).Err() })

	// Kill the leader (its RESP edge too).
	srvs[leader].Close()
	leader.Close()
	for i, n := range c.nodes {
		if n == leader {
			c.nodes[i] = nil
		}
	}
	c.leader()

	// The lock survived the failover: extend and release it.
	retry(t, "redsync Extend", func() error {
		ok, err := mutex.ExtendContext(ctx)
		if err == nil && !ok {
			return errors.New("extend returned false")
		}
		return err
	})
	retry(t, "redsync Unlock", func() error {
		ok, err := mutex.UnlockContext(ctx)
		if err == nil && !ok {
			return errors.New("unlock returned false")
		}
		return err
	})
	retry(t, "second client locks after release", func() error { return other.LockContext(ctx) })

	// The limiter's state survived: 5 per minute in all.
	for i := 0; i < 4; i++ {
		var res *redis_rate.Result
		retry(t, "redis_rate Allow after failover", func() (err error) { res, err = limiter.Allow(ctx, "rl:user", limit); return err })
		allowed += res.Allowed
	}
	if allowed != 5 {
		t.Fatalf("rate limiter allowed %d of 7 requests, want 5", allowed)
	}
	// The script cache is replicated: EVALSHA works on the new leader.
	var n int64
	retry(t, "Script.Run after failover", func() (err error) { n, err = incr.Run(ctx, rdb, []string{"sc"}, 5).Int64(); return err })
	if n != 10 {
		t.Fatalf("script counter = %d, want 10", n)
	}
	if err := rdb.EvalSha(ctx, incr.Hash(), []string{"sc"}, 0).Err(); err != nil {
		t.Fatalf("EVALSHA after failover: %v", err)
	}
}

// retry runs fn until it succeeds or an error other than the cluster's
// transient refusals (no leader yet, outcome unknown) comes back.
func retry(t *testing.T, what string, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := fn()
		if err == nil {
			return
		}
		s := err.Error()
		transient := strings.HasPrefix(s, "CLUSTERDOWN") || strings.HasPrefix(s, "NOTLEADER") ||
			strings.HasPrefix(s, "UNCERTAIN") || strings.Contains(s, "connection refused") || strings.Contains(s, "EOF")
		if !transient || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
