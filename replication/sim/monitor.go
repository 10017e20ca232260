package sim

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// monitor checks the invariants that must hold at every instant of a run:
//
//   - at most one leader per term: every AppendEntries sent names its
//     term and sender, and the poll sees a node in state Leader only in a
//     term nobody else led;
//   - committed log prefixes are identical: every entry at or below a
//     node's commit index is compared with what any node ever showed at
//     that index once committed;
//   - the applied index of a node incarnation never goes back.
//
// One behaviour of hashicorp/raft v1.8.0 is told apart from a violation
// (and noted in the trace): after InstallSnapshot, raft compacts the
// follower's old log keeping TrailingLogs entries, which may be
// uncommitted entries of an old term at indexes below the snapshot. They
// are outside raft's log (below its last snapshot index) and never
// applied, so the prefix check skips indexes at or below the node's last
// snapshot index.
type monitor struct {
	c *Cluster

	mu        sync.Mutex
	leaders   map[uint64]string // term -> leader id
	committed map[uint64]digest // index -> the committed entry
	applied   map[incKey]uint64 // highest FSM applied index seen
	checked   map[incKey]uint64 // committed prefix checked up to
	viol      []string
	seen      map[string]bool // violations and notes already reported
	// failed is closed at the first violation (Options.FailFast).
	failed     chan struct{}
	failedOnce sync.Once
}

type incKey struct {
	id  string
	inc int
}

type digest struct {
	term uint64
	typ  raft.LogType
	sum  uint64
	from string // node that first showed it (for messages)
}

const (
	// monitorTick is the poll period of leaders and applied indexes.
	monitorTick = 5 * time.Millisecond
	// commitCheckEvery is the period of the committed-prefix check, in ticks.
	commitCheckEvery = 10
	// violMax bounds the violations kept per run.
	violMax = 50
)

func newMonitor(c *Cluster) *monitor {
	return &monitor{c: c, leaders: map[uint64]string{}, committed: map[uint64]digest{},
		applied: map[incKey]uint64{}, checked: map[incKey]uint64{}, seen: map[string]bool{}, failed: make(chan struct{})}
}

// violation records a broken invariant.
func (m *monitor) violation(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[msg] {
		return
	}
	m.seen[msg] = true
	m.c.trace.Eventf("VIOLATION %s", msg)
	m.failedOnce.Do(func() { close(m.failed) })
	if len(m.viol) < violMax {
		m.viol = append(m.viol, fmt.Sprintf("at %.3fs: %s", m.c.trace.since().Seconds(), msg))
	}
}

func (m *monitor) violations() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.viol...)
}

// onAppend observes an AppendEntries of term sent by leader.
func (m *monitor) onAppend(term uint64, leader string) { m.leaderOf(term, leader, "AppendEntries") }

func (m *monitor) leaderOf(term uint64, id, how string) {
	m.mu.Lock()
	prev, ok := m.leaders[term]
	if !ok {
		m.leaders[term] = id
	}
	m.mu.Unlock()
	if ok && prev != id {
		m.violation("two leaders in term %d: %s and %s (%s)", term, prev, id, how)
	}
}

// run polls until stop closes.
func (m *monitor) run(stop <-chan struct{}) {
	t := time.NewTicker(monitorTick)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-t.C:
		case <-stop:
			m.check(true)
			return
		}
		m.check(tick%commitCheckEvery == 0)
	}
}

// check looks at every running incarnation once.
func (m *monitor) check(commits bool) {
	for _, sn := range m.c.nodes {
		in, ok := sn.current()
		if !ok {
			continue
		}
		k := incKey{sn.id, in.inc}
		r := in.node.Raft()
		t1 := r.CurrentTerm()
		st := r.State()
		if st == raft.Leader && r.CurrentTerm() == t1 {
			m.leaderOf(t1, sn.id, "state poll")
		}
		a := in.node.AppliedIndex()
		m.mu.Lock()
		prev := m.applied[k]
		m.applied[k] = a
		m.mu.Unlock()
		if a < prev {
			m.violation("applied index of %s (incarnation %d) went back from %d to %d", sn.id, in.inc, prev, a)
		}
		if commits {
			m.checkCommitted(k, in)
		}
	}
}

func (m *monitor) checkCommitted(k incKey, in incarnation) {
	ci := in.node.Raft().CommitIndex()
	m.mu.Lock()
	from := m.checked[k]
	m.checked[k] = ci
	m.mu.Unlock()
	if fi, _ := in.logs.FirstIndex(); fi > 0 && from < fi-1 {
		from = fi - 1
	}
	for i := from + 1; i <= ci; i++ {
		l, ok := in.logs.Entry(i)
		if !ok {
			continue // compacted into a snapshot
		}
		h := fnv.New64a()
		h.Write(l.Data)
		d := digest{term: l.Term, typ: l.Type, sum: h.Sum64(), from: k.id}
		m.mu.Lock()
		prev, seen := m.committed[i]
		if !seen {
			m.committed[i] = d
		}
		m.mu.Unlock()
		if seen && (prev.term != d.term || prev.typ != d.typ || prev.sum != d.sum) {
			if snap := lastSnapshotIndex(in.node.Raft()); i <= snap {
				m.noteOnce(fmt.Sprintf("note: %s (incarnation %d) keeps an entry of term %d at %d, below its last snapshot %d, where term %d was committed",
					k.id, k.inc, d.term, i, snap, prev.term))
				continue
			}
			m.violation("committed entry %d differs: %s had term %d type %s, %s (incarnation %d, commit index %d) has term %d type %s",
				i, prev.from, prev.term, prev.typ, k.id, k.inc, ci, d.term, d.typ)
		}
	}
}

// noteOnce records a note in the trace once.
func (m *monitor) noteOnce(msg string) {
	m.mu.Lock()
	done := m.seen[msg]
	m.seen[msg] = true
	m.mu.Unlock()
	if !done {
		m.c.trace.Eventf("%s", msg)
	}
}

// lastSnapshotIndex returns raft's last snapshot index (0 if unknown).
func lastSnapshotIndex(r *raft.Raft) uint64 {
	v, _ := strconv.ParseUint(r.Stats()["last_snapshot_index"], 10, 64)
	return v
}
