package systest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// xaddIdem appends id to stream s through node i, retrying refusals and
// unknown outcomes: an explicit ID makes it idempotent (a retry of an
// append that took effect is refused as not above the last ID).
func (c *cluster) xaddIdem(ctx context.Context, i int, s, id, val string) error {
	return retryIdem(func() error {
		err := c.client(i).XAdd(ctx, &redis.XAddArgs{Stream: s, ID: id, Values: []string{"v", val}}).Err()
		if err != nil && strings.Contains(err.Error(), "equal or smaller than the target stream top item") {
			return nil
		}
		return err
	})
}

// TestStreamGroupKillLeader: a consumer group's state (pending entries per
// consumer, acknowledgements, the group's cursor) survives kill -9 of the
// leader, a blocked XREADGROUP on a follower is served by an append after
// the failover, and the restarted node agrees with the others.
func TestStreamGroupKillLeader(t *testing.T) {
	c := newCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l := c.waitLeader()
	f1, f2 := (l+1)%3, (l+2)%3
	if err := retry(func() error { return c.client(l).XGroupCreateMkStream(ctx, "s", "g", "$").Err() }); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if err := c.xaddIdem(ctx, i%3, "s", fmt.Sprintf("1-%d", i), fmt.Sprint("e", i)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(i int, consumer string, count int64) []redis.XMessage {
		t.Helper()
		var res []redis.XStream
		err := retry(func() error {
			var err error
			res, err = c.client(i).XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: consumer, Streams: []string{"s", ">"}, Count: count, Block: -1}).Result()
			return err
		})
		if err != nil || len(res) != 1 {
			t.Fatalf("XREADGROUP as %s on node %d: %v %v", consumer, i, res, err)
		}
		return res[0].Messages
	}
	alice := read(f1, "alice", 8)
	bob := read(f2, "bob", 100)
	if len(alice) != 8 || len(bob) != 12 || alice[0].ID != "1-1" || bob[0].ID != "1-9" {
		t.Fatalf("alice got %d from %v, bob %d from %v", len(alice), alice[0].ID, len(bob), bob[0].ID)
	}
	acked := []string{bob[0].ID, bob[1].ID, bob[2].ID, bob[3].ID, bob[4].ID}
	var n int64
	if err := retryIdem(func() error { var err error; n, err = c.client(l).XAck(ctx, "s", "g", acked...).Result(); return err }); err != nil {
		t.Fatal(err)
	}

	// carol blocks on a follower; the leader is killed.
	type got struct {
		res []redis.XStream
		err error
	}
	carol := make(chan got, 1)
	go func() {
		rdb := redis.NewClient(clientOptions(c.nodes[f1].resp, 1))
		defer rdb.Close()
		res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "carol", Streams: []string{"s", ">"}, Block: 30 * time.Second}).Result()
		carol <- got{res, err}
	}()
	waitUntil(t, "carol to block", func() bool {
		in, err := c.client(f1).Info(ctx, "clients").Result()
		return err == nil && strings.Contains(in, "blocked_clients:1\r\n")
	})
	c.nodes[l].kill()
	nl := c.waitLeaderExcept(l)
	if err := c.xaddIdem(ctx, nl, "s", "2-1", "after"); err != nil {
		t.Fatal(err)
	}
	select {
	case g := <-carol:
		if g.err != nil || len(g.res) != 1 || len(g.res[0].Messages) != 1 || g.res[0].Messages[0].ID != "2-1" {
			t.Fatalf("carol: %v %v", g.res, g.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("carol was not served after the failover")
	}
	c.restart(l)

	// Every node, the restarted one included, reports the same group.
	want := map[string]int64{"alice": 8, "bob": 12 - n, "carol": 1}
	for i := 0; i < 3; i++ {
		waitUntil(t, fmt.Sprintf("node %d to report the group", i), func() bool {
			p, err := c.client(i).XPending(ctx, "s", "g").Result()
			if err != nil || p.Count != 8+12-n+1 || p.Lower != "1-1" || p.Higher != "2-1" {
				return false
			}
			for name, cnt := range want {
				if p.Consumers[name] != cnt {
					return false
				}
			}
			return true
		})
	}
	// The group's cursor moved past everything: nothing new for dave, who
	// then claims alice's first entry.
	res, err := c.client(f2).XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "dave", Streams: []string{"s", ">"}, Block: -1}).Result()
	if err != redis.Nil {
		t.Fatalf("dave's XREADGROUP: %v %v, want nil", res, err)
	}
	var claimed []redis.XMessage
	if err := retryIdem(func() error {
		var err error
		claimed, err = c.client(l).XClaim(ctx, &redis.XClaimArgs{Stream: "s", Group: "g", Consumer: "dave", MinIdle: 0, Messages: []string{"1-1"}}).Result()
		return err
	}); err != nil || len(claimed) != 1 || claimed[0].Values["v"] != "e1" {
		t.Fatalf("XCLAIM: %v %v", claimed, err)
	}
}

// waitUntil polls cond every 20 ms for up to opWait.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(opWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
