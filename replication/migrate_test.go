package replication

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/kv/local"
	"redraft/kv/resp"
)

// MIGRATE sent to a follower of a three-node cluster: the keys are read
// behind the read barrier, sent to the target by the follower, and deleted
// through the log, so every node loses them.
func TestMigrateThroughFollower(t *testing.T) {
	ctx := context.Background()
	c, addrs := startRESPCluster(t, 3)
	leader := c.leader()
	var follower string
	for i, n := range c.nodes {
		if n != leader {
			follower = addrs[i]
			break
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := resp.New(local.New(), resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan struct{})
	go func() { target.Serve(ln); close(done) }()
	t.Cleanup(func() { target.Close(); <-done })
	th, tp, _ := net.SplitHostPort(ln.Addr().String())

	f := redis.NewClient(&redis.Options{Addr: follower, MaxRetries: -1})
	defer f.Close()
	tc := redis.NewClient(&redis.Options{Addr: ln.Addr().String()})
	defer tc.Close()
	if err := f.MSet(ctx, "k1", "v1", "k2", "v2", "k3", "v3").Err(); err != nil {
		t.Fatal(err)
	}
	f.Expire(ctx, "k2", time.Hour)
	if got, err := f.Do(ctx, "MIGRATE", th, tp, "", 0, 2000, "KEYS", "k1", "k2").Text(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE: %q %v", got, err)
	}
	if got, err := f.Do(ctx, "MIGRATE", th, tp, "k3", 0, 2000, "COPY").Text(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE COPY: %q %v", got, err)
	}
	if v := tc.MGet(ctx, "k1", "k2", "k3").Val(); v[0] != "v1" || v[1] != "v2" || v[2] != "v3" {
		t.Errorf("target holds %v", v)
	}
	if ttl := tc.TTL(ctx, "k2").Val(); ttl < 59*time.Minute {
		t.Errorf("target k2 ttl %v", ttl)
	}
	// The deletes went through the log: every node has applied them.
	for i, a := range addrs {
		n := redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
		if got := n.Exists(ctx, "k1", "k2", "k3").Val(); got != 1 {
			t.Errorf("node %d: %d of k1 k2 k3 exist, want 1 (k3, copied)", i, got)
		}
		n.Close()
	}
	// And every machine holds only k3 once it has applied the deletes.
	for _, n := range c.nodes {
		waitFor(t, "node applying the MIGRATE deletes", func() bool {
			keys := -1
			n.fsm.Read(func(m *kv.Machine) { keys = m.Len() })
			return keys == 1
		})
	}
}
