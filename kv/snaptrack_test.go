package kv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// The property of snaptrack.go: a snapshot taken while writers change big
// collections (elements added, removed, changed; the key deleted, renamed,
// expired, moved, replaced by another type; the collection shrinking) is
// byte-identical to the one a clone stopped at the cut writes, whatever
// runs between the streamer's pieces.

// trackLoad fills database 0 with two hashes, two sets (one of integers
// past the intset limit), a sorted set and a list of n elements each.
func trackLoad(m *Machine, n int) {
	w := NewWriter(nil, 2)
	run := func(args ...string) {
		w.Reset()
		m.Exec(cutOp{nowMs: cutTestNow, args: args}.cmd(0), w)
	}
	for i := 0; i < n; i += 100 {
		a := [][]string{{"HSET", "bh0"}, {"HSET", "bh1"}, {"SADD", "bs0"}, {"SADD", "bs1"}, {"ZADD", "bz0"}, {"RPUSH", "bl0"}}
		for j := i; j < min(n, i+100); j++ {
			a[0] = append(a[0], fmt.Sprint("f", j), fmt.Sprint("v", j*3))
			a[1] = append(a[1], fmt.Sprint("g", j), fmt.Sprint(j))
			a[2] = append(a[2], fmt.Sprint("m", j))
			a[3] = append(a[3], fmt.Sprint(j))
			a[4] = append(a[4], fmt.Sprint(j%97), fmt.Sprint("z", j))
			a[5] = append(a[5], fmt.Sprint("e", j))
		}
		for _, args := range a {
			run(args...)
		}
	}
	run("SET", "str0", strings.Repeat("abcdefghij", 300))
	run("SET", "str1", strings.Repeat("0123456789", 200))
	hll := []string{"PFADD", "hll0"}
	for i := 0; i < 60; i++ {
		hll = append(hll, fmt.Sprint("h", i))
	}
	run(hll...)
	hll[1] = "hll1"
	for i := 60; i < 4000; i++ {
		hll = append(hll, fmt.Sprint("h", i))
	}
	run(hll...) // dense
}

// trackGen generates writes aimed at the big collections.
type trackGen struct {
	r   *rand.Rand
	n   int
	now int64
}

func (g *trackGen) bigKey() string {
	return []string{"bh0", "bh1", "bs0", "bs1", "bz0", "bl0", "str0", "hll0"}[g.r.IntN(8)]
}

func (g *trackGen) op() cutOp {
	g.now += int64(g.r.IntN(3))
	i := fmt.Sprint(g.r.IntN(g.n + g.n/4)) // mostly elements of the cut, some new
	v := fmt.Sprint("w", g.r.IntN(1000))
	var args []string
	c := g.r.IntN(40)
	if c >= 26 && g.r.IntN(3) > 0 {
		c = g.r.IntN(26) // key-level writes a third as often, so collections live a while
	}
	if g.r.IntN(4) == 0 {
		return cutOp{nowMs: g.now, args: g.strOp()}
	}
	switch c {
	case 0, 1, 2, 3:
		args = []string{"HSET", "bh0", "f" + i, v, "f" + fmt.Sprint(g.r.IntN(g.n)), v}
	case 4, 5:
		args = []string{"HDEL", "bh0", "f" + i, "f" + fmt.Sprint(g.r.IntN(g.n))}
	case 6:
		args = []string{"HINCRBY", "bh1", "g" + i, "5"}
	case 7:
		args = []string{"HDEL", "bh1", "g" + i}
	case 8, 9:
		args = []string{"SADD", "bs0", "m" + i, "m" + fmt.Sprint(g.r.IntN(g.n))}
	case 10, 11:
		args = []string{"SREM", "bs0", "m" + i, "m" + fmt.Sprint(g.r.IntN(g.n))}
	case 12:
		args = []string{"SPOP", "bs1", fmt.Sprint(1 + g.r.IntN(40))}
	case 13:
		args = []string{"SMOVE", "bs1", "bs0", i}
	case 14:
		args = []string{"SADD", "bs1", i}
	case 15, 16:
		args = []string{"ZADD", "bz0", fmt.Sprint(g.r.IntN(100)), "z" + i}
	case 17:
		args = []string{"ZREM", "bz0", "z" + i}
	case 18:
		args = []string{"ZINCRBY", "bz0", "3", "z" + i}
	case 19:
		args = []string{"ZREMRANGEBYRANK", "bz0", fmt.Sprint(g.r.IntN(g.n)), fmt.Sprint(g.r.IntN(g.n))}
	case 20, 21:
		args = []string{[]string{"RPUSH", "LPUSH"}[g.r.IntN(2)], "bl0", v}
	case 22:
		args = []string{[]string{"RPOP", "LPOP"}[g.r.IntN(2)], "bl0", fmt.Sprint(1 + g.r.IntN(20))}
	case 23:
		args = []string{"LSET", "bl0", fmt.Sprint(g.r.IntN(g.n)), v}
	case 24:
		args = []string{"LINSERT", "bl0", "BEFORE", "e" + i, v}
	case 25:
		args = []string{"LREM", "bl0", "0", "e" + i}
	case 26:
		args = []string{"DEL", g.bigKey()}
	case 27:
		args = []string{"RENAME", g.bigKey(), g.bigKey()}
	case 28:
		args = []string{"RENAME", g.bigKey(), "other"}
	case 29:
		args = []string{"PEXPIRE", g.bigKey(), fmt.Sprint(1 + g.r.IntN(5))}
	case 30:
		args = []string{"redraft.expire", g.bigKey(), g.bigKey()}
	case 31:
		args = []string{"SET", g.bigKey(), v}
	case 32:
		args = []string{"MOVE", g.bigKey(), "1"}
	case 33:
		args = []string{"COPY", g.bigKey(), g.bigKey(), "REPLACE"}
	case 34: // shrink: remove many elements at once
		lo := g.r.IntN(g.n)
		args = []string{"HDEL", "bh0"}
		for j := lo; j < min(g.n, lo+300); j++ {
			args = append(args, fmt.Sprint("f", j))
		}
	case 35:
		args = []string{"SPOP", "bs0", fmt.Sprint(g.r.IntN(g.n))}
	case 36:
		args = []string{"LTRIM", "bl0", fmt.Sprint(g.r.IntN(50)), fmt.Sprint(-1 - g.r.IntN(50))}
	case 37:
		args = []string{"SUNIONSTORE", g.bigKey(), "bs0", "bs1"}
	case 38:
		args = []string{"HSET", g.bigKey(), "f" + i, v}
	default:
		args = []string{"SWAPDB", "0", "1"}
	}
	return cutOp{nowMs: g.now, args: args}
}

// strOp is a write to the big strings and HyperLogLogs: in place, past
// the length within the capacity (after a shorter SET reused the array),
// or giving them a new array.
func (g *trackGen) strOp() []string {
	v := fmt.Sprint("w", g.r.IntN(1000))
	switch g.r.IntN(12) {
	case 0, 1:
		return []string{"SETRANGE", "str0", fmt.Sprint(g.r.IntN(3500)), v}
	case 2:
		return []string{"APPEND", "str0", v}
	case 3:
		return []string{"SET", []string{"str0", "str1"}[g.r.IntN(2)], strings.Repeat("x", 900+g.r.IntN(700))}
	case 4:
		return []string{"SETBIT", "str1", fmt.Sprint(g.r.IntN(20000)), fmt.Sprint(g.r.IntN(2))}
	case 5:
		return []string{"BITFIELD", "str1", "SET", "u8", fmt.Sprint("#", g.r.IntN(890)), "255", "INCRBY", "i5", fmt.Sprint(g.r.IntN(7000)), "7"}
	case 6, 7:
		return []string{"PFADD", []string{"hll0", "hll1"}[g.r.IntN(2)], v, fmt.Sprint("p", g.r.IntN(100000))}
	case 8:
		return []string{"PFCOUNT", []string{"hll0", "hll1"}[g.r.IntN(2)]}
	case 9:
		return []string{"PFMERGE", "hll0", "hll1"}
	case 10:
		return []string{"GETRANGE", "str0", "0", "20"}
	default:
		return []string{"INCRBYFLOAT", "str1", "1.5"}
	}
}

func trackHistory(seed uint64, n, prefix, suffix int) []cutOp {
	g := &trackGen{r: rand.New(rand.NewPCG(seed, 0x7ac)), n: n, now: cutTestNow}
	ops := make([]cutOp, prefix+suffix)
	for i := range ops {
		ops[i] = g.op()
	}
	return ops
}

// checkTrackCut is checkCut for machines loaded by trackLoad.
func checkTrackCut(t *testing.T, n int, ops []cutOp, cut int, got []byte, replies []string, after *Machine) {
	t.Helper()
	ref := NewMachine()
	trackLoad(ref, n)
	for i, o := range ops[:cut] {
		execOp(ref, o, uint64(i))
	}
	want := snap(t, ref)
	if !bytes.Equal(got, want) {
		t.Fatalf("snapshot of the cut: %d bytes, stopped clone: %d bytes; first difference at %d",
			len(got), len(want), firstDiff(got, want))
	}
	for i, o := range ops[cut:] {
		if r := execOp(ref, o, uint64(cut+i)); r != replies[i] {
			t.Fatalf("op %d %q: reply %q during the snapshot, %q without", cut+i, o.args, replies[i], r)
		}
	}
	if a, b := snap(t, after), snap(t, ref); !bytes.Equal(a, b) {
		t.Fatal("state after the snapshot differs from a machine that took none")
	}
	restored(t, got)
}

// TestSnapshotTrackedInterleaved runs writes between every two pieces the
// streamer encodes (pieces of 1 to 200 elements), deterministically.
func TestSnapshotTrackedInterleaved(t *testing.T) {
	const n = 2000
	for seed := uint64(1); seed <= 16; seed++ {
		for _, per := range []int{1, 5} {
			t.Run(fmt.Sprintf("seed%d/per%d", seed, per), func(t *testing.T) {
				cut := int(seed % 4 * 10) // a few writes before the cut, or none
				ops := trackHistory(seed, n, cut, 1200)
				m := NewMachine()
				trackLoad(m, n)
				for i, o := range ops[:cut] {
					execOp(m, o, uint64(i))
				}
				c := m.BeginSnapshot()
				c.bigElements, c.bigStringBytes, c.chunkBytes = []int{100, 500, 1000}[seed%3], 50, []int{1, 16, 300, 5000}[seed%4]
				c.chunkElements = []int{1, 7, 64, 200}[seed%4]
				l := &stepLock{m: m, ops: ops[cut:], base: cut, per: per}
				var got bytes.Buffer
				if err := c.WriteTo(&got, l); err != nil {
					t.Fatal(err)
				}
				for l.next < len(l.ops) {
					l.Lock()
				}
				c.Release()
				if len(c.strs) != 0 {
					t.Fatal("Release left strings tracked")
				}
				checkTrackCut(t, n, ops, cut, got.Bytes(), l.reply, m)
				checkUntracked(t, m)
			})
		}
	}
}

// TestSnapshotTrackedConcurrent: the writer on its own goroutine (-race).
func TestSnapshotTrackedConcurrent(t *testing.T) {
	const n = 3000
	for seed := uint64(50); seed < 56; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ops := trackHistory(seed, n, 0, 3000)
			m := NewMachine()
			trackLoad(m, n)
			var mu sync.RWMutex
			mu.Lock()
			c := m.BeginSnapshot()
			c.bigElements, c.chunkElements, c.bigStringBytes, c.chunkBytes = 200, 1+int(seed%3)*40, 50, 1+int(seed%3)*100
			mu.Unlock()
			replies := make([]string, 0, len(ops))
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i, o := range ops {
					mu.Lock()
					replies = append(replies, execOp(m, o, uint64(i)))
					mu.Unlock()
				}
			}()
			var got bytes.Buffer
			err := c.WriteTo(&got, mu.RLocker())
			<-done
			mu.Lock()
			c.Release()
			mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			checkTrackCut(t, n, ops, 0, got.Bytes(), replies, m)
			checkUntracked(t, m)
		})
	}
}

// TestSnapshotTrackedReleased: a cut released while a collection is half
// encoded leaves no tracker behind, and a new snapshot works.
func TestSnapshotTrackedReleased(t *testing.T) {
	m := NewMachine()
	trackLoad(m, 3000)
	c := m.BeginSnapshot()
	c.bigElements, c.chunkElements = 100, 10
	execDBAt(m, 0, cutTestNow, "HSET", "bh0", "f1", "changed") // tracked by the write path
	l := &releaseLock{c: c, after: 5}
	if err := c.WriteTo(&bytes.Buffer{}, l); err == nil {
		t.Fatal("WriteTo of a cut released midway succeeded")
	}
	checkUntracked(t, m)
	want := snap(t, m)
	c = m.BeginSnapshot()
	c.bigElements, c.chunkElements = 100, 10
	var got bytes.Buffer
	if err := c.WriteTo(&got, nil); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("snapshot after a released one differs at byte %d", firstDiff(got.Bytes(), want))
	}
}

// TestSnapshotTrackedReleasedString: the same for a string streamed to
// the sink piece by piece.
func TestSnapshotTrackedReleasedString(t *testing.T) {
	m := NewMachine()
	execDBAt(m, 0, cutTestNow, "SET", "s", strings.Repeat("x", 5000))
	c := m.BeginSnapshot()
	c.bigStringBytes, c.chunkBytes = 100, 100
	execDBAt(m, 0, cutTestNow, "SETRANGE", "s", "4000", "y") // tracked by the write path
	if err := c.WriteTo(&bytes.Buffer{}, &releaseLock{c: c, after: 5}); err == nil {
		t.Fatal("WriteTo of a cut released midway succeeded")
	}
	if len(c.strs) != 0 {
		t.Fatal("Release left the string tracked")
	}
	want := snap(t, m)
	c = m.BeginSnapshot()
	c.bigStringBytes, c.chunkBytes = 100, 100
	var got bytes.Buffer
	if err := c.WriteTo(&got, nil); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("snapshot after a released one differs at byte %d", firstDiff(got.Bytes(), want))
	}
}

// releaseLock releases the cut the after-th time it is taken.
type releaseLock struct {
	c     *SnapshotCut
	after int
}

func (l *releaseLock) Lock() {
	if l.after--; l.after == 0 {
		l.c.Release()
	}
}
func (l *releaseLock) Unlock() {}

// checkUntracked fails if a collection of m is still tracked after the
// snapshot's Release.
func checkUntracked(t *testing.T, m *Machine) {
	t.Helper()
	for i, d := range m.dbs {
		d.dict.each(func(e *entry) bool {
			tracked := false
			switch o := e.obj.(type) {
			case *Hash:
				tracked = o.m.track != nil
			case *Set:
				tracked = o.m != nil && o.m.track != nil
			case *ZSet:
				tracked = o.track != nil
			case *List:
				tracked = o.track != nil
			}
			if tracked {
				t.Fatalf("db %d key %q still tracked after Release", i, e.key)
			}
			return true
		})
	}
}

// TestSnapshotTrackedStoppedMeanwhile: a stopped snapshot (the FSM's
// fallback while a cut is registered) of values the registered cut tracks
// leaves the trackers alone, and both snapshots are right.
func TestSnapshotTrackedStoppedMeanwhile(t *testing.T) {
	m := NewMachine()
	trackLoad(m, snapBigElements+100) // big for the stopped snapshot too
	atCut := snap(t, m)
	c := m.BeginSnapshot()
	c.bigElements, c.bigStringBytes, c.chunkElements, c.chunkBytes = 100, 50, 10, 100
	for _, args := range [][]string{{"HSET", "bh0", "f1", "x"}, {"SADD", "bs0", "new"}, {"ZADD", "bz0", "5", "z7"},
		{"LSET", "bl0", "5", "x"}, {"SETRANGE", "str0", "3", "x"}} {
		execDBAt(m, 0, cutTestNow, args...) // tracked by the write path
	}
	now := NewMachine()
	if err := now.Restore(bytes.NewReader(snap(t, m))); err != nil { // the stopped snapshot
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := c.WriteTo(&got, nil); err != nil {
		t.Fatal(err)
	}
	c.Release()
	if !bytes.Equal(got.Bytes(), atCut) {
		t.Fatalf("the cut's snapshot differs at byte %d", firstDiff(got.Bytes(), atCut))
	}
	if a, b := snap(t, now), snap(t, m); !bytes.Equal(a, b) {
		t.Fatalf("the stopped snapshot taken meanwhile differs at byte %d", firstDiff(a, b))
	}
	checkUntracked(t, m)
}
