package resp

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisDatabases drives the numbered databases through go-redis:
// clients opened on a database (Options.DB, which go-redis SELECTs on every
// new connection), a pinned connection that SELECTs, transactions that
// SELECT, WATCH in a database, and the per-database INFO keyspace and
// CLIENT LIST fields.
func TestGoRedisDatabases(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	open := func(db int) *redis.Client {
		rdb := redis.NewClient(&redis.Options{Addr: ts.addr, DB: db, MaxRetries: -1})
		t.Cleanup(func() { rdb.Close() })
		return rdb
	}
	db0, db3, db15 := open(0), open(3), open(15)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db0.Set(ctx, "k", "zero", 0).Err())
	must(db3.Set(ctx, "k", "three", 0).Err())
	must(db3.Set(ctx, "t", "x", 0).Err())
	must(db3.Expire(ctx, "t", 1000_000_000).Err())
	for _, tc := range []struct {
		rdb  *redis.Client
		want string
		size int64
	}{{db0, "zero", 1}, {db3, "three", 2}, {db15, "", 0}} {
		got, err := tc.rdb.Get(ctx, "k").Result()
		if tc.want == "" {
			if err != redis.Nil {
				t.Errorf("db %d: GET k = %q, %v; want nil", tc.rdb.Options().DB, got, err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("db %d: GET k = %q, %v; want %q", tc.rdb.Options().DB, got, err, tc.want)
		}
		if n, err := tc.rdb.DBSize(ctx).Result(); err != nil || n != tc.size {
			t.Errorf("db %d: DBSIZE = %d, %v; want %d", tc.rdb.Options().DB, n, err, tc.size)
		}
	}
	info, err := db15.Info(ctx, "keyspace").Result()
	must(err)
	if !strings.Contains(info, "db0:keys=1,expires=0,avg_ttl=0\r\n") || !strings.Contains(info, "db3:keys=2,expires=1,avg_ttl=0\r\n") ||
		strings.Contains(info, "db15:") {
		t.Errorf("INFO keyspace: %q", info)
	}
	if dbs, err := db0.ConfigGet(ctx, "databases").Result(); err != nil || dbs["databases"] != "16" {
		t.Errorf("CONFIG GET databases: %v %v", dbs, err)
	}

	// A pinned connection: SELECT sticks to it; MOVE and SWAPDB.
	conn := db0.Conn()
	defer conn.Close()
	must(conn.Select(ctx, 15).Err())
	if n, err := conn.DBSize(ctx).Result(); err != nil || n != 0 {
		t.Fatalf("DBSIZE after SELECT 15: %d %v", n, err)
	}
	if cl, err := conn.ClientInfo(ctx).Result(); err != nil || cl.DB != 15 {
		t.Fatalf("CLIENT INFO db: %+v %v", cl, err)
	}
	list, err := conn.ClientList(ctx).Result()
	must(err)
	if !strings.Contains(list, " db=15 ") || !strings.Contains(list, " db=3 ") {
		t.Errorf("CLIENT LIST: %q", list)
	}
	must(conn.Select(ctx, 0).Err())
	if n, err := conn.Move(ctx, "k", 15).Result(); err != nil || !n {
		t.Fatalf("MOVE k 15: %v %v", n, err)
	}
	if got, err := db15.Get(ctx, "k").Result(); err != nil || got != "zero" {
		t.Fatalf("db 15 after MOVE: %q %v", got, err)
	}
	must(conn.SwapDB(ctx, 3, 15).Err())
	if got, err := db3.Get(ctx, "k").Result(); err != nil || got != "zero" {
		t.Fatalf("db 3 after SWAPDB: %q %v", got, err)
	}
	if got, err := db15.Get(ctx, "t").Result(); err != nil || got != "x" {
		t.Fatalf("db 15 after SWAPDB: %q %v", got, err)
	}
	if n, err := db3.Copy(ctx, "k", "k", 0, false).Result(); err != nil || n != 1 {
		t.Fatalf("COPY k k DB 0: %d %v", n, err)
	}
	if got, err := db0.Get(ctx, "k").Result(); err != nil || got != "zero" {
		t.Fatalf("db 0 after COPY: %q %v", got, err)
	}

	// A transaction that SELECTs: the commands after it run in the new
	// database, and the connection stays there after EXEC.
	cmds, err := conn.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "tx", "in0", 0)
		p.Select(ctx, 7)
		p.Set(ctx, "tx", "in7", 0)
		return nil
	})
	must(err)
	if len(cmds) != 3 {
		t.Fatalf("EXEC: %d replies", len(cmds))
	}
	if got, err := conn.Get(ctx, "tx").Result(); err != nil || got != "in7" {
		t.Fatalf("GET tx after EXEC with SELECT 7: %q %v", got, err)
	}
	if got, err := db0.Get(ctx, "tx").Result(); err != nil || got != "in0" {
		t.Fatalf("db 0 tx: %q %v", got, err)
	}

	// WATCH remembers the database: a write to the same key in another
	// database does not fire it; one in its database does.
	watchRun := func(rdb *redis.Client, between func()) error {
		return rdb.Watch(ctx, func(tx *redis.Tx) error {
			between()
			_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Incr(ctx, "w")
				return nil
			})
			return err
		}, "w")
	}
	db7 := open(7)
	if err := watchRun(db3, func() { must(db7.Set(ctx, "w", "1", 0).Err()) }); err != nil {
		t.Fatalf("WATCH in db 3, write in db 7: %v", err)
	}
	if err := watchRun(db3, func() { must(db3.Set(ctx, "w", "5", 0).Err()) }); err != redis.TxFailedErr {
		t.Fatalf("WATCH in db 3, write in db 3: %v, want %v", err, redis.TxFailedErr)
	}

	must(db0.FlushAll(ctx).Err())
	for _, rdb := range []*redis.Client{db0, db3, db7, db15} {
		if n, err := rdb.DBSize(ctx).Result(); err != nil || n != 0 {
			t.Errorf("db %d after FLUSHALL: %d %v", rdb.Options().DB, n, err)
		}
	}
}
