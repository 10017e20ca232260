package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMetricValue(t *testing.T) {
	text := `# HELP redraft_snapshot_in_progress Snapshots being written now.
# TYPE redraft_snapshot_in_progress gauge
redraft_snapshot_in_progress 1
redraft_snapshot_in_progress_total 7
redraft_state{state="leader"} 1
redraft_state{state="follower"} 0
`
	for _, tc := range []struct {
		name string
		want float64
		err  bool
	}{
		{"redraft_snapshot_in_progress", 1, false},
		{"redraft_state", 1, false},
		{"redraft_missing", 0, true},
	} {
		got, err := metricValue(bufio.NewScanner(strings.NewReader(text)), tc.name)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%s: %v, %v; want %v, error %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// TestWatcherFollowsTheMetric: the watcher turns on within a few scrapes
// of a node reporting the metric above zero, and off again after.
func TestWatcherFollowsTheMetric(t *testing.T) {
	var v atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "x_in_progress %d\n", v.Load())
	}))
	defer srv.Close()
	idle := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "x_in_progress 0")
	}))
	defer idle.Close()
	w := newWatcher("x_in_progress", []string{idle.URL, srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.run(ctx)
	wait := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for w.on.Load() != want {
			if time.Now().After(deadline) {
				t.Fatalf("watcher on = %v after 5 s, want %v", !want, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(false)
	v.Store(1)
	wait(true)
	v.Store(0)
	wait(false)
	if w.failed.Load() != 0 {
		t.Fatalf("%d failed scrapes of healthy endpoints", w.failed.Load())
	}
}
