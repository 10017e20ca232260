package kv

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// A machine restored from a snapshot must be the machine that wrote it:
// not only the same bytes when snapshotted again, but the same replies and
// the same state for every command that follows. State a snapshot leaves
// out (a counter, an order, a seed) breaks that only later, when a follower
// that installed the snapshot and one that did not diverge; this test looks
// for it directly. Each history runs its prefix on one machine, cuts a
// snapshot at a random point, restores it into a fresh machine, and runs the
// rest on both, probing each step with reads whose replies depend on hidden
// layout (random picks, SCAN cursors, encodings).
func TestRestoredMachineActsAlike(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		ops, cut := cutHistory(seed, 300+int(seed%5)*60, 300)
		a := newCutMachine(t)
		for i, o := range ops[:cut] {
			execOp(a, o, uint64(i))
		}
		b := restored(t, snap(t, a))
		b.SetBlockSink(&recSink{})
		sa, sb := &recSink{}, &recSink{}
		a.SetBlockSink(sa)
		b.SetBlockSink(sb)
		pr := rand.New(rand.NewPCG(seed, 0x9b0e))
		for i, o := range ops[cut:] {
			s := uint64(cut + i)
			if ra, rb := execOp(a, o, s), execOp(b, o, s); ra != rb {
				t.Fatalf("seed %d op %d %q: original %q, restored %q", seed, cut+i, o.args, ra, rb)
			}
			if ga, gb := fmt.Sprint(sa.take()), fmt.Sprint(sb.take()); ga != gb {
				t.Fatalf("seed %d op %d %q: waiter replies %s, restored %s", seed, cut+i, o.args, ga, gb)
			}
			p := probe(pr, o)
			if ra, rb := execOp(a, p, s), execOp(b, p, s); ra != rb {
				t.Fatalf("seed %d after op %d %q: probe %q: original %q, restored %q", seed, cut+i, o.args, p.args, ra, rb)
			}
		}
		if x, y := snap(t, a), snap(t, b); !bytes.Equal(x, y) {
			t.Fatalf("seed %d: final snapshots differ at byte %d (%d and %d bytes)", seed, firstDiff(x, y), len(x), len(y))
		}
	}
}

// probe returns a read of the key (and database) o wrote, chosen among
// those whose reply depends on more than the logical content would if the
// machine kept hidden state: random picks, cursors, encodings.
func probe(r *rand.Rand, o cutOp) cutOp {
	k := "k000"
	if len(o.args) > 1 {
		k = o.args[1]
	}
	var args []string
	switch r.IntN(14) {
	case 0:
		args = []string{"RANDOMKEY"}
	case 1:
		args = []string{"SRANDMEMBER", k, "-5"}
	case 2:
		args = []string{"HRANDFIELD", k, "-3", "WITHVALUES"}
	case 3:
		args = []string{"ZRANDMEMBER", k, "3", "WITHSCORES"}
	case 4:
		args = []string{"SCAN", fmt.Sprint(r.IntN(64)), "COUNT", "5"}
	case 5:
		args = []string{"SSCAN", k, "0", "COUNT", "3"}
	case 6:
		args = []string{"HSCAN", k, fmt.Sprint(r.IntN(16)), "COUNT", "3"}
	case 7:
		args = []string{"OBJECT", "ENCODING", k}
	case 8:
		args = []string{"ZSCAN", k, fmt.Sprint(r.IntN(16)), "COUNT", "3"}
	case 9:
		args = []string{"KEYS", "k0*"}
	case 10:
		args = []string{"SPOP", k, "2"} // a write whose reply is a random pick
	case 11:
		args = []string{"XINFO", "STREAM", k, "FULL"}
	case 12:
		args = []string{"XPENDING", k, "g0", "-", "+", "10"}
	default:
		args = []string{"DBSIZE"}
	}
	return cutOp{db: o.db, nowMs: o.nowMs, args: args}
}

// A big sorted set's member index keeps the size its history gave it (it
// shrinks late); a restored copy builds one of the size its members need.
// ZSCAN pages must not differ between them.
func TestZScanSameAfterRestore(t *testing.T) {
	x := newTM(t)
	for i := 0; i < 3000; i += 100 {
		args := []string{"ZADD", "z"}
		for j := i; j < i+100; j++ {
			args = append(args, fmt.Sprint(3000-j), fmt.Sprint("m", j))
		}
		x.do(args...)
	}
	x.do("ZPOPMIN", "z", "2500")
	r := restored(t, snap(t, x.m))
	y := &tm{t: t, m: r, now: x.now, proto: 2}
	for _, cur := range []string{"0", "5", "17", "300"} {
		args := []string{"ZSCAN", "z", cur, "COUNT", "7"}
		if a, b := x.do(args...), y.do(args...); a != b {
			t.Fatalf("%q: original %q, restored %q", args, a, b)
		}
	}
}
