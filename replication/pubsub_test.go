package replication

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
)

// TestPubSubClusterOrder: subscribers on all three nodes of a replicated
// cluster receive every message, in one identical order, while publishers
// publish through all three nodes (followers forward to the leader; every
// node delivers at apply, in log order). One subscriber speaks RESP3 (push
// messages), one subscribes to a pattern.
func TestPubSubClusterOrder(t *testing.T) {
	const nodes, perPublisher = 3, 60
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
	})
	addrs := make([]string, nodes)
	for i, n := range c.nodes {
		srv := resp.New(n, resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		done := make(chan struct{})
		go func(ln net.Listener) { srv.Serve(ln); close(done) }(lns[i])
		t.Cleanup(func() { srv.Close(); <-done })
		addrs[i] = lns[i].Addr().String()
	}
	c.leader()
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

	var wg sync.WaitGroup
	errs := make(chan error, nodes)
	for i, addr := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
			defer rdb.Close()
			for j := 0; j < perPublisher; j++ {
				n, err := rdb.Publish(ctx, "ch", fmt.Sprintf("p%d-%d", i, j)).Result()
				if err != nil {
					errs <- fmt.Errorf("publisher %d: %w", i, err)
					return
				}
				// The receivers on the node that executed the entry
				// (the leader): its channel subscriber, and the pattern
				// subscriber when that is node 2.
				if n < 1 || n > 2 {
					errs <- fmt.Errorf("publisher %d: PUBLISH replied %d", i, n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	var first []string
	for _, s := range subs {
		got := make([]string, 0, nodes*perPublisher)
		for len(got) < nodes*perPublisher {
			m, err := s.ps.ReceiveMessage(ctx)
			if err != nil {
				t.Fatalf("%s after %d messages: %v", s.name, len(got), err)
			}
			got = append(got, m.Payload)
		}
		// Each publisher's messages in its own order.
		next := make([]int, nodes)
		for _, p := range got {
			var i, j int
			fmt.Sscanf(p, "p%d-%d", &i, &j)
			if j != next[i] {
				t.Fatalf("%s: %s out of order (want p%d-%d)", s.name, p, i, next[i])
			}
			next[i]++
		}
		if first == nil {
			first = got
			continue
		}
		for k := range got {
			if got[k] != first[k] {
				t.Fatalf("%s: message %d is %s, %s got %s", s.name, k, got[k], subs[0].name, first[k])
			}
		}
	}
}
