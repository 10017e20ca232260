package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveProc is an in-process "kv serve" for a test.
type serveProc struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
	stderr *syncBuffer
}

func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	ctx, cancel := context.WithCancel(context.Background())
	p := &serveProc{cancel: cancel, done: make(chan error, 1), stderr: &syncBuffer{}}
	var stdout syncBuffer
	go func() {
		p.done <- run(ctx, append([]string{"serve", "--addr-file", addrFile}, args...), nil, &stdout, p.stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for p.addr == "" {
		if b, err := os.ReadFile(addrFile); err == nil {
			p.addr = strings.TrimSpace(string(b))
		} else if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no address file; stderr: %s", p.stderr.String())
		} else {
			time.Sleep(5 * time.Millisecond)
		}
	}
	t.Cleanup(p.stop)
	return p
}

func (p *serveProc) stop() {
	if p.cancel != nil {
		p.cancel()
		<-p.done
		p.cancel = nil
	}
}

// send writes raw RESP and reads until want arrived or the deadline passed,
// retrying the whole exchange while the node answers CLUSTERDOWN (no leader
// elected yet).
func send(t *testing.T, addr, req, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write([]byte(req))
		got := make([]byte, len(want))
		_, err = io.ReadFull(bufio.NewReader(nc), got)
		nc.Close()
		if string(got) == want {
			return
		}
		if !strings.HasPrefix(string(got), "-CLUSTERDOWN") || time.Now().After(deadline) {
			t.Fatalf("%q: got %q (%v), want %q", req, got, err, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestServeOneNodeClusterIsDurable(t *testing.T) {
	for _, store := range logStores {
		t.Run(store, func(t *testing.T) { testServeOneNodeClusterIsDurable(t, store) })
	}
}

func testServeOneNodeClusterIsDurable(t *testing.T, store string) {
	data := t.TempDir()
	p := startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "solo", "--data", data, "--log-store", store)
	send(t, p.addr, "SET k v\r\nINCR n\r\nGET k\r\n", "+OK\r\n:1\r\n$1\r\nv\r\n")
	send(t, p.addr, "RAFT INFO\r\n", "$")
	nc, _ := net.Dial("tcp", p.addr)
	fmt.Fprint(nc, "INFO raft\r\n")
	b := make([]byte, 4096)
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	n, _ := nc.Read(b)
	nc.Close()
	for _, want := range []string{"# Raft", "node_id:solo", "role:leader"} {
		if !strings.Contains(string(b[:n]), want) {
			t.Errorf("INFO raft lacks %q: %q", want, b[:n])
		}
	}
	p.stop()
	if !strings.Contains(p.stderr.String(), "raft node started") || !strings.Contains(p.stderr.String(), "log_store="+store) {
		t.Errorf("logs: %s", p.stderr.String())
	}
	// Restart on the same data: the acknowledged writes are there.
	p = startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--id", "solo", "--data", data, "--log-store", store)
	send(t, p.addr, "GET k\r\nGET n\r\n", "$1\r\nv\r\n$1\r\n1\r\n")
}

func TestServeSecondProcessOnSameDataFailsFast(t *testing.T) {
	for _, store := range logStores {
		t.Run(store, func(t *testing.T) {
			data := t.TempDir()
			startServe(t, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--data", data, "--log-store", store)
			var stdout, stderr syncBuffer
			start := time.Now()
			err := run(context.Background(), []string{"serve", "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0", "--data", data, "--log-store", store}, nil, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "in use by another process") {
				t.Fatalf("second process: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v to fail", d)
			}
		})
	}
}
