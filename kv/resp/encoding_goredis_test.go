package resp

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// The encoding thresholds through go-redis, compared with redis-server:
// CONFIG SET/GET under both names, OBJECT ENCODING as values cross them,
// single-page SCANs of compact encodings, one-way conversions, and CONFIG
// SET inside MULTI taking effect in order.
func TestEncodingThresholdsLikeRedis(t *testing.T) {
	ctx := context.Background()
	raddr := startRedisServer(t)
	node := goredisClient(t, startServer(t, Config{}).addr)
	ref := goredisClient(t, raddr)

	script := [][]any{
		{"CONFIG", "SET", "hash-max-ziplist-entries", "3", "hash-max-listpack-value", "8"},
		{"CONFIG", "GET", "hash-max-listpack-entries"},
		{"CONFIG", "GET", "hash-max-ziplist-value"},
		{"HSET", "h", "a", "1", "b", "2", "c", "3"},
		{"OBJECT", "ENCODING", "h"},
		{"HSCAN", "h", "0"},
		{"HSET", "h", "d", "4"},
		{"OBJECT", "ENCODING", "h"},
		{"HDEL", "h", "d", "c"},
		{"OBJECT", "ENCODING", "h"}, // one-way: stays a hashtable
		{"HSET", "h2", "f", "123456789"},
		{"OBJECT", "ENCODING", "h2"},
		{"CONFIG", "SET", "set-max-intset-entries", "2"},
		{"SADD", "s", "1", "2"},
		{"OBJECT", "ENCODING", "s"},
		{"SSCAN", "s", "0"},
		{"SADD", "s", "3"},
		{"OBJECT", "ENCODING", "s"},
		{"SINTERSTORE", "s2", "s", "s"},
		{"OBJECT", "ENCODING", "s2"},
		{"CONFIG", "SET", "zset-max-ziplist-entries", "2", "zset-max-ziplist-value", "4"},
		{"ZADD", "z", "1", "a", "2", "b"},
		{"OBJECT", "ENCODING", "z"},
		{"ZSCAN", "z", "0"},
		{"ZADD", "z", "3", "c"},
		{"OBJECT", "ENCODING", "z"},
		{"ZADD", "z2", "1", "abcde"},
		{"OBJECT", "ENCODING", "z2"},
		{"ZUNIONSTORE", "z3", "1", "z2"},
		{"OBJECT", "ENCODING", "z3"},
		{"ZRANGESTORE", "z4", "z", "0", "1"},
		{"OBJECT", "ENCODING", "z4"},
		{"CONFIG", "SET", "zset-max-listpack-entries", "0"},
		{"ZADD", "z5", "1", "a"},
		{"OBJECT", "ENCODING", "z5"},
		{"CONFIG", "SET", "hash-max-listpack-entries", "abc"},
		{"CONFIG", "SET", "hash-max-listpack-value", "1kb"},
		{"CONFIG", "GET", "hash-max-listpack-value"},
		// Restored values take the thresholds in effect.
		{"CONFIG", "SET", "hash-max-listpack-entries", "1"},
		{"RESTORE", "h3", "0", dumpOf(t, ref, "h9")},
		{"OBJECT", "ENCODING", "h3"},
		{"CONFIG", "SET", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64",
			"zset-max-listpack-entries", "128", "zset-max-listpack-value", "64", "set-max-intset-entries", "512"},
	}
	for _, c := range [][]any{{"FLUSHALL"}, {"HSET", "h9", "x", "1", "y", "2"}} {
		node.Do(ctx, c...)
	}
	for _, args := range script {
		want := fmt.Sprint(ref.Do(ctx, args...).Result())
		got := fmt.Sprint(node.Do(ctx, args...).Result())
		if got != want {
			t.Errorf("%v: got %s, redis-server %s", args, got, want)
		}
	}

	// In MULTI, CONFIG SET takes effect in order, between the queued
	// commands, as in Redis.
	for _, c := range []*redis.Client{node, ref} {
		c.Del(ctx, "tz")
	}
	tx := func(c *redis.Client) string {
		cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, "CONFIG", "SET", "zset-max-ziplist-entries", "0")
			p.ZAdd(ctx, "tz", redis.Z{Score: 1, Member: "a"})
			p.Do(ctx, "CONFIG", "SET", "zset-max-ziplist-entries", "128")
			p.ZAdd(ctx, "tz2", redis.Z{Score: 1, Member: "a"})
			return nil
		})
		if err != nil {
			return err.Error()
		}
		return fmt.Sprint(len(cmds), c.ObjectEncoding(ctx, "tz").Val(), c.ObjectEncoding(ctx, "tz2").Val())
	}
	if got, want := tx(node), tx(ref); got != want {
		t.Errorf("CONFIG SET in MULTI: got %s, redis-server %s", got, want)
	}
}

// dumpOf returns redis-server's DUMP of a small hash, made for the purpose.
func dumpOf(t *testing.T, c *redis.Client, key string) string {
	t.Helper()
	ctx := context.Background()
	c.Del(ctx, key)
	c.HSet(ctx, key, "x", "1", "y", "2")
	d, err := c.Dump(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
