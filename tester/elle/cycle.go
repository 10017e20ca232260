package elle

import (
	"fmt"
	"sort"
	"strings"
)

// Search budget: a shortest cycle is sought by a breadth-first search from
// at most searchStartsMax nodes (or rw edges) of a component, so that a
// history whose graph is one huge component (every transaction after a
// lost write depends on it in real time) is checked in bounded time. A
// cycle is found whenever the component has one of the kind; only its
// being the shortest is given up past the budget.
const searchStartsMax = 64

// search is one kind of cycle to look for: edges allowed on the path, and
// whether the cycle must close through exactly one rw edge.
type search struct {
	mask     uint8
	singleRW bool
	maskOnRW uint8 // single-rw searches: path edges besides the rw one
}

// searches in order of strength: a component is explained by the
// weakest anomalies it holds, each kind at most once.
var searches = []search{
	{mask: ww},
	{mask: ww | wr},
	{singleRW: true, maskOnRW: ww | wr},
	{mask: ww | wr | rw},
	{mask: ww | rt},
	{mask: ww | wr | rt},
	{singleRW: true, maskOnRW: ww | wr | rt},
	{mask: ww | wr | rw | rt},
}

// findCycles reports, for every strongly connected component, a shortest
// cycle of each kind it holds.
func (s *state) findCycles(g *graph) {
	for _, comp := range g.sccs() {
		if len(comp) < 2 {
			continue
		}
		inComp := map[int]bool{}
		for _, v := range comp {
			inComp[v] = true
		}
		seen := map[string]bool{}
		for _, se := range searches {
			cyc := g.findCycle(comp, inComp, se)
			if cyc == nil {
				continue
			}
			a := s.explainCycle(g, cyc)
			if seen[a.Type] {
				continue
			}
			seen[a.Type] = true
			s.res.add(a)
		}
	}
}

// step is one edge of a cycle.
type step struct {
	from, to int
	kind     uint8
}

// findCycle returns a shortest cycle of the search's kind within the
// component, or nil.
func (g *graph) findCycle(comp []int, inComp map[int]bool, se search) []step {
	var best []step
	if se.singleRW {
		n := 0
		for _, a := range comp {
			for _, b := range g.successors(a, rw) {
				if !inComp[b] {
					continue
				}
				if n++; n > searchStartsMax {
					return best
				}
				// rw a -> b, then back from b to a without rw edges.
				path := g.bfs(b, a, inComp, se.maskOnRW)
				if path == nil {
					continue
				}
				cyc := append([]step{{a, b, rw}}, path...)
				if best == nil || len(cyc) < len(best) {
					best = cyc
				}
			}
		}
		return best
	}
	for i, start := range comp {
		if i >= searchStartsMax {
			break
		}
		for _, next := range g.successors(start, se.mask) {
			if !inComp[next] {
				continue
			}
			path := g.bfs(next, start, inComp, se.mask)
			if path == nil {
				continue
			}
			cyc := append([]step{{start, next, pick(g.out[start][next], se.mask)}}, path...)
			if best == nil || len(cyc) < len(best) {
				best = cyc
			}
		}
	}
	return best
}

// pick chooses the label of an edge among the allowed kinds: the weakest
// relation first (ww, then wr, rw, realtime), so that a cycle is classed
// by what it needs.
func pick(kinds, mask uint8) uint8 {
	k := kinds & mask
	return k & -k
}

// bfs finds a shortest path from -> to within the component through edges
// of the kinds in mask (an empty path when from == to).
func (g *graph) bfs(from, to int, inComp map[int]bool, mask uint8) []step {
	if from == to {
		return []step{}
	}
	prev := map[int]int{from: from}
	queue := []int{from}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range g.successors(v, mask) {
			if !inComp[w] {
				continue
			}
			if _, ok := prev[w]; ok {
				continue
			}
			prev[w] = v
			if w == to {
				var path []step
				for x := to; x != from; x = prev[x] {
					path = append(path, step{prev[x], x, pick(g.out[prev[x]][x], mask)})
				}
				for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
					path[i], path[j] = path[j], path[i]
				}
				return path
			}
			queue = append(queue, w)
		}
	}
	return nil
}

// classify names a cycle by its edges.
func classify(cyc []step) string {
	rws, wrs, rts := 0, 0, 0
	for _, st := range cyc {
		switch st.kind {
		case rw:
			rws++
		case wr:
			wrs++
		case rt:
			rts++
		}
	}
	var name string
	switch {
	case rws == 0 && wrs == 0:
		name = G0
	case rws == 0:
		name = G1c
	case rws == 1:
		name = GSingle
	default:
		name = G2
	}
	if rts > 0 {
		name += "-realtime"
	}
	return name
}

func (s *state) explainCycle(g *graph, cyc []step) Anomaly {
	a := Anomaly{Type: classify(cyc)}
	var lines []string
	for _, st := range cyc {
		a.Txns = append(a.Txns, s.t(st.from).ID)
		a.Steps = append(a.Steps, fmt.Sprintf("T%d -%s-> T%d: %s", s.t(st.from).ID, edgeNames[st.kind], s.t(st.to).ID, g.why[edgeKey{st.from, st.to, st.kind}]()))
		lines = append(lines, "  "+s.t(st.from).String())
	}
	a.Explanation = fmt.Sprintf("%s cycle of %d transactions:\n%s\n%s", a.Type, len(cyc), strings.Join(lines, "\n"), "  "+strings.Join(a.Steps, "\n  "))
	return a
}

// sccs returns the strongly connected components (Tarjan's algorithm,
// iterative so that long chains do not grow the goroutine stack), each
// sorted, in a deterministic order.
func (g *graph) sccs() [][]int {
	index := map[int]int{}
	low := map[int]int{}
	onStack := map[int]bool{}
	var stack []int
	var out [][]int
	next := 0
	type frame struct {
		v    int
		succ []int
		i    int
	}
	nodes := append([]int(nil), g.nodes...)
	sort.Ints(nodes)
	for _, root := range nodes {
		if _, done := index[root]; done {
			continue
		}
		call := []frame{{v: root, succ: g.successors(root, ^uint8(0))}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			if f.i < len(f.succ) {
				w := f.succ[f.i]
				f.i++
				if _, seen := index[w]; !seen {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{v: w, succ: g.successors(w, ^uint8(0))})
				} else if onStack[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var comp []int
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				sort.Ints(comp)
				out = append(out, comp)
			}
		}
	}
	return out
}
