package kv

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// Intset order, membership, SREM, SSCAN of intsets, cursor and option errors.
func TestSetBasicsLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("sadd", "s", "5", "3", "9", "-1", "3", "10", "0"), ":6\r\n", ""},
		{cmd("smembers", "s"), "*6\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n", "~6\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n"},
		{cmd("sadd", "s", "07", "-0", "+1"), ":3\r\n", ""},
		{cmd("scard", "s"), ":9\r\n", ""},
		{cmd("sismember", "s", "3"), ":1\r\n", ""},
		{cmd("sismember", "s", "03"), ":0\r\n", ""},
		{cmd("sismember", "s", "x"), ":0\r\n", ""},
		{cmd("sismember", "nokey", "3"), ":0\r\n", ""},
		{cmd("smismember", "s", "3", "4", "9", "x"), "*4\r\n:1\r\n:0\r\n:1\r\n:0\r\n", ""},
		{cmd("smismember", "nokey", "3", "4"), "*2\r\n:0\r\n:0\r\n", ""},
		{cmd("srem", "s", "3", "4", "nope", "07"), ":2\r\n", ""},
		// Redraft: a hashtable set iterates in insertion order (the intset's
		// members ascending, then the rest); Redis uses its dict order.
		{cmd("smembers", "s"), "*7\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n-0\r\n$2\r\n+1\r\n", "~7\r\n$2\r\n-1\r\n$1\r\n0\r\n$1\r\n5\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n-0\r\n$2\r\n+1\r\n"},
		{cmd("srem", "nokey", "a"), ":0\r\n", ""},
		{cmd("scard", "nokey"), ":0\r\n", ""},
		{cmd("sadd", "w", "a", "b", "c"), ":3\r\n", ""},
		{cmd("srem", "w", "a", "b", "c", "d"), ":3\r\n", ""},
		{cmd("exists", "w"), ":0\r\n", ""},
		{cmd("sadd", "i", "9223372036854775807", "-9223372036854775808", "9223372036854775808"), ":3\r\n", ""},
		// Redraft: insertion order after the conversion (Redis: dict order).
		{cmd("smembers", "i"), "*3\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n$19\r\n9223372036854775808\r\n", "~3\r\n$20\r\n-9223372036854775808\r\n$19\r\n9223372036854775807\r\n$19\r\n9223372036854775808\r\n"},
		{cmd("sadd", "n", "3", "2", "1"), ":3\r\n", ""},
		{cmd("sscan", "n", "0"), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "n", "0", "count", "1"), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "n", "0", "match", "2"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n2\r\n", ""},
		{cmd("sscan", "n", "0", "match", "*"), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "n", "123", "match", "[13]"), "*2\r\n$1\r\n0\r\n*2\r\n$1\r\n1\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "nokey", "0"), "*2\r\n$1\r\n0\r\n*0\r\n", ""},
		{cmd("sscan", "nokey", "x"), "-ERR invalid cursor\r\n", ""},
		{cmd("sscan", "n", "0", "count", "0"), "-ERR syntax error\r\n", ""},
		{cmd("sscan", "n", "0", "count", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("sscan", "n", "0", "count"), "-ERR syntax error\r\n", ""},
		{cmd("sscan", "n", "0", "match"), "-ERR syntax error\r\n", ""},
		{cmd("sscan", "n", "0", "bogus", "x"), "-ERR syntax error\r\n", ""},
		{cmd("sscan", "n", "0", "count", "1", "match", "1", "count", "5"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\n1\r\n", ""},
		{cmd("sscan", "n", "-5"), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "n", ""), "*2\r\n$1\r\n0\r\n*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("sscan", "n", " 1"), "-ERR invalid cursor\r\n", ""},
		{cmd("sscan", "n", "1x"), "-ERR invalid cursor\r\n", ""},
		{cmd("smembers", "nokey"), "*0\r\n", "~0\r\n"},
	})
}

// SINTER/SUNION/SDIFF, their STORE variants, SINTERCARD and its errors.
func TestSetAlgebraLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("sadd", "a", "1", "2", "3", "4", "5"), ":5\r\n", ""},
		{cmd("sadd", "b", "4", "5", "6", "7"), ":4\r\n", ""},
		{cmd("sadd", "c", "5", "9", "4"), ":3\r\n", ""},
		{cmd("sinter", "a", "b"), "*2\r\n$1\r\n4\r\n$1\r\n5\r\n", "~2\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sinter", "a", "b", "c"), "*2\r\n$1\r\n4\r\n$1\r\n5\r\n", "~2\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sinter", "a", "nokey"), "*0\r\n", "~0\r\n"},
		{cmd("sinter", "nokey", "a"), "*0\r\n", "~0\r\n"},
		{cmd("sunion", "a", "b", "c"), "*8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n", "~8\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n"},
		{cmd("sunion", "nokey", "c"), "*3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n9\r\n", "~3\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n9\r\n"},
		{cmd("sdiff", "a", "b"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sdiff", "a", "b", "c"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sdiff", "a", "nokey"), "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "~5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sdiff", "nokey", "a"), "*0\r\n", "~0\r\n"},
		{cmd("sdiff", "a", "a"), "*0\r\n", "~0\r\n"},
		{cmd("sdiff", "a", "b", "a"), "*0\r\n", "~0\r\n"},
		{cmd("sinterstore", "d", "a", "b"), ":2\r\n", ""},
		{cmd("smembers", "d"), "*2\r\n$1\r\n4\r\n$1\r\n5\r\n", "~2\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sinterstore", "d", "a", "nokey"), ":0\r\n", ""},
		{cmd("exists", "d"), ":0\r\n", ""},
		{cmd("sunionstore", "d", "c", "b"), ":5\r\n", ""},
		{cmd("smembers", "d"), "*5\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n", "~5\r\n$1\r\n4\r\n$1\r\n5\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n9\r\n"},
		{cmd("sdiffstore", "d", "a", "b", "c"), ":3\r\n", ""},
		{cmd("smembers", "d"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sdiffstore", "d", "a", "a"), ":0\r\n", ""},
		{cmd("exists", "d"), ":0\r\n", ""},
		{cmd("set", "str", "x"), "+OK\r\n", ""},
		{cmd("sunionstore", "str", "a"), ":5\r\n", ""},
		{cmd("smembers", "str"), "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "~5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("set", "str2", "x"), "+OK\r\n", ""},
		{cmd("sinterstore", "str2", "a", "nokey"), ":0\r\n", ""},
		{cmd("exists", "str2"), ":0\r\n", ""},
		{cmd("sinter", "a", "str"), "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "~5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sunion", "str2", "str"), "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "~5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sdiff", "nokey", "str"), "*0\r\n", "~0\r\n"},
		{cmd("sintercard", "2", "a", "b"), ":2\r\n", ""},
		{cmd("sintercard", "3", "a", "b", "c"), ":2\r\n", ""},
		{cmd("sintercard", "3", "a", "b", "c", "limit", "1"), ":1\r\n", ""},
		{cmd("sintercard", "3", "a", "b", "c", "limit", "0"), ":2\r\n", ""},
		{cmd("sintercard", "2", "a", "nokey"), ":0\r\n", ""},
		{cmd("sintercard", "1", "a"), ":5\r\n", ""},
		{cmd("sintercard", "1", "a", "limit", "3"), ":3\r\n", ""},
		{cmd("sintercard", "0", "a"), "-ERR numkeys should be greater than 0\r\n", ""},
		{cmd("sintercard", "-1", "a"), "-ERR numkeys should be greater than 0\r\n", ""},
		{cmd("sintercard", "x", "a"), "-ERR numkeys should be greater than 0\r\n", ""},
		{cmd("sintercard", "3", "a", "b"), "-ERR Number of keys can't be greater than number of args\r\n", ""},
		{cmd("sintercard", "1", "a", "limit", "-1"), "-ERR LIMIT can't be negative\r\n", ""},
		{cmd("sintercard", "1", "a", "limit", "x"), "-ERR LIMIT can't be negative\r\n", ""},
		{cmd("sintercard", "1", "a", "limit"), "-ERR syntax error\r\n", ""},
		{cmd("sintercard", "1", "a", "foo", "1"), "-ERR syntax error\r\n", ""},
		{cmd("sintercard", "2", "a", "str"), ":5\r\n", ""},
		{cmd("sadd", "m", "1", "2", "3", "x"), ":4\r\n", ""},
		{cmd("srem", "m", "x"), ":1\r\n", ""},
		{cmd("sinterstore", "d", "m", "m"), ":3\r\n", ""},
		{cmd("smembers", "d"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sunion", "m", "a"), "*5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n", "~5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n$1\r\n5\r\n"},
		{cmd("sdiff", "m", "b"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sadd", "big", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "x"), ":13\r\n", ""},
		// Redraft: the result starts as an intset (6..12 sorted), "x" converts it
		// and is appended; Redis uses its dict order.
		{cmd("sdiff", "big", "a"), "*8\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$1\r\nx\r\n", "~8\r\n$1\r\n6\r\n$1\r\n7\r\n$1\r\n8\r\n$1\r\n9\r\n$2\r\n10\r\n$2\r\n11\r\n$2\r\n12\r\n$1\r\nx\r\n"},
		{cmd("sdiff", "a", "big"), "*0\r\n", "~0\r\n"},
	})
}

// SMOVE: missing source, same key, key creation and deletion, types.
func TestSMoveLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("sadd", "a", "1", "2", "3"), ":3\r\n", ""},
		{cmd("sadd", "b", "9"), ":1\r\n", ""},
		{cmd("smove", "a", "b", "2"), ":1\r\n", ""},
		{cmd("smembers", "a"), "*2\r\n$1\r\n1\r\n$1\r\n3\r\n", "~2\r\n$1\r\n1\r\n$1\r\n3\r\n"},
		{cmd("smembers", "b"), "*2\r\n$1\r\n2\r\n$1\r\n9\r\n", "~2\r\n$1\r\n2\r\n$1\r\n9\r\n"},
		{cmd("smove", "a", "b", "7"), ":0\r\n", ""},
		{cmd("smove", "a", "c", "1"), ":1\r\n", ""},
		{cmd("smembers", "c"), "*1\r\n$1\r\n1\r\n", "~1\r\n$1\r\n1\r\n"},
		{cmd("smove", "a", "c", "3"), ":1\r\n", ""},
		{cmd("exists", "a"), ":0\r\n", ""},
		{cmd("smove", "a", "c", "3"), ":0\r\n", ""},
		{cmd("smove", "c", "c", "1"), ":1\r\n", ""},
		{cmd("smove", "c", "c", "7"), ":0\r\n", ""},
		{cmd("set", "str", "x"), "+OK\r\n", ""},
		{cmd("smove", "str", "c", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("smove", "c", "str", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("smove", "nokey", "str", "1"), ":0\r\n", ""},
		{cmd("smove", "c", "c2", "x"), ":0\r\n", ""},
		{cmd("smembers", "c2"), "*0\r\n", "~0\r\n"},
		{cmd("smove", "c", "c2", "3"), ":1\r\n", ""},
		{cmd("smembers", "c"), "*1\r\n$1\r\n1\r\n", "~1\r\n$1\r\n1\r\n"},
		{cmd("smove", "c2", "c", "3"), ":1\r\n", ""},
		{cmd("smove", "c", "c2", "3"), ":1\r\n", ""},
		{cmd("smembers", "c2"), "*1\r\n$1\r\n3\r\n", "~1\r\n$1\r\n3\r\n"},
		{cmd("sadd", "c2", "2", "-5"), ":2\r\n", ""},
		{cmd("smembers", "c2"), "*3\r\n$2\r\n-5\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$2\r\n-5\r\n$1\r\n2\r\n$1\r\n3\r\n"},
	})
}

// WRONGTYPE on every command, argument errors and arity.
func TestSetErrorsLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("set", "s", "x"), "+OK\r\n", ""},
		{cmd("sadd", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("srem", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("smembers", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sismember", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("smismember", "s", "a"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("scard", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("spop", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("spop", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("spop", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("srandmember", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("srandmember", "s", "1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("srandmember", "s", "-1"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sinter", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sinterstore", "d", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sunion", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sunionstore", "d", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sdiff", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sdiffstore", "d", "s"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sscan", "s", "0"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", ""},
		{cmd("sadd", "s"), "-ERR wrong number of arguments for 'sadd' command\r\n", ""},
		{cmd("srem", "s"), "-ERR wrong number of arguments for 'srem' command\r\n", ""},
		{cmd("smembers"), "-ERR wrong number of arguments for 'smembers' command\r\n", ""},
		{cmd("sismember", "s"), "-ERR wrong number of arguments for 'sismember' command\r\n", ""},
		{cmd("smismember", "s"), "-ERR wrong number of arguments for 'smismember' command\r\n", ""},
		{cmd("scard"), "-ERR wrong number of arguments for 'scard' command\r\n", ""},
		{cmd("spop"), "-ERR wrong number of arguments for 'spop' command\r\n", ""},
		{cmd("spop", "s", "1", "2"), "-ERR syntax error\r\n", ""},
		{cmd("srandmember"), "-ERR wrong number of arguments for 'srandmember' command\r\n", ""},
		{cmd("srandmember", "s", "1", "2"), "-ERR syntax error\r\n", ""},
		{cmd("sinter"), "-ERR wrong number of arguments for 'sinter' command\r\n", ""},
		{cmd("sinterstore", "d"), "-ERR wrong number of arguments for 'sinterstore' command\r\n", ""},
		{cmd("sintercard", "1"), "-ERR wrong number of arguments for 'sintercard' command\r\n", ""},
		{cmd("sunion"), "-ERR wrong number of arguments for 'sunion' command\r\n", ""},
		{cmd("sdiff"), "-ERR wrong number of arguments for 'sdiff' command\r\n", ""},
		{cmd("smove", "a", "b"), "-ERR wrong number of arguments for 'smove' command\r\n", ""},
		{cmd("sscan", "s"), "-ERR wrong number of arguments for 'sscan' command\r\n", ""},
		{cmd("spop", "nokey", "1", "2"), "-ERR syntax error\r\n", ""},
		{cmd("spop", "s", "x"), "-ERR value is out of range, must be positive\r\n", ""},
		{cmd("spop", "s", "-1"), "-ERR value is out of range, must be positive\r\n", ""},
		{cmd("spop", "nokey", "0"), "*0\r\n", "~0\r\n"},
		{cmd("spop", "nokey"), "$-1\r\n", "_\r\n"},
		{cmd("spop", "nokey", "3"), "*0\r\n", "~0\r\n"},
		{cmd("srandmember", "nokey"), "$-1\r\n", "_\r\n"},
		{cmd("srandmember", "nokey", "0"), "*0\r\n", ""},
		{cmd("srandmember", "nokey", "-3"), "*0\r\n", ""},
		{cmd("srandmember", "s", "x"), "-ERR value is not an integer or out of range\r\n", ""},
		{cmd("srandmember", "s", "-9223372036854775808"), "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n", ""},
		{cmd("srandmember", "s", "9223372036854775808"), "-ERR value is not an integer or out of range\r\n", ""},
	})
}

// SPOP/SRANDMEMBER replies that do not depend on randomness.
func TestSetRandomDeterministicLikeRedis(t *testing.T) {
	hsRun(t, []hsStep{
		{cmd("sadd", "s", "3", "1", "2"), ":3\r\n", ""},
		{cmd("srandmember", "s", "3"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("srandmember", "s", "10"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", ""},
		{cmd("srandmember", "s", "0"), "*0\r\n", ""},
		{cmd("spop", "s", "0"), "*0\r\n", "~0\r\n"},
		{cmd("spop", "s", "3"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("exists", "s"), ":0\r\n", ""},
		{cmd("sadd", "s", "3", "1", "2", "a"), ":4\r\n", ""},
		{cmd("srem", "s", "a"), ":1\r\n", ""},
		{cmd("spop", "s", "10"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n", "~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("exists", "s"), ":0\r\n", ""},
		{cmd("sadd", "one", "x"), ":1\r\n", ""},
		{cmd("srandmember", "one"), "$1\r\nx\r\n", ""},
		{cmd("srandmember", "one", "-3"), "*3\r\n$1\r\nx\r\n$1\r\nx\r\n$1\r\nx\r\n", ""},
		{cmd("srandmember", "one", "1"), "*1\r\n$1\r\nx\r\n", ""},
		{cmd("srandmember", "one", "2"), "*1\r\n$1\r\nx\r\n", ""},
		{cmd("spop", "one"), "$1\r\nx\r\n", ""},
		{cmd("exists", "one"), ":0\r\n", ""},
		{cmd("sadd", "t", "5"), ":1\r\n", ""},
		{cmd("srandmember", "t", "9223372036854775807"), "*1\r\n$1\r\n5\r\n", ""},
		{cmd("spop", "t", "9223372036854775807"), "*1\r\n$1\r\n5\r\n", "~1\r\n$1\r\n5\r\n"},
		{cmd("spop", "t", "9223372036854775808"), "-ERR value is out of range, must be positive\r\n", ""},
	})
}

// hsSetOf returns the *Set at key in x (nil when absent).
func hsSetOf(x *tm, key string) *Set {
	e := x.m.dbs[0].get(key)
	if e == nil {
		return nil
	}
	return e.obj.(*Set)
}

func TestSetIntsetBoundaryCommands(t *testing.T) {
	x := newTM(t)
	args := []string{"sadd", "s"}
	for i := 512; i >= 1; i-- {
		args = append(args, strconv.Itoa(i))
	}
	if got := x.do(args...); got != ":512\r\n" {
		t.Fatalf("SADD: got %q", got)
	}
	// An intset is scanned whole, in ascending order, whatever COUNT says.
	cur, els := hsScanReply(t, x.do("sscan", "s", "0", "COUNT", "1"))
	if cur != "0" || len(els) != 512 || els[0] != "1" || els[511] != "512" {
		t.Fatalf("SSCAN of the intset: cursor %s, %d members", cur, len(els))
	}
	x.do("sadd", "s", "0") // 513 members: a hashtable from now on
	if hsSetOf(x, "s").intset() {
		t.Fatal("513 members: still an intset")
	}
	cur, els = hsScanReply(t, x.do("sscan", "s", "0"))
	if cur != "11" || fmt.Sprint(els) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Fatalf("SSCAN of the hashtable: cursor %s, %v", cur, els)
	}
	x.do("srem", "s", "0", "1", "2")
	cur, els = hsScanReply(t, x.do("sscan", "s", "2", "COUNT", "2", "MATCH", "*"))
	if cur != "6" || fmt.Sprint(els) != "[3 4]" {
		t.Fatalf("SSCAN after SREM: cursor %s, %v", cur, els)
	}
}

// TestSScanGuaranteeUnderWrites: members present for the whole iteration are
// returned although members are added and removed between the calls.
func TestSScanGuaranteeUnderWrites(t *testing.T) {
	x := newTM(t)
	rnd := NewRand(5)
	for i := 0; i < 400; i++ {
		x.do("sadd", "s", fmt.Sprint("m", i))
	}
	stable := map[string]bool{}
	for i := 0; i < 400; i++ {
		stable[fmt.Sprint("m", i)] = true
	}
	seen := map[string]bool{}
	cursor, next := "0", 400
	for calls := 0; ; calls++ {
		if calls > 5000 {
			t.Fatal("SSCAN did not terminate")
		}
		var els []string
		cursor, els = hsScanReply(t, x.do("sscan", "s", cursor, "COUNT", "3"))
		for _, m := range els {
			seen[m] = true
		}
		if cursor == "0" {
			break
		}
		for j := 0; j < 3; j++ {
			if rnd.Intn(2) == 0 {
				m := fmt.Sprint("m", rnd.Intn(next))
				if x.do("srem", "s", m) == ":1\r\n" {
					delete(stable, m)
				}
			} else {
				x.do("sadd", "s", fmt.Sprint("m", next))
				next++
			}
		}
	}
	for m := range stable {
		if !seen[m] {
			t.Fatalf("%s was present throughout but never returned", m)
		}
	}
}

func TestSPopCount(t *testing.T) {
	ints := func(n int) []string {
		args := []string{"sadd", "s"}
		for i := 0; i < n; i++ {
			args = append(args, strconv.Itoa(i))
		}
		return args
	}
	t.Run("few popped one by one", func(t *testing.T) {
		x := newTM(t)
		x.do(ints(100)...)
		popped := hsBulks(t, x.do("spop", "s", "10"))
		if len(popped) != 10 {
			t.Fatalf("got %d members, want 10", len(popped))
		}
		seen := map[string]bool{}
		for _, m := range popped {
			if seen[m] {
				t.Fatalf("%s popped twice", m)
			}
			seen[m] = true
			if x.do("sismember", "s", m) != ":0\r\n" {
				t.Fatalf("%s popped but still a member", m)
			}
		}
		if got := x.do("scard", "s"); got != ":90\r\n" {
			t.Fatalf("SCARD: got %q", got)
		}
	})
	t.Run("most popped: the rest becomes a new intset, TTL kept", func(t *testing.T) {
		x := newTM(t)
		x.do(ints(600)...)
		hsSetExpiry(x, "s", x.now+5000)
		if hsSetOf(x, "s").intset() {
			t.Fatal("600 integers: want a hashtable")
		}
		x.proto = 3
		reply := x.do("spop", "s", "550")
		if !strings.HasPrefix(reply, "~550\r\n") {
			t.Fatalf("reply header: %.20q", reply)
		}
		popped := hsBulks(t, reply)
		seen := map[string]bool{}
		for _, m := range popped {
			seen[m] = true
		}
		if len(seen) != 550 {
			t.Fatalf("distinct popped: got %d, want 550", len(seen))
		}
		s := hsSetOf(x, "s")
		if !s.intset() || s.Len() != 50 {
			t.Fatalf("rest: intset %v len %d, want true 50", s.intset(), s.Len())
		}
		for _, m := range hsSetMembers(s) {
			if seen[m] {
				t.Fatalf("%s both popped and kept", m)
			}
		}
		if e := x.m.dbs[0].get("s"); e.expireAt != x.now+5000 {
			t.Fatalf("TTL: got %d, want %d", e.expireAt, x.now+5000)
		}
	})
	t.Run("everything popped: sorted like SUNION, key deleted", func(t *testing.T) {
		x := newTM(t)
		x.run([]step{
			{cmd("sadd", "s", "x", "3", "1", "2"), ":4\r\n"},
			{cmd("srem", "s", "x"), ":1\r\n"},
			{cmd("smembers", "s"), "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n"},  // Redraft's hashtable order
			{cmd("spop", "s", "3"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"}, // as Redis: rebuilt as an intset
		})
		if x.m.Len() != 0 {
			t.Fatal("key not deleted")
		}
	})
	t.Run("single pops empty the set", func(t *testing.T) {
		x := newTM(t)
		x.do("sadd", "s", "a", "b", "c")
		seen := map[string]bool{}
		for i := 0; i < 3; i++ {
			b := hsBulks(t, x.do("spop", "s"))
			if len(b) != 1 || seen[b[0]] {
				t.Fatalf("pop %d: got %v", i, b)
			}
			seen[b[0]] = true
		}
		if x.m.Len() != 0 {
			t.Fatal("key not deleted after the last pop")
		}
		if got := x.do("spop", "s"); got != "$-1\r\n" {
			t.Fatalf("SPOP of the empty key: got %q", got)
		}
	})
}

// TestSetRandomIsDeterministic: the same state and seed give the same reply
// on two machines (replicas).
func TestSetRandomIsDeterministic(t *testing.T) {
	for _, c := range [][]string{
		{"spop", "s"}, {"spop", "s", "5"}, {"spop", "s", "250"}, {"srandmember", "s"},
		{"srandmember", "s", "5"}, {"srandmember", "s", "200"}, {"srandmember", "s", "-20"},
	} {
		var replies []string
		for r := 0; r < 2; r++ {
			x := newTM(t)
			args := []string{"sadd", "s"}
			for i := 0; i < 300; i++ {
				args = append(args, fmt.Sprint("m", i))
			}
			x.do(args...)
			x.do("srem", "s", "m7", "m100", "m299") // tombstones
			replies = append(replies, x.do(c...), x.do("smembers", "s"))
		}
		if replies[0] != replies[2] || replies[1] != replies[3] {
			t.Errorf("%q: replicas differ", c)
		}
	}
}

func TestSRandMemberRandomCounts(t *testing.T) {
	for _, n := range []int{10, 700} { // an intset, a hashtable
		x := newTM(t)
		args := []string{"sadd", "s"}
		for i := 0; i < n; i++ {
			args = append(args, strconv.Itoa(i*2))
		}
		x.do(args...)
		for _, count := range []int{2, n / 4, n/2 + 1, n - 1, -3, -3 * n} {
			b := hsBulks(t, x.do("srandmember", "s", strconv.Itoa(count)))
			want := count
			if want < 0 {
				want = -want
			}
			if len(b) != want {
				t.Fatalf("n=%d count %d: got %d members", n, count, len(b))
			}
			seen := map[string]bool{}
			for _, m := range b {
				v, err := strconv.Atoi(m)
				if err != nil || v%2 != 0 || v >= 2*n {
					t.Fatalf("n=%d: not a member: %q", n, m)
				}
				if count > 0 && seen[m] {
					t.Fatalf("n=%d count %d: %s returned twice", n, count, m)
				}
				seen[m] = true
			}
		}
	}
	x := newTM(t)
	x.run([]step{
		{cmd("sadd", "s", "a"), ":1\r\n"},
		{cmd("srandmember", "s", "-4194305"), "-ERR value is out of range\r\n"},
	})
}

// TestSetStoreReplaces: the *STORE commands overwrite a key of any type and
// drop its TTL; an empty result deletes the destination.
func TestSetStoreReplaces(t *testing.T) {
	x := newTM(t)
	x.do("sadd", "a", "1", "2")
	x.do("set", "d", "string")
	hsSetExpiry(x, "d", x.now+1000)
	x.run([]step{
		{cmd("sunionstore", "d", "a", "nokey"), ":2\r\n"},
		{cmd("smembers", "d"), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
	})
	if e := x.m.dbs[0].get("d"); e.expireAt != 0 || x.m.Expires() != 0 {
		t.Fatal("the stored set kept the old TTL")
	}
	hsSetExpiry(x, "d", x.now+1000)
	x.run([]step{
		{cmd("sinterstore", "d", "a", "nokey"), ":0\r\n"},
		{cmd("smembers", "d"), "*0\r\n"},
		// The destination may be a source.
		{cmd("sadd", "b", "2", "3"), ":2\r\n"},
		{cmd("sunionstore", "a", "a", "b"), ":3\r\n"},
		{cmd("sdiffstore", "a", "a", "b"), ":1\r\n"},
		{cmd("smembers", "a"), "*1\r\n$1\r\n1\r\n"},
		{cmd("sinterstore", "b", "b", "b"), ":2\r\n"},
	})
	if x.m.Expires() != 0 {
		t.Fatalf("expires: got %d, want 0", x.m.Expires())
	}
}

// TestSDiffAlgorithmDecidesEncoding reproduces Redis's choice between its
// two SDIFF algorithms, which decides whether the result is an intset
// (verified with OBJECT ENCODING on redis-server 7.0.15).
func TestSDiffAlgorithmDecidesEncoding(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("sadd", "a", "x", "3", "1", "2"), ":4\r\n"},
		{cmd("sadd", "b", "x"), ":1\r\n"},
		// Algorithm 1 (2 sets): only survivors are added: an intset.
		{cmd("sdiffstore", "d", "a", "b"), ":3\r\n"},
		{cmd("smembers", "d"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		{cmd("sdiffstore", "d", "a", "b", "b"), ":3\r\n"},
		{cmd("smembers", "d"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"},
		// Algorithm 2 (4 sets): all of "a" is added first, "x" converts the
		// result to a hashtable (Redraft: insertion order).
		{cmd("sdiffstore", "d", "a", "b", "b", "b"), ":3\r\n"},
		{cmd("smembers", "d"), "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{cmd("sdiff", "a", "b", "b", "b"), "*3\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n"},
	})
	if hsSetOf(x, "d").intset() {
		t.Fatal("algorithm 2 result: want a hashtable")
	}
}

// TestSInterOrder: SINTER walks the smallest set (the first of equal
// sizes) in its own order, as Redis does.
func TestSInterOrder(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("sadd", "h", "z", "9", "5", "1"), ":4\r\n"}, // a hashtable: z 9 5 1
		{cmd("sadd", "i", "1", "5", "9", "7"), ":4\r\n"}, // an intset: 1 5 7 9
		{cmd("sinter", "h", "i"), "*3\r\n$1\r\n9\r\n$1\r\n5\r\n$1\r\n1\r\n"},
		{cmd("sinter", "i", "h"), "*3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n9\r\n"},
		{cmd("sadd", "i", "8"), ":1\r\n"},
		{cmd("sinter", "i", "h"), "*3\r\n$1\r\n9\r\n$1\r\n5\r\n$1\r\n1\r\n"},
		{cmd("sintercard", "2", "i", "h"), ":3\r\n"},
		{cmd("sintercard", "2", "i", "h", "LIMIT", "2"), ":2\r\n"},
		// The stored result is rebuilt, so all-integer results sort.
		{cmd("sinterstore", "d", "h", "i"), ":3\r\n"},
		{cmd("smembers", "d"), "*3\r\n$1\r\n1\r\n$1\r\n5\r\n$1\r\n9\r\n"},
	})
}

func TestSetWatchVersions(t *testing.T) {
	x := newTM(t)
	x.do("sadd", "s", "a", "b")
	x.do("sadd", "t", "c")
	for _, c := range []struct {
		args     []string
		s, other bool // version of s / of t changes
	}{
		{cmd("smembers", "s"), false, false},
		{cmd("sadd", "s", "a"), false, false},
		{cmd("srem", "s", "nope"), false, false},
		{cmd("smove", "s", "t", "nope"), false, false},
		{cmd("spop", "s", "0"), false, false},
		{cmd("sadd", "s", "c"), true, false},
		{cmd("srem", "s", "c", "nope"), true, false},
		{cmd("smove", "s", "t", "a"), true, true},
		{cmd("sadd", "s", "c"), true, false},
		{cmd("smove", "s", "t", "c"), true, false}, // already in t
		{cmd("sunionstore", "t", "t", "s"), false, true},
		{cmd("spop", "s", "1"), true, false}, // the last member: s is deleted
	} {
		bs, bt := x.m.KeyVersion(0, []byte("s"), x.now), x.m.KeyVersion(0, []byte("t"), x.now)
		x.do(c.args...)
		as, at := x.m.KeyVersion(0, []byte("s"), x.now), x.m.KeyVersion(0, []byte("t"), x.now)
		if (as != bs) != c.s || (at != bt) != c.other {
			t.Errorf("%q: versions s %d->%d t %d->%d, want changed %v %v", c.args, bs, as, bt, at, c.s, c.other)
		}
	}
}

func TestSetExpiredKey(t *testing.T) {
	x := newTM(t)
	x.do("sadd", "s", "1", "2")
	x.do("sadd", "t", "2")
	hsSetExpiry(x, "s", x.now+10)
	x.now += 11
	x.run([]step{
		{cmd("smembers", "s"), "*0\r\n"},
		{cmd("scard", "s"), ":0\r\n"},
		{cmd("sismember", "s", "1"), ":0\r\n"},
		{cmd("sinter", "t", "s"), "*0\r\n"},
		{cmd("sunion", "t", "s"), "*1\r\n$1\r\n2\r\n"},
		{cmd("srandmember", "s"), "$-1\r\n"},
		{cmd("smove", "s", "t", "1"), ":0\r\n"},
		{cmd("sadd", "s", "9"), ":1\r\n"},
		{cmd("smembers", "s"), "*1\r\n$1\r\n9\r\n"},
	})
	if x.m.Expires() != 0 {
		t.Fatalf("expires: got %d, want 0", x.m.Expires())
	}
}

func TestSetCommandsCopyArguments(t *testing.T) {
	m := NewMachine()
	for _, args := range [][][]byte{
		{[]byte("sadd"), []byte("s"), []byte("member"), []byte("12")},
		{[]byte("smove"), []byte("s"), []byte("t"), []byte("member")},
		{[]byte("sunionstore"), []byte("u"), []byte("s"), []byte("t")},
	} {
		m.Exec(&Cmd{Args: args, Proto: 2}, NewWriter(nil, 2))
		for _, a := range args {
			for i := range a {
				a[i] = 'X'
			}
		}
	}
	for key, want := range map[string]string{"s": "*1\r\n$2\r\n12\r\n", "t": "*1\r\n$6\r\nmember\r\n", "u": "*2\r\n$2\r\n12\r\n$6\r\nmember\r\n"} {
		w := NewWriter(nil, 2)
		m.Exec(&Cmd{Args: [][]byte{[]byte("smembers"), []byte(key)}, Proto: 2}, w)
		if got := string(w.Bytes()); got != want {
			t.Errorf("SMEMBERS %s: got %q, want %q", key, got, want)
		}
	}
}
