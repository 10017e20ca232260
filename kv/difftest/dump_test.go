package difftest

import (
	"fmt"
	"strings"
	"testing"

	"redraft/kv"
)

// TestDumpRestore builds the same values on redis-server and on a
// kv.Machine, then checks that DUMP payloads cross both ways: kv RESTOREs
// Redis's payload into an equal value, Redis RESTOREs kv's, and for values
// whose encoding Redis writes deterministically (small strings, listpacks,
// intsets, quicklists of one node, HLLs) the payload bytes are identical.
func TestDumpRestore(t *testing.T) {
	srv := startRedis(t)
	rc, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.close()
	m := kv.NewMachine()
	const now = 1_700_000_000_000
	kvDo := func(args ...string) string {
		a := make([][]byte, len(args))
		for i, s := range args {
			a[i] = []byte(s)
		}
		w := kv.NewWriter(nil, 2)
		m.Exec(&kv.Cmd{Args: a, NowMs: now, Proto: 2}, w)
		return string(w.Bytes())
	}
	redisDo := func(args ...string) string {
		raw, err := rc.do(args...)
		if err != nil {
			t.Fatal(err)
		}
		return string(raw)
	}
	both := func(args ...string) {
		r, k := redisDo(args...), kvDo(args...)
		if r != k {
			t.Fatalf("%q: redis %q, kv %q", args, r, k)
		}
	}
	bulk := func(raw string) string { // the payload of a "$n\r\n...\r\n" reply
		v, err := parseReply([]byte(raw))
		if err != nil || v.kind != '$' {
			t.Fatalf("not a bulk reply: %q", raw)
		}
		return v.str
	}
	many := func(cmd, key string, n int, f func(i int) []string) {
		args := []string{cmd, key}
		for i := range n {
			args = append(args, f(i)...)
		}
		both(args...)
	}
	redisDo("FLUSHALL")
	both("SET", "s-int", "12345")
	both("SET", "s-neg", "-70000")
	both("SET", "s-big", "4294967296")
	both("SET", "s-str", "hello world")
	both("SET", "s-bin", "\x00\xff\r\n")
	many("RPUSH", "l-small", 20, func(i int) []string { return []string{fmt.Sprint(i * 37), "v" + fmt.Sprint(i)} })
	many("RPUSH", "l-ints", 5, func(i int) []string { return []string{fmt.Sprint(-1 << (i * 12)), fmt.Sprint(1<<(i*12) + 1)} })
	many("SADD", "t-int", 30, func(i int) []string { return []string{fmt.Sprint(i*i - 100)} })
	many("SADD", "t-wide", 3, func(i int) []string { return []string{fmt.Sprint(int64(1) << (20 * i))} })
	many("SADD", "t-str", 10, func(i int) []string { return []string{"m" + fmt.Sprint(i)} })
	many("ZADD", "z-lp", 20, func(i int) []string { return []string{fmt.Sprint(float64(i) * 1.5), "m" + fmt.Sprint(i)} })
	both("ZADD", "z-lp", "-inf", "low", "inf", "high", "1e300", "huge", "-0.1", "neg")
	many("ZADD", "z-sl", 200, func(i int) []string { return []string{fmt.Sprint(i % 17), "m" + fmt.Sprint(i)} })
	many("HSET", "h-lp", 20, func(i int) []string { return []string{"f" + fmt.Sprint(i), fmt.Sprint(i * 1000)} })
	many("HSET", "h-ht", 600, func(i int) []string { return []string{"f" + fmt.Sprint(i), "v"} })
	many("PFADD", "p-sparse", 50, func(i int) []string { return []string{"e" + fmt.Sprint(i)} })
	many("PFADD", "p-dense", 3000, func(i int) []string { return []string{"e" + fmt.Sprint(i)} })
	both("PFCOUNT", "p-dense")
	both("SET", "s-long", strings.Repeat("abc", 100))
	many("HSET", "h-long", 2, func(i int) []string { return []string{"f" + fmt.Sprint(i), strings.Repeat("x", 100)} })

	many("RPUSH", "l-big", 3000, func(i int) []string { return []string{"value-" + fmt.Sprint(i*7919%1000)} })
	many("RPUSH", "l-big", 5, func(i int) []string { return []string{strings.Repeat("y", 3000+i)} })
	// 10-byte elements: Redis's node-size estimate (length + 8) and the
	// real entry size (length + 2) put the node boundary at different places.
	many("RPUSH", "l-10", 1500, func(i int) []string { return []string{fmt.Sprintf("elem-%05d", i)} })
	many("RPUSH", "l-var", 4000, func(i int) []string { return []string{strings.Repeat("v", i*7919%31)} })
	var rnd strings.Builder
	x := uint32(1)
	for range 5000 {
		x = x*1103515245 + 12345
		rnd.WriteByte("abcdefgh"[x>>28&7])
	}
	both("SET", "s-rand", rnd.String())
	both("RPUSH", "l-tiny", "a", "12")
	both("HSET", "h-tiny", "f", "1")
	both("ZADD", "z-tiny", "1.5", "a", "-2", "b")
	both("SADD", "t-tiny", "1", "-2")
	// Every payload is Redis's byte for byte except hashtables (sets of
	// strings, big hashes), which Redis writes in its dict's order.
	sameBytes := map[string]bool{"s-int": true, "s-neg": true, "s-big": true, "s-str": true, "s-bin": true,
		"l-tiny": true, "h-tiny": true, "z-tiny": true, "t-tiny": true, "p-sparse": true, "p-dense": true,
		"l-small": true, "l-ints": true, "t-int": true, "t-wide": true, "z-lp": true, "z-sl": true, "h-lp": true,
		"s-long": true, "l-big": true, "s-rand": true, "l-var": true, "l-10": true}
	keys := []string{"l-tiny", "h-tiny", "z-tiny", "t-tiny", "s-int", "s-neg", "s-big", "s-str", "s-bin", "l-small", "l-ints", "t-int", "t-wide", "t-str",
		"z-lp", "z-sl", "h-lp", "h-ht", "p-sparse", "p-dense", "s-long", "h-long", "l-big", "s-rand", "l-var", "l-10"}
	// content renders a key's value in an order-independent way.
	content := func(do func(...string) string, key string) string {
		switch t := do("TYPE", key); t {
		case "+string\r\n":
			return do("GET", key)
		case "+list\r\n":
			return do("LRANGE", key, "0", "-1")
		case "+set\r\n":
			return do("SORT", key, "ALPHA")
		case "+zset\r\n":
			return do("ZRANGE", key, "0", "-1", "WITHSCORES")
		case "+hash\r\n":
			return do("HGET", key, "f7") + do("HLEN", key) + do("HGET", key, "f1")
		default:
			return t
		}
	}
	for _, k := range keys {
		rp := bulk(redisDo("DUMP", k))
		kp := bulk(kvDo("DUMP", k))
		if sameBytes[k] && rp != kp {
			t.Errorf("DUMP %s: payloads differ\nredis %q\nkv    %q", k, rp, kp)
		}
		// Redis's payload into kv, kv's into Redis.
		if got := kvDo("RESTORE", k+"-from-redis", "0", rp); got != "+OK\r\n" {
			t.Errorf("kv RESTORE of Redis's DUMP %s: %q", k, got)
			continue
		}
		if got := redisDo("RESTORE", k+"-from-kv", "0", kp); got != "+OK\r\n" {
			t.Errorf("Redis RESTORE of kv's DUMP %s: %q", k, got)
			continue
		}
		want := content(redisDo, k)
		if k != "t-str" && k != "h-ht" { // SORT is not a kv command; skip sets of strings
			if got := content(kvDo, k+"-from-redis"); got != want && !strings.HasPrefix(content(kvDo, k), "-") {
				t.Errorf("%s restored in kv: %q, want %q", k, got, want)
			}
		}
		if got := content(redisDo, k+"-from-kv"); got != want {
			t.Errorf("%s restored in Redis: %q, want %q", k, got, want)
		}
		for _, do := range []func(...string) string{redisDo, kvDo} {
			if got := do("OBJECT", "ENCODING", k); got != redisDo("OBJECT", "ENCODING", k) && k != "s-long" {
				t.Errorf("OBJECT ENCODING %s: %q, redis %q", k, got, redisDo("OBJECT", "ENCODING", k))
			}
		}
	}
	// Errors, in Redis's order.
	for _, args := range [][]string{
		{"RESTORE", "s-int", "0", "x"},
		{"RESTORE", "new", "0", "x"},
		{"RESTORE", "new", "-1", "x"},
		{"RESTORE", "new", "abc", "x"},
		{"RESTORE", "new", "0", "x", "BOGUS"},
		{"RESTORE", "new", "0", "x", "IDLETIME", "-1"},
		{"RESTORE", "new", "0", "x", "FREQ", "256"},
		{"RESTORE", "new", "0", "x", "IDLETIME", "1", "FREQ", "1"},
		{"RESTORE", "new", "0", "\x00\x01a\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{"DUMP", "missing"},
		{"OBJECT", "ENCODING", "missing"},
		{"OBJECT", "BOGUS", "x"},
		{"OBJECT", "ENCODING"},
		{"OBJECT", "HELP"},
		{"OBJECT", "REFCOUNT", "s-int"},
		{"OBJECT", "REFCOUNT", "s-str"},
		{"OBJECT", "FREQ", "s-str"},
	} {
		both(args...)
	}
	// A corrupted payload with a valid checksum: Bad data format.
	p := []byte(bulk(redisDo("DUMP", "h-lp")))
	p[3] ^= 0xff
	body := p[:len(p)-8]
	fixed := string(body) + string(crcBytes(body))
	both("RESTORE", "bad", "0", fixed)
}

// crcBytes is the CRC-64/Jones of b (reflected, initial 0), little endian,
// computed bit by bit independently of kv's table-driven version.
func crcBytes(b []byte) []byte {
	var crc uint64
	for _, x := range b {
		crc ^= uint64(x)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x95ac9329ac4bc9b5
			} else {
				crc >>= 1
			}
		}
	}
	out := make([]byte, 8)
	for i := range out {
		out[i] = byte(crc >> (8 * i))
	}
	return out
}
