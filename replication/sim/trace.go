package sim

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Trace records a run for the post-mortem of a failing seed: the fault
// schedule as executed and cluster events (virtual time), and each node's
// raft log. Everything is bounded; a failing run writes it to a file.
type Trace struct {
	mu     sync.Mutex
	start  time.Time
	events []string
	logs   map[string]*tailBuffer
	// dropped counts events past traceEventsMax.
	dropped int
	// live, when set, also receives every event and log line as it happens
	// (debugging a run that dies, e.g. on a panic inside raft).
	live io.Writer
}

const (
	// traceEventsMax bounds recorded events per run.
	traceEventsMax = 200_000
	// nodeLogMax bounds the raft log kept per node: the newest bytes.
	nodeLogMax = 1 << 20
)

func newTrace() *Trace {
	return &Trace{start: time.Now(), logs: map[string]*tailBuffer{}}
}

// since is virtual time since the run began.
func (tr *Trace) since() time.Duration { return time.Since(tr.start) }

// Eventf records one event at the current virtual time.
func (tr *Trace) Eventf(format string, args ...any) {
	line := fmt.Sprintf("%10.3fs  ", tr.since().Seconds()) + fmt.Sprintf(format, args...)
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.live != nil {
		io.WriteString(tr.live, line+"\n")
	}
	if len(tr.events) >= traceEventsMax {
		tr.dropped++
		return
	}
	tr.events = append(tr.events, line)
}

// NodeLog returns the writer for one node incarnation's raft log.
func (tr *Trace) NodeLog(id string, incarnation int) io.Writer {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	b := tr.logs[id]
	if b == nil {
		b = &tailBuffer{max: nodeLogMax}
		tr.logs[id] = b
	}
	fmt.Fprintf(b, "---- %s incarnation %d starts at %.3fs\n", id, incarnation, tr.since().Seconds())
	return &prefixWriter{tr: tr, b: b, id: id}
}

// WriteTo writes the events and node logs.
func (tr *Trace) WriteTo(w io.Writer) (int64, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var buf bytes.Buffer
	buf.WriteString("== events (virtual time since start)\n")
	for _, e := range tr.events {
		buf.WriteString(e)
		buf.WriteByte('\n')
	}
	if tr.dropped > 0 {
		fmt.Fprintf(&buf, "(%d later events not recorded)\n", tr.dropped)
	}
	ids := make([]string, 0, len(tr.logs))
	for id := range tr.logs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&buf, "\n== raft log of %s (newest %d bytes)\n", id, nodeLogMax)
		buf.Write(tr.logs[id].bytes())
	}
	return buf.WriteTo(w)
}

// tailBuffer keeps the newest max bytes written to it (roughly: it drops
// its older half when full).
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append([]byte("...\n"), t.b[len(t.b)-t.max/2:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte { return t.b }

// prefixWriter stamps raft's log lines with virtual time.
type prefixWriter struct {
	tr *Trace
	b  *tailBuffer
	id string
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	stamp := fmt.Sprintf("%10.3fs ", p.tr.since().Seconds())
	p.tr.mu.Lock()
	defer p.tr.mu.Unlock()
	p.b.Write([]byte(stamp))
	p.b.Write(b)
	if p.tr.live != nil {
		io.WriteString(p.tr.live, stamp+p.id+" ")
		p.tr.live.Write(b)
	}
	return len(b), nil
}
