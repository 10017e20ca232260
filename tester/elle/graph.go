package elle

import (
	"fmt"
	"slices"
	"sort"
)

// Edge kinds, one bit each: two transactions may be related in several
// ways at once.
const (
	ww uint8 = 1 << iota // write-write: the next append to a key
	wr                   // write-read: a read ending in the append
	rw                   // read-write (anti-dependency): a read lacking the next append
	rt                   // real time: completed before the other was invoked
)

var edgeNames = map[uint8]string{ww: "ww", wr: "wr", rw: "rw", rt: "realtime"}

// graph is the dependency graph over committed transactions; nodes are
// indexes into the history.
type graph struct {
	nodes []int
	in    map[int]bool
	out   map[int]map[int]uint8
	// why: the first reason recorded for each edge and kind, formatted
	// only when a cycle is explained.
	why map[edgeKey]func() string
}

type edgeKey struct {
	from, to int
	kind     uint8
}

func (g *graph) link(from, to int, kind uint8, why func() string) {
	if from == to || !g.in[from] || !g.in[to] {
		return
	}
	m := g.out[from]
	if m == nil {
		m = map[int]uint8{}
		g.out[from] = m
	}
	if m[to]&kind != 0 {
		return
	}
	m[to] |= kind
	g.why[edgeKey{from, to, kind}] = why
}

func (g *graph) edgeCount() int {
	n := 0
	for _, m := range g.out {
		n += len(m)
	}
	return n
}

// successors lists from's successors through edges of the kinds in mask,
// in index order (deterministic searches).
func (g *graph) successors(from int, mask uint8) []int {
	var out []int
	for to, k := range g.out[from] {
		if k&mask != 0 {
			out = append(out, to)
		}
	}
	sort.Ints(out)
	return out
}

// buildGraph: nodes are ok transactions and info ones whose appends a
// read observed; edges as the package doc says.
func (s *state) buildGraph() *graph {
	g := &graph{in: map[int]bool{}, out: map[int]map[int]uint8{}, why: map[edgeKey]func() string{}}
	for i := range s.txns {
		t := s.t(i)
		switch t.Type {
		case Ok:
		case Info:
			if !s.observed(t) {
				continue
			}
		default:
			continue
		}
		g.nodes = append(g.nodes, i)
		g.in[i] = true
	}
	keys := make([]string, 0, len(s.order))
	for k := range s.order {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// ww: consecutive versions.
	for _, k := range keys {
		order := s.order[k]
		for j := 1; j < len(order); j++ {
			a, okA := s.writes[k][order[j-1]]
			b, okB := s.writes[k][order[j]]
			if !okA || !okB {
				continue
			}
			prev, next := order[j-1], order[j]
			g.link(a.txn, b.txn, ww, func() string {
				return fmt.Sprintf("T%d appended %d to %q, T%d appended %d right after it", s.t(a.txn).ID, prev, k, s.t(b.txn).ID, next)
			})
		}
	}
	// wr and rw: from each read.
	s.eachRead(func(i int, m Mop) {
		n := len(m.List)
		if n > 0 {
			last := m.List[n-1]
			if w, ok := s.writes[m.Key][last]; ok {
				g.link(w.txn, i, wr, func() string {
					return fmt.Sprintf("T%d read %q ending in %d, which T%d appended", s.t(i).ID, m.Key, last, s.t(w.txn).ID)
				})
			}
		}
		// The next version after what the read saw, when the read is a
		// prefix of the longest (otherwise it is incompatible anyway).
		l := s.longest[m.Key]
		if n >= len(l) || !slices.Equal(m.List, l[:n]) {
			return
		}
		next := l[n]
		if w, ok := s.writes[m.Key][next]; ok {
			g.link(i, w.txn, rw, func() string {
				return fmt.Sprintf("T%d read %q as %s, without %d, the next element, which T%d appended", s.t(i).ID, m.Key, briefList(m.List), next, s.t(w.txn).ID)
			})
		}
	})
	s.realtime(g)
	return g
}

// briefListMax: lists longer than this are shown by their tail in cycle
// explanations (the edge is about the end of the list).
const briefListMax = 8

// briefList is a list, or its last elements and its length when long.
func briefList(l []int64) string {
	if len(l) <= briefListMax {
		return FormatList(l)
	}
	tail := FormatList(l[len(l)-briefListMax/2:])
	return fmt.Sprintf("[... %s (%d elements)", tail[1:], len(l))
}

// observed: some read saw one of t's appends.
func (s *state) observed(t *Txn) bool {
	for _, m := range t.Mops {
		if m.F == Append {
			if _, ok := s.pos[m.Key][m.Value]; ok {
				return true
			}
		}
	}
	return false
}

// realtime adds an edge A -> B when A completed before B was invoked,
// keeping only edges from the frontier: at B's invocation, the completed
// transactions that no other completed transaction followed in real time.
// Every dropped edge A -> B is implied by a path A -> C -> B, so cycles
// are the same. Info transactions never complete: they only receive edges.
func (s *state) realtime(g *graph) {
	type event struct {
		at     int64
		invoke bool
		txn    int
	}
	evs := make([]event, 0, 2*len(g.nodes))
	for _, i := range g.nodes {
		t := s.t(i)
		evs = append(evs, event{int64(t.Invoke), true, i})
		if t.Type == Ok {
			evs = append(evs, event{int64(t.Complete), false, i})
		}
	}
	// Ties: an invocation at the very instant of a completion is not
	// after it, so invocations go first.
	sort.Slice(evs, func(a, b int) bool {
		if evs[a].at != evs[b].at {
			return evs[a].at < evs[b].at
		}
		if evs[a].invoke != evs[b].invoke {
			return evs[a].invoke
		}
		return evs[a].txn < evs[b].txn
	})
	frontier := map[int]bool{}
	pred := map[int][]int{}
	for _, e := range evs {
		if e.invoke {
			ps := make([]int, 0, len(frontier))
			for p := range frontier {
				ps = append(ps, p)
			}
			sort.Ints(ps)
			pred[e.txn] = ps
			for _, p := range ps {
				a, b := s.t(p), s.t(e.txn)
				g.link(p, e.txn, rt, func() string {
					return fmt.Sprintf("T%d completed at %.3f s, before T%d was invoked at %.3f s", a.ID, a.Complete.Seconds(), b.ID, b.Invoke.Seconds())
				})
			}
			continue
		}
		for _, p := range pred[e.txn] {
			delete(frontier, p)
		}
		frontier[e.txn] = true
	}
}
