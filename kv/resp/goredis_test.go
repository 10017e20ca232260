package resp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedis drives the edge with a real client library over RESP2 and
// RESP3: connection handshake (HELLO, CLIENT SETINFO), plain commands,
// pipelines, transactions with optimistic locking, CONFIG, INFO, COMMAND.
func TestGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{RequirePass: "pw"})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto, Password: "pw", ClientName: "gotest", PoolSize: 8})
			defer rdb.Close()

			if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
				t.Fatalf("GET: %q %v", got, err)
			}
			if _, err := rdb.Get(ctx, "missing").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("GET missing: %v", err)
			}
			if got, err := rdb.ClientGetName(ctx).Result(); err != nil || got != "gotest" {
				t.Fatalf("CLIENT GETNAME: %q %v", got, err)
			}
			if got, err := rdb.Do(ctx, "HELLO").Result(); err != nil {
				t.Fatalf("HELLO: %v", err)
			} else if proto == 3 {
				m, ok := got.(map[interface{}]interface{})
				if !ok || m["proto"] != int64(3) || m["server"] != "redis" {
					t.Fatalf("HELLO: %#v", got)
				}
			}

			// Pipeline: replies in order, a write and a read of one key.
			cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				for i := 0; i < 100; i++ {
					p.Set(ctx, "p", i, 0)
					p.Get(ctx, "p")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 100; i++ {
				if got := cmds[2*i+1].(*redis.StringCmd).Val(); got != fmt.Sprint(i) {
					t.Fatalf("pipeline GET %d: %q", i, got)
				}
			}

			// MULTI/EXEC.
			res, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "tx", "1", 0)
				p.Get(ctx, "tx")
				return nil
			})
			if err != nil || res[1].(*redis.StringCmd).Val() != "1" {
				t.Fatalf("TxPipelined: %v %v", res, err)
			}

			// WATCH-based optimistic increments from concurrent clients:
			// every increment lands exactly once.
			rdb.Set(ctx, "counter", "0", 0)
			var wg sync.WaitGroup
			const workers, perWorker = 4, 25
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perWorker; i++ {
						for {
							err := rdb.Watch(ctx, func(tx *redis.Tx) error {
								n, err := tx.Get(ctx, "counter").Int()
								if err != nil {
									return err
								}
								_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
									p.Set(ctx, "counter", n+1, 0)
									return nil
								})
								return err
							}, "counter")
							if err == nil {
								break
							}
							if !errors.Is(err, redis.TxFailedErr) {
								t.Error(err)
								return
							}
						}
					}
				}()
			}
			wg.Wait()
			if got, _ := rdb.Get(ctx, "counter").Int(); got != workers*perWorker {
				t.Fatalf("counter = %d, want %d", got, workers*perWorker)
			}

			// Server commands.
			if got, err := rdb.ConfigGet(ctx, "maxclients").Result(); err != nil || got["maxclients"] != "10000" {
				t.Fatalf("CONFIG GET: %v %v", got, err)
			}
			if got, err := rdb.Info(ctx, "keyspace").Result(); err != nil || !strings.Contains(got, "db0:keys=") {
				t.Fatalf("INFO: %q %v", got, err)
			}
			cmdsInfo, err := rdb.Command(ctx).Result()
			if err != nil {
				t.Fatalf("COMMAND: %v", err)
			}
			if g := cmdsInfo["get"]; g == nil || g.Arity != 2 || !g.ReadOnly || g.FirstKeyPos != 1 {
				t.Fatalf("COMMAND get: %+v", g)
			}
			if c := cmdsInfo["client"]; c == nil || c.Arity != -2 {
				t.Fatalf("COMMAND client: %+v", c)
			}
			if err := rdb.Do(ctx, "SELECT", 16).Err(); err == nil || err.Error() != "ERR DB index is out of range" {
				t.Fatalf("SELECT 16: %v", err)
			}
			if err := rdb.Do(ctx, "NOPE").Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'NOPE'") {
				t.Fatalf("NOPE: %v", err)
			}
		})
	}
}

func TestGoRedisWrongPassword(t *testing.T) {
	ts := startServer(t, Config{RequirePass: "pw"})
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Password: "nope", MaxRetries: -1})
	defer rdb.Close()
	err := rdb.Get(context.Background(), "k").Err()
	if err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("got %v", err)
	}
}
