package resp

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisStreams drives the stream commands through the RESP edge with
// go-redis's typed API, over RESP2 and RESP3: entries, consumer groups,
// claiming, XINFO, and XREAD/XREADGROUP BLOCK served by a later XADD.
func TestGoRedisStreams(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); ts.exec.RunExpiry(ctx) }()
			t.Cleanup(func() { cancel(); <-done })
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto, PoolSize: 8})
			defer rdb.Close()
			bg := context.Background()

			for i, id := range []string{"1-1", "1-2", "2-0"} {
				got, err := rdb.XAdd(bg, &redis.XAddArgs{Stream: "s", ID: id, Values: []string{"n", fmt.Sprint(i)}}).Result()
				if err != nil || got != id {
					t.Fatalf("XADD %s: %q %v", id, got, err)
				}
			}
			auto, err := rdb.XAdd(bg, &redis.XAddArgs{Stream: "s", Values: map[string]any{"n": "3"}}).Result()
			if err != nil || len(auto) < len("1000000000000-0") {
				t.Fatalf("XADD *: %q %v", auto, err)
			}
			if err := rdb.XAdd(bg, &redis.XAddArgs{Stream: "s", ID: "1-0", Values: []string{"a", "b"}}).Err(); err == nil ||
				err.Error() != "ERR The ID specified in XADD is equal or smaller than the target stream top item" {
				t.Fatalf("XADD small ID: %v", err)
			}
			if n, err := rdb.XLen(bg, "s").Result(); err != nil || n != 4 {
				t.Fatalf("XLEN: %d %v", n, err)
			}
			msgs, err := rdb.XRangeN(bg, "s", "-", "+", 2).Result()
			want := []redis.XMessage{{ID: "1-1", Values: map[string]any{"n": "0"}}, {ID: "1-2", Values: map[string]any{"n": "1"}}}
			if err != nil || !reflect.DeepEqual(msgs, want) {
				t.Fatalf("XRANGE: %v %v", msgs, err)
			}
			if msgs, err := rdb.XRevRange(bg, "s", "+", "(2-0").Result(); err != nil || len(msgs) != 1 || msgs[0].ID != auto {
				t.Fatalf("XREVRANGE: %v %v", msgs, err)
			}

			if err := rdb.XGroupCreate(bg, "s", "g", "0").Err(); err != nil {
				t.Fatal(err)
			}
			streams, err := rdb.XReadGroup(bg, &redis.XReadGroupArgs{Group: "g", Consumer: "alice", Streams: []string{"s", ">"}, Count: 2}).Result()
			if err != nil || len(streams) != 1 || streams[0].Stream != "s" || len(streams[0].Messages) != 2 {
				t.Fatalf("XREADGROUP: %v %v", streams, err)
			}
			pend, err := rdb.XPending(bg, "s", "g").Result()
			if err != nil || pend.Count != 2 || pend.Lower != "1-1" || pend.Higher != "1-2" || pend.Consumers["alice"] != 2 {
				t.Fatalf("XPENDING: %+v %v", pend, err)
			}
			ext, err := rdb.XPendingExt(bg, &redis.XPendingExtArgs{Stream: "s", Group: "g", Start: "-", End: "+", Count: 10}).Result()
			if err != nil || len(ext) != 2 || ext[0].Consumer != "alice" || ext[0].RetryCount != 1 {
				t.Fatalf("XPENDING ext: %+v %v", ext, err)
			}
			claimed, err := rdb.XClaimJustID(bg, &redis.XClaimArgs{Stream: "s", Group: "g", Consumer: "bob", MinIdle: 0, Messages: []string{"1-2"}}).Result()
			if err != nil || !reflect.DeepEqual(claimed, []string{"1-2"}) {
				t.Fatalf("XCLAIM: %v %v", claimed, err)
			}
			ac, start, err := rdb.XAutoClaim(bg, &redis.XAutoClaimArgs{Stream: "s", Group: "g", Consumer: "carol", Start: "0", Count: 1}).Result()
			if err != nil || len(ac) != 1 || ac[0].ID != "1-1" || start != "1-2" {
				t.Fatalf("XAUTOCLAIM: %v %q %v", ac, start, err)
			}
			if n, err := rdb.XAck(bg, "s", "g", "1-1", "1-2", "9-9").Result(); err != nil || n != 2 {
				t.Fatalf("XACK: %d %v", n, err)
			}
			groups, err := rdb.XInfoGroups(bg, "s").Result()
			if err != nil || len(groups) != 1 || groups[0].Name != "g" || groups[0].Consumers != 3 || groups[0].LastDeliveredID != "1-2" || groups[0].Lag != 2 {
				t.Fatalf("XINFO GROUPS: %+v %v", groups, err)
			}
			info, err := rdb.XInfoStream(bg, "s").Result()
			if err != nil || info.Length != 4 || info.LastGeneratedID != auto || info.FirstEntry.ID != "1-1" || info.EntriesAdded != 4 {
				t.Fatalf("XINFO STREAM: %+v %v", info, err)
			}
			if n, err := rdb.XDel(bg, "s", "1-1").Result(); err != nil || n != 1 {
				t.Fatalf("XDEL: %d %v", n, err)
			}
			if n, err := rdb.XTrimMaxLen(bg, "s", 1).Result(); err != nil || n != 2 {
				t.Fatalf("XTRIM: %d %v", n, err)
			}
			if typ, err := rdb.Type(bg, "s").Result(); err != nil || typ != "stream" {
				t.Fatalf("TYPE: %q %v", typ, err)
			}

			// Blocking reads, served by a later XADD.
			if err := rdb.XGroupSetID(bg, "s", "g", "$").Err(); err != nil {
				t.Fatal(err)
			}
			type res struct {
				s   []redis.XStream
				err error
			}
			plain, group := make(chan res, 1), make(chan res, 1)
			go func() {
				s, err := rdb.XRead(bg, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 0}).Result()
				plain <- res{s, err}
			}()
			waitBlockedClients(t, rdb, 1)
			go func() {
				s, err := rdb.XReadGroup(bg, &redis.XReadGroupArgs{Group: "g", Consumer: "dave", Streams: []string{"s", ">"}, Block: 0}).Result()
				group <- res{s, err}
			}()
			waitBlockedClients(t, rdb, 2)
			if err := rdb.XAdd(bg, &redis.XAddArgs{Stream: "s", ID: "99999999999999-0", Values: []string{"new", "1"}}).Err(); err != nil {
				t.Fatal(err)
			}
			for name, ch := range map[string]chan res{"XREAD": plain, "XREADGROUP": group} {
				select {
				case r := <-ch:
					if r.err != nil || len(r.s) != 1 || len(r.s[0].Messages) != 1 || r.s[0].Messages[0].ID != "99999999999999-0" {
						t.Fatalf("%s BLOCK: %v %v", name, r.s, r.err)
					}
				case <-time.After(10 * time.Second):
					t.Fatalf("%s BLOCK was not served", name)
				}
			}
			// A timeout answers nil.
			if _, err := rdb.XRead(bg, &redis.XReadArgs{Streams: []string{"s", "$"}, Block: 50 * time.Millisecond}).Result(); err != redis.Nil {
				t.Fatalf("XREAD BLOCK timeout: %v", err)
			}
		})
	}
}
