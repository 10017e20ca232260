package kv

import (
	"fmt"
	"math"
	"math/rand"
	"sort"
	"testing"
)

// checkZSet verifies every structural invariant of z: level-0 order,
// backward links, tail, spans (a nil link's span counts the nodes after
// its owner), header height, the member index and the listpack limits.
func checkZSet(t *testing.T, z *ZSet) {
	t.Helper()
	zsl := &z.zsl
	if len(zsl.hdr) != zsl.level || zsl.level < 1 || zsl.level > zslMaxLevel {
		t.Fatalf("header has %d levels, list level %d", len(zsl.hdr), zsl.level)
	}
	if z.index.zsl != zsl {
		t.Fatalf("the member index does not point to its skiplist")
	}
	rank := map[zref]int{0: 0}
	var prev zref
	n := 0
	for x := zsl.first(); x != 0; x = zsl.next(x) {
		n++
		if _, dup := rank[x]; dup {
			t.Fatalf("node %d linked twice", x)
		}
		rank[x] = n
		if zsl.prev(x) != prev {
			t.Fatalf("node %q: backward %d, want %d", zsl.member(x), zsl.prev(x), prev)
		}
		if prev != 0 && !zsl.before(prev, zsl.score(x), zsl.member(x)) {
			t.Fatalf("node %q (%v) not after %q (%v)", zsl.member(x), zsl.score(x), zsl.member(prev), zsl.score(prev))
		}
		if h := zsl.height(x); h < 1 || h > zsl.level {
			t.Fatalf("node %q has %d levels, list %d", zsl.member(x), h, zsl.level)
		}
		if math.IsNaN(zsl.score(x)) {
			t.Fatalf("node %q has a NaN score", zsl.member(x))
		}
		if z.index.find(zsl.member(x)) != x {
			t.Fatalf("node %q not found through the index", zsl.member(x))
		}
		prev = x
	}
	if n != zsl.length || zsl.tail != prev {
		t.Fatalf("walked %d nodes (tail %d), length %d (tail %d)", n, prev, zsl.length, zsl.tail)
	}
	if z.index.count != n {
		t.Fatalf("index holds %d, list %d", z.index.count, n)
	}
	for i := 0; i < zsl.level; i++ {
		var p zref
		for {
			l := zsl.lv(p, i)
			f := l.forward
			if f == 0 {
				if got, want := int(l.span), n-rank[p]; got != want {
					t.Fatalf("level %d: trailing span of rank %d is %d, want %d", i, rank[p], got, want)
				}
				break
			}
			if zsl.height(f) <= i {
				t.Fatalf("level %d links to %q, which has %d levels", i, zsl.member(f), zsl.height(f))
			}
			if got, want := int(l.span), rank[f]-rank[p]; got != want {
				t.Fatalf("level %d: span from rank %d to %d is %d, want %d", i, rank[p], rank[f], got, want)
			}
			p = f
		}
	}
	if zsl.level > 1 && zsl.hdr[zsl.level-1].forward == 0 {
		t.Fatalf("top level %d is empty", zsl.level)
	}
	// The pool: every slot but 0 is linked or free, never both; free
	// slots are cleared; upper-level blocks are owned once, free or not.
	free := map[zref]bool{}
	var prevFree zref
	for x := zsl.freeNode; x != 0; x = zsl.node(x).hnext {
		if free[x] || rank[x] != 0 {
			t.Fatalf("free node %d is linked or listed twice", x)
		}
		free[x] = true
		nd := zsl.node(x)
		if nd.height != 0 || nd.score != 0 || nd.l0 != (zslLevel{}) || nd.more != 0 || zsl.member(x) != "" {
			t.Fatalf("free node %d not cleared: %+v %q", x, *nd, zsl.member(x))
		}
		if nd.backward != prevFree {
			t.Fatalf("free node %d: previous %d, want %d", x, nd.backward, prevFree)
		}
		prevFree = x
	}
	if len(free) != zsl.freeCount {
		t.Fatalf("%d free slots listed, freeCount %d", len(free), zsl.freeCount)
	}
	if got := zsl.nodes.len() - 1; got != n+len(free) || zsl.members.len() != zsl.nodes.len() {
		t.Fatalf("pool has %d slots (%d members), %d linked and %d free: slots leak", got, zsl.members.len(), n, len(free))
	}
	if !zsl.compacting && zsl.freeCount > n && zsl.nodes.len() > zslCompactMin {
		t.Fatalf("%d free slots for %d members in a pool of %d, not compacting", zsl.freeCount, n, zsl.nodes.len())
	}
	owned := make([]bool, zsl.levels.len())
	own := func(start, k int, what string) {
		for j := start; j < start+k; j++ {
			if j >= len(owned) || owned[j] {
				t.Fatalf("upper level %d (%s) out of the pool or owned twice", j, what)
			}
			owned[j] = true
		}
	}
	for x := range rank {
		if x != 0 && zsl.height(x) > 1 {
			own(int(zsl.node(x).more), zsl.height(x)-1, "node")
		}
	}
	for k := 1; k < zslMaxLevel; k++ {
		for f := zsl.freeLevels[k-1]; f != 0; f = zsl.levels.at(int(f - 1)).span {
			own(int(f-1), k, "free")
		}
	}
	for j, o := range owned {
		if !o {
			t.Fatalf("upper level %d belongs to no node and no free block", j)
		}
	}
	if z.listpack {
		if n > zsetListpackEntries {
			t.Fatalf("listpack with %d elements", n)
		}
		z.each(func(x zref) bool {
			if m, s := zsl.member(x), zsl.score(x); len(m) > zsetListpackValue || (s == 0 && math.Signbit(s)) {
				t.Fatalf("listpack holds %q with score %v", m, s)
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
	z.each(func(x zref) bool {
		if z.memberOf(x) != m[i].member || math.Float64bits(z.scoreOf(x)) != math.Float64bits(m[i].score) {
			t.Fatalf("rank %d: got (%q, %v), want (%q, %v)", i, z.memberOf(x), z.scoreOf(x), m[i].member, m[i].score)
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
			if x := z.find([]byte(member)); x != 0 {
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
				if x := z.at(got); z.memberOf(x) != member {
					t.Fatalf("op %d at(%d) = %q, want %q", op, got, z.memberOf(x), member)
				}
			}
		case 5:
			lo, hi := float64(r.Intn(60)-5), float64(r.Intn(60)-5)
			rs := zrangeSpec{min: lo, max: hi, minex: r.Intn(2) == 0, maxex: r.Intn(2) == 0}
			var first, last zref
			for i := range m {
				if rs.gteMin(m[i].score) && rs.lteMax(m[i].score) {
					if first == 0 {
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
			return z.zsl.deleteRangeByRank(3, 7, z.forget)
		}, func(i int, _ zsetElem) bool { return i < 2 || i > 6 }},
		{"score (10,20]", func(z *ZSet) int {
			return z.zsl.deleteRangeByScore(&zrangeSpec{min: 10, max: 20, minex: true}, z.forget)
		}, func(_ int, e zsetElem) bool { return e.score <= 10 || e.score > 20 }},
		{"everything", func(z *ZSet) int {
			return z.zsl.deleteRangeByRank(1, 1000, z.forget)
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
		z.each(func(x zref) bool { s += fmt.Sprint(z.memberOf(x), z.zsl.height(x), " "); return true })
		for i, x := range z.index.buckets.slice() {
			for ; x != 0; x = z.index.hnext(x) {
				s += fmt.Sprint(i, z.memberOf(x), ";")
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
		cursor = z.index.scan(cursor, func(x zref) { seen[z.memberOf(x)] = true })
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

// TestSkiplistPoolCompaction: a sorted set that loses most of its members
// gives the pool's free slots back, a few per write (and all of a range
// deletion's at once), moving nodes into free slots while the member index
// may be rehashing; between steps the set answers as a model does.
func TestSkiplistPoolCompaction(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	z := newZSet(false)
	model := map[string]float64{}
	var names []string
	check := func(stage string) {
		t.Helper()
		checkZSet(t, z)
		if z.Len() != len(model) {
			t.Fatalf("%s: %d members, model %d", stage, z.Len(), len(model))
		}
		for m, s := range model {
			if got, ok := z.score([]byte(m)); !ok || got != s {
				t.Fatalf("%s: score of %q = %v %v, model %v", stage, m, got, ok, s)
			}
		}
	}
	add := func(n int) {
		for range n {
			m := fmt.Sprintf("m%06d", len(names))
			names = append(names, m)
			s := float64(r.Intn(5000))
			z.add([]byte(m), s, 0)
			model[m] = s
		}
	}
	add(3*zslCompactMin + 100)
	check("grown")
	removeOne := func() {
		m := names[len(names)-1]
		names = names[:len(names)-1]
		if !z.remove([]byte(m)) {
			t.Fatalf("remove %q: not there", m)
		}
		delete(model, m)
	}
	// One member at a time, down to 6000: compaction starts.
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for i := 0; len(model) > 6000; i++ {
		removeOne()
		if i%499 == 0 {
			check(fmt.Sprintf("removal %d", i))
		}
	}
	check("6000 left")
	if !z.zsl.compacting {
		t.Fatalf("not compacting with %d free slots for %d members", z.zsl.freeCount, z.Len())
	}
	// A range deletion without its compaction, down to a few members under
	// the member index's shrink threshold: the index starts shrinking in
	// steps, and the writes that follow run compaction steps and rehash
	// steps.
	keep := z.index.buckets.len()/zindexShrinkFill - 4
	if keep*zindexShrinkFill < zindexRehashAtOnce {
		t.Fatalf("index of %d buckets: too small to rehash in steps", z.index.buckets.len())
	}
	z.zsl.deleteRangeByRank(keep+1, z.Len(), func(x zref) {
		delete(model, z.memberOf(x))
		z.forget(x)
	})
	names = names[:0]
	for m := range model {
		names = append(names, m)
	}
	sort.Strings(names)
	check("range deleted without compaction")
	if !z.index.rehashing() {
		t.Fatalf("the member index (%d buckets, %d members) is not rehashing", z.index.buckets.len(), z.Len())
	}
	sawRehash := false
	for i := 0; z.zsl.compacting; i++ {
		sawRehash = sawRehash || z.index.rehashing()
		if i%2 == 0 {
			add(1)
		} else {
			removeOne()
		}
		if i%97 == 0 {
			check(fmt.Sprintf("write %d after the range deletion", i))
		}
	}
	check("compacted")
	if !sawRehash {
		t.Fatalf("no compaction step ran while the member index was rehashing")
	}
	if z.zsl.nodes.len()-1 != z.Len() {
		t.Fatalf("after compaction: pool of %d slots for %d members", z.zsl.nodes.len()-1, z.Len())
	}
	// A range deletion, then its compaction as ZREMRANGEBYRANK runs it.
	add(3 * zslCompactMin)
	check("grown again")
	deleted := z.zsl.deleteRangeByRank(11, z.Len()-10, func(x zref) {
		delete(model, z.memberOf(x))
		z.forget(x)
	})
	z.compact(deleted)
	check("range deleted")
	if z.zsl.nodes.len()-1 != 20 || z.Len() != 20 {
		t.Fatalf("after the range deletion: pool of %d slots for %d members", z.zsl.nodes.len()-1, z.Len())
	}
	add(100) // the set still works after compaction
	check("after")
}
