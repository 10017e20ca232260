package kv

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// recSink records waiter replies in delivery order.
type recSink struct{ got []string }

func (s *recSink) Unblocked(node string, inc, id uint64, reply []byte) {
	s.got = append(s.got, fmt.Sprintf("%s/%d/%d %s", node, inc, id, reply))
}

func (s *recSink) take() []string { g := s.got; s.got = nil; return g }

func newBlockTM(t *testing.T) (*tm, *recSink) {
	x := newTM(t)
	s := &recSink{}
	x.m.SetBlockSink(s)
	return x, s
}

// block registers waiter id of node n1 (incarnation 1) for the command.
func (x *tm) block(id int, args ...string) string {
	x.t.Helper()
	return x.do(append([]string{"redraft.block", "n1", "1", fmt.Sprint(id)}, args...)...)
}

func eqStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestBlockingImmediateAndErrors(t *testing.T) {
	x, _ := newBlockTM(t)
	x.run([]step{
		{cmd("RPUSH", "l", "a", "b"), ":2\r\n"},
		{cmd("BLPOP", "none", "l", "0"), "*2\r\n$1\r\nl\r\n$1\r\na\r\n"},
		{cmd("BRPOP", "l", "0"), "*2\r\n$1\r\nl\r\n$1\r\nb\r\n"},
		{cmd("BLPOP", "l", "0"), "*-1\r\n"}, // no wrapper: answers as timed out
		{cmd("BLPOP", "l", "-1"), "-ERR timeout is negative\r\n"},
		{cmd("BLPOP", "l", "abc"), "-ERR timeout is not a float or out of range\r\n"},
		{cmd("SET", "s", "x"), "+OK\r\n"},
		{cmd("BLPOP", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("BRPOPLPUSH", "none", "d", "0"), "$-1\r\n"},
		{cmd("BLMOVE", "none", "d", "LEFT", "UP", "0"), "-ERR syntax error\r\n"},
		{cmd("ZADD", "z", "1", "a", "2", "b"), ":2\r\n"},
		{cmd("BZPOPMAX", "z", "0"), "*3\r\n$1\r\nz\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{cmd("BZMPOP", "0", "1", "z", "MIN", "COUNT", "5"), "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("BZMPOP", "0", "0", "z", "MIN"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("RPUSH", "l", "1", "2", "3"), ":3\r\n"},
		{cmd("LMPOP", "2", "x", "l", "RIGHT", "COUNT", "2"), "*2\r\n$1\r\nl\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"},
		{cmd("BLMPOP", "0", "1", "l", "LEFT", "COUNT", "0"), "-ERR count should be greater than 0\r\n"},
		{cmd("LMPOP", "1", "x", "LEFT"), "*-1\r\n"},
		{cmd("redraft.block", "n1", "x", "1", "BLPOP", "k", "0"), "-ERR syntax error\r\n"},
		{cmd("redraft.block", "n1", "1", "1", "GET", "k"), "-ERR redraft.block runs a blocking command\r\n"},
	})
}

// Three waiters on one key are served in FIFO order; one LPUSH of three
// elements serves all three in the same command.
func TestBlockingFIFOAndMultiElementPush(t *testing.T) {
	x, s := newBlockTM(t)
	for i := 1; i <= 3; i++ {
		if got := x.block(i, "BLPOP", "q", "0"); got != BlockedReply {
			t.Fatalf("waiter %d: %q", i, got)
		}
	}
	if x.m.Waiters() != 3 {
		t.Fatalf("waiters %d", x.m.Waiters())
	}
	if got := x.do("RPUSH", "q", "a", "b", "c"); got != ":3\r\n" {
		t.Fatalf("rpush %q", got)
	}
	want := []string{
		"n1/1/1 *2\r\n$1\r\nq\r\n$1\r\na\r\n",
		"n1/1/2 *2\r\n$1\r\nq\r\n$1\r\nb\r\n",
		"n1/1/3 *2\r\n$1\r\nq\r\n$1\r\nc\r\n",
	}
	if got := s.take(); !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	if x.m.Waiters() != 0 || x.do("EXISTS", "q") != ":0\r\n" {
		t.Fatalf("left %d waiters, exists %q", x.m.Waiters(), x.do("EXISTS", "q"))
	}
}

func TestBlockingServeKinds(t *testing.T) {
	tests := []struct {
		name  string
		block []string
		push  [][]string
		want  []string
		after [][2]string // command (space-separated) and reply
	}{
		{"blmove chains to a waiter on the destination",
			[]string{"BLMOVE", "src", "dst", "RIGHT", "LEFT", "0"},
			[][]string{{"LPUSH", "src", "x"}},
			[]string{"n1/1/1 $1\r\nx\r\n"},
			[][2]string{{"LRANGE dst 0 -1", "*1\r\n$1\r\nx\r\n"}, {"EXISTS src", ":0\r\n"}}},
		{"brpoplpush to a wrong-type destination answers WRONGTYPE, pops nothing",
			[]string{"BRPOPLPUSH", "src", "str", "0"},
			[][]string{{"SET", "str", "v"}, {"LPUSH", "src", "x"}},
			[]string{"n1/1/1 -WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
			[][2]string{{"LLEN src", ":1\r\n"}}},
		{"bzpopmin on the second key",
			[]string{"BZPOPMIN", "z1", "z2", "5"},
			[][]string{{"ZADD", "z2", "3", "m", "1", "n"}},
			[]string{"n1/1/1 *3\r\n$2\r\nz2\r\n$1\r\nn\r\n$1\r\n1\r\n"},
			[][2]string{{"ZCARD z2", ":1\r\n"}}},
		{"blmpop count",
			[]string{"BLMPOP", "0", "2", "a", "b", "RIGHT", "COUNT", "2"},
			[][]string{{"RPUSH", "b", "1", "2", "3"}},
			[]string{"n1/1/1 *2\r\n$1\r\nb\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n"},
			nil},
		{"a list waiter ignores a sorted set",
			[]string{"BLPOP", "k", "0"},
			[][]string{{"ZADD", "k", "1", "a"}},
			nil,
			[][2]string{{"ZCARD k", ":1\r\n"}}},
		{"rename onto a waited key serves",
			[]string{"BLPOP", "k", "0"},
			[][]string{{"RPUSH", "tmp", "v"}, {"RENAME", "tmp", "k"}},
			[]string{"n1/1/1 *2\r\n$1\r\nk\r\n$1\r\nv\r\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, s := newBlockTM(t)
			if got := x.block(1, tc.block...); got != BlockedReply {
				t.Fatalf("block: %q", got)
			}
			for _, p := range tc.push {
				x.do(p...)
			}
			if got := s.take(); !eqStrings(got, tc.want) {
				t.Fatalf("got %q want %q", got, tc.want)
			}
			for _, a := range tc.after {
				if got := x.do(strings.Fields(a[0])...); got != a[1] {
					t.Errorf("%s: %q want %q", a[0], got, a[1])
				}
			}
		})
	}
}

// A transaction's pushes serve waiters after EXEC, not in the middle; a
// blocking command inside it never blocks.
func TestBlockingInTransaction(t *testing.T) {
	x, s := newBlockTM(t)
	x.block(1, "BRPOP", "k", "0")
	w := NewWriter(nil, 2)
	tx := &Tx{Cmds: [][][]byte{
		{[]byte("RPUSH"), []byte("k"), []byte("a"), []byte("b")},
		{[]byte("LLEN"), []byte("k")},
		{[]byte("BLPOP"), []byte("empty"), []byte("0")},
	}}
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("EXEC")}, NowMs: x.now, Proto: 2, Tx: tx}, w)
	if got, want := string(w.Bytes()), "*3\r\n:2\r\n:2\r\n*-1\r\n"; got != want {
		t.Fatalf("exec %q want %q", got, want)
	}
	if got, want := s.take(), []string{"n1/1/1 *2\r\n$1\r\nk\r\n$1\r\nb\r\n"}; !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestBlockingTimeoutUnblockAndNodeCleanup(t *testing.T) {
	x, s := newBlockTM(t)
	x.proto = 3
	x.block(1, "BLPOP", "a", "1.5") // due at now+1500
	x.block(2, "BLMOVE", "b", "c", "LEFT", "LEFT", "0.0001")
	x.proto = 2
	x.block(3, "BZPOPMIN", "z", "0")
	x.block(4, "BRPOPLPUSH", "d", "e", "0")
	if got := x.m.NextBlockDeadline(); got != x.now+1 {
		t.Fatalf("next deadline %d, want %d", got, x.now+1)
	}
	x.now += 1
	if got := x.do("redraft.unblock-expired"); got != ":1\r\n" {
		t.Fatalf("expired %q", got)
	}
	if got, want := s.take(), []string{"n1/1/2 _\r\n"}; !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	x.now += 1499
	x.do("redraft.unblock-expired")
	if got, want := s.take(), []string{"n1/1/1 _\r\n"}; !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	x.run([]step{
		{cmd("redraft.unblock", "n1", "1", "3", "ERROR"), ":1\r\n"},
		{cmd("redraft.unblock", "n1", "1", "3", "ERROR"), ":0\r\n"},
		{cmd("redraft.unblock", "n1", "1", "4", "TIMEOUT"), ":1\r\n"},
	})
	// A timed-out BLMOVE/BRPOPLPUSH answers a null array, as in Redis.
	if got, want := s.take(), []string{"n1/1/3 -UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", "n1/1/4 *-1\r\n"}; !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	x.block(5, "BLPOP", "d", "0")
	x.run([]step{{cmd("redraft.unblock-node", "n1", "2"), ":1\r\n"}})
	if x.m.Waiters() != 0 || len(s.take()) != 0 {
		t.Fatalf("%d waiters left", x.m.Waiters())
	}
}

// Snapshots carry the waiters: a restored machine serves them in the same
// order, and machines with the same history write the same bytes.
func TestBlockingSnapshot(t *testing.T) {
	build := func() *tm {
		x, _ := newBlockTM(t)
		x.block(7, "BLPOP", "q", "r", "10")
		x.block(8, "BZPOPMAX", "z", "0")
		x.block(9, "BRPOP", "q", "0")
		x.db = 3
		x.block(10, "BLMPOP", "0", "1", "q", "LEFT")
		return x
	}
	var s1, s2 bytes.Buffer
	a, b := build(), build()
	if err := a.m.Snapshot(&s1); err != nil {
		t.Fatal(err)
	}
	if err := b.m.Snapshot(&s2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1.Bytes(), s2.Bytes()) {
		t.Fatal("snapshots differ")
	}
	r := NewMachine()
	if err := r.Restore(bytes.NewReader(s1.Bytes())); err != nil {
		t.Fatal(err)
	}
	if r.Waiters() != 4 {
		t.Fatalf("restored %d waiters", r.Waiters())
	}
	var s3 bytes.Buffer
	if err := r.Snapshot(&s3); err != nil || !bytes.Equal(s1.Bytes(), s3.Bytes()) {
		t.Fatalf("re-snapshot differs (%v)", err)
	}
	sink := &recSink{}
	r.SetBlockSink(sink)
	x := &tm{t: t, m: r, now: a.now, proto: 2}
	x.do("RPUSH", "q", "1", "2", "3")
	want := []string{"n1/1/7 *2\r\n$1\r\nq\r\n$1\r\n1\r\n", "n1/1/9 *2\r\n$1\r\nq\r\n$1\r\n3\r\n"}
	if got := sink.take(); !eqStrings(got, want) {
		t.Fatalf("got %q want %q", got, want)
	}
	x.db = 3
	x.do("RPUSH", "q", "x")
	if got := sink.take(); len(got) != 1 || !strings.HasPrefix(got[0], "n1/1/10 ") {
		t.Fatalf("db 3: %q", got)
	}
	// A corrupt waiters section is refused.
	bad := append([]byte(nil), s1.Bytes()...)
	i := bytes.IndexByte(bad, snapshotKindWaiters)
	bad[i+6] ^= 0xff
	if err := NewMachine().Restore(bytes.NewReader(bad)); err == nil {
		t.Fatal("corrupt snapshot restored")
	}
}

// A machine whose waiters all left and one restored from its snapshot (which
// has no waiters section) are in the same state: the next waiter gets the
// same sequence number on both, so their snapshots stay byte-identical. The
// cluster simulation found them differing after a follower installed such a
// snapshot and a waiter registered everywhere.
func TestBlockingSequenceAfterEmptySnapshot(t *testing.T) {
	a, _ := newBlockTM(t)
	a.block(1, "BLPOP", "q", "0")
	a.block(2, "BLPOP", "q", "0")
	a.do("RPUSH", "q", "x", "y")
	if a.m.Waiters() != 0 {
		t.Fatalf("%d waiters left", a.m.Waiters())
	}
	var s0 bytes.Buffer
	if err := a.m.Snapshot(&s0); err != nil {
		t.Fatal(err)
	}
	r := NewMachine()
	if err := r.Restore(bytes.NewReader(s0.Bytes())); err != nil {
		t.Fatal(err)
	}
	r.SetBlockSink(&recSink{})
	b := &tm{t: t, m: r, now: a.now, proto: 2}
	a.block(3, "BLPOP", "q", "0")
	b.block(3, "BLPOP", "q", "0")
	var s1, s2 bytes.Buffer
	if err := a.m.Snapshot(&s1); err != nil {
		t.Fatal(err)
	}
	if err := r.Snapshot(&s2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1.Bytes(), s2.Bytes()) {
		t.Fatal("the machine and its restored copy write different snapshots after the same command")
	}
}

// FuzzReadWaiters feeds arbitrary bytes to the snapshot's waiters-section
// decoder: it errors or returns waiters, each with parsable keys, and
// never panics; a decoded section re-encodes to a section that decodes.
func FuzzReadWaiters(f *testing.F) {
	m := NewMachine()
	for i, c := range [][]string{{"BLPOP", "a", "b", "1"}, {"BZMPOP", "0", "2", "z", "a", "MAX", "COUNT", "3"},
		{"BLMOVE", "s", "d", "LEFT", "RIGHT", "0"}} {
		args := [][]byte{[]byte("redraft.block"), []byte("n1"), []byte("1"), []byte(fmt.Sprint(i))}
		for _, a := range c {
			args = append(args, []byte(a))
		}
		m.Exec(&Cmd{Args: args, NowMs: 1000, Proto: 2}, NewWriter(nil, 2))
	}
	if m.Waiters() != 3 {
		f.Fatalf("seed machine has %d waiters", m.Waiters())
	}
	f.Add(m.appendWaiters(nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := decoder{b: data}
		b, err := readWaiters(&d)
		if err != nil {
			return
		}
		m := NewMachine()
		m.blk = b
		d2 := decoder{b: m.appendWaiters(nil)}
		if _, err := readWaiters(&d2); err != nil || len(d2.b) != 0 {
			t.Fatalf("re-encoded section does not decode: %v", err)
		}
	})
}
