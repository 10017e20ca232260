package kv

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPagedMatchesSlice drives a paged array and a plain slice with the
// same random pushes, sets, deletes and truncations across page
// boundaries, and compares them after every step.
func TestPagedMatchesSlice(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var p paged[int]
		var want []int
		check := func(op string) {
			t.Helper()
			if p.len() != len(want) {
				t.Fatalf("seed %d after %s: len %d, want %d", seed, op, p.len(), len(want))
			}
			if got := p.slice(); !slices.Equal(got, want) {
				t.Fatalf("seed %d after %s: elements differ", seed, op)
			}
			// Elements past the length are zero (nothing kept alive).
			if p.more == nil {
				for _, v := range p.head[len(p.head):cap(p.head)] {
					if v != 0 {
						t.Fatalf("seed %d after %s: a dropped head element was not cleared", seed, op)
					}
				}
			} else {
				pg := p.more.pages
				if len(p.head) != pagedLen || len(pg) == 0 || (p.len()-1)>>pagedShift != len(pg) {
					t.Fatalf("seed %d after %s: head %d and %d pages for %d elements", seed, op, len(p.head), len(pg), p.len())
				}
				last := pg[len(pg)-1]
				for _, v := range last[len(last):cap(last)] {
					if v != 0 {
						t.Fatalf("seed %d after %s: a dropped element was not cleared", seed, op)
					}
				}
			}
		}
		next := 1
		for step := 0; step < 3000; step++ {
			switch r := rng.IntN(100); {
			case r < 60: // bursts of pushes cross page boundaries
				for k := rng.IntN(3 * pagedLen); k > 0; k-- {
					p.push(next)
					want = append(want, next)
					next++
				}
				check("push")
			case r < 75 && len(want) > 0:
				i := rng.IntN(len(want))
				p.set(i, -next)
				want[i] = -next
				next++
				check("set")
			case r < 80 && len(want) > 0:
				i := rng.IntN(len(want))
				if len(want) > 2*pagedLen {
					i = len(want) - 1 - rng.IntN(pagedLen) // keep the shifts short
				}
				p.deleteAt(i)
				want = slices.Delete(want, i, i+1)
				check("deleteAt")
			default:
				n := 0
				if len(want) > 0 {
					switch rng.IntN(3) {
					case 0:
						n = rng.IntN(len(want) + 1)
					case 1: // exactly at a page boundary
						n = min(len(want), rng.IntN(4)*pagedLen)
					default:
						n = max(0, len(want)-rng.IntN(10))
					}
				}
				p.truncate(n)
				clear(want[n:])
				want = want[:n]
				check("truncate")
			}
			if step%200 == 0 && len(want) > 0 {
				c := p.clone()
				last := len(want) - 1
				p.set(0, 0) // the clone must not share pages
				p.set(last, 0)
				if c.at(0) != want[0] || c.at(last) != want[last] {
					t.Fatalf("seed %d: the clone shares pages", seed)
				}
				p.set(0, want[0])
				p.set(last, want[last])
			}
		}
	}
}

func TestNewPagedIsZeroed(t *testing.T) {
	for _, n := range []int{0, 1, pagedLen - 1, pagedLen, pagedLen + 1, 3*pagedLen + 5} {
		p := newPaged[*int](n)
		if p.len() != n {
			t.Fatalf("newPaged(%d).len() = %d", n, p.len())
		}
		for i := 0; i < n; i++ {
			if p.at(i) != nil {
				t.Fatalf("newPaged(%d): element %d not zero", n, i)
			}
		}
		x := 1
		if n > 0 {
			p.set(n-1, &x)
			if p.at(n-1) != &x {
				t.Fatalf("newPaged(%d): set/at of the last element", n)
			}
		}
	}
}

// slice returns the elements as one slice (for tests).
func (p *paged[T]) slice() []T {
	out := make([]T, 0, p.len())
	p.each(func(_ int, v T) bool { out = append(out, v); return true })
	return out
}
