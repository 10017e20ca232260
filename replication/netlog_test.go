package replication

import (
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNetLoggerSummarizesUndeliveredReplies: raft-net's "failed to flush
// response" errors for peers that closed their connections (a broken pipe,
// a reset, wrapped as NetworkTransport gets them) become one WARN line
// with their count; other errors, and other flush failures, are logged as
// they come.
func TestNetLoggerSummarizesUndeliveredReplies(t *testing.T) {
	var out lockedBuffer
	l := newNetLogger(&out)
	wrap := func(errno syscall.Errno) error {
		return &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", errno)}
	}
	for i := 0; i < 33; i++ {
		e := syscall.EPIPE
		if i%2 == 1 {
			e = syscall.ECONNRESET
		}
		l.Error("failed to flush response", "error", wrap(e))
	}
	l.Error("failed to flush response", "error", errors.New("short write"))
	l.Error("failed to decode incoming command", "error", wrap(syscall.ECONNRESET))
	got := out.String()
	if strings.Count(got, "failed to flush response") != 1 || !strings.Contains(got, "short write") ||
		!strings.Contains(got, "failed to decode incoming command") {
		t.Fatalf("before the summary, want the two other errors only:\n%s", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "replies not delivered") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary after 5s:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	got = out.String()
	if !strings.Contains(got, "[WARN]") || !strings.Contains(got, "replies=33") || strings.Count(got, "replies not delivered") != 1 {
		t.Fatalf("want one WARN summary of 33 replies:\n%s", got)
	}
	// A later burst gets a summary of its own.
	l.Error("failed to flush response", "error", wrap(syscall.EPIPE))
	for strings.Count(out.String(), "replies not delivered") != 2 {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatalf("no second summary:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "replies=1") {
		t.Fatalf("second summary should count 1 reply:\n%s", out.String())
	}
}
