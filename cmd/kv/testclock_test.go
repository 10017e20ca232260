package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestOffsetClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := offsetClock(ctx, path)
	near := func(off int64) bool {
		d := clock() - time.Now().UnixMilli() - off
		return d > -50 && d < 50
	}
	wait := func(what string, off int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !near(off) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: clock is %d ms off, want %d", what, clock()-time.Now().UnixMilli(), off)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	wait("no file", 0)
	for _, off := range []int64{60000, -250000} {
		if err := os.WriteFile(path, []byte(strconv.FormatInt(off, 10)+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		wait("offset", off)
	}
	os.Remove(path)
	wait("file removed", 0)
}

// The hook reaches the node's clock: TIME on a one-node cluster moves by
// the offset written to the file, and back when it is reset.
func TestServeTestClockOffset(t *testing.T) {
	dir := t.TempDir()
	off := filepath.Join(dir, "clock")
	p := startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--data", filepath.Join(dir, "data"), "--test-clock-offset-file", off)
	rdb := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: 20})
	defer rdb.Close()
	ctx := context.Background()
	ahead := func(want time.Duration) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			tm, err := rdb.Time(ctx).Result()
			if d := time.Until(tm); err == nil && d > want-5*time.Second && d < want+5*time.Second {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("TIME %v (%v), want %v ahead", tm, err, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ahead(0)
	if err := os.WriteFile(off, []byte("3600000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ahead(time.Hour)
	if err := os.WriteFile(off, []byte("0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ahead(0)
}
