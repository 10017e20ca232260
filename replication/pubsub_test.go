package replication

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestPubSubClusterOrder: subscribers on all three nodes of a replicated
// cluster receive every message, in one identical order, while publishers
// publish through all three nodes (followers forward to the leader; every
// node delivers at apply, in log order). One subscriber speaks RESP3 (push
// messages), one subscribes to a pattern.
func TestPubSubClusterOrder(t *testing.T) {
	const nodes, perPublisher = 3, 60
	_, addrs := startRESPCluster(t, nodes) // blocking_test.go
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	type sub struct {
		name string
		ps   *redis.PubSub
	}
	var subs []sub
	for i, addr := range addrs {
		proto := 2
		if i == 1 {
			proto = 3
		}
		rdb := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		defer rdb.Close()
		ps := rdb.Subscribe(ctx, "ch")
		defer ps.Close()
		if _, err := ps.Receive(ctx); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub{fmt.Sprintf("node %d RESP%d", i, proto), ps})
		if i == 2 {
			pps := rdb.PSubscribe(ctx, "c*")
			defer pps.Close()
			if _, err := pps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			subs = append(subs, sub{"node 2 pattern", pps})
		}
	}

	// Publishers retry definite refusals (no leader, leadership moved:
	// nothing was executed). A message whose outcome is unknown
	// (UNCERTAIN: leadership lost after it was proposed) is either in the
	// log, and then every node delivers it, or nowhere: it may be missing,
	// but never on some nodes only.
	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	var uncertainMu sync.Mutex
	uncertain := map[string]bool{}
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			defer rdb.Close()
			for j := 0; j < perPublisher; j++ {
				msg := fmt.Sprintf("p%d-%d", i, j)
				if err := publishOnce(ctx, rdb, msg); err != nil {
					if !strings.HasPrefix(err.Error(), "UNCERTAIN") {
						errs <- fmt.Errorf("publisher %d: %w", i, err)
						return
					}
					uncertainMu.Lock()
					uncertain[msg] = true
					uncertainMu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The end marker: published until certain (a duplicate is harmless,
	// subscribers stop at the first).
	end := redis.NewClient(&redis.Options{Addr: addrs[0], MaxRetries: -1})
	defer end.Close()
	for publishOnce(ctx, end, "end") != nil {
		if ctx.Err() != nil {
			t.Fatal("could not publish the end marker")
		}
	}

	var first []string
	for _, s := range subs {
		var got []string
		for {
			m, err := s.ps.ReceiveMessage(ctx)
			if err != nil {
				t.Fatalf("%s after %d messages: %v", s.name, len(got), err)
			}
			if m.Payload == "end" {
				break
			}
			got = append(got, m.Payload)
		}
		// Each publisher's messages in its own order, none missing but
		// uncertain ones.
		next := make([]int, nodes)
		for _, p := range got {
			var i, j int
			fmt.Sscanf(p, "p%d-%d", &i, &j)
			for ; next[i] < j; next[i]++ {
				if !uncertain[fmt.Sprintf("p%d-%d", i, next[i])] {
					t.Fatalf("%s: p%d-%d missing (got %s next)", s.name, i, next[i], p)
				}
			}
			if j != next[i] {
				t.Fatalf("%s: %s out of order or repeated", s.name, p)
			}
			next[i]++
		}
		if first == nil {
			first = got
			continue
		}
		if len(got) != len(first) {
			t.Fatalf("%s got %d messages, %s %d", s.name, len(got), subs[0].name, len(first))
		}
		for k := range got {
			if got[k] != first[k] {
				t.Fatalf("%s: message %d is %s, %s got %s", s.name, k, got[k], subs[0].name, first[k])
			}
		}
	}
	if len(first) < nodes*perPublisher-len(uncertain) {
		t.Fatalf("%d messages delivered, want at least %d", len(first), nodes*perPublisher-len(uncertain))
	}
	t.Logf("%d messages in one order on %d subscribers; %d uncertain outcomes", len(first), len(subs), len(uncertain))
}

// publishOnce publishes msg, retrying definite refusals (nothing executed)
// until ctx ends; it returns nil, an error starting with UNCERTAIN when the
// outcome is unknown, or a wrong reply.
func publishOnce(ctx context.Context, rdb *redis.Client, msg string) error {
	for {
		n, err := rdb.Publish(ctx, "ch", msg).Result()
		if err == nil {
			// The receivers on the node that executed the entry (the
			// leader): its channel subscriber, plus the pattern
			// subscriber when that is node 2.
			if n < 1 || n > 2 {
				return fmt.Errorf("PUBLISH %s replied %d", msg, n)
			}
			return nil
		}
		if !strings.HasPrefix(err.Error(), "NOTLEADER") && !strings.HasPrefix(err.Error(), "CLUSTERDOWN") || ctx.Err() != nil {
			// UNCERTAIN, or a client-side timeout: the outcome is unknown.
			return fmt.Errorf("UNCERTAIN (%w)", err)
		}
		time.Sleep(20 * time.Millisecond) // not executed: try again
	}
}

// TestPublishCountsLocalReceivers: PUBLISH answers the receivers on the
// node the client is connected to, as Redis Cluster does, whichever node
// leads: two subscriptions on a follower (a channel and a matching
// pattern) and one on the leader give 2 through the follower and 1
// through the leader; SPUBLISH counts shard subscribers only; inside
// MULTI the count is the applying leader's.
func TestPublishCountsLocalReceivers(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l := c.leader()
	li, fi := -1, -1
	for i, n := range c.nodes {
		if n == l {
			li = i
		} else if fi < 0 {
			fi = i
		}
	}
	follower := redis.NewClient(&redis.Options{Addr: addrs[fi], MaxRetries: -1})
	defer follower.Close()
	leader := redis.NewClient(&redis.Options{Addr: addrs[li], MaxRetries: -1})
	defer leader.Close()
	for _, s := range []*redis.PubSub{follower.Subscribe(ctx, "news"), follower.PSubscribe(ctx, "n*"), leader.Subscribe(ctx, "news"), follower.SSubscribe(ctx, "shard")} {
		defer s.Close()
		if _, err := s.Receive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	publish := func(rdb *redis.Client, cmd, ch string) int64 {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			n, err := rdb.Do(ctx, cmd, ch, "hello").Int64()
			if err == nil {
				return n
			}
			if !definite(err) || time.Now().After(deadline) {
				t.Fatalf("%s %s: %v", cmd, ch, err)
			}
		}
	}
	for _, tc := range []struct {
		rdb     *redis.Client
		where   string
		cmd, ch string
		want    int64
	}{
		{follower, "follower", "PUBLISH", "news", 2},
		{leader, "leader", "PUBLISH", "news", 1},
		{follower, "follower", "PUBLISH", "nothing", 1},
		{leader, "leader", "PUBLISH", "nothing", 0},
		{follower, "follower", "SPUBLISH", "shard", 1},
		{leader, "leader", "SPUBLISH", "shard", 0},
	} {
		if got := publish(tc.rdb, tc.cmd, tc.ch); got != tc.want {
			t.Errorf("%s %s through the %s: %d receivers, want %d", tc.cmd, tc.ch, tc.where, got, tc.want)
		}
	}
	cmds, err := follower.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Publish(ctx, "news", "in multi")
		return nil
	})
	if err == nil {
		if got := cmds[0].(*redis.IntCmd).Val(); got != 1 {
			t.Errorf("PUBLISH inside MULTI through the follower: %d receivers, want the leader's 1", got)
		}
	} else if !definite(err) {
		t.Fatal(err)
	}
}
