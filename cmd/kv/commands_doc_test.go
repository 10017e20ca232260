package main

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"redraft/kv"
	"redraft/kv/resp"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/commands.md from the command table")

// commandsDoc renders the command table of the whole binary (the state
// machine's families, the RESP edge's and the replication's commands).
func commandsDoc() string {
	var b strings.Builder
	b.WriteString("# Commands\n\n")
	b.WriteString("Generated from the command table of `bin/kv` by `go test ./cmd/kv -run TestCommandsDoc -update`;\n")
	b.WriteString("a test fails when it is stale. Arity follows Redis: `n` exactly n arguments including the\n")
	b.WriteString("name, `-n` at least n. Behaviour and error texts are Redis 7.0's unless\n")
	b.WriteString("[known-differences.md](known-differences.md) says otherwise. `edge` commands are answered by the\n")
	b.WriteString("RESP edge or the replication layer; all others run in the replicated state machine.\n")
	b.WriteString("MONITOR, CLIENT TRACKING and COMMAND are described in [introspection.md](introspection.md).\n\n")
	groups := map[string][]*kv.Spec{}
	var order []string
	for _, s := range kv.Commands() {
		g := s.Group
		if g == "" {
			g = "other"
		}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], s)
	}
	sort.Strings(order)
	for _, g := range order {
		fmt.Fprintf(&b, "## %s\n\n| command | arity | flags | summary |\n|---|---|---|---|\n", g)
		for _, s := range groups[g] {
			flags := s.Flags.Names()
			if s.Flags&kv.FlagEdge != 0 {
				flags = append([]string{"edge"}, flags...)
			}
			summary := s.Summary
			if subs := resp.Subcommands(s); len(subs) > 0 {
				summary += " (subcommands: " + strings.ToUpper(strings.Join(subs, ", ")) + ")"
			}
			fmt.Fprintf(&b, "| `%s` | %d | %s | %s |\n", strings.ToUpper(s.Name), s.Arity, strings.Join(flags, ", "),
				strings.ReplaceAll(summary, "|", "\\|"))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestCommandsDoc(t *testing.T) {
	const path = "../../docs/commands.md"
	want := commandsDoc()
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("docs/commands.md is stale (%v); run: go test ./cmd/kv -run TestCommandsDoc -update", err)
	}
}
