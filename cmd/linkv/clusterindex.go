package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Markers delimiting the table of TCP-cluster reports (linkv test
// --cluster) in results/README.md.
const (
	clusterIndexStart = "<!-- linkv-cluster-index:start -->"
	clusterIndexEnd   = "<!-- linkv-cluster-index:end -->"
)

// clusterRow is the part of a TCP-cluster report's results.json the index
// shows.
type clusterRow struct {
	Valid any `json:"valid?"`
	Test  struct {
		Workload string   `json:"workload"`
		Cluster  string   `json:"cluster"`
		Nodes    int      `json:"node-count"`
		Nemesis  []string `json:"nemesis"`
		Seed     string   `json:"seed"`
		Commit   string   `json:"commit"`
		Limit    float64  `json:"time-limit-s"`
	} `json:"test"`
	Stats struct {
		All struct {
			Count int `json:"count"`
			Ok    int `json:"ok-count"`
			Fail  int `json:"fail-count"`
			Info  int `json:"info-count"`
		} `json:"all"`
	} `json:"stats"`
	Avail struct {
		Answered float64 `json:"answered-fraction"`
		Bound    float64 `json:"structural-bound"`
	} `json:"availability"`
	Latency struct {
		P50 float64 `json:"p50-ms"`
		P99 float64 `json:"p99-ms"`
	} `json:"latency"`
	Workload struct {
		Keys        map[string]any `json:"keys"`
		Lost        []int64        `json:"lost"`
		Stale       []int64        `json:"stale"`
		Unexpected  []int64        `json:"unexpected"`
		FailPresent []int64        `json:"fail-present"`
		Vanished    []int64        `json:"vanished"`
		// list-append (Elle): anomalies by kind.
		AnomalyCounts map[string]int `json:"anomaly-counts"`
		// queue.
		LostMoved  []int64  `json:"lost-moved"`
		Duplicated []int64  `json:"duplicated"`
		Divergent  []string `json:"divergent"`
	} `json:"workload"`
}

// anomalies summarises the workload checker's findings.
func (r *clusterRow) anomalies() string {
	w := r.Workload
	switch r.Test.Workload {
	case "list-append":
		kinds := make([]string, 0, len(w.AnomalyCounts))
		for k := range w.AnomalyCounts {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		var parts []string
		for _, k := range kinds {
			parts = append(parts, fmt.Sprintf("%s %d", k, w.AnomalyCounts[k]))
		}
		if len(parts) == 0 {
			return "none"
		}
		return strings.Join(parts, ", ")
	case "queue", "set":
	default:
		bad := 0
		for _, v := range w.Keys {
			if v != true {
				bad++
			}
		}
		return fmt.Sprintf("%d of %d keys not linearizable", bad, len(w.Keys))
	}
	var parts []string
	for _, a := range []struct {
		name string
		n    int
	}{{"lost", len(w.Lost)}, {"lost-moved", len(w.LostMoved)}, {"duplicated", len(w.Duplicated)}, {"divergent", len(w.Divergent)}, {"stale", len(w.Stale)}, {"unexpected", len(w.Unexpected)}, {"fail-present", len(w.FailPresent)}, {"vanished", len(w.Vanished)}} {
		if a.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", a.name, a.n))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

const clusterIndexHeader = "| report | verdict | workload | nodes | nemesis | time limit | seed | commit | ops (ok / fail / info) | answered / bound | anomalies | p50 / p99 ms |\n" +
	"|---|---|---|---|---|---|---|---|---|---|---|---|\n"

// clusterIndexTable lists every TCP-cluster report under dir.
func clusterIndexTable(dir string) (string, int, error) {
	return reportTable(dir, clusterIndexHeader, func(name string, b []byte, read bool) (string, bool) {
		var r clusterRow
		if !read || json.Unmarshal(b, &r) != nil || r.Test.Cluster == "" {
			return "", false
		}
		s := r.Stats.All
		return fmt.Sprintf("| [%s](%s/summary.md) | **%v** | %s | %d | %s | %g s | %s | `%s` | %d (%d / %d / %d) | %.3f / %.3f | %s | %.2f / %.2f |",
			name, name, r.Valid, r.Test.Workload, r.Test.Nodes, strings.Join(r.Test.Nemesis, ","), r.Test.Limit, r.Test.Seed, shortCommit(r.Test.Commit),
			s.Count, s.Ok, s.Fail, s.Info, r.Avail.Answered, r.Avail.Bound, r.anomalies(), r.Latency.P50, r.Latency.P99), true
	})
}
