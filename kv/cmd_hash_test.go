package kv

import "testing"

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
				if x.m.KeyVersion([]byte(s.args[1]), x.now) != 0 {
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
