package main

import (
	"bytes"
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
	block := indexStart + "\n" + table + indexEnd
	var out string
	i, j := bytes.Index(old, []byte(indexStart)), bytes.Index(old, []byte(indexEnd))
	if i >= 0 && j > i {
		out = string(old[:i]) + block + string(old[j+len(indexEnd):])
	} else {
		out = string(old) + "\n" + block + "\n"
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "linkv: %d reports indexed in %s\n", n, path)
	return nil
}

// indexTable lists every report directory under dir.
func indexTable(dir string) (string, int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", 0, err
	}
	var rows []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		b, err := os.ReadFile(filepath.Join(dir, name, "results.json"))
		if err != nil {
			if _, err := os.Stat(filepath.Join(dir, name, "results.edn")); err == nil {
				rows = append(rows, fmt.Sprintf("| [%s](%s/) | real Maelstrom: see results.edn | | | | | |", name, name))
			}
			continue
		}
		var r struct {
			Valid any `json:"valid?"`
			Test  struct {
				Nodes    int      `json:"node-count"`
				Nemesis  []string `json:"nemesis"`
				Seed     string   `json:"seed"`
				Commit   string   `json:"commit"`
				Duration float64  `json:"time-limit-s"`
			} `json:"test"`
			Stats struct {
				Count int `json:"count"`
			} `json:"stats"`
			Avail struct {
				Ok       float64 `json:"ok-fraction"`
				Answered float64 `json:"answered-fraction"`
				Bound    float64 `json:"structural-bound"`
			} `json:"availability"`
		}
		if err := json.Unmarshal(b, &r); err != nil {
			continue
		}
		nem := strings.Join(r.Test.Nemesis, "+")
		if nem == "" {
			nem = "none"
		}
		commit := r.Test.Commit
		if len(commit) > 10 {
			commit = commit[:10]
		}
		rows = append(rows, fmt.Sprintf("| [%s](%s/summary.md) | **%v** | %d nodes, %s, %.0f s, seed %s | %d | %.1f %% | %.1f %% / %.1f %% | `%s` |",
			name, name, r.Valid, r.Test.Nodes, nem, r.Test.Duration, r.Test.Seed, r.Stats.Count,
			100*r.Avail.Ok, 100*r.Avail.Answered, 100*r.Avail.Bound, commit))
	}
	sort.Strings(rows)
	var b strings.Builder
	b.WriteString("| report | valid? | run | ops | ok | answered / bound | commit |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String(), len(rows), nil
}
