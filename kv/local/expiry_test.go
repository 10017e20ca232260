package local

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"redraft/kv"
)

func TestExpireOnceSweepsEveryDatabase(t *testing.T) {
	now := int64(1_700_000_000_000)
	x := New(WithClock(func() int64 { return now }), WithSeed(1))
	run := func(db int, args ...string) string {
		a := make([][]byte, len(args))
		for i, s := range args {
			a[i] = []byte(s)
		}
		w := kv.NewWriter(nil, 2)
		x.Execute(context.Background(), []*kv.Cmd{{Args: a, Proto: 2, DB: db}}, w)
		return string(w.Bytes())
	}
	for i := 0; i < 100; i++ {
		run(0, "SET", fmt.Sprint("a", i), "v", "PX", "10")
		run(9, "SET", fmt.Sprint("b", i), "v", "PX", "10")
	}
	run(9, "SET", "stays", "v")
	run(15, "SET", "later", "v", "PX", "1000")
	if got := x.ExpireOnce(); got != 0 {
		t.Fatalf("nothing expired yet, removed %d", got)
	}
	now += 20
	removed := 0
	for i := 0; i < 100 && removed < 200; i++ {
		removed += x.ExpireOnce()
	}
	if removed != 200 {
		t.Fatalf("removed %d, want 200", removed)
	}
	if got := x.Keyspace(); !slices.Equal(got, []kv.KeyspaceInfo{{DB: 9, Keys: 1}, {DB: 15, Keys: 1, Expires: 1}}) {
		t.Fatalf("Keyspace after the sweeps: %+v", got)
	}
}

func TestRunExpiryStopsWithItsContext(t *testing.T) {
	x := New()
	w := kv.NewWriter(nil, 2)
	x.Execute(context.Background(), []*kv.Cmd{{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v"), []byte("PX"), []byte("1")}, Proto: 2, DB: 3}}, w)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); x.RunExpiry(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(x.Keyspace()) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the expired key was not swept within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunExpiry did not return after its context was cancelled")
	}
}
