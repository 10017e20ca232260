package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"redraft/tester/jepsen"
	"redraft/tester/netns"
)

const clusterUsage = `usage: linkv test --cluster netns --bin PATH -w register|set|list-append|queue [flags]

Runs a Jepsen-style test of a real TCP cluster: N "kv serve" nodes, each in
its own network namespace, RESP clients on every node, faults from a seed
(docs/jepsen.md). Needs root, iproute2 and nftables.

flags:
  --cluster netns          the cluster driver (required; only netns exists)
  --bin PATH               node binary (required)
  -w, --workload W         register, set, list-append or queue (default register)
  --node-count N           nodes n1..nN (default 3)
  --concurrency K|Kn       client threads; thread i talks to node i mod N (default 2n)
  --time-limit S           seconds of workload and faults (default 60)
  --rate R                 operations per second, all threads together (default 50)
  --nemesis LIST           partition,kill,pause,member,clock,loss or all (default none)
  --nemesis-interval S     mean seconds between a fault's start and stop (default 10)
  --seed N                 seed of the schedule and the op streams (default random; printed)
  --results DIR            report root (default results)
  --client-timeout S       one command's timeout; past it the op is info (default 5)
  --recovery-time S        how long the final phase waits for healed nodes (default 60)
  --checker-timeout S      porcupine's budget over all keys (default 300)
  --node-args "FLAGS"      extra flags for every kv serve (space-separated)
  --install                apt-get install iproute2 and nftables when missing
  --replay DIR             repeat a report's configuration, node flags and fault schedule
                           (results.json, schedule.json); the other test flags are ignored

exit status: 0 valid, 1 invalid, 2 unknown (or interrupted), 254 usage error,
255 crash (the cluster could not be created or become ready, or a node exited
by itself)
`

// clusterRequested reports whether a test command names --cluster.
func clusterRequested(args []string) bool {
	for _, a := range args {
		if a == "--cluster" || a == "-cluster" || strings.HasPrefix(a, "--cluster=") || strings.HasPrefix(a, "-cluster=") {
			return true
		}
	}
	return false
}

type clusterOptions struct {
	cfg      jepsen.Config
	driver   string
	bin      string
	results  string
	nodeArgs []string
	install  bool
	replay   string // a report directory whose configuration and schedule to repeat
}

func parseCluster(args []string, stderr io.Writer) (*clusterOptions, error) {
	fs := flag.NewFlagSet("linkv test --cluster", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := &clusterOptions{}
	fs.StringVar(&o.driver, "cluster", "", "")
	fs.StringVar(&o.bin, "bin", "", "")
	w := fs.String("w", jepsen.WorkloadRegister, "")
	fs.StringVar(w, "workload", jepsen.WorkloadRegister, "")
	nodes := fs.Int("node-count", 3, "")
	conc := fs.String("concurrency", "2n", "")
	limit := fs.Float64("time-limit", 60, "")
	rate := fs.Float64("rate", jepsen.DefaultRate, "")
	nem := fs.String("nemesis", "", "")
	interval := fs.Float64("nemesis-interval", jepsen.DefaultInterval.Seconds(), "")
	seed := fs.String("seed", "", "")
	fs.StringVar(&o.results, "results", "results", "")
	ct := fs.Float64("client-timeout", jepsen.DefaultClientTimeout.Seconds(), "")
	rt := fs.Float64("recovery-time", jepsen.DefaultRecoveryTime.Seconds(), "")
	kt := fs.Float64("checker-timeout", jepsen.DefaultCheckerTime.Seconds(), "")
	nodeArgs := fs.String("node-args", "", "")
	fs.BoolVar(&o.install, "install", false, "")
	fs.StringVar(&o.replay, "replay", "", "")
	fail := func(err error) (*clusterOptions, error) {
		fmt.Fprintf(stderr, "linkv: %v\n\n%s", err, clusterUsage)
		return nil, &exitError{exitUsage}
	}
	if err := fs.Parse(args); err != nil {
		return fail(err)
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if o.driver != "netns" {
		return fail(fmt.Errorf("--cluster %q: only netns exists", o.driver))
	}
	if o.bin == "" {
		return fail(errors.New("--bin is required"))
	}
	o.nodeArgs = strings.Fields(*nodeArgs)
	if o.replay != "" {
		var err error
		if o.cfg, o.nodeArgs, err = jepsen.LoadReplay(o.replay); err != nil {
			return fail(fmt.Errorf("--replay: %w", err))
		}
		return o, nil
	}
	c := &o.cfg
	c.Workload, c.NodeCount, c.Rate = *w, *nodes, *rate
	c.TimeLimit, c.NemesisInterval = seconds(*limit), seconds(*interval)
	c.ClientTimeout, c.RecoveryTime, c.CheckerTimeout = seconds(*ct), seconds(*rt), seconds(*kt)
	var err error
	if c.Nemesis, err = jepsen.ParseNemesis(*nem); err != nil {
		return fail(err)
	}
	if c.Concurrency, err = parseThreads(*conc, *nodes); err != nil {
		return fail(err)
	}
	if *seed == "" {
		c.Seed = rand.Uint64() % 1e12
	} else if c.Seed, err = strconv.ParseUint(*seed, 10, 64); err != nil {
		return fail(fmt.Errorf("--seed must be a non-negative integer: %q", *seed))
	}
	if err := c.Validate(); err != nil {
		return fail(err)
	}
	return o, nil
}

// parseThreads resolves --concurrency: K, or Kn for K times the node count.
func parseThreads(s string, nodes int) (int, error) {
	mult := 1
	if strings.HasSuffix(s, "n") {
		s, mult = strings.TrimSuffix(s, "n"), nodes
		if s == "" {
			s = "1"
		}
	}
	k, err := strconv.Atoi(s)
	if err != nil || k <= 0 {
		return 0, fmt.Errorf("--concurrency must be a positive integer or <k>n, got %q", s)
	}
	return k * mult, nil
}

func clusterReplay(o *clusterOptions) string {
	c := o.cfg
	if o.replay != "" {
		return strings.Join([]string{"linkv", "test", "--cluster", o.driver, "--bin", o.bin, "--replay", o.replay}, " ")
	}
	parts := []string{"linkv", "test", "--cluster", o.driver, "--bin", o.bin, "-w", c.Workload,
		"--node-count", strconv.Itoa(c.NodeCount), "--concurrency", strconv.Itoa(c.Concurrency),
		"--time-limit", fmtFloat(c.TimeLimit.Seconds()), "--rate", fmtFloat(c.Rate)}
	if len(c.Nemesis) > 0 {
		parts = append(parts, "--nemesis", strings.Join(c.Nemesis, ","), "--nemesis-interval", fmtFloat(c.NemesisInterval.Seconds()))
	}
	if len(o.nodeArgs) > 0 {
		parts = append(parts, "--node-args", strconv.Quote(strings.Join(o.nodeArgs, " ")))
	}
	return strings.Join(append(parts, "--seed", strconv.FormatUint(c.Seed, 10)), " ")
}

// testCluster is linkv test --cluster netns.
func testCluster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseCluster(args, stderr)
	if err != nil {
		return err
	}
	if o.install {
		if err := netns.Install(ctx); err != nil {
			fmt.Fprintf(stderr, "linkv: %v\n", err)
			return &exitError{exitCrash}
		}
	}
	if err := netns.Available(); err != nil {
		fmt.Fprintf(stderr, "linkv: refusing to run: %v\n", err)
		return &exitError{exitCrash}
	}
	start := time.Now()
	c := o.cfg
	dir, err := uniqueDir(o.results, fmt.Sprintf("%s-%s-%dn-%s-s%d", start.Format("2006-01-02"), c.Workload, c.NodeCount, c.NemesisName(), c.Seed))
	if err != nil {
		fmt.Fprintf(stderr, "linkv: %v\n", err)
		return &exitError{exitCrash}
	}
	work, err := os.MkdirTemp("", "linkv-netns-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	cmdline := clusterReplay(o)
	fmt.Fprintf(stdout, "linkv: seed %d; report in %s\nlinkv: replay with: %s\n", c.Seed, dir, cmdline)
	var mu sync.Mutex
	var crashes []string
	cl, err := netns.New(ctx, netns.Config{
		Bin: o.bin, Nodes: c.NodeCount, WorkDir: work, LogDir: filepath.Join(dir, "node-logs"), Args: o.nodeArgs,
		ClockHook: slices.Contains(c.Nemesis, jepsen.FaultClock),
		OnExit: func(id string, err error) {
			mu.Lock()
			crashes = append(crashes, fmt.Sprintf("%s exited by itself: %v", id, err))
			mu.Unlock()
			fmt.Fprintf(stdout, "linkv: %s exited by itself: %v\n", id, err)
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "linkv: %v\n", err)
		return &exitError{exitCrash}
	}
	defer cl.Close()
	fmt.Fprintf(stdout, "linkv: cluster in namespaces %s..%s, subnet %s, RESP %s..\n", cl.Namespace("n1"), cl.Namespace(fmt.Sprintf("n%d", c.NodeCount)), cl.Subnet(), cl.RESPAddr("n1"))
	c.Progress = func(s string) { fmt.Fprintln(stdout, s) }
	res, err := jepsen.Run(ctx, c, cl)
	if err != nil {
		fmt.Fprintf(stderr, "linkv: the test crashed: %v\n", err)
		return &exitError{exitCrash}
	}
	closeErr := cl.Close()
	fmt.Fprintf(stdout, "linkv: %d operations in %.1f s; checking...\n", len(res.Ops), res.Duration.Seconds())
	a := jepsen.Analyze(res, c.CheckerTimeout)
	mu.Lock()
	meta := jepsen.Meta{Command: cmdline, Commit: commit(), Cluster: "netns " + cl.Subnet().String(), Crashes: append([]string(nil), crashes...), NodeArgs: o.nodeArgs}
	mu.Unlock()
	if err := jepsen.WriteReport(dir, res, a, meta); err != nil {
		fmt.Fprintf(stderr, "linkv: %v\n", err)
	}
	if closeErr != nil {
		fmt.Fprintf(stderr, "linkv: teardown: %v\n", closeErr)
	}
	fmt.Fprintf(stdout, "linkv: %s: %d ops (ok %d, fail %d, info %d), ok %.1f %%, answered %.1f %%, bound %.1f %%\n",
		jepsen.Verdict(a, meta), a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info, 100*a.OkFraction, 100*a.AnsweredFraction, 100*a.StructuralBound)
	fmt.Fprintf(stdout, "linkv: %s/summary.md\n", dir)
	switch {
	case len(meta.Crashes) > 0:
		return &exitError{exitCrash}
	case res.Interrupted && a.ExitCode() == exitValid:
		fmt.Fprintln(stdout, "linkv: interrupted before the time limit: exit 2 (unknown) although the history so far is valid")
		return &exitError{exitUnknown}
	case a.ExitCode() == exitValid:
		return nil
	}
	return &exitError{a.ExitCode()}
}
