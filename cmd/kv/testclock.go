package main

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The test-only clock offset (--test-clock-offset-file): the Jepsen-style
// tester's clock nemesis (tester/jepsen) bumps and strobes a node's clock
// by writing an offset in milliseconds to a file the node polls. Go reads
// the wall clock through the vDSO, so faketime-style tools cannot reach
// it; the offset applies to the clock the node's Raft layer uses
// (replication.Config.Clock: entry stamps, expiry, blocking timeouts, the
// time of reads). Monotonic timers (raft's heartbeats and leases) are not
// affected, as a real clock step does not affect them either. Without the
// flag nothing polls and the clock is time.Now.

// clockPoll is how often the offset file is read.
const clockPoll = 10 * time.Millisecond

// offsetClock polls path until ctx ends and returns a clock (Unix ms) with
// the offset the file last held (a missing or unreadable file: 0).
func offsetClock(ctx context.Context, path string) func() int64 {
	var off atomic.Int64
	read := func() {
		b, err := os.ReadFile(path)
		if err != nil {
			off.Store(0)
			return
		}
		if v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil {
			off.Store(v)
		}
	}
	read()
	go func() {
		t := time.NewTicker(clockPoll)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				read()
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() int64 { return time.Now().UnixMilli() + off.Load() }
}
