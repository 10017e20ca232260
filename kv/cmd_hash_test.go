package kv

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// hsStep is one row of a hash or set command table: a command, its exact
// RESP2 reply and its RESP3 reply when that differs (empty: the same). The
// replies were captured from redis-server 7.0.15, except where a comment
// says the row shows Redraft's own (documented) behaviour.
type hsStep struct {
	args        []string
	want, want3 string
}

// hsRun runs steps on a fresh machine in RESP2, then on another in RESP3.
// "exists key" is answered by the harness from Machine.KeyVersion, as EXISTS
// belongs to another command family.
func hsRun(t *testing.T, steps []hsStep) {
	t.Helper()
	for _, proto := range []uint8{2, 3} {
		x := newTM(t)
		x.proto = proto
		for _, s := range steps {
			want := s.want
			if proto == 3 && s.want3 != "" {
				want = s.want3
			}
			var got string
			if s.args[0] == "exists" {
				got = ":0\r\n"
				if x.m.KeyVersion(0, []byte(s.args[1]), x.now) != 0 {
					got = ":1\r\n"
				}
			} else {
				got = x.do(s.args...)
			}
			if got != want {
				t.Errorf("RESP%d %q: got %q, want %q", proto, s.args, got, want)
			}
		}
	}
}

// Insertion order, in-place updates, order kept across deletes, missing keys, empty strings.
func TestHashBasicsLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("hset", "h", "f1", "v1", "f2", "v2", "f3", "v3"), ":3\r\n", ""},
		{cmd("hset", "h", "f2", "V2", "f4", "v4"), ":1\r\n", ""},
		{cmd("hgetall", "h"), "*8\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf3\r\n$2\r\nv3\r\n$2\r\nf4\r\n$2\r\nv4\r\n", "%4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf3\r\n$2\r\nv3\r\n$2\r\nf4\r\n$2\r\nv4\r\n"},
		{cmd("hkeys", "h"), "*4\r\n$2\r\nf1\r\n$2\r\nf2\r\n$2\r\nf3\r\n$2\r\nf4\r\n", ""},
		{cmd("hvals", "h"), "*4\r\n$2\r\nv1\r\n$2\r\nV2\r\n$2\r\nv3\r\n$2\r\nv4\r\n", ""},
		{cmd("hdel", "h", "f1", "nope", "f3"), ":2\r\n", ""},
		{cmd("hgetall", "h"), "*4\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf4\r\n$2\r\nv4\r\n", "%2\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf4\r\n$2\r\nv4\r\n"},
		{cmd("hset", "h", "f1", "again"), ":1\r\n", ""},
		{cmd("hgetall", "h"), "*6\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf1\r\n$5\r\nagain\r\n", "%3\r\n$2\r\nf2\r\n$2\r\nV2\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf1\r\n$5\r\nagain\r\n"},
		{cmd("hlen", "h"), ":3\r\n", ""},
		{cmd("hmset", "h", "f5", "v5", "f2", "x"), "+OK\r\n", ""},
		{cmd("hgetall", "h"), "*8\r\n$2\r\nf2\r\n$1\r\nx\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf1\r\n$5\r\nagain\r\n$2\r\nf5\r\n$2\r\nv5\r\n", "%4\r\n$2\r\nf2\r\n$1\r\nx\r\n$2\r\nf4\r\n$2\r\nv4\r\n$2\r\nf1\r\n$5\r\nagain\r\n$2\r\nf5\r\n$2\r\nv5\r\n"},
		{cmd("hsetnx", "h", "f5", "other"), ":0\r\n", ""},
		{cmd("hsetnx", "h", "f6", "v6"), ":1\r\n", ""},
		{cmd("hget", "h", "f6"), "$2\r\nv6\r\n", ""},
		{cmd("hget", "h", "nope"), "$-1\r\n", "_\r\n"},
		{cmd("hget", "nokey", "f"), "$-1\r\n", "_\r\n"},
		{cmd("hmget", "h", "f2", "nope", "f6"), "*3\r\n$1\r\nx\r\n$-1\r\n$2\r\nv6\r\n", "*3\r\n$1\r\nx\r\n_\r\n$2\r\nv6\r\n"},
		{cmd("hmget", "nokey", "a", "b"), "*2\r\n$-1\r\n$-1\r\n", "*2\r\n_\r\n_\r\n"},
		{cmd("hexists", "h", "f2"), ":1\r\n", ""},
		{cmd("hexists", "h", "nope"), ":0\r\n", ""},
		{cmd("hexists", "nokey", "f"), ":0\r\n", ""},
		{cmd("hlen", "nokey"), ":0\r\n", ""},
		{cmd("hstrlen", "h", "f2"), ":1\r\n", ""},
		{cmd("hstrlen", "h", "nope"), ":0\r\n", ""},
		{cmd("hstrlen", "nokey", "f"), ":0\r\n", ""},
		{cmd("hkeys", "nokey"), "*0\r\n", ""},
		{cmd("hvals", "nokey"), "*0\r\n", ""},
		{cmd("hgetall", "nokey"), "*0\r\n", "%0\r\n"},
		{cmd("hdel", "nokey", "a"), ":0\r\n", ""},
		{cmd("hdel", "h", "f2", "f4", "f1", "f5", "f6"), ":5\r\n", ""},
		{cmd("hgetall", "h"), "*0\r\n", "%0\r\n"},
		{cmd("hsetnx", "n", "a", "1"), ":1\r\n", ""},
		{cmd("hgetall", "n"), "*2\r\n$1\r\na\r\n$1\r\n1\r\n", "%1\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{cmd("hset", "e", "", ""), ":1\r\n", ""},
		{cmd("hgetall", "e"), "*2\r\n$0\r\n\r\n$0\r\n\r\n", "%1\r\n$0\r\n\r\n$0\r\n\r\n"},
		{cmd("hstrlen", "e", ""), ":0\r\n", ""},
	})
}

// WRONGTYPE on every command, argument errors, arity (HSET with an odd pair count).
func TestHashErrorsLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("set", "s", "x"), "+OK\r\n", ""},
		{cmd("hset", "s", "a", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hmset", "s", "a", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hsetnx", "s", "a", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hget", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hmget", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hdel", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hexists", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hlen", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hstrlen", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hkeys", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hvals", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hgetall", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hincrby", "s", "a", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hincrby", "s", "a", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hincrbyfloat", "s", "a", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hincrbyfloat", "s", "a", "x"), "-ERR value is not a valid float\r\n", ""},
		{cmd("hscan", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hscan", "s", "x"), "-ERR invalid cursor\r\n", ""},
		{cmd("hrandfield", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hrandfield", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("hrandfield", "s", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hset", "h"), "-ERR wrong number of arguments for 'hset' command\r\n", ""},
		{cmd("hset", "h", "a"), "-ERR wrong number of arguments for 'hset' command\r\n", ""},
		{cmd("hset", "h", "a", "1", "b"), "-ERR wrong number of arguments for 'hset' command\r\n", ""},
		{cmd("hmset", "h", "a", "1", "b"), "-ERR wrong number of arguments for 'hmset' command\r\n", ""},
		{cmd("hsetnx", "h", "a"), "-ERR wrong number of arguments for 'hsetnx' command\r\n", ""},
		{cmd("hget", "h"), "-ERR wrong number of arguments for 'hget' command\r\n", ""},
		{cmd("hmget", "h"), "-ERR wrong number of arguments for 'hmget' command\r\n", ""},
		{cmd("hdel", "h"), "-ERR wrong number of arguments for 'hdel' command\r\n", ""},
		{cmd("hexists", "h"), "-ERR wrong number of arguments for 'hexists' command\r\n", ""},
		{cmd("hlen"), "-ERR wrong number of arguments for 'hlen' command\r\n", ""},
		{cmd("hstrlen", "h"), "-ERR wrong number of arguments for 'hstrlen' command\r\n", ""},
		{cmd("hkeys"), "-ERR wrong number of arguments for 'hkeys' command\r\n", ""},
		{cmd("hincrby", "h", "a"), "-ERR wrong number of arguments for 'hincrby' command\r\n", ""},
		{cmd("hincrbyfloat", "h", "a"), "-ERR wrong number of arguments for 'hincrbyfloat' command\r\n", ""},
		{cmd("hscan", "h"), "-ERR wrong number of arguments for 'hscan' command\r\n", ""},
		{cmd("hrandfield"), "-ERR wrong number of arguments for 'hrandfield' command\r\n", ""},
		{cmd("exists", "h"), ":0\r\n", ""},
	})
}

// HINCRBY/HINCRBYFLOAT: parsing, overflow, non-numeric values, long double results.
func TestHashIncrLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("hincrby", "h", "n", "5"), ":5\r\n", ""},
		{cmd("hincrby", "h", "n", "-12"), ":-7\r\n", ""},
		{cmd("hincrby", "h", "n", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hincrby", "h", "n", "1.5"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hincrby", "h", "n", "01"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hincrby", "h", "n", " 1"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hincrby", "h", "n", "9223372036854775808"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hset", "h", "big", "9223372036854775807", "small", "-9223372036854775808", "s", "abc", "f", "1.5", "sp", " 1"), ":5\r\n", ""},
		{cmd("hincrby", "h", "big", "1"), "-ERR increment or decrement would overflow\r\n", ""},
		{cmd("hincrby", "h", "big", "0"), ":9223372036854775807\r\n", ""},
		{cmd("hincrby", "h", "big", "-1"), ":9223372036854775806\r\n", ""},
		{cmd("hincrby", "h", "small", "-1"), "-ERR increment or decrement would overflow\r\n", ""},
		{cmd("hincrby", "h", "small", "1"), ":-9223372036854775807\r\n", ""},
		{cmd("hincrby", "h", "s", "1"), "-ERR hash value is not an integer\r\n", ""},
		{cmd("hincrby", "h", "f", "1"), "-ERR hash value is not an integer\r\n", ""},
		{cmd("hincrby", "h", "sp", "1"), "-ERR hash value is not an integer\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", "0.1"), "$3\r\n1.6\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", "x"), "-ERR value is not a valid float\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", "inf"), "-ERR value is NaN or Infinity\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", "-inf"), "-ERR value is NaN or Infinity\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", "nan"), "-ERR value is not a valid float\r\n", ""},
		{cmd("hincrbyfloat", "h", "f", ""), "-ERR value is not a valid float\r\n", ""},
		{cmd("hincrbyfloat", "h", "new", "0.1"), "$3\r\n0.1\r\n", ""},
		{cmd("hincrbyfloat", "h", "new", "0.2"), "$3\r\n0.3\r\n", ""},
		{cmd("hincrbyfloat", "h", "n", "1"), "$2\r\n-6\r\n", ""},
		{cmd("hincrbyfloat", "h", "s", "1"), "-ERR hash value is not a float\r\n", ""},
		{cmd("hincrbyfloat", "h", "sp", "1"), "-ERR hash value is not a float\r\n", ""},
		{cmd("hincrbyfloat", "h", "z", "1e-5"), "$7\r\n0.00001\r\n", ""},
		{cmd("hincrbyfloat", "h", "z2", "-0.0"), "$1\r\n0\r\n", ""},
		{cmd("hincrbyfloat", "h", "z3", "5.0e3"), "$4\r\n5000\r\n", ""},
		{cmd("hincrbyfloat", "h", "z3", "-5000"), "$1\r\n0\r\n", ""},
		{cmd("hincrbyfloat", "h", "big", "1"), "$19\r\n9223372036854775807\r\n", ""},
		{cmd("hset", "h", "i", "inf"), ":1\r\n", ""},
		{cmd("hincrbyfloat", "h", "i", "1"), "-ERR increment would produce NaN or Infinity\r\n", ""},
		{cmd("hincrbyfloat", "h2", "b", "1e2"), "$3\r\n100\r\n", ""},
		{cmd("hincrbyfloat", "h2", "c", "3.0000000000000000001"), "$1\r\n3\r\n", ""},
	})
}

// HSCAN of a listpack hash (everything at once, cursor 0), cursor parsing (strtoul), options and their errors.
func TestHScanSmallLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("hset", "h", "a", "1", "b", "2", "c", "3", "ab", "4"), ":4\r\n", ""},
		{cmd("hscan", "h", "0"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "0", "match", "a*"), "*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "0", "match", "?"), "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", ""},
		{cmd("hscan", "h", "0", "MATCH", "*", "COUNT", "100"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "0", "count", "1"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "5", "count", "1"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "0", "match", "a*", "count", "2", "match", "b*"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n", ""},
		{cmd("hscan", "h", "0", "novalues"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "0", "count", "0"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "0", "count", "-1"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "0", "count", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hscan", "h", "0", "count"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "0", "match"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "0", "bogus", "x"), "-ERR syntax error\r\n", ""},
		{cmd("hscan", "h", "-1"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", ""), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "+5"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", " 1"), "-ERR invalid cursor\r\n", ""},
		{cmd("hscan", "h", "1x"), "-ERR invalid cursor\r\n", ""},
		{cmd("hscan", "h", "18446744073709551615"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "18446744073709551616"), "-ERR invalid cursor\r\n", ""},
		{cmd("hscan", "h", "-18446744073709551615"), "*2\r\n$1\r\n0\r\n*8\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$2\r\nab\r\n$1\r\n4\r\n", ""},
		{cmd("hscan", "h", "0x1"), "-ERR invalid cursor\r\n", ""},
		{cmd("hscan", "h", "-"), "-ERR invalid cursor\r\n", ""},
		{cmd("hscan", "nokey", "0", "count", "0"), "*2\r\n$1\r\n0\r\n*0\r\n", ""},
		{cmd("hscan", "nokey", "0", "bogus"), "*2\r\n$1\r\n0\r\n*0\r\n", ""},
		{cmd("hscan", "nokey", "x"), "-ERR invalid cursor\r\n", ""},
		{cmd("hset", "h2", "long", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), ":1\r\n", ""},
		{cmd("hscan", "h2", "0"), "*2\r\n$1\r\n0\r\n*2\r\n$4\r\nlong\r\n$123\r\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n", ""},
	})
}

// HRANDFIELD replies that do not depend on randomness, RESP3 pairs, argument errors.
func TestHRandFieldDeterministicLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("hset", "h", "a", "1", "b", "2", "c", "3"), ":3\r\n", ""},
		{cmd("hrandfield", "h", "3"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", ""},
		{cmd("hrandfield", "h", "4", "withvalues"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("hrandfield", "h", "3", "WITHVALUES"), "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n", "*3\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("hrandfield", "h", "0"), "*0\r\n", ""},
		{cmd("hrandfield", "h", "0", "withvalues"), "*0\r\n", ""},
		{cmd("hset", "h1", "only", "v"), ":1\r\n", ""},
		{cmd("hrandfield", "h1"), "$4\r\nonly\r\n", ""},
		{cmd("hrandfield", "h1", "1"), "*1\r\n$4\r\nonly\r\n", ""},
		{cmd("hrandfield", "h1", "1", "withvalues"), "*2\r\n$4\r\nonly\r\n$1\r\nv\r\n", "*1\r\n*2\r\n$4\r\nonly\r\n$1\r\nv\r\n"},
		{cmd("hrandfield", "h1", "-2", "withvalues"), "*4\r\n$4\r\nonly\r\n$1\r\nv\r\n$4\r\nonly\r\n$1\r\nv\r\n", "*2\r\n*2\r\n$4\r\nonly\r\n$1\r\nv\r\n*2\r\n$4\r\nonly\r\n$1\r\nv\r\n"},
		{cmd("hrandfield", "h1", "-2"), "*2\r\n$4\r\nonly\r\n$4\r\nonly\r\n", ""},
		{cmd("hrandfield", "h1", "1", "2"), "-ERR syntax error\r\n", ""},
		{cmd("hrandfield", "h1", "1", "withvalues", "x"), "-ERR syntax error\r\n", ""},
		{cmd("hrandfield", "h1", "x", "withvalues"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("hrandfield", "h1", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n", ""},
		{cmd("hrandfield", "h1", "-4611686018427387904", "withvalues"), "-ERR value is out of range\r\n", ""},
		{cmd("hrandfield", "h1", "4611686018427387904", "withvalues"), "-ERR value is out of range\r\n", ""},
		{cmd("hrandfield", "h1", "4611686018427387903", "withvalues"), "*2\r\n$4\r\nonly\r\n$1\r\nv\r\n", "*1\r\n*2\r\n$4\r\nonly\r\n$1\r\nv\r\n"},
		{cmd("hrandfield", "nokey"), "$-1\r\n", "_\r\n"},
		{cmd("hrandfield", "nokey", "1"), "*0\r\n", ""},
		{cmd("hrandfield", "nokey", "-1", "withvalues"), "*0\r\n", ""},
	})
}

// hsSetExpiry gives key an expiry (the key family's EXPIRE is not part of
// this family's tests).
func hsSetExpiry(x *tm, key string, atMs int64) {
	e := x.m.dbs[0].get(key)
	if e == nil {
		x.t.Fatalf("hsSetExpiry: no key %q", key)
	}
	if e.expireAt == 0 {
		x.m.dbs[0].expires++
	}
	e.expireAt = atMs
}

// hsBulks splits a flat reply (array header, then bulk strings, nested
// array headers skipped) into its bulk strings.
func hsBulks(t *testing.T, reply string) []string {
	t.Helper()
	var out []string
	for len(reply) > 0 {
		i := strings.Index(reply, "\r\n")
		if i < 0 {
			t.Fatalf("malformed reply %q", reply)
		}
		line := reply[:i]
		reply = reply[i+2:]
		switch line[0] {
		case '*', '~', '%':
		case '$':
			n, err := strconv.Atoi(line[1:])
			if err != nil || n < 0 {
				t.Fatalf("bad bulk header %q", line)
			}
			out = append(out, reply[:n])
			reply = reply[n+2:]
		default:
			t.Fatalf("unexpected line %q", line)
		}
	}
	return out
}

// hsScanReply splits an HSCAN/SSCAN reply into its cursor and elements.
func hsScanReply(t *testing.T, reply string) (string, []string) {
	t.Helper()
	b := hsBulks(t, reply)
	return b[0], b[1:]
}

// TestHScanTablePages: a hashtable hash (here > hashListpackEntries fields) is paged with
// sequence-number cursors in insertion order; COUNT and MATCH apply per call.
func TestHScanTablePages(t *testing.T) {
	x := newTM(t)
	args := []string{"hset", "h"}
	for i := 0; i < 600; i++ {
		args = append(args, fmt.Sprint("f", i), fmt.Sprint(i))
	}
	x.do(args...)
	cur, els := hsScanReply(t, x.do("hscan", "h", "0"))
	if cur != "11" || len(els) != 20 || els[0] != "f0" || els[1] != "0" || els[18] != "f9" {
		t.Fatalf("first page: got cursor %s, %d bulks %v", cur, len(els), els)
	}
	cur, els = hsScanReply(t, x.do("hscan", "h", "11", "COUNT", "3"))
	if cur != "14" || fmt.Sprint(els) != "[f10 10 f11 11 f12 12]" {
		t.Fatalf("second page: got cursor %s, %v", cur, els)
	}
	cur, els = hsScanReply(t, x.do("hscan", "h", "590", "MATCH", "f59?", "COUNT", "100"))
	if cur != "0" || fmt.Sprint(els) != "[f590 590 f591 591 f592 592 f593 593 f594 594 f595 595 f596 596 f597 597 f598 598 f599 599]" {
		t.Fatalf("last page: got cursor %s, %v", cur, els)
	}
	// MATCH filters after COUNT elements were taken: an empty page with a cursor.
	cur, els = hsScanReply(t, x.do("hscan", "h", "0", "MATCH", "nothing*"))
	if cur != "11" || len(els) != 0 {
		t.Fatalf("filtered page: got cursor %s, %v", cur, els)
	}
	// A cursor past the end completes the iteration.
	if got, want := x.do("hscan", "h", "999999"), "*2\r\n$1\r\n0\r\n*0\r\n"; got != want {
		t.Fatalf("cursor past the end: got %q, want %q", got, want)
	}
	// A full iteration returns every field once, in insertion order.
	var all []string
	cursor := "0"
	for {
		cursor, els = hsScanReply(t, x.do("hscan", "h", cursor, "COUNT", "7"))
		all = append(all, els...)
		if cursor == "0" {
			break
		}
	}
	if len(all) != 1200 || all[1198] != "f599" {
		t.Fatalf("full iteration: got %d bulks", len(all))
	}
}

// TestHScanGuaranteeUnderWrites: fields present for the whole iteration are
// returned although fields are added and deleted between the calls (which
// also triggers tombstone compaction).
func TestHScanGuaranteeUnderWrites(t *testing.T) {
	x := newTM(t)
	rnd := NewRand(3)
	for i := 0; i < 500; i++ {
		x.do("hset", "h", fmt.Sprint("f", i), "v")
	}
	stable := map[string]bool{}
	for i := 0; i < 500; i++ {
		stable[fmt.Sprint("f", i)] = true
	}
	seen := map[string]bool{}
	cursor, next := "0", 500
	for calls := 0; ; calls++ {
		if calls > 5000 {
			t.Fatal("HSCAN did not terminate")
		}
		var els []string
		cursor, els = hsScanReply(t, x.do("hscan", "h", cursor, "COUNT", "4"))
		for i := 0; i < len(els); i += 2 {
			seen[els[i]] = true
		}
		if cursor == "0" {
			break
		}
		for j := 0; j < 3; j++ {
			if rnd.Intn(2) == 0 {
				f := fmt.Sprint("f", rnd.Intn(next))
				if x.do("hdel", "h", f) == ":1\r\n" {
					delete(stable, f)
				}
			} else {
				x.do("hset", "h", fmt.Sprint("f", next), "v")
				next++
			}
		}
	}
	for f := range stable {
		if !seen[f] {
			t.Fatalf("%s was present throughout but never returned", f)
		}
	}
}

// TestHashTableKeepsInsertionOrder: Redraft's hashtable hashes (Redis:
// unordered) keep insertion order across updates and deletes.
func TestHashTableKeepsInsertionOrder(t *testing.T) {
	x := newTM(t)
	long := strings.Repeat("L", 65)
	x.run([]step{
		{cmd("hset", "h", "a", "1", "b", long, "c", "3"), ":3\r\n"},
		{cmd("hset", "h", "a", "9"), ":0\r\n"},
		{cmd("hdel", "h", "b"), ":1\r\n"},
		{cmd("hset", "h", "b", "2"), ":1\r\n"},
		{cmd("hkeys", "h"), "*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{cmd("hvals", "h"), "*3\r\n$1\r\n9\r\n$1\r\n3\r\n$1\r\n2\r\n"},
		// A hashtable is scanned with cursors, even when small: the cursor
		// is the next field's sequence number (a=1, b=2, c=3, b again=4).
		{cmd("hscan", "h", "0", "COUNT", "2"), "*2\r\n$1\r\n4\r\n*4\r\n$1\r\na\r\n$1\r\n9\r\n$1\r\nc\r\n$1\r\n3\r\n"},
		{cmd("hscan", "h", "4", "COUNT", "2"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
	})
}

// TestHRandFieldRandomCounts checks the random replies' shapes and
// guarantees on a listpack and on a hashtable hash, in both protocols, and
// that the same seed gives the same reply.
func TestHRandFieldRandomCounts(t *testing.T) {
	for _, n := range []int{10, 300} {
		for _, proto := range []uint8{2, 3} {
			x := newTM(t)
			x.proto = proto
			args := []string{"hset", "h"}
			for i := 0; i < n; i++ {
				args = append(args, fmt.Sprint("f", i), fmt.Sprint("v", i))
			}
			x.do(args...)
			for _, c := range []struct {
				count  int
				values bool
			}{{1, false}, {3, false}, {n - 1, true}, {n / 2, true}, {n / 4, false}, {-5, false}, {-2 * n, true}} {
				args := []string{"hrandfield", "h", strconv.Itoa(c.count)}
				if c.values {
					args = append(args, "WITHVALUES")
				}
				reply := x.do(args...)
				want := c.count
				if want < 0 {
					want = -want
				}
				header := fmt.Sprintf("*%d\r\n", want)
				if c.values && proto == 2 {
					header = fmt.Sprintf("*%d\r\n", 2*want)
				}
				if !strings.HasPrefix(reply, header) {
					t.Fatalf("n=%d RESP%d %q: reply %.40q does not start with %q", n, proto, args, reply, header)
				}
				if c.values && proto == 3 && !strings.HasPrefix(reply[len(header):], "*2\r\n") {
					t.Fatalf("n=%d RESP3 %q: want pairs, got %.60q", n, args, reply)
				}
				b := hsBulks(t, reply)
				seen := map[string]bool{}
				step := 1
				if c.values {
					step = 2
				}
				for i := 0; i < len(b); i += step {
					f := b[i]
					if !strings.HasPrefix(f, "f") {
						t.Fatalf("n=%d: unknown field %q", n, f)
					}
					if c.values && b[i+1] != "v"+f[1:] {
						t.Fatalf("n=%d: field %q has value %q", n, f, b[i+1])
					}
					if c.count > 0 && seen[f] {
						t.Fatalf("n=%d %q: %q returned twice", n, args, f)
					}
					seen[f] = true
				}
				if len(b) != want*step {
					t.Fatalf("n=%d %q: got %d bulks, want %d", n, args, len(b), want*step)
				}
				// Same state, same seed: same reply.
				y := newTM(t)
				y.proto = proto
				y.do(append([]string{"hset", "h"}, hsFieldPairs(n)...)...)
				y.seed = x.seed - 1
				if again := y.do(args...); again != reply {
					t.Fatalf("n=%d %q: replay with the same seed differs", n, args)
				}
			}
		}
	}
}

func hsFieldPairs(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprint("f", i), fmt.Sprint("v", i))
	}
	return out
}

// TestHRandFieldIsUniform is a coarse check that random picks reach every
// field with about the same frequency.
func TestHRandFieldIsUniform(t *testing.T) {
	x := newTM(t)
	x.do(append([]string{"hset", "h"}, hsFieldPairs(8)...)...)
	counts := map[string]int{}
	for i := 0; i < 2000; i++ {
		for _, f := range hsBulks(t, x.do("hrandfield", "h", "3")) {
			counts[f]++
		}
	}
	for i := 0; i < 8; i++ {
		if c := counts[fmt.Sprint("f", i)]; c < 600 || c > 900 { // expected 750
			t.Fatalf("f%d picked %d times, want about 750", i, c)
		}
	}
}

// TestHRandFieldCountLimit: Redraft refuses negative counts past
// collRandCountMax instead of building an enormous reply.
func TestHRandFieldCountLimit(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("hset", "h", "a", "1"), ":1\r\n"},
		{cmd("hrandfield", "h", "-4194305"), "-ERR value is out of range\r\n"},
		{cmd("hrandfield", "h", "-4194305", "withvalues"), "-ERR value is out of range\r\n"},
		{cmd("hrandfield", "h", "9223372036854775807"), "*1\r\n$1\r\na\r\n"},
	})
	if got := x.do("hrandfield", "h", "-4194304"); !strings.HasPrefix(got, "*4194304\r\n$1\r\na\r\n") {
		t.Fatalf("count at the limit: got %.30q", got)
	}
}

// TestHashWatchVersions: writes that change a hash bump its version (WATCH
// fires); reads and no-op writes do not.
func TestHashWatchVersions(t *testing.T) {
	x := newTM(t)
	x.do("hset", "h", "a", "1", "b", "2")
	for _, c := range []struct {
		args    []string
		changes bool
	}{
		{cmd("hget", "h", "a"), false},
		{cmd("hgetall", "h"), false},
		{cmd("hscan", "h", "0"), false},
		{cmd("hrandfield", "h", "-3"), false},
		{cmd("hsetnx", "h", "a", "x"), false},
		{cmd("hdel", "h", "nope"), false},
		{cmd("hincrby", "h", "x", "x"), false},
		{cmd("hset", "h", "a", "1"), true}, // Redis signals even when unchanged
		{cmd("hmset", "h", "c", "3"), true},
		{cmd("hsetnx", "h", "d", "4"), true},
		{cmd("hdel", "h", "d", "nope"), true},
		{cmd("hincrby", "h", "a", "0"), true},
		{cmd("hincrbyfloat", "h", "a", "0.5"), true},
	} {
		before := x.m.KeyVersion(0, []byte("h"), x.now)
		x.do(c.args...)
		after := x.m.KeyVersion(0, []byte("h"), x.now)
		if (after != before) != c.changes {
			t.Errorf("%q: version %d -> %d, want changed=%v", c.args, before, after, c.changes)
		}
	}
}

// TestHashExpiredKey: an expired hash is absent for reads and replaced, not
// extended, by writes.
func TestHashExpiredKey(t *testing.T) {
	x := newTM(t)
	x.do("hset", "h", "a", "1", "b", "2")
	hsSetExpiry(x, "h", x.now+1000)
	x.now += 1001
	x.run([]step{
		{cmd("hget", "h", "a"), "$-1\r\n"},
		{cmd("hlen", "h"), ":0\r\n"},
		{cmd("hgetall", "h"), "*0\r\n"},
		{cmd("hscan", "h", "0"), "*2\r\n$1\r\n0\r\n*0\r\n"},
		{cmd("hrandfield", "h"), "$-1\r\n"},
		{cmd("hdel", "h", "a"), ":0\r\n"},
	})
	if x.m.Expires() != 0 || x.m.Len() != 0 {
		t.Fatalf("after HDEL on the expired key: expires %d len %d, want 0 0", x.m.Expires(), x.m.Len())
	}
	x.do("hset", "h", "a", "1", "b", "2")
	hsSetExpiry(x, "h", x.now+1000)
	x.now += 1001
	x.run([]step{
		{cmd("hincrby", "h", "b", "5"), ":5\r\n"},
		{cmd("hgetall", "h"), "*2\r\n$1\r\nb\r\n$1\r\n5\r\n"},
	})
	if e := x.m.dbs[0].get("h"); e == nil || e.expireAt != 0 {
		t.Fatal("the recreated hash must have no expiry")
	}
}

// TestHashCommandsCopyArguments: the machine keeps no reference to the
// argument buffers.
func TestHashCommandsCopyArguments(t *testing.T) {
	m := NewMachine()
	args := [][]byte{[]byte("hset"), []byte("h"), []byte("field"), []byte("value")}
	m.Exec(&Cmd{Args: args, Proto: 2}, NewWriter(nil, 2))
	args = [][]byte{[]byte("hincrbyfloat"), []byte("h"), []byte("n"), []byte("1.5")}
	m.Exec(&Cmd{Args: args, Proto: 2}, NewWriter(nil, 2))
	for _, a := range args {
		for i := range a {
			a[i] = 'X'
		}
	}
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: [][]byte{[]byte("hgetall"), []byte("h")}, Proto: 2}, w)
	if got, want := string(w.Bytes()), "*4\r\n$5\r\nfield\r\n$5\r\nvalue\r\n$1\r\nn\r\n$3\r\n1.5\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestParseCollCursor(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"", 0, true},
		{"17", 17, true},
		{"007", 7, true},
		{"+5", 5, true},
		{"-1", math.MaxUint64, true},
		{"-18446744073709551615", 1, true},
		{"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", 0, false},
		{"-18446744073709551616", 0, false},
		{" 1", 0, false},
		{"\t1", 0, false},
		{"1 ", 0, false},
		{"1x", 0, false},
		{"0x1", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"x", 0, false},
		{"5\x00junk", 5, true},
		{"\x00", 0, true},
	} {
		got, ok := parseScanCursor([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("parseScanCursor(%q): got %d %v, want %d %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
