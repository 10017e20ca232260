package replication

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestFollowerINFOShowsOwnWrites: a client writing through a follower sees
// its writes in that follower's INFO (keyspace and script cache) and AUTH
// (users created or disabled by ACL SETUSER), which
// the follower serves from its own state machine: the leader answers a
// write before the followers learn it committed, so without SyncLocal the
// follower's INFO lags the write it just acknowledged (as Redis's own
// "SCRIPTING FLUSH ASYNC" test found).
func TestFollowerINFOShowsOwnWrites(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	ld := c.leader()
	follower := ""
	for i, n := range c.nodes {
		if n != ld {
			follower = addrs[i]
			break
		}
	}
	ctx := context.Background()
	cl := redis.NewClient(&redis.Options{Addr: follower, MaxRetries: -1})
	defer cl.Close()
	keys := regexp.MustCompile(`db0:keys=(\d+),`)
	scripts := regexp.MustCompile(`number_of_cached_scripts:(\d+)`)
	for i := 1; i <= 50; i++ {
		if err := cl.ScriptLoad(ctx, fmt.Sprintf("return %d", i)).Err(); err != nil {
			t.Fatal(err)
		}
		if err := cl.Set(ctx, fmt.Sprint("k", i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		info, err := cl.Info(ctx, "memory", "keyspace").Result()
		if err != nil {
			t.Fatal(err)
		}
		k, s := keys.FindStringSubmatch(info), scripts.FindStringSubmatch(info)
		if k == nil || s == nil || k[1] != fmt.Sprint(i) || s[1] != fmt.Sprint(i) {
			t.Fatalf("after %d SCRIPT LOADs and SETs through the follower, its INFO shows keys %v, scripts %v", i, k, s)
		}
	}
	// Users are replicated state too: one created through the follower
	// can AUTH there at once, one disabled there cannot.
	for i := 1; i <= 20; i++ {
		user := fmt.Sprint("u", i)
		if err := cl.Do(ctx, "ACL", "SETUSER", user, "on", ">pw", "+@all", "~*").Err(); err != nil {
			t.Fatal(err)
		}
		other := redis.NewClient(&redis.Options{Addr: follower, MaxRetries: -1})
		err := other.Do(ctx, "AUTH", user, "pw").Err()
		if err == nil {
			if err = cl.Do(ctx, "ACL", "SETUSER", user, "off").Err(); err == nil {
				if other.Do(ctx, "AUTH", user, "pw").Err() == nil {
					err = fmt.Errorf("AUTH of %s succeeded after ACL SETUSER %s off", user, user)
				}
			}
		}
		other.Close()
		if err != nil {
			t.Fatalf("user %s created through the follower: %v", user, err)
		}
	}
	// The leader answers redraft.appliedindex with at least the index of
	// what it applied; a follower forwards it there.
	idx, err := cl.Do(ctx, "redraft.appliedindex").Int64()
	if err != nil || uint64(idx) < ld.AppliedIndex() {
		t.Fatalf("redraft.appliedindex through the follower = %d, %v; the leader applied %d", idx, err, ld.AppliedIndex())
	}
}
