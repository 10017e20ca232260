package kv

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestDelExistsTouchType(t *testing.T) {
	steps := []step{
		{cmd("DEL", "a", "a", "b"), skInt(0)},
		{cmd("SET", "a", "1"), skOK},
		{cmd("DEL", "a", "a"), skInt(1)},
		{cmd("MSET", "a", "1", "b", "2"), skOK},
		{cmd("EXISTS", "a", "a", "b", "c"), skInt(3)},
		{cmd("TOUCH", "a", "a", "b", "c"), skInt(3)},
		{cmd("UNLINK", "a", "b", "c"), skInt(2)},
		{cmd("EXISTS", "a"), skInt(0)},
		{cmd("TYPE", "a"), "+none\r\n"},
		{cmd("SET", "a", "1"), skOK},
		{cmd("TYPE", "a"), "+string\r\n"},
		{cmd("SET", "", "empty"), skOK},
		{cmd("TYPE", ""), "+string\r\n"},
		{cmd("EXISTS", ""), skInt(1)},
		{cmd("DEL"), skErr("ERR wrong number of arguments for 'del' command")},
		{cmd("EXISTS"), skErr("ERR wrong number of arguments for 'exists' command")},
		{cmd("TYPE", "a", "b"), skErr("ERR wrong number of arguments for 'type' command")},
		{cmd("TOUCH"), skErr("ERR wrong number of arguments for 'touch' command")},
		{cmd("UNLINK"), skErr("ERR wrong number of arguments for 'unlink' command")},
	}
	x := newTM(t)
	x.run(steps)
	skAgainstRedis(t, 2, steps)

	for _, typ := range []string{"list", "set", "zset", "hash"} {
		skMake(x, typ, "t:"+typ)
		x.run([]step{{cmd("TYPE", "t:"+typ), "+" + typ + "\r\n"}})
	}
	x.run([]step{
		{cmd("DEL", "t:list", "t:set", "t:zset", "t:hash"), skInt(4)},
		{cmd("SET", "e", "v", "PX", "10"), skOK},
	})
	x.now += 9
	x.run([]step{{cmd("EXISTS", "e"), skInt(1)}, {cmd("TYPE", "e"), "+string\r\n"}})
	x.now += 2 // past the expiry millisecond
	x.run([]step{
		{cmd("EXISTS", "e"), skInt(0)},
		{cmd("TOUCH", "e"), skInt(0)},
		{cmd("TYPE", "e"), "+none\r\n"},
		{cmd("DEL", "e"), skInt(0)}, // expired: not counted as deleted
	})
	if got := x.m.Len(); got != 2 { // a and ""
		t.Errorf("Len: got %d, want 2", got)
	}
}

func TestExpireOptionsAndErrors(t *testing.T) {
	nxMix := skErr("ERR NX and XX, GT or LT options at the same time are not compatible")
	gtlt := skErr("ERR GT and LT options at the same time are not compatible")
	steps := []step{
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIRE", "k", "100", "NX", "XX"), nxMix},
		{cmd("EXPIRE", "k", "100", "NX", "GT"), nxMix},
		{cmd("EXPIRE", "k", "100", "LT", "NX"), nxMix},
		{cmd("EXPIRE", "k", "100", "GT", "LT"), gtlt},
		{cmd("EXPIRE", "k", "100", "FOO"), skErr("ERR Unsupported option FOO")},
		{cmd("EXPIRE", "k", "100", "fo\x00o"), skErr("ERR Unsupported option fo")},
		{cmd("EXPIRE", "k", "100", "NX", "FOO", "XX"), skErr("ERR Unsupported option FOO")},
		{cmd("EXPIRE", "k", "abc", "FOO"), skErr("ERR Unsupported option FOO")}, // options before the time
		{cmd("EXPIRE", "k", "abc", "NX", "XX"), nxMix},
		{cmd("EXPIRE", "k", "abc"), skNotInt},
		{cmd("EXPIRE", "k", "1.5"), skNotInt},
		{cmd("EXPIRE", "k", "9223372036854775808"), skNotInt},
		{cmd("EXPIRE", "nokey", "abc"), skNotInt},
		{cmd("EXPIRE", "nokey", "100"), skInt(0)},
		{cmd("EXPIRE", "k", "9223372036854775"), skErr("ERR invalid expire time in 'expire' command")},
		{cmd("EXPIRE", "k", "9223372036854776"), skErr("ERR invalid expire time in 'expire' command")},
		{cmd("EXPIRE", "k", "-9223372036854776"), skErr("ERR invalid expire time in 'expire' command")},
		{cmd("PEXPIRE", "k", "9223372036854775807"), skErr("ERR invalid expire time in 'pexpire' command")},
		{cmd("EXPIREAT", "k", "9223372036854775807"), skErr("ERR invalid expire time in 'expireat' command")},
		{cmd("EXPIRE", "nokey", "9223372036854776"), skErr("ERR invalid expire time in 'expire' command")},
		{cmd("EXISTS", "k"), skInt(1)},
		{cmd("TTL", "k"), skInt(-1)},
		// NX XX GT LT against a key without a TTL (GT treats none as infinite).
		{cmd("EXPIRE", "k", "100", "XX"), skInt(0)},
		{cmd("EXPIRE", "k", "100", "GT"), skInt(0)},
		{cmd("EXPIRE", "k", "100", "LT"), skInt(1)},
		{cmd("TTL", "k"), skInt(100)},
		{cmd("EXPIRE", "k", "100", "NX"), skInt(0)},
		{cmd("EXPIRE", "k", "200", "GT"), skInt(1)},
		{cmd("EXPIRE", "k", "100", "GT"), skInt(0)},
		{cmd("EXPIRE", "k", "50", "LT"), skInt(1)},
		{cmd("TTL", "k"), skInt(50)},
		{cmd("EXPIRE", "k", "60", "LT"), skInt(0)},
		{cmd("EXPIRE", "k", "100", "xx", "gt"), skInt(1)},
		{cmd("EXPIRE", "k", "100", "nx", "nx"), skInt(0)},
		{cmd("PERSIST", "k"), skInt(1)},
		{cmd("PERSIST", "k"), skInt(0)},
		{cmd("PERSIST", "nokey"), skInt(0)},
		{cmd("EXPIRE", "k", "100", "nx", "nx"), skInt(1)},
		{cmd("TTL", "k"), skInt(100)},
		// A time not in the future deletes the key, and replies 1.
		{cmd("EXPIRE", "k", "-1", "GT"), skInt(0)},
		{cmd("EXPIRE", "k", "-1", "LT"), skInt(1)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIRE", "k", "0"), skInt(1)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIRE", "k", "-9223372036854775"), skInt(1)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("PEXPIREAT", "k", "-9223372036854775808"), skInt(1)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("PEXPIRE", "k", "-9223372036854775808"), skInt(1)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIREAT", "k", "1"), skInt(1)},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("EXPIRE", "k"), skErr("ERR wrong number of arguments for 'expire' command")},
		{cmd("PEXPIREAT", "k"), skErr("ERR wrong number of arguments for 'pexpireat' command")},
		{cmd("TTL", "nokey"), skInt(-2)},
		{cmd("PTTL", "nokey"), skInt(-2)},
		{cmd("EXPIRETIME", "nokey"), skInt(-2)},
		{cmd("PEXPIRETIME", "nokey"), skInt(-2)},
		{cmd("SET", "p", "v"), skOK},
		{cmd("TTL", "p"), skInt(-1)},
		{cmd("PTTL", "p"), skInt(-1)},
		{cmd("EXPIRETIME", "p"), skInt(-1)},
		{cmd("PEXPIRETIME", "p"), skInt(-1)},
		{cmd("PEXPIREAT", "p", "4000000000700"), skInt(1)},
		{cmd("EXPIRETIME", "p"), skInt(4000000001)},
		{cmd("PEXPIRETIME", "p"), skInt(4000000000700)},
		{cmd("PEXPIREAT", "p", "4000000000499"), skInt(1)},
		{cmd("EXPIRETIME", "p"), skInt(4000000000)},
		{cmd("PEXPIREAT", "p", "9223372036854775807"), skInt(1)},
		{cmd("EXPIRETIME", "p"), skInt(9223372036854776)},
		{cmd("PEXPIRETIME", "p"), skInt(9223372036854775807)},
		{cmd("PEXPIREAT", "p", "9223372036854775308"), skInt(1)},
		{cmd("EXPIRETIME", "p"), skInt(9223372036854775)},
		{cmd("TTL", "p", "x"), skErr("ERR wrong number of arguments for 'ttl' command")},
	}
	x := newTM(t)
	x.run(steps)
	skAgainstRedis(t, 2, steps)
}

func TestExpireMovesWithTheClock(t *testing.T) {
	x := newTM(t) // now = 1_700_000_000_000
	x.run([]step{
		{cmd("SET", "k", "v"), skOK},
		{cmd("PEXPIRE", "k", "1500"), skInt(1)},
		{cmd("PTTL", "k"), skInt(1500)},
		{cmd("TTL", "k"), skInt(2)}, // 1.5 s rounds to 2
		{cmd("PEXPIRETIME", "k"), skInt(1_700_000_001_500)},
		{cmd("EXPIRETIME", "k"), skInt(1_700_000_002)},
	})
	x.now += 1001
	x.run([]step{
		{cmd("PTTL", "k"), skInt(499)},
		{cmd("TTL", "k"), skInt(0)},
	})
	x.now += 498
	x.run([]step{{cmd("PTTL", "k"), skInt(1)}, {cmd("GET", "k"), skBulk("v")}})
	x.now++ // the expiry millisecond itself: still there (Redis: expired when now > when)
	x.run([]step{{cmd("PTTL", "k"), skInt(0)}, {cmd("GET", "k"), skBulk("v")}})
	x.now++
	x.run([]step{
		{cmd("PTTL", "k"), skInt(-2)},
		{cmd("GET", "k"), skNull},
		{cmd("PERSIST", "k"), skInt(0)},
		{cmd("EXPIRE", "k", "10"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIREAT", "k", "1700000002"), skInt(1)}, // now is ...001_501
		{cmd("PTTL", "k"), skInt(499)},
		{cmd("PEXPIREAT", "k", "1700000001502"), skInt(1)},
		{cmd("PTTL", "k"), skInt(1)},
		{cmd("PEXPIREAT", "k", "1700000001501"), skInt(1)}, // == now: deleted
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("EXPIRE", "k", "5"), skInt(1)},
		{cmd("PTTL", "k"), skInt(5000)},
	})
	if got := x.m.Expires(); got != 1 {
		t.Errorf("Expires: got %d, want 1", got)
	}
	x.run([]step{{cmd("PERSIST", "k"), skInt(1)}, {cmd("PTTL", "k"), skInt(-1)}})
	if got := x.m.Expires(); got != 0 {
		t.Errorf("Expires after PERSIST: got %d, want 0", got)
	}
}

func TestKeysPattern(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("KEYS", "*"), "*0\r\n"},
		{cmd("MSET", "one", "1", "two", "2", "three", "3", "", "e", "h[llo", "x"), skOK},
		{cmd("SET", "gone", "v", "PX", "1"), skOK},
	})
	x.now += 2 // past the expiry millisecond
	for _, tc := range []struct {
		pat  string
		want []string
	}{
		{"*", []string{"", "h[llo", "one", "three", "two"}},
		{"**", []string{"h[llo", "one", "three", "two"}}, // "*" matches the empty key only as the whole pattern
		{"t*", []string{"three", "two"}},
		{"?wo", []string{"two"}},
		{"*e", []string{"one", "three"}},
		{"[ot]*", []string{"one", "three", "two"}},
		{"h\\[*", []string{"h[llo"}},
		{"", []string{""}},
		{"gone", nil},
		{"nomatch", nil},
	} {
		got := skSortedKeys(t, x.do("KEYS", tc.pat))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("KEYS %q: got %q, want %q", tc.pat, got, tc.want)
		}
	}
	x.run([]step{{cmd("KEYS"), skErr("ERR wrong number of arguments for 'keys' command")}})
}

// skSortedKeys decodes a flat array of bulk strings and sorts it.
func skSortedKeys(t *testing.T, reply string) []string {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(reply, "*%d\r\n", &n); err != nil {
		t.Fatalf("not an array: %q", reply)
	}
	rest := reply[strings.Index(reply, "\r\n")+2:]
	var out []string
	for i := 0; i < n; i++ {
		var l int
		if _, err := fmt.Sscanf(rest, "$%d\r\n", &l); err != nil {
			t.Fatalf("bad bulk in %q", reply)
		}
		rest = rest[strings.Index(rest, "\r\n")+2:]
		out = append(out, rest[:l])
		rest = rest[l+2:]
	}
	if rest != "" {
		t.Fatalf("trailing bytes in %q", reply)
	}
	sort.Strings(out)
	return out
}

func TestParseScanCursorIsStrtoul(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  uint64
		ok bool
	}{
		{"0", 0, true}, {"", 0, true}, {"+0", 0, true}, {"-0", 0, true}, {"007", 7, true},
		{"+5", 5, true}, {"18446744073709551615", 18446744073709551615, true},
		{"-1", 18446744073709551615, true}, {"-18446744073709551615", 1, true},
		{"18446744073709551616", 0, false}, {"-18446744073709551616", 0, false},
		{"99999999999999999999999", 0, false},
		{" 0", 0, false}, {"0 ", 0, false}, {"\t1", 0, false}, {"0x1", 0, false}, {"abc", 0, false},
		{"+", 0, false}, {"-", 0, false}, {"1.0", 0, false},
		{"5\x00abc", 5, true}, {"\x00", 0, true}, {"+\x00", 0, false},
	} {
		v, ok := parseScanCursor([]byte(tc.in))
		if v != tc.v || ok != tc.ok {
			t.Errorf("%q: got %d %v, want %d %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
}

func TestScanArgumentsAndErrors(t *testing.T) {
	one := skArr(skBulk("0"), skArr(skBulk("a")))
	steps := []step{
		{cmd("SCAN", "0"), skArr(skBulk("0"), "*0\r\n")},
		{cmd("SCAN", "12345"), skArr(skBulk("0"), "*0\r\n")}, // empty keyspace: cursor 0 at once
		{cmd("SET", "a", "1"), skOK},
		{cmd("SCAN", ""), one},
		{cmd("SCAN", "+0"), one},
		{cmd("SCAN", "-0"), one},
		{cmd("SCAN", "0\x00zz"), one},
		{cmd("SCAN", " 0"), skErr("ERR invalid cursor")},
		{cmd("SCAN", "0 "), skErr("ERR invalid cursor")},
		{cmd("SCAN", "0x1"), skErr("ERR invalid cursor")},
		{cmd("SCAN", "18446744073709551616"), skErr("ERR invalid cursor")},
		{cmd("SCAN", "abc", "COUNT", "0"), skErr("ERR invalid cursor")}, // cursor first
		{cmd("SCAN", "0", "COUNT", "0"), skSyntax},
		{cmd("SCAN", "0", "COUNT", "-1"), skSyntax},
		{cmd("SCAN", "0", "COUNT", "abc"), skNotInt},
		{cmd("SCAN", "0", "COUNT"), skSyntax},
		{cmd("SCAN", "0", "MATCH"), skSyntax},
		{cmd("SCAN", "0", "TYPE"), skSyntax},
		{cmd("SCAN", "0", "FOO", "bar"), skSyntax},
		{cmd("SCAN", "0", "MATCH", "*", "COUNT", "0"), skSyntax},
		{cmd("SCAN", "0", "COUNT", "0", "FOO"), skSyntax},
		{cmd("SCAN", "0", "TYPE", "STRING"), one},
		{cmd("SCAN", "0", "TYPE", "string\x00x"), one},
		{cmd("SCAN", "0", "TYPE", "foo"), skArr(skBulk("0"), "*0\r\n")},
		{cmd("SCAN", "0", "TYPE", "list"), skArr(skBulk("0"), "*0\r\n")},
		{cmd("SCAN", "0", "MATCH", "a", "COUNT", "5", "TYPE", "string"), one},
		{cmd("SCAN", "0", "match", "b*"), skArr(skBulk("0"), "*0\r\n")},
		{cmd("SCAN", "0", "COUNT", "9223372036854775807"), one},
		{cmd("SCAN", "0", "COUNT", "1", "COUNT", "10"), one},
		{cmd("SET", "", "e"), skOK},
		{cmd("SCAN", "0", "MATCH", "**"), one},
		{cmd("SCAN"), skErr("ERR wrong number of arguments for 'scan' command")},
	}
	x := newTM(t)
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	if got, _ := skScanAll(t, x, "MATCH", "*"); fmt.Sprint(got) != fmt.Sprint([]string{"", "a"}) {
		t.Errorf("SCAN MATCH *: got %q", got)
	}
}

// skScanAll runs a full SCAN iteration with the given options and returns
// every key returned (sorted, with duplicates) and the number of calls.
func skScanAll(t *testing.T, x *tm, opts ...string) ([]string, int) {
	t.Helper()
	cursor := "0"
	var all []string
	calls := 0
	for {
		reply := x.do(append([]string{"SCAN", cursor}, opts...)...)
		calls++
		var clen int
		if _, err := fmt.Sscanf(reply, "*2\r\n$%d\r\n", &clen); err != nil {
			t.Fatalf("bad SCAN reply %q", reply)
		}
		head := len(fmt.Sprintf("*2\r\n$%d\r\n", clen))
		cursor = reply[head : head+clen]
		all = append(all, skSortedKeys(t, reply[head+clen+2:])...)
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("SCAN does not terminate")
		}
	}
	sort.Strings(all)
	return all, calls
}

func TestScanFullIteration(t *testing.T) {
	x := newTM(t)
	var want []string
	for i := 0; i < 500; i++ {
		k := fmt.Sprintf("key:%03d", i)
		x.do("SET", k, "v")
		want = append(want, k)
	}
	skMake(x, "hash", "h1")
	x.do("SET", "dead", "v", "PX", "1")
	x.now += 2 // past the expiry millisecond
	got, calls := skScanAll(t, x)
	if fmt.Sprint(got) != fmt.Sprint(append(append([]string{}, "h1"), want...)) {
		t.Fatalf("SCAN returned %d keys, want 501 distinct live keys", len(got))
	}
	if calls < 20 || calls > 200 {
		t.Errorf("SCAN took %d calls for 501 keys, want about 50 (COUNT 10)", calls)
	}
	got, bigCalls := skScanAll(t, x, "COUNT", "1000")
	if len(got) != 501 || bigCalls != 1 {
		t.Errorf("COUNT 1000: got %d keys in %d calls, want 501 in 1", len(got), bigCalls)
	}
	got, _ = skScanAll(t, x, "MATCH", "key:0[0-4]?")
	if len(got) != 50 || got[0] != "key:000" || got[49] != "key:049" {
		t.Errorf("MATCH: got %d keys %q...", len(got), got[:min(3, len(got))])
	}
	got, _ = skScanAll(t, x, "TYPE", "hash")
	if fmt.Sprint(got) != "[h1]" {
		t.Errorf("TYPE hash: got %q", got)
	}
	got, _ = skScanAll(t, x, "TYPE", "none")
	if len(got) != 0 {
		t.Errorf("TYPE none: got %q, want nothing (expired keys are skipped)", got)
	}
}

func TestScanBoundsBucketsPerCall(t *testing.T) {
	// A sparse table: 2048 buckets holding 205 keys (not sparse enough to
	// shrink). One SCAN visits at most COUNT*10+1 buckets, as Redis's
	// maxiterations loop does, and stops early once COUNT keys are gathered.
	x := newTM(t)
	for i := 0; i < 2000; i++ {
		x.do("SET", fmt.Sprint("k", i), "v")
	}
	for i := 205; i < 2000; i++ {
		x.do("DEL", fmt.Sprint("k", i))
	}
	if n := x.m.dbs[0].buckets.len(); n != 2048 {
		t.Fatalf("table has %d buckets, want 2048", n)
	}
	cursor := uint64(0)
	for call := 0; call < 50; call++ {
		reply := x.do("SCAN", fmt.Sprint(cursor), "COUNT", "1")
		var clen int
		fmt.Sscanf(reply, "*2\r\n$%d\r\n", &clen)
		head := len(fmt.Sprintf("*2\r\n$%d\r\n", clen))
		var next uint64
		fmt.Sscan(reply[head:head+clen], &next)
		keys := skSortedKeys(t, reply[head+clen+2:])
		// Count the buckets between cursor and next.
		visited, nonEmpty, c := 0, 0, cursor
		for {
			n := 0
			c = x.m.dbs[0].scan(c, func(*entry) { n++ })
			visited++
			if n > 0 {
				nonEmpty++
			}
			if c == next {
				break
			}
		}
		if visited > 11 || (len(keys) == 0 && next != 0 && visited != 11) || (len(keys) > 0 && nonEmpty != 1) {
			t.Fatalf("SCAN %d COUNT 1: visited %d buckets, got %d keys, next %d", cursor, visited, len(keys), next)
		}
		if next == 0 {
			break
		}
		cursor = next
	}
}

func TestRenameAndRenameNX(t *testing.T) {
	steps := []step{
		{cmd("RENAME", "a", "b"), skNoSuch},
		{cmd("RENAMENX", "a", "b"), skNoSuch},
		{cmd("RENAME", "a", "a"), skNoSuch},
		{cmd("SET", "a", "1"), skOK},
		{cmd("RENAME", "a", "a"), skOK},
		{cmd("RENAMENX", "a", "a"), skInt(0)},
		{cmd("SET", "b", "2"), skOK},
		{cmd("RENAMENX", "a", "b"), skInt(0)},
		{cmd("RENAME", "a", "b"), skOK},
		{cmd("EXISTS", "a"), skInt(0)},
		{cmd("GET", "b"), skBulk("1")},
		{cmd("RENAMENX", "b", "c"), skInt(1)},
		{cmd("MGET", "b", "c"), skArr(skNull, skBulk("1"))},
		{cmd("RENAME", "c"), skErr("ERR wrong number of arguments for 'rename' command")},
	}
	x := newTM(t)
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	skMake(x, "set", "s")
	x.run([]step{
		{cmd("SET", "t", "v", "PX", "100"), skOK},
		{cmd("RENAME", "t", "s"), skOK}, // replaces a key of another type
		{cmd("TYPE", "s"), "+string\r\n"},
		{cmd("PTTL", "s"), skInt(100)}, // the TTL moves with the value
		{cmd("RENAME", "s", "u"), skOK},
		{cmd("PTTL", "u"), skInt(100)},
		{cmd("SET", "p", "v"), skOK},
		{cmd("RENAME", "p", "u"), skOK},
		{cmd("PTTL", "u"), skInt(-1)}, // the destination's TTL goes with it
	})
	skMake(x, "zset", "z")
	x.run([]step{{cmd("RENAME", "z", "z2"), skOK}, {cmd("TYPE", "z2"), "+zset\r\n"}, {cmd("EXISTS", "z"), skInt(0)}})
	x.run([]step{{cmd("SET", "x", "v", "PX", "5"), skOK}, {cmd("SET", "y", "v"), skOK}})
	x.now += 6
	x.run([]step{
		{cmd("RENAME", "x", "z"), skNoSuch}, // expired source
		{cmd("SET", "x", "v", "PX", "5"), skOK},
		{cmd("RENAMENX", "y", "x"), skInt(0)},
	})
	x.now += 6
	x.run([]step{{cmd("RENAMENX", "y", "x"), skInt(1)}}) // expired destination does not block
	if got := x.m.Expires(); got != 0 {
		t.Errorf("Expires: got %d, want 0", got)
	}
}

func TestCopy(t *testing.T) {
	steps := []step{
		{cmd("COPY", "nokey", "c"), skInt(0)},
		{cmd("COPY", "nokey", "nokey"), skErr("ERR source and destination objects are the same")},
		{cmd("SET", "b", "1"), skOK},
		{cmd("COPY", "b", "c"), skInt(1)},
		{cmd("GET", "c"), skBulk("1")},
		{cmd("COPY", "b", "c"), skInt(0)},
		{cmd("SET", "b", "2"), skOK},
		{cmd("COPY", "b", "c", "REPLACE"), skInt(1)},
		{cmd("GET", "c"), skBulk("2")},
		{cmd("COPY", "b", "c", "replace", "replace"), skInt(1)},
		{cmd("COPY", "b", "b"), skErr("ERR source and destination objects are the same")},
		{cmd("COPY", "b", "b", "DB", "0"), skErr("ERR source and destination objects are the same")},
		{cmd("COPY", "b", "d", "DB", "0"), skInt(1)},
		{cmd("COPY", "b", "c", "DB", "16"), skErr("ERR DB index is out of range")},
		{cmd("COPY", "b", "c", "DB", "-1"), skErr("ERR DB index is out of range")},
		{cmd("COPY", "b", "c", "DB", "16", "REPLACE"), skErr("ERR DB index is out of range")},
		{cmd("COPY", "b", "c", "DB", "abc"), skNotInt},
		{cmd("COPY", "b", "c", "DB", "99999999999"), skErr("ERR value is out of range, value must between -2147483648 and 2147483647")},
		{cmd("COPY", "b", "c", "DB", "-2147483649"), skErr("ERR value is out of range, value must between -2147483648 and 2147483647")},
		{cmd("COPY", "b", "c", "DB"), skSyntax},
		{cmd("COPY", "b", "c", "FOO"), skSyntax},
		{cmd("COPY", "b", "c", "FOO", "DB", "16"), skSyntax},
		{cmd("COPY", "b", "c", "REPLACE\x00x"), skInt(1)},
		{cmd("COPY", "b"), skErr("ERR wrong number of arguments for 'copy' command")},
	}
	x := newTM(t)
	x.run(steps)
	skAgainstRedis(t, 2, steps)

	x.run([]step{
		{cmd("SET", "t", "v", "PX", "100"), skOK},
		{cmd("COPY", "t", "t2"), skInt(1)},
		{cmd("PTTL", "t2"), skInt(100)},
		{cmd("SET", "t", "changed"), skOK},
		{cmd("GET", "t2"), skBulk("v")}, // a copy, not shared bytes
		{cmd("APPEND", "t2", "!"), skInt(2)},
		{cmd("GET", "t"), skBulk("changed")},
		{cmd("SET", "p", "v"), skOK},
		{cmd("COPY", "p", "t2", "REPLACE"), skInt(1)},
		{cmd("PTTL", "t2"), skInt(-1)},
	})
	for _, typ := range []string{"list", "set", "zset", "hash"} {
		src, dst := "c:"+typ, "c2:"+typ
		skMake(x, typ, src)
		x.run([]step{
			{cmd("COPY", src, dst), skInt(1)},
			{cmd("TYPE", dst), "+" + typ + "\r\n"},
		})
		a, b := x.m.dbs[0].get(src), x.m.dbs[0].get(dst)
		// (Placeholder values are zero-size, and Go may give all of them one address.)
		if reflect.TypeOf(a.obj).Elem().Size() > 0 && a.obj == b.obj {
			t.Errorf("COPY of a %s shares the value", typ)
		}
	}
	x.run([]step{{cmd("SET", "x", "v", "PX", "5"), skOK}, {cmd("SET", "y", "v"), skOK}})
	x.now += 6
	x.run([]step{
		{cmd("COPY", "x", "z"), skInt(0)}, // expired source
		{cmd("SET", "x", "v", "PX", "5"), skOK},
		{cmd("COPY", "y", "x"), skInt(0)},
	})
	x.now += 6
	x.run([]step{{cmd("COPY", "y", "x"), skInt(1)}, {cmd("PTTL", "x"), skInt(-1)}})
}

func TestRandomKey(t *testing.T) {
	x := newTM(t)
	x.run([]step{{cmd("RANDOMKEY"), skNull}, {cmd("RANDOMKEY", "x"), skErr("ERR wrong number of arguments for 'randomkey' command")}})
	x.proto = 3
	x.run([]step{{cmd("RANDOMKEY"), skNull3}})
	x.proto = 2
	x.run([]step{{cmd("SET", "only", "v"), skOK}})
	for i := 0; i < 5; i++ {
		if got := x.do("RANDOMKEY"); got != skBulk("only") {
			t.Fatalf("RANDOMKEY: got %q", got)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		x.do("SET", fmt.Sprint("k", i), "v")
	}
	for i := 0; i < 400; i++ {
		seen[x.do("RANDOMKEY")] = true
	}
	if len(seen) < 15 {
		t.Errorf("RANDOMKEY returned only %d distinct keys of 21", len(seen))
	}
	// Same seed, same answer: the reply is a function of the command.
	a := NewWriter(nil, 2)
	b := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("RANDOMKEY")}, NowMs: x.now, Seed: 42}, a)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("RANDOMKEY")}, NowMs: x.now, Seed: 42}, b)
	if string(a.Bytes()) != string(b.Bytes()) {
		t.Errorf("RANDOMKEY with one seed: %q then %q", a.Bytes(), b.Bytes())
	}
	// Expired keys are never returned; when all are expired the answer is null.
	y := newTM(t)
	for i := 0; i < 50; i++ {
		y.do("SET", fmt.Sprint("e", i), "v", "PX", "1")
	}
	y.do("SET", "live", "v")
	y.now += 2
	for i := 0; i < 50; i++ {
		if got := y.do("RANDOMKEY"); got != skBulk("live") && got != skNull {
			t.Fatalf("RANDOMKEY returned an expired key: %q", got)
		}
	}
	y.do("DEL", "live")
	if got := y.do("RANDOMKEY"); got != skNull {
		t.Errorf("all expired: got %q, want null", got)
	}
}

func TestKeySpecs(t *testing.T) {
	for _, s := range keyCommands() {
		if s.Group != "generic" || s.Since == "" || s.Summary == "" || s.Run == nil {
			t.Errorf("%s: incomplete spec %+v", s.Name, s)
		}
		if (s.Flags&FlagWrite != 0) == (s.Flags&FlagReadOnly != 0) {
			t.Errorf("%s: must be exactly one of write and readonly", s.Name)
		}
	}
	for _, tc := range []struct {
		args []string
		keys []string
	}{
		{cmd("DEL", "a", "b"), cmd("a", "b")},
		{cmd("RENAME", "a", "b"), cmd("a", "b")},
		{cmd("COPY", "a", "b", "REPLACE"), cmd("a", "b")},
		{cmd("EXPIRE", "a", "1", "NX"), cmd("a")},
		{cmd("MSET", "a", "1", "b", "2"), cmd("a", "b")},
		{cmd("SCAN", "0"), nil},
	} {
		args := make([][]byte, len(tc.args))
		for i, a := range tc.args {
			args[i] = []byte(a)
		}
		var got []string
		for _, k := range Lookup(args[0]).Keys(args) {
			got = append(got, string(k))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.keys) {
			t.Errorf("%q keys: got %q, want %q", tc.args, got, tc.keys)
		}
	}
}

// TestKeyVersionTracksModifications checks the Dirty calls WATCH relies on:
// after each command the watched key's version must change exactly when
// Redis would signal the key as modified.
func TestKeyVersionTracksModifications(t *testing.T) {
	for _, tc := range []struct {
		setup   [][]string
		args    []string
		key     string
		changes bool
	}{
		{nil, cmd("SET", "k", "v"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "v"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "w", "XX"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "w", "NX"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "w", "NX", "GET"), "k", false},
		{nil, cmd("SET", "k", "w", "XX"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "w", "KEEPTTL"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("SET", "k", "w", "EX", "-1"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("SETNX", "k", "w"), "k", false},
		{nil, cmd("SETNX", "k", "w"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("SETEX", "k", "10", "w"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("PSETEX", "k", "10", "w"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETSET", "k", "w"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETDEL", "k"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETEX", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETEX", "k", "EX", "10"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETEX", "k", "PERSIST"), "k", false},
		{[][]string{cmd("SET", "k", "v", "EX", "10")}, cmd("GETEX", "k", "PERSIST"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETEX", "k", "EXAT", "1"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETEX", "k", "EX", "0"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("MSET", "a", "1", "k", "2"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("MSETNX", "a", "1", "k", "2"), "k", false},
		{nil, cmd("MSETNX", "a", "1", "k", "2"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("APPEND", "k", "x"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("APPEND", "k", ""), "k", true},
		{[][]string{cmd("SET", "k", "1")}, cmd("INCR", "k"), "k", true},
		{[][]string{cmd("SET", "k", "1")}, cmd("DECR", "k"), "k", true},
		{[][]string{cmd("SET", "k", "1")}, cmd("INCRBY", "k", "0"), "k", true},
		{[][]string{cmd("SET", "k", "1")}, cmd("DECRBY", "k", "2"), "k", true},
		{[][]string{cmd("SET", "k", "1")}, cmd("INCRBYFLOAT", "k", "0.5"), "k", true},
		{[][]string{cmd("SET", "k", "9223372036854775807")}, cmd("INCR", "k"), "k", false},
		{[][]string{cmd("SET", "k", "x")}, cmd("INCR", "k"), "k", false},
		{[][]string{cmd("SET", "k", "x")}, cmd("INCRBYFLOAT", "k", "1"), "k", false},
		{[][]string{cmd("SET", "k", "abc")}, cmd("SETRANGE", "k", "1", "x"), "k", true},
		{[][]string{cmd("SET", "k", "abc")}, cmd("SETRANGE", "k", "1", ""), "k", false},
		{[][]string{cmd("SET", "k", "abc")}, cmd("DEL", "k"), "k", true},
		{[][]string{cmd("SET", "k", "abc")}, cmd("UNLINK", "k"), "k", true},
		{[][]string{cmd("SET", "k", "abc")}, cmd("DEL", "other"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("EXPIRE", "k", "100"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("PEXPIREAT", "k", "1"), "k", true},
		{[][]string{cmd("SET", "k", "v", "EX", "10")}, cmd("EXPIRE", "k", "100", "NX"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("EXPIRE", "k", "100", "XX"), "k", false},
		{[][]string{cmd("SET", "k", "v", "EX", "10")}, cmd("PERSIST", "k"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("PERSIST", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("RENAME", "k", "d"), "k", true},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("RENAME", "k", "d"), "d", true},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("RENAMENX", "k", "d"), "d", false},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("RENAMENX", "k", "d"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("RENAME", "k", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("COPY", "k", "d", "REPLACE"), "d", true},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("COPY", "k", "d"), "d", false},
		{[][]string{cmd("SET", "k", "v"), cmd("SET", "d", "w")}, cmd("COPY", "k", "d", "REPLACE"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("FLUSHALL"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("FLUSHDB"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("CAS", "k", "v", "w"), "k", true},
		{[][]string{cmd("SET", "k", "v")}, cmd("CAS", "k", "x", "w"), "k", false},
		{[][]string{cmd("SET", "k", "v", "PX", "1000")}, cmd("redraft.expire", "k"), "k", false},
		// Read-only commands never change versions.
		{[][]string{cmd("SET", "k", "v", "EX", "10")}, cmd("GET", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("MGET", "k", "x"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("STRLEN", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("GETRANGE", "k", "0", "-1"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("EXISTS", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("TOUCH", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("TYPE", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v", "EX", "10")}, cmd("TTL", "k"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("KEYS", "*"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("SCAN", "0"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("RANDOMKEY"), "k", false},
		{[][]string{cmd("SET", "k", "v")}, cmd("DBSIZE"), "k", false},
	} {
		x := newTM(t)
		for _, s := range tc.setup {
			x.do(s...)
		}
		before := x.m.KeyVersion(0, []byte(tc.key), x.now)
		x.do(tc.args...)
		after := x.m.KeyVersion(0, []byte(tc.key), x.now)
		if (before != after) != tc.changes {
			t.Errorf("%q after %q: version %d -> %d, want changed=%v", tc.args, tc.setup, before, after, tc.changes)
		}
	}
}

func TestWatchedKeyThroughExec(t *testing.T) {
	x := newTM(t)
	x.do("SET", "k", "v")
	watch := []Watch{{Key: []byte("k"), Version: x.m.KeyVersion(0, []byte("k"), x.now)}}
	exec := func() string {
		w := NewWriter(nil, 2)
		x.m.Exec(&Cmd{NowMs: x.now, Proto: 2, Tx: &Tx{Watches: watch, Cmds: [][][]byte{{[]byte("GET"), []byte("k")}}}}, w)
		return string(w.Bytes())
	}
	x.do("SET", "k", "other", "NX") // no modification
	x.do("EXPIRE", "k", "100", "XX")
	if got, want := exec(), skArr(skBulk("v")); got != want {
		t.Fatalf("EXEC after non-modifying writes: got %q, want %q", got, want)
	}
	x.do("APPEND", "k", "!")
	if got := exec(); got != "*-1\r\n" {
		t.Fatalf("EXEC after APPEND: got %q, want a null array", got)
	}
}

func TestKeyCommandsRESP3(t *testing.T) {
	// RESP3 changes only RANDOMKEY's null among the generic commands.
	steps := []step{
		{cmd("RANDOMKEY"), skNull3},
		{cmd("SET", "a", "1"), skOK},
		{cmd("TYPE", "a"), "+string\r\n"},
		{cmd("TTL", "a"), skInt(-1)},
		{cmd("KEYS", "*"), skArr(skBulk("a"))},
		{cmd("SCAN", "0"), skArr(skBulk("0"), skArr(skBulk("a")))},
		{cmd("RANDOMKEY"), skBulk("a")},
		{cmd("RENAME", "a", "b"), skOK},
		{cmd("COPY", "b", "c"), skInt(1)},
		{cmd("EXISTS", "a", "b", "c"), skInt(2)},
		{cmd("DEL", "b", "c"), skInt(2)},
	}
	x := newTM(t)
	x.proto = 3
	x.run(steps)
	skAgainstRedis(t, 3, steps)
}

func FuzzParseScanCursor(f *testing.F) {
	for _, s := range []string{"0", "", "-1", "+7", " 1", "1 ", "18446744073709551616", "5\x00x", "-", "0x1"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := parseScanCursor(b)
		// Reference: strtoul over the C string, rejecting leading space.
		s := string(cstr(b))
		wantOK := len(b) == 0 || !isSpace(b[0])
		neg := false
		digits := s
		if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
			neg = digits[0] == '-'
			digits = digits[1:]
		}
		var want uint64
		if wantOK {
			if s == "" {
				want = 0
			} else if u, err := strconv.ParseUint(digits, 10, 64); err != nil || digits == "" || digits[0] < '0' || digits[0] > '9' {
				wantOK = false
			} else if want = u; neg {
				want = -u
			}
		}
		if ok != wantOK || (ok && v != want) {
			t.Fatalf("%q: got %d %v, want %d %v", b, v, ok, want, wantOK)
		}
	})
}
