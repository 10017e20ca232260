package kv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
)

// The property of a snapshot cut (snapcut.go): whatever runs while WriteTo
// streams, the snapshot is byte-identical to the one a clone of the machine
// stopped at the cut writes; and the machine's replies and final state are
// those of a machine that took no snapshot.

const cutTestNow = 1_700_000_000_000

// cutOp is one command of a generated history.
type cutOp struct {
	db    int
	nowMs int64
	args  []string
}

func (o cutOp) cmd(seed uint64) *Cmd {
	a := make([][]byte, len(o.args))
	for i, s := range o.args {
		a[i] = []byte(s)
	}
	return &Cmd{Args: a, NowMs: o.nowMs, Seed: seed, Proto: 2, DB: o.db}
}

// cutGen generates commands over a small key space of every type, so that
// writes keep hitting entries of the cut.
type cutGen struct {
	r     *rand.Rand
	now   int64
	waits int
}

func (g *cutGen) key() string { return fmt.Sprintf("k%03d", g.r.IntN(160)) }
func (g *cutGen) big() string { return fmt.Sprintf("big%d", g.r.IntN(4)) }
func (g *cutGen) val() string { return strings.Repeat(fmt.Sprint(g.r.IntN(100)), 1+g.r.IntN(20)) }

func (g *cutGen) op() cutOp {
	g.now += int64(g.r.IntN(5))
	db := []int{0, 0, 0, 1, 2, 15}[g.r.IntN(6)]
	k, v, n := g.key(), g.val(), fmt.Sprint(g.r.IntN(50))
	var args []string
	switch g.r.IntN(61) {
	case 0, 1, 2:
		args = []string{"SET", k, v}
	case 3:
		args = []string{"SET", k, v, "PX", fmt.Sprint(1 + g.r.IntN(30))}
	case 4:
		args = []string{"APPEND", k, v}
	case 5:
		args = []string{"SETRANGE", k, n, v}
	case 6:
		args = []string{"INCRBY", g.key(), n}
	case 7:
		args = []string{"DEL", k, g.key()}
	case 8:
		args = []string{"PEXPIRE", k, fmt.Sprint(1 + g.r.IntN(40))}
	case 9:
		args = []string{"PERSIST", k}
	case 10:
		args = []string{"RENAME", k, g.key()}
	case 11:
		args = []string{"MOVE", k, fmt.Sprint([]int{0, 1, 2, 15}[g.r.IntN(4)])}
	case 12:
		args = []string{"COPY", k, g.key(), "DB", fmt.Sprint(g.r.IntN(3)), "REPLACE"}
	case 13:
		if g.r.IntN(8) == 0 {
			args = []string{"SWAPDB", fmt.Sprint(g.r.IntN(3)), fmt.Sprint(g.r.IntN(3))}
		} else {
			args = []string{"GETDEL", k}
		}
	case 14:
		if g.r.IntN(30) == 0 {
			args = []string{"FLUSHDB"}
		} else if g.r.IntN(60) == 0 {
			args = []string{"FLUSHALL"}
		} else {
			args = []string{"redraft.expire", k, g.key(), g.key()}
		}
	case 15, 16:
		args = []string{"RPUSH", k, v, n}
	case 17:
		args = []string{"LPOP", k}
	case 18:
		args = []string{"LSET", k, "0", v}
	case 19:
		args = []string{"LMOVE", k, g.key(), "LEFT", "RIGHT"}
	case 20, 21:
		args = []string{"SADD", k, n, v}
	case 22:
		args = []string{"SREM", k, n}
	case 23:
		args = []string{"SPOP", k}
	case 24:
		args = []string{"SINTERSTORE", k, g.key(), g.key()}
	case 25, 26:
		args = []string{"ZADD", k, n, v}
	case 27:
		args = []string{"ZINCRBY", k, n, v}
	case 28:
		args = []string{"ZUNIONSTORE", k, "2", g.key(), g.key()}
	case 29, 30:
		args = []string{"HSET", k, n, v}
	case 31:
		args = []string{"HDEL", k, n}
	case 32:
		args = []string{"HINCRBY", k, n, "3"}
	case 33: // the big collections
		b := g.big()
		switch g.r.IntN(5) {
		case 4:
			args = []string{"XADD", b + "x", "MAXLEN", "~", "2900", "*", "f", v}
		case 0:
			args = []string{"HSET", b + "h", n, v}
		case 1:
			args = []string{"ZADD", b + "z", n, v}
		case 2:
			args = []string{"SREM", b + "s", fmt.Sprint(g.r.IntN(3000))}
		default:
			args = []string{"LPOP", b + "l"}
		}
	case 34:
		g.waits++
		args = []string{"redraft.block", "n1", "1", fmt.Sprint(g.waits), "BLPOP", k, "0"}
	case 35:
		args = []string{"SCRIPT", "LOAD", fmt.Sprintf("return %d", g.r.IntN(30))}
	case 36:
		args = []string{"EVAL", "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", "2", k, g.key(), v}
	case 37:
		args = []string{"FUNCTION", "LOAD", "REPLACE", fmt.Sprintf("#!lua name=lib%d\nredis.register_function('f%d', function(keys, args) return redis.call('SET', keys[1], args[1]) end)", g.r.IntN(3), g.r.IntN(3))}
	case 38:
		args = []string{"FCALL", fmt.Sprintf("f%d", g.r.IntN(3)), "1", k, v}
	case 39:
		args = []string{"PFADD", "hll" + k, v, n}
	case 40:
		args = []string{"PFCOUNT", "hll" + k, "hll" + g.key()}
	case 41:
		args = []string{"SETBIT", k, n, "1"}
	case 42:
		args = []string{"BITOP", "OR", k, g.key(), g.key()}
	case 43:
		args = []string{"SORT", g.key(), "ALPHA", "STORE", k}
	case 44:
		args = []string{"GEOADD", k, "13.36", "38.11", v}
	case 45:
		args = []string{"LINSERT", k, "BEFORE", n, v}
	case 46:
		args = []string{"ZREMRANGEBYSCORE", k, "0", n}
	case 47:
		args = []string{"SMOVE", k, g.key(), n}
	case 48:
		args = []string{"HINCRBYFLOAT", k, n, "1.5"}
	case 49:
		args = []string{"GETEX", k, "PX", fmt.Sprint(1 + g.r.IntN(30))}
	case 50:
		args = []string{"INCRBYFLOAT", k, "0.5"}
	case 51:
		args = []string{"LMPOP", "2", k, g.key(), "RIGHT", "COUNT", "2"}
	case 52:
		g.waits++
		args = []string{"redraft.block", "n1", "1", fmt.Sprint(g.waits), "BLMOVE", k, g.key(), "LEFT", "RIGHT", "0"}
	case 53:
		args = []string{"ZPOPMIN", k, "2"}
	case 54:
		args = []string{"SETRANGE", g.big() + "str", fmt.Sprint(g.r.IntN(3000)), v}
	case 55, 56: // streams
		if g.r.IntN(4) == 0 {
			args = []string{"XADD", k, "MAXLEN", "~", "30", "*", "f", v}
		} else {
			args = []string{"XADD", k, "*", "f", v, "n", n}
		}
	case 57:
		switch g.r.IntN(3) {
		case 0:
			args = []string{"XGROUP", "CREATE", k, "g" + fmt.Sprint(g.r.IntN(2)), "0", "MKSTREAM"}
		case 1:
			args = []string{"XREADGROUP", "GROUP", "g" + fmt.Sprint(g.r.IntN(2)), "c" + fmt.Sprint(g.r.IntN(3)), "COUNT", "3", "STREAMS", k, ">"}
		default:
			g.waits++
			args = []string{"redraft.block", "n1", "1", fmt.Sprint(g.waits), "XREADGROUP", "GROUP", "g0", "c1", "BLOCK", "0", "STREAMS", k, ">"}
		}
	case 58:
		switch g.r.IntN(4) {
		case 0:
			args = []string{"XDEL", k, fmt.Sprintf("%d-0", g.now-int64(g.r.IntN(20)))}
		case 1:
			args = []string{"XAUTOCLAIM", k, "g0", "c2", "3", "0", "COUNT", "2"}
		case 2:
			args = []string{"XTRIM", k, "MINID", fmt.Sprint(g.now - 30)}
		default:
			g.waits++
			args = []string{"redraft.block", "n1", "1", fmt.Sprint(g.waits), "XREAD", "BLOCK", "10", "STREAMS", k, "$"}
		}
	case 59:
		args = []string{"XACK", k, "g0", fmt.Sprintf("%d-0", g.now-int64(g.r.IntN(20)))}
	default:
		args = []string{"redraft.unblock-expired", fmt.Sprint(g.now)}
	}
	return cutOp{db: db, nowMs: g.now, args: args}
}

// bigLoad fills the big collections (a few thousand elements each) in
// database 0.
func bigLoad(m *Machine) {
	w := NewWriter(nil, 2)
	for b := 0; b < 4; b++ {
		for i := 0; i < 3000; i += 100 {
			args := [][]string{{"HSET", fmt.Sprintf("big%dh", b)}, {"ZADD", fmt.Sprintf("big%dz", b)}, {"SADD", fmt.Sprintf("big%ds", b)}, {"RPUSH", fmt.Sprintf("big%dl", b)}}
			for j := i; j < i+100; j++ {
				w.Reset()
				m.Exec(cutOp{nowMs: cutTestNow, args: []string{"XADD", fmt.Sprintf("big%dx", b), "*", "f", fmt.Sprint(j)}}.cmd(0), w)
				args[0] = append(args[0], fmt.Sprint(j), fmt.Sprint(j*7))
				args[1] = append(args[1], fmt.Sprint(j), fmt.Sprint(j*7))
				args[2] = append(args[2], fmt.Sprint(j))
				args[3] = append(args[3], fmt.Sprint(j))
			}
			for _, a := range args {
				w.Reset()
				m.Exec(cutOp{nowMs: cutTestNow, args: a}.cmd(0), w)
			}
		}
	}
}

// cutHistory returns a machine loaded with prefix ops, and the suffix.
func cutHistory(seed uint64, prefix, suffix int) (ops []cutOp, cut int) {
	g := &cutGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), now: cutTestNow}
	for i := 0; i < prefix+suffix; i++ {
		ops = append(ops, g.op())
	}
	return ops, prefix
}

func newCutMachine(t *testing.T) *Machine {
	m := NewMachine()
	m.SetBlockSink(&recSink{})
	bigLoad(m)
	return m
}

// stepLock is a sync.Locker that, every time the streamer takes it, first
// runs the next few commands of a history: a deterministic interleaving.
type stepLock struct {
	m     *Machine
	ops   []cutOp
	next  int
	base  int // index of ops[0] in the history (the command's seed)
	per   int
	reply []string
}

func (l *stepLock) Lock() {
	for i := 0; i < l.per && l.next < len(l.ops); i++ {
		l.reply = append(l.reply, execOp(l.m, l.ops[l.next], uint64(l.base+l.next)))
		l.next++
	}
}

func (l *stepLock) Unlock() {}

func execOp(m *Machine, o cutOp, seed uint64) string {
	w := NewWriter(nil, 2)
	m.Exec(o.cmd(seed), w)
	return string(w.Bytes())
}

// checkCut compares a streamed snapshot and the replies of the commands
// that ran during it with a machine that ran the same history without one.
func checkCut(t *testing.T, ops []cutOp, cut int, got []byte, gotReplies []string, after *Machine) {
	t.Helper()
	ref := newCutMachine(t)
	for i, o := range ops[:cut] {
		execOp(ref, o, uint64(i))
	}
	want := snap(t, ref)
	if !bytes.Equal(got, want) {
		t.Fatalf("snapshot of the cut: %d bytes, stopped clone: %d bytes; first difference at %d",
			len(got), len(want), firstDiff(got, want))
	}
	for i, o := range ops[cut:] {
		if r := execOp(ref, o, uint64(cut+i)); r != gotReplies[i] {
			t.Fatalf("op %d %q: reply %q during the snapshot, %q without", cut+i, o.args, gotReplies[i], r)
		}
	}
	if a, b := snap(t, after), snap(t, ref); !bytes.Equal(a, b) {
		t.Fatalf("state after the snapshot differs from a machine that took none")
	}
	restored(t, got) // and it restores
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestSnapshotCutInterleaved runs the history's suffix between the chunks
// of WriteTo, with chunks of a few buckets or records, so writes land in
// every phase (scan, sort, write) and on entries before and after the
// streamer's position.
func TestSnapshotCutInterleaved(t *testing.T) {
	for seed := uint64(1); seed <= 24; seed++ {
		for _, per := range []int{1, 7} {
			t.Run(fmt.Sprintf("seed%d/per%d", seed, per), func(t *testing.T) {
				ops, cut := cutHistory(seed, 1500, 1500)
				m := newCutMachine(t)
				for i, o := range ops[:cut] {
					execOp(m, o, uint64(i))
				}
				c := m.BeginSnapshot()
				if c == nil {
					t.Fatal("BeginSnapshot returned nil on an idle machine")
				}
				if m.BeginSnapshot() != nil {
					t.Fatal("a second BeginSnapshot while one is in progress")
				}
				c.scanBuckets, c.chunkRecords, c.chunkBytes, c.bigElements, c.bigStringBytes = 1+int(seed%3), 1+int(seed%5), 64, 100*int(seed%4), 20*int(seed%3)
				c.chunkElements = 1 + 97*int(seed%5)
				l := &stepLock{m: m, ops: ops[cut:], base: cut, per: per}
				var got bytes.Buffer
				if err := c.WriteTo(&got, l); err != nil {
					t.Fatal(err)
				}
				for l.next < len(l.ops) {
					l.Lock()
				}
				c.Release()
				if m.SnapshotInProgress() {
					t.Fatal("Release left the cut registered")
				}
				checkCut(t, ops, cut, got.Bytes(), l.reply, m)
			})
		}
	}
}

// TestSnapshotCutConcurrent: writers run on their own goroutine while
// WriteTo streams under a shared lock (run it with -race).
func TestSnapshotCutConcurrent(t *testing.T) {
	for seed := uint64(100); seed < 108; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			ops, cut := cutHistory(seed, 2000, 3000)
			m := newCutMachine(t)
			for i, o := range ops[:cut] {
				execOp(m, o, uint64(i))
			}
			var mu sync.RWMutex
			mu.Lock()
			c := m.BeginSnapshot()
			mu.Unlock()
			c.scanBuckets, c.chunkRecords, c.bigElements, c.bigStringBytes = 8, 4, 500, 30
			c.chunkElements = 1 + int(seed%4)*60
			replies := make([]string, 0, len(ops)-cut)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i, o := range ops[cut:] {
					mu.Lock()
					replies = append(replies, execOp(m, o, uint64(cut+i)))
					mu.Unlock()
				}
			}()
			var got bytes.Buffer
			err := c.WriteTo(&got, mu.RLocker())
			<-done
			mu.Lock()
			peak := c.PreservedPeak()
			c.Release()
			mu.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("preserved peak %d bytes", peak)
			checkCut(t, ops, cut, got.Bytes(), replies, m)
		})
	}
}

// TestSnapshotCutReleased: WriteTo on a released cut fails instead of
// writing a snapshot the write path no longer protects.
func TestSnapshotCutReleased(t *testing.T) {
	m := newCutMachine(t)
	c := m.BeginSnapshot()
	c.Release()
	c.Release()
	if err := c.WriteTo(&bytes.Buffer{}, nil); err == nil {
		t.Fatal("WriteTo after Release succeeded")
	}
	if m.BeginSnapshot() == nil {
		t.Fatal("BeginSnapshot after Release returned nil")
	}
}

// TestSnapshotGolden pins the format: the snapshot of a small machine is
// exactly what snapBuilder assembles by hand from docs/snapshot-format.md.
func TestSnapshotGolden(t *testing.T) {
	m := NewMachine()
	execDBAt(m, 0, cutTestNow, "SET", "b", "2")
	execDBAt(m, 0, cutTestNow, "SET", "a", "1")
	execDBAt(m, 3, cutTestNow, "SET", "c", "3")
	execDBAt(m, 0, cutTestNow, "PEXPIREAT", "b", "1800000000000")
	want := newSnapBuilder(4).db(0).
		record(body(TypeString, 0, 2, "a", "1")).
		record(body(TypeString, 1800000000000, 4, "b", "2")).
		db(3).record(body(TypeString, 0, 3, "c", "3")).trailer(3)
	if got := snap(t, m); !bytes.Equal(got, want) {
		t.Fatalf("snapshot differs from the hand-built one at byte %d", firstDiff(got, want))
	}
}
