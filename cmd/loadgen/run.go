package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Operations (-op).
const (
	opWrite = "write"
	opRead  = "read"
)

const (
	// populateWorkersMax bounds the concurrency of the pre-read fill.
	populateWorkersMax = 64
	// errorTextMax bounds the distinct error texts kept per worker (the
	// rest are still counted).
	errorTextMax = 16
)

var errOp = errors.New("loadgen: -op must be write or read")

// runConfig is one closed-loop run.
type runConfig struct {
	op         string
	workers    int
	warmup     time.Duration
	duration   time.Duration
	keys       int
	valueBytes int
	timeout    time.Duration // per operation
	seed       uint64
	// phase, when set, tells whether the watched metric is on now (-watch-metric):
	// operations it was on for at their start or end are measured apart.
	phase func() bool
}

// result is what a run measured.
type result struct {
	ops    uint64 // successful operations completed in the window
	errors uint64 // failed operations completed in the window
	window time.Duration
	hist   histogram         // latencies of successful operations
	errs   map[string]uint64 // error text -> count (bounded)
	// With a phase: the successful operations during it and outside it,
	// and the failed ones during it.
	during, outside histogram
	errorsDuring    uint64
}

// worker state, owned by one goroutine until the run ends.
type workerResult struct {
	ops, errors     uint64
	hist            histogram
	errs            map[string]uint64
	during, outside histogram
	errorsDuring    uint64
}

func keyName(i int) string { return fmt.Sprintf("key:%012d", i) }

// makeValue returns n printable pseudo-random bytes.
func makeValue(r *rand.Rand, n int) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	v := make([]byte, n)
	for i := range v {
		v[i] = alphabet[r.IntN(len(alphabet))]
	}
	return v
}

// populate writes every key once, so reads find values: batches of
// fillBatchMax keys, up to populateWorkersMax batches in flight.
func populate(ctx context.Context, s store, cfg runConfig, keys []string) error {
	batches := (len(keys) + fillBatchMax - 1) / fillBatchMax
	n := min(cfg.workers, populateWorkersMax, batches)
	next := make(chan []string, n)
	var mu sync.Mutex
	var firstErr error
	failed := 0
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			c := s.client(w)
			v := makeValue(rand.New(rand.NewPCG(cfg.seed, uint64(w)+1<<32)), cfg.valueBytes)
			for batch := range next {
				octx, cancel := context.WithTimeout(ctx, cfg.timeout)
				err := c.fill(octx, batch, v)
				cancel()
				if err != nil {
					mu.Lock()
					failed++
					firstErr = cmpOr(firstErr, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := 0; i < len(keys) && ctx.Err() == nil; i += fillBatchMax {
		next <- keys[i:min(i+fillBatchMax, len(keys))]
	}
	close(next)
	wg.Wait()
	if failed > 0 {
		return fmt.Errorf("loadgen: populate: %d of %d batches failed, first: %w", failed, batches, firstErr)
	}
	return ctx.Err()
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// run drives the closed loop and returns the merged measurements.
func run(ctx context.Context, s store, cfg runConfig) (result, error) {
	if cfg.op != opWrite && cfg.op != opRead {
		return result{}, fmt.Errorf("%w: %q", errOp, cfg.op)
	}
	keys := make([]string, cfg.keys)
	for i := range keys {
		keys[i] = keyName(i)
	}
	if cfg.op == opRead {
		if err := populate(ctx, s, cfg, keys); err != nil {
			return result{}, err
		}
	}
	start := time.Now()
	windowStart := start.Add(cfg.warmup)
	windowEnd := windowStart.Add(cfg.duration)
	results := make([]workerResult, cfg.workers)
	var wg sync.WaitGroup
	for w := range cfg.workers {
		wg.Go(func() {
			results[w] = drive(ctx, s.client(w), cfg, keys, w, windowStart, windowEnd)
		})
	}
	wg.Wait()
	res := result{window: cfg.duration, errs: map[string]uint64{}}
	for i := range results {
		r := &results[i]
		res.ops += r.ops
		res.errors += r.errors
		res.hist.merge(&r.hist)
		res.during.merge(&r.during)
		res.outside.merge(&r.outside)
		res.errorsDuring += r.errorsDuring
		for t, c := range r.errs {
			res.errs[t] += c
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// drive is one worker's loop: issue, wait, record, until the window ends.
func drive(ctx context.Context, c kvClient, cfg runConfig, keys []string, w int, windowStart, windowEnd time.Time) workerResult {
	r := rand.New(rand.NewPCG(cfg.seed, uint64(w)))
	value := makeValue(r, cfg.valueBytes)
	res := workerResult{errs: map[string]uint64{}}
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(windowEnd) {
			break
		}
		key := keys[r.IntN(len(keys))]
		during := cfg.phase != nil && cfg.phase()
		octx, cancel := context.WithTimeout(ctx, cfg.timeout)
		var err error
		if cfg.op == opWrite {
			err = c.set(octx, key, value)
		} else {
			err = c.get(octx, key)
		}
		cancel()
		t1 := time.Now()
		if t1.Before(windowStart) || !t1.Before(windowEnd) {
			continue
		}
		during = during || cfg.phase != nil && cfg.phase()
		if err != nil {
			res.errors++
			if during {
				res.errorsDuring++
			}
			if t := err.Error(); res.errs[t] > 0 || len(res.errs) < errorTextMax {
				res.errs[t]++
			}
			continue
		}
		res.ops++
		res.hist.record(t1.Sub(t0))
		if cfg.phase != nil {
			if during {
				res.during.record(t1.Sub(t0))
			} else {
				res.outside.record(t1.Sub(t0))
			}
		}
	}
	return res
}

// topErrors returns the error texts by descending count.
func (r *result) topErrors() []string {
	texts := make([]string, 0, len(r.errs))
	for t := range r.errs {
		texts = append(texts, t)
	}
	sort.Slice(texts, func(i, j int) bool {
		if r.errs[texts[i]] != r.errs[texts[j]] {
			return r.errs[texts[i]] > r.errs[texts[j]]
		}
		return texts[i] < texts[j]
	})
	return texts
}
