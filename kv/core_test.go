package kv

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestGetSetBasics(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("GET", "k"), "$-1\r\n"},
		{cmd("set", "k", "v"), "+OK\r\n"},
		{cmd("GET", "k"), "$1\r\nv\r\n"},
		{cmd("GET"), "-ERR wrong number of arguments for 'get' command\r\n"},
		{cmd("NOPE", "a", "b"), "-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n"},
	})
	x.proto = 3
	x.run([]step{{cmd("GET", "missing"), "_\r\n"}})
}

func TestDictScanVisitsEveryKeyAcrossResizes(t *testing.T) {
	d := newDict()
	for i := 0; i < 1000; i++ {
		d.add(&entry{key: fmt.Sprint("k", i)})
	}
	seen := map[string]int{}
	var cursor uint64
	steps := 0
	for {
		cursor = d.scan(cursor, func(e *entry) { seen[e.key]++ })
		steps++
		if steps == 50 { // grow in the middle of the iteration
			for i := 1000; i < 5000; i++ {
				d.add(&entry{key: fmt.Sprint("k", i)})
			}
		}
		if steps == 400 { // and shrink
			for i := 1000; i < 5000; i++ {
				d.remove(fmt.Sprint("k", i))
			}
		}
		if cursor == 0 {
			break
		}
	}
	for i := 0; i < 1000; i++ {
		if seen[fmt.Sprint("k", i)] == 0 {
			t.Fatalf("k%d never returned by SCAN", i)
		}
	}
}

func TestDictLayoutIsAFunctionOfHistory(t *testing.T) {
	build := func() []string {
		d := newDict()
		for i := 0; i < 300; i++ {
			d.add(&entry{key: fmt.Sprint("key:", i)})
			if i%3 == 0 {
				d.remove(fmt.Sprint("key:", i/2))
			}
		}
		var order []string
		d.each(func(e *entry) bool { order = append(order, e.key); return true })
		return order
	}
	a, b := build(), build()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same history, different iteration order")
	}
}

func TestAddLongDoubleMatchesRedis(t *testing.T) {
	for _, tc := range []struct{ cur, incr, want string }{
		{"10.5", "0.1", "10.6"},
		{"0.1", "0.2", "0.3"},
		{"5.0e3", "2.0e2", "5200"},
		{"3", "1.5", "4.5"},
		{"0", "-0", "0"},
		{"1", "1e20", "100000000000000000000"},
	} {
		got, ok := AddLongDouble([]byte(tc.cur), []byte(tc.incr))
		if !ok || got != tc.want {
			t.Errorf("%s + %s = %q %v, want %q", tc.cur, tc.incr, got, ok, tc.want)
		}
	}
	if _, ok := AddLongDouble([]byte("1"), []byte("inf")); ok {
		t.Error("inf increment accepted")
	}
	if _, ok := AddLongDouble([]byte("abc"), []byte("1")); ok {
		t.Error("non-float accepted")
	}
}

func TestAppendDoubleIsPercent17g(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1.5, "1.5"}, {0.1, "0.10000000000000001"}, {3, "3"}, {-2, "-2"},
		{1e17, "1e+17"}, {1.5e-7, "1.4999999999999999e-07"}, {math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"}, {72057594037927936, "72057594037927936"},
	} {
		if got := string(AppendDouble(nil, tc.f)); got != tc.want {
			t.Errorf("%v: got %q want %q", tc.f, got, tc.want)
		}
	}
}

func TestParseIntIsString2ll(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
		v  int64
	}{
		{"0", true, 0}, {"-1", true, -1}, {"9223372036854775807", true, math.MaxInt64},
		{"-9223372036854775808", true, math.MinInt64}, {"9223372036854775808", false, 0},
		{"01", false, 0}, {"+1", false, 0}, {" 1", false, 0}, {"", false, 0}, {"-0", false, 0}, {"1a", false, 0},
	} {
		v, ok := ParseInt([]byte(tc.in))
		if ok != tc.ok || v != tc.v {
			t.Errorf("%q: got %d %v", tc.in, v, ok)
		}
	}
}

func TestCmdEncodingRoundTrip(t *testing.T) {
	c := &Cmd{Args: [][]byte{[]byte("SET"), []byte("k"), {}}, NowMs: -5, Seed: 1 << 63, Proto: 3,
		Tx: &Tx{Watches: []Watch{{Key: []byte("w"), Version: 7}}, Cmds: [][][]byte{{[]byte("GET"), []byte("k")}}}}
	b := c.AppendEncode(nil)
	got, rest, err := DecodeCmd(append(b, 0xAA))
	if err != nil || !bytes.Equal(rest, []byte{0xAA}) {
		t.Fatalf("decode: %v rest=%x", err, rest)
	}
	if !bytes.Equal(got.AppendEncode(nil), b) {
		t.Fatal("re-encoding differs")
	}
	for i := 0; i < len(b); i++ {
		if _, _, err := DecodeCmd(b[:i]); err == nil {
			t.Fatalf("truncation at %d accepted", i)
		}
	}
	// An origin (a NOLOOP client's) travels after everything, with or
	// without a transaction and a user.
	for _, c := range []*Cmd{
		{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}, Origin: Origin{Server: 1<<64 - 1, Client: 42}},
		{Args: [][]byte{[]byte("EXEC")}, User: "u", Tx: &Tx{Cmds: [][][]byte{{[]byte("DEL"), []byte("k")}}}, Origin: Origin{Server: 7, Client: 1}},
	} {
		b := c.AppendEncode(nil)
		got, rest, err := DecodeCmd(b)
		if err != nil || len(rest) != 0 || got.Origin != c.Origin || got.User != c.User || (c.Tx != nil) != (got.Tx != nil) {
			t.Fatalf("origin round trip of %q: %+v, rest %x, %v", c.Args[0], got, rest, err)
		}
		if _, _, err := DecodeCmd(b[:len(b)-1]); err == nil {
			t.Fatalf("%q: truncated origin accepted", c.Args[0])
		}
	}
}

func FuzzDecodeCmd(f *testing.F) {
	f.Add((&Cmd{Args: [][]byte{[]byte("GET"), []byte("k")}}).AppendEncode(nil))
	f.Add((&Cmd{Args: [][]byte{[]byte("GET"), []byte("k")}, DB: 15}).AppendEncode(nil))
	f.Add((&Cmd{Args: [][]byte{[]byte("EXEC")}, DB: 2, Tx: &Tx{
		Watches: []Watch{{DB: 7, Key: []byte("w"), Version: 3}},
		Cmds:    [][][]byte{{[]byte("SELECT"), []byte("4")}, {[]byte("SET"), []byte("k"), []byte("v")}},
	}}).AppendEncode(nil))
	f.Add([]byte{1, 2, 0, 0, 0, 2, 3, 'G', 'E', 'T', 1, 'k'}) // version 1
	f.Add((&Cmd{Args: [][]byte{[]byte("ACL"), []byte("SETUSER"), []byte("u"), []byte("(~a +get)")}, User: "u"}).AppendEncode(nil))
	f.Add((&Cmd{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}, Origin: Origin{Server: 9, Client: 3}}).AppendEncode(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _, err := DecodeCmd(b)
		if err != nil {
			return
		}
		// Whatever decodes must execute without panicking.
		m := NewMachine()
		m.Exec(c, NewWriter(nil, 2))
	})
}

func TestFloatParsingFollowsStrtod(t *testing.T) {
	if f, ok := ParseFloat([]byte("0x10")); !ok || f != 16 {
		t.Errorf("0x10: got %v %v, want 16", f, ok)
	}
	if _, ok := ParseFloat([]byte("1e400")); ok {
		t.Error("1e400 accepted by the double parser (strtod: ERANGE)")
	}
	if got, ok := AddLongDouble([]byte("1e400"), []byte("1")); !ok || got[:4] != "1000" {
		t.Errorf("long double 1e400 + 1: got %.10q %v", got, ok)
	}
}

func TestIncrByFloatTakesLongDoubleOperands(t *testing.T) {
	x := newTM(t)
	big := "$401\r\n10000000000000000000281880683947586514586453433629"
	for _, tc := range []struct {
		args []string
		pre  string // want prefix
	}{
		{cmd("SET", "s", "5"), "+OK"},
		{cmd("INCRBYFLOAT", "s", "1e-400"), "$1\r\n5\r\n"},
		{cmd("INCRBYFLOAT", "s", "1e400"), big},
		{cmd("HINCRBYFLOAT", "h", "a", "1e400"), big},
		{cmd("HINCRBYFLOAT", "h2", "a", "inf"), "-ERR value is NaN or Infinity"},
		{cmd("HINCRBYFLOAT", "h3", "a", "abc"), "-ERR value is not a valid float"},
	} {
		if got := x.do(tc.args...); len(got) < len(tc.pre) || got[:len(tc.pre)] != tc.pre {
			t.Errorf("%q: got %.80q, want prefix %q", tc.args, got, tc.pre)
		}
	}
}

func TestUnknownCommandArgsAreCutAt128(t *testing.T) {
	a := strings.Repeat("a", 100)
	got := machineReply("foo", a, a, "x")
	want := "-ERR unknown command 'foo', with args beginning with: '" + a + "' '" + strings.Repeat("a", 25) + "' \r\n"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func machineReply(args ...string) string {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	w := NewWriter(nil, 2)
	NewMachine().Exec(&Cmd{Args: a}, w)
	return string(w.Bytes())
}
