package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"redraft/tester/latency"
	"redraft/tester/linkv/runner"
	"redraft/tester/resultsjson"
	"redraft/tester/verdict"
	"redraft/tester/window"
)

// Meta is what the report says about how the run was made.
type Meta struct {
	Command string // the command line that replays the run
	Commit  string // git rev-parse HEAD (+ "-dirty")
	Crashed bool   // the run is a crash (exit 255) whatever the checkers say
}

// Write fills dir with the report files.
func Write(dir string, res *runner.Result, a *runner.Analysis, m Meta) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var errs []string
	try := func(what string, err error) {
		if err != nil {
			errs = append(errs, what+": "+err.Error())
		}
	}
	try("results.json", writeJSON(filepath.Join(dir, "results.json"), Results(res, a, m)))
	try("history.txt", writeFile(filepath.Join(dir, "history.txt"), func(b *bytes.Buffer) error {
		return runner.WriteHistory(b, res.Ops, res.Nemesis)
	}))
	try("timelines", timelines(dir, res, a))
	try("latency-raw.png", latencyRaw(dir, res))
	try("latency-quantiles.png", latencyQuantiles(dir, res))
	try("rate.png", rate(dir, res))
	try("summary.md", writeFile(filepath.Join(dir, "summary.md"), func(b *bytes.Buffer) error {
		summary(b, dir, res, a, m)
		return nil
	}))
	if len(errs) > 0 {
		return fmt.Errorf("report: %s", strings.Join(errs, "; "))
	}
	return nil
}

// timelineKeys are the keys that get porcupine's HTML timeline: every key
// that is not valid, or key 0 when all are.
func timelineKeys(a *runner.Analysis) []string {
	var keys []string
	for k, v := range a.Keys {
		if v != verdict.True {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		if _, ok := a.Keys["0"]; ok {
			keys = []string{"0"}
		}
	}
	sortKeys(keys)
	return keys
}

func sortKeys(keys []string) {
	sort.Slice(keys, func(i, j int) bool {
		a, ea := strconv.Atoi(keys[i])
		b, eb := strconv.Atoi(keys[j])
		if ea == nil && eb == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
}

// timelineMax bounds how many timelines a report carries (each can be
// several MB for a long key history).
const timelineMax = 10

// windowCSS are the timeline colours of the fault windows.
var windowCSS = map[string]string{
	runner.FaultPartition: "#d9d9d9",
	runner.FaultKill:      "#f4b6b6",
	runner.FaultPause:     "#b6c8f4",
}

func timelines(dir string, res *runner.Result, a *runner.Analysis) error {
	wins := window.Timeline(res.Windows, windowCSS)
	keys := timelineKeys(a)
	if len(keys) > timelineMax {
		keys = keys[:timelineMax]
	}
	for _, k := range keys {
		var b bytes.Buffer
		if err := a.Check.TimelineWithWindows(k, &b, wins); err != nil {
			continue // the key was never searched (checker deadline): nothing to draw
		}
		if err := os.WriteFile(filepath.Join(dir, "timeline-"+k+".html"), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, fill func(*bytes.Buffer) error) error {
	var b bytes.Buffer
	if err := fill(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func msf(d time.Duration) float64 { return resultsjson.Ms(d) }

func quantilesJSON(q latency.Quantiles) map[string]any {
	return map[string]any{"count": q.Count, "p50-ms": msf(q.P50), "p90-ms": msf(q.P90), "p95-ms": msf(q.P95), "p99-ms": msf(q.P99), "max-ms": msf(q.Max)}
}

func netJSON(n runner.NetStats) map[string]any {
	return map[string]any{"send-count": n.Sends, "recv-count": n.Recvs, "msg-count": n.Unique, "msgs-per-op": n.MsgsPerOp}
}

// Results is the content of results.json: the keys of Maelstrom's
// results.edn (perf, timeline, exceptions, stats, availability, net,
// workload, valid?) plus test (how the run was made), latency and nemesis.
func Results(res *runner.Result, a *runner.Analysis, m Meta) map[string]any {
	cfg := res.Config
	byF := map[string]any{}
	for f, s := range a.ByF {
		byF[f] = s
	}
	keyResults := map[string]any{}
	var failures []string
	for k, v := range a.Keys {
		keyResults[k] = map[string]any{
			"valid?":       verdict.JSON(v),
			"linearizable": map[string]any{"valid?": verdict.JSON(v), "analyzer": "porcupine", "model": "cas-register"},
		}
		if v == verdict.False {
			failures = append(failures, k)
		}
	}
	sortKeys(failures)
	if failures == nil {
		failures = []string{}
	}
	protocol := res.ProtocolErrors
	if protocol == nil {
		protocol = []runner.ProtocolError{}
	}
	crashes := res.Crashes
	if crashes == nil {
		crashes = []string{}
	}
	lat := map[string]any{"all": quantilesJSON(a.Latency)}
	for f, q := range a.LatencyByF {
		lat[f] = quantilesJSON(q)
	}
	test := resultsjson.Test{
		Workload: "lin-kv", Command: m.Command, Commit: m.Commit, Seed: cfg.Seed,
		NodeCount: cfg.NodeCount, Nodes: res.Nodes, Concurrency: cfg.Concurrency, TimeLimit: cfg.TimeLimit, Rate: cfg.Rate,
		Nemesis: cfg.Nemesis, NemesisInterval: cfg.NemesisInterval, ClientTimeout: cfg.ClientTimeout(),
		Started: res.Started, Duration: res.Duration,
	}.Map()
	test["bin"] = cfg.Bin
	test["latency-ms"] = msf(cfg.Latency.Mean)
	test["latency-dist"] = string(cfg.Latency.Dist)
	return map[string]any{
		"valid?":   resultsjson.Valid(a.Valid, m.Crashed),
		"test":     test,
		"perf":     map[string]any{"valid?": true, "latency-graph": map[string]any{"valid?": true}, "rate-graph": map[string]any{"valid?": true}},
		"timeline": map[string]any{"valid?": true},
		"exceptions": map[string]any{
			"valid?":          true,
			"protocol-errors": protocol,
			"crashes":         crashes,
		},
		"stats": map[string]any{
			"valid?":     a.Stats.Valid,
			"count":      a.Stats.Count,
			"ok-count":   a.Stats.Ok,
			"fail-count": a.Stats.Fail,
			"info-count": a.Stats.Info,
			"by-f":       byF,
		},
		"availability": map[string]any{
			"valid?":              true,
			"ok-fraction":         a.OkFraction,
			"answered-fraction":   a.AnsweredFraction,
			"structural-bound":    a.StructuralBound,
			"answered-over-bound": a.AnsweredOverBound,
			"missed-in-bound":     a.Missed,
		},
		"net": map[string]any{
			"valid?":  true,
			"all":     netJSON(a.NetAll),
			"clients": netJSON(a.NetClients),
			"servers": netJSON(a.NetServers),
			"dropped": map[string]any{
				"partition": res.Net.DroppedPartition,
				"down":      res.Net.DroppedDown,
				"overflow":  res.Net.DroppedOverflow,
			},
		},
		"workload": map[string]any{
			"valid?":   verdict.JSON(a.Linearizable),
			"results":  keyResults,
			"failures": failures,
		},
		"latency": lat,
		"nemesis": map[string]any{
			"schedule": resultsjson.Schedule(res.Schedule),
			"windows":  windowsJSON(res.Windows),
		},
	}
}

func windowsJSON(ws []window.Window) []map[string]any {
	out := make([]map[string]any, 0, len(ws))
	for _, w := range ws {
		out = append(out, map[string]any{"fault": w.Fault, "detail": w.Detail, "start-s": w.Start.Seconds(), "end-s": w.End.Seconds()})
	}
	return out
}
