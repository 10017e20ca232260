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
	saved := kv.ScriptLimits
	kv.ScriptLimits.Instructions = 1 << 36 // only SCRIPT KILL or the test's end stops it
	ts := startServer(t, Config{})
	kv.ScriptLimits = saved
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute})
	defer rdb.Close()
	if err := rdb.ConfigSet(ctx, "lua-time-limit", "10").Err(); err != nil {
		t.Fatal(err)
	}
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
	saved := kv.ScriptLimits
	kv.ScriptLimits.Instructions = 1 << 36 // only SCRIPT KILL or the test's end stops it
	ts := startServer(t, Config{})
	kv.ScriptLimits = saved
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, ReadTimeout: time.Minute})
	defer rdb.Close()
	// Long enough that the PING below surely arrives before it passes.
	if err := rdb.ConfigSet(ctx, "lua-time-limit", "300").Err(); err != nil {
		t.Fatal(err)
	}
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
