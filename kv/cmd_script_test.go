package kv

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"redraft/kv/script"
)

func TestEvalCommands(t *testing.T) {
	x := newTM(t)
	incr := "return redis.call('INCR', KEYS[1])"
	sha := script.Sha1Hex([]byte(incr))
	x.runPrefix([]step{
		{cmd("evalsha", sha, "1", "k"), "-" + ErrNoScript + "\r\n"},
		{cmd("eval", incr, "1", "k"), ":1\r\n"},
		{cmd("evalsha", sha, "1", "k"), ":2\r\n"},
		{cmd("evalsha", strings.ToUpper(sha), "1", "k"), ":3\r\n"},
		{cmd("script", "exists", sha, "ffff"), "*2\r\n:1\r\n:0\r\n"},
		{cmd("eval", "return 1", "x"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("eval", "return 1", "2", "a"), "-ERR Number of keys can't be greater than number of args\r\n"},
		{cmd("eval", "return 1", "-1"), "-ERR Number of keys can't be negative\r\n"},
		{cmd("eval", "return redis.call('get', KEYS[1])", "1", "k"), "$1\r\n3\r\n"},
		{cmd("eval", "return redis.call('hset', KEYS[1], 'f', 'v')", "1", "k"), "-WRONGTYPE Operation against a key holding the wrong kind of value script: " + script.Sha1Hex([]byte("return redis.call('hset', KEYS[1], 'f', 'v')")) + ", on @user_script:1.\r\n"},
		{cmd("eval", "return redis.pcall('nosuch')", "0"), "-ERR Unknown Redis command called from script\r\n"},
		{cmd("eval", "return redis.pcall('get')", "0"), "-ERR Wrong number of args calling Redis command from script\r\n"},
		{cmd("eval", "return redis.pcall('eval', 'return 1', '0')", "0"), "-ERR This Redis command is not allowed from script\r\n"},
		{cmd("eval_ro", "return redis.pcall('set', 'a', 'b')", "0"), "-ERR Write commands are not allowed from read-only scripts.\r\n"},
		{cmd("eval", "#!lua flags=no-writes\nreturn redis.pcall('set', 'a', 'b')", "0"), "-ERR Write commands are not allowed from read-only scripts.\r\n"},
		{cmd("eval_ro", "#!lua\nreturn 1", "0"), "-ERR Can not execute a script with write flag using *_ro command.\r\n"},
		{cmd("script", "load", "return 'loaded'"), "$40\r\n" + script.Sha1Hex([]byte("return 'loaded'")) + "\r\n"},
		{cmd("evalsha_ro", script.Sha1Hex([]byte("return 'loaded'")), "0"), "$6\r\nloaded\r\n"},
		{cmd("script", "load", "return +"), "-ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'\r\n"},
		{cmd("script", "nosuch"), "-ERR unknown subcommand 'nosuch'. Try SCRIPT HELP.\r\n"},
		{cmd("script", "load"), "-ERR wrong number of arguments for 'script|load' command\r\n"},
		{cmd("eval", "return redis.call('time')[1]", "0"), "$10\r\n1700000000\r\n"},
		{cmd("script", "flush"), "+OK\r\n"},
		{cmd("evalsha", sha, "1", "k"), "-" + ErrNoScript + "\r\n"},
	})
}

// TestEvalStringFormatArguments: string.format checks its arguments as
// Lua 5.1 does (the replies are redis-server 7.0.15's; the difftest's
// soak found '%s' of nil answered "nil" instead of an error).
func TestEvalStringFormatArguments(t *testing.T) {
	x := newTM(t)
	badArg := func(src string, n int, what string) step {
		return step{cmd("eval", src, "0"), fmt.Sprintf("-ERR user_script:1: bad argument #%d to 'format' (%s) script: %s, on @user_script:1.\r\n", n, what, script.Sha1Hex([]byte(src)))}
	}
	x.runPrefix([]step{
		badArg("return string.format('%d-%s', 1, ARGV[1])", 3, "string expected, got nil"),
		badArg("return string.format('%d')", 2, "no value"),
		badArg("return string.format('%s')", 2, "no value"),
		badArg("return string.format('%s', {})", 2, "string expected, got table"),
		badArg("return string.format('%s', true)", 2, "string expected, got boolean"),
		badArg("return string.format('%q', nil)", 2, "string expected, got nil"),
		badArg("return string.format('%d', 'x')", 2, "number expected, got string"),
		{cmd("eval", "return string.format('%s|%s|%q', 1.5, 'x', 1)", "0"), "$9\r\n1.5|x|\"1\"\r\n"},
		{cmd("eval", "return string.format('%5.2f|%x|%c', 3.14159, 255, 65)", "0"), "$10\r\n 3.14|ff|A\r\n"},
	})
}

func (x *tm) runPrefix(steps []step) {
	x.t.Helper()
	for _, s := range steps {
		got := x.do(s.args...)
		if strings.HasSuffix(s.want, "*") {
			if !strings.HasPrefix(got, strings.TrimSuffix(s.want, "*")) {
				x.t.Errorf("%q: got %q, want prefix %q", s.args, got, s.want)
			}
			continue
		}
		if got != s.want {
			x.t.Errorf("%q: got %q, want %q", s.args, got, s.want)
		}
	}
}

func TestEvalDeterministicAndSnapshot(t *testing.T) {
	// Two machines given the same commands agree byte for byte, random
	// numbers included; the cache and libraries survive a snapshot.
	run := func() (*Machine, []string) {
		x := newTM(t)
		var out []string
		for _, c := range [][]string{
			{"eval", "local t = {} for i=1,5 do t[i] = math.random(1000) end return t", "0"},
			{"sadd", "s", "a", "b", "c", "d", "e"},
			{"eval", "return redis.call('spop', KEYS[1])", "1", "s"},
			{"function", "load", "#!lua name=lib\nredis.register_function('f', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\nredis.register_function{function_name='g', callback=function() return 'g' end, flags={'no-writes'}}"},
			{"fcall", "f", "1", "n", "5"},
			{"fcall_ro", "g", "0"},
			{"fcall_ro", "f", "1", "n", "5"},
		} {
			out = append(out, x.do(c...))
		}
		return x.m, out
	}
	m1, out1 := run()
	_, out2 := run()
	for i := range out1 {
		if out1[i] != out2[i] {
			t.Errorf("reply %d differs: %q vs %q", i, out1[i], out2[i])
		}
	}
	want := []string{"", ":5\r\n", "", "$3\r\nlib\r\n", ":5\r\n", "$1\r\ng\r\n", "-ERR Can not execute a script with write flag using *_ro command.\r\n"}
	for i, w := range want {
		if w != "" && out1[i] != w {
			t.Errorf("reply %d: got %q, want %q", i, out1[i], w)
		}
	}
	var b1 bytes.Buffer
	if err := m1.Snapshot(&b1); err != nil {
		t.Fatal(err)
	}
	m3 := NewMachine()
	if err := m3.Restore(bytes.NewReader(b1.Bytes())); err != nil {
		t.Fatal(err)
	}
	var b3 bytes.Buffer
	if err := m3.Snapshot(&b3); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b1.Bytes(), b3.Bytes()) {
		t.Fatal("snapshot after restore differs")
	}
	x := &tm{t: t, m: m3, now: 1_700_000_000_000, proto: 2}
	x.runPrefix([]step{
		{cmd("fcall", "f", "1", "n", "1"), ":6\r\n"},
		{cmd("evalsha", script.Sha1Hex([]byte("return redis.call('spop', KEYS[1])")), "1", "s"), "*"},
	})
}

func TestFunctionCommands(t *testing.T) {
	x := newTM(t)
	lib := "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)"
	x.runPrefix([]step{
		{cmd("function", "load", "return 1"), "-ERR Missing library metadata\r\n"},
		{cmd("function", "load", "#!lua\nreturn 1"), "-ERR Library name was not given\r\n"},
		{cmd("function", "load", "#!lua name=x foo=bar\nreturn 1"), "-ERR Invalid metadata value given: foo=bar\r\n"},
		{cmd("function", "load", "#!nope name=x\nreturn 1"), "-ERR Engine 'nope' not found\r\n"},
		{cmd("function", "load", "#!lua name=x\nreturn 1"), "-ERR No functions registered\r\n"},
		{cmd("function", "load", lib), "$5\r\nmylib\r\n"},
		{cmd("function", "load", lib), "-ERR Library 'mylib' already exists\r\n"},
		{cmd("function", "load", "replace", lib), "$5\r\nmylib\r\n"},
		{cmd("function", "load", "#!lua name=other\nredis.register_function('myfunc', function() end)"), "-ERR Function myfunc already exists\r\n"},
		{cmd("fcall", "myfunc", "0", "hello"), "$5\r\nhello\r\n"},
		{cmd("fcall", "nosuch", "0"), "-ERR Function not found\r\n"},
		{cmd("function", "list"), "*1\r\n*6\r\n$12\r\nlibrary_name\r\n$5\r\nmylib\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n*6\r\n$4\r\nname\r\n$6\r\nmyfunc\r\n$11\r\ndescription\r\n$-1\r\n$5\r\nflags\r\n*0\r\n"},
		{cmd("function", "stats"), "*4\r\n$14\r\nrunning_script\r\n$-1\r\n$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n$15\r\nfunctions_count\r\n:1\r\n"},
	})
	dump := x.do("function", "dump")
	payload := dump[strings.Index(dump, "\r\n")+2 : len(dump)-2]
	x.runPrefix([]step{
		{cmd("function", "restore", payload), "-ERR Library mylib already exists\r\n"},
		{cmd("function", "delete", "mylib"), "+OK\r\n"},
		{cmd("function", "delete", "mylib"), "-ERR Library not found\r\n"},
		{cmd("fcall", "myfunc", "0", "x"), "-ERR Function not found\r\n"},
		{cmd("function", "restore", payload), "+OK\r\n"},
		{cmd("fcall", "myfunc", "0", "back"), "$4\r\nback\r\n"},
		{cmd("function", "restore", "garbage-payload"), "-ERR DUMP payload version or checksum are wrong\r\n"},
		{cmd("function", "flush"), "+OK\r\n"},
		{cmd("function", "list"), "*0\r\n"},
	})
}

func TestRedisCRC64(t *testing.T) {
	if got := crc64Jones(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %x", got)
	}
}

// replicaRun applies the same commands to a fresh machine and returns the
// replies and the snapshot, as one replica would.
func replicaRun(t *testing.T, cmds [][]string) (string, []byte) {
	t.Helper()
	x := newTM(t)
	var out strings.Builder
	for _, c := range cmds {
		out.WriteString(x.do(c...))
	}
	var b bytes.Buffer
	if err := x.m.Snapshot(&b); err != nil {
		t.Fatal(err)
	}
	return out.String(), b.Bytes()
}

// TestPlantedClockSeedIsCaught plants the bug the design forbids, a
// math.random seeded from the local clock, and checks that comparing two
// replicas (what FuzzEval, TestEvalDeterministicAndSnapshot and the
// replication tests' snapshot comparison do) catches it; with the real
// seed the replicas agree.
func TestPlantedClockSeedIsCaught(t *testing.T) {
	cmds := [][]string{
		{"eval", "redis.call('SET', KEYS[1], math.random(1000000000)) return redis.call('GET', KEYS[1])", "1", "r"},
		{"eval", "local t = {} for i = 1, 8 do t[i] = math.random() end redis.call('SET', KEYS[1], cjson.encode(t))", "1", "f"},
	}
	agree := func() bool {
		r1, s1 := replicaRun(t, cmds)
		r2, s2 := replicaRun(t, cmds)
		return r1 == r2 && bytes.Equal(s1, s2)
	}
	if !agree() {
		t.Fatal("replicas disagree with the entry's seed")
	}
	real := scriptSeed
	defer func() { scriptSeed = real }()
	scriptSeed = func(uint64) uint64 { return uint64(time.Now().UnixNano()) }
	if agree() {
		t.Fatal("a clock-seeded math.random went unnoticed")
	}
}

// TestScriptDatabases: a script runs in its caller's database; SELECT
// inside it changes the script's database only (Redis 7), for EVAL and FCALL.
func TestScriptDatabases(t *testing.T) {
	x := newTM(t)
	x.db = 3
	x.run([]step{
		{cmd("eval", "redis.call('set', KEYS[1], 'three'); return redis.call('select', '5')", "1", "k"), "+OK\r\n"},
		{cmd("get", "k"), "$5\r\nthree\r\n"},
		{cmd("eval", "redis.call('select', 5); redis.call('set', 'k', 'five'); return redis.call('get', 'k')", "0"), "$4\r\nfive\r\n"},
		{cmd("get", "k"), "$5\r\nthree\r\n"}, // the caller stays in database 3
		{cmd("eval", "return redis.call('select', 16)", "0"), "-ERR DB index is out of range script: 09aad80789a229d4be1b5f6ee25fdd1e782467f9, on @user_script:1.\r\n"},
		{cmd("function", "load", "#!lua name=dblib\nredis.register_function('getk', function(keys) return redis.call('get', keys[1]) end)"), "$5\r\ndblib\r\n"},
		{cmd("fcall", "getk", "1", "k"), "$5\r\nthree\r\n"},
	})
	x.db = 5
	x.run([]step{
		{cmd("get", "k"), "$4\r\nfive\r\n"},
		{cmd("fcall", "getk", "1", "k"), "$4\r\nfive\r\n"},
	})
	x.db = 0
	x.run([]step{{cmd("get", "k"), "$-1\r\n"}})
}
