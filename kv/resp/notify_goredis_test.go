package resp

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestKeyspaceNotificationsGoRedis: keyspace notifications through the
// RESP edge, as a go-redis application sees them: CONFIG SET/GET of the
// classes, events of plain commands, a script, a transaction, a blocked
// client served at apply and active expiry, in Redis's order.
func TestKeyspaceNotificationsGoRedis(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			// The standalone node's active expiry, as bin/kv runs it.
			expiryCtx, stopExpiry := context.WithCancel(ctx)
			expiryDone := make(chan struct{})
			go func() { ts.exec.RunExpiry(expiryCtx); close(expiryDone) }()
			defer func() { stopExpiry(); <-expiryDone }()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()

			if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "EKzl$g").Err(); err != nil {
				t.Fatal(err)
			}
			if got := rdb.ConfigGet(ctx, "notify-keyspace-events").Val(); got["notify-keyspace-events"] != "g$lzKE" {
				t.Fatalf("CONFIG GET: %v", got)
			}
			if err := rdb.ConfigSet(ctx, "notify-keyspace-events", "Q").Err(); err == nil ||
				err.Error() != "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'." {
				t.Fatalf("CONFIG SET bad class: %v", err)
			}
			// Events of commands run while nobody subscribes are not kept.
			rdb.Set(ctx, "before", "x", 0)

			sub := rdb.PSubscribe(ctx, "__key*@*__:*")
			defer sub.Close()
			if _, err := sub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			ch := sub.Channel()
			expect := func(what string, want ...string) {
				t.Helper()
				for _, w := range want {
					select {
					case m := <-ch:
						if got := m.Channel + " " + m.Payload; got != w {
							t.Fatalf("%s: got %q, want %q", what, got, w)
						}
					case <-time.After(5 * time.Second):
						t.Fatalf("%s: no message, want %q", what, w)
					}
				}
			}

			rdb.Set(ctx, "foo", "bar", 0)
			expect("SET", "__keyspace@0__:foo set", "__keyevent@0__:set foo")
			rdb.Expire(ctx, "foo", time.Hour)
			rdb.Del(ctx, "foo", "nokey")
			expect("EXPIRE, DEL", "__keyspace@0__:foo expire", "__keyevent@0__:expire foo",
				"__keyspace@0__:foo del", "__keyevent@0__:del foo")

			// Only list events and only the keyevent channel.
			rdb.ConfigSet(ctx, "notify-keyspace-events", "El")
			rdb.Set(ctx, "s", "v", 0)
			rdb.RPush(ctx, "l", "a", "b")
			expect("mask", "__keyevent@0__:rpush l")

			// Generic, list and new-key events; a script and a transaction
			// report the events of their commands in order.
			rdb.ConfigSet(ctx, "notify-keyspace-events", "Egln")
			script := redis.NewScript(`redis.call('LPUSH', KEYS[1], 'x'); redis.call('DEL', KEYS[1]); return 1`)
			if err := script.Run(ctx, rdb, []string{"sl"}).Err(); err != nil {
				t.Fatal(err)
			}
			expect("EVAL", "__keyevent@0__:new sl", "__keyevent@0__:lpush sl", "__keyevent@0__:del sl")
			if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.LPop(ctx, "l")
				p.Rename(ctx, "l", "l2")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			expect("MULTI", "__keyevent@0__:lpop l", "__keyevent@0__:new l2",
				"__keyevent@0__:rename_from l", "__keyevent@0__:rename_to l2")

			// A client blocked on an empty list is served by the push, in
			// the same step: the push's event, then the pop's.
			blocked := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer blocked.Close()
			popped := make(chan []string, 1)
			go func() { popped <- blocked.BLPop(ctx, 5*time.Second, "q").Val() }()
			waitFor(t, "the client to block", func() bool {
				info := rdb.Info(ctx, "clients").Val()
				return containsLine(info, "blocked_clients:1")
			})
			rdb.RPush(ctx, "q", "job")
			expect("BLPOP served", "__keyevent@0__:new q", "__keyevent@0__:rpush q",
				"__keyevent@0__:lpop q", "__keyevent@0__:del q")
			if got := <-popped; len(got) != 2 || got[1] != "job" {
				t.Fatalf("BLPOP: %v", got)
			}

			// Active expiry reports the key it removes.
			rdb.ConfigSet(ctx, "notify-keyspace-events", "Ex")
			rdb.Set(ctx, "ttl", "v", 50*time.Millisecond)
			expect("active expiry", "__keyevent@0__:expired ttl")

			// Another database is named in the channel.
			rdb.ConfigSet(ctx, "notify-keyspace-events", "K$")
			if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
				p.Select(ctx, 5)
				p.Set(ctx, "d5", "v", 0)
				p.Select(ctx, 0)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			expect("SELECT 5", "__keyspace@5__:d5 set")
		})
	}
}

func containsLine(text, line string) bool {
	for len(text) > 0 {
		i := 0
		for i < len(text) && text[i] != '\n' {
			i++
		}
		l := text[:i]
		if len(l) > 0 && l[len(l)-1] == '\r' {
			l = l[:len(l)-1]
		}
		if l == line {
			return true
		}
		if i == len(text) {
			break
		}
		text = text[i+1:]
	}
	return false
}
