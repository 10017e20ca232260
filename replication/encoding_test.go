package replication

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// CONFIG SET of an encoding threshold through a follower goes through the
// log: every node reports the value and converts values alike.
func TestEncodingThresholdReplicated(t *testing.T) {
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
	f := redis.NewClient(&redis.Options{Addr: follower, MaxRetries: -1})
	defer f.Close()
	// Both are idempotent: retried on the cluster's refusals (a loaded
	// machine can cost the leader its term between two commands).
	retry(t, "CONFIG SET through a follower", func() error { return f.ConfigSet(ctx, "hash-max-ziplist-entries", "2").Err() })
	retry(t, "HSET through a follower", func() error { return f.HSet(ctx, "h", "a", "1", "b", "2", "c", "3").Err() })
	for i, n := range c.nodes {
		waitFor(t, "node applying the threshold", func() bool {
			v, _ := n.EncodingParam("hash-max-listpack-entries")
			return v == 2
		})
		cl := redis.NewClient(&redis.Options{Addr: addrs[i], MaxRetries: -1})
		if got := cl.ConfigGet(ctx, "hash-max-listpack-entries").Val()["hash-max-listpack-entries"]; got != "2" {
			t.Errorf("node %d: CONFIG GET %q, want 2", i, got)
		}
		if got := cl.ObjectEncoding(ctx, "h").Val(); got != "hashtable" {
			t.Errorf("node %d: OBJECT ENCODING %q, want hashtable", i, got)
		}
		cl.Close()
	}
}
