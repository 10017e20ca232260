package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Markers delimiting the generated table in results/README.md.
const (
	indexStart = "<!-- linkv-index:start -->"
	indexEnd   = "<!-- linkv-index:end -->"
)

// index rewrites the table of reports in DIR/README.md (linkv index).
func index(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linkv index", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("results", "results", "report root")
	if err := fs.Parse(args); err != nil {
		return &exitError{exitUsage}
	}
	table, n, err := indexTable(*dir)
	if err != nil {
		return err
	}
	path := filepath.Join(*dir, "README.md")
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	out := replaceBlock(string(old), indexStart, indexEnd, table)
	ctable, cn, err := clusterIndexTable(*dir)
	if err != nil {
		return err
	}
	if cn > 0 {
		out = replaceBlock(out, clusterIndexStart, clusterIndexEnd, ctable)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "linkv: %d lin-kv and %d TCP-cluster reports indexed in %s\n", n, cn, path)
	return nil
}

// replaceBlock puts table between the markers in doc, or appends a new
// marked block.
func replaceBlock(doc, start, end, table string) string {
	block := start + "\n" + table + end
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i >= 0 && j > i {
		return doc[:i] + block + doc[j+len(end):]
	}
	return doc + "\n" + block + "\n"
}

// indexRow is the part of a report's results.json the index shows.
type indexRow struct {
	Valid any `json:"valid?"`
	Test  struct {
		Cluster     string   `json:"cluster"`
		Nodes       int      `json:"node-count"`
		Concurrency int      `json:"concurrency"`
		Nemesis     []string `json:"nemesis"`
		Seed        string   `json:"seed"`
		Commit      string   `json:"commit"`
		Duration    float64  `json:"time-limit-s"`
		Rate        float64  `json:"rate"`
		LatencyMs   float64  `json:"latency-ms"`
		LatencyDist string   `json:"latency-dist"`
	} `json:"test"`
	Stats struct {
		Count int `json:"count"`
	} `json:"stats"`
	Avail struct {
		Ok            float64 `json:"ok-fraction"`
		Answered      float64 `json:"answered-fraction"`
		Bound         float64 `json:"structural-bound"`
		AnsweredBound float64 `json:"answered-over-bound"`
	} `json:"availability"`
	Net struct {
		All struct {
			PerOp float64 `json:"msgs-per-op"`
		} `json:"all"`
		Servers struct {
			PerOp float64 `json:"msgs-per-op"`
		} `json:"servers"`
	} `json:"net"`
	Latency struct {
		All struct {
			P50 float64 `json:"p50-ms"`
			P99 float64 `json:"p99-ms"`
		} `json:"all"`
	} `json:"latency"`
}

// flags renders the flags that tell runs apart, in linkv's syntax: every
// one that changes the schedule or the network except --seed (a column of
// its own) and --bin.
func (r *indexRow) flags() string {
	t := r.Test
	conc := fmt.Sprint(t.Concurrency)
	if t.Nodes > 0 && t.Concurrency%t.Nodes == 0 {
		conc = fmt.Sprintf("%dn", t.Concurrency/t.Nodes)
	}
	dist := t.LatencyDist
	if dist == "" {
		dist = "constant"
	}
	f := fmt.Sprintf("--node-count %d --concurrency %s --time-limit %g --rate %g --latency %g --latency-dist %s",
		t.Nodes, conc, t.Duration, t.Rate, t.LatencyMs, dist)
	if len(t.Nemesis) > 0 {
		f += " --nemesis " + strings.Join(t.Nemesis, ",")
	}
	return f
}

// indexHeader is the head of the table indexTable writes.
const indexHeader = "| report | verdict | flags | seed | commit | ops | ok-fraction | answered / bound | msgs/op (srv) | p50 / p99 ms |\n" +
	"|---|---|---|---|---|---|---|---|---|---|\n"

// indexTable lists every report directory under dir.
func indexTable(dir string) (string, int, error) {
	return reportTable(dir, indexHeader, func(name string, b []byte, read bool) (string, bool) {
		if !read {
			if _, err := os.Stat(filepath.Join(dir, name, "results.edn")); err == nil {
				return fmt.Sprintf("| [%s](%s/) | real Maelstrom: see results.edn | | | | | | | | |", name, name), true
			}
			return "", false
		}
		var r indexRow
		if err := json.Unmarshal(b, &r); err != nil || r.Test.Cluster != "" {
			return "", false // TCP-cluster reports have their own table
		}
		return fmt.Sprintf("| [%s](%s/summary.md) | **%v** | `%s` | %s | `%s` | %d | %.3f | %.3f / %.3f = %.3f | %.2f (%.2f) | %.2f / %.2f |",
			name, name, r.Valid, r.flags(), r.Test.Seed, shortCommit(r.Test.Commit), r.Stats.Count,
			r.Avail.Ok, r.Avail.Answered, r.Avail.Bound, r.Avail.AnsweredBound,
			r.Net.All.PerOp, r.Net.Servers.PerOp, r.Latency.All.P50, r.Latency.All.P99), true
	})
}

// reportTable is header and a row per report directory under dir, rows
// sorted. row gets the directory's name and its results.json (read false:
// there is none, or it could not be read) and says whether the directory
// belongs in this table.
func reportTable(dir, header string, row func(name string, results []byte, read bool) (string, bool)) (string, int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", 0, err
	}
	var rows []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "results.json"))
		if r, ok := row(e.Name(), b, err == nil); ok {
			rows = append(rows, r)
		}
	}
	sort.Strings(rows)
	var b strings.Builder
	b.WriteString(header)
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String(), len(rows), nil
}

// shortCommit is a commit hash cut to 10 characters.
func shortCommit(c string) string {
	if len(c) > 10 {
		return c[:10]
	}
	return c
}
