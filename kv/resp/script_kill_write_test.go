package resp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// On the standalone executor (no replicas) a write script is killable until
// it writes, and makes other clients BUSY, as in Redis; once it has
// written, SCRIPT KILL answers UNKILLABLE.
func TestScriptKillWriteScriptStandalone(t *testing.T) {
	ts, rdb := startRunawayServer(t, "10")
	ctx := context.Background()
	waitBusy := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := rdb.ClientID(ctx).Err()
			if err != nil && strings.HasPrefix(err.Error(), "BUSY") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("CLIENT ID never answered BUSY: %v", err)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	run := func(src string) chan error {
		done := make(chan error, 1)
		go func() {
			c := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute, DisableIdentity: true})
			defer c.Close()
			done <- c.Eval(ctx, src, nil).Err()
		}()
		return done
	}

	// Not written yet: killed.
	done := run("while true do end")
	waitBusy()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err == nil || err.Error() != kv.ErrBusyScript {
		t.Errorf("SET while busy: %v", err)
	}
	if err := rdb.Do(ctx, "SCRIPT", "KILL").Err(); err != nil {
		t.Fatalf("SCRIPT KILL: %v", err)
	}
	if err := <-done; err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user with SCRIPT KILL...") {
		t.Fatalf("killed script's reply: %v", err)
	}

	// Written: unkillable; it ends on its own (a bounded loop).
	done = run("redis.call('set', 'w', '1') local i = 0 while i < 1000000 do i = i + 1 end return i")
	waitBusy()
	if err := rdb.Do(ctx, "SCRIPT", "KILL").Err(); err == nil || err.Error() != kv.ErrUnkillable {
		t.Errorf("SCRIPT KILL of a script that wrote: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("script that wrote: %v", err)
	}
	if v := rdb.Get(ctx, "w").Val(); v != "1" {
		t.Errorf("w = %q", v)
	}
}

// A command that arrives while another client's script runs, before the
// script has run for busy-reply-threshold, waits as it would in Redis and
// is answered -BUSY once the threshold passes; it must not wait behind the
// script for as long as the script runs. (The Redis suite's "Timedout
// script does not cause a false dead client" hung this way on a loaded
// machine: its PING came a few milliseconds after the script started.)
func TestBusyReplyForCommandArrivingBeforeThreshold(t *testing.T) {
	// A threshold long enough that the PING below surely arrives before it passes.
	ts, rdb := startRunawayServer(t, "300")
	ctx := context.Background()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ src, kill, busy string }{
		{"while true do end", "SCRIPT", kv.ErrBusyScript},
		{"#!lua flags=no-writes\nwhile true do end", "SCRIPT", kv.ErrBusyScript},
	} {
		done := make(chan error, 1)
		go func() {
			c := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute, DisableIdentity: true})
			defer c.Close()
			done <- c.Eval(ctx, tc.src, nil).Err()
		}()
		deadline := time.Now().Add(10 * time.Second)
		for ts.srv.scripts.n.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the script never reached the executor")
			}
			time.Sleep(time.Millisecond)
		}
		if err := rdb.Ping(ctx).Err(); err == nil || err.Error() != tc.busy {
			t.Errorf("%q: PING while the script runs: %v, want %s", tc.src, err, tc.busy)
		}
		if err := rdb.Do(ctx, tc.kill, "KILL").Err(); err != nil {
			t.Fatalf("%q: %s KILL: %v", tc.src, tc.kill, err)
		}
		if err := <-done; err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user") {
			t.Fatalf("%q: killed script's reply: %v", tc.src, err)
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			t.Fatalf("PING after the kill: %v", err)
		}
	}
}

// FUNCTION STATS while another client's function runs is answered at once
// by the edge (the function holds the machine), with the running function's
// name, command and duration and the engine's counts; FUNCTION KILL then
// stops it, and FUNCTION STATS answers a null running_script again.
func TestFunctionStatsWhileRunning(t *testing.T) {
	ts, rdb := startRunawayServer(t, "10")
	ctx := context.Background()
	code := "#!lua name=lib\nredis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)"
	if err := rdb.FunctionLoadReplace(ctx, code).Err(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		// One attempt (MaxRetries -1): the reply checked below is the one
		// to the FCALL that FUNCTION KILL stops, never a retry's.
		c := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute, DisableIdentity: true, MaxRetries: -1})
		defer c.Close()
		done <- c.Do(ctx, "FCALL", "spin", "0").Err()
	}()
	deadline := time.Now().Add(10 * time.Second)
	var stats []any
	for {
		v, err := rdb.Do(ctx, "FUNCTION", "STATS").Slice()
		if err != nil {
			t.Fatal(err)
		}
		if v[1] != nil {
			stats = v
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("FUNCTION STATS never showed the running function")
		}
		time.Sleep(5 * time.Millisecond)
	}
	run := stats[1].([]any)
	if len(run) != 6 || run[0] != "name" || run[1] != "spin" || run[2] != "command" || run[4] != "duration_ms" {
		t.Fatalf("running_script %v", run)
	}
	if cmd := run[3].([]any); len(cmd) != 3 || cmd[0] != "FCALL" || cmd[1] != "spin" || cmd[2] != "0" {
		t.Errorf("command %v", cmd)
	}
	if d, ok := run[5].(int64); !ok || d < 0 {
		t.Errorf("duration_ms %v", run[5])
	}
	if eng := stats[3].([]any); len(eng) != 2 || eng[0] != "LUA" {
		t.Errorf("engines %v", eng)
	} else if c := eng[1].([]any); len(c) != 4 || c[1] != int64(1) || c[3] != int64(1) {
		t.Errorf("engine counts %v", c)
	}
	if err := rdb.Do(ctx, "FUNCTION", "KILL").Err(); err != nil {
		t.Fatalf("FUNCTION KILL: %v", err)
	}
	select {
	case err := <-done:
		if err == nil || !strings.HasPrefix(err.Error(), "ERR Script killed by user") {
			t.Fatalf("killed function's reply: %v", err)
		}
	case <-time.After(20 * time.Second):
		v, err := rdb.Do(ctx, "FUNCTION", "STATS").Slice()
		t.Fatalf("FUNCTION KILL answered OK, but 20 s later the FCALL has no reply; FUNCTION STATS: %v, %v", v, err)
	}
	if v, err := rdb.Do(ctx, "FUNCTION", "STATS").Slice(); err != nil || v[1] != nil {
		t.Errorf("FUNCTION STATS after the kill: %v, %v", v, err)
	}
}

// startRunawayServer starts a server whose scripts have an instruction
// budget nothing reaches (only a kill or the test's end stops them), with
// busy-reply-threshold set to thresholdMs, and a client for it.
func startRunawayServer(t *testing.T, thresholdMs string) (*testServer, *redis.Client) {
	t.Helper()
	saved := kv.ScriptLimits
	kv.ScriptLimits.Instructions = 1 << 36
	ts := startServer(t, Config{})
	kv.ScriptLimits = saved
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute, Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.ConfigSet(context.Background(), "busy-reply-threshold", thresholdMs).Err(); err != nil {
		t.Fatal(err)
	}
	return ts, rdb
}
