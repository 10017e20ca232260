package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeStore is an in-memory target: every failEvery-th operation of a
// client fails, each operation takes delay.
type fakeStore struct {
	mu        sync.Mutex
	data      map[string][]byte
	calls     map[string]int // "set" / "get" -> count
	delay     time.Duration
	failEvery int
	n         int
}

type fakeClient struct{ s *fakeStore }

var errFake = errors.New("fake: outcome unknown")

func (c fakeClient) do(kind, key string, value []byte) error {
	time.Sleep(c.s.delay)
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.s.n++
	c.s.calls[kind]++
	if c.s.failEvery > 0 && c.s.n%c.s.failEvery == 0 {
		return errFake
	}
	if value != nil {
		c.s.data[key] = value
	}
	return nil
}

func (c fakeClient) set(_ context.Context, key string, value []byte) error {
	return c.do("set", key, value)
}
func (c fakeClient) get(_ context.Context, key string) error { return c.do("get", key, nil) }

func (c fakeClient) fill(_ context.Context, keys []string, value []byte) error {
	if len(keys) > fillBatchMax {
		panic("fill batch above fillBatchMax")
	}
	for _, k := range keys {
		if err := c.do("set", k, value); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeStore) client(int) kvClient { return fakeClient{s} }
func (s *fakeStore) describe() storeInfo { return storeInfo{} }
func (s *fakeStore) Close() error        { return nil }
func newFake(delay time.Duration, failEvery int) *fakeStore {
	return &fakeStore{data: map[string][]byte{}, calls: map[string]int{}, delay: delay, failEvery: failEvery}
}

func TestRunCountsOnlyTheWindow(t *testing.T) {
	s := newFake(time.Millisecond, 0)
	cfg := runConfig{op: opWrite, workers: 4, warmup: 100 * time.Millisecond, duration: 200 * time.Millisecond,
		keys: 50, valueBytes: 64, timeout: time.Second, seed: 1}
	res, err := run(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.errors != 0 {
		t.Errorf("errors = %d, want 0", res.errors)
	}
	calls := uint64(s.calls["set"])
	if res.ops == 0 || res.ops >= calls {
		t.Errorf("ops = %d, want > 0 and fewer than the %d calls (warm-up excluded)", res.ops, calls)
	}
	if got, want := res.hist.total, res.ops; got != want {
		t.Errorf("latency samples = %d, want one per op %d", got, want)
	}
	if p50 := res.hist.quantile(0.5); p50 < time.Millisecond {
		t.Errorf("p50 = %v, want at least the 1ms the fake takes", p50)
	}
	for k, v := range s.data {
		if len(v) != 64 {
			t.Fatalf("value of %s has %d bytes, want 64", k, len(v))
		}
	}
}

func TestRunCountsErrors(t *testing.T) {
	s := newFake(0, 3)
	cfg := runConfig{op: opRead, workers: 2, duration: 50 * time.Millisecond, keys: 10, valueBytes: 8,
		timeout: time.Second, seed: 2}
	// Populating with every third call failing must fail the run.
	if _, err := run(context.Background(), s, cfg); err == nil {
		t.Fatal("run with failing populate succeeded, want an error")
	}
	s = newFake(0, 3)
	cfg.op = opWrite
	res, err := run(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	total := res.ops + res.errors
	if res.errors == 0 || res.errors*3 > total+3 || res.errors*3+3 < total {
		t.Errorf("errors = %d of %d, want about a third", res.errors, total)
	}
	if got, want := res.errs[errFake.Error()], res.errors; got != want {
		t.Errorf("error text count = %d, want %d", got, want)
	}
}

func TestRunPopulatesBeforeReads(t *testing.T) {
	s := newFake(0, 0)
	cfg := runConfig{op: opRead, workers: 3, duration: 20 * time.Millisecond, keys: 250, valueBytes: 64,
		timeout: time.Second, seed: 3}
	if _, err := run(context.Background(), s, cfg); err != nil {
		t.Fatal(err)
	}
	if got, want := len(s.data), 250; got != want {
		t.Errorf("keys written = %d, want %d", got, want)
	}
	if got, want := s.calls["set"], 250; got != want {
		t.Errorf("writes = %d, want %d (one per key)", got, want)
	}
}

func TestRunRejectsUnknownOp(t *testing.T) {
	_, err := run(context.Background(), newFake(0, 0), runConfig{op: "scan", workers: 1, keys: 1})
	if !errors.Is(err, errOp) {
		t.Errorf("error = %v, want %v", err, errOp)
	}
}

// TestRunSplitsByPhase: with a phase, every successful operation is
// measured either during it or outside it, and operations that ran while
// it was on (here: while a slow "snapshot" ran) land in the during part.
func TestRunSplitsByPhase(t *testing.T) {
	s := newFake(time.Millisecond, 0)
	start := time.Now()
	on := func() bool { // on from 100 ms to 200 ms after the start
		d := time.Since(start)
		return d >= 100*time.Millisecond && d < 200*time.Millisecond
	}
	cfg := runConfig{op: opWrite, workers: 2, duration: 300 * time.Millisecond, keys: 10, valueBytes: 8,
		timeout: time.Second, seed: 4, phase: on}
	res, err := run(context.Background(), s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res.during.total == 0 || res.outside.total == 0 || res.during.total+res.outside.total != res.ops {
		t.Fatalf("during %d + outside %d, want both > 0 and summing to ops %d", res.during.total, res.outside.total, res.ops)
	}
	if res.outside.total < res.during.total {
		t.Errorf("during %d > outside %d, but the phase covered a third of the window", res.during.total, res.outside.total)
	}
}
