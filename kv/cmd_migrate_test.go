package kv

import (
	"strconv"
	"strings"
	"testing"
)

func TestMigrateDumpAndDel(t *testing.T) {
	x := newTM(t)
	x.do("SET", "a", "1")
	x.do("SET", "b", "2")
	x.do("PEXPIRE", "b", "5000")
	dumpA := x.do("DUMP", "a")
	dumpB := x.do("DUMP", "b")
	va := x.m.KeyVersion(0, []byte("a"), x.now)
	vb := x.m.KeyVersion(0, []byte("b"), x.now)
	x.now += 1000
	got := x.do("redraft.migrate-dump", "a", "nosuch", "b")
	want := "*3\r\n*3\r\n:" + strconv.FormatUint(va, 10) + "\r\n:0\r\n" + dumpA + "*-1\r\n*3\r\n:" +
		strconv.FormatUint(vb, 10) + "\r\n:4000\r\n" + dumpB
	if got != want {
		t.Fatalf("migrate-dump: got %q, want %q", got, want)
	}
	// b changes after the dump: migrate-del leaves it.
	x.do("SET", "b", "3")
	x.run([]step{
		{cmd("redraft.migrate-del", "a", strconv.FormatUint(va, 10), "b", strconv.FormatUint(vb, 10)), ":1\r\n"},
		{cmd("EXISTS", "a", "b"), ":1\r\n"},
		{cmd("GET", "b"), "$1\r\n3\r\n"},
		{cmd("redraft.migrate-del", "b"), "-ERR wrong number of arguments for 'redraft.migrate-del' command\r\n"},
		{cmd("redraft.migrate-del", "b", "x"), "-ERR value is not an integer or out of range\r\n"},
	})
}

// RESTORE keeps its own copy of a string value, not the argument's bytes
// (which the edge reuses for the next command).
func TestRestoreCopiesStringPayload(t *testing.T) {
	x := newTM(t)
	x.do("SET", "s", "hello")
	d := x.do("DUMP", "s")
	payload := []byte(strings.TrimSuffix(d[strings.Index(d, "\r\n")+2:], "\r\n"))
	w := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("RESTORE"), []byte("t"), []byte("0"), payload}, NowMs: x.now}, w)
	if string(w.Bytes()) != "+OK\r\n" {
		t.Fatalf("RESTORE: %q", w.Bytes())
	}
	for i := range payload {
		payload[i] = 0
	}
	x.run([]step{{cmd("GET", "t"), "$5\r\nhello\r\n"}})
}
