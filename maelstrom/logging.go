package maelstrom

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Log rate limits. During a partition raft logs an error for every failed
// heartbeat and vote (docs/hashicorp-raft.md): thousands of lines. Lines beyond the budget
// are counted and reported in one line when the budget refills.
const (
	raftLogLinesPerSec = 10
	raftLogBurst       = 50
)

// lockedWriter serialises writes to stderr between slog and raft's logger.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// limitedWriter passes whole writes (one log line each) through a token
// bucket and drops the rest, counting them.
type limitedWriter struct {
	w     io.Writer
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu         sync.Mutex
	tokens     float64
	last       time.Time
	suppressed int
}

func newLimitedWriter(w io.Writer, perSec, burst int) *limitedWriter {
	return &limitedWriter{w: w, rate: float64(perSec), burst: float64(burst), tokens: float64(burst), now: time.Now}
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		l.suppressed++
		return len(p), nil
	}
	l.tokens--
	if l.suppressed > 0 {
		fmt.Fprintf(l.w, "%s [WARN]  raft: %d log lines suppressed (rate limit %d/s)\n",
			now.Format("2006-01-02T15:04:05.000Z07:00"), l.suppressed, int(l.rate))
		l.suppressed = 0
	}
	return l.w.Write(p)
}
