package kv

import "testing"

// XREAD BLOCK and XREADGROUP BLOCK through the wait queues: what a waiter
// gets, when, and that waiters survive a snapshot.
func TestStreamBlocking(t *testing.T) {
	x, sink := newBlockTM(t)
	type ev struct {
		block  int // waiter id when > 0
		args   []string
		want   string   // the command's reply
		served []string // deliveries after it
	}
	entry := func(key, id, f, v string) string {
		return "*1\r\n*2\r\n$" + itoa(len(key)) + "\r\n" + key + "\r\n*1\r\n*2\r\n$" + itoa(len(id)) + "\r\n" + id + "\r\n*2\r\n$1\r\n" + f + "\r\n$1\r\n" + v + "\r\n"
	}
	steps := []ev{
		{0, cmd("XADD", "s", "1-1", "a", "1"), "$3\r\n1-1\r\n", nil},
		// $ is the last ID when it blocks: only later entries serve it.
		{1, cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), BlockedReply, nil},
		{2, cmd("XREAD", "COUNT", "1", "BLOCK", "0", "STREAMS", "other", "s", "0", "1-1"), BlockedReply, nil},
		{0, cmd("XADD", "other", "5-0", "o", "1"), "$3\r\n5-0\r\n", []string{"n1/1/2 " + entry("other", "5-0", "o", "1")}},
		{0, cmd("XADD", "s", "2-0", "b", "2"), "$3\r\n2-0\r\n", []string{"n1/1/1 " + entry("s", "2-0", "b", "2")}},
		// A group reader waits for entries past the group's last ID.
		{0, cmd("XGROUP", "CREATE", "s", "g", "$"), "+OK\r\n", nil},
		{3, cmd("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">"), BlockedReply, nil},
		{4, cmd("XREADGROUP", "GROUP", "g", "bob", "BLOCK", "0", "STREAMS", "s", ">"), BlockedReply, nil},
		// alice (first) takes the entry; bob keeps waiting.
		{0, cmd("XADD", "s", "3-0", "c", "3"), "$3\r\n3-0\r\n", []string{"n1/1/3 " + entry("s", "3-0", "c", "3")}},
		{0, cmd("XPENDING", "s", "g"), "*4\r\n:1\r\n$3\r\n3-0\r\n$3\r\n3-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n", nil},
		{0, cmd("XGROUP", "DESTROY", "s", "g"), ":1\r\n", []string{"n1/1/4 -" + errXReadGroupGone + "\r\n"}},
		{0, cmd("XGROUP", "CREATE", "s", "g", "$"), "+OK\r\n", nil},
		{5, cmd("XREADGROUP", "GROUP", "g", "carol", "BLOCK", "0", "STREAMS", "s", ">"), BlockedReply, nil},
		{6, cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "$"), BlockedReply, nil},
		// Deleting the stream fails the group reader; the plain reader waits on.
		{0, cmd("DEL", "s"), ":1\r\n", []string{"n1/1/5 -" + errXReadKeyGone + "\r\n"}},
		{0, cmd("XADD", "s", "1-0", "d", "4"), "$3\r\n1-0\r\n", nil}, // not past 3-0, the $ it resolved to
		{0, cmd("XADD", "s", "4-0", "d", "4"), "$3\r\n4-0\r\n", []string{"n1/1/6 " + entry("s", "4-0", "d", "4")}},
		// A timeout: the waiter is answered with a null array when due.
		{7, cmd("XREAD", "BLOCK", "100", "STREAMS", "s", "$"), BlockedReply, nil},
		{0, cmd("redraft.unblock-expired"), ":0\r\n", nil},
	}
	for _, s := range steps {
		var got string
		if s.block > 0 {
			got = x.block(s.block, s.args...)
		} else {
			got = x.do(s.args...)
		}
		if got != s.want {
			t.Fatalf("%q: got %q, want %q", s.args, got, s.want)
		}
		if d := sink.take(); !eqStrings(d, s.served) {
			t.Fatalf("%q: delivered %q, want %q", s.args, d, s.served)
		}
	}
	// The waiter survives a snapshot and times out alike.
	y := newTM(t)
	y.m = restored(t, snap(t, x.m))
	ysink := &recSink{}
	y.m.SetBlockSink(ysink)
	for _, m := range []*tm{x, y} {
		m.now += 100
		if got := m.do("redraft.unblock-expired"); got != ":1\r\n" {
			t.Errorf("unblock-expired: %q", got)
		}
	}
	if a, b := sink.take(), ysink.take(); !eqStrings(a, []string{"n1/1/7 *-1\r\n"}) || !eqStrings(a, b) {
		t.Errorf("timeouts: %q and %q", a, b)
	}
	// Without a waiter (MULTI, scripts, a bare command) BLOCK answers as a timeout.
	if got := x.do("XREAD", "BLOCK", "0", "STREAMS", "none", "0"); got != "*-1\r\n" {
		t.Errorf("bare XREAD BLOCK: %q", got)
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func TestXReadHasBlock(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{cmd("XREAD", "STREAMS", "s", "0"), false},
		{cmd("XREAD", "BLOCK", "0", "STREAMS", "s", "0"), true},
		{cmd("XREAD", "COUNT", "BLOCK", "STREAMS", "s", "0"), false},
		{cmd("XREAD", "STREAMS", "BLOCK", "0"), false},
		{cmd("XREADGROUP", "GROUP", "BLOCK", "c", "STREAMS", "s", ">"), false},
		{cmd("XREADGROUP", "GROUP", "g", "c", "NOACK", "BLOCK", "10", "STREAMS", "s", ">"), true},
	} {
		a := make([][]byte, len(c.args))
		for i, s := range c.args {
			a[i] = []byte(s)
		}
		if got := xreadHasBlock(a); got != c.want {
			t.Errorf("%q: %v", c.args, got)
		}
	}
}
