package netsim

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func nodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("n%d", i)
	}
	return out
}

// sees returns the nodes x receives from (itself included).
func sees(g Grudge, x string, all []string) map[string]bool {
	s := map[string]bool{}
	for _, y := range all {
		if !g.Cuts(y, x) {
			s[y] = true
		}
	}
	return s
}

func TestGrudgeKinds(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		for _, n := range []int{3, 5} {
			all := nodes(n)
			// one: exactly one node isolated, both ways.
			g, _ := NewGrudge(One, all, rng)
			isolated := 0
			for _, x := range all {
				if len(sees(g, x, all)) == 1 {
					isolated++
					for _, y := range all {
						if y != x && (g.TwoWay(x, y) || !g.Cuts(x, y) || !g.Cuts(y, x)) {
							t.Fatalf("one: %s not isolated from %s: %s", x, y, g)
						}
					}
				}
			}
			if isolated != 1 {
				t.Fatalf("one: %d isolated nodes, want 1: %s", isolated, g)
			}
			// majority: two symmetric components of sizes floor(n/2) and the rest.
			g, _ = NewGrudge(Majority, all, rng)
			sizes := map[int]int{}
			for _, x := range all {
				sizes[len(sees(g, x, all))]++
			}
			if want := map[int]int{n / 2: n / 2, n - n/2: n - n/2}; fmt.Sprint(sizes) != fmt.Sprint(want) {
				t.Fatalf("majority with %d nodes: component sizes %v, want %v: %s", n, sizes, want, g)
			}
			// minority-third: floor((n-1)/3) nodes cut off.
			g, _ = NewGrudge(MinorityThird, all, rng)
			cut := 0
			for _, x := range all {
				if len(sees(g, x, all)) < n {
					cut++
				}
			}
			if want := map[int]int{3: 0, 5: 5}[n]; cut != want {
				t.Fatalf("minority-third with %d nodes: %d nodes see less than all, want %d: %s", n, cut, want, g)
			}
			// majorities-ring: everyone sees a majority, no two the same.
			g, _ = NewGrudge(MajoritiesRing, all, rng)
			views := map[string]bool{}
			for _, x := range all {
				v := sees(g, x, all)
				if len(v) != n/2+1 {
					t.Fatalf("ring: %s sees %v, want a majority: %s", x, v, g)
				}
				key := fmt.Sprint(v)
				if views[key] {
					t.Fatalf("ring: two nodes see %v: %s", v, g)
				}
				views[key] = true
			}
		}
	}
}

func TestMajoritiesRingThreeNodesIsAsymmetric(t *testing.T) {
	all := nodes(3)
	for seed := uint64(0); seed < 10; seed++ {
		g, _ := NewGrudge(MajoritiesRing, all, rand.New(rand.NewPCG(seed, 1)))
		for i, a := range all {
			for _, b := range all[i+1:] {
				if g.Cuts(a, b) == g.Cuts(b, a) {
					t.Fatalf("pair %s,%s: want exactly one direction cut: %s", a, b, g)
				}
				if g.TwoWay(a, b) {
					t.Fatalf("pair %s,%s has a round trip: %s", a, b, g)
				}
			}
		}
	}
}

func TestUnknownKind(t *testing.T) {
	if _, err := NewGrudge("bridge", nodes(3), rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Fatal("want an error")
	}
}
