package kv

import (
	"fmt"
	"math"
	"testing"
)

// omapModel is the deliberately dumb reference an omap is compared with:
// a slice of live elements in order, with their sequence numbers.
type omapModel struct {
	keys []string
	vals []int
	seqs []uint64
	next uint64
}

func (m *omapModel) find(k string) int {
	for i, mk := range m.keys {
		if mk == k {
			return i
		}
	}
	return -1
}

// checkOmapAgainstModel compares every observable of m with the model.
func checkOmapAgainstModel(t *testing.T, m *omap[int], want *omapModel) {
	t.Helper()
	m.checkInvariants()
	if got := m.Len(); got != len(want.keys) {
		t.Fatalf("Len: got %d, want %d", got, len(want.keys))
	}
	i := 0
	m.each(func(k string, v int) bool {
		if k != want.keys[i] || v != want.vals[i] {
			t.Fatalf("element %d: got %q=%d, want %q=%d", i, k, v, want.keys[i], want.vals[i])
		}
		i++
		return true
	})
	for r := range want.keys {
		s := m.at(r)
		if m.keys.at(s) != want.keys[r] {
			t.Fatalf("at(%d): got %q, want %q", r, m.keys.at(s), want.keys[r])
		}
		if m.indexed() && m.seqOf(s) != want.seqs[r] {
			t.Fatalf("seq of %q: got %d, want %d", want.keys[r], m.seqOf(s), want.seqs[r])
		}
	}
	if m.indexed() && m.nextSeq() != want.next {
		t.Fatalf("nextSeq: got %d, want %d", m.nextSeq(), want.next)
	}
}

func TestOmapCompactModeKeepsInsertionOrder(t *testing.T) {
	var m omap[int]
	for i, k := range []string{"a", "b", "c", "d"} {
		if !m.put(k, i) {
			t.Fatalf("put %q: got existing, want new", k)
		}
	}
	if m.put("b", 10) {
		t.Fatal("put existing b: got new, want update")
	}
	if !m.remove("a") || m.remove("a") {
		t.Fatal("remove a: want true then false")
	}
	m.put("a", 11)
	want := &omapModel{keys: []string{"b", "c", "d", "a"}, vals: []int{10, 2, 3, 11}}
	checkOmapAgainstModel(t, &m, want)
	if v, ok := m.get("c"); !ok || v != 2 {
		t.Fatalf("get c: got %d %v, want 2 true", v, ok)
	}
	if _, ok := m.get("zz"); ok {
		t.Fatal("get zz: got present, want absent")
	}
}

// TestOmapIndexedAgainstModel runs random operations (including enough
// deletes to trigger compaction and enough inserts to grow the hash index)
// and compares the omap with the model after each of them.
func TestOmapIndexedAgainstModel(t *testing.T) {
	// The second size spans several pages of keys and values (paged.go).
	for _, size := range []struct{ keys, ops, every int }{{400, 3000, 50}, {3 * pagedLen, 8 * pagedLen, 2000}} {
		testOmapIndexedAgainstModel(t, size.keys, size.ops, size.every)
	}
}

func testOmapIndexedAgainstModel(t *testing.T, keys, ops, every int) {
	for seed := uint64(1); seed <= 4; seed++ {
		rnd := NewRand(seed)
		var m omap[int]
		want := &omapModel{next: 1}
		for i := 0; i < 50; i++ {
			k := fmt.Sprint("k", i)
			m.put(k, i)
			want.keys = append(want.keys, k)
			want.vals = append(want.vals, i)
		}
		m.makeIndexed()
		for i := range want.keys {
			want.seqs = append(want.seqs, uint64(i)+1)
		}
		want.next = uint64(len(want.keys)) + 1
		checkOmapAgainstModel(t, &m, want)
		for op := 0; op < ops; op++ {
			k := fmt.Sprint("k", rnd.Intn(keys))
			switch rnd.Intn(3) {
			case 0, 1:
				created := m.put(k, op)
				if i := want.find(k); i >= 0 {
					want.vals[i] = op
					if created {
						t.Fatalf("put existing %q: reported new", k)
					}
				} else {
					want.keys = append(want.keys, k)
					want.vals = append(want.vals, op)
					want.seqs = append(want.seqs, want.next)
					want.next++
					if !created {
						t.Fatalf("put new %q: reported existing", k)
					}
				}
			case 2:
				removed := m.remove(k)
				i := want.find(k)
				if removed != (i >= 0) {
					t.Fatalf("remove %q: got %v, want %v", k, removed, i >= 0)
				}
				if i >= 0 {
					want.keys = append(want.keys[:i], want.keys[i+1:]...)
					want.vals = append(want.vals[:i], want.vals[i+1:]...)
					want.seqs = append(want.seqs[:i], want.seqs[i+1:]...)
				}
			}
			if op%every == 0 {
				checkOmapAgainstModel(t, &m, want)
			}
		}
		// Delete nearly everything: compaction must shrink the slots.
		for len(want.keys) > 3 {
			m.remove(want.keys[0])
			want.keys, want.vals, want.seqs = want.keys[1:], want.vals[1:], want.seqs[1:]
		}
		checkOmapAgainstModel(t, &m, want)
		if m.keys.len() > 2*omapCompactMin {
			t.Fatalf("slots after deleting all but 3: got %d, want <= %d", m.keys.len(), 2*omapCompactMin)
		}
	}
}

// TestOmapScanGuarantee checks SCAN's promise under concurrent writes: an
// element present from the first call to the last is returned, and (a
// property of sequence-number cursors) never twice.
func TestOmapScanGuarantee(t *testing.T) {
	rnd := NewRand(7)
	var m omap[int]
	for i := 0; i < 2000; i++ {
		m.put(fmt.Sprint("k", i), i)
	}
	m.makeIndexed()
	stable := map[string]bool{}
	m.each(func(k string, _ int) bool { stable[k] = true; return true })
	seen := map[string]int{}
	var cursor uint64
	next := 2000
	for calls := 0; ; calls++ {
		if calls > 10000 {
			t.Fatal("scan did not terminate")
		}
		cursor = m.scan(cursor, 7, 70, func(k string, _ int) { seen[k]++ })
		if cursor == 0 {
			break
		}
		for j := 0; j < 5; j++ { // writes between calls
			if rnd.Intn(2) == 0 {
				k := fmt.Sprint("k", rnd.Intn(next))
				if m.remove(k) {
					delete(stable, k)
				}
			} else {
				m.put(fmt.Sprint("k", next), next)
				next++
			}
		}
	}
	for k := range stable {
		if seen[k] == 0 {
			t.Fatalf("%s was present throughout but never returned", k)
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Fatalf("%s returned %d times", k, n)
		}
	}
}

// TestOmapScanVisitBudget: a long run of tombstones ends a call early with a
// cursor inside the run, and the iteration still completes.
func TestOmapScanVisitBudget(t *testing.T) {
	var m omap[int]
	m.makeIndexed()
	for i := 0; i < 100; i++ {
		m.put(fmt.Sprint("k", i), i)
	}
	for i := 1; i < 31; i++ { // 30 tombstones: below the compaction threshold
		m.remove(fmt.Sprint("k", i))
	}
	var got []string
	cursor := m.scan(0, 2, 20, func(k string, _ int) { got = append(got, k) })
	if len(got) != 1 || got[0] != "k0" || cursor != 21 {
		t.Fatalf("first call: got %v cursor %d, want [k0] cursor 21", got, cursor)
	}
	for cursor != 0 {
		cursor = m.scan(cursor, 2, 20, func(k string, _ int) { got = append(got, k) })
	}
	if len(got) != 70 {
		t.Fatalf("elements: got %d, want 70", len(got))
	}
}

// TestOmapObservablesIgnoreTombstones: an omap with tombstones and its
// compacted copy (what a snapshot restores) agree on ranks and scans.
func TestOmapObservablesIgnoreTombstones(t *testing.T) {
	var a omap[int]
	a.makeIndexed()
	for i := 0; i < 600; i++ {
		a.put(fmt.Sprint("k", i), i)
	}
	for i := 0; i < 600; i += 3 {
		a.remove(fmt.Sprint("k", i))
	}
	if a.keys.len() == a.Len() {
		t.Fatal("test setup: want tombstones in a")
	}
	b := a.clone()
	b.compact()
	if b.keys.len() != b.Len() {
		t.Fatal("compact left tombstones")
	}
	for r := 0; r < a.Len(); r++ {
		if ka, kb := a.keys.at(a.at(r)), b.keys.at(b.at(r)); ka != kb {
			t.Fatalf("at(%d): got %q and %q", r, ka, kb)
		}
	}
	for _, cur := range []uint64{0, 1, 2, 100, 301, 599, 600, 601, math.MaxUint64} {
		var ga, gb []string
		ca := a.scan(cur, 5, 1000, func(k string, _ int) { ga = append(ga, k) })
		cb := b.scan(cur, 5, 1000, func(k string, _ int) { gb = append(gb, k) })
		if ca != cb || fmt.Sprint(ga) != fmt.Sprint(gb) {
			t.Fatalf("scan(%d): got %v/%d and %v/%d", cur, ga, ca, gb, cb)
		}
	}
}
