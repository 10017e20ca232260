package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// logStores are the --log-store kinds; tests of the durable node run on each.
var logStores = []string{"bolt", "wal"}

// TestServeRefusesOtherLogStore: a data directory written by one log store
// is refused, with a message naming the right flag, when a node starts on
// it with the other; it is not started empty. The refusal leaves the
// directory as it was; without --log-store (auto) the node opens the kind
// the directory holds, with its data.
func TestServeRefusesOtherLogStore(t *testing.T) {
	for _, c := range []struct{ wrote, other, file string }{
		{"bolt", "wal", "raft.db"},
		{"wal", "bolt", "wal"},
	} {
		t.Run(c.wrote+"-as-"+c.other, func(t *testing.T) {
			data := t.TempDir()
			p := startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "solo", "--data", data, "--log-store", c.wrote)
			send(t, p.addr, "SET k v\r\n", "+OK\r\n")
			p.stop()
			before := listDir(t, data)

			var stdout, stderr syncBuffer
			err := run(context.Background(), []string{"serve", "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "solo", "--data", data, "--log-store", c.other}, nil, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "holds a "+c.wrote+" log") || !strings.Contains(err.Error(), "--log-store "+c.wrote) {
				t.Fatalf("--log-store %s on a %s directory: %v", c.other, c.wrote, err)
			}
			if after := listDir(t, data); after != before {
				t.Errorf("the refused start changed the directory:\nbefore %s\nafter  %s", before, after)
			}
			p = startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "solo", "--data", data)
			send(t, p.addr, "GET k\r\n", "$1\r\nv\r\n")
			p.stop()
			if !strings.Contains(p.stderr.String(), "log_store="+c.wrote) {
				t.Errorf("auto did not open the %s store: %s", c.wrote, p.stderr.String())
			}
		})
	}
}

// listDir names the files and directories under dir.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b.WriteString(rel + " ")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestLogStoreFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--resp", "127.0.0.1:0", "--log-store", "rocks"},
		{"restore", "--from", t.TempDir(), "--id", "n1", "--bootstrap", "n1=127.0.0.1:1", "--log-store", "rocks"},
	} {
		var stdout, stderr syncBuffer
		err := run(context.Background(), args, nil, &stdout, &stderr)
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(stderr.String(), `--log-store "rocks": want bolt, wal or auto`) {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr.String())
		}
	}
}
