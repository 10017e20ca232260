package kv

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// zgroup is a sequence of commands run on a fresh machine in one protocol,
// with the exact replies Redis 7.0.15 gave (captured from redis-server).
type zgroup struct {
	name  string
	proto uint8
	steps []step
}

func TestZSetGolden(t *testing.T) {
	for _, g := range zsetGolden {
		t.Run(g.name, func(t *testing.T) {
			x := newTM(t)
			x.proto = g.proto
			x.run(g.steps)
		})
	}
}

// zrespArray renders the RESP2 reply of a member list, with scores when
// withScores (the reference side of the randomized test).
func zrespArray(elems []zsetElem, withScores bool) string {
	n := len(elems)
	if withScores {
		n *= 2
	}
	s := fmt.Sprintf("*%d\r\n", n)
	for _, e := range elems {
		s += fmt.Sprintf("$%d\r\n%s\r\n", len(e.member), e.member)
		if withScores {
			d := string(AppendDouble(nil, e.score))
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(d), d)
		}
	}
	return s
}

// TestZSetCommandsAgainstModel drives the commands with random operations
// and checks every reply against a naive sorted-slice model.
func TestZSetCommandsAgainstModel(t *testing.T) {
	x := newTM(t)
	var m zmodel
	r := NewRand(42)
	score := func() float64 { return float64(r.Intn(41)-20) / 2 }
	fs := func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
	member := func() string { return fmt.Sprintf("m%d", r.Intn(200)) }
	for op := 0; op < 5000; op++ {
		var args []string
		var want string
		switch r.Intn(10) {
		case 0, 1, 2:
			s, mb := score(), member()
			flag := []string{"", "NX", "XX", "GT", "LT"}[r.Intn(5)]
			args = []string{"ZADD", "k"}
			if flag != "" {
				args = append(args, flag)
			}
			args = append(args, "CH", fs(s), mb)
			i := m.find(mb)
			changed := false
			switch {
			case i < 0 && flag != "XX":
				changed = true
			case i >= 0 && flag != "NX" && m[i].score != s &&
				!(flag == "GT" && s <= m[i].score) && !(flag == "LT" && s >= m[i].score):
				changed = true
			}
			if changed {
				m.set(mb, s)
				want = ":1\r\n"
			} else {
				want = ":0\r\n"
			}
		case 3:
			s, mb := score(), member()
			args = []string{"ZINCRBY", "k", fs(s), mb}
			cur := 0.0
			if i := m.find(mb); i >= 0 {
				cur = m[i].score
			}
			m.set(mb, cur+s)
			d := string(AppendDouble(nil, cur+s))
			want = fmt.Sprintf("$%d\r\n%s\r\n", len(d), d)
		case 4:
			mb := member()
			args = []string{"ZREM", "k", mb}
			if m.del(mb) {
				want = ":1\r\n"
			} else {
				want = ":0\r\n"
			}
		case 5:
			n := r.Intn(3)
			args = []string{"ZPOPMIN", "k", strconv.Itoa(n)}
			n = min(n, len(m))
			want = zrespArray(m[:n], true)
			m = append(zmodel(nil), m[n:]...)
		case 6:
			lo, hi := score(), score()
			args = []string{"ZREMRANGEBYSCORE", "k", fs(lo), "(" + fs(hi)}
			var keep zmodel
			for _, e := range m {
				if !(e.score >= lo && e.score < hi) {
					keep = append(keep, e)
				}
			}
			want = fmt.Sprintf(":%d\r\n", len(m)-len(keep))
			m = keep
		case 7:
			lo, hi := score(), score()
			off, cnt := r.Intn(5), r.Intn(6)-1
			args = []string{"ZRANGEBYSCORE", "k", "(" + fs(lo), fs(hi), "WITHSCORES", "LIMIT", strconv.Itoa(off), strconv.Itoa(cnt)}
			var in []zsetElem
			for _, e := range m {
				if e.score > lo && e.score <= hi {
					in = append(in, e)
				}
			}
			if off >= len(in) {
				in = nil
			} else {
				in = in[off:]
			}
			if cnt >= 0 && cnt < len(in) {
				in = in[:cnt]
			}
			want = zrespArray(in, true)
		case 8:
			mb := member()
			args = []string{"ZREVRANK", "k", mb}
			if i := m.find(mb); i >= 0 {
				want = fmt.Sprintf(":%d\r\n", len(m)-1-i)
			} else {
				want = "$-1\r\n"
			}
		case 9:
			a, b := r.Intn(30)-15, r.Intn(30)-15
			args = []string{"ZRANGE", "k", strconv.Itoa(a), strconv.Itoa(b), "REV"}
			n := len(m)
			if a < 0 {
				a += n
			}
			if b < 0 {
				b += n
			}
			a = max(a, 0)
			var out []zsetElem
			for i := a; i <= b && i < n; i++ {
				out = append(out, m[n-1-i])
			}
			want = zrespArray(out, false)
		}
		if got := x.do(args...); got != want {
			t.Fatalf("op %d %q: got %q, want %q", op, args, got, want)
		}
		if got, want := x.do("ZRANGE", "k", "0", "-1", "WITHSCORES"), zrespArray(m, true); got != want {
			t.Fatalf("op %d after %q: contents %q, want %q", op, args, got, want)
		}
		if op%250 == 0 {
			if e := x.m.dbs[0].get("k"); e != nil {
				checkZSet(t, e.obj.(*ZSet))
			} else if len(m) != 0 {
				t.Fatalf("op %d: key gone, model has %d", op, len(m))
			}
		}
	}
}

// zaddMany adds n members "<prefix><i>" with score i through ZADD.
func zaddMany(x *tm, key, prefix string, n int) {
	args := []string{"ZADD", key}
	for i := 0; i < n; i++ {
		args = append(args, strconv.Itoa(i), prefix+strconv.Itoa(i))
	}
	x.do(args...)
}

func zsetAt(x *tm, key string) *ZSet {
	e := x.m.dbs[0].get(key)
	if e == nil {
		return nil
	}
	return e.obj.(*ZSet)
}

func TestZSetEncodingFollowsRedis(t *testing.T) {
	x := newTM(t)
	zaddMany(x, "k", "m", 128)
	if z := zsetAt(x, "k"); !z.listpack {
		t.Fatal("128 members: not a listpack")
	}
	x.do("ZADD", "k", "1", "extra")
	if z := zsetAt(x, "k"); z.listpack {
		t.Fatal("129 members: still a listpack")
	}
	// One ZADD of 200 on a new key starts as a listpack (Redis 7.0 looks at
	// the first member only) and converts at the 129th: the -0 added first
	// is stored as 0, the -0 added last stays -0.
	args := []string{"ZADD", "n", "-0", "first"}
	for i := 0; i < 198; i++ {
		args = append(args, "1", fmt.Sprint("f", i))
	}
	args = append(args, "-0", "last")
	x.do(args...)
	x.run([]step{
		{cmd("ZSCORE", "n", "first"), "$1\r\n0\r\n"},
		{cmd("ZSCORE", "n", "last"), "$2\r\n-0\r\n"},
		// A 129-member union stays a skiplist and keeps -0.
		{cmd("ZUNIONSTORE", "u", "1", "k", "WEIGHTS", "-0"), ":129\r\n"},
		{cmd("ZSCORE", "u", "m5"), "$2\r\n-0\r\n"},
	})
	if z := zsetAt(x, "u"); z.listpack {
		t.Fatal("129-member union is a listpack")
	}
	x.do("ZREMRANGEBYRANK", "u", "0", "-3")
	if z := zsetAt(x, "u"); z.listpack || z.Len() != 2 {
		t.Fatal("a shrunk skiplist converted back")
	}
	x.run([]step{
		{cmd("ZRANGE", "u", "0", "-1", "WITHSCORES"), "*4\r\n$3\r\nm98\r\n$2\r\n-0\r\n$3\r\nm99\r\n$2\r\n-0\r\n"},
		// A 2-member union is converted to a listpack, where -0 becomes 0.
		{cmd("ZUNIONSTORE", "u2", "1", "u"), ":2\r\n"},
		{cmd("ZRANGE", "u2", "0", "-1", "WITHSCORES"), "*4\r\n$3\r\nm98\r\n$1\r\n0\r\n$3\r\nm99\r\n$1\r\n0\r\n"},
	})
	if z := zsetAt(x, "u2"); !z.listpack {
		t.Fatal("2-member union is not a listpack")
	}
}

// TestZRangeStoreEncoding: ZRANGESTORE starts its destination as a
// skiplist only for a rank range longer than 128 (Redis's
// zrangeResultBeginStore), so only then does a -0 score survive.
func TestZRangeStoreEncoding(t *testing.T) {
	x := newTM(t)
	zaddMany(x, "big", "m", 200)
	x.run([]step{
		{cmd("ZADD", "big", "-0", "neg"), ":1\r\n"},
		{cmd("ZSCORE", "big", "neg"), "$2\r\n-0\r\n"},
		{cmd("ZRANGESTORE", "d1", "big", "0", "-1"), ":201\r\n"},
		{cmd("ZSCORE", "d1", "neg"), "$2\r\n-0\r\n"},
		{cmd("ZRANGESTORE", "d2", "big", "-inf", "+inf", "BYSCORE"), ":201\r\n"},
		{cmd("ZSCORE", "d2", "neg"), "$1\r\n0\r\n"},
		{cmd("ZRANGESTORE", "d3", "big", "0", "5"), ":6\r\n"},
		{cmd("ZSCORE", "d3", "neg"), "$1\r\n0\r\n"},
	})
	for key, listpack := range map[string]bool{"d1": false, "d2": false, "d3": true} {
		if z := zsetAt(x, key); z.listpack != listpack {
			t.Errorf("%s: listpack %v, want %v", key, z.listpack, listpack)
		}
	}
}

// TestZScanSkiplistPagesKeepTheGuarantee: on a skiplist ZSCAN pages with a
// cursor; members present throughout are all returned although the set
// grows and shrinks between calls.
func TestZScanSkiplistPagesKeepTheGuarantee(t *testing.T) {
	x := newTM(t)
	zaddMany(x, "k", "keep", 1000)
	seen := map[string]int{}
	cursor := "0"
	for calls := 1; ; calls++ {
		got := x.do("ZSCAN", "k", cursor, "COUNT", "20")
		parts := strings.Split(got, "\r\n")
		cursor = parts[2]
		if calls == 1 && cursor == "0" {
			t.Fatal("a 1000-member skiplist returned in one call")
		}
		n, _ := strconv.Atoi(strings.TrimPrefix(parts[3], "*"))
		for i := 0; i < n; i += 2 {
			seen[parts[5+2*i]]++
			if want := strings.TrimPrefix(parts[5+2*i], "keep"); parts[7+2*i] != want && !strings.HasPrefix(parts[5+2*i], "tmp") {
				t.Fatalf("member %s scored %s, want %s", parts[5+2*i], parts[7+2*i], want)
			}
		}
		switch calls {
		case 3:
			zaddMany(x, "k", "tmp", 3000) // the table grows
		case 30:
			rem := []string{"ZREM", "k"}
			for i := 0; i < 3000; i++ {
				rem = append(rem, fmt.Sprint("tmp", i))
			}
			x.do(rem...) // and shrinks
		}
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("ZSCAN does not terminate")
		}
	}
	for i := 0; i < 1000; i++ {
		if seen[fmt.Sprint("keep", i)] == 0 {
			t.Fatalf("keep%d never returned", i)
		}
	}
	// A second full scan without modification returns each member exactly
	// once (no resize in between).
	seen = map[string]int{}
	cursor = "0"
	for {
		parts := strings.Split(x.do("ZSCAN", "k", cursor, "COUNT", "7", "MATCH", "keep1*"), "\r\n")
		cursor = parts[2]
		n, _ := strconv.Atoi(strings.TrimPrefix(parts[3], "*"))
		for i := 0; i < n; i += 2 {
			seen[parts[5+2*i]]++
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 111 { // keep1, keep10-19, keep100-199
		t.Fatalf("MATCH keep1* returned %d members, want 111", len(seen))
	}
	for m, n := range seen {
		if n != 1 {
			t.Fatalf("%s returned %d times", m, n)
		}
	}
}

func TestZRandMemberShapes(t *testing.T) {
	for _, size := range []int{5, 50, 300} {
		x := newTM(t)
		zaddMany(x, "k", "m", size)
		for _, count := range []int{1, 2, size / 3, size/3 + 1, size - 1, size, size + 5, -1, -3, -2 * size} {
			got := x.do("ZRANDMEMBER", "k", strconv.Itoa(count))
			parts := strings.Split(got, "\r\n")
			want := count
			if count > size {
				want = size
			}
			if count < 0 {
				want = -count
			}
			if parts[0] != fmt.Sprintf("*%d", want) {
				t.Fatalf("size %d count %d: header %q", size, count, parts[0])
			}
			seen := map[string]bool{}
			for i := 0; i < want; i++ {
				m := parts[2+2*i]
				if n, err := strconv.Atoi(strings.TrimPrefix(m, "m")); err != nil || n < 0 || n >= size {
					t.Fatalf("size %d count %d: bad member %q", size, count, m)
				}
				if count > 0 && seen[m] {
					t.Fatalf("size %d count %d: %q twice", size, count, m)
				}
				seen[m] = true
			}
		}
	}
	// The same seed picks the same members.
	a, b := newTM(t), newTM(t)
	zaddMany(a, "k", "m", 300)
	zaddMany(b, "k", "m", 300)
	for i := 0; i < 5; i++ {
		if ra, rb := a.do("ZRANDMEMBER", "k", "-10", "WITHSCORES"), b.do("ZRANDMEMBER", "k", "-10", "WITHSCORES"); ra != rb {
			t.Fatal("same seed, different ZRANDMEMBER")
		}
	}
	if got := a.do("ZRANDMEMBER", "k", strconv.Itoa(-zrandMemberRepeatMax-1)); got != "-"+errZOutOfRange+"\r\n" {
		t.Fatalf("huge negative count: got %q", got)
	}
}

// TestZSetWatchVersions: a command bumps the key's version only when it
// changes the set (Redis calls signalModifiedKey only then).
func TestZSetWatchVersions(t *testing.T) {
	x := newTM(t)
	x.do("ZADD", "k", "1", "a", "2", "b")
	ver := func() uint64 { return x.m.KeyVersion(0, []byte("k"), x.now) }
	for _, tc := range []struct {
		args    []string
		changes bool
	}{
		{cmd("ZADD", "k", "1", "a"), false},
		{cmd("ZADD", "k", "NX", "5", "a"), false},
		{cmd("ZADD", "k", "XX", "1", "nope"), false},
		{cmd("ZADD", "k", "GT", "0", "a"), false},
		{cmd("ZADD", "k", "INCR", "0", "a"), false},
		{cmd("ZINCRBY", "k", "1", "a"), true},
		{cmd("ZADD", "k", "3", "c"), true},
		{cmd("ZREM", "k", "nope"), false},
		{cmd("ZREM", "k", "c"), true},
		{cmd("ZREMRANGEBYSCORE", "k", "100", "200"), false},
		{cmd("ZREMRANGEBYRANK", "k", "5", "6"), false},
		{cmd("ZREMRANGEBYLEX", "k", "[x", "[y"), false},
		{cmd("ZPOPMIN", "k", "0"), false},
		{cmd("ZPOPMAX", "k"), true},
		{cmd("ZRANGE", "k", "0", "-1"), false},
		{cmd("ZUNIONSTORE", "other", "1", "k"), false},
		{cmd("ZUNIONSTORE", "k", "1", "k"), true},
		{cmd("ZRANGESTORE", "k", "k", "0", "-1"), true},
	} {
		before := ver()
		x.do(tc.args...)
		if changed := ver() != before; changed != tc.changes {
			t.Errorf("%q: version changed %v, want %v", tc.args, changed, tc.changes)
		}
	}
	x.do("ZREM", "k", "a", "b", "c")
	if ver() != 0 || x.m.Len() != 1 {
		t.Fatalf("emptied zset still present (version %d, %d keys)", ver(), x.m.Len())
	}
}

// TestZSetExpiredKeyIsAbsent: an expired zset reads as missing, and a write
// replaces it with a fresh one.
func TestZSetExpiredKeyIsAbsent(t *testing.T) {
	x := newTM(t)
	x.do("ZADD", "k", "1", "a")
	x.m.dbs[0].get("k").expireAt = x.now + 10
	x.m.dbs[0].expires++
	x.now += 11 // past the expiry millisecond
	x.run([]step{
		{cmd("ZCARD", "k"), ":0\r\n"},
		{cmd("ZSCORE", "k", "a"), "$-1\r\n"},
		{cmd("ZADD", "k", "2", "b"), ":1\r\n"},
		{cmd("ZRANGE", "k", "0", "-1", "WITHSCORES"), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
	})
	if x.m.Expires() != 0 {
		t.Fatalf("expires counter %d, want 0", x.m.Expires())
	}
}

// TestZUnionStoreAcceptsSets runs when the set family is present: plain
// sets are inputs with every member scoring 1.
func TestZUnionStoreAcceptsSets(t *testing.T) {
	if Lookup([]byte("sadd")) == nil {
		t.Skip("set commands not registered in this build")
	}
	x := newTM(t)
	x.run([]step{
		{cmd("ZADD", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("SADD", "s", "a", "d", "x"), ":3\r\n"},
		{cmd("SADD", "ints", "1", "2", "3"), ":3\r\n"},
		{cmd("ZUNIONSTORE", "d", "2", "z", "s", "WEIGHTS", "2", "3"), ":5\r\n"},
		{cmd("ZRANGE", "d", "0", "-1", "WITHSCORES"), "*10\r\n$1\r\nd\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\na\r\n$1\r\n5\r\n$1\r\nc\r\n$1\r\n6\r\n"},
		{cmd("ZINTERSTORE", "d", "2", "z", "s"), ":1\r\n"},
		{cmd("ZRANGE", "d", "0", "-1", "WITHSCORES"), "*2\r\n$1\r\na\r\n$1\r\n2\r\n"},
		{cmd("ZUNION", "1", "ints", "WITHSCORES"), "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n1\r\n"},
		{cmd("ZINTERCARD", "2", "s", "z"), ":1\r\n"},
		{cmd("ZDIFF", "2", "s", "z"), "*2\r\n$1\r\nd\r\n$1\r\nx\r\n"},
	})
}

func BenchmarkZAdd(b *testing.B) {
	m := NewMachine()
	w := NewWriter(nil, 2)
	args := [][]byte{[]byte("ZADD"), []byte("k"), nil, nil}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		args[2] = strconv.AppendInt(args[2][:0], int64(i%1000), 10)
		args[3] = strconv.AppendInt(append(args[3][:0], 'm'), int64(i%100000), 10)
		w.Reset()
		m.Exec(&Cmd{Args: args, Proto: 2}, w)
	}
}

func BenchmarkZRange(b *testing.B) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"rank10", []string{"ZRANGE", "k", "5000", "5009", "WITHSCORES"}},
		{"byscore10", []string{"ZRANGE", "k", "(500", "+inf", "BYSCORE", "LIMIT", "0", "10"}},
		{"rev100", []string{"ZREVRANGE", "k", "100", "199"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := NewMachine()
			w := NewWriter(nil, 2)
			for i := 0; i < 10000; i++ {
				m.Exec(&Cmd{Args: [][]byte{[]byte("ZADD"), []byte("k"), []byte(strconv.Itoa(i / 10)), []byte(fmt.Sprint("member:", i))}, Proto: 2}, w)
			}
			args := make([][]byte, len(tc.args))
			for i, a := range tc.args {
				args[i] = []byte(a)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				w.Reset()
				m.Exec(&Cmd{Args: args, Proto: 2}, w)
			}
		})
	}
}

var zsetGolden = []zgroup{
	{"zadd basics", 2, []step{
		{cmd("zadd", "z", "1", "a"), ":1\r\n"},
		{cmd("zadd", "z", "2", "b", "3", "c", "1", "a"), ":2\r\n"},
		{cmd("zadd", "z", "10", "a"), ":0\r\n"},
		{cmd("zscore", "z", "a"), "$2\r\n10\r\n"},
		{cmd("zadd", "z", "ch", "10", "a", "11", "b", "4", "d"), ":2\r\n"},
		{cmd("zadd", "z", "1.5", "e", "-2.5", "f"), ":2\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*12\r\n$1\r\nf\r\n$4\r\n-2.5\r\n$1\r\ne\r\n$3\r\n1.5\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$2\r\n11\r\n"},
		{cmd("zadd", "z"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "1"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "nx"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "nx", "1"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "xx", "ch"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nan", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e400", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e-400", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", " 1", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1 ", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1", "a", "abc", "b"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nx", "xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "xx", "nx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "gt", "lt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "gt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "lt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "xx", "gt", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "incr", "1", "a", "2", "b"), "-ERR INCR option supports a single increment-element pair\r\n"},
		{cmd("zadd", "z", "gt", "incr", "1", "a", "2", "b"), "-ERR INCR option supports a single increment-element pair\r\n"},
		{cmd("zadd", "z", "nx", "xx", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "NX", "Xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "Ch", "100", "a"), ":1\r\n"},
		{cmd("zadd", "z", "incr", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("set", "s", "str"), "+OK\r\n"},
		{cmd("zadd", "s", "1", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zadd", "s", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "s", "nx", "xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "s", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "missing", "xx", "1", "a"), ":0\r\n"},
		{cmd("zscore", "missing", "a"), "$-1\r\n"},
		{cmd("zadd", "missing", "xx", "incr", "1", "a"), "$-1\r\n"},
		{cmd("zadd", "missing", "xx", "ch", "1", "a", "2", "b"), ":0\r\n"},
		{cmd("zcard", "missing"), ":0\r\n"},
	}},
	{"zadd nx xx gt lt ch incr", 2, []step{
		{cmd("zadd", "z", "5", "a", "5", "b", "5", "c"), ":3\r\n"},
		{cmd("zadd", "z", "nx", "1", "a", "1", "d"), ":1\r\n"},
		{cmd("zadd", "z", "xx", "9", "a", "9", "e"), ":0\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*8\r\n$1\r\nd\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\nc\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n9\r\n"},
		{cmd("zadd", "z", "gt", "1", "a", "10", "b", "20", "x"), ":1\r\n"},
		{cmd("zadd", "z", "gt", "ch", "1", "a", "10", "b", "20", "y"), ":1\r\n"},
		{cmd("zadd", "z", "lt", "ch", "100", "a", "1", "b", "7", "z"), ":2\r\n"},
		{cmd("zadd", "z", "xx", "gt", "ch", "1", "a", "100", "b"), ":1\r\n"},
		{cmd("zadd", "z", "xx", "lt", "ch", "1", "a", "100", "b"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*14\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nd\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n5\r\n$1\r\nz\r\n$1\r\n7\r\n$1\r\nx\r\n$2\r\n20\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nb\r\n$3\r\n100\r\n"},
		{cmd("zadd", "z", "incr", "2.5", "a"), "$3\r\n3.5\r\n"},
		{cmd("zadd", "z", "incr", "-2.5", "a"), "$1\r\n1\r\n"},
		{cmd("zadd", "z", "incr", "0", "a"), "$1\r\n1\r\n"},
		{cmd("zadd", "z", "nx", "incr", "1", "a"), "$-1\r\n"},
		{cmd("zadd", "z", "xx", "incr", "1", "nope"), "$-1\r\n"},
		{cmd("zadd", "z", "nx", "incr", "1", "new"), "$1\r\n1\r\n"},
		{cmd("zadd", "z", "gt", "incr", "-1", "a"), "$-1\r\n"},
		{cmd("zadd", "z", "lt", "incr", "1", "a"), "$-1\r\n"},
		{cmd("zadd", "z", "lt", "incr", "-1", "a"), "$1\r\n0\r\n"},
		{cmd("zadd", "z", "gt", "incr", "1", "a"), "$1\r\n1\r\n"},
		{cmd("zadd", "z", "ch", "incr", "1", "a"), "$1\r\n2\r\n"},
		{cmd("zadd", "z", "incr", "inf", "a"), "$3\r\ninf\r\n"},
		{cmd("zadd", "z", "incr", "-inf", "a"), "-ERR resulting score is not a number (NaN)\r\n"},
		{cmd("zscore", "z", "a"), "$3\r\ninf\r\n"},
		{cmd("zadd", "z", "incr", "+inf", "a"), "$3\r\ninf\r\n"},
		{cmd("zadd", "z", "incr", "1", "a"), "$3\r\ninf\r\n"},
		{cmd("zadd", "z", "inf", "m1", "-inf", "m2", "+inf", "m3"), ":3\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*22\r\n$2\r\nm2\r\n$4\r\n-inf\r\n$1\r\nd\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nc\r\n$1\r\n5\r\n$1\r\nz\r\n$1\r\n7\r\n$1\r\nx\r\n$2\r\n20\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nb\r\n$3\r\n100\r\n$1\r\na\r\n$3\r\ninf\r\n$2\r\nm1\r\n$3\r\ninf\r\n$2\r\nm3\r\n$3\r\ninf\r\n"},
		{cmd("zadd", "z", "0x10", "h1", "0x1p-2", "h2", "0X1.8P1", "h3", "1e3", "h4", "1E-2", "h5", ".5", "h6", "5.", "h7", "+1", "h8", "-.5e1", "h9"), ":9\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*40\r\n$2\r\nm2\r\n$4\r\n-inf\r\n$2\r\nh9\r\n$2\r\n-5\r\n$2\r\nh5\r\n$4\r\n0.01\r\n$2\r\nh2\r\n$4\r\n0.25\r\n$2\r\nh6\r\n$3\r\n0.5\r\n$1\r\nd\r\n$1\r\n1\r\n$2\r\nh8\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nh3\r\n$1\r\n3\r\n$1\r\nc\r\n$1\r\n5\r\n$2\r\nh7\r\n$1\r\n5\r\n$1\r\nz\r\n$1\r\n7\r\n$2\r\nh1\r\n$2\r\n16\r\n$1\r\nx\r\n$2\r\n20\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nb\r\n$3\r\n100\r\n$2\r\nh4\r\n$4\r\n1000\r\n$1\r\na\r\n$3\r\ninf\r\n$2\r\nm1\r\n$3\r\ninf\r\n$2\r\nm3\r\n$3\r\ninf\r\n"},
		{cmd("zadd", "z", "1e-310", "d1", "0.1", "d2", "123456789012345678", "d3", "1.7976931348623157e308", "d4", "4.9e-324", "d5", "-0.000001", "d6", "3.14159265358979", "d7"), ":7\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*54\r\n$2\r\nm2\r\n$4\r\n-inf\r\n$2\r\nh9\r\n$2\r\n-5\r\n$2\r\nd6\r\n$23\r\n-9.9999999999999995e-07\r\n$2\r\nd5\r\n$23\r\n4.9406564584124654e-324\r\n$2\r\nd1\r\n$23\r\n9.9999999999999694e-311\r\n$2\r\nh5\r\n$4\r\n0.01\r\n$2\r\nd2\r\n$19\r\n0.10000000000000001\r\n$2\r\nh2\r\n$4\r\n0.25\r\n$2\r\nh6\r\n$3\r\n0.5\r\n$1\r\nd\r\n$1\r\n1\r\n$2\r\nh8\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nh3\r\n$1\r\n3\r\n$2\r\nd7\r\n$16\r\n3.14159265358979\r\n$1\r\nc\r\n$1\r\n5\r\n$2\r\nh7\r\n$1\r\n5\r\n$1\r\nz\r\n$1\r\n7\r\n$2\r\nh1\r\n$2\r\n16\r\n$1\r\nx\r\n$2\r\n20\r\n$1\r\ny\r\n$2\r\n20\r\n$1\r\nb\r\n$3\r\n100\r\n$2\r\nh4\r\n$4\r\n1000\r\n$2\r\nd3\r\n$22\r\n1.2345678901234568e+17\r\n$2\r\nd4\r\n$23\r\n1.7976931348623157e+308\r\n$1\r\na\r\n$3\r\ninf\r\n$2\r\nm1\r\n$3\r\ninf\r\n$2\r\nm3\r\n$3\r\ninf\r\n"},
		{cmd("zadd", "z", "infinity", "i1", "-Infinity", "i2", "INF", "i3"), ":3\r\n"},
		{cmd("zadd", "z", "0x", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e+", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", ".e1", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1.2.3", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nan(123)", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1\x00", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "\x001", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "\x091", "i4"), "-ERR value is not a valid float\r\n"},
	}},
	{"zincrby", 2, []step{
		{cmd("zincrby", "z", "1", "a"), "$1\r\n1\r\n"},
		{cmd("zincrby", "z", "2.5", "a"), "$3\r\n3.5\r\n"},
		{cmd("zincrby", "z", "-10", "a"), "$4\r\n-6.5\r\n"},
		{cmd("zincrby", "z", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zincrby", "z", "nx", "a"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "incr", "a"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "xx", "1"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "1", "a", "2"), "-ERR wrong number of arguments for 'zincrby' command\r\n"},
		{cmd("zincrby", "z", "inf", "b"), "$3\r\ninf\r\n"},
		{cmd("zincrby", "z", "-inf", "b"), "-ERR resulting score is not a number (NaN)\r\n"},
		{cmd("zincrby", "z", "1e400", "b"), "-ERR value is not a valid float\r\n"},
		{cmd("zscore", "z", "b"), "$3\r\ninf\r\n"},
		{cmd("zincrby", "z", "-0", "c"), "$2\r\n-0\r\n"},
		{cmd("zscore", "z", "c"), "$1\r\n0\r\n"},
		{cmd("zincrby", "z", "0.1", "d"), "$19\r\n0.10000000000000001\r\n"},
		{cmd("zincrby", "z", "0.2", "d"), "$19\r\n0.30000000000000004\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zincrby", "s", "1", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zrem zcard zscore zmscore", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrem", "z", "a", "nope"), ":1\r\n"},
		{cmd("zrem", "z", "a"), ":0\r\n"},
		{cmd("zcard", "z"), ":2\r\n"},
		{cmd("zscore", "z", "b"), "$1\r\n2\r\n"},
		{cmd("zscore", "z", "nope"), "$-1\r\n"},
		{cmd("zscore", "nokey", "a"), "$-1\r\n"},
		{cmd("zmscore", "z", "b", "c", "nope"), "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$-1\r\n"},
		{cmd("zmscore", "nokey", "a", "b"), "*2\r\n$-1\r\n$-1\r\n"},
		{cmd("zmscore", "z"), "-ERR wrong number of arguments for 'zmscore' command\r\n"},
		{cmd("zrem", "z", "b", "c"), ":2\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zscore", "z", "b"), "$-1\r\n"},
		{cmd("zrem", "z"), "-ERR wrong number of arguments for 'zrem' command\r\n"},
		{cmd("zrem", "nokey", "a"), ":0\r\n"},
		{cmd("zcard", "nokey"), ":0\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b"), ":2\r\n"},
		{cmd("zrem", "z", "a", "b", "c"), ":2\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrem", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zcard", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscore", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmscore", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscore", "z"), "-ERR wrong number of arguments for 'zscore' command\r\n"},
	}},
	{"zcount zlexcount", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zcount", "z", "-inf", "+inf"), ":5\r\n"},
		{cmd("zcount", "z", "(1", "(5"), ":3\r\n"},
		{cmd("zcount", "z", "2", "4"), ":3\r\n"},
		{cmd("zcount", "z", "(2", "2"), ":0\r\n"},
		{cmd("zcount", "z", "5", "1"), ":0\r\n"},
		{cmd("zcount", "z", "3", "3"), ":1\r\n"},
		{cmd("zcount", "z", "", ""), ":0\r\n"},
		{cmd("zcount", "z", "(", "10"), ":5\r\n"},
		{cmd("zcount", "z", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1", "x"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "nan", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "(nan", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1", "((2"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", " 1", "10"), ":5\r\n"},
		{cmd("zcount", "z", "1 ", "10"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1e999", "inf"), ":0\r\n"},
		{cmd("zcount", "z", "-1e999", "1e999"), ":5\r\n"},
		{cmd("zcount", "z", "1\x00junk", "3"), ":3\r\n"},
		{cmd("zcount", "z", "0x1", "0x3"), ":3\r\n"},
		{cmd("zcount", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zcount", "nokey", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zcount", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zcount", "s", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"), ":5\r\n"},
		{cmd("zlexcount", "l", "-", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "[b", "[d"), ":3\r\n"},
		{cmd("zlexcount", "l", "(b", "(d"), ":1\r\n"},
		{cmd("zlexcount", "l", "(b", "[b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[b", "(b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[b", "[b"), ":1\r\n"},
		{cmd("zlexcount", "l", "+", "-"), ":0\r\n"},
		{cmd("zlexcount", "l", "-", "-"), ":0\r\n"},
		{cmd("zlexcount", "l", "+", "+"), ":0\r\n"},
		{cmd("zlexcount", "l", "[d", "[b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "(", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "-", "["), ":0\r\n"},
		{cmd("zlexcount", "l", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "-", "b"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "+x", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "+\x00x", "(c"), ":0\r\n"},
		{cmd("zlexcount", "nokey", "-", "+"), ":0\r\n"},
		{cmd("zlexcount", "nokey", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zlexcount", "s", "a", "+"), "-ERR min or max not valid string range item\r\n"},
	}},
	{"zrange family", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zrange", "z", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{cmd("zrange", "z", "1", "2"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "-2", "-1"), "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "-100", "100"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "3", "1"), "*0\r\n"},
		{cmd("zrange", "z", "5", "10"), "*0\r\n"},
		{cmd("zrange", "z", "0", "-6"), "*0\r\n"},
		{cmd("zrange", "z", "-9223372036854775808", "9223372036854775807"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "rev"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrange", "z", "0", "1", "rev", "withscores"), "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "-2"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "1", "byscore", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "rev", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "bylex", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "foo"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "[a", "[c", "bylex", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrange", "z", "(1", "5", "byscore"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "5", "(1", "byscore", "rev", "withscores"), "*8\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "-1", "2"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "-1"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "-5"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "0"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "5", "1"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "4", "10"), "*1\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "2", "2", "withscores"), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zrange", "z", "5", "1", "byscore", "rev", "limit", "1", "2", "withscores"), "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "rev"), "*0\r\n"},
		{cmd("zrange", "z", "x", "y", "byscore"), "-ERR min or max is not a float\r\n"},
		{cmd("zrange", "z", "a", "b", "bylex"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zrange", "z", "[e", "[a", "bylex", "rev", "limit", "1", "2"), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "-", "+", "bylex", "limit", "1", "2"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "+", "-", "bylex", "rev"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrange", "z", "-", "+", "BYLEX", "limit", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "nokey", "0", "-1"), "*0\r\n"},
		{cmd("zrange", "nokey", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "nokey", "x", "y", "byscore"), "-ERR min or max is not a float\r\n"},
		{cmd("zrange", "nokey", "0", "1", "byscore", "limit", "0"), "-ERR syntax error\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrange", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrange", "s", "x", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "s", "0", "1", "byscore", "withscores"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "withscores"), "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{cmd("zrangebyscore", "z", "(1", "(5", "withscores", "limit", "1", "1"), "*2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "limit", "1", "2", "withscores"), "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "limit", "1"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "5", "1"), "*0\r\n"},
		{cmd("zrangebyscore", "z", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrevrangebyscore", "z", "4", "(2", "withscores"), "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf", "limit", "1", "2"), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{cmd("zrevrangebyscore", "z", "1", "5"), "*0\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1"), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"},
		{cmd("zrevrange", "z", "0", "1", "withscores"), "*4\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zrevrange", "z", "-1", "-1"), "*1\r\n$1\r\na\r\n"},
		{cmd("zrevrange", "z", "0", "1", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrangebylex", "z", "-", "+"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrangebylex", "z", "+", "-"), "*0\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "limit", "2", "2"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{cmd("zrangebylex", "z", "[b", "(d"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "bylex"), "-ERR syntax error\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrangebylex", "z", "b", "d"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-", "limit", "2", "2"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{cmd("zrevrangebylex", "z", "(d", "[b"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{cmd("zrevrangebylex", "z", "-", "+"), "*0\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrangebyscore", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangebylex", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrange", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrangebyscore", "s", "1", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrangebylex", "s", "+", "-"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zrangestore", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1"), ":5\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*10\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "1", "rev"), ":2\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*4\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{cmd("zrangestore", "dst", "z", "(1", "4", "byscore", "limit", "1", "2"), ":2\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*4\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zrangestore", "dst", "z", "[b", "[d", "bylex"), ":3\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrangestore", "dst", "z", "5", "10"), ":0\r\n"},
		{cmd("zcard", "dst"), ":0\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "0"), ":1\r\n"},
		{cmd("zrangestore", "dst", "nokey", "0", "-1"), ":0\r\n"},
		{cmd("zcard", "dst"), ":0\r\n"},
		{cmd("zrangestore", "dst", "z", "x", "y"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrangestore", "dst", "s", "0", "-1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangestore", "s", "z", "0", "0"), ":1\r\n"},
		{cmd("zrange", "s", "0", "-1", "withscores"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zrangestore", "z", "z", "1", "1"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
	}},
	{"zrank zrevrank", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrank", "z", "a"), ":0\r\n"},
		{cmd("zrank", "z", "c"), ":2\r\n"},
		{cmd("zrevrank", "z", "a"), ":2\r\n"},
		{cmd("zrevrank", "z", "c"), ":0\r\n"},
		{cmd("zrank", "z", "nope"), "$-1\r\n"},
		{cmd("zrevrank", "z", "nope"), "$-1\r\n"},
		{cmd("zrank", "nokey", "a"), "$-1\r\n"},
		{cmd("zrevrank", "nokey", "a"), "$-1\r\n"},
		{cmd("zrank", "z", "a", "withscore"), "-ERR wrong number of arguments for 'zrank' command\r\n"},
		{cmd("zrevrank", "z", "a", "withscore"), "-ERR wrong number of arguments for 'zrevrank' command\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrank", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrank", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zpopmin zpopmax zmpop", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zpopmin", "z"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zpopmax", "z"), "*2\r\n$1\r\ne\r\n$1\r\n5\r\n"},
		{cmd("zpopmin", "z", "2"), "*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zpopmax", "z", "0"), "*0\r\n"},
		{cmd("zpopmax", "z", "10"), "*2\r\n$1\r\nd\r\n$1\r\n4\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zpopmin", "z"), "*0\r\n"},
		{cmd("zpopmin", "z", "1"), "*0\r\n"},
		{cmd("zpopmin", "nokey"), "*0\r\n"},
		{cmd("zpopmin", "nokey", "3"), "*0\r\n"},
		{cmd("zpopmin", "nokey", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "x"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("zpopmax", "z", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zpopmin", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zpopmin", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zpopmin", "s", "x"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zmpop", "1", "z", "min"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zmpop", "2", "nokey", "z", "max", "count", "5"), "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{cmd("zmpop", "1", "z", "min"), "*-1\r\n"},
		{cmd("zmpop", "1", "z"), "-ERR wrong number of arguments for 'zmpop' command\r\n"},
		{cmd("zmpop", "1", "z", "foo"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "0", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "-1", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "x", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "5", "z", "min"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "0"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "-1"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "x"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "1", "count", "2"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "count"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "foo"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "1", "a"), ":1\r\n"},
		{cmd("zmpop", "2", "s", "z", "min"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmpop", "2", "z", "s", "min", "count", "2"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zmpop", "2", "z", "s", "min"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmpop", "1", "nokey", "min"), "*-1\r\n"},
	}},
	{"zremrangeby", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f", "7", "g"), ":7\r\n"},
		{cmd("zremrangebyrank", "z", "0", "0"), ":1\r\n"},
		{cmd("zremrangebyrank", "z", "-1", "-1"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1"), "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"},
		{cmd("zremrangebyrank", "z", "10", "20"), ":0\r\n"},
		{cmd("zremrangebyrank", "z", "3", "1"), ":0\r\n"},
		{cmd("zremrangebyrank", "z", "a", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyrank", "z", "1", "a"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyscore", "z", "(2", "4"), ":2\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*6\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\ne\r\n$1\r\n5\r\n$1\r\nf\r\n$1\r\n6\r\n"},
		{cmd("zremrangebyscore", "z", "100", "200"), ":0\r\n"},
		{cmd("zremrangebyscore", "z", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebyscore", "z", "1", "nan"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebylex", "z", "a", "b"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zremrangebylex", "z", "-", "+"), ":3\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"), ":5\r\n"},
		{cmd("zremrangebylex", "l", "[b", "(d"), ":2\r\n"},
		{cmd("zrange", "l", "0", "-1"), "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zremrangebylex", "l", "(a", "+"), ":2\r\n"},
		{cmd("zremrangebylex", "l", "-", "+"), ":1\r\n"},
		{cmd("zcard", "l"), ":0\r\n"},
		{cmd("zremrangebyrank", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zremrangebyscore", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zremrangebylex", "nokey", "-", "+"), ":0\r\n"},
		{cmd("zremrangebyrank", "nokey", "a", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyscore", "nokey", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebylex", "nokey", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zremrangebyrank", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zremrangebyscore", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zremrangebylex", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zremrangebyrank", "z", "-100", "100"), ":3\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
	}},
	{"zunionstore zinterstore", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zadd", "z2", "10", "b", "20", "c", "30", "d"), ":3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "2", "0.5"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n9\r\n$1\r\nd\r\n$2\r\n15\r\n$1\r\nc\r\n$2\r\n16\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "min"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$2\r\n30\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "max"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n$1\r\nd\r\n$2\r\n30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2", "aggregate", "max", "weights", "2", "1"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n$1\r\nb\r\n$2\r\n10\r\n$1\r\nc\r\n$2\r\n20\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2", "weights", "1", "-1", "aggregate", "min"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n$1\r\nc\r\n$3\r\n-20\r\n$1\r\nb\r\n$3\r\n-10\r\n"},
		{cmd("zunionstore", "d", "3", "z", "z2", "z"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$2\r\n14\r\n$1\r\nc\r\n$2\r\n26\r\n$1\r\nd\r\n$2\r\n30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n4\r\n$1\r\nc\r\n$1\r\n6\r\n"},
		{cmd("zunionstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"},
		{cmd("zunionstore", "d", "-1", "z"), "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"},
		{cmd("zunionstore", "d", "x", "z"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zunionstore", "d", "3", "z", "z2"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "s", "weights", "x"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "x"), "-ERR weight value is not a float\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "2", "3"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "foo"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "2", "aggregate", "min", "aggregate", "sum"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n22\r\n$1\r\nc\r\n$2\r\n43\r\n$1\r\nd\r\n$2\r\n60\r\n"},
		{cmd("zinterstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zinterstore' command\r\n"},
		{cmd("zinterstore", "d", "2", "z", "nokey"), ":0\r\n"},
		{cmd("zcard", "d"), ":0\r\n"},
		{cmd("zunionstore", "d", "1", "nokey"), ":0\r\n"},
		{cmd("zunionstore", "s", "1", "z"), ":3\r\n"},
		{cmd("zrange", "s", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "inf"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$3\r\ninf\r\n$1\r\nb\r\n$3\r\ninf\r\n$1\r\nc\r\n$3\r\ninf\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z", "weights", "inf", "-inf"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "0"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n"},
		{cmd("zadd", "zi", "1", "a", "inf", "b", "-inf", "c"), ":3\r\n"},
		{cmd("zunionstore", "d", "1", "zi", "weights", "0"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n"},
		{cmd("zinterstore", "d", "2", "zi", "zi", "weights", "0", "1"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\nc\r\n$4\r\n-inf\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\ninf\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "-1"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*6\r\n$1\r\nc\r\n$2\r\n-3\r\n$1\r\nb\r\n$2\r\n-2\r\n$1\r\na\r\n$2\r\n-1\r\n"},
		{cmd("zunionstore", "d", "2", "s", "nokey", "weights", "x", "x"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "nokey", "weights", "x", "1"), "-ERR weight value is not a float\r\n"},
		{cmd("zunionstore", "z", "2", "z", "z2"), ":4\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"},
	}},
	{"zunion zinter zdiff zdiffstore zintercard", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zadd", "z2", "10", "b", "20", "c", "30", "d"), ":3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunion", "2", "z", "z2"), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{cmd("zunion", "2", "z", "z2", "withscores"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n$1\r\nd\r\n$2\r\n30\r\n"},
		{cmd("zunion", "2", "z", "z2", "weights", "1", "2", "withscores", "aggregate", "max"), "*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$2\r\n20\r\n$1\r\nc\r\n$2\r\n40\r\n$1\r\nd\r\n$2\r\n60\r\n"},
		{cmd("zunion", "0", "z"), "-ERR at least 1 input key is needed for 'zunion' command\r\n"},
		{cmd("zunion", "1", "z", "withscores", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zunion", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunion", "1", "nokey"), "*0\r\n"},
		{cmd("zunion", "1", "nokey", "withscores"), "*0\r\n"},
		{cmd("zinter", "2", "z", "z2", "withscores"), "*4\r\n$1\r\nb\r\n$2\r\n12\r\n$1\r\nc\r\n$2\r\n23\r\n"},
		{cmd("zinter", "2", "z", "z2", "aggregate", "min"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zinter", "2", "z", "nokey", "withscores"), "*0\r\n"},
		{cmd("zinter", "0", "z"), "-ERR at least 1 input key is needed for 'zinter' command\r\n"},
		{cmd("zdiff", "2", "z", "z2", "withscores"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zdiff", "2", "z2", "z"), "*1\r\n$1\r\nd\r\n"},
		{cmd("zdiff", "1", "z", "withscores"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("zdiff", "2", "z", "z"), "*0\r\n"},
		{cmd("zdiff", "2", "nokey", "z"), "*0\r\n"},
		{cmd("zdiff", "2", "z", "z2", "weights", "1", "1"), "-ERR syntax error\r\n"},
		{cmd("zdiff", "2", "z", "z2", "aggregate", "sum"), "-ERR syntax error\r\n"},
		{cmd("zdiff", "0", "z"), "-ERR at least 1 input key is needed for 'zdiff' command\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z2"), ":1\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z"), ":0\r\n"},
		{cmd("zcard", "d"), ":0\r\n"},
		{cmd("zdiffstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zdiffstore' command\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "1"), ":1\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "0"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "1", "limit", "0"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "-1"), "-ERR LIMIT can't be negative\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "x"), "-ERR LIMIT can't be negative\r\n"},
		{cmd("zintercard", "0", "z"), "-ERR at least 1 input key is needed for 'zintercard' command\r\n"},
		{cmd("zintercard", "3", "z", "z2"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2", "weights", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "nokey"), ":0\r\n"},
		{cmd("zintercard", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zscan listpack", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "10", "ab", "-0", "neg"), ":5\r\n"},
		{cmd("zscan", "z", "0"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "123"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "count", "1"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "a*"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "*b*", "count", "1"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "*"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "x*"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "z", "0", "count", "0"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "count", "-1"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "count", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zscan", "z", "0", "match"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "foo"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "type", "zset"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "x"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "-1"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", ""), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", " 1"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "+5"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "18446744073709551615"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "18446744073709551616"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "1\x00x"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "1x"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "nokey", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "nokey", "0", "count", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "nokey", "x"), "-ERR invalid cursor\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zscan", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscan", "s", "0", "foo"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscan", "s", "x"), "-ERR invalid cursor\r\n"},
	}},
	{"zrandmember shapes", 2, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrandmember", "nokey"), "$-1\r\n"},
		{cmd("zrandmember", "nokey", "5"), "*0\r\n"},
		{cmd("zrandmember", "nokey", "5", "withscores"), "*0\r\n"},
		{cmd("zrandmember", "nokey", "-5"), "*0\r\n"},
		{cmd("zrandmember", "z", "0"), "*0\r\n"},
		{cmd("zrandmember", "z", "0", "withscores"), "*0\r\n"},
		{cmd("zrandmember", "z", "3"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrandmember", "z", "10", "withscores"), "*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("zrandmember", "z", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrandmember", "z", "1", "withscore"), "-ERR syntax error\r\n"},
		{cmd("zrandmember", "z", "1", "withscores", "x"), "-ERR syntax error\r\n"},
		{cmd("zrandmember", "z", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{cmd("zrandmember", "z", "-9223372036854775807", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "4611686018427387904", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "-4611686018427387904", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "9223372036854775807"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrandmember", "nokey", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{cmd("zrandmember", "nokey", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrandmember", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrandmember", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrandmember", "s", "x"), "-ERR value is not an integer or out of range\r\n"},
	}},
	{"negative zero and encodings", 2, []step{
		{cmd("zadd", "z", "-0", "a"), ":1\r\n"},
		{cmd("zscore", "z", "a"), "$1\r\n0\r\n"},
		{cmd("zadd", "z", "incr", "-0", "b"), "$2\r\n-0\r\n"},
		{cmd("zscore", "z", "b"), "$1\r\n0\r\n"},
		{cmd("zincrby", "z", "-0", "c"), "$2\r\n-0\r\n"},
		{cmd("zscore", "z", "c"), "$1\r\n0\r\n"},
		{cmd("zadd", "z", "5", "d"), ":1\r\n"},
		{cmd("zadd", "z", "-0", "d"), ":0\r\n"},
		{cmd("zscore", "z", "d"), "$1\r\n0\r\n"},
		{cmd("zadd", "big", "1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "-0", "a"), ":2\r\n"},
		{cmd("zscore", "big", "a"), "$2\r\n-0\r\n"},
		{cmd("zadd", "big", "incr", "-0", "b"), "$2\r\n-0\r\n"},
		{cmd("zscore", "big", "b"), "$2\r\n-0\r\n"},
		{cmd("zadd", "big", "5", "c"), ":1\r\n"},
		{cmd("zadd", "big", "-0", "c"), ":0\r\n"},
		{cmd("zscore", "big", "c"), "$2\r\n-0\r\n"},
		{cmd("zscan", "big", "0", "match", "a"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$2\r\n-0\r\n"},
		{cmd("zrem", "big", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ":1\r\n"},
		{cmd("zadd", "big", "-0", "e"), ":1\r\n"},
		{cmd("zscore", "big", "e"), "$2\r\n-0\r\n"},
		{cmd("zunionstore", "u", "1", "big", "weights", "1"), ":4\r\n"},
		{cmd("zscore", "u", "a"), "$1\r\n0\r\n"},
		{cmd("zadd", "big2", "-0", "a", "1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ":2\r\n"},
		{cmd("zscore", "big2", "a"), "$1\r\n0\r\n"},
		{cmd("zadd", "lp", "1", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"), ":1\r\n"},
		{cmd("zadd", "lp", "-0", "a"), ":1\r\n"},
		{cmd("zscore", "lp", "a"), "$1\r\n0\r\n"},
		{cmd("zadd", "nz", "-0", "a", "1", "b"), ":2\r\n"},
		{cmd("zunionstore", "u", "1", "nz", "weights", "-1"), ":2\r\n"},
		{cmd("zrange", "u", "0", "-1", "withscores"), "*4\r\n$1\r\nb\r\n$2\r\n-1\r\n$1\r\na\r\n$1\r\n0\r\n"},
		{cmd("zunion", "1", "nz", "weights", "-1", "withscores"), "*4\r\n$1\r\nb\r\n$2\r\n-1\r\n$1\r\na\r\n$2\r\n-0\r\n"},
		{cmd("zrangestore", "u", "nz", "0", "-1"), ":2\r\n"},
		{cmd("zrange", "u", "0", "-1", "withscores"), "*4\r\n$1\r\na\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n1\r\n"},
	}},
	{"zadd basics", 3, []step{
		{cmd("zadd", "z", "1", "a"), ":1\r\n"},
		{cmd("zadd", "z", "2", "b", "3", "c", "1", "a"), ":2\r\n"},
		{cmd("zadd", "z", "10", "a"), ":0\r\n"},
		{cmd("zscore", "z", "a"), ",10\r\n"},
		{cmd("zadd", "z", "ch", "10", "a", "11", "b", "4", "d"), ":2\r\n"},
		{cmd("zadd", "z", "1.5", "e", "-2.5", "f"), ":2\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*6\r\n*2\r\n$1\r\nf\r\n,-2.5\r\n*2\r\n$1\r\ne\r\n,1.5\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\na\r\n,10\r\n*2\r\n$1\r\nb\r\n,11\r\n"},
		{cmd("zadd", "z"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "1"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "nx"), "-ERR wrong number of arguments for 'zadd' command\r\n"},
		{cmd("zadd", "z", "nx", "1"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "xx", "ch"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nan", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e400", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e-400", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", " 1", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1 ", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1", "a", "abc", "b"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nx", "xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "xx", "nx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "gt", "lt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "gt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "lt", "1", "a"), "-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "nx", "xx", "gt", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "incr", "1", "a", "2", "b"), "-ERR INCR option supports a single increment-element pair\r\n"},
		{cmd("zadd", "z", "gt", "incr", "1", "a", "2", "b"), "-ERR INCR option supports a single increment-element pair\r\n"},
		{cmd("zadd", "z", "nx", "xx", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "NX", "Xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "z", "Ch", "100", "a"), ":1\r\n"},
		{cmd("zadd", "z", "incr", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("set", "s", "str"), "+OK\r\n"},
		{cmd("zadd", "s", "1", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zadd", "s", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "s", "nx", "xx", "1", "a"), "-ERR XX and NX options at the same time are not compatible\r\n"},
		{cmd("zadd", "s", "1", "a", "2"), "-ERR syntax error\r\n"},
		{cmd("zadd", "missing", "xx", "1", "a"), ":0\r\n"},
		{cmd("zscore", "missing", "a"), "_\r\n"},
		{cmd("zadd", "missing", "xx", "incr", "1", "a"), "_\r\n"},
		{cmd("zadd", "missing", "xx", "ch", "1", "a", "2", "b"), ":0\r\n"},
		{cmd("zcard", "missing"), ":0\r\n"},
	}},
	{"zadd nx xx gt lt ch incr", 3, []step{
		{cmd("zadd", "z", "5", "a", "5", "b", "5", "c"), ":3\r\n"},
		{cmd("zadd", "z", "nx", "1", "a", "1", "d"), ":1\r\n"},
		{cmd("zadd", "z", "xx", "9", "a", "9", "e"), ":0\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$1\r\nb\r\n,5\r\n*2\r\n$1\r\nc\r\n,5\r\n*2\r\n$1\r\na\r\n,9\r\n"},
		{cmd("zadd", "z", "gt", "1", "a", "10", "b", "20", "x"), ":1\r\n"},
		{cmd("zadd", "z", "gt", "ch", "1", "a", "10", "b", "20", "y"), ":1\r\n"},
		{cmd("zadd", "z", "lt", "ch", "100", "a", "1", "b", "7", "z"), ":2\r\n"},
		{cmd("zadd", "z", "xx", "gt", "ch", "1", "a", "100", "b"), ":1\r\n"},
		{cmd("zadd", "z", "xx", "lt", "ch", "1", "a", "100", "b"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*7\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$1\r\nc\r\n,5\r\n*2\r\n$1\r\nz\r\n,7\r\n*2\r\n$1\r\nx\r\n,20\r\n*2\r\n$1\r\ny\r\n,20\r\n*2\r\n$1\r\nb\r\n,100\r\n"},
		{cmd("zadd", "z", "incr", "2.5", "a"), ",3.5\r\n"},
		{cmd("zadd", "z", "incr", "-2.5", "a"), ",1\r\n"},
		{cmd("zadd", "z", "incr", "0", "a"), ",1\r\n"},
		{cmd("zadd", "z", "nx", "incr", "1", "a"), "_\r\n"},
		{cmd("zadd", "z", "xx", "incr", "1", "nope"), "_\r\n"},
		{cmd("zadd", "z", "nx", "incr", "1", "new"), ",1\r\n"},
		{cmd("zadd", "z", "gt", "incr", "-1", "a"), "_\r\n"},
		{cmd("zadd", "z", "lt", "incr", "1", "a"), "_\r\n"},
		{cmd("zadd", "z", "lt", "incr", "-1", "a"), ",0\r\n"},
		{cmd("zadd", "z", "gt", "incr", "1", "a"), ",1\r\n"},
		{cmd("zadd", "z", "ch", "incr", "1", "a"), ",2\r\n"},
		{cmd("zadd", "z", "incr", "inf", "a"), ",inf\r\n"},
		{cmd("zadd", "z", "incr", "-inf", "a"), "-ERR resulting score is not a number (NaN)\r\n"},
		{cmd("zscore", "z", "a"), ",inf\r\n"},
		{cmd("zadd", "z", "incr", "+inf", "a"), ",inf\r\n"},
		{cmd("zadd", "z", "incr", "1", "a"), ",inf\r\n"},
		{cmd("zadd", "z", "inf", "m1", "-inf", "m2", "+inf", "m3"), ":3\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*11\r\n*2\r\n$2\r\nm2\r\n,-inf\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$3\r\nnew\r\n,1\r\n*2\r\n$1\r\nc\r\n,5\r\n*2\r\n$1\r\nz\r\n,7\r\n*2\r\n$1\r\nx\r\n,20\r\n*2\r\n$1\r\ny\r\n,20\r\n*2\r\n$1\r\nb\r\n,100\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n$2\r\nm1\r\n,inf\r\n*2\r\n$2\r\nm3\r\n,inf\r\n"},
		{cmd("zadd", "z", "0x10", "h1", "0x1p-2", "h2", "0X1.8P1", "h3", "1e3", "h4", "1E-2", "h5", ".5", "h6", "5.", "h7", "+1", "h8", "-.5e1", "h9"), ":9\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*20\r\n*2\r\n$2\r\nm2\r\n,-inf\r\n*2\r\n$2\r\nh9\r\n,-5\r\n*2\r\n$2\r\nh5\r\n,0.01\r\n*2\r\n$2\r\nh2\r\n,0.25\r\n*2\r\n$2\r\nh6\r\n,0.5\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$2\r\nh8\r\n,1\r\n*2\r\n$3\r\nnew\r\n,1\r\n*2\r\n$2\r\nh3\r\n,3\r\n*2\r\n$1\r\nc\r\n,5\r\n*2\r\n$2\r\nh7\r\n,5\r\n*2\r\n$1\r\nz\r\n,7\r\n*2\r\n$2\r\nh1\r\n,16\r\n*2\r\n$1\r\nx\r\n,20\r\n*2\r\n$1\r\ny\r\n,20\r\n*2\r\n$1\r\nb\r\n,100\r\n*2\r\n$2\r\nh4\r\n,1000\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n$2\r\nm1\r\n,inf\r\n*2\r\n$2\r\nm3\r\n,inf\r\n"},
		{cmd("zadd", "z", "1e-310", "d1", "0.1", "d2", "123456789012345678", "d3", "1.7976931348623157e308", "d4", "4.9e-324", "d5", "-0.000001", "d6", "3.14159265358979", "d7"), ":7\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*27\r\n*2\r\n$2\r\nm2\r\n,-inf\r\n*2\r\n$2\r\nh9\r\n,-5\r\n*2\r\n$2\r\nd6\r\n,-9.9999999999999995e-07\r\n*2\r\n$2\r\nd5\r\n,4.9406564584124654e-324\r\n*2\r\n$2\r\nd1\r\n,9.9999999999999694e-311\r\n*2\r\n$2\r\nh5\r\n,0.01\r\n*2\r\n$2\r\nd2\r\n,0.10000000000000001\r\n*2\r\n$2\r\nh2\r\n,0.25\r\n*2\r\n$2\r\nh6\r\n,0.5\r\n*2\r\n$1\r\nd\r\n,1\r\n*2\r\n$2\r\nh8\r\n,1\r\n*2\r\n$3\r\nnew\r\n,1\r\n*2\r\n$2\r\nh3\r\n,3\r\n*2\r\n$2\r\nd7\r\n,3.14159265358979\r\n*2\r\n$1\r\nc\r\n,5\r\n*2\r\n$2\r\nh7\r\n,5\r\n*2\r\n$1\r\nz\r\n,7\r\n*2\r\n$2\r\nh1\r\n,16\r\n*2\r\n$1\r\nx\r\n,20\r\n*2\r\n$1\r\ny\r\n,20\r\n*2\r\n$1\r\nb\r\n,100\r\n*2\r\n$2\r\nh4\r\n,1000\r\n*2\r\n$2\r\nd3\r\n,1.2345678901234568e+17\r\n*2\r\n$2\r\nd4\r\n,1.7976931348623157e+308\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n$2\r\nm1\r\n,inf\r\n*2\r\n$2\r\nm3\r\n,inf\r\n"},
		{cmd("zadd", "z", "infinity", "i1", "-Infinity", "i2", "INF", "i3"), ":3\r\n"},
		{cmd("zadd", "z", "0x", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1e+", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", ".e1", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1.2.3", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "nan(123)", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "1\x00", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "\x001", "i4"), "-ERR value is not a valid float\r\n"},
		{cmd("zadd", "z", "\x091", "i4"), "-ERR value is not a valid float\r\n"},
	}},
	{"zincrby", 3, []step{
		{cmd("zincrby", "z", "1", "a"), ",1\r\n"},
		{cmd("zincrby", "z", "2.5", "a"), ",3.5\r\n"},
		{cmd("zincrby", "z", "-10", "a"), ",-6.5\r\n"},
		{cmd("zincrby", "z", "abc", "a"), "-ERR value is not a valid float\r\n"},
		{cmd("zincrby", "z", "nx", "a"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "incr", "a"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "xx", "1"), "-ERR syntax error\r\n"},
		{cmd("zincrby", "z", "1", "a", "2"), "-ERR wrong number of arguments for 'zincrby' command\r\n"},
		{cmd("zincrby", "z", "inf", "b"), ",inf\r\n"},
		{cmd("zincrby", "z", "-inf", "b"), "-ERR resulting score is not a number (NaN)\r\n"},
		{cmd("zincrby", "z", "1e400", "b"), "-ERR value is not a valid float\r\n"},
		{cmd("zscore", "z", "b"), ",inf\r\n"},
		{cmd("zincrby", "z", "-0", "c"), ",-0\r\n"},
		{cmd("zscore", "z", "c"), ",0\r\n"},
		{cmd("zincrby", "z", "0.1", "d"), ",0.10000000000000001\r\n"},
		{cmd("zincrby", "z", "0.2", "d"), ",0.30000000000000004\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zincrby", "s", "1", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zrem zcard zscore zmscore", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrem", "z", "a", "nope"), ":1\r\n"},
		{cmd("zrem", "z", "a"), ":0\r\n"},
		{cmd("zcard", "z"), ":2\r\n"},
		{cmd("zscore", "z", "b"), ",2\r\n"},
		{cmd("zscore", "z", "nope"), "_\r\n"},
		{cmd("zscore", "nokey", "a"), "_\r\n"},
		{cmd("zmscore", "z", "b", "c", "nope"), "*3\r\n,2\r\n,3\r\n_\r\n"},
		{cmd("zmscore", "nokey", "a", "b"), "*2\r\n_\r\n_\r\n"},
		{cmd("zmscore", "z"), "-ERR wrong number of arguments for 'zmscore' command\r\n"},
		{cmd("zrem", "z", "b", "c"), ":2\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zscore", "z", "b"), "_\r\n"},
		{cmd("zrem", "z"), "-ERR wrong number of arguments for 'zrem' command\r\n"},
		{cmd("zrem", "nokey", "a"), ":0\r\n"},
		{cmd("zcard", "nokey"), ":0\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b"), ":2\r\n"},
		{cmd("zrem", "z", "a", "b", "c"), ":2\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrem", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zcard", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscore", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmscore", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscore", "z"), "-ERR wrong number of arguments for 'zscore' command\r\n"},
	}},
	{"zcount zlexcount", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zcount", "z", "-inf", "+inf"), ":5\r\n"},
		{cmd("zcount", "z", "(1", "(5"), ":3\r\n"},
		{cmd("zcount", "z", "2", "4"), ":3\r\n"},
		{cmd("zcount", "z", "(2", "2"), ":0\r\n"},
		{cmd("zcount", "z", "5", "1"), ":0\r\n"},
		{cmd("zcount", "z", "3", "3"), ":1\r\n"},
		{cmd("zcount", "z", "", ""), ":0\r\n"},
		{cmd("zcount", "z", "(", "10"), ":5\r\n"},
		{cmd("zcount", "z", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1", "x"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "nan", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "(nan", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1", "((2"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", " 1", "10"), ":5\r\n"},
		{cmd("zcount", "z", "1 ", "10"), "-ERR min or max is not a float\r\n"},
		{cmd("zcount", "z", "1e999", "inf"), ":0\r\n"},
		{cmd("zcount", "z", "-1e999", "1e999"), ":5\r\n"},
		{cmd("zcount", "z", "1\x00junk", "3"), ":3\r\n"},
		{cmd("zcount", "z", "0x1", "0x3"), ":3\r\n"},
		{cmd("zcount", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zcount", "nokey", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zcount", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zcount", "s", "x", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"), ":5\r\n"},
		{cmd("zlexcount", "l", "-", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "[b", "[d"), ":3\r\n"},
		{cmd("zlexcount", "l", "(b", "(d"), ":1\r\n"},
		{cmd("zlexcount", "l", "(b", "[b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[b", "(b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[b", "[b"), ":1\r\n"},
		{cmd("zlexcount", "l", "+", "-"), ":0\r\n"},
		{cmd("zlexcount", "l", "-", "-"), ":0\r\n"},
		{cmd("zlexcount", "l", "+", "+"), ":0\r\n"},
		{cmd("zlexcount", "l", "[d", "[b"), ":0\r\n"},
		{cmd("zlexcount", "l", "[", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "(", "+"), ":5\r\n"},
		{cmd("zlexcount", "l", "-", "["), ":0\r\n"},
		{cmd("zlexcount", "l", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "-", "b"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "+x", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "l", "+\x00x", "(c"), ":0\r\n"},
		{cmd("zlexcount", "nokey", "-", "+"), ":0\r\n"},
		{cmd("zlexcount", "nokey", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zlexcount", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zlexcount", "s", "a", "+"), "-ERR min or max not valid string range item\r\n"},
	}},
	{"zrange family", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zrange", "z", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
		{cmd("zrange", "z", "1", "2"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "-2", "-1"), "*2\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "-100", "100"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "3", "1"), "*0\r\n"},
		{cmd("zrange", "z", "5", "10"), "*0\r\n"},
		{cmd("zrange", "z", "0", "-6"), "*0\r\n"},
		{cmd("zrange", "z", "-9223372036854775808", "9223372036854775807"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "rev"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrange", "z", "0", "1", "rev", "withscores"), "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "-2"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "-1", "limit", "0", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "z", "0", "1", "byscore", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "rev", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "bylex", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "0", "1", "foo"), "-ERR syntax error\r\n"},
		{cmd("zrange", "z", "[a", "[c", "bylex", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrange", "z", "(1", "5", "byscore"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "5", "(1", "byscore", "rev", "withscores"), "*4\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "-1", "2"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "-1"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "-5"), "*4\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "1", "0"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "5", "1"), "*0\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "4", "10"), "*1\r\n$1\r\ne\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "limit", "2", "2", "withscores"), "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zrange", "z", "5", "1", "byscore", "rev", "limit", "1", "2", "withscores"), "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zrange", "z", "1", "5", "byscore", "rev"), "*0\r\n"},
		{cmd("zrange", "z", "x", "y", "byscore"), "-ERR min or max is not a float\r\n"},
		{cmd("zrange", "z", "a", "b", "bylex"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zrange", "z", "[e", "[a", "bylex", "rev", "limit", "1", "2"), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "-", "+", "bylex", "limit", "1", "2"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrange", "z", "+", "-", "bylex", "rev"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrange", "z", "-", "+", "BYLEX", "limit", "0", "-1"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrange", "nokey", "0", "-1"), "*0\r\n"},
		{cmd("zrange", "nokey", "a", "b"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "nokey", "x", "y", "byscore"), "-ERR min or max is not a float\r\n"},
		{cmd("zrange", "nokey", "0", "1", "byscore", "limit", "0"), "-ERR syntax error\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrange", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrange", "s", "x", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrange", "s", "0", "1", "byscore", "withscores"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "withscores"), "*5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
		{cmd("zrangebyscore", "z", "(1", "(5", "withscores", "limit", "1", "1"), "*1\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "limit", "1", "2", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "-inf", "+inf", "limit", "1"), "-ERR syntax error\r\n"},
		{cmd("zrangebyscore", "z", "5", "1"), "*0\r\n"},
		{cmd("zrangebyscore", "z", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrevrangebyscore", "z", "4", "(2", "withscores"), "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf", "limit", "1", "2"), "*2\r\n$1\r\nd\r\n$1\r\nc\r\n"},
		{cmd("zrevrangebyscore", "z", "1", "5"), "*0\r\n"},
		{cmd("zrevrangebyscore", "z", "+inf", "-inf", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1"), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n"},
		{cmd("zrevrange", "z", "0", "1", "withscores"), "*2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zrevrange", "z", "-1", "-1"), "*1\r\n$1\r\na\r\n"},
		{cmd("zrevrange", "z", "0", "1", "byscore"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrevrange", "z", "0", "1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrangebylex", "z", "-", "+"), "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zrangebylex", "z", "+", "-"), "*0\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "limit", "2", "2"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{cmd("zrangebylex", "z", "[b", "(d"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "bylex"), "-ERR syntax error\r\n"},
		{cmd("zrangebylex", "z", "-", "+", "rev"), "-ERR syntax error\r\n"},
		{cmd("zrangebylex", "z", "b", "d"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-"), "*5\r\n$1\r\ne\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-", "limit", "2", "2"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{cmd("zrevrangebylex", "z", "(d", "[b"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{cmd("zrevrangebylex", "z", "-", "+"), "*0\r\n"},
		{cmd("zrevrangebylex", "z", "+", "-", "withscores"), "-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"},
		{cmd("zrangebyscore", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangebylex", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrange", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrangebyscore", "s", "1", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrangebylex", "s", "+", "-"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zrangestore", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1"), ":5\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*5\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "1", "rev"), ":2\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nd\r\n,4\r\n*2\r\n$1\r\ne\r\n,5\r\n"},
		{cmd("zrangestore", "dst", "z", "(1", "4", "byscore", "limit", "1", "2"), ":2\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zrangestore", "dst", "z", "[b", "[d", "bylex"), ":3\r\n"},
		{cmd("zrange", "dst", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "-1", "limit", "0", "1"), "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"},
		{cmd("zrangestore", "dst", "z", "5", "10"), ":0\r\n"},
		{cmd("zcard", "dst"), ":0\r\n"},
		{cmd("zrangestore", "dst", "z", "0", "0"), ":1\r\n"},
		{cmd("zrangestore", "dst", "nokey", "0", "-1"), ":0\r\n"},
		{cmd("zcard", "dst"), ":0\r\n"},
		{cmd("zrangestore", "dst", "z", "x", "y"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrangestore", "dst", "s", "0", "-1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrangestore", "s", "z", "0", "0"), ":1\r\n"},
		{cmd("zrange", "s", "0", "-1", "withscores"), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zrangestore", "z", "z", "1", "1"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
	}},
	{"zrank zrevrank", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrank", "z", "a"), ":0\r\n"},
		{cmd("zrank", "z", "c"), ":2\r\n"},
		{cmd("zrevrank", "z", "a"), ":2\r\n"},
		{cmd("zrevrank", "z", "c"), ":0\r\n"},
		{cmd("zrank", "z", "nope"), "_\r\n"},
		{cmd("zrevrank", "z", "nope"), "_\r\n"},
		{cmd("zrank", "nokey", "a"), "_\r\n"},
		{cmd("zrevrank", "nokey", "a"), "_\r\n"},
		{cmd("zrank", "z", "a", "withscore"), "-ERR wrong number of arguments for 'zrank' command\r\n"},
		{cmd("zrevrank", "z", "a", "withscore"), "-ERR wrong number of arguments for 'zrevrank' command\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrank", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrevrank", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zpopmin zpopmax zmpop", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"), ":5\r\n"},
		{cmd("zpopmin", "z"), "*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zpopmax", "z"), "*2\r\n$1\r\ne\r\n,5\r\n"},
		{cmd("zpopmin", "z", "2"), "*2\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zpopmax", "z", "0"), "*0\r\n"},
		{cmd("zpopmax", "z", "10"), "*1\r\n*2\r\n$1\r\nd\r\n,4\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zpopmin", "z"), "*0\r\n"},
		{cmd("zpopmin", "z", "1"), "*0\r\n"},
		{cmd("zpopmin", "nokey"), "*0\r\n"},
		{cmd("zpopmin", "nokey", "3"), "*0\r\n"},
		{cmd("zpopmin", "nokey", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "-1"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "x"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zpopmin", "z", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("zpopmax", "z", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zpopmin", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zpopmin", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zpopmin", "s", "x"), "-ERR value is out of range, must be positive\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zmpop", "1", "z", "min"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zmpop", "2", "nokey", "z", "max", "count", "5"), "*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n"},
		{cmd("zmpop", "1", "z", "min"), "_\r\n"},
		{cmd("zmpop", "1", "z"), "-ERR wrong number of arguments for 'zmpop' command\r\n"},
		{cmd("zmpop", "1", "z", "foo"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "0", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "-1", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "x", "z", "min"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("zmpop", "5", "z", "min"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "0"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "-1"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "x"), "-ERR count should be greater than 0\r\n"},
		{cmd("zmpop", "1", "z", "min", "count", "1", "count", "2"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "count"), "-ERR syntax error\r\n"},
		{cmd("zmpop", "1", "z", "min", "foo"), "-ERR syntax error\r\n"},
		{cmd("zadd", "z", "1", "a"), ":1\r\n"},
		{cmd("zmpop", "2", "s", "z", "min"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmpop", "2", "z", "s", "min", "count", "2"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zmpop", "2", "z", "s", "min"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zmpop", "1", "nokey", "min"), "_\r\n"},
	}},
	{"zremrangeby", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "6", "f", "7", "g"), ":7\r\n"},
		{cmd("zremrangebyrank", "z", "0", "0"), ":1\r\n"},
		{cmd("zremrangebyrank", "z", "-1", "-1"), ":1\r\n"},
		{cmd("zrange", "z", "0", "-1"), "*5\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"},
		{cmd("zremrangebyrank", "z", "10", "20"), ":0\r\n"},
		{cmd("zremrangebyrank", "z", "3", "1"), ":0\r\n"},
		{cmd("zremrangebyrank", "z", "a", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyrank", "z", "1", "a"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyscore", "z", "(2", "4"), ":2\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\ne\r\n,5\r\n*2\r\n$1\r\nf\r\n,6\r\n"},
		{cmd("zremrangebyscore", "z", "100", "200"), ":0\r\n"},
		{cmd("zremrangebyscore", "z", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebyscore", "z", "1", "nan"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebylex", "z", "a", "b"), "-ERR min or max not valid string range item\r\n"},
		{cmd("zremrangebylex", "z", "-", "+"), ":3\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
		{cmd("zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"), ":5\r\n"},
		{cmd("zremrangebylex", "l", "[b", "(d"), ":2\r\n"},
		{cmd("zrange", "l", "0", "-1"), "*3\r\n$1\r\na\r\n$1\r\nd\r\n$1\r\ne\r\n"},
		{cmd("zremrangebylex", "l", "(a", "+"), ":2\r\n"},
		{cmd("zremrangebylex", "l", "-", "+"), ":1\r\n"},
		{cmd("zcard", "l"), ":0\r\n"},
		{cmd("zremrangebyrank", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zremrangebyscore", "nokey", "0", "1"), ":0\r\n"},
		{cmd("zremrangebylex", "nokey", "-", "+"), ":0\r\n"},
		{cmd("zremrangebyrank", "nokey", "a", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zremrangebyscore", "nokey", "a", "1"), "-ERR min or max is not a float\r\n"},
		{cmd("zremrangebylex", "nokey", "a", "+"), "-ERR min or max not valid string range item\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zremrangebyrank", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zremrangebyscore", "s", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zremrangebylex", "s", "-", "+"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zremrangebyrank", "z", "-100", "100"), ":3\r\n"},
		{cmd("zcard", "z"), ":0\r\n"},
	}},
	{"zunionstore zinterstore", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zadd", "z2", "10", "b", "20", "c", "30", "d"), ":3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "2", "0.5"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,9\r\n*2\r\n$1\r\nd\r\n,15\r\n*2\r\n$1\r\nc\r\n,16\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "min"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "max"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,10\r\n*2\r\n$1\r\nc\r\n,20\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2", "aggregate", "max", "weights", "2", "1"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,10\r\n*2\r\n$1\r\nc\r\n,20\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z2", "weights", "1", "-1", "aggregate", "min"), ":2\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nc\r\n,-20\r\n*2\r\n$1\r\nb\r\n,-10\r\n"},
		{cmd("zunionstore", "d", "3", "z", "z2", "z"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,14\r\n*2\r\n$1\r\nc\r\n,26\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
		{cmd("zinterstore", "d", "2", "z", "z"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,2\r\n*2\r\n$1\r\nb\r\n,4\r\n*2\r\n$1\r\nc\r\n,6\r\n"},
		{cmd("zunionstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"},
		{cmd("zunionstore", "d", "-1", "z"), "-ERR at least 1 input key is needed for 'zunionstore' command\r\n"},
		{cmd("zunionstore", "d", "x", "z"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zunionstore", "d", "3", "z", "z2"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "s", "weights", "x"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "x"), "-ERR weight value is not a float\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "2", "3"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate", "foo"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "aggregate"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z2", "weights", "1", "2", "aggregate", "min", "aggregate", "sum"), ":4\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,22\r\n*2\r\n$1\r\nc\r\n,43\r\n*2\r\n$1\r\nd\r\n,60\r\n"},
		{cmd("zinterstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zinterstore' command\r\n"},
		{cmd("zinterstore", "d", "2", "z", "nokey"), ":0\r\n"},
		{cmd("zcard", "d"), ":0\r\n"},
		{cmd("zunionstore", "d", "1", "nokey"), ":0\r\n"},
		{cmd("zunionstore", "s", "1", "z"), ":3\r\n"},
		{cmd("zrange", "s", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "inf"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,inf\r\n*2\r\n$1\r\nb\r\n,inf\r\n*2\r\n$1\r\nc\r\n,inf\r\n"},
		{cmd("zunionstore", "d", "2", "z", "z", "weights", "inf", "-inf"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "0"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
		{cmd("zadd", "zi", "1", "a", "inf", "b", "-inf", "c"), ":3\r\n"},
		{cmd("zunionstore", "d", "1", "zi", "weights", "0"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,0\r\n*2\r\n$1\r\nc\r\n,0\r\n"},
		{cmd("zinterstore", "d", "2", "zi", "zi", "weights", "0", "1"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\nc\r\n,-inf\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,inf\r\n"},
		{cmd("zunionstore", "d", "1", "z", "weights", "-1"), ":3\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*3\r\n*2\r\n$1\r\nc\r\n,-3\r\n*2\r\n$1\r\nb\r\n,-2\r\n*2\r\n$1\r\na\r\n,-1\r\n"},
		{cmd("zunionstore", "d", "2", "s", "nokey", "weights", "x", "x"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunionstore", "d", "2", "z", "nokey", "weights", "x", "1"), "-ERR weight value is not a float\r\n"},
		{cmd("zunionstore", "z", "2", "z", "z2"), ":4\r\n"},
		{cmd("zrange", "z", "0", "-1", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
	}},
	{"zunion zinter zdiff zdiffstore zintercard", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zadd", "z2", "10", "b", "20", "c", "30", "d"), ":3\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zunion", "2", "z", "z2"), "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n"},
		{cmd("zunion", "2", "z", "z2", "withscores"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n*2\r\n$1\r\nd\r\n,30\r\n"},
		{cmd("zunion", "2", "z", "z2", "weights", "1", "2", "withscores", "aggregate", "max"), "*4\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,20\r\n*2\r\n$1\r\nc\r\n,40\r\n*2\r\n$1\r\nd\r\n,60\r\n"},
		{cmd("zunion", "0", "z"), "-ERR at least 1 input key is needed for 'zunion' command\r\n"},
		{cmd("zunion", "1", "z", "withscores", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zunion", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zunion", "1", "nokey"), "*0\r\n"},
		{cmd("zunion", "1", "nokey", "withscores"), "*0\r\n"},
		{cmd("zinter", "2", "z", "z2", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,12\r\n*2\r\n$1\r\nc\r\n,23\r\n"},
		{cmd("zinter", "2", "z", "z2", "aggregate", "min"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zinter", "2", "z", "nokey", "withscores"), "*0\r\n"},
		{cmd("zinter", "0", "z"), "-ERR at least 1 input key is needed for 'zinter' command\r\n"},
		{cmd("zdiff", "2", "z", "z2", "withscores"), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zdiff", "2", "z2", "z"), "*1\r\n$1\r\nd\r\n"},
		{cmd("zdiff", "1", "z", "withscores"), "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\nc\r\n,3\r\n"},
		{cmd("zdiff", "2", "z", "z"), "*0\r\n"},
		{cmd("zdiff", "2", "nokey", "z"), "*0\r\n"},
		{cmd("zdiff", "2", "z", "z2", "weights", "1", "1"), "-ERR syntax error\r\n"},
		{cmd("zdiff", "2", "z", "z2", "aggregate", "sum"), "-ERR syntax error\r\n"},
		{cmd("zdiff", "0", "z"), "-ERR at least 1 input key is needed for 'zdiff' command\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z2"), ":1\r\n"},
		{cmd("zrange", "d", "0", "-1", "withscores"), "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z"), ":0\r\n"},
		{cmd("zcard", "d"), ":0\r\n"},
		{cmd("zdiffstore", "d", "0", "z"), "-ERR at least 1 input key is needed for 'zdiffstore' command\r\n"},
		{cmd("zdiffstore", "d", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "1"), ":1\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "0"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "1", "limit", "0"), ":2\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "-1"), "-ERR LIMIT can't be negative\r\n"},
		{cmd("zintercard", "2", "z", "z2", "limit", "x"), "-ERR LIMIT can't be negative\r\n"},
		{cmd("zintercard", "0", "z"), "-ERR at least 1 input key is needed for 'zintercard' command\r\n"},
		{cmd("zintercard", "3", "z", "z2"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2", "weights", "1", "2"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "z2", "withscores"), "-ERR syntax error\r\n"},
		{cmd("zintercard", "2", "z", "nokey"), ":0\r\n"},
		{cmd("zintercard", "2", "z", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	}},
	{"zscan listpack", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c", "10", "ab", "-0", "neg"), ":5\r\n"},
		{cmd("zscan", "z", "0"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "123"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "count", "1"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "a*"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "*b*", "count", "1"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "*"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "0", "match", "x*"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "z", "0", "count", "0"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "count", "-1"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "count", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zscan", "z", "0", "match"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "foo"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "0", "type", "zset"), "-ERR syntax error\r\n"},
		{cmd("zscan", "z", "x"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "-1"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", ""), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", " 1"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "+5"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "18446744073709551615"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "18446744073709551616"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "z", "1\x00x"), "*2\r\n$1\r\n0\r\n*10\r\n$3\r\nneg\r\n$1\r\n0\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$2\r\n10\r\n"},
		{cmd("zscan", "z", "1x"), "-ERR invalid cursor\r\n"},
		{cmd("zscan", "nokey", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "nokey", "0", "count", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("zscan", "nokey", "x"), "-ERR invalid cursor\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zscan", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscan", "s", "0", "foo"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zscan", "s", "x"), "-ERR invalid cursor\r\n"},
	}},
	{"zrandmember shapes", 3, []step{
		{cmd("zadd", "z", "1", "a", "2", "b", "3", "c"), ":3\r\n"},
		{cmd("zrandmember", "nokey"), "_\r\n"},
		{cmd("zrandmember", "nokey", "5"), "*0\r\n"},
		{cmd("zrandmember", "nokey", "5", "withscores"), "*0\r\n"},
		{cmd("zrandmember", "nokey", "-5"), "*0\r\n"},
		{cmd("zrandmember", "z", "0"), "*0\r\n"},
		{cmd("zrandmember", "z", "0", "withscores"), "*0\r\n"},
		{cmd("zrandmember", "z", "3"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrandmember", "z", "10", "withscores"), "*3\r\n*2\r\n$1\r\nc\r\n,3\r\n*2\r\n$1\r\nb\r\n,2\r\n*2\r\n$1\r\na\r\n,1\r\n"},
		{cmd("zrandmember", "z", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("zrandmember", "z", "1", "withscore"), "-ERR syntax error\r\n"},
		{cmd("zrandmember", "z", "1", "withscores", "x"), "-ERR syntax error\r\n"},
		{cmd("zrandmember", "z", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{cmd("zrandmember", "z", "-9223372036854775807", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "4611686018427387904", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "-4611686018427387904", "withscores"), "-ERR value is out of range\r\n"},
		{cmd("zrandmember", "z", "9223372036854775807"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("zrandmember", "nokey", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n"},
		{cmd("zrandmember", "nokey", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("set", "s", "x"), "+OK\r\n"},
		{cmd("zrandmember", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrandmember", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("zrandmember", "s", "x"), "-ERR value is not an integer or out of range\r\n"},
	}},
	{"negative zero and encodings", 3, []step{
		{cmd("zadd", "z", "-0", "a"), ":1\r\n"},
		{cmd("zscore", "z", "a"), ",0\r\n"},
		{cmd("zadd", "z", "incr", "-0", "b"), ",-0\r\n"},
		{cmd("zscore", "z", "b"), ",0\r\n"},
		{cmd("zincrby", "z", "-0", "c"), ",-0\r\n"},
		{cmd("zscore", "z", "c"), ",0\r\n"},
		{cmd("zadd", "z", "5", "d"), ":1\r\n"},
		{cmd("zadd", "z", "-0", "d"), ":0\r\n"},
		{cmd("zscore", "z", "d"), ",0\r\n"},
		{cmd("zadd", "big", "1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "-0", "a"), ":2\r\n"},
		{cmd("zscore", "big", "a"), ",-0\r\n"},
		{cmd("zadd", "big", "incr", "-0", "b"), ",-0\r\n"},
		{cmd("zscore", "big", "b"), ",-0\r\n"},
		{cmd("zadd", "big", "5", "c"), ":1\r\n"},
		{cmd("zadd", "big", "-0", "c"), ":0\r\n"},
		{cmd("zscore", "big", "c"), ",-0\r\n"},
		{cmd("zscan", "big", "0", "match", "a"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$2\r\n-0\r\n"},
		{cmd("zrem", "big", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ":1\r\n"},
		{cmd("zadd", "big", "-0", "e"), ":1\r\n"},
		{cmd("zscore", "big", "e"), ",-0\r\n"},
		{cmd("zunionstore", "u", "1", "big", "weights", "1"), ":4\r\n"},
		{cmd("zscore", "u", "a"), ",0\r\n"},
		{cmd("zadd", "big2", "-0", "a", "1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ":2\r\n"},
		{cmd("zscore", "big2", "a"), ",0\r\n"},
		{cmd("zadd", "lp", "1", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"), ":1\r\n"},
		{cmd("zadd", "lp", "-0", "a"), ":1\r\n"},
		{cmd("zscore", "lp", "a"), ",0\r\n"},
		{cmd("zadd", "nz", "-0", "a", "1", "b"), ":2\r\n"},
		{cmd("zunionstore", "u", "1", "nz", "weights", "-1"), ":2\r\n"},
		{cmd("zrange", "u", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,-1\r\n*2\r\n$1\r\na\r\n,0\r\n"},
		{cmd("zunion", "1", "nz", "weights", "-1", "withscores"), "*2\r\n*2\r\n$1\r\nb\r\n,-1\r\n*2\r\n$1\r\na\r\n,-0\r\n"},
		{cmd("zrangestore", "u", "nz", "0", "-1"), ":2\r\n"},
		{cmd("zrange", "u", "0", "-1", "withscores"), "*2\r\n*2\r\n$1\r\na\r\n,0\r\n*2\r\n$1\r\nb\r\n,1\r\n"},
	}},
}
