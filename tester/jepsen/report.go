package jepsen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"redraft/tester/resultsjson"
	"redraft/tester/verdict"
	"redraft/tester/window"
)

// Meta is what the report says about how the run was made.
type Meta struct {
	Command  string   // the command line that replays the run
	Commit   string   // git rev-parse HEAD (+ "-dirty")
	Cluster  string   // e.g. "netns 10.77.12.0/24"
	Crashes  []string // node exits nobody asked for: the run is a crash
	NodeArgs []string // extra kv serve flags of every node
}

// timelineMax bounds the porcupine timelines a report carries.
const timelineMax = 10

// Verdict is the one-word outcome for people.
func Verdict(a *Analysis, m Meta) string { return verdict.Word(a.Valid, len(m.Crashes) > 0) }

// WriteReport fills dir with results.json, summary.md, history.txt,
// history.jsonl, schedule.txt, latency and rate plots and (register)
// porcupine timelines; the
// node logs are already in dir/node-logs.
func WriteReport(dir string, res *Result, a *Analysis, m Meta) error {
	var errs []error
	put := func(name string, fill func(*bytes.Buffer) error) {
		var b bytes.Buffer
		if err := fill(&b); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			return
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			errs = append(errs, err)
		}
	}
	put("results.json", func(b *bytes.Buffer) error {
		enc := json.NewEncoder(b)
		enc.SetIndent("", "  ")
		return enc.Encode(results(res, a, m))
	})
	put("schedule.json", func(b *bytes.Buffer) error { return WriteSchedule(b, res.Schedule) })
	put("history.txt", func(b *bytes.Buffer) error { return WriteHistory(b, res.Ops, res.Nemesis) })
	put("history.jsonl", func(b *bytes.Buffer) error { return WriteHistoryJSON(b, res.Ops) })
	put("schedule.txt", func(b *bytes.Buffer) error {
		fmt.Fprintf(b, "# nemesis schedule drawn from seed %d (%s, interval %s, time limit %s)\n", res.Config.Seed, res.Config.NemesisName(), res.Config.NemesisInterval, res.Config.TimeLimit)
		fmt.Fprintf(b, "# leader targets are resolved when applied: see the nemesis lines of history.txt\n")
		for _, e := range res.Schedule {
			b.WriteString(e.String() + "\n")
		}
		fmt.Fprintf(b, "%8.3fs final heal: stop every fault, restart killed nodes, resume paused ones\n", res.Config.TimeLimit.Seconds())
		return nil
	})
	if a.Check != nil {
		for _, k := range timelineKeys(a) {
			put("timeline-"+k+".html", func(b *bytes.Buffer) error {
				return a.Check.TimelineWithWindows(k, b, window.Timeline(res.Windows, windowCSS))
			})
		}
	}
	latencyErr, rateErr := writePlots(dir, res)
	if latencyErr != nil {
		errs = append(errs, fmt.Errorf("latency-raw.png: %w", latencyErr))
	}
	if rateErr != nil {
		errs = append(errs, fmt.Errorf("rate.png: %w", rateErr))
	}
	put("summary.md", func(b *bytes.Buffer) error {
		summary(b, dir, res, a, m)
		return nil
	})
	return errors.Join(errs...)
}

// windowCSS are the timeline colours of the fault windows.
var windowCSS = map[string]string{FaultPartition: "#d9d9d9", FaultKill: "#f4b6b6", FaultPause: "#b6c8f4", FaultMember: "#bfe8c0", FaultClock: "#f4e0a6", FaultLoss: "#dcc0ee"}

// timelineKeys: every key that is not valid, else the busiest key.
func timelineKeys(a *Analysis) []string {
	var bad []string
	for k, v := range a.Keys {
		if v != verdict.True {
			bad = append(bad, k)
		}
	}
	sortKeys(bad)
	if len(bad) > timelineMax {
		bad = bad[:timelineMax]
	}
	if len(bad) > 0 {
		return bad
	}
	all := make([]string, 0, len(a.Keys))
	for k := range a.Keys {
		all = append(all, k)
	}
	sortKeys(all)
	if len(all) > 0 {
		return all[:1]
	}
	return nil
}

// sortKeys orders "r10" after "r9".
func sortKeys(ks []string) {
	num := func(k string) int {
		n, err := strconv.Atoi(strings.TrimLeft(k, "abcdefghijklmnopqrstuvwxyz"))
		if err != nil {
			return -1
		}
		return n
	}
	sort.Slice(ks, func(i, j int) bool {
		if a, b := num(ks[i]), num(ks[j]); a != b {
			return a < b
		}
		return ks[i] < ks[j]
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func ms(d time.Duration) float64 { return resultsjson.Ms(d) }

// results is results.json.
func results(res *Result, a *Analysis, m Meta) map[string]any {
	cfg := res.Config
	crashes := m.Crashes
	if crashes == nil {
		crashes = []string{}
	}
	test := resultsjson.Test{
		Workload: cfg.Workload, Command: m.Command, Commit: m.Commit, Seed: cfg.Seed,
		NodeCount: cfg.NodeCount, Nodes: res.Nodes, Concurrency: cfg.Concurrency, TimeLimit: cfg.TimeLimit, Rate: cfg.Rate,
		Nemesis: cfg.Nemesis, NemesisInterval: cfg.NemesisInterval, ClientTimeout: cfg.ClientTimeout,
		Started: res.Started, Duration: res.Duration,
	}.Map()
	test["cluster"] = m.Cluster
	test["final-phase"] = res.FinalPhase
	test["interrupted"] = res.Interrupted
	test["node-args"] = nonNil(m.NodeArgs)
	out := map[string]any{
		"valid?": resultsjson.Valid(a.Valid, len(m.Crashes) > 0),
		"test":   test,
		"stats":  map[string]any{"valid?": a.StatsValid, "all": a.Stats, "by-f": a.ByF},
		"availability": map[string]any{"ok-fraction": a.OkFraction, "answered-fraction": a.AnsweredFraction,
			"structural-bound": a.StructuralBound, "answered-over-bound": a.AnsweredOverBound},
		"latency": map[string]any{"count": a.Latency.Count, "p50-ms": ms(a.Latency.P50), "p95-ms": ms(a.Latency.P95),
			"p99-ms": ms(a.Latency.P99), "max-ms": ms(a.Latency.Max)},
		"exceptions": map[string]any{"crashes": crashes},
		"nemesis":    map[string]any{"schedule": resultsjson.Schedule(res.Schedule), "ops": res.Nemesis, "windows": res.Windows},
	}
	switch {
	case a.Set != nil:
		out["workload"] = a.Set
	case a.Elle != nil:
		out["workload"] = a.Elle
	case a.Queue != nil:
		out["workload"] = a.Queue
	default:
		keys := map[string]any{}
		for k, v := range a.Keys {
			keys[k] = verdict.JSON(v)
		}
		out["workload"] = map[string]any{"valid?": verdict.JSON(a.Linearizable), "checker": "porcupine cas-register per key", "keys": keys}
	}
	return out
}

func summary(b *bytes.Buffer, dir string, res *Result, a *Analysis, m Meta) {
	cfg := res.Config
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("# %s on a %d-node TCP cluster: %s\n\n", cfg.Workload, cfg.NodeCount, Verdict(a, m))
	w("| | |\n|---|---|\n")
	w("| verdict | **%s** (valid? %v) |\n", Verdict(a, m), verdict.JSON(a.Valid))
	w("| command | `%s` |\n", m.Command)
	w("| commit | `%s` |\n", m.Commit)
	w("| seed | %d |\n", cfg.Seed)
	w("| cluster | %s, nodes %s |\n", m.Cluster, strings.Join(res.Nodes, " "))
	w("| started | %s |\n", res.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	w("| time limit / whole run | %.0f s / %.1f s |\n", cfg.TimeLimit.Seconds(), res.Duration.Seconds())
	w("| threads, rate | %d, %g ops/s (client timeout %s) |\n", cfg.Concurrency, cfg.Rate, cfg.ClientTimeout)
	w("| nemesis | %s, interval %s |\n", cfg.NemesisName(), cfg.NemesisInterval)
	w("| final phase | %s |\n", res.FinalPhase)
	if res.Interrupted {
		w("| interrupted | yes: stopped before the time limit (SIGINT or SIGTERM) |\n")
	}
	if len(m.Crashes) > 0 {
		w("| node crashes | %s |\n", strings.Join(m.Crashes, "; "))
	}

	w("\n## Checkers\n\n")
	switch {
	case a.Elle != nil:
		summaryListAppend(w, a)
	case a.Queue != nil:
		summaryQueue(w, a)
	case a.Set != nil:
		s := a.Set
		w("| checker | result |\n|---|---|\n")
		w("| set (lost, stale, unexpected, fail-present, vanished) | %v |\n", verdict.JSON(s.Valid))
		w("| adds attempted / acknowledged | %d / %d |\n", s.Attempts, s.Acked)
		w("| final reads answered | %d (%d elements) |\n", s.FinalReads, len(s.Final))
		w("| lost | %d %s |\n", len(s.Lost), clipInts(s.Lost))
		w("| stale | %d %s |\n", len(s.Stale), clipInts(s.Stale))
		w("| unexpected | %d %s |\n", len(s.Unexpected), clipInts(s.Unexpected))
		w("| fail-present | %d %s |\n", len(s.FailPresent), clipInts(s.FailPresent))
		w("| vanished | %d %s |\n", len(s.Vanished), clipInts(s.Vanished))
		w("| unknown adds recovered / never read | %d / %d |\n", s.Recovered, s.NeverRead)
		w("| stats (every f has an ok) | %v |\n", a.StatsValid)
		if len(s.Examples) > 0 {
			w("\n### Anomalies\n\n")
			for _, e := range s.Examples {
				w("- %s\n", e)
			}
		}
	default:
		w("| checker | result |\n|---|---|\n")
		w("| linearizable (porcupine, CAS register per key) | %v over %d keys |\n", verdict.JSON(a.Linearizable), len(a.Keys))
		w("| stats (every f has an ok) | %v |\n", a.StatsValid)
		var bad []string
		for k, v := range a.Keys {
			if v != verdict.True {
				bad = append(bad, k)
			}
		}
		sortKeys(bad)
		if len(bad) > 0 {
			w("| keys not valid | %s (see timeline-KEY.html) |\n", strings.Join(bad, ", "))
		}
	}

	w("\n## Operations\n\n| f | count | ok | fail | info |\n|---|---|---|---|---|\n")
	fs := make([]string, 0, len(a.ByF))
	for f := range a.ByF {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	for _, f := range fs {
		s := a.ByF[f]
		w("| %s | %d | %d | %d | %d |\n", f, s.Count, s.Ok, s.Fail, s.Info)
	}
	w("| all | %d | %d | %d | %d |\n", a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info)
	q := a.Latency
	w("\nAvailability (ops of the time limit): answered (ok, or CAS's NOKEY/CASFAIL) %.1f %%, structural bound (the node was up and reached a majority of members, directly or through one neighbour) %.1f %%, answered / bound %.3f.\n",
		100*a.AnsweredFraction, 100*a.StructuralBound, a.AnsweredOverBound)
	w("\nok fraction %.1f %%; latency of ok ops p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms.\n",
		100*a.OkFraction, ms(q.P50), ms(q.P95), ms(q.P99), ms(q.Max))
	w("\nErrors by reply (fail and info):\n\n")
	for _, e := range errorCounts(res.Ops) {
		w("- %s\n", e)
	}

	if len(res.Nemesis) > 0 {
		w("\n## Nemesis\n\n| at | f | value | result |\n|---|---|---|---|\n")
		for _, n := range res.Nemesis {
			w("| %.2f s | %s | %s | %s |\n", n.Invoke.Seconds(), n.F, n.Value, strings.ReplaceAll(n.Result, "|", "\\|"))
		}
	}
	w("\n## Files\n\n")
	w("- `results.json`: every checker's result\n- `history.txt`: the history in Jepsen's form (seconds since start, process, type, f, value, error)\n")
	w("- `history.jsonl`: every op with its fields\n- `schedule.txt`, `schedule.json`: the fault schedule drawn from the seed (JSON: what `--replay` reads)\n")
	if a.Check != nil {
		for _, k := range timelineKeys(a) {
			if _, err := os.Stat(filepath.Join(dir, "timeline-"+k+".html")); err == nil {
				w("- `timeline-%s.html`: porcupine's timeline of key %s, fault windows as annotations\n", k, k)
			}
		}
	}
	w("- `latency-raw.png`, `rate.png`: plots (grey: partition, red: kill, blue: pause, green: member)\n")
	w("- `node-logs/`: each node's stderr, across restarts\n")
	w("\n![latency](latency-raw.png)\n\n![rate](rate.png)\n")
}

// errorCounts lists "count error" for fail and info ops, most frequent
// first; errors are cut at their first word after the code.
func errorCounts(ops []Op) []string {
	c := map[string]int{}
	for i := range ops {
		o := &ops[i]
		if o.Type == TypeOk {
			continue
		}
		e := o.Error
		if strings.HasPrefix(e, ":conn ") {
			e = ":conn"
		} else if word, _, ok := strings.Cut(e, " "); ok && !strings.HasPrefix(e, ":") {
			e = word
		}
		c[o.Type+" "+o.F+" "+e]++
	}
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if c[keys[i]] != c[keys[j]] {
			return c[keys[i]] > c[keys[j]]
		}
		return keys[i] < keys[j]
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%d × %s", c[k], k)
	}
	return out
}

func clipInts(xs []int64) string {
	const n = 10
	parts := []string{}
	for i, x := range xs {
		if i == n {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, strconv.FormatInt(x, 10))
	}
	if len(parts) == 0 {
		return ""
	}
	return "(" + strings.Join(parts, " ") + ")"
}
