package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
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
