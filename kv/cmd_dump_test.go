package kv

import (
	"bytes"
	"strings"
	"testing"
)

// dumpOf runs DUMP key on x and returns the payload.
func dumpOf(t *testing.T, x *tm, key string) string {
	t.Helper()
	r := x.do("DUMP", key)
	_, body, ok := strings.Cut(r, "\r\n")
	if !ok || r[0] != '$' {
		t.Fatalf("DUMP %s: %q", key, r)
	}
	return strings.TrimSuffix(body, "\r\n")
}

func TestDumpRestoreCommands(t *testing.T) {
	x := newTM(t)
	// Payloads redis-server 7.0.15 returns for these values.
	steps := []step{
		{cmd("SET", "s", "hello"), skOK},
		{cmd("DUMP", "s"), skBulk("\x00\x05hello\n\x00cr\xdfve4 \n")},
		{cmd("SET", "n", "-300"), skOK},
		{cmd("DUMP", "n"), skBulk("\x00\xc1\xd4\xfe\n\x00\xc6\xc4\x86#\xfe\xbe\xde.")},
		{cmd("DUMP", "nokey"), skNull},
	}
	x.run(steps)
	skAgainstRedis(t, 2, steps)

	x.do("RPUSH", "l", "a", "1", "-70000")
	x.do("HSET", "h", "f", "v")
	x.do("SADD", "t", "5", "-1")
	x.do("SADD", "u", "x", "y")
	x.do("ZADD", "z", "1.5", "a", "2", "b")
	for _, k := range []string{"s", "n", "l", "h", "t", "u", "z"} {
		p := dumpOf(t, x, k)
		x.run([]step{
			{cmd("RESTORE", k, "0", p), skErr(errBusyKey)},
			{cmd("RESTORE", k+"2", "0", p), skOK},
			{cmd("DUMP", k+"2"), skBulk(p)},
			{cmd("RESTORE", k, "0", p, "REPLACE"), skOK},
		})
	}
	p := dumpOf(t, x, "s")
	x.run([]step{
		{cmd("RESTORE", "e", "1000", p), skOK},
		{cmd("PTTL", "e"), skInt(1000)},
		{cmd("RESTORE", "a", "1", p, "ABSTTL"), skOK},
		{cmd("EXISTS", "a"), skInt(0)},
		{cmd("RESTORE", "a", "-1", p), skErr(errRestoreTTL)},
		{cmd("RESTORE", "a", "x", p), skNotInt},
		{cmd("RESTORE", "a", "0", p, "IDLETIME", "-1"), skErr(errRestoreIdle)},
		{cmd("RESTORE", "a", "0", p, "FREQ", "256"), skErr(errRestoreFreq)},
		{cmd("RESTORE", "a", "0", p, "IDLETIME", "1", "FREQ", "1"), skSyntax},
		{cmd("RESTORE", "a", "0", p, "BOGUS"), skSyntax},
		{cmd("RESTORE", "a", "0", p[:len(p)-1]+"x"), skErr(errDumpPayload)},
		{cmd("RESTORE", "a", "0", "\x00"), skErr(errDumpPayload)},
		{cmd("OBJECT", "ENCODING", "s"), skBulk("embstr")},
		{cmd("OBJECT", "ENCODING", "n"), skBulk("int")},
		{cmd("OBJECT", "ENCODING", "l"), skBulk("quicklist")},
		{cmd("OBJECT", "ENCODING", "h"), skBulk("listpack")},
		{cmd("OBJECT", "ENCODING", "t"), skBulk("intset")},
		{cmd("OBJECT", "ENCODING", "u"), skBulk("hashtable")},
		{cmd("OBJECT", "ENCODING", "z"), skBulk("listpack")},
		{cmd("OBJECT", "ENCODING", "nokey"), skNull},
		{cmd("OBJECT", "REFCOUNT", "n"), skInt(1)},
		{cmd("OBJECT", "REFCOUNT", "s"), skInt(1)},
		{cmd("OBJECT", "IDLETIME", "s"), skInt(0)},
		{cmd("OBJECT", "FREQ", "s"), skErr(errObjectFreqLRU)},
		{cmd("OBJECT", "ENCODING"), skErr("ERR wrong number of arguments for 'object|encoding' command")},
		{cmd("OBJECT", "NOPE", "s"), skErr("ERR unknown subcommand 'NOPE'. Try OBJECT HELP.")},
	})
	x.do("SET", "small", "7")
	x.run([]step{{cmd("OBJECT", "REFCOUNT", "small"), skInt(sharedRefcount)}})
	if r := x.do("OBJECT", "HELP"); !strings.HasPrefix(r, "*15\r\n+OBJECT <subcommand>") {
		t.Errorf("OBJECT HELP: %q", r)
	}
}

// TestLZFRoundTrip: what lzfCompress writes, lzfDecompress reads back.
func TestLZFRoundTrip(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("a", 1000), strings.Repeat("abcdefgh", 300), "short but longer than twenty bytes! short but longer",
		strings.Repeat("xyz", 5) + strings.Repeat("0123456789", 40),
	} {
		z := lzfCompress([]byte(s), len(s)-4)
		if z == nil {
			t.Fatalf("%q: not compressed", s[:20])
		}
		got, ok := lzfDecompress(z, len(s))
		if !ok || string(got) != s {
			t.Errorf("%q: round trip failed", s[:20])
		}
	}
	if z := lzfCompress([]byte("abcdefghijklmnopqrstuvwxyz"), 22); z != nil {
		t.Errorf("incompressible input compressed to %q", z)
	}
}

// FuzzRestorePayload: any payload (with a valid checksum added, so the
// decoder is reached) is either refused with an error or restored into a
// value whose DUMP restores again; it never panics or allocates beyond
// what the payload can describe.
func FuzzRestorePayload(f *testing.F) {
	x := newTM(&testing.T{})
	x.do("RPUSH", "l", "a", "1", "-70000", strings.Repeat("q", 100))
	x.do("HSET", "h", "f", "v")
	x.do("SADD", "t", "5", "-1")
	x.do("SADD", "u", "x", "y")
	x.do("ZADD", "z", "1.5", "a", "2", "b")
	x.do("SET", "s", strings.Repeat("abc", 30))
	x.do("PFADD", "p", "a", "b")
	for _, k := range []string{"l", "h", "t", "u", "z", "s", "p"} {
		r := x.do("DUMP", k)
		_, body, _ := strings.Cut(r, "\r\n")
		body = strings.TrimSuffix(body, "\r\n")
		f.Add([]byte(body[:len(body)-10]))
	}
	f.Fuzz(func(t *testing.T, value []byte) {
		p := append(bytes.Clone(value), rdbVersion, 0)
		p = append(p, make([]byte, 8)...)
		crc := crc64Jones(0, p[:len(p)-8])
		for i := range 8 {
			p[len(p)-8+i] = byte(crc >> (8 * i))
		}
		y := newTM(t)
		r := y.do("RESTORE", "k", "0", string(p))
		if r != skOK {
			if r != skErr(errBadDataFormat) {
				t.Fatalf("RESTORE: %q", r)
			}
			return
		}
		d := dumpOf(t, y, "k")
		if r := y.do("RESTORE", "k2", "0", d); r != skOK {
			t.Fatalf("RESTORE of the re-DUMP: %q", r)
		}
		if dumpOf(t, y, "k2") != d {
			t.Fatal("DUMP after RESTORE of a DUMP differs")
		}
	})
}

// TestBitsHLLDumpSurviveSnapshot: bitmaps, HLLs (sparse and dense, cache
// valid or not) and RESTOREd values come back from a snapshot byte for byte,
// and two machines fed the same commands write identical snapshots.
func TestBitsHLLDumpSurviveSnapshot(t *testing.T) {
	build := func() *tm {
		x := newTM(t)
		x.do("SETBIT", "b", "1000", "1")
		x.do("BITFIELD", "f", "SET", "i16", "#3", "-7")
		x.do("PFADD", "h", "a", "b")
		args := []string{"PFADD", "d"}
		for i := range 3000 {
			args = append(args, strings.Repeat("e", i%7)+string(rune('a'+i%26))+strings.Repeat("x", i%13)+string(rune(i)))
		}
		x.do(args...)
		x.do("PFCOUNT", "d")
		x.do("HSET", "src", "f", "v")
		x.do("RESTORE", "r", "0", dumpOf(t, x, "src"))
		return x
	}
	a, b := build(), build()
	sa, sb := snap(t, a.m), snap(t, b.m)
	if !bytes.Equal(sa, sb) {
		t.Fatal("same commands, different snapshots")
	}
	c := &tm{t: t, m: restored(t, sa), now: a.now, proto: 2}
	for _, k := range []string{"b", "f", "h", "d", "r"} {
		if got, want := dumpOf(t, c, k), dumpOf(t, a, k); got != want {
			t.Errorf("%s: DUMP after snapshot differs", k)
		}
	}
}

// FuzzLZF: compression round-trips, never exceeds its output bound, and
// decompression of arbitrary bytes never panics or overruns n.
func FuzzLZF(f *testing.F) {
	f.Add([]byte(strings.Repeat("abcabcabd", 40)), 10)
	f.Add([]byte("\x20\x00\xe0\xff\x01"), 300)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		if out, ok := lzfDecompress(b, n); ok && len(out) != n {
			t.Fatalf("decompressed %d bytes, want %d", len(out), n)
		}
		if len(b) < 5 {
			return
		}
		z := lzfCompress(b, len(b)-4)
		if z == nil {
			return
		}
		if len(z) > len(b)-4 {
			t.Fatalf("compressed to %d bytes, bound %d", len(z), len(b)-4)
		}
		got, ok := lzfDecompress(z, len(b))
		if !ok || !bytes.Equal(got, b) {
			t.Fatalf("round trip of %q failed", b)
		}
	})
}
