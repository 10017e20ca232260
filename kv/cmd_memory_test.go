package kv

import (
	"strings"
	"testing"
)

// TestMemoryUsage: the figures redis-server 7.0.15 (jemalloc) answers for
// the same small keys, and MEMORY's errors.
func TestMemoryUsage(t *testing.T) {
	x := newTM(t)
	for _, c := range [][]string{
		{"SET", "k", "123"}, {"SET", "s", "hello"}, {"SET", "big", strings.Repeat("a", 100)},
		{"HSET", "h", "a", "1", "b", "2"}, {"SADD", "si", "1", "2", "3"}, {"SADD", "ss", "a", "b", "c"},
		{"ZADD", "z", "1", "a", "2", "b"}, {"RPUSH", "l", "a", "b", "c"},
	} {
		x.do(c...)
	}
	x.run([]step{
		{cmd("MEMORY", "USAGE", "k"), skInt(48)},
		{cmd("MEMORY", "USAGE", "s"), skInt(64)},
		{cmd("MEMORY", "USAGE", "big"), skInt(160)},
		{cmd("MEMORY", "USAGE", "h"), skInt(80)},
		{cmd("MEMORY", "USAGE", "si"), skInt(64)},
		{cmd("memory", "usage", "ss", "samples", "0"), skInt(232)},
		{cmd("MEMORY", "USAGE", "z"), skInt(80)},
		{cmd("MEMORY", "USAGE", "nokey"), skNull},
		{cmd("MEMORY", "USAGE", "k", "SAMPLES"), skSyntax},
		{cmd("MEMORY", "USAGE", "k", "SAMPLES", "-1"), skSyntax},
		{cmd("MEMORY", "USAGE", "k", "SAMPLES", "x"), skNotInt},
		{cmd("MEMORY", "USAGE"), skErr("ERR wrong number of arguments for 'memory|usage' command")},
		{cmd("MEMORY", "NOPE"), skErr("ERR unknown subcommand 'NOPE'. Try MEMORY HELP.")},
	})
	// A list's figure is close to Redis's (144 here), not equal.
	if got := x.do("MEMORY", "USAGE", "l"); !strings.HasPrefix(got, ":14") {
		t.Errorf("MEMORY USAGE l = %q, want about 144", got)
	}
	// A big collection is sampled: the estimate stays positive and grows.
	for i := 0; i < 1000; i++ {
		x.do("SADD", "bigset", strings.Repeat("m", i%50)+string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}
	if got := x.do("MEMORY", "USAGE", "bigset"); !strings.HasPrefix(got, ":") || len(got) < 7 {
		t.Errorf("MEMORY USAGE bigset = %q", got)
	}
}
