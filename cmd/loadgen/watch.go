package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// watchEvery is how often -watch-urls are scraped: a snapshot of seconds
// is seen within a tenth of a second of its start and end.
const watchEvery = 100 * time.Millisecond

// watcher scrapes Prometheus text endpoints for one metric and knows
// whether any of them last reported it above zero (for Redraft,
// redraft_snapshot_in_progress: a snapshot is being written on some node).
// Operations are then measured apart by whether the metric was on at their
// start or at their end.
type watcher struct {
	name string
	urls []string
	on   atomic.Bool
	// scrapes, onScrapes and failed count scrapes of all the URLs, those
	// that found the metric on, and single URLs that could not be read.
	scrapes, onScrapes, failed atomic.Uint64
}

func newWatcher(name string, urls []string) *watcher { return &watcher{name: name, urls: urls} }

// run scrapes until ctx ends.
func (w *watcher) run(ctx context.Context) {
	client := &http.Client{Timeout: watchEvery * 5}
	t := time.NewTicker(watchEvery)
	defer t.Stop()
	for {
		on := false
		for _, u := range w.urls {
			v, err := w.scrape(ctx, client, u)
			if err != nil {
				w.failed.Add(1)
				continue
			}
			on = on || v > 0
		}
		w.on.Store(on)
		w.scrapes.Add(1)
		if on {
			w.onScrapes.Add(1)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scrape returns the sum of the metric's samples at url.
func (w *watcher) scrape(ctx context.Context, client *http.Client, url string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return metricValue(bufio.NewScanner(resp.Body), w.name)
}

// metricValue sums the samples of metric name in Prometheus text format.
func metricValue(sc *bufio.Scanner, name string) (float64, error) {
	sum, found := 0.0, false
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if strings.HasPrefix(rest, "{") {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				continue
			}
			rest = rest[end+1:]
		}
		if !strings.HasPrefix(rest, " ") {
			continue // a longer metric name
		}
		f := strings.Fields(rest)
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %w", name, err)
		}
		sum, found = sum+v, true
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("metric %s not exported", name)
	}
	return sum, nil
}
