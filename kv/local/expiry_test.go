package local

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"redraft/kv"
)

// TestActiveExpiry: expired keys leave the keyspace (DBSIZE) without being
// touched, as Redis's active expire cycle removes them.
func TestActiveExpiry(t *testing.T) {
	var now atomic.Int64
	now.Store(1_700_000_000_000)
	x := New(WithClock(now.Load))
	run := func(args ...string) string {
		a := make([][]byte, len(args))
		for i, s := range args {
			a[i] = []byte(s)
		}
		w := kv.NewWriter(nil, 2)
		x.Execute(context.Background(), []*kv.Cmd{{Args: a, Proto: 2}}, w)
		return string(w.Bytes())
	}
	for i := 0; i < 100; i++ {
		run("SET", "k"+strconv.Itoa(i), "v", "PX", "100")
	}
	run("SET", "stays", "v")
	now.Add(200)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go x.ActiveExpiry(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for run("DBSIZE") != ":1\r\n" {
		if time.Now().After(deadline) {
			t.Fatalf("DBSIZE %q after 10s, want 1", run("DBSIZE"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := run("GET", "stays"); got != "$1\r\nv\r\n" {
		t.Fatalf("GET stays: %q", got)
	}
}
