package sim

import (
	"strings"
	"testing"
)

func TestCheckStreams(t *testing.T) {
	add := func(call, ret int64, v, id string, o Outcome) *Op {
		return &Op{Kind: XAdd, Key: streamKey, Value: v, Got: id, Call: call, Return: ret, Outcome: o}
	}
	read := func(call, ret int64, list ...string) *Op {
		return &Op{Kind: XGroupRead, Key: streamKey, Value: "c0", List: list, Call: call, Return: ret, Outcome: Ok}
	}
	claim := func(call, ret int64, list ...string) *Op {
		return &Op{Kind: XClaim, Key: streamKey, Value: "c1", List: list, Call: call, Return: ret, Outcome: Ok}
	}
	final := []string{"1-0", "a", "1-1", "b", "2-0", "c"}
	valid := []*Op{
		add(1, 2, "a", "1-0", Ok), add(3, 4, "b", "1-1", Ok), add(5, 9, "c", "2-0", Info),
		read(6, 7, "1-0", "a"), read(8, 10, "1-1", "b"), claim(11, 12, "1-0", "a"),
	}
	cases := []struct {
		name  string
		ops   []*Op
		final []string
		want  string // "" valid, else a substring of a failure
	}{
		{"valid", valid, final, ""},
		{"lost", append(append([]*Op{}, valid...), add(13, 14, "d", "3-0", Ok)), final, "acknowledged append lost"},
		{"other id", []*Op{add(1, 2, "a", "1-5", Ok), add(3, 4, "b", "1-1", Ok), add(5, 6, "c", "2-0", Ok)}, final, "is in the stream as 1-0"},
		{"phantom", []*Op{add(1, 2, "a", "1-0", Ok), add(3, 4, "b", "1-1", Ok), add(5, 6, "c", "2-0", Fail)}, final, "appended by no XADD"},
		{"duplicate value", valid, []string{"1-0", "a", "1-1", "b", "2-0", "c", "3-0", "a"}, "appended twice"},
		{"ids out of order", valid, []string{"1-0", "a", "2-0", "c", "1-1", "b"}, "out of order"},
		{"add order", []*Op{add(1, 2, "b", "1-1", Ok), add(3, 4, "a", "1-0", Ok), add(5, 6, "c", "2-0", Ok)}, final, "not above"},
		{"handed twice", []*Op{add(1, 2, "a", "1-0", Ok), add(3, 4, "b", "1-1", Ok), add(5, 6, "c", "2-0", Ok),
			read(7, 9, "1-0", "a"), read(8, 10, "1-0", "a")}, final, "handed to two consumers"},
		{"cursor back", []*Op{add(1, 2, "a", "1-0", Ok), add(3, 4, "b", "1-1", Ok), add(5, 6, "c", "2-0", Ok),
			read(7, 8, "1-1", "b"), read(9, 10, "1-0", "a")}, final, "not above those of"},
		{"wrong value", []*Op{add(1, 2, "a", "1-0", Ok), add(3, 4, "b", "1-1", Ok), add(5, 6, "c", "2-0", Ok),
			claim(7, 8, "1-0", "b")}, final, "returned 1-0=b"},
		{"no stream clients", nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fails := checkStreams(tc.ops, tc.final)
			if tc.want == "" {
				if len(fails) > 0 {
					t.Fatalf("valid history flagged: %v", fails)
				}
				return
			}
			for _, f := range fails {
				if strings.Contains(f, tc.want) {
					return
				}
			}
			t.Fatalf("want a failure containing %q, got %v", tc.want, fails)
		})
	}
}

func TestParseTree(t *testing.T) {
	in := "*1\r\n*2\r\n$2\r\ns0\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nv\r\n$1\r\na\r\n"
	v, rest, err := parseTree([]byte(in))
	if err != nil || len(rest) != 0 {
		t.Fatalf("parse: %v, rest %q", err, rest)
	}
	l, ok := entryList(v.elems[0].elems[1])
	if !ok || strings.Join(l, ",") != "1-0,a" {
		t.Fatalf("entries %v %v", l, ok)
	}
	for _, bad := range []string{"*2\r\n:1\r\n", "$5\r\nab\r\n", "?x\r\n", strings.Repeat("*1\r\n", 20) + ":1\r\n"} {
		if _, _, err := parseTree([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
