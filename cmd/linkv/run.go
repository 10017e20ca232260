package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"redraft/tester/linkv/report"
	"redraft/tester/linkv/runner"
	"redraft/tester/netsim"
)

// Exit codes (Maelstrom's, and Jepsen's CLI for usage errors).
const (
	exitValid   = 0
	exitInvalid = 1
	exitUnknown = 2
	exitUsage   = 254
	exitCrash   = 255
)

// exitError carries an exit code; its message has been printed already.
type exitError struct{ code int }

func (e *exitError) Error() string { return "exit " + strconv.Itoa(e.code) }

// defaultCheckerTimeout bounds porcupine over all keys of a run.
const defaultCheckerTimeout = 5 * time.Minute

const usage = `usage: linkv test -w lin-kv --bin PATH [flags]
       linkv test --cluster netns --bin PATH -w register|set [flags]
                                      a real TCP cluster in network namespaces (linkv test --cluster netns -h)
       linkv index [--results DIR]    rewrite the report table in DIR/README.md

Runs Maelstrom's lin-kv workload against PATH (run with no arguments, one
process per node) and writes a report directory.

flags (as Maelstrom's, plus the last four):
  --bin PATH               node binary (required)
  --node-count N           nodes n0..n(N-1) (default 1)
  --concurrency 2n|K       client threads, a multiple of 2n (default 1n, which lin-kv rejects)
  --time-limit S           seconds of operations (default 60)
  --rate R                 operations per second, all threads together (default 5)
  --latency MS             mean latency of server-to-server messages (default 0)
  --latency-dist D         constant, uniform or exponential (default constant)
  --nemesis LIST           partition[,kill,pause] (default none; Maelstrom knows only partition)
  --nemesis-interval S     mean seconds between nemesis start and stop (default 10)
  --seed N                 seed of the op and nemesis schedule (default random; printed)
  --store DIR              write the run to DIR/lin-kv/<time>/ instead of --results
  --results DIR            report root (default results; with --store, a copy goes here only if given)
  --checker-timeout S      porcupine's budget over all keys (default 300; past it: unknown)

exit status: 0 valid, 1 invalid, 2 unknown, 254 usage error, 255 crash
`

// options are the parsed flags.
type options struct {
	cfg        runner.Config
	store      string
	results    string
	resultsSet bool
}

func parse(args []string, stderr io.Writer) (*options, error) {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprint(stderr, usage)
		return nil, &exitError{exitUsage}
	}
	fs := flag.NewFlagSet("linkv test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	workload := fs.String("w", "lin-kv", "workload")
	fs.StringVar(workload, "workload", "lin-kv", "workload")
	bin := fs.String("bin", "", "")
	nodes := fs.Int("node-count", 1, "")
	conc := fs.String("concurrency", "1n", "")
	limit := fs.Float64("time-limit", 60, "")
	rate := fs.Float64("rate", 5, "")
	lat := fs.Float64("latency", 0, "")
	dist := fs.String("latency-dist", "constant", "")
	nem := fs.String("nemesis", "", "")
	interval := fs.Float64("nemesis-interval", 10, "")
	seed := fs.String("seed", "", "")
	store := fs.String("store", "", "")
	results := fs.String("results", "results", "")
	ct := fs.Float64("checker-timeout", defaultCheckerTimeout.Seconds(), "")
	fail := func(err error) (*options, error) {
		fmt.Fprintf(stderr, "linkv: %v\n\n%s", err, usage)
		return nil, &exitError{exitUsage}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return fail(err)
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if *workload != "lin-kv" {
		return fail(fmt.Errorf("only the lin-kv workload is supported, not %q", *workload))
	}
	o := &options{store: *store, results: *results}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "results" {
			o.resultsSet = true
		}
	})
	c := &o.cfg
	c.Bin, c.NodeCount, c.Rate = *bin, *nodes, *rate
	c.TimeLimit = seconds(*limit)
	c.NemesisInterval = seconds(*interval)
	c.CheckerTimeout = seconds(*ct)
	c.Latency.Mean = time.Duration(*lat * float64(time.Millisecond))
	var err error
	if c.Latency.Dist, err = netsim.ParseDist(*dist); err != nil {
		return fail(err)
	}
	if c.Nemesis, err = runner.ParseNemesis(*nem); err != nil {
		return fail(err)
	}
	if c.Concurrency, err = runner.ParseConcurrency(*conc, *nodes); err != nil {
		return fail(err)
	}
	if *seed == "" {
		c.Seed = rand.Uint64() % 1e12 // short enough to type
	} else if c.Seed, err = strconv.ParseUint(*seed, 10, 64); err != nil {
		return fail(fmt.Errorf("--seed must be a non-negative integer: %q", *seed))
	}
	c.Dir = "." // placeholder: Validate wants one; run sets the real one
	if err := c.Validate(); err != nil {
		return fail(err)
	}
	return o, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// replay is the command line that repeats the run's schedule.
func replay(o *options) string {
	c := o.cfg
	parts := []string{"linkv", "test", "-w", "lin-kv", "--bin", c.Bin,
		"--node-count", strconv.Itoa(c.NodeCount),
		"--concurrency", strconv.Itoa(c.Concurrency),
		"--time-limit", fmtFloat(c.TimeLimit.Seconds()),
		"--rate", fmtFloat(c.Rate)}
	if c.Latency.Mean > 0 || c.Latency.Dist != netsim.Constant {
		parts = append(parts, "--latency", fmtFloat(float64(c.Latency.Mean)/float64(time.Millisecond)), "--latency-dist", string(c.Latency.Dist))
	}
	if len(c.Nemesis) > 0 {
		parts = append(parts, "--nemesis", strings.Join(c.Nemesis, ","), "--nemesis-interval", fmtFloat(c.NemesisInterval.Seconds()))
	}
	parts = append(parts, "--seed", strconv.FormatUint(c.Seed, 10))
	return strings.Join(parts, " ")
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// commit names the checked-out commit, or "unknown" outside a repository.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += "-dirty"
	}
	return c
}

// reportDir picks (and creates) the run's directory.
func reportDir(o *options, now time.Time) (string, error) {
	if o.store != "" {
		base := filepath.Join(o.store, "lin-kv")
		dir := filepath.Join(base, now.Format("20060102T150405.000"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		latest := filepath.Join(base, "latest")
		_ = os.Remove(latest)
		_ = os.Symlink(filepath.Base(dir), latest)
		return dir, nil
	}
	return uniqueDir(o.results, resultsName(o, now))
}

func resultsName(o *options, now time.Time) string {
	return fmt.Sprintf("%s-lin-kv-%dn-%s-s%d", now.Format("2006-01-02"), o.cfg.NodeCount, o.cfg.NemesisName(), o.cfg.Seed)
}

// uniqueDir creates root/name, or root/name-2, -3, ... if taken.
func uniqueDir(root, name string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	for i := 1; ; i++ {
		dir := filepath.Join(root, name)
		if i > 1 {
			dir += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "index" {
		return index(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "test" && clusterRequested(args[1:]) {
		return testCluster(ctx, args[1:], stdout, stderr)
	}
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	dir, err := reportDir(o, start)
	if err != nil {
		fmt.Fprintf(stderr, "linkv: %v\n", err)
		return &exitError{exitCrash}
	}
	o.cfg.Dir = dir
	cmdline := replay(o)
	fmt.Fprintf(stdout, "linkv: seed %d; report in %s\nlinkv: replay with: %s\n", o.cfg.Seed, dir, cmdline)
	tty := isTerminal(stdout)
	if tty {
		o.cfg.Progress = func(p runner.Progress) {
			fmt.Fprintf(stdout, "\r\033[K[%5.1f/%.0f s] ok %d  fail %d  info %d  | %s", p.Elapsed.Seconds(), p.Total.Seconds(), p.Ok, p.Fail, p.Info, clip(p.Nemesis, 80))
		}
	}
	res, err := runner.Run(ctx, o.cfg)
	if tty {
		fmt.Fprint(stdout, "\r\033[K")
	}
	if err != nil {
		fmt.Fprintf(stderr, "linkv: the test crashed: %v\n", err)
		return &exitError{exitCrash}
	}
	if tty {
		fmt.Fprintf(stdout, "linkv: %d operations in %.1f s; checking...\n", len(res.Ops), res.Duration.Seconds())
	}
	a := runner.Analyze(res, o.cfg.CheckerTimeout)
	crashed := len(res.Crashes) > 0
	meta := report.Meta{Command: cmdline, Commit: commit(), Crashed: crashed}
	if err := report.Write(dir, res, a, meta); err != nil {
		fmt.Fprintf(stderr, "linkv: %v\n", err)
	}
	if o.store != "" && o.resultsSet {
		dst, err := uniqueDir(o.results, resultsName(o, start))
		if err == nil {
			err = os.CopyFS(dst, os.DirFS(dir))
		}
		if err != nil {
			fmt.Fprintf(stderr, "linkv: promoting the report: %v\n", err)
		} else {
			fmt.Fprintf(stdout, "linkv: report copied to %s\n", dst)
		}
	}
	fmt.Fprintf(stdout, "linkv: %s: %d ops (ok %d, fail %d, info %d), ok %.1f %%, answered %.1f %%, bound %.1f %%; linearizable %s over %d keys\n",
		report.Verdict(a, crashed), a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info,
		100*a.OkFraction, 100*a.AnsweredFraction, 100*a.StructuralBound, a.Linearizable, len(a.Keys))
	fmt.Fprintf(stdout, "linkv: %s/summary.md\n", dir)
	switch {
	case crashed:
		return &exitError{exitCrash}
	case a.ExitCode() == exitValid:
		return nil
	}
	return &exitError{a.ExitCode()}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}
