package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRestoreErrors(t *testing.T) {
	empty := t.TempDir()
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "raft.db"), []byte("x"), 0o644)
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"restore", "--id", "a", "--bootstrap", "a=127.0.0.1:1"}, 2, "--from URL is required"},
		{[]string{"restore", "--from", empty, "--bootstrap", "a=127.0.0.1:1"}, 2, "--id ID is required"},
		{[]string{"restore", "--from", empty, "--id", "a"}, 2, "--bootstrap ID=RAFTADDR,... is required"},
		{[]string{"restore", "--from", empty, "--id", "a", "--bootstrap", "b=127.0.0.1:1"}, 2, "kv restore: --bootstrap does not list this node"},
		{[]string{"restore", "--from", empty, "--id", "a", "--bootstrap", "a"}, 2, "want ID=HOST:PORT"},
		{[]string{"restore", "--from", empty, "--id", "a", "--bootstrap", "a=127.0.0.1:1", "x"}, 2, "unexpected argument"},
		{[]string{"restore", "--from", filepath.Join(empty, "typo"), "--id", "a", "--bootstrap", "a=127.0.0.1:1"}, 1, "not a directory"},
		{[]string{"restore", "--from", empty, "--id", "a", "--bootstrap", "a=127.0.0.1:1", "--data", filepath.Join(empty, "a")}, 1,
			"kv: replication: restore: no snapshot found: the object store holds no snapshot manifest"},
		{[]string{"restore", "--from", empty, "--id", "a", "--bootstrap", "a=127.0.0.1:1", "--data", full}, 1,
			"kv: replication: restore: the data directory is not empty: " + full + " holds raft.db"},
	}
	for _, c := range cases {
		var stdout, stderr syncBuffer
		err := run(context.Background(), c.args, nil, &stdout, &stderr)
		code := exitCode(err, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.contains) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d containing %q", c.args, code, stderr.String(), c.code, c.contains)
		}
	}
	if _, err := os.Stat(filepath.Join(empty, "typo")); err == nil {
		t.Errorf("--from with a missing directory created it")
	}
}

func TestRestoreHelpDocumentsEveryFlag(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"restore", "-h"}, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"--from URL", "--from-node ID", "--snapshot ID", "--id ID", "--data DIR", "--bootstrap ID=RAFTADDR", "--snapshot-store URL", "--log-store KIND"} {
		if !strings.Contains(stdout.String(), f) {
			t.Errorf("help lacks %s:\n%s", f, stdout.String())
		}
	}
}

// TestRestoreOneNode: a one-node cluster keeping its snapshots in a
// directory store writes and snapshots; a new node seeded from that store
// with kv restore starts without --bootstrap, under another ID and Raft
// address, with the data and accepting writes. On each log store.
func TestRestoreOneNode(t *testing.T) {
	for _, store := range logStores {
		t.Run(store, func(t *testing.T) { testRestoreOneNode(t, store) })
	}
}

func testRestoreOneNode(t *testing.T, store string) {
	snaps := filepath.Join(t.TempDir(), "snaps")
	p := startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "old", "--data", t.TempDir(), "--snapshot-store", snaps, "--log-store", store)
	send(t, p.addr, "SET k v\r\nRPUSH l a b\r\nRAFT SNAPSHOT\r\n", "+OK\r\n:2\r\n+OK\r\n")
	p.stop()

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	raftAddr := l.Addr().String()
	l.Close()
	data := filepath.Join(t.TempDir(), "new")
	var stdout, stderr syncBuffer
	err = run(context.Background(), []string{"restore", "--from", "file://" + snaps, "--id", "new", "--bootstrap", "new=" + raftAddr, "--data", data, "--log-store", store}, nil, &stdout, &stderr)
	if err != nil {
		t.Fatalf("restore: %v; stderr %s", err, stderr.String())
	}
	for _, want := range []string{"seeded " + data + " for node new", "of node old", "kv serve --id new --raft " + raftAddr + " --data " + data + " --log-store " + store} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("restore output lacks %q: %s", want, stdout.String())
		}
	}
	p = startServe(t, "--resp", "127.0.0.1:0", "--raft", raftAddr, "--id", "new", "--data", data, "--log-store", store)
	send(t, p.addr, "GET k\r\nLRANGE l 0 -1\r\nSET k2 v2\r\nGET k2\r\n", "$1\r\nv\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n+OK\r\n$2\r\nv2\r\n")

	// A second restore into the same directory is refused.
	err = run(context.Background(), []string{"restore", "--from", snaps, "--id", "new", "--bootstrap", "new=" + raftAddr, "--data", data}, nil, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "data directory is not empty") {
		t.Errorf("restore into a used data directory: %v", err)
	}
}
