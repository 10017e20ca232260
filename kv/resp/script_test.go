package resp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// TestGoRedisScripting runs scripts through the edge with go-redis:
// Script.Run (EVALSHA falling back to EVAL on NOSCRIPT), EVAL_RO, FCALL,
// scripts inside MULTI/EXEC and after WATCH, RESP3 replies of setresp(3).
func TestGoRedisScripting(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprint("RESP", proto), func(t *testing.T) {
			ts := startServer(t, Config{})
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: proto})
			defer rdb.Close()

			incr := redis.NewScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
			for i := 1; i <= 3; i++ {
				got, err := incr.Run(ctx, rdb, []string{"counter"}, 2).Int64()
				if err != nil || got != int64(2*i) {
					t.Fatalf("Script.Run %d: %d %v", i, got, err)
				}
			}
			if ok, err := incr.Exists(ctx, rdb).Result(); err != nil || !ok[0] {
				t.Fatalf("SCRIPT EXISTS: %v %v", ok, err)
			}
			if err := rdb.ScriptFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := rdb.EvalSha(ctx, incr.Hash(), []string{"counter"}, 1).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOSCRIPT") {
				t.Fatalf("EVALSHA after flush: %v", err)
			}
			// Run falls back to EVAL.
			if got, err := incr.Run(ctx, rdb, []string{"counter"}, 1).Int64(); err != nil || got != 7 {
				t.Fatalf("Script.Run after flush: %d %v", got, err)
			}

			if got, err := rdb.EvalRO(ctx, "return redis.call('GET', KEYS[1])", []string{"counter"}).Text(); err != nil || got != "7" {
				t.Fatalf("EVAL_RO: %q %v", got, err)
			}
			if err := rdb.EvalRO(ctx, "return redis.call('SET', KEYS[1], 'x')", []string{"counter"}).Err(); err == nil ||
				!strings.Contains(err.Error(), "Write commands are not allowed from read-only scripts") {
				t.Fatalf("EVAL_RO write: %v", err)
			}

			// Errors carry Redis's script suffix.
			err := rdb.Eval(ctx, "return redis.call('LPUSH', KEYS[1], 'x')", []string{"counter"}).Err()
			if err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") || !strings.Contains(err.Error(), "on @user_script:1.") {
				t.Fatalf("WRONGTYPE from script: %v", err)
			}

			// MULTI/EXEC with a script, after WATCH.
			if err := rdb.Watch(ctx, func(tx *redis.Tx) error {
				_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Eval(ctx, "return redis.call('INCR', KEYS[1])", []string{"counter"})
					p.Get(ctx, "counter")
					return nil
				})
				return err
			}, "counter"); err != nil {
				t.Fatalf("WATCH/MULTI/EVAL: %v", err)
			}
			if got, _ := rdb.Get(ctx, "counter").Int(); got != 8 {
				t.Fatalf("counter after transaction: %d", got)
			}

			// FUNCTION LOAD and FCALL / FCALL_RO.
			lib := "#!lua name=mylib\n" +
				"redis.register_function('hset_get', function(keys, args) redis.call('HSET', keys[1], args[1], args[2]) return redis.call('HGET', keys[1], args[1]) end)\n" +
				"redis.register_function{function_name='hlen_ro', callback=function(keys) return redis.call('HLEN', keys[1]) end, flags={'no-writes'}}"
			if got, err := rdb.FunctionLoadReplace(ctx, lib).Result(); err != nil || got != "mylib" {
				t.Fatalf("FUNCTION LOAD: %q %v", got, err)
			}
			if got, err := rdb.FCall(ctx, "hset_get", []string{"h"}, "f", "v").Text(); err != nil || got != "v" {
				t.Fatalf("FCALL: %q %v", got, err)
			}
			if got, err := rdb.FCallRO(ctx, "hlen_ro", []string{"h"}).Int(); err != nil || got != 1 {
				t.Fatalf("FCALL_RO: %d %v", got, err)
			}
			libs, err := rdb.FunctionList(ctx, redis.FunctionListQuery{WithCode: true}).Result()
			if err != nil || len(libs) != 1 || libs[0].Name != "mylib" || len(libs[0].Functions) != 2 || libs[0].Code != lib {
				t.Fatalf("FUNCTION LIST: %+v %v", libs, err)
			}
			dump, err := rdb.FunctionDump(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := rdb.FunctionFlush(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			if err := rdb.FCall(ctx, "hset_get", []string{"h"}, "f", "v").Err(); err == nil || err.Error() != "ERR Function not found" {
				t.Fatalf("FCALL after flush: %v", err)
			}
			if err := rdb.FunctionRestore(ctx, dump).Err(); err != nil {
				t.Fatalf("FUNCTION RESTORE: %v", err)
			}
			if got, err := rdb.FCallRO(ctx, "hlen_ro", []string{"h"}).Int(); err != nil || got != 1 {
				t.Fatalf("FCALL_RO after restore: %d %v", got, err)
			}

			// RESP3 conversions under redis.setresp(3).
			got, err := rdb.Eval(ctx, "redis.setresp(3) return redis.call('HGETALL', KEYS[1])", []string{"h"}).Result()
			if err != nil {
				t.Fatal(err)
			}
			if proto == 3 {
				if m, ok := got.(map[interface{}]interface{}); !ok || m["f"] != "v" {
					t.Fatalf("setresp(3) HGETALL over RESP3: %#v", got)
				}
			} else if a, ok := got.([]interface{}); !ok || len(a) != 2 || a[0] != "f" {
				t.Fatalf("setresp(3) HGETALL over RESP2: %#v", got)
			}
			if got, err := rdb.Eval(ctx, "return {double=3.5}", nil).Result(); err != nil {
				t.Fatal(err)
			} else if proto == 3 && got != 3.5 || proto == 2 && got != "3.5" {
				t.Fatalf("double: %#v", got)
			}

			// Runaway scripts stop with an error; the server keeps serving.
			err = rdb.Eval(ctx, "local s = string.rep('x', 1e6) return string.rep(s, 1e6)", nil).Err()
			if err == nil || !strings.Contains(err.Error(), "memory budget") {
				t.Fatalf("runaway string.rep: %v", err)
			}
			if err := rdb.Ping(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			var rerr redis.Error
			if err := rdb.Eval(ctx, "return redis.call('MULTI')", nil).Err(); !errors.As(err, &rerr) || !strings.Contains(err.Error(), "This Redis command is not allowed from script") {
				t.Fatalf("MULTI from script: %v", err)
			}
		})
	}
}

// TestScriptKill: a read-only script running past busy-reply-threshold
// makes other clients' commands answer -BUSY; SCRIPT KILL stops it (the
// script's client gets the kill error) and FUNCTION KILL refuses an EVAL.
func TestScriptKill(t *testing.T) {
	// A budget large enough that only SCRIPT KILL ends the script (limits
	// are read when the machine is made).
	saved := kv.ScriptLimits
	kv.ScriptLimits.Instructions = 1 << 40
	ts := startServer(t, Config{})
	kv.ScriptLimits = saved
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute})
	defer rdb.Close()
	if err := rdb.ConfigSet(ctx, "lua-time-limit", "10").Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := rdb.ConfigGet(ctx, "busy-reply-threshold").Result(); got["busy-reply-threshold"] != "10" {
		t.Fatalf("CONFIG GET busy-reply-threshold: %v", got)
	}
	if err := rdb.Do(ctx, "SCRIPT", "KILL").Err(); err == nil || err.Error() != kv.ErrNotBusy {
		t.Fatalf("SCRIPT KILL with nothing running: %v", err)
	}
	// EVAL_RO, and EVALSHA of a no-writes script: a read the edge knows
	// as such by asking the executor (WriteClassifier).
	sha := rdb.ScriptLoad(ctx, "#!lua flags=no-writes\nwhile true do end").Val()
	for name, run := range map[string]func(*redis.Client) error{
		"EVAL_RO": func(r *redis.Client) error { return r.EvalRO(ctx, "while true do end", nil).Err() },
		"EVALSHA": func(r *redis.Client) error { return r.EvalSha(ctx, sha, nil).Err() },
	} {
		t.Log(name)
		done := make(chan error, 1)
		go func() {
			runner := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute})
			defer runner.Close()
			done <- run(runner)
		}()
		// Poll with CLIENT ID, which the edge answers without the executor
		// (a PING sent before the script starts would wait behind it).
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := rdb.ClientID(ctx).Err()
			if err != nil && strings.HasPrefix(err.Error(), "BUSY") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("CLIENT ID never answered BUSY: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err := rdb.Ping(ctx).Err(); err == nil || err.Error() != kv.ErrBusyScript {
			t.Fatalf("PING while busy: %v", err)
		}
		if err := rdb.Do(ctx, "FUNCTION", "KILL").Err(); err == nil || err.Error() != kv.ErrBusyScript {
			t.Fatalf("FUNCTION KILL of an EVAL: %v", err)
		}
		if err := rdb.Do(ctx, "SCRIPT", "KILL").Err(); err != nil {
			t.Fatalf("SCRIPT KILL: %v", err)
		}
		if err := <-done; err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user with SCRIPT KILL...") {
			t.Fatalf("killed script's reply: %v", err)
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Fatalf("PING after the kill: %v", err)
		}
	}
}
