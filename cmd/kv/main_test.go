package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the server's logger and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeStandalone(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--resp", "127.0.0.1:0", "--standalone", "--requirepass", "pw",
			"--maxclients", "5", "--proto-max-bulk-len", "1mb", "--timeout", "30", "--addr-file", addrFile}, nil, &stdout, &stderr)
	}()
	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if b, err := os.ReadFile(addrFile); err == nil {
			addr = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			t.Fatalf("no address file; stderr: %s", stderr.String())
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(nc)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	nc.Write([]byte("GET k\r\nAUTH pw\r\nSET k v\r\nGET k\r\nCONFIG GET maxclients\r\nCONFIG GET proto-max-bulk-len\r\nCONFIG GET timeout\r\n"))
	want := "-NOAUTH Authentication required.\r\n+OK\r\n+OK\r\n$1\r\nv\r\n*2\r\n$10\r\nmaxclients\r\n$1\r\n5\r\n" +
		"*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n*2\r\n$7\r\ntimeout\r\n$2\r\n30\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
		t.Fatalf("got %q (%v), want %q", got, err, want)
	}

	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	// The server closed the connection.
	if _, err := r.ReadByte(); err == nil {
		t.Fatal("connection still open after shutdown")
	}
	nc.Close()
	logs := stderr.String()
	for _, want := range []string{"serving RESP", "addr=" + addr, "shutting down", "stopped"} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if stdout.String() != "" {
		t.Errorf("stdout: %q", stdout.String())
	}
}

func TestRunErrors(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"serve", "--resp", "127.0.0.1:0", "--bootstrap", "n1"}, 2, "want ID=HOST:PORT"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--bootstrap", "n2=127.0.0.1:1"}, 2, "does not list this node"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--standalone", "--join", "127.0.0.1:1"}, 2, "cannot be combined"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--read-consistency", "eventual"}, 2, "want linearizable, lease or stale"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--lease-timeout", "500ms"}, 2, "<= --heartbeat-timeout"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--heartbeat-timeout", "1s", "--election-timeout", "500ms"}, 2, "<= --election-timeout"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--batch-linger", "1s"}, 2, "--batch-linger must be between"},
		{[]string{"serve", "--resp", "127.0.0.1:0", "--commit-wait", "100ms"}, 2, "--commit-wait must be between"},
		{[]string{"serve", "--standalone"}, 2, "--resp HOST:PORT is required"},
		{[]string{"serve", "--standalone", "--resp", "127.0.0.1:0", "--proto-max-bulk-len", "1k"}, 2, "at least 1mb"},
		{[]string{"serve", "--standalone", "--resp", "127.0.0.1:0", "--maxclients", "0"}, 2, "--maxclients"},
		{[]string{"serve", "--standalone", "--resp", "127.0.0.1:0", "--log-level", "loud"}, 2, "--log-level"},
		{[]string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"serve", "--standalone", "--resp", "127.0.0.1:0", "extra"}, 2, "unexpected argument"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"serve", "--standalone", "--resp", "256.0.0.1:bad"}, 1, "kv:"},
	}
	for _, c := range cases {
		var stdout, stderr syncBuffer
		err := run(context.Background(), c.args, nil, &stdout, &stderr)
		code := exitCode(err, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.contains) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d containing %q", c.args, code, stderr.String(), c.code, c.contains)
		}
	}
}

func TestServeHelpDocumentsEveryFlag(t *testing.T) {
	var stdout, stderr syncBuffer
	err := run(context.Background(), []string{"serve", "-h"}, nil, &stdout, &stderr)
	if code := exitCode(err, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"--resp HOST:PORT", "--standalone", "--id ID", "--raft HOST:PORT", "--data DIR", "--bootstrap", "--join", "--read-consistency", "--redirect", "--requirepass", "--maxclients", "--proto-max-bulk-len", "--timeout", "--addr-file", "--cpuprofile", "--log-level"} {
		if !strings.Contains(stdout.String(), f) {
			t.Errorf("help lacks %s:\n%s", f, stdout.String())
		}
	}
}
