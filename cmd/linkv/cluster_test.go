package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestClusterUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--cluster", "docker", "--bin", "x"}, "only netns"},
		{[]string{"test", "--cluster", "netns"}, "--bin is required"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "-w", "lin-kv"}, "workload"},
		{[]string{"test", "--cluster=netns", "--bin", "x", "--nemesis", "clock"}, "not built yet"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "--concurrency", "0"}, "--concurrency"},
		{[]string{"test", "--cluster", "netns", "--bin", "x", "--seed", "-1"}, "--seed"},
	} {
		var out, errb bytes.Buffer
		err := run(context.Background(), tc.args, nil, &out, &errb)
		if exitCode(err) != exitUsage || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, exitCode(err), errb.String(), exitUsage, tc.want)
		}
	}
}

func TestClusterReplayRoundTrips(t *testing.T) {
	var errb bytes.Buffer
	o, err := parseCluster([]string{"--cluster", "netns", "--bin", "bin/kv", "-w", "set", "--node-count", "5", "--nemesis", "all", "--seed", "42", "--node-args", "--max-inflight 4"}, &errb)
	if err != nil {
		t.Fatal(errb.String())
	}
	line := clusterReplay(o)
	for _, w := range []string{"--cluster netns", "-w set", "--node-count 5", "--concurrency 10", "--nemesis partition,kill,pause", "--seed 42", `--node-args "--max-inflight 4"`} {
		if !strings.Contains(line, w) {
			t.Errorf("replay %q lacks %q", line, w)
		}
	}
}
