package kv

import (
	"fmt"
	"strings"
	"testing"
)

// TestLCSLMPopTranscript replays commands whose replies were recorded from
// redis-server 7.0.15: LCS with every option, SUBSTR and the GETRANGE and
// SETRANGE edge cases, LMPOP's parsing and pops, COPY within database 0.
func TestLCSLMPopTranscript(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("flushall"), "+OK\r\n"},
		{cmd("set", "a", "ohmytext"), "+OK\r\n"},
		{cmd("set", "b", "mynewtext"), "+OK\r\n"},
		{cmd("lcs", "a", "b"), "$6\r\nmytext\r\n"},
		{cmd("lcs", "a", "b", "len"), ":6\r\n"},
		{cmd("lcs", "a", "b", "idx"), "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n"},
		{cmd("lcs", "a", "b", "idx", "withmatchlen"), "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"},
		{cmd("lcs", "a", "b", "idx", "minmatchlen", "4"), "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n"},
		{cmd("lcs", "a", "b", "IDX", "MINMATCHLEN", "-3", "WITHMATCHLEN"), "*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n"},
		{cmd("lcs", "a", "b", "idx", "len"), "-ERR If you want both the length and indexes, please just use IDX.\r\n"},
		{cmd("lcs", "a", "b", "foo"), "-ERR syntax error\r\n"},
		{cmd("lcs", "a", "b", "minmatchlen", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("lcs", "a", "b", "minmatchlen"), "-ERR syntax error\r\n"},
		{cmd("lcs", "a", "nokey"), "$0\r\n\r\n"},
		{cmd("lcs", "nokey", "nokey2", "idx"), "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{cmd("rpush", "lst", "x"), ":1\r\n"},
		{cmd("lcs", "a", "lst"), "-ERR The specified keys must contain string values\r\n"},
		{cmd("lcs", "lst", "nokey", "foo"), "-ERR The specified keys must contain string values\r\n"},
		{cmd("set", "c", "abcabcabc"), "+OK\r\n"},
		{cmd("set", "d", "cbacbacba"), "+OK\r\n"},
		{cmd("lcs", "c", "d", "idx", "withmatchlen"), "*4\r\n$7\r\nmatches\r\n*5\r\n*3\r\n*2\r\n:8\r\n:8\r\n*2\r\n:6\r\n:6\r\n:1\r\n*3\r\n*2\r\n:7\r\n:7\r\n*2\r\n:4\r\n:4\r\n:1\r\n*3\r\n*2\r\n:6\r\n:6\r\n*2\r\n:2\r\n:2\r\n:1\r\n*3\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n:1\r\n*3\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n:1\r\n$3\r\nlen\r\n:5\r\n"},
		{cmd("lcs", "d", "c", "idx"), "*4\r\n$7\r\nmatches\r\n*5\r\n*2\r\n*2\r\n:8\r\n:8\r\n*2\r\n:6\r\n:6\r\n*2\r\n*2\r\n:7\r\n:7\r\n*2\r\n:4\r\n:4\r\n*2\r\n*2\r\n:6\r\n:6\r\n*2\r\n:2\r\n:2\r\n*2\r\n*2\r\n:4\r\n:4\r\n*2\r\n:1\r\n:1\r\n*2\r\n*2\r\n:2\r\n:2\r\n*2\r\n:0\r\n:0\r\n$3\r\nlen\r\n:5\r\n"},
		{cmd("substr", "a", "1", "3"), "$3\r\nhmy\r\n"},
		{cmd("substr", "a", "-3", "-1"), "$3\r\next\r\n"},
		{cmd("substr", "a", "5", "1"), "$0\r\n\r\n"},
		{cmd("substr", "a", "0", "-100"), "$1\r\no\r\n"},
		{cmd("substr", "nokey", "0", "1"), "$0\r\n\r\n"},
		{cmd("substr", "lst", "0", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("substr", "a", "x", "1"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("getrange", "a", "-100", "-50"), "$1\r\no\r\n"},
		{cmd("getrange", "a", "-1", "-5"), "$0\r\n\r\n"},
		{cmd("getrange", "a", "0", "-100"), "$1\r\no\r\n"},
		{cmd("getrange", "a", "100", "200"), "$0\r\n\r\n"},
		{cmd("getrange", "a", "-100", "100"), "$8\r\nohmytext\r\n"},
		{cmd("getrange", "a", "0", "9223372036854775807"), "$8\r\nohmytext\r\n"},
		{cmd("getrange", "a", "-9223372036854775808", "2"), "$3\r\nohm\r\n"},
		{cmd("set", "e", ""), "+OK\r\n"},
		{cmd("getrange", "e", "0", "-1"), "$0\r\n\r\n"},
		{cmd("getrange", "e", "-1", "0"), "$0\r\n\r\n"},
		{cmd("setrange", "e", "0", ""), ":0\r\n"},
		{cmd("setrange", "nokey2", "0", ""), ":0\r\n"},
		{cmd("exists", "nokey2"), ":0\r\n"},
		{cmd("setrange", "nokey3", "3", "ab"), ":5\r\n"},
		{cmd("get", "nokey3"), "$5\r\n\x00\x00\x00ab\r\n"},
		{cmd("setrange", "a", "-1", "x"), "-ERR offset is out of range\r\n"},
		{cmd("setrange", "a", "536870912", "x"), "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"},
		{cmd("rpush", "la", "1", "2", "3", "4", "5"), ":5\r\n"},
		{cmd("lmpop", "2", "nokey", "la", "left"), "*2\r\n$2\r\nla\r\n*1\r\n$1\r\n1\r\n"},
		{cmd("lmpop", "2", "nokey", "la", "right", "count", "10"), "*2\r\n$2\r\nla\r\n*4\r\n$1\r\n5\r\n$1\r\n4\r\n$1\r\n3\r\n$1\r\n2\r\n"},
		{cmd("lmpop", "1", "la", "left"), "*-1\r\n"},
		{cmd("exists", "la"), ":0\r\n"},
		{cmd("lmpop", "1", "la", "left"), "*-1\r\n"},
		{cmd("lmpop", "0", "la", "left"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("lmpop", "-1", "la", "left"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("lmpop", "abc", "la", "left"), "-ERR numkeys should be greater than 0\r\n"},
		{cmd("lmpop", "5", "la", "left"), "-ERR syntax error\r\n"},
		{cmd("lmpop", "1", "la", "up"), "-ERR syntax error\r\n"},
		{cmd("lmpop", "1", "la", "left", "count", "0"), "-ERR count should be greater than 0\r\n"},
		{cmd("lmpop", "1", "la", "left", "count", "-1"), "-ERR count should be greater than 0\r\n"},
		{cmd("lmpop", "1", "la", "left", "count", "abc"), "-ERR count should be greater than 0\r\n"},
		{cmd("lmpop", "1", "la", "left", "count", "1", "count", "2"), "-ERR syntax error\r\n"},
		{cmd("lmpop", "1", "la", "left", "count"), "-ERR syntax error\r\n"},
		{cmd("lmpop", "2", "a", "la", "left"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("rpush", "la", "1", "2"), ":2\r\n"},
		{cmd("lmpop", "2", "la", "a", "LEFT", "COUNT", "1"), "*2\r\n$2\r\nla\r\n*1\r\n$1\r\n1\r\n"},
		{cmd("copy", "a", "a2"), ":1\r\n"},
		{cmd("copy", "a", "a2"), ":0\r\n"},
		{cmd("copy", "a", "a2", "replace"), ":1\r\n"},
		{cmd("copy", "a", "a"), "-ERR source and destination objects are the same\r\n"},
		{cmd("copy", "a", "a3", "db", "0"), ":1\r\n"},
		{cmd("copy", "a", "a3", "db", "abc"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("copy", "a", "a3", "foo"), "-ERR syntax error\r\n"},
		{cmd("copy", "nokey", "a4"), ":0\r\n"},
	})
}

// TestLCSMemoryBound checks that LCS refuses, before allocating anything,
// a table larger than proto-max-bulk-len, as Redis does.
func TestLCSMemoryBound(t *testing.T) {
	x := newTM(t)
	big := strings.Repeat("a", 12000) // 12001² cells × 4 bytes > 512 MB
	x.run([]step{
		{cmd("SET", "a", big), "+OK\r\n"},
		{cmd("SET", "b", big), "+OK\r\n"},
		{cmd("LCS", "a", "b", "LEN"), "-" + errLCSMemory + "\r\n"},
		{cmd("SET", "b", "xa"), "+OK\r\n"},
		{cmd("LCS", "a", "b", "LEN"), ":1\r\n"},
	})
}

// TestSortGeoKeys checks the key positions COMMAND GETKEYS reports.
func TestSortGeoKeys(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{cmd("SORT", "k"), cmd("k")},
		{cmd("SORT", "k", "STORE", "d"), cmd("k", "d")},
		{cmd("SORT", "k", "STORE", "a", "STORE", "b", "LIMIT", "0", "1", "GET", "STORE"), cmd("k", "b")},
		{cmd("SORT", "k", "BY", "STORE", "GET", "STORE"), cmd("k")},
		{cmd("SORT_RO", "k", "STORE", "d"), cmd("k")},
		{cmd("LMPOP", "2", "a", "b", "LEFT"), cmd("a", "b")},
		{cmd("LMPOP", "3", "a", "b", "LEFT"), cmd("a", "b", "LEFT")},
		{cmd("LMPOP", "4", "a", "b", "LEFT"), nil},
		{cmd("GEORADIUS", "k", "1", "1", "1", "km", "STOREDIST", "d2", "STORE", "d1", "STORE", "d3"), cmd("k", "d1", "d2")},
		{cmd("GEORADIUSBYMEMBER", "k", "m", "1", "km", "WITHDIST", "STORE"), cmd("k")},
		{cmd("LCS", "a", "b", "LEN"), cmd("a", "b")},
		{cmd("GEOSEARCHSTORE", "d", "s", "FROMMEMBER", "m", "BYRADIUS", "1", "m"), cmd("d", "s")},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		var got []string
		for _, k := range Lookup(args[0]).Keys(args) {
			got = append(got, string(k))
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("%q: keys %q, want %q", tc.args, got, tc.want)
		}
	}
}

// lcsReference is the plain algorithm (a full table of lengths, Redis's
// walk back) rendered as LCS a b IDX WITHMATCHLEN's reply payload: the
// subsequence, then each range.
func lcsReference(a, b string) string {
	stride := len(b) + 1
	t := make([]int, (len(a)+1)*stride)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				t[i*stride+j] = t[(i-1)*stride+j-1] + 1
			} else {
				t[i*stride+j] = max(t[(i-1)*stride+j], t[i*stride+j-1])
			}
		}
	}
	var out []string
	var sub []byte
	aStart, aEnd, bStart, bEnd := len(a), 0, 0, 0
	i, j := len(a), len(b)
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			sub = append([]byte{a[i-1]}, sub...)
			if aStart == len(a) {
				aStart, aEnd, bStart, bEnd = i-1, i-1, j-1, j-1
			} else if aStart == i && bStart == j {
				aStart, bStart = aStart-1, bStart-1
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			i, j = i-1, j-1
		} else {
			if t[(i-1)*stride+j] > t[i*stride+j-1] {
				i--
			} else {
				j--
			}
			if aStart != len(a) {
				emit = true
			}
		}
		if emit {
			out = append(out, fmt.Sprintf("[%d-%d %d-%d %d]", aStart, aEnd, bStart, bEnd, aEnd-aStart+1))
			aStart = len(a)
		}
	}
	return string(sub) + " " + strings.Join(out, "")
}

// TestLCSMatchesReference compares the two-bit table with the plain one on
// random strings over small alphabets (many ties in the walk back).
func TestLCSMatchesReference(t *testing.T) {
	r := NewRand(7)
	randStr := func(alpha string) string {
		b := make([]byte, r.Intn(40))
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		return string(b)
	}
	for n := 0; n < 2000; n++ {
		alpha := []string{"ab", "abc", "acgt", "abcdefghij"}[n%4]
		a, b := randStr(alpha), randStr(alpha)
		x := newTM(t)
		x.do("SET", "a", a)
		x.do("SET", "b", b)
		sub := x.do("LCS", "a", "b")
		idx := x.do("LCS", "a", "b", "IDX", "WITHMATCHLEN")
		// Render kv's reply in the reference's form.
		got := strings.SplitN(sub, "\r\n", 3)[1]
		var ranges []string
		fields := strings.Split(idx, "\r\n")
		for k := 0; k+7 < len(fields); k++ {
			if fields[k] == "*3" && fields[k+1] == "*2" {
				ranges = append(ranges, fmt.Sprintf("[%s-%s %s-%s %s]", fields[k+2][1:], fields[k+3][1:], fields[k+5][1:], fields[k+6][1:], fields[k+7][1:]))
				k += 7
			}
		}
		if got, want := got+" "+strings.Join(ranges, ""), lcsReference(a, b); got != want {
			t.Fatalf("LCS(%q, %q): got %q, want %q", a, b, got, want)
		}
	}
}
