//go:build unix

package systest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestDatabasesThroughAFollower: a client connected to a follower works in
// a SELECTed database (go-redis Options.DB, SELECT inside MULTI, WATCH,
// MOVE, SWAPDB); the follower forwards every command with its database
// index, and every node serves the keys from that database only.
func TestDatabasesThroughAFollower(t *testing.T) {
	c := newCluster(t, 3)
	l := c.waitLeader()
	f := (l + 1) % len(c.nodes)
	ctx := context.Background()
	newDBClient := func(i, db int) *redis.Client {
		o := clientOptions(c.nodes[i].resp, 2)
		o.DB = db
		cl := redis.NewClient(o)
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	clients := map[[2]int]*redis.Client{}
	dbClient := func(i, db int) *redis.Client {
		if clients[[2]int{i, db}] == nil {
			clients[[2]int{i, db}] = newDBClient(i, db)
		}
		return clients[[2]int{i, db}]
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// expect checks key in database db on every node.
	expect := func(db int, key, want string) {
		t.Helper()
		for i := range c.nodes {
			var got string
			err := retry(func() error {
				var err error
				got, err = dbClient(i, db).Get(ctx, key).Result()
				return err
			})
			if want == "" && errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil || got != want {
				t.Fatalf("GET %s in db %d on %s: %q %v, want %q", key, db, c.nodes[i], got, err, want)
			}
		}
	}

	f7 := dbClient(f, 7)
	must("SET in db 7 via the follower", retryIdem(func() error { return f7.Set(ctx, "x", "seven", 0).Err() }))
	expect(7, "x", "seven")
	expect(0, "x", "")

	// A transaction that SELECTs, on one connection of the follower.
	conn := f7.Conn()
	defer conn.Close()
	must("MULTI with SELECT", retry(func() error {
		_, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "y", "in7", 0)
			p.Select(ctx, 3)
			p.Set(ctx, "y", "in3", 0)
			return nil
		})
		return err
	}))
	if got, err := conn.Get(ctx, "y").Result(); err != nil || got != "in3" {
		t.Fatalf("GET y after EXEC with SELECT 3: %q %v", got, err)
	}
	expect(7, "y", "in7")
	expect(3, "y", "in3")

	// WATCH in db 7 through the follower: a write to x in db 3 does not
	// fire it, one in db 7 does.
	watch := func(between func()) error {
		return f7.Watch(ctx, func(tx *redis.Tx) error {
			between()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "x", "watched", 0)
				return nil
			})
			return err
		}, "x")
	}
	f3 := dbClient(f, 3)
	must("WATCH db 7, write db 3", retry(func() error {
		return watch(func() { must("SET x in db 3", retryIdem(func() error { return f3.Set(ctx, "x", "three", 0).Err() })) })
	}))
	expect(7, "x", "watched")
	other7 := newDBClient(f, 7) // f7's pool is busy with the pinned connection and the WATCH
	if err := watch(func() {
		must("SET x in db 7", retryIdem(func() error { return other7.Set(ctx, "x", "again", 0).Err() }))
	}); !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("WATCH db 7, write db 7: %v, want %v", err, redis.TxFailedErr)
	}

	// MOVE and SWAPDB through the follower.
	// Idempotent writes retry an unknown outcome (leadership moves on a
	// loaded machine); MOVE of a key already moved answers 0, not an
	// error. SWAPDB is not idempotent: it retries only refusals.
	must("MOVE", retryIdem(func() error { return f7.Move(ctx, "y", 5).Err() }))
	expect(5, "y", "in7")
	expect(7, "y", "")
	must("SWAPDB", retry(func() error { return f7.Do(ctx, "SWAPDB", 5, 7).Err() }))
	expect(7, "y", "in7")
	expect(5, "x", "again")

	info, err := dbClient(l, 0).Info(ctx, "keyspace").Result()
	must("INFO keyspace", err)
	for _, line := range []string{"db3:keys=2,", "db5:keys=1,", "db7:keys=1,"} {
		if !strings.Contains(info, line) {
			t.Errorf("INFO keyspace on the leader: %q lacks %q", info, line)
		}
	}
}
