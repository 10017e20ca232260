package kv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Reply builders for the list tests (RESP2 unless said otherwise).

func listBulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

func listArr(ss ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(ss)) + "\r\n")
	for _, s := range ss {
		b.WriteString(listBulk(s))
	}
	return b.String()
}

func listInts(ns ...int) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(ns)) + "\r\n")
	for _, n := range ns {
		b.WriteString(":" + strconv.Itoa(n) + "\r\n")
	}
	return b.String()
}

func listErr(msg string) string { return "-" + msg + "\r\n" }

const (
	listOK      = "+OK\r\n"
	listNull    = "$-1\r\n"
	listNullArr = "*-1\r\n"
	listNull3   = "_\r\n"
	listEmpty   = "*0\r\n"
	listWrong   = "-" + ErrWrongType + "\r\n"
	listNotInt  = "-" + ErrNotInteger + "\r\n"
	listSyntax  = "-" + ErrSyntax + "\r\n"
)

func TestCmdListSpecs(t *testing.T) {
	for _, tc := range []struct {
		name           string
		arity          int
		flags          Flags
		first, last    int
		since, summary string
	}{
		{"lpush", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, "1.0.0", "Prepend one or multiple elements to a list"},
		{"rpush", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, "1.0.0", "Append one or multiple elements to a list"},
		{"lpushx", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, "2.2.0", "Prepend an element to a list, only if the list exists"},
		{"rpushx", -3, FlagWrite | FlagDenyOOM | FlagFast, 1, 1, "2.2.0", "Append an element to a list, only if the list exists"},
		{"lpop", -2, FlagWrite | FlagFast, 1, 1, "1.0.0", "Remove and get the first elements in a list"},
		{"rpop", -2, FlagWrite | FlagFast, 1, 1, "1.0.0", "Remove and get the last elements in a list"},
		{"llen", 2, FlagReadOnly | FlagFast, 1, 1, "1.0.0", "Get the length of a list"},
		{"lrange", 4, FlagReadOnly, 1, 1, "1.0.0", "Get a range of elements from a list"},
		{"lindex", 3, FlagReadOnly, 1, 1, "1.0.0", "Get an element from a list by its index"},
		{"lset", 4, FlagWrite | FlagDenyOOM, 1, 1, "1.0.0", "Set the value of an element in a list by its index"},
		{"linsert", 5, FlagWrite | FlagDenyOOM, 1, 1, "2.2.0", "Insert an element before or after another element in a list"},
		{"lrem", 4, FlagWrite, 1, 1, "1.0.0", "Remove elements from a list"},
		{"ltrim", 4, FlagWrite, 1, 1, "1.0.0", "Trim a list to the specified range"},
		{"lpos", -3, FlagReadOnly, 1, 1, "6.0.6", "Return the index of matching elements on a list"},
		{"lmove", 5, FlagWrite | FlagDenyOOM, 1, 2, "6.2.0", "Pop an element from a list, push it to another list and return it"},
		{"rpoplpush", 3, FlagWrite | FlagDenyOOM, 1, 2, "1.2.0", "Remove the last element in a list, prepend it to another list and return it"},
	} {
		s := Lookup([]byte(strings.ToUpper(tc.name)))
		if s == nil {
			t.Errorf("%s: not registered", tc.name)
			continue
		}
		got := fmt.Sprint(s.Name, s.Arity, s.Flags.Names(), s.FirstKey, s.LastKey, s.Step, s.Group, s.Since, s.Summary)
		want := fmt.Sprint(tc.name, tc.arity, tc.flags.Names(), tc.first, tc.last, 1, "list", tc.since, tc.summary)
		if got != want {
			t.Errorf("%s spec: got %s, want %s", tc.name, got, want)
		}
	}
	if got, want := len(listCommands()), 16; got != want {
		t.Errorf("list commands: got %d, want %d", got, want)
	}
}

func TestCmdListPush(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LPUSHX", "l", "a"), ":0\r\n"},
		{cmd("RPUSHX", "l", "a", "b"), ":0\r\n"},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LPUSH", "l", "a", "b", "c"), ":3\r\n"},
		{cmd("RPUSH", "l", "d", "e"), ":5\r\n"},
		{cmd("lpushx", "l", "x", "y"), ":7\r\n"},
		{cmd("rpushx", "l", "z"), ":8\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("y", "x", "c", "b", "a", "d", "e", "z")},
		{cmd("LPUSH", "l", ""), ":9\r\n"},
		{cmd("LINDEX", "l", "0"), listBulk("")},
		{cmd("LPUSH", "l"), listErr(ErrArity("lpush"))},
		{cmd("RPUSH", "l"), listErr(ErrArity("rpush"))},
		{cmd("LPUSHX", "l"), listErr(ErrArity("lpushx"))},
		{cmd("RPUSHX"), listErr(ErrArity("rpushx"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LPUSH", "s", "a"), listWrong},
		{cmd("RPUSH", "s", "a"), listWrong},
		{cmd("LPUSHX", "s", "a"), listWrong},
		{cmd("RPUSHX", "s", "a"), listWrong},
		{cmd("GET", "s"), listBulk("v")},
	})
}

func TestCmdListPop(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LPOP", "l"), listNull},
		{cmd("RPOP", "l"), listNull},
		{cmd("LPOP", "l", "1"), listNullArr},
		{cmd("RPOP", "l", "0"), listNullArr},
		{cmd("LPOP", "l", "-1"), listErr(ErrPositive)},
		{cmd("LPOP", "l", "x"), listErr(ErrPositive)}, // one message for both errors
		{cmd("RPOP", "l", "1.5"), listErr(ErrPositive)},
		{cmd("LPOP", "l", "-0"), listErr(ErrPositive)},
		{cmd("LPOP", "l", "1", "2"), listErr(ErrArity("lpop"))},
		{cmd("RPOP", "l", "1", "2"), listErr(ErrArity("rpop"))},
		{cmd("LPOP"), listErr(ErrArity("lpop"))},
		{cmd("RPUSH", "l", "a", "b", "c", "d", "e"), ":5\r\n"},
		{cmd("LPOP", "l", "0"), listEmpty},
		{cmd("LPOP", "l"), listBulk("a")},
		{cmd("RPOP", "l"), listBulk("e")},
		{cmd("LPOP", "l", "2"), listArr("b", "c")},
		{cmd("RPUSH", "l", "e", "f"), ":3\r\n"},
		{cmd("RPOP", "l", "2"), listArr("f", "e")},
		{cmd("RPOP", "l", "9223372036854775807"), listArr("d")},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LPOP", "l", "1"), listNullArr},
		{cmd("RPUSH", "l", "a"), ":1\r\n"},
		{cmd("LPOP", "l"), listBulk("a")},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LPOP", "s"), listWrong},
		{cmd("RPOP", "s", "0"), listWrong},
		{cmd("RPOP", "s", "-1"), listErr(ErrPositive)}, // count is parsed first
		{cmd("LPOP", "s", "x"), listErr(ErrPositive)},
	})
	x.proto = 3
	x.run([]step{
		{cmd("LPOP", "l"), listNull3},
		{cmd("RPOP", "l", "3"), listNull3},
		{cmd("LPOP", "l", "0"), listNull3},
		{cmd("RPUSH", "l", "a"), ":1\r\n"},
		{cmd("LPOP", "l", "0"), listEmpty},
		{cmd("RPOP", "l", "5"), listArr("a")},
	})
}

func TestCmdListLenRangeIndex(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listEmpty},
		{cmd("LRANGE", "l", "x", "-1"), listNotInt}, // parsed before the lookup
		{cmd("LRANGE", "l", "0", "1.5"), listNotInt},
		{cmd("LINDEX", "l", "0"), listNull},
		{cmd("LINDEX", "l", "x"), listNull}, // looked up before parsing
		{cmd("RPUSH", "l", "a", "b", "c", "d", "e"), ":5\r\n"},
		{cmd("LLEN", "l"), ":5\r\n"},
		{cmd("LRANGE", "l", "1", "-2"), listArr("b", "c", "d")},
		{cmd("LRANGE", "l", "-100", "100"), listArr("a", "b", "c", "d", "e")},
		{cmd("LRANGE", "l", "-9223372036854775808", "9223372036854775807"), listArr("a", "b", "c", "d", "e")},
		{cmd("LRANGE", "l", "5", "10"), listEmpty},
		{cmd("LRANGE", "l", "3", "1"), listEmpty},
		{cmd("LRANGE", "l", "-1", "-1"), listArr("e")},
		{cmd("LRANGE", "l", "0", "-6"), listEmpty},
		{cmd("LRANGE", "l", "-5", "0"), listArr("a")},
		{cmd("LRANGE", "l", "0", "0"), listArr("a")},
		{cmd("LRANGE", "l", "4", "4"), listArr("e")},
		{cmd("LRANGE", "l", "0", "9223372036854775808"), listNotInt},
		{cmd("LINDEX", "l", "0"), listBulk("a")},
		{cmd("LINDEX", "l", "-1"), listBulk("e")},
		{cmd("LINDEX", "l", "-5"), listBulk("a")},
		{cmd("LINDEX", "l", "-6"), listNull},
		{cmd("LINDEX", "l", "5"), listNull},
		{cmd("LINDEX", "l", "-9223372036854775808"), listNull},
		{cmd("LINDEX", "l", "9223372036854775807"), listNull},
		{cmd("LINDEX", "l", "x"), listNotInt},
		{cmd("LINDEX", "l", "99999999999999999999"), listNotInt},
		{cmd("LINDEX", "l", " 1"), listNotInt},
		{cmd("LINDEX", "l", "01"), listNotInt},
		{cmd("LLEN"), listErr(ErrArity("llen"))},
		{cmd("LLEN", "l", "x"), listErr(ErrArity("llen"))},
		{cmd("LRANGE", "l", "0"), listErr(ErrArity("lrange"))},
		{cmd("LINDEX", "l"), listErr(ErrArity("lindex"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LLEN", "s"), listWrong},
		{cmd("LRANGE", "s", "0", "-1"), listWrong},
		{cmd("LRANGE", "s", "x", "-1"), listNotInt},
		{cmd("LINDEX", "s", "0"), listWrong},
		{cmd("LINDEX", "s", "x"), listWrong},
	})
	x.proto = 3
	x.run([]step{
		{cmd("LINDEX", "l", "9"), listNull3},
		{cmd("LINDEX", "nokey", "0"), listNull3},
		{cmd("LRANGE", "nokey", "0", "-1"), listEmpty},
		{cmd("LRANGE", "l", "0", "1"), listArr("a", "b")},
	})
}

func TestCmdListSet(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LSET", "l", "0", "v"), listErr(ErrNoSuchKey)},
		{cmd("LSET", "l", "x", "v"), listErr(ErrNoSuchKey)}, // looked up before parsing
		{cmd("RPUSH", "l", "a", "b", "c"), ":3\r\n"},
		{cmd("LSET", "l", "x", "v"), listNotInt},
		{cmd("LSET", "l", "3", "v"), listErr(ErrIndexOutOfRange)},
		{cmd("LSET", "l", "-4", "v"), listErr(ErrIndexOutOfRange)},
		{cmd("LSET", "l", "-9223372036854775808", "v"), listErr(ErrIndexOutOfRange)},
		{cmd("LSET", "l", "9223372036854775807", "v"), listErr(ErrIndexOutOfRange)},
		{cmd("LSET", "l", "0", "A"), listOK},
		{cmd("LSET", "l", "-1", "C"), listOK},
		{cmd("LSET", "l", "-2", ""), listOK},
		{cmd("LRANGE", "l", "0", "-1"), listArr("A", "", "C")},
		{cmd("LSET", "l", "0"), listErr(ErrArity("lset"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LSET", "s", "0", "v"), listWrong},
		{cmd("LSET", "s", "x", "v"), listWrong},
	})
}

func TestCmdListInsert(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LINSERT", "l", "BEFORE", "a", "x"), ":0\r\n"},
		{cmd("LINSERT", "l", "middle", "a", "x"), listSyntax}, // parsed before the lookup
		{cmd("RPUSH", "l", "a", "b", "a"), ":3\r\n"},
		{cmd("LINSERT", "l", "BEFORE", "z", "x"), ":-1\r\n"},
		{cmd("LINSERT", "l", "before", "a", "x"), ":4\r\n"},
		{cmd("LINSERT", "l", "AfTeR", "a", "y"), ":5\r\n"},
		{cmd("LINSERT", "l", "AFTER", "a", "y"), ":6\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("x", "a", "y", "y", "b", "a")},
		{cmd("LINSERT", "l", "AFTER", "b", ""), ":7\r\n"},
		{cmd("LINSERT", "l", "BEFORE", "", "e"), ":8\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("x", "a", "y", "y", "b", "e", "", "a")},
		{cmd("LINSERT", "l", "after", "x"), listErr(ErrArity("linsert"))},
		{cmd("LINSERT", "l", "AFTERX", "x", "y"), listSyntax},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LINSERT", "s", "AFTER", "x", "y"), listWrong},
		{cmd("LINSERT", "s", "NEAR", "x", "y"), listSyntax},
	})
}

func TestCmdListRem(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LREM", "l", "0", "a"), ":0\r\n"},
		{cmd("LREM", "l", "x", "a"), listNotInt}, // parsed before the lookup
		{cmd("RPUSH", "l", "a", "b", "a", "c", "a", "b"), ":6\r\n"},
		{cmd("LREM", "l", "1", "z"), ":0\r\n"},
		{cmd("LREM", "l", "1", "a"), ":1\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("b", "a", "c", "a", "b")},
		{cmd("LREM", "l", "-1", "a"), ":1\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("b", "a", "c", "b")},
		{cmd("LREM", "l", "0", "b"), ":2\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("a", "c")},
		{cmd("RPUSH", "l", "a", "a"), ":4\r\n"},
		{cmd("LREM", "l", "-9223372036854775808", "a"), ":3\r\n"}, // LONG_MIN: all
		{cmd("LRANGE", "l", "0", "-1"), listArr("c")},
		{cmd("LREM", "l", "9223372036854775807", "c"), ":1\r\n"},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LREM", "l", "0"), listErr(ErrArity("lrem"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LREM", "s", "0", "v"), listWrong},
		{cmd("LREM", "s", "x", "v"), listNotInt},
	})
}

func TestCmdListTrim(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LTRIM", "l", "0", "1"), listOK},
		{cmd("LTRIM", "l", "x", "1"), listNotInt}, // parsed before the lookup
		{cmd("LTRIM", "l", "0", "x"), listNotInt},
		{cmd("RPUSH", "l", "a", "b", "c", "d", "e"), ":5\r\n"},
		{cmd("LTRIM", "l", "-100", "100"), listOK},
		{cmd("LRANGE", "l", "0", "-1"), listArr("a", "b", "c", "d", "e")},
		{cmd("LTRIM", "l", "1", "-2"), listOK},
		{cmd("LRANGE", "l", "0", "-1"), listArr("b", "c", "d")},
		{cmd("LTRIM", "l", "-2", "9223372036854775807"), listOK},
		{cmd("LRANGE", "l", "0", "-1"), listArr("c", "d")},
		{cmd("LTRIM", "l", "1", "0"), listOK},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("RPUSH", "l", "a", "b"), ":2\r\n"},
		{cmd("LTRIM", "l", "2", "5"), listOK},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("RPUSH", "l", "a", "b"), ":2\r\n"},
		{cmd("LTRIM", "l", "0", "-3"), listOK},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("RPUSH", "l", "a", "b"), ":2\r\n"},
		{cmd("LTRIM", "l", "-9223372036854775808", "-9223372036854775808"), listOK},
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LTRIM", "l", "0"), listErr(ErrArity("ltrim"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LTRIM", "s", "0", "1"), listWrong},
		{cmd("LTRIM", "s", "x", "1"), listNotInt},
	})
}

const listErrRankZero = "-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n"

func TestCmdListPos(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LPOS", "l", "a"), listNull},
		{cmd("LPOS", "l", "a", "COUNT", "0"), listEmpty},
		{cmd("LPOS", "l", "a", "RANK", "0"), listErrRankZero}, // options before the lookup
		{cmd("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c"), ":8\r\n"},
		{cmd("LPOS", "l", "c"), ":2\r\n"},
		{cmd("LPOS", "l", "z"), listNull},
		{cmd("LPOS", "l", "z", "COUNT", "2"), listEmpty},
		{cmd("LPOS", "l", "c", "RANK", "2"), ":6\r\n"},
		{cmd("LPOS", "l", "c", "rank", "4"), listNull},
		{cmd("LPOS", "l", "c", "RANK", "-1"), ":7\r\n"},
		{cmd("LPOS", "l", "c", "RANK", "-3"), ":2\r\n"},
		{cmd("LPOS", "l", "c", "COUNT", "2"), listInts(2, 6)},
		{cmd("LPOS", "l", "c", "COUNT", "0"), listInts(2, 6, 7)},
		{cmd("LPOS", "l", "c", "COUNT", "1"), listInts(2)},
		{cmd("LPOS", "l", "c", "COUNT", "0", "RANK", "2"), listInts(6, 7)},
		{cmd("LPOS", "l", "c", "COUNT", "0", "RANK", "-1"), listInts(7, 6, 2)},
		{cmd("LPOS", "l", "c", "COUNT", "2", "RANK", "-2"), listInts(6, 2)},
		{cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "7"), listInts(2, 6)},
		{cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "2"), listEmpty},
		{cmd("LPOS", "l", "c", "COUNT", "0", "MAXLEN", "1", "RANK", "-1"), listInts(7)},
		{cmd("LPOS", "l", "c", "MAXLEN", "0"), ":2\r\n"},
		{cmd("LPOS", "l", "c", "MAXLEN", "2"), listNull},
		{cmd("LPOS", "l", "c", "RANK", "1", "RANK", "2"), ":6\r\n"}, // the last one wins
		{cmd("LPOS", "l", "c", "RANK", "9223372036854775807"), listNull},
		{cmd("LPOS", "l", "c", "RANK", "-9223372036854775807"), listNull},
		// Redis 7.0 accepts RANK LONG_MIN: -rank wraps, every match counts,
		// the scan runs from the tail and COUNT is never reached.
		{cmd("LPOS", "l", "c", "RANK", "-9223372036854775808"), ":7\r\n"},
		{cmd("LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "1"), listInts(7, 6, 2)},
		{cmd("LPOS", "l", "c", "RANK", "-9223372036854775808", "COUNT", "1", "MAXLEN", "1"), listInts(7)},
		{cmd("LPOS", "l", "c", "RANK", "0"), listErrRankZero},
		{cmd("LPOS", "l", "c", "RANK", "x"), listNotInt},
		{cmd("LPOS", "l", "c", "RANK", "9223372036854775808"), listNotInt},
		{cmd("LPOS", "l", "c", "COUNT", "-1"), "-ERR COUNT can't be negative\r\n"},
		{cmd("LPOS", "l", "c", "COUNT", "x"), "-ERR COUNT can't be negative\r\n"},
		{cmd("LPOS", "l", "c", "MAXLEN", "-1"), "-ERR MAXLEN can't be negative\r\n"},
		{cmd("LPOS", "l", "c", "MAXLEN", "x"), "-ERR MAXLEN can't be negative\r\n"},
		{cmd("LPOS", "l", "c", "RANK"), listSyntax},
		{cmd("LPOS", "l", "c", "COUNT"), listSyntax},
		{cmd("LPOS", "l", "c", "FOO", "1"), listSyntax},
		{cmd("LPOS", "l", "c", "RANK", "0", "COUNT", "-1"), listErrRankZero},
		{cmd("LPOS", "l", "c", "COUNT", "-1", "RANK", "0"), "-ERR COUNT can't be negative\r\n"},
		{cmd("LPOS", "l"), listErr(ErrArity("lpos"))},
		{cmd("SET", "s", "v"), listOK},
		{cmd("LPOS", "s", "v"), listWrong},
		{cmd("LPOS", "s", "v", "COUNT", "1"), listWrong},
		{cmd("LPOS", "s", "v", "RANK", "0"), listErrRankZero},
	})
	x.proto = 3
	x.run([]step{
		{cmd("LPOS", "l", "z"), listNull3},
		{cmd("LPOS", "nokey", "z"), listNull3},
		{cmd("LPOS", "nokey", "z", "COUNT", "1"), listEmpty},
		{cmd("LPOS", "l", "c", "COUNT", "1"), listInts(2)},
	})
}

func TestCmdListMove(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("LMOVE", "src", "dst", "LEFT", "RIGHT"), listNull},
		{cmd("RPOPLPUSH", "src", "dst"), listNull},
		{cmd("LMOVE", "src", "dst", "UP", "RIGHT"), listSyntax}, // parsed before the lookup
		{cmd("LMOVE", "src", "dst", "LEFT", "DOWN"), listSyntax},
		{cmd("RPUSH", "src", "a", "b", "c"), ":3\r\n"},
		{cmd("LMOVE", "src", "dst", "left", "RIGHT"), listBulk("a")},
		{cmd("LMOVE", "src", "dst", "RIGHT", "right"), listBulk("c")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("a", "c")},
		{cmd("LMOVE", "dst", "src", "RIGHT", "LEFT"), listBulk("c")},
		{cmd("LMOVE", "dst", "src", "LEFT", "LEFT"), listBulk("a")},
		{cmd("LLEN", "dst"), ":0\r\n"},
		{cmd("LRANGE", "src", "0", "-1"), listArr("a", "c", "b")},
		{cmd("RPOPLPUSH", "src", "dst"), listBulk("b")},
		{cmd("RPOPLPUSH", "src", "dst"), listBulk("c")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("c", "b")},
		// Same key: rotations, and a one-element list is never deleted.
		{cmd("RPOPLPUSH", "dst", "dst"), listBulk("b")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("b", "c")},
		{cmd("LMOVE", "dst", "dst", "LEFT", "RIGHT"), listBulk("b")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("c", "b")},
		{cmd("LMOVE", "dst", "dst", "LEFT", "LEFT"), listBulk("c")},
		{cmd("LMOVE", "dst", "dst", "RIGHT", "RIGHT"), listBulk("b")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("c", "b")},
		{cmd("LMOVE", "src", "src", "LEFT", "RIGHT"), listBulk("a")},
		{cmd("LRANGE", "src", "0", "-1"), listArr("a")},
		{cmd("RPOPLPUSH", "src", "src"), listBulk("a")},
		{cmd("LLEN", "src"), ":1\r\n"},
		// Wrong types: the destination is checked before anything is popped.
		{cmd("SET", "s", "v"), listOK},
		{cmd("LMOVE", "src", "s", "LEFT", "RIGHT"), listWrong},
		{cmd("RPOPLPUSH", "src", "s"), listWrong},
		{cmd("LLEN", "src"), ":1\r\n"},
		{cmd("LMOVE", "s", "src", "LEFT", "RIGHT"), listWrong},
		{cmd("RPOPLPUSH", "s", "nokey"), listWrong},
		{cmd("RPOPLPUSH", "nokey", "s"), listNull}, // a missing source wins
		{cmd("LMOVE", "s", "src", "LEFT", "X"), listSyntax},
		{cmd("LMOVE", "src", "dst", "LEFT"), listErr(ErrArity("lmove"))},
		{cmd("RPOPLPUSH", "src"), listErr(ErrArity("rpoplpush"))},
	})
	x.proto = 3
	x.run([]step{
		{cmd("LMOVE", "nokey", "dst", "LEFT", "RIGHT"), listNull3},
		{cmd("RPOPLPUSH", "nokey", "dst"), listNull3},
	})
}

// TestListKeyLifecycle: a list key goes when its last element does, for
// every command that removes elements.
func TestCmdListKeyLifecycle(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"LPOP", cmd("LPOP", "l")},
		{"RPOP", cmd("RPOP", "l")},
		{"LPOP count", cmd("LPOP", "l", "5")},
		{"RPOP count", cmd("RPOP", "l", "5")},
		{"LREM", cmd("LREM", "l", "0", "a")},
		{"LTRIM", cmd("LTRIM", "l", "1", "0")},
		{"LMOVE", cmd("LMOVE", "l", "other", "LEFT", "LEFT")},
		{"RPOPLPUSH", cmd("RPOPLPUSH", "l", "other")},
	} {
		x := newTM(t)
		x.do("RPUSH", "l", "a")
		x.do(tc.args...)
		if x.m.dbs[0].get("l") != nil {
			t.Errorf("%s: key l still exists", tc.name)
		}
		if got, want := x.do("LPUSHX", "l", "z"), ":0\r\n"; got != want {
			t.Errorf("%s: LPUSHX after emptying: got %q, want %q", tc.name, got, want)
		}
	}
}

// TestListDirty checks that exactly the commands that modify a key bump its
// version (what WATCH sees), as Redis's signalModifiedKey calls do.
func TestCmdListDirty(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		dirty bool
	}{
		{cmd("LPUSH", "l", "x"), true},
		{cmd("RPUSHX", "l", "x"), true},
		{cmd("LPOP", "l"), true},
		{cmd("LPOP", "l", "0"), false},
		{cmd("RPOP", "l", "2"), true},
		{cmd("LSET", "l", "0", "x"), true},
		{cmd("LSET", "l", "9", "x"), false},
		{cmd("LINSERT", "l", "BEFORE", "b", "x"), true},
		{cmd("LINSERT", "l", "BEFORE", "zz", "x"), false},
		{cmd("LREM", "l", "0", "b"), true},
		{cmd("LREM", "l", "0", "zz"), false},
		{cmd("LTRIM", "l", "0", "-1"), true}, // Redis signals even a no-op trim
		{cmd("LTRIM", "l", "1", "-1"), true},
		{cmd("LMOVE", "l", "other", "LEFT", "RIGHT"), true},
		{cmd("LMOVE", "other", "l", "LEFT", "RIGHT"), true},
		{cmd("LMOVE", "l", "l", "LEFT", "RIGHT"), true},
		{cmd("RPOPLPUSH", "l", "s"), false},
		{cmd("LRANGE", "l", "0", "-1"), false},
		{cmd("LINDEX", "l", "0"), false},
		{cmd("LLEN", "l"), false},
		{cmd("LPOS", "l", "b"), false},
	} {
		x := newTM(t)
		x.do("RPUSH", "l", "a", "b", "c", "d")
		x.do("RPUSH", "other", "o")
		x.do("SET", "s", "v")
		x.do("GET", "s") // a read: the version counter does not move
		before := x.m.KeyVersion(0, []byte("l"), x.now)
		x.do(tc.args...)
		after := x.m.KeyVersion(0, []byte("l"), x.now)
		if got := after != before; got != tc.dirty {
			t.Errorf("%q: version %d -> %d; got dirty %v, want %v", tc.args, before, after, got, tc.dirty)
		}
	}
}

// TestListExpiredKeys: an expired list is absent for every command, and
// writes replace it with a fresh one.
func TestCmdListExpiredKeys(t *testing.T) {
	x := newTM(t)
	expire := func(key string) {
		t.Helper()
		e := x.m.dbs[0].get(key)
		if e == nil {
			t.Fatalf("no key %q", key)
		}
		e.expireAt = x.now - 1
		x.m.dbs[0].expires++
	}
	x.do("RPUSH", "l", "a", "b")
	x.do("RPUSH", "dst", "d")
	expire("l")
	x.run([]step{
		{cmd("LLEN", "l"), ":0\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listEmpty},
		{cmd("LINDEX", "l", "0"), listNull},
		{cmd("LPOS", "l", "a"), listNull},
		{cmd("LSET", "l", "0", "x"), listErr(ErrNoSuchKey)},
		{cmd("LPUSHX", "l", "x"), ":0\r\n"},
		{cmd("RPUSH", "l", "x"), ":1\r\n"},
		{cmd("LRANGE", "l", "0", "-1"), listArr("x")},
	})
	if got := x.m.Expires(); got != 0 {
		t.Fatalf("expires counter: got %d, want 0", got)
	}
	// LMOVE onto an expired destination starts a new list.
	expire("dst")
	x.run([]step{
		{cmd("LMOVE", "l", "dst", "LEFT", "LEFT"), listBulk("x")},
		{cmd("LRANGE", "dst", "0", "-1"), listArr("x")},
		{cmd("LLEN", "l"), ":0\r\n"},
	})
}

// TestListArgumentsAreCopied: the machine must not keep references into the
// (borrowed) argument buffers.
func TestCmdListArgumentsAreCopied(t *testing.T) {
	m := NewMachine()
	exec := func(args ...[]byte) string {
		w := NewWriter(nil, 2)
		m.Exec(&Cmd{Args: args, NowMs: 1}, w)
		return string(w.Bytes())
	}
	key, val := []byte("key"), []byte("value")
	exec([]byte("RPUSH"), key, val)
	exec([]byte("LINSERT"), key, []byte("BEFORE"), val, val)
	exec([]byte("LSET"), key, []byte("-1"), val)
	copy(key, "XXX")
	copy(val, "ZZZZZ")
	if got, want := exec([]byte("LRANGE"), []byte("key"), []byte("0"), []byte("-1")), listArr("value", "value"); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestListLongListCommands drives commands over a list spanning many
// chunks and compares with a slice model.
func TestCmdListLongListCommands(t *testing.T) {
	x := newTM(t)
	var model []string
	for i := 0; i < 1000; i++ {
		s := strconv.Itoa(i)
		if i%2 == 0 {
			x.do("RPUSH", "l", s)
			model = append(model, s)
		} else {
			x.do("LPUSH", "l", s)
			model = slices.Insert(model, 0, s)
		}
	}
	check := func(what string) {
		t.Helper()
		if got, want := x.do("LRANGE", "l", "0", "-1"), listArr(model...); got != want {
			t.Fatalf("%s: LRANGE differs from the model", what)
		}
	}
	check("pushes")
	for _, r := range [][2]int{{0, 9}, {120, 140}, {-300, -250}, {500, 2000}, {999, 999}, {-1000, -999}} {
		first, n := listRange(int64(r[0]), int64(r[1]), len(model))
		if got, want := x.do("LRANGE", "l", strconv.Itoa(r[0]), strconv.Itoa(r[1])), listArr(model[first:first+n]...); got != want {
			t.Errorf("LRANGE %d %d: got %.60q, want %.60q", r[0], r[1], got, want)
		}
	}
	for _, i := range []int{0, 127, 128, 129, 500, -1, -129, -1000} {
		j := i
		if j < 0 {
			j += len(model)
		}
		if got, want := x.do("LINDEX", "l", strconv.Itoa(i)), listBulk(model[j]); got != want {
			t.Errorf("LINDEX %d: got %q, want %q", i, got, want)
		}
		x.do("LSET", "l", strconv.Itoa(i), "set"+strconv.Itoa(i))
		model[j] = "set" + strconv.Itoa(i)
	}
	check("LSET")
	x.do("LINSERT", "l", "AFTER", model[700], "ins")
	model = slices.Insert(model, 701, "ins")
	check("LINSERT")
	x.do("LTRIM", "l", "100", "-101")
	model = model[100 : len(model)-100]
	check("LTRIM")
	got := x.do("LPOP", "l", "150")
	if want := listArr(model[:150]...); got != want {
		t.Fatalf("LPOP 150 differs")
	}
	model = model[150:]
	check("LPOP count")
	got = x.do("RPOP", "l", "150")
	rev := slices.Clone(model[len(model)-150:])
	slices.Reverse(rev)
	if want := listArr(rev...); got != want {
		t.Fatalf("RPOP 150 differs")
	}
	model = model[:len(model)-150]
	check("RPOP count")
}

func BenchmarkListCommandsPushPop(b *testing.B) {
	m := NewMachine()
	w := NewWriter(nil, 2)
	push := &Cmd{Args: [][]byte{[]byte("RPUSH"), []byte("queue"), []byte("element")}, NowMs: 1}
	pop := &Cmd{Args: [][]byte{[]byte("LPOP"), []byte("queue")}, NowMs: 1}
	for i := 0; i < 100; i++ {
		m.Exec(push, w)
	}
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		m.Exec(push, w)
		m.Exec(pop, w)
	}
}

func BenchmarkListLrange(b *testing.B) {
	m := NewMachine()
	w := NewWriter(nil, 2)
	for i := 0; i < 10000; i++ {
		m.Exec(&Cmd{Args: [][]byte{[]byte("RPUSH"), []byte("l"), []byte(strconv.Itoa(i))}, NowMs: 1}, w)
	}
	for _, r := range [][2]string{{"0", "99"}, {"5000", "5099"}, {"0", "-1"}} {
		lr := &Cmd{Args: [][]byte{[]byte("LRANGE"), []byte("l"), []byte(r[0]), []byte(r[1])}, NowMs: 1}
		b.Run(r[0]+".."+r[1], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w.Reset()
				m.Exec(lr, w)
			}
		})
	}
}
