package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"redraft/kv/local"
	"redraft/kv/resp"
)

// TestBenchAgainstStandalone runs a small benchmark against an in-process
// standalone edge and checks the report.
func TestBenchAgainstStandalone(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := resp.New(local.New(), resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		if err := <-done; !errors.Is(err, resp.ErrServerClosed) {
			t.Error(err)
		}
	}()
	var out bytes.Buffer
	addr := ln.Addr().String()
	if err := run([]string{"-sub", addr, "-pub", addr, "-subs", "5", "-publishers", "3", "-messages", "300"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "delivered=1500 ") || !strings.Contains(out.String(), "same-order=yes") {
		t.Fatalf("report: %s", out.String())
	}
}
