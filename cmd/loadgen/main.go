package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// errorTextsShown bounds the error texts printed to stderr.
const errorTextsShown = 5

func main() {
	os.Exit(mainErr(os.Args[1:], os.Stdout, os.Stderr))
}

// report is the JSON line (latencies in microseconds).
type report struct {
	Target        string   `json:"target"`
	Op            string   `json:"op"`
	Clients       int      `json:"clients"`
	Conns         int      `json:"conns"`
	Nodes         []string `json:"nodes"`
	NodesMode     string   `json:"nodes_mode"`
	Keys          int      `json:"keys"`
	ValueBytes    int      `json:"value_bytes"`
	WarmupS       float64  `json:"warmup_s"`
	DurationS     float64  `json:"duration_s"`
	Ops           uint64   `json:"ops"`
	Errors        uint64   `json:"errors"`
	OpsPerS       float64  `json:"ops_per_s"`
	LatencyMeanUs float64  `json:"latency_mean_us"`
	LatencyP50Us  float64  `json:"latency_p50_us"`
	LatencyP90Us  float64  `json:"latency_p90_us"`
	LatencyP99Us  float64  `json:"latency_p99_us"`
	LatencyMaxUs  float64  `json:"latency_max_us"`
	// With -watch-metric: the successful operations while the metric was
	// on (at their start or end) and while it was off, and the share of
	// scrapes that found it on.
	LatencyP999Us float64      `json:"latency_p999_us"`
	Watch         *watchReport `json:"watch,omitempty"`
}

// watchReport splits the latencies by the watched metric.
type watchReport struct {
	Metric        string      `json:"metric"`
	Scrapes       uint64      `json:"scrapes"`
	OnFraction    float64     `json:"on_fraction"`
	FailedScrapes uint64      `json:"failed_scrapes"`
	During        latencyPart `json:"during"`
	Outside       latencyPart `json:"outside"`
	ErrorsDuring  uint64      `json:"errors_during"`
}

// latencyPart is one part of the operations (microseconds).
type latencyPart struct {
	Ops   uint64  `json:"ops"`
	P50   float64 `json:"p50_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p999_us"`
	MaxUs float64 `json:"max_us"`
}

func part(h *histogram) latencyPart {
	return latencyPart{Ops: h.total, P50: us(h.quantile(0.50)), P99: us(h.quantile(0.99)), P999: us(h.quantile(0.999)), MaxUs: us(h.max)}
}

func mainErr(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	targetFlag := fs.String("target", "redis://127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383",
		"redis://host:port[,host:port...] or etcd://host:port[,host:port...]")
	op := fs.String("op", opWrite, "write (SET / Put) or read (GET / linearizable Get)")
	clients := fs.Int("clients", 16, "concurrent closed-loop clients")
	duration := fs.Duration("duration", 15*time.Second, "measurement window")
	warmup := fs.Duration("warmup", 2*time.Second, "warm-up before the window (not measured)")
	keys := fs.Int("keys", 10000, "keyspace size; keys are key:%012d, filled before reads")
	valueBytes := fs.Int("value-bytes", 64, "value size in bytes")
	timeout := fs.Duration("timeout", 5*time.Second, "per-operation timeout (an expired one is an error)")
	nodes := fs.String("nodes", nodesLeader, "leader: all clients on the leader; first: on the first address; all: spread over every address")
	etcdConns := fs.Int("etcd-conns", 0, "clientv3 clients shared by the workers (0: one per -etcd-workers-per-conn workers)")
	etcdPer := fs.Int("etcd-workers-per-conn", etcdWorkersPerConnDefault, "workers per clientv3 client when -etcd-conns is 0")
	seed := fs.Uint64("seed", 1, "seed of the key choice and values")
	watchMetric := fs.String("watch-metric", "", "Prometheus metric (e.g. redraft_snapshot_in_progress) scraped from -watch-urls every 100 ms: operations while it is above zero on any URL are measured apart")
	watchURLs := fs.String("watch-urls", "", "comma-separated metrics URLs (http://host:port/metrics) for -watch-metric")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *clients < 1 || *keys < 1 || *valueBytes < 0 || *duration <= 0 || *warmup < 0 || *timeout <= 0 {
		fmt.Fprintln(stderr, "loadgen: -clients and -keys must be >= 1, -duration and -timeout > 0, -warmup and -value-bytes >= 0")
		return 2
	}
	t, err := parseTarget(*targetFlag)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	s, err := open(ctx, t, openOptions{workers: *clients, nodes: *nodes, etcdConns: *etcdConns, etcdWorkersPerConn: *etcdPer})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer s.Close()
	cfg := runConfig{op: *op, workers: *clients, warmup: *warmup, duration: *duration,
		keys: *keys, valueBytes: *valueBytes, timeout: *timeout, seed: *seed}
	var wt *watcher
	if (*watchMetric == "") != (*watchURLs == "") {
		fmt.Fprintln(stderr, "loadgen: -watch-metric and -watch-urls go together")
		return 2
	}
	if *watchMetric != "" {
		wt = newWatcher(*watchMetric, strings.Split(*watchURLs, ","))
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go wt.run(wctx)
		cfg.phase = wt.on.Load
	}
	res, err := run(ctx, s, cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	info := s.describe()
	rep := report{
		Target: t.scheme, Op: *op, Clients: *clients, Conns: info.Conns, Nodes: info.Nodes, NodesMode: *nodes,
		Keys: *keys, ValueBytes: *valueBytes, WarmupS: warmup.Seconds(), DurationS: duration.Seconds(),
		Ops: res.ops, Errors: res.errors, OpsPerS: float64(res.ops) / res.window.Seconds(),
		LatencyMeanUs: us(res.hist.mean()), LatencyP50Us: us(res.hist.quantile(0.50)),
		LatencyP90Us: us(res.hist.quantile(0.90)), LatencyP99Us: us(res.hist.quantile(0.99)),
		LatencyMaxUs: us(res.hist.max), LatencyP999Us: us(res.hist.quantile(0.999)),
	}
	if wt != nil {
		sc := wt.scrapes.Load()
		rep.Watch = &watchReport{Metric: wt.name, Scrapes: sc, FailedScrapes: wt.failed.Load(),
			During: part(&res.during), Outside: part(&res.outside), ErrorsDuring: res.errorsDuring}
		if sc > 0 {
			rep.Watch.OnFraction = float64(wt.onScrapes.Load()) / float64(sc)
		}
	}
	fmt.Fprintln(stdout, humanLine(rep))
	js, err := json.Marshal(rep)
	if err != nil {
		panic(err) // a struct of numbers and strings always marshals
	}
	fmt.Fprintln(stdout, string(js))
	for i, text := range res.topErrors() {
		if i == errorTextsShown {
			fmt.Fprintf(stderr, "loadgen: ... %d more error texts\n", len(res.errs)-i)
			break
		}
		fmt.Fprintf(stderr, "loadgen: %d x %s\n", res.errs[text], text)
	}
	return 0
}

func us(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

func humanLine(r report) string {
	ms := func(v float64) string { return fmt.Sprintf("%.3fms", v/1e3) }
	return fmt.Sprintf("%s %s clients=%d conns=%d nodes=%s duration=%gs ops=%d errors=%d ops/s=%.0f p50=%s p90=%s p99=%s max=%s",
		r.Target, r.Op, r.Clients, r.Conns, strings.Join(r.Nodes, ","), r.DurationS, r.Ops, r.Errors, r.OpsPerS,
		ms(r.LatencyP50Us), ms(r.LatencyP90Us), ms(r.LatencyP99Us), ms(r.LatencyMaxUs))
}
