package kv

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// FuzzEval runs random scripts with random arguments: the machine never
// panics, answers exactly one well-formed RESP value, and two machines
// given the same command end with the same reply and the same snapshot.
func FuzzEval(f *testing.F) {
	for _, s := range []string{
		"return redis.call('SET', KEYS[1], ARGV[1])",
		"local t = {} for i = 1, tonumber(ARGV[1]) or 3 do t[i] = math.random(i) end return t",
		"return cjson.decode(ARGV[1])",
		"return cmsgpack.unpack(ARGV[1])",
		"return struct.unpack(ARGV[1], KEYS[1])",
		"return {err=ARGV[1]}",
		"redis.setresp(3) return redis.call('HGETALL', KEYS[1])",
		"while true do end",
		"local s = ARGV[1] for i = 1, 30 do s = s .. s end return #s",
		"return loadstring(ARGV[1])()",
		"return setmetatable({}, {__index = function(t, k) return k end}).x",
		"return string.rep(ARGV[1], 1e9)",
	} {
		f.Add(s, "x", "k", uint8(1))
	}
	f.Fuzz(func(t *testing.T, body, arg, key string, numkeys uint8) {
		// A script that the budget does not stop would hang the node:
		// report it (with its input) instead of stalling the fuzzer.
		timer := time.AfterFunc(5*time.Second, func() {
			panic(fmt.Sprintf("EVAL did not stop within 5s: body %q arg %q", body, arg))
		})
		defer timer.Stop()
		lim := ScriptLimits
		lim.Instructions = 200_000
		lim.AllocBytes = 8 << 20
		lim.StringBytes = 1 << 20
		args := [][]byte{[]byte("EVAL"), []byte(body), []byte(strconv.Itoa(int(numkeys % 3))), []byte(key), []byte(arg)}
		var replies, snaps [2][]byte
		for i := range replies {
			m := NewMachine()
			m.scripts.limits = lim
			w := NewWriter(nil, 2)
			m.Exec(&Cmd{Args: [][]byte{[]byte("SET"), []byte(key), []byte(arg)}, NowMs: 1, Seed: 1}, w)
			w.Reset()
			m.Exec(&Cmd{Args: args, NowMs: 2, Seed: 42, Proto: 2}, w)
			replies[i] = w.Bytes()
			if n, ok := respValueLen(replies[i], 0); !ok || n != len(replies[i]) {
				t.Fatalf("not one RESP value: %q", replies[i])
			}
			var b bytes.Buffer
			if err := m.Snapshot(&b); err != nil {
				t.Fatal(err)
			}
			snaps[i] = b.Bytes()
		}
		if !bytes.Equal(replies[0], replies[1]) || !bytes.Equal(snaps[0], snaps[1]) {
			t.Fatalf("nondeterministic: %q vs %q", replies[0], replies[1])
		}
	})
}

// respValueLen returns the length of the RESP2/RESP3 value at the front of b.
func respValueLen(b []byte, depth int) (int, bool) {
	if depth > 2000 || len(b) < 3 {
		return 0, false
	}
	end := bytes.Index(b, []byte("\r\n"))
	if end < 1 {
		return 0, false
	}
	line := string(b[1:end])
	n := end + 2
	switch b[0] {
	case '+', '-', ':', ',', '(', '_', '#':
		return n, true
	case '$', '=':
		l, err := strconv.Atoi(line)
		if err != nil {
			return 0, false
		}
		if l < 0 {
			return n, true
		}
		if len(b) < n+l+2 || string(b[n+l:n+l+2]) != "\r\n" {
			return 0, false
		}
		return n + l + 2, true
	case '*', '~', '%':
		c, err := strconv.Atoi(line)
		if err != nil {
			return 0, false
		}
		if b[0] == '%' {
			c *= 2
		}
		for i := 0; i < c; i++ {
			m, ok := respValueLen(b[n:], depth+1)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	}
	return 0, false
}
