package kv

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
)

// The property of packStep (omap.go): a big omap's tombstones are compacted
// a few slots per write, and between any two steps everything observable
// (elements, order, sequence numbers, ranks, lookups, scans, a snapshot's
// record) is what it would be without tombstones.

// omapPackRun drives an indexed omap through phases of growth and
// shrinkage with random writes and checks it against its insertion order.
type omapPackRun struct {
	t       *testing.T
	r       *Rand
	m       *omap[int]
	model   map[string]int
	order   []string // live keys in insertion order
	op      int
	packOps int // writes that found a compaction under way
	packs   int // compactions in steps that finished
}

func newOmapPackRun(t *testing.T, seed uint64) *omapPackRun {
	p := &omapPackRun{t: t, r: NewRand(seed), m: &omap[int]{}, model: map[string]int{}}
	p.m.makeIndexed()
	return p
}

func (p *omapPackRun) add() {
	p.op++
	k := fmt.Sprint("k", p.op)
	p.m.add(k, p.op)
	p.model[k] = p.op
	p.order = append(p.order, k)
}

func (p *omapPackRun) remove(i int) {
	p.op++
	k := p.order[i]
	if !p.m.remove(k) {
		p.t.Fatalf("op %d: remove %q failed", p.op, k)
	}
	delete(p.model, k)
	p.order = slices.Delete(p.order, i, i+1)
}

// step runs one random write, biased toward target live elements, and
// reports on the compaction.
func (p *omapPackRun) step(target int) {
	was := p.m.ix.packing
	slots := p.m.keys.len()
	switch {
	case len(p.order) < target && p.r.Intn(10) < 8 || len(p.order) == 0:
		p.add()
	case p.r.Intn(10) == 0: // a value changed in place
		p.op++
		k := p.order[p.r.Intn(len(p.order))]
		p.m.put(k, -p.op)
		p.model[k] = -p.op
	default:
		p.remove(p.r.Intn(len(p.order)))
	}
	if was {
		p.packOps++
		if !p.m.ix.packing {
			p.packs++
			if p.m.keys.len() >= slots {
				p.t.Fatalf("op %d: a compaction finished without dropping slots (%d, then %d)", p.op, slots, p.m.keys.len())
			}
		}
	}
}

// check compares every observable with the model.
func (p *omapPackRun) check() {
	t, m := p.t, p.m
	t.Helper()
	m.checkInvariants()
	var got []string
	m.each(func(k string, v int) bool {
		if p.model[k] != v {
			t.Fatalf("op %d: %q = %d, model %d", p.op, k, v, p.model[k])
		}
		got = append(got, k)
		return true
	})
	if !slices.Equal(got, p.order) {
		t.Fatalf("op %d: %d elements in another order than the model's %d", p.op, len(got), len(p.order))
	}
	for range 20 {
		if len(p.order) == 0 {
			break
		}
		r := p.r.Intn(len(p.order))
		if k := m.keys.at(m.at(r)); k != p.order[r] {
			t.Fatalf("op %d: rank %d is %q, want %q", p.op, r, k, p.order[r])
		}
		if i := m.find(p.order[r]); i < 0 || m.keys.at(i) != p.order[r] {
			t.Fatalf("op %d: find %q = %d", p.op, p.order[r], i)
		}
	}
	if m.find(fmt.Sprint("k", p.op+1)) >= 0 {
		t.Fatalf("op %d: found a key never added", p.op)
	}
	var scanned []string
	for cursor, calls := m.scan(0, 100, 1000, func(k string, _ int) { scanned = append(scanned, k) }), 1; cursor != 0; calls++ {
		if calls > m.keys.len()/100+10 {
			t.Fatalf("op %d: a full scan did not end after %d calls", p.op, calls)
		}
		cursor = m.scan(cursor, 100, 1000, func(k string, _ int) { scanned = append(scanned, k) })
	}
	if !slices.Equal(scanned, p.order) {
		t.Fatalf("op %d: a full scan returned %d elements, want the %d in order", p.op, len(scanned), len(p.order))
	}
}

// TestOmapPackInSteps: through growth and shrinkage past the size a
// compaction runs at once, the omap matches the model between every two
// steps, clones taken mid-compaction are whole, and each compaction
// finishes within a bounded number of writes.
func TestOmapPackInSteps(t *testing.T) {
	p := newOmapPackRun(t, 23)
	run := 0
	for _, target := range []int{12000, 2000, 14000, 300, 9000, 4000} {
		for len(p.order) != target {
			p.step(target)
			if p.m.ix.packing {
				// Each step visits omapPackVisits slots unless it has
				// moved omapPackMoves, and a compaction never covers more
				// than twice the slots it started with.
				if run++; run > 2*p.m.keys.len()/omapPackMoves+2 {
					t.Fatalf("op %d: still compacting after %d writes", p.op, run)
				}
			} else {
				run = 0
			}
			if p.op%997 == 0 || p.m.ix.packing && p.op%23 == 0 {
				p.check()
			}
			if p.m.ix.packing && p.op%1013 == 0 {
				c := p.m.clone()
				c.checkInvariants()
				var got []string
				c.each(func(k string, _ int) bool { got = append(got, k); return true })
				if !slices.Equal(got, p.order) {
					t.Fatalf("op %d: a clone mid-compaction holds %d elements, want %d", p.op, len(got), len(p.order))
				}
			}
		}
		p.check()
	}
	t.Logf("%d compactions in steps over %d writes", p.packs, p.packOps)
	if p.packs < 5 || p.packOps < 1500 {
		t.Fatalf("%d compactions in steps over %d writes: the test did not exercise them", p.packs, p.packOps)
	}
}

// TestOmapScanAcrossPacking: SCAN's promise holds while a compaction moves
// the elements under the cursor: an element present from the first call to
// the last is returned exactly once.
func TestOmapScanAcrossPacking(t *testing.T) {
	p := newOmapPackRun(t, 5)
	for len(p.order) < 10000 {
		p.add()
	}
	for !p.m.ix.packing {
		p.remove(p.r.Intn(len(p.order)))
	}
	stable := map[string]bool{}
	for _, k := range p.order {
		stable[k] = true
	}
	seen := map[string]int{}
	sawHole := false
	var cursor uint64
	for calls := 0; ; calls++ {
		if calls > 100000 {
			t.Fatal("scan did not terminate")
		}
		cursor = p.m.scan(cursor, 5, 50, func(k string, _ int) { seen[k]++ })
		if cursor == 0 {
			break
		}
		sawHole = sawHole || p.m.ix.packFrom > p.m.ix.packTo
		for range 3 { // writes between calls, each a compaction step
			if p.r.Intn(3) == 0 {
				p.add()
			} else {
				k := p.order[p.r.Intn(len(p.order))]
				delete(stable, k)
				p.remove(slices.Index(p.order, k))
			}
		}
	}
	if !sawHole {
		t.Fatal("the scan never ran beside a compaction's hole")
	}
	for k := range stable {
		if seen[k] != 1 {
			t.Fatalf("%s was present throughout and returned %d times", k, seen[k])
		}
	}
	for k, n := range seen {
		if n > 1 {
			t.Fatalf("%s returned %d times", k, n)
		}
	}
}

// TestSnapshotTrackedWhilePacking: a snapshot streamed in pieces while the
// big hash and set it tracks compact their tombstones in steps (started
// before the cut, finished during the snapshot) is byte-identical to the
// snapshot of a clone stopped at the cut.
func TestSnapshotTrackedWhilePacking(t *testing.T) {
	const n = 6000
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			var ops []cutOp
			// Just over half of bh0 and bs0 deleted: the compactions start
			// a few steps before the cut.
			for lo := 0; lo < n/2+5; lo += 100 {
				hdel, srem := []string{"HDEL", "bh0"}, []string{"SREM", "bs0"}
				for j := lo; j < min(lo+100, n/2+5); j++ {
					hdel = append(hdel, fmt.Sprint("f", (j*7+int(seed))%n))
					srem = append(srem, fmt.Sprint("m", (j*11+int(seed))%n))
				}
				ops = append(ops, cutOp{nowMs: cutTestNow, args: hdel}, cutOp{nowMs: cutTestNow, args: srem})
			}
			cut := len(ops)
			ops = append(ops, trackHistory(seed, n, 0, 1500)...)
			m := NewMachine()
			trackLoad(m, n)
			for i, o := range ops[:cut] {
				execOp(m, o, uint64(i))
			}
			for _, key := range []string{"bh0", "bs0"} {
				if om := packOf(m, key); om == nil || !om.packing {
					t.Fatalf("%s is not compacting at the cut", key)
				}
			}
			c := m.BeginSnapshot()
			c.bigElements, c.bigStringBytes, c.chunkBytes = 100, 50, []int{1, 16, 300}[seed%3]
			c.chunkElements = []int{1, 7, 64}[seed%3]
			l := &stepLock{m: m, ops: ops[cut:], base: cut, per: int(seed%3) + 1}
			var got bytes.Buffer
			if err := c.WriteTo(&got, l); err != nil {
				t.Fatal(err)
			}
			if om := packOf(m, "bh0"); om != nil && om.packing {
				t.Fatalf("bh0 still compacting after the snapshot's %d writes", l.next)
			}
			for l.next < len(l.ops) {
				l.Lock()
			}
			c.Release()
			checkTrackCut(t, n, ops, cut, got.Bytes(), l.reply, m)
			checkUntracked(t, m)
		})
	}
}

// packOf returns the index of the hash or set at key in database 0 (nil
// when there is none or it is compact).
func packOf(m *Machine, key string) *omapIndex {
	var ix *omapIndex
	m.dbs[0].dict.each(func(e *entry) bool {
		if e.key != key {
			return true
		}
		switch o := e.obj.(type) {
		case *Hash:
			ix = o.m.ix
		case *Set:
			if o.m != nil {
				ix = o.m.ix
			}
		}
		return false
	})
	return ix
}
