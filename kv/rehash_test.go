package kv

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// dictModel is what a dict must look like to its readers: its keys and a
// size that grows and shrinks by the dict's rules at the moment of the add
// or remove, with bucket j holding the keys whose hash & (size-1) is j.
type dictModel struct {
	keys map[string]bool
	size int
}

func (m *dictModel) add(k string) {
	if len(m.keys) >= m.size {
		m.size *= 2
	}
	m.keys[k] = true
}

func (m *dictModel) remove(k string) {
	delete(m.keys, k)
	if m.size > dictMinSize && len(m.keys)*dictShrinkFill < m.size {
		m.size = dictMinSize
		for m.size < len(m.keys) {
			m.size *= 2
		}
	}
}

// buckets returns every bucket's keys, sorted.
func (m *dictModel) buckets() [][]string {
	bs := make([][]string, m.size)
	for k := range m.keys {
		j := hashString(k) & uint64(m.size-1)
		bs[j] = append(bs[j], k)
	}
	for _, b := range bs {
		slices.Sort(b)
	}
	return bs
}

// modelRandom is dict.random's algorithm on the model's buckets bs.
func modelRandom(bs [][]string, r *Rand) string {
	for {
		if ks := bs[r.Uint64()&uint64(len(bs)-1)]; len(ks) > 0 {
			return ks[r.Intn(len(ks))]
		}
	}
}

// TestDictRehashIsInvisible drives a dict through grows and shrinks big
// enough to rehash incrementally and checks, between steps of the rehash,
// that every reader (get, len, size, each, scan, random) answers what the
// model, which resizes at once, answers.
func TestDictRehashIsInvisible(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		r := NewRand(seed)
		d := newDict()
		m := &dictModel{keys: map[string]bool{}, size: dictMinSize}
		var present []string
		stepsRehashing, checks, run := 0, 0, 0
		check := func(op int) {
			checks++
			if d.len() != len(m.keys) || d.size() != m.size {
				t.Fatalf("seed %d op %d: len %d size %d, model %d %d", seed, op, d.len(), d.size(), len(m.keys), m.size)
			}
			bs := m.buckets()
			var got, want []string
			d.each(func(e *entry) bool { got = append(got, e.key); return true })
			for _, b := range bs {
				want = append(want, b...)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d op %d: each visits %d keys in another order than the model's %d", seed, op, len(got), len(want))
			}
			for c := uint64(0); c < 64; c++ {
				cursor := r.Uint64() & d.mask
				var page []string
				next := d.scan(cursor, func(e *entry) { page = append(page, e.key) })
				if want := bs[cursor]; !slices.Equal(page, want) {
					t.Fatalf("seed %d op %d: scan %d = %q, model %q", seed, op, cursor, page, want)
				}
				_ = next // the cursor arithmetic depends on the mask only
			}
			rs := r.Uint64()
			a, b := NewRand(rs), NewRand(rs)
			for i := 0; i < 16 && len(m.keys) > 0; i++ {
				if got, want := d.random(a).key, modelRandom(bs, b); got != want {
					t.Fatalf("seed %d op %d: random %q, model %q", seed, op, got, want)
				}
			}
		}
		// Phases: grow to 20k keys, shrink to 300, grow to 9k, shrink to 0.
		op := 0
		for _, target := range []int{20000, 300, 9000, 0} {
			for len(present) != target {
				op++
				if len(present) < target && (r.Intn(10) < 8 || len(present) == 0) {
					k := fmt.Sprintf("k:%d:%d", op, r.Intn(1000))
					if d.get(k) != nil {
						t.Fatalf("seed %d: %q present before its add", seed, k)
					}
					d.add(&entry{key: k})
					m.add(k)
					present = append(present, k)
				} else {
					i := r.Intn(len(present))
					k := present[i]
					present[i] = present[len(present)-1]
					present = present[:len(present)-1]
					if e := d.remove(k); e == nil || e.key != k || e.next != nil {
						t.Fatalf("seed %d op %d: remove %q = %v", seed, op, k, e)
					}
					if d.remove(k) != nil {
						t.Fatalf("seed %d op %d: %q removed twice", seed, op, k)
					}
					m.remove(k)
				}
				if d.rehashing() {
					stepsRehashing++
					// Every write moves at least one old bucket.
					if run++; run > d.old.len() {
						t.Fatalf("seed %d op %d: still rehashing %d buckets after %d writes", seed, op, d.old.len(), run)
					}
				} else {
					run = 0
				}
				if len(present) > 0 {
					k := present[r.Intn(len(present))]
					if e := d.get(k); e == nil || e.key != k {
						t.Fatalf("seed %d op %d: get %q = %v", seed, op, k, e)
					}
				}
				if op%331 == 0 || d.rehashing() && op%37 == 0 {
					check(op)
				}
			}
			check(op)
		}
		// The test means something only if readers ran while rehashing.
		if stepsRehashing < 1000 {
			t.Fatalf("seed %d: only %d operations found the dict rehashing", seed, stepsRehashing)
		}
		t.Logf("seed %d: %d operations, %d while rehashing, %d full checks", seed, op, stepsRehashing, checks)
	}
}

// TestSnapshotOfARehashingDict: a machine whose keyspace is mid-rehash
// writes the snapshot a machine that resized at once writes, and the
// restored machine lists its keys alike (KEYS, SCAN, RANDOMKEY).
func TestSnapshotOfARehashingDict(t *testing.T) {
	const now = 1_700_000_000_000
	m := NewMachine()
	for i := 0; i < 4097; i++ { // the 4097th SET grows 4096 buckets to 8192
		execAt(m, now, 1, "SET", fmt.Sprint("key:", i), "v")
	}
	if !m.dbs[0].rehashing() {
		t.Fatal("the keyspace is not rehashing: the test shows nothing")
	}
	b := snap(t, m)
	r := restored(t, b)
	if r.dbs[0].rehashing() || r.dbs[0].size() != 8192 {
		t.Fatalf("restored: rehashing %v, size %d", r.dbs[0].rehashing(), r.dbs[0].size())
	}
	for _, args := range [][]string{
		{"KEYS", "*"}, {"SCAN", "0", "COUNT", "100"}, {"SCAN", "4096", "COUNT", "1000"}, {"RANDOMKEY"}, {"DBSIZE"},
	} {
		for seed := uint64(1); seed <= 3; seed++ {
			if a, b := execAt(m, now, seed, args...), execAt(r, now, seed, args...); a != b {
				t.Fatalf("%q (seed %d): the rehashing machine and the restored one differ", args, seed)
			}
		}
	}
	m.dbs[0].finishRehash()
	if !bytes.Equal(snap(t, m), b) {
		t.Fatal("the snapshot changed when the rehash finished")
	}
}

// TestMemberIndexRehashIsInvisible does for a sorted set's member index
// what TestDictRehashIsInvisible does for the keyspace: every ZSCAN bucket
// and every lookup answers, between steps of an incremental rehash, what
// an index that resized at once answers.
func TestMemberIndexRehashIsInvisible(t *testing.T) {
	r := NewRand(7)
	z := newZSet(false)
	members := map[string]bool{}
	size := 0 // the model's table size (the zero index has none)
	var present []string
	stepsRehashing, run := 0, 0
	check := func(op int) {
		if z.index.count != len(members) || z.index.buckets.len() != size {
			t.Fatalf("op %d: count %d size %d, model %d %d", op, z.index.count, z.index.buckets.len(), len(members), size)
		}
		canon := zindexMinSize
		for canon < len(members) {
			canon *= 2
		}
		canon = min(canon, size)
		want := make([][]string, canon)
		for k := range members {
			j := hashString(k) & uint64(canon-1)
			want[j] = append(want[j], k)
		}
		for c := range want {
			slices.Sort(want[c])
			var page []string
			z.index.scan(uint64(c), func(x zref) { page = append(page, z.memberOf(x)) })
			if !slices.Equal(page, want[c]) {
				t.Fatalf("op %d: scan %d = %q, model %q", op, c, page, want[c])
			}
		}
	}
	op := 0
	for _, target := range []int{12000, 200, 5000, 0} {
		for len(present) != target {
			op++
			if len(present) < target && (r.Intn(10) < 8 || len(present) == 0) {
				m := fmt.Sprintf("m:%d", op)
				if len(members) >= size {
					size = zindexMinSize
					for size < len(members)+1 {
						size *= 2
					}
				}
				z.insert(m, float64(r.Intn(100)))
				members[m] = true
				present = append(present, m)
			} else {
				i := r.Intn(len(present))
				m := present[i]
				present[i] = present[len(present)-1]
				present = present[:len(present)-1]
				if !z.remove([]byte(m)) {
					t.Fatalf("op %d: remove %q failed", op, m)
				}
				delete(members, m)
				if size > zindexMinSize && len(members)*zindexShrinkFill < size {
					size = zindexMinSize
					for size < len(members) {
						size *= 2
					}
				}
			}
			if z.index.rehashing() {
				stepsRehashing++
				if run++; run > z.index.old.len() {
					t.Fatalf("op %d: still rehashing %d buckets after %d writes", op, z.index.old.len(), run)
				}
			} else {
				run = 0
			}
			if len(present) > 0 {
				m := present[r.Intn(len(present))]
				if x := z.find([]byte(m)); x == 0 || z.memberOf(x) != m {
					t.Fatalf("op %d: find %q = %v", op, m, x)
				}
			}
			if z.find([]byte("absent")) != 0 {
				t.Fatalf("op %d: found an absent member", op)
			}
			if op%503 == 0 || z.index.rehashing() && op%61 == 0 {
				check(op)
			}
		}
		check(op)
	}
	if stepsRehashing < 1000 {
		t.Fatalf("only %d operations found the index rehashing", stepsRehashing)
	}
	checkZSet(t, z)
}

// TestOmapIndexRebuildInSteps: a big hash's index grows in steps; between
// them every field is found (the empty field name too), deleted fields are
// not, iteration order is insertion order, the invariants hold, and a
// clone or a compaction taken mid-rebuild is whole.
func TestOmapIndexRebuildInSteps(t *testing.T) {
	r := NewRand(11)
	m := &omap[int]{}
	m.makeIndexed()
	model := map[string]int{}
	var order []string // insertion order of the live fields
	stepsRebuilding, run := 0, 0
	check := func(op int) {
		m.checkInvariants()
		var got []string
		m.each(func(k string, v int) bool {
			if model[k] != v {
				t.Fatalf("op %d: %q = %d, model %d", op, k, v, model[k])
			}
			got = append(got, k)
			return true
		})
		if !slices.Equal(got, order) {
			t.Fatalf("op %d: %d fields in another order than the model's %d", op, len(got), len(order))
		}
	}
	removeAt := func(op, i int) {
		k := order[i]
		if !m.remove(k) {
			t.Fatalf("op %d: remove %q failed", op, k)
		}
		delete(model, k)
		order = slices.Delete(order, i, i+1)
	}
	op := 0
	// Grow to 60k, delete most (compactions), grow to 30k, clone mid-rebuild.
	for _, target := range []int{60000, 1000, 30000} {
		for len(order) != target {
			op++
			if len(order) < target && r.Intn(10) < 8 {
				k := fmt.Sprint("f", op)
				if op%5000 == 0 && !slices.Contains(order, "") {
					k = "" // a legal field name, and what a dead slot's key reads
				}
				m.add(k, op)
				model[k] = op
				order = append(order, k)
			} else if len(order) > 0 {
				removeAt(op, r.Intn(len(order)))
			}
			if m.ix.old != nil {
				stepsRebuilding++
				if run++; run > m.ix.oldEnd {
					t.Fatalf("op %d: still rebuilding after %d writes", op, run)
				}
			} else {
				run = 0
			}
			if len(order) > 0 {
				k := order[r.Intn(len(order))]
				if i := m.find(k); i < 0 || m.keys.at(i) != k {
					t.Fatalf("op %d: find %q = %d", op, k, i)
				}
			}
			// A dead slot's key reads "": the empty name must find only a live one.
			if i, ok := m.find(""), slices.Contains(order, ""); ok != (i >= 0) || ok && m.keys.at(i) != "" {
				t.Fatalf("op %d: find of the empty field = %d, present %v", op, i, ok)
			}
			if m.find(fmt.Sprint("f", op-1)) >= 0 != (model[fmt.Sprint("f", op-1)] != 0) {
				t.Fatalf("op %d: find of a deleted or present field wrong", op)
			}
			if op%997 == 0 || m.ix.old != nil && op%101 == 0 {
				check(op)
			}
			if m.ix.old != nil && op%1009 == 0 {
				c := m.clone()
				c.checkInvariants()
				if c.ix.old != nil || c.Len() != m.Len() {
					t.Fatalf("op %d: clone mid-rebuild: rebuilding %v, %d fields of %d", op, c.ix.old != nil, c.Len(), m.Len())
				}
			}
		}
		check(op)
	}
	if stepsRebuilding < 1000 {
		t.Fatalf("only %d operations found the index rebuilding", stepsRebuilding)
	}
}

// TestOmapRebuildSkipsDeadSlotsOfTheOldTable: fields deleted before the
// rebuild moved them stay in the frozen old table with their key cleared
// to "", so a lookup of the empty field name walking the old table must
// skip them.
func TestOmapRebuildSkipsDeadSlotsOfTheOldTable(t *testing.T) {
	m := &omap[int]{}
	m.makeIndexed()
	n := 0
	filler := func() { m.add(fmt.Sprint("f", n), n); n++ }
	for len(m.ix.table) < 8192 {
		filler()
	}
	// Fields whose home cell in this table is the empty name's.
	mask := uint64(len(m.ix.table) - 1)
	home := hashString("") & mask
	var colliders []string
	for i := 0; len(colliders) < 3; i++ {
		if k := fmt.Sprint("c", i); hashString(k)&mask == home {
			colliders = append(colliders, k)
		}
	}
	for _, k := range colliders {
		m.add(k, -1)
	}
	for m.ix.old == nil {
		filler()
	}
	if len(m.ix.old) != 8192 {
		t.Fatalf("rebuilding from %d cells, want 8192", len(m.ix.old))
	}
	for _, k := range colliders {
		if i := m.find(k); i < m.ix.moved || i >= m.ix.oldEnd {
			t.Fatalf("%q in slot %d is not waiting in the old table [%d, %d)", k, i, m.ix.moved, m.ix.oldEnd)
		}
		if !m.remove(k) {
			t.Fatalf("remove %q failed", k)
		}
	}
	if m.ix.old == nil {
		t.Fatal("the rebuild finished: the test shows nothing")
	}
	if i := m.find(""); i >= 0 {
		t.Fatalf("find of the absent empty field = slot %d", i)
	}
	m.add("", 7)
	if v, ok := m.get(""); !ok || v != 7 {
		t.Fatalf("empty field = %d, %v", v, ok)
	}
	m.checkInvariants()
}
