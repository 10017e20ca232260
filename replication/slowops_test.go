package replication

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestSlowOpsOneLinePerKindAndPeriod: operations under the threshold are
// not logged; a slow one is, with its duration and entry count; more of the
// same kind within slowOpEvery are counted and reported with the next line;
// kinds are limited separately.
func TestSlowOpsOneLinePerKindAndPeriod(t *testing.T) {
	var buf bytes.Buffer
	s := newSlowOps(slog.New(slog.NewTextHandler(&buf, nil)))
	lines := func() []string { return strings.Split(strings.TrimSpace(buf.String()), "\n") }
	s.observe("log append", slowOpThreshold-time.Millisecond, 1)
	if buf.Len() != 0 {
		t.Fatalf("a fast operation was logged: %q", buf.String())
	}
	s.observe("log append", 150*time.Millisecond, 3)
	s.observe("log append", 170*time.Millisecond, 4)
	s.observe("fsm apply", 120*time.Millisecond, 9)
	if l := lines(); len(l) != 2 ||
		!strings.Contains(l[0], `msg="slow log append" ms=150 entries=3 slow_not_logged_since_last=0`) ||
		!strings.Contains(l[1], `msg="slow fsm apply" ms=120 entries=9`) {
		t.Fatalf("got %q", l)
	}
	s.mu.Lock()
	s.last["log append"] = s.last["log append"].Add(-slowOpEvery)
	s.mu.Unlock()
	s.observe("log append", 200*time.Millisecond, 5)
	if l := lines(); len(l) != 3 || !strings.Contains(l[2], `msg="slow log append" ms=200 entries=5 slow_not_logged_since_last=1`) {
		t.Fatalf("got %q", l)
	}
	var none *slowOps
	none.observe("log append", time.Second, 1) // nil logs nothing, does not panic
}

// sleepyLogs is a log store whose appends and truncations take d.
type sleepyLogs struct {
	*raft.InmemStore
	d time.Duration
}

func (s sleepyLogs) StoreLogs(ls []*raft.Log) error {
	time.Sleep(s.d)
	return s.InmemStore.StoreLogs(ls)
}

func (s sleepyLogs) DeleteRange(lo, hi uint64) error {
	time.Sleep(s.d)
	return s.InmemStore.DeleteRange(lo, hi)
}

// TestTimedLogsReportSlowOperations: the log store raft gets reports a
// slow append and a slow truncation, and passes both through.
func TestTimedLogsReportSlowOperations(t *testing.T) {
	var buf bytes.Buffer
	m := newNodeMetrics()
	m.slow = newSlowOps(slog.New(slog.NewTextHandler(&buf, nil)))
	inner := raft.NewInmemStore()
	logs := m.logStore(sleepyLogs{InmemStore: inner, d: slowOpThreshold + 10*time.Millisecond})
	if err := logs.StoreLogs([]*raft.Log{{Index: 1}, {Index: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := logs.DeleteRange(1, 1); err != nil {
		t.Fatal(err)
	}
	if first, _ := inner.FirstIndex(); first != 2 {
		t.Fatalf("first index after the truncation: %d, want 2", first)
	}
	out := buf.String()
	if !strings.Contains(out, `msg="slow log append"`) || !strings.Contains(out, "entries=2") ||
		!strings.Contains(out, `msg="slow log truncation"`) || !strings.Contains(out, "entries=1") {
		t.Fatalf("got %q", out)
	}
}
