package replication

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
)

// With requirepass, a follower's forwarding connections to the leader's
// client port authenticate with the node's password: writes and reads
// through every follower work (they answered UNCERTAIN before, the leader
// replying NOAUTH to REDRAFT.FORWARD). A follower whose password the
// leader refuses answers a definite error naming the cause.
func TestForwardingWithRequirePass(t *testing.T) {
	const nodes, pass = 3, "s3cret"
	// n2 forwards with the wrong password.
	c, addrs := startRESPClusterWith(t, nodes, func(i int, cfg *Config) {
		p := pass
		if i == 2 {
			p = "wrong"
		}
		cfg.ForwardPassword = func() string { return p }
	}, resp.Config{RequirePass: pass})
	leader := -1
	waitFor(t, "a leader other than n2", func() bool {
		l := c.leader()
		leader = -1
		for i, n := range c.nodes {
			if n == l {
				leader = i
			}
		}
		if leader == 2 {
			l.TransferLeadership("n0") // checked by the next round
		}
		return leader == 0 || leader == 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, addr := range addrs {
		rdb := redis.NewClient(&redis.Options{Addr: addr, Password: pass, MaxRetries: -1})
		defer rdb.Close()
		key := fmt.Sprint("k", i)
		if i == 2 {
			// The refusal is definite; the cluster's own refusals (an
			// election on a loaded machine) are retried.
			deadline := time.Now().Add(20 * time.Second)
			for {
				err := rdb.Set(ctx, key, "v", 0).Err()
				if err != nil && err.Error() == ErrTextForwardAuth {
					break
				}
				if err == nil || !definite(err) || time.Now().After(deadline) {
					t.Fatalf("SET through n2 (wrong forward password): %v, want %q", err, ErrTextForwardAuth)
				}
				time.Sleep(50 * time.Millisecond)
			}
			continue
		}
		retry(t, fmt.Sprint("SET through n", i), func() error { return rdb.Set(ctx, key, "v", 0).Err() })
		var v string
		retry(t, fmt.Sprint("GET through n", i), func() (err error) { v, err = rdb.Get(ctx, key).Result(); return err })
		if v != "v" {
			t.Errorf("GET through n%d: %q", i, v)
		}
	}
	// Without AUTH, a client is refused as always.
	raw := redis.NewClient(&redis.Options{Addr: addrs[leader], MaxRetries: -1})
	defer raw.Close()
	if err := raw.Set(ctx, "x", "y", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("SET without AUTH: %v", err)
	}
}
