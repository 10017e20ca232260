//go:build unix

package systest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/replication"
)

// TestACLRestrictedUserEveryNode: real processes. A user created through
// one node authenticates on every node once applied; restricted, it is
// refused on the follower it talks to (the edge's check) and on the leader
// a follower forwards to (the leader checks the user the forwarded batch
// carries); a node restarted from its log and snapshot still has it.
func TestACLRestrictedUserEveryNode(t *testing.T) {
	c := newCluster(t, 3)
	l := c.waitLeader()
	f := (l + 1) % len(c.nodes)
	ctx := context.Background()
	if err := retryIdem(func() error {
		return c.client(f).Do(ctx, "ACL", "SETUSER", "app", "on", ">s3cret", "~app:*", "+get", "+set", "+ping").Err()
	}); err != nil {
		t.Fatal(err)
	}
	userClient := func(i int) *redis.Client {
		o := clientOptions(c.nodes[i].resp, 2)
		o.Username, o.Password = "app", "s3cret"
		cl := redis.NewClient(o)
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	for i := range c.nodes {
		deadline := time.Now().Add(opWait)
		for {
			cl := userClient(i)
			err := cl.Ping(ctx).Err()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d: AUTH as app: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	app := userClient(f)
	if err := retryIdem(func() error { return app.Set(ctx, "app:1", "v", 0).Err() }); err != nil {
		t.Fatalf("SET app:1 as app through a follower: %v", err)
	}
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"DEL", "app:1"}, "NOPERM this user has no permissions to run the 'del' command"},
		{[]any{"SET", "x", "v"}, "NOPERM this user has no permissions to access one of the keys used as arguments"},
	} {
		if err := app.Do(ctx, tc.args...).Err(); err == nil || err.Error() != tc.want {
			t.Fatalf("%v as app on a follower: %v, want %q", tc.args, err, tc.want)
		}
	}
	// The leader's own check: a forwarded batch claiming app may not DEL.
	batch := replication.EncodeForward([]*kv.Cmd{{Args: [][]byte{[]byte("DEL"), []byte("app:1")}, Proto: 2, User: "app"}})
	l = c.waitLeader()
	got, err := c.client(l).Do(ctx, replication.ForwardCommand, batch).Text()
	if err != nil || got != "-NOPERM this user has no permissions to run the 'del' command\r\n" {
		t.Fatalf("forwarded DEL as app on the leader: %q %v", got, err)
	}
	if v, err := c.client(l).Get(ctx, "app:1").Result(); err != nil || v != "v" {
		t.Fatalf("app:1 after the refused DEL: %q %v", v, err)
	}

	// A restarted follower still knows the user (log and snapshot).
	if err := c.client(f).Do(ctx, "RAFT", "SNAPSHOT").Err(); err != nil {
		t.Fatal(err)
	}
	c.nodes[f].kill()
	c.restart(f)
	deadline := time.Now().Add(opWait)
	for {
		err := userClient(f).Ping(ctx).Err()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("restarted node: AUTH as app: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := userClient(f).Do(ctx, "DEL", "app:1").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'del' command" {
		t.Fatalf("DEL as app on the restarted node: %v", err)
	}
}
