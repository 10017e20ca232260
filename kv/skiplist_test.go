package kv

import (
	"fmt"
	"math"
	"sort"
	"testing"
)

// checkZSet verifies every structural invariant of z: level-0 order,
// backward links, tail, spans (a nil link's span counts the nodes after
// its owner), header height, the member index and the listpack limits.
func checkZSet(t *testing.T, z *ZSet) {
	t.Helper()
	zsl := &z.zsl
	if len(zsl.header.level) != zsl.level || zsl.level < 1 || zsl.level > zslMaxLevel {
		t.Fatalf("header has %d levels, list level %d", len(zsl.header.level), zsl.level)
	}
	rank := map[*zslNode]int{&zsl.header: 0}
	var prev *zslNode
	n := 0
	for x := zsl.first(); x != nil; x = x.next() {
		n++
		rank[x] = n
		if x.backward != prev {
			t.Fatalf("node %q: backward %p, want %p", x.member, x.backward, prev)
		}
		if prev != nil && !zslBefore(prev, x.score, x.member) {
			t.Fatalf("node %q (%v) not after %q (%v)", x.member, x.score, prev.member, prev.score)
		}
		if len(x.level) < 1 || len(x.level) > zsl.level {
			t.Fatalf("node %q has %d levels, list %d", x.member, len(x.level), zsl.level)
		}
		if math.IsNaN(x.score) {
			t.Fatalf("node %q has a NaN score", x.member)
		}
		if z.index.find(x.member) != x {
			t.Fatalf("node %q not found through the index", x.member)
		}
		prev = x
	}
	if n != zsl.length || zsl.tail != prev {
		t.Fatalf("walked %d nodes (tail %p), length %d (tail %p)", n, prev, zsl.length, zsl.tail)
	}
	if z.index.count != n {
		t.Fatalf("index holds %d, list %d", z.index.count, n)
	}
	for i := 0; i < zsl.level; i++ {
		p := &zsl.header
		for {
			f := p.level[i].forward
			if f == nil {
				if got, want := p.level[i].span, n-rank[p]; got != want {
					t.Fatalf("level %d: trailing span of rank %d is %d, want %d", i, rank[p], got, want)
				}
				break
			}
			if len(f.level) <= i {
				t.Fatalf("level %d links to %q, which has %d levels", i, f.member, len(f.level))
			}
			if got, want := p.level[i].span, rank[f]-rank[p]; got != want {
				t.Fatalf("level %d: span from rank %d to %d is %d, want %d", i, rank[p], rank[f], got, want)
			}
			p = f
		}
	}
	if zsl.level > 1 && zsl.header.level[zsl.level-1].forward == nil {
		t.Fatalf("top level %d is empty", zsl.level)
	}
	if z.listpack {
		if n > zsetListpackEntries {
			t.Fatalf("listpack with %d elements", n)
		}
		z.each(func(x *zslNode) bool {
			if len(x.member) > zsetListpackValue || (x.score == 0 && math.Signbit(x.score)) {
				t.Fatalf("listpack holds %q with score %v", x.member, x.score)
			}
			return true
		})
	}
}

// zmodel is the naive reference: elements kept sorted in a slice.
type zmodel []zsetElem

func (m zmodel) find(member string) int {
	for i, e := range m {
		if e.member == member {
			return i
		}
	}
	return -1
}

func (m *zmodel) set(member string, score float64) {
	if i := m.find(member); i >= 0 {
		*m = append((*m)[:i], (*m)[i+1:]...)
	}
	*m = append(*m, zsetElem{member, score})
	sort.Slice(*m, func(i, j int) bool {
		a, b := (*m)[i], (*m)[j]
		return a.score < b.score || (a.score == b.score && a.member < b.member)
	})
}

func (m *zmodel) del(member string) bool {
	i := m.find(member)
	if i < 0 {
		return false
	}
	*m = append((*m)[:i], (*m)[i+1:]...)
	return true
}

// sameAsModel compares z's elements, in order, with m.
func sameAsModel(t *testing.T, z *ZSet, m zmodel) {
	t.Helper()
	if z.Len() != len(m) {
		t.Fatalf("len got %d, want %d", z.Len(), len(m))
	}
	i := 0
	z.each(func(x *zslNode) bool {
		if x.member != m[i].member || math.Float64bits(x.score) != math.Float64bits(m[i].score) {
			t.Fatalf("rank %d: got (%q, %v), want (%q, %v)", i, x.member, x.score, m[i].member, m[i].score)
		}
		i++
		return true
	})
}

func TestSkiplistAgainstModel(t *testing.T) {
	r := NewRand(1)
	z := newZSet(false)
	var m zmodel
	scores := []float64{0, 1, 2, 2, 3, -1, math.Inf(1), math.Inf(-1), 0.5}
	for op := 0; op < 20000; op++ {
		member := fmt.Sprintf("m%03d", r.Intn(300))
		switch r.Intn(6) {
		case 0, 1, 2:
			s := scores[r.Intn(len(scores))]
			if r.Intn(2) == 0 {
				s = float64(r.Intn(50))
			}
			if x := z.find([]byte(member)); x != nil {
				z.zsl.updateScore(x, s)
			} else {
				z.insert(member, s)
			}
			m.set(member, s)
		case 3:
			if got, want := z.remove([]byte(member)), m.del(member); got != want {
				t.Fatalf("op %d remove %q: got %v, want %v", op, member, got, want)
			}
		case 4:
			got, ok := z.rank([]byte(member), false)
			want := m.find(member)
			if ok != (want >= 0) || (ok && got != want) {
				t.Fatalf("op %d rank %q: got %d,%v want %d", op, member, got, ok, want)
			}
			if ok {
				rev, _ := z.rank([]byte(member), true)
				if rev != len(m)-1-want {
					t.Fatalf("op %d revrank %q: got %d, want %d", op, member, rev, len(m)-1-want)
				}
				if x := z.at(got); x.member != member {
					t.Fatalf("op %d at(%d) = %q, want %q", op, got, x.member, member)
				}
			}
		case 5:
			lo, hi := float64(r.Intn(60)-5), float64(r.Intn(60)-5)
			rs := zrangeSpec{min: lo, max: hi, minex: r.Intn(2) == 0, maxex: r.Intn(2) == 0}
			var first, last *zslNode
			for i := range m {
				if rs.gteMin(m[i].score) && rs.lteMax(m[i].score) {
					if first == nil {
						first = z.at(i)
					}
					last = z.at(i)
				}
			}
			if got := z.zsl.firstInRange(&rs); got != first {
				t.Fatalf("op %d firstInRange %+v: got %v, want %v", op, rs, got, first)
			}
			if got := z.zsl.lastInRange(&rs); got != last {
				t.Fatalf("op %d lastInRange %+v: got %v, want %v", op, rs, got, last)
			}
		}
		if op%500 == 0 {
			checkZSet(t, z)
			sameAsModel(t, z, m)
		}
	}
	checkZSet(t, z)
	sameAsModel(t, z, m)
}

func TestSkiplistDeleteRanges(t *testing.T) {
	for _, tc := range []struct {
		name string
		del  func(z *ZSet) int
		keep func(i int, e zsetElem) bool
	}{
		{"rank 3..7", func(z *ZSet) int {
			return z.zsl.deleteRangeByRank(3, 7, func(x *zslNode) { z.index.remove(x) })
		}, func(i int, _ zsetElem) bool { return i < 2 || i > 6 }},
		{"score (10,20]", func(z *ZSet) int {
			return z.zsl.deleteRangeByScore(&zrangeSpec{min: 10, max: 20, minex: true}, func(x *zslNode) { z.index.remove(x) })
		}, func(_ int, e zsetElem) bool { return e.score <= 10 || e.score > 20 }},
		{"everything", func(z *ZSet) int {
			return z.zsl.deleteRangeByRank(1, 1000, func(x *zslNode) { z.index.remove(x) })
		}, func(int, zsetElem) bool { return false }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := newZSet(false)
			var m, want zmodel
			for i := 0; i < 40; i++ {
				e := zsetElem{fmt.Sprintf("e%02d", i), float64(i)}
				z.insert(e.member, e.score)
				m = append(m, e)
			}
			for i, e := range m {
				if tc.keep(i, e) {
					want = append(want, e)
				}
			}
			if got := tc.del(z); got != len(m)-len(want) {
				t.Fatalf("deleted %d, want %d", got, len(m)-len(want))
			}
			checkZSet(t, z)
			sameAsModel(t, z, want)
		})
	}
}

// TestSkiplistLayoutIsAFunctionOfHistory: two sets built by the same
// operations have the same node heights and the same index layout.
func TestSkiplistLayoutIsAFunctionOfHistory(t *testing.T) {
	build := func() *ZSet {
		z := newZSet(false)
		for i := 0; i < 2000; i++ {
			z.add([]byte(fmt.Sprint("m", i*7%1000)), float64(i%13), zaddIncr)
			if i%5 == 0 {
				z.remove([]byte(fmt.Sprint("m", i/3)))
			}
		}
		return z
	}
	a, b := build(), build()
	shape := func(z *ZSet) string {
		s := ""
		z.each(func(x *zslNode) bool { s += fmt.Sprint(x.member, len(x.level), " "); return true })
		for i, x := range z.index.buckets.slice() {
			for ; x != nil; x = x.hnext {
				s += fmt.Sprint(i, x.member, ";")
			}
		}
		return s
	}
	if shape(a) != shape(b) {
		t.Fatal("same history, different layout")
	}
	checkZSet(t, a)
}

func TestSkiplistLevelDistribution(t *testing.T) {
	counts := make([]int, zslMaxLevel+1)
	for i := uint64(0); i < 1<<16; i++ {
		counts[zslLevelFor(mix64(i))]++
	}
	// P(level 1) = 3/4, P(level 2) = 3/16.
	if counts[1] < 47000 || counts[1] > 51000 || counts[2] < 11500 || counts[2] > 13000 {
		t.Fatalf("level counts %v", counts[:6])
	}
	if got := zslLevelFor(0); got != zslMaxLevel {
		t.Fatalf("zslLevelFor(0) = %d, want %d", got, zslMaxLevel)
	}
}

// TestMemberIndexScanGuarantee: every member present for a whole scan is
// returned at least once although the table grows and shrinks meanwhile.
func TestMemberIndexScanGuarantee(t *testing.T) {
	z := newZSet(false)
	for i := 0; i < 1000; i++ {
		z.insert(fmt.Sprint("keep", i), float64(i))
	}
	seen := map[string]bool{}
	var cursor uint64
	for steps := 1; ; steps++ {
		cursor = z.index.scan(cursor, func(x *zslNode) { seen[x.member] = true })
		switch steps {
		case 20:
			for i := 0; i < 5000; i++ {
				z.insert(fmt.Sprint("tmp", i), float64(i))
			}
		case 300:
			for i := 0; i < 5000; i++ {
				z.remove([]byte(fmt.Sprint("tmp", i)))
			}
		}
		if cursor == 0 {
			break
		}
		if steps > 1<<20 {
			t.Fatal("scan does not terminate")
		}
	}
	for i := 0; i < 1000; i++ {
		if !seen[fmt.Sprint("keep", i)] {
			t.Fatalf("keep%d never returned", i)
		}
	}
	checkZSet(t, z)
}

func TestZslBuilderMatchesInserts(t *testing.T) {
	var elems []zsetElem
	for i := 0; i < 500; i++ {
		elems = append(elems, zsetElem{fmt.Sprintf("b%04d", i), float64(i / 3)})
	}
	z := zsetFromSorted(elems, false)
	checkZSet(t, z)
	sameAsModel(t, z, elems)
	// The built list accepts further inserts and removals.
	z.insert("zz", 1.5)
	z.remove([]byte("b0000"))
	checkZSet(t, z)
}
