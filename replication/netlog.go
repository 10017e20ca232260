package replication

import (
	"errors"
	"io"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
)

// raft-net's log, with the replies nobody waited for summarized.
//
// When a peer stops waiting for an RPC (its deadline passed while this node
// was busy, say receiving and restoring a snapshot, during which raft
// handles no other RPC) it closes the connection, and the reply this node
// writes when it gets to the RPC fails with a broken pipe or a reset.
// NetworkTransport logs an ERROR for each; after a minute-long
// InstallSnapshot that was 33 lines at once (bench-scale run 7). Nothing
// is wrong on either side: the peer already counted the RPC as failed and
// retried. Those errors are counted instead and reported as one WARN line
// a second at most; every other error is logged as raft-net logs it.

// netLogSummaryEvery spaces the summary lines.
const netLogSummaryEvery = time.Second

// newNetLogger returns raft-net's logger writing to out.
func newNetLogger(out io.Writer) hclog.Logger {
	return &netLogger{
		Logger:  hclog.New(&hclog.LoggerOptions{Name: "raft-net", Output: out, Level: hclog.Error}),
		summary: hclog.New(&hclog.LoggerOptions{Name: "raft-net", Output: out, Level: hclog.Warn}),
	}
}

type netLogger struct {
	hclog.Logger
	summary hclog.Logger

	mu      sync.Mutex
	pending int         // replies not delivered since the last summary
	lastErr error       // the latest of them
	timer   *time.Timer // the summary due, nil when none
}

// Error implements hclog.Logger.
func (l *netLogger) Error(msg string, args ...interface{}) {
	if msg == "failed to flush response" {
		if err := argError(args); err != nil && peerGone(err) {
			l.replyUndelivered(err)
			return
		}
	}
	l.Logger.Error(msg, args...)
}

// replyUndelivered counts a reply to a peer that had gone and schedules
// the summary.
func (l *netLogger) replyUndelivered(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending++
	l.lastErr = err
	if l.timer == nil {
		l.timer = time.AfterFunc(netLogSummaryEvery, l.flush)
	}
}

func (l *netLogger) flush() {
	l.mu.Lock()
	n, err := l.pending, l.lastErr
	l.pending, l.lastErr, l.timer = 0, nil, nil
	l.mu.Unlock()
	if n > 0 {
		l.summary.Warn("replies not delivered: the peers had stopped waiting and closed their connections (their RPCs timed out while this node was busy; they retry)",
			"replies", n, "last_error", err)
	}
}

// argError returns the value of the "error" key of hclog arguments.
func argError(args []interface{}) error {
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && k == "error" {
			err, _ := args[i+1].(error)
			return err
		}
	}
	return nil
}

// peerGone reports whether err is a write to a connection the peer closed.
func peerGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
