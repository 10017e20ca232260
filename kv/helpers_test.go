package kv

import "testing"

// tm is the test harness every family's tests use: a machine, a clock the
// test moves, and do() returning the exact RESP bytes of the reply.
type tm struct {
	t     *testing.T
	m     *Machine
	now   int64  // Unix ms handed to every command
	seed  uint64 // incremented per command
	proto uint8
	db    int // the database commands run in (Cmd.DB)
}

func newTM(t *testing.T) *tm {
	return &tm{t: t, m: NewMachine(), now: 1_700_000_000_000, proto: 2}
}

// do runs one command and returns its reply bytes.
func (x *tm) do(args ...string) string {
	x.t.Helper()
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	x.seed++
	w := NewWriter(nil, int(x.proto))
	x.m.Exec(&Cmd{Args: a, NowMs: x.now, Seed: x.seed, Proto: x.proto, DB: x.db}, w)
	return string(w.Bytes())
}

// case is one row of a table test: a command and its exact reply.
type step struct {
	args []string
	want string
}

// run executes steps in order on x and reports every mismatch.
func (x *tm) run(steps []step) {
	x.t.Helper()
	for _, s := range steps {
		if got := x.do(s.args...); got != s.want {
			x.t.Errorf("%q: got %q, want %q", s.args, got, s.want)
		}
	}
}

func cmd(args ...string) []string { return args }
