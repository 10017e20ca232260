package netsim

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
)

// Grudge maps a destination to the set of sources whose messages it drops,
// as jepsen.nemesis grudges do. The empty grudge cuts nothing.
type Grudge map[string]map[string]bool

// Cuts reports whether dest drops messages from src.
func (g Grudge) Cuts(src, dest string) bool { return g[dest][src] }

// TwoWay reports whether a and b can exchange a request and its response.
func (g Grudge) TwoWay(a, b string) bool { return !g.Cuts(a, b) && !g.Cuts(b, a) }

// String renders the grudge like Jepsen's history does: {"n0" #{"n1"}, ...}.
func (g Grudge) String() string {
	dests := make([]string, 0, len(g))
	for d, srcs := range g {
		if len(srcs) > 0 {
			dests = append(dests, d)
		}
	}
	sort.Strings(dests)
	var b strings.Builder
	b.WriteString("{")
	for i, d := range dests {
		if i > 0 {
			b.WriteString(", ")
		}
		srcs := make([]string, 0, len(g[d]))
		for s := range g[d] {
			srcs = append(srcs, fmt.Sprintf("%q", s))
		}
		sort.Strings(srcs)
		fmt.Fprintf(&b, "%q #{%s}", d, strings.Join(srcs, " "))
	}
	b.WriteString("}")
	return b.String()
}

// Partition kinds of jepsen.nemesis.combined's partition package, the ones
// Maelstrom's --nemesis partition picks from.
const (
	One            = "one"             // isolate one random node
	Majority       = "majority"        // random split: a minority and a majority
	MajoritiesRing = "majorities-ring" // every node sees a majority, no two the same
	MinorityThird  = "minority-third"  // isolate floor((n-1)/3) nodes (none with 3)
)

// PartitionKinds lists the kinds in the order a start picks from.
var PartitionKinds = []string{One, Majority, MajoritiesRing, MinorityThird}

// NewGrudge builds the grudge of one partition kind over nodes, drawing its
// randomness from rng.
func NewGrudge(kind string, nodes []string, rng *rand.Rand) (Grudge, error) {
	shuffled := slices.Clone(nodes)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	switch kind {
	case One:
		loner := shuffled[0]
		return complete([][]string{{loner}, shuffled[1:]}), nil
	case Majority:
		// jepsen's bisect: the first half (rounded down) is the minority.
		h := len(shuffled) / 2
		return complete([][]string{shuffled[:h], shuffled[h:]}), nil
	case MinorityThird:
		k := (len(shuffled) - 1) / 3
		return complete([][]string{shuffled[:k], shuffled[k:]}), nil
	case MajoritiesRing:
		return majoritiesRing(shuffled), nil
	}
	return nil, fmt.Errorf("netsim: unknown partition kind %q", kind)
}

// complete is jepsen's complete-grudge: every node drops messages from every
// node outside its own component.
func complete(components [][]string) Grudge {
	g := Grudge{}
	for i, c := range components {
		for _, d := range c {
			for j, other := range components {
				if i == j {
					continue
				}
				for _, s := range other {
					if g[d] == nil {
						g[d] = map[string]bool{}
					}
					g[d][s] = true
				}
			}
		}
	}
	return g
}

// majoritiesRing is jepsen's majorities-ring-perfect over an already
// shuffled ring: every window of m = majority(n) consecutive nodes is one
// node's view, the node in the middle of the window, which drops messages
// from everyone outside it. With 3 nodes the result is asymmetric: in each
// pair exactly one direction is cut. Jepsen switches to a stochastic
// construction above 5 nodes; the ring construction used here for every n
// keeps the defining property (each node sees a majority, no two the same).
func majoritiesRing(ring []string) Grudge {
	n := len(ring)
	m := n/2 + 1
	g := Grudge{}
	for start := 0; start < n; start++ {
		window := map[string]bool{}
		for k := 0; k < m; k++ {
			window[ring[(start+k)%n]] = true
		}
		center := ring[(start+m/2)%n]
		for _, s := range ring {
			if !window[s] {
				if g[center] == nil {
					g[center] = map[string]bool{}
				}
				g[center][s] = true
			}
		}
	}
	return g
}
