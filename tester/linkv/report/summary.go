package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"redraft/tester/linkv/runner"
	"redraft/tester/verdict"
)

// Verdict is the one-word outcome for people: valid, INVALID, unknown or
// CRASHED.
func Verdict(a *runner.Analysis, crashed bool) string { return verdict.Word(a.Valid, crashed) }

func pct(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

// counts renders "k: n, ..." in the given key order (nil: by count,
// then key), without zero counts.
func counts(m map[string]int, order []string) string {
	keys := order
	if keys == nil {
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if m[keys[i]] != m[keys[j]] {
				return m[keys[i]] > m[keys[j]]
			}
			return keys[i] < keys[j]
		})
	}
	var parts []string
	for _, k := range keys {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", strings.ReplaceAll(k, "|", "\\|"), m[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// dur renders a latency in milliseconds, three significant digits.
func dur(d time.Duration) string {
	ms := float64(d) / 1e6
	switch {
	case ms == 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

func summary(b *bytes.Buffer, dir string, res *runner.Result, a *runner.Analysis, m Meta) {
	cfg := res.Config
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	w("# lin-kv: %s\n\n", Verdict(a, m.Crashed))
	w("| | |\n|---|---|\n")
	w("| verdict | **%s** (valid? %v) |\n", Verdict(a, m.Crashed), verdict.JSON(a.Valid))
	w("| command | `%s` |\n", m.Command)
	w("| commit | `%s` |\n", m.Commit)
	w("| seed | %d |\n", cfg.Seed)
	w("| started | %s |\n", res.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	w("| nodes | %d (%s) |\n", cfg.NodeCount, strings.Join(res.Nodes, " "))
	w("| concurrency | %d threads (%d keys at a time) |\n", cfg.Concurrency, cfg.Concurrency/(2*cfg.NodeCount))
	w("| time limit / actual | %.0f s / %.1f s |\n", cfg.TimeLimit.Seconds(), res.Duration.Seconds())
	w("| rate | %g ops/s |\n", cfg.Rate)
	w("| latency | %s %s (client timeout %s) |\n", cfg.Latency.Mean, cfg.Latency.Dist, cfg.ClientTimeout())
	w("| nemesis | %s, interval %s |\n", cfg.NemesisName(), cfg.NemesisInterval)

	w("\n## Checkers\n\n| checker | result |\n|---|---|\n")
	w("| linearizable (porcupine, per key CAS register) | %v over %d keys |\n", verdict.JSON(a.Linearizable), len(a.Keys))
	w("| stats (read, write and cas each have an ok) | %v |\n", a.StatsValid)
	w("| valid? (false > unknown > true) | %v |\n", verdict.JSON(a.Valid))
	if len(res.Crashes) > 0 {
		w("| node crashes | %s |\n", strings.Join(res.Crashes, "; "))
	}
	if len(res.ProtocolErrors) > 0 {
		w("| protocol errors | %d (first: %s: %s) |\n", len(res.ProtocolErrors), res.ProtocolErrors[0].Node, res.ProtocolErrors[0].Err)
	}
	var bad []string
	for k, v := range a.Keys {
		if v != verdict.True {
			bad = append(bad, k+"="+fmt.Sprint(verdict.JSON(v)))
		}
	}
	sortKeys(bad)
	if len(bad) > 0 {
		w("| keys not valid | %s |\n", strings.Join(bad, ", "))
	}

	w("\n## Operations\n\n| f | count | ok | fail | info | p50 | p95 | p99 | max |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, f := range []string{"read", "write", "cas"} {
		s, q := a.ByF[f], a.LatencyByF[f]
		w("| %s | %d | %d | %d | %d | %s | %s | %s | %s |\n", f, s.Count, s.Ok, s.Fail, s.Info, dur(q.P50), dur(q.P95), dur(q.P99), dur(q.Max))
	}
	q := a.Latency
	w("| all | %d | %d | %d | %d | %s | %s | %s | %s |\n", a.Stats.Count, a.Stats.Ok, a.Stats.Fail, a.Stats.Info, dur(q.P50), dur(q.P95), dur(q.P99), dur(q.Max))
	w("\nLatencies are of ok operations.\n")

	w("\n## Availability\n\n| figure | value |\n|---|---|\n")
	w("| ok fraction (Maelstrom's availability) | %s |\n", pct(a.OkFraction))
	w("| answered fraction (ok + errors 20/22) | %s |\n", pct(a.AnsweredFraction))
	w("| structural bound (node had a majority or a link to one) | %s |\n", pct(a.StructuralBound))
	w("| answered / bound | %.3f |\n", a.AnsweredOverBound)
	if m := a.Missed; m.Count > 0 {
		w("\n%d operations were within the bound but not answered:\n\n| by | |\n|---|---|\n", m.Count)
		w("| reply | %s |\n", counts(m.ByError, nil))
		w("| node | %s |\n", counts(m.ByNode, nil))
		w("| faults active | %s |\n", counts(m.ByFault, nil))
		w("| time since the last nemesis change | %s |\n", counts(m.BySinceChange, runner.SinceChangeOrder()))
	}

	w("\n## Network\n\n| messages | sends | deliveries | unique | per op |\n|---|---|---|---|---|\n")
	for _, r := range []struct {
		name string
		n    runner.NetStats
	}{{"all", a.NetAll}, {"client links", a.NetClients}, {"server to server", a.NetServers}} {
		w("| %s | %d | %d | %d | %.2f |\n", r.name, r.n.Sends, r.n.Recvs, r.n.Unique, r.n.MsgsPerOp)
	}
	w("\nDropped: %d by partitions, %d at a down endpoint, %d by a full queue.\n", res.Net.DroppedPartition, res.Net.DroppedDown, res.Net.DroppedOverflow)

	if len(res.Windows) > 0 {
		w("\n## Nemesis windows\n\n| fault | from | to | detail |\n|---|---|---|---|\n")
		for _, win := range res.Windows {
			w("| %s | %.2f s | %.2f s | %s |\n", win.Fault, win.Start.Seconds(), win.End.Seconds(), strings.ReplaceAll(win.Detail, "|", "\\|"))
		}
	}

	w("\n## Files\n\n")
	w("- `results.json`: every checker's result (the information of Maelstrom's results.edn)\n")
	w("- `history.txt`: the history in Jepsen's format\n")
	for _, k := range timelineKeys(a) {
		if _, err := os.Stat(filepath.Join(dir, "timeline-"+k+".html")); err == nil {
			w("- `timeline-%s.html`: porcupine's timeline of key %s\n", k, k)
		}
	}
	w("- `latency-raw.png`, `latency-quantiles.png`, `rate.png`: plots (grey: partition, red: kill, blue: pause)\n")
	w("- `node-logs/`: each node's stderr\n")
	w("\n![latency](latency-raw.png)\n\n![rate](rate.png)\n")
}
