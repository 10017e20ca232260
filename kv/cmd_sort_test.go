package kv

import "testing"

// TestSortTranscript replays commands whose replies were recorded from
// redis-server 7.0.15: SORT and SORT_RO on lists, sets and sorted sets with
// every option, pattern lookups (strings, hash fields, "#", constants),
// STORE, numeric conversion errors and RESP3.
func TestSortTranscript(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("flushall"), "+OK\r\n"},
		{cmd("rpush", "l", "3", "1", "2", "10", "5", "1"), ":6\r\n"},
		{cmd("sort", "l"), "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n"},
		{cmd("sort", "l", "desc"), "*6\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "alpha"), "*6\r\n$1\r\n1\r\n$1\r\n1\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n"},
		{cmd("sort", "l", "alpha", "desc"), "*6\r\n$1\r\n5\r\n$1\r\n3\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n1\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "limit", "1", "2"), "*2\r\n$1\r\n1\r\n$1\r\n2\r\n"},
		{cmd("sort", "l", "limit", "0", "0"), "*0\r\n"},
		{cmd("sort", "l", "limit", "-1", "2"), "*2\r\n$1\r\n1\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "limit", "10", "2"), "*0\r\n"},
		{cmd("sort", "l", "limit", "2", "-5"), "*4\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n5\r\n$2\r\n10\r\n"},
		{cmd("sort", "l", "limit", "1", "abc"), "-ERR value is not an integer or out of range\r\n"},
		{cmd("sort", "l", "by", "nosort"), "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "by", "nosort", "desc"), "*6\r\n$1\r\n1\r\n$1\r\n5\r\n$2\r\n10\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n3\r\n"},
		{cmd("sort", "l", "by", "nosort", "limit", "1", "3"), "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$2\r\n10\r\n"},
		{cmd("sort", "l", "by", "nosort", "desc", "limit", "1", "3"), "*3\r\n$1\r\n5\r\n$2\r\n10\r\n$1\r\n2\r\n"},
		{cmd("sort", "l", "foo"), "-ERR syntax error\r\n"},
		{cmd("sort_ro", "l", "store", "x"), "-ERR syntax error\r\n"},
		{cmd("sort_ro", "l", "desc"), "*6\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n3\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n1\r\n"},
		{cmd("mset", "w_3", "30", "w_1", "10", "w_2", "5", "w_10", "-1"), "+OK\r\n"},
		{cmd("sort", "l", "by", "w_*"), "*6\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n3\r\n"},
		{cmd("sort", "l", "by", "w_*", "desc"), "*6\r\n$1\r\n3\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n5\r\n$2\r\n10\r\n"},
		{cmd("sort", "l", "by", "w_*", "get", "#"), "*6\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n3\r\n"},
		{cmd("sort", "l", "by", "w_*", "get", "#", "get", "w_*", "get", "nokey", "get", "nokey_*"), "*24\r\n$2\r\n10\r\n$2\r\n-1\r\n$-1\r\n$-1\r\n$1\r\n5\r\n$-1\r\n$-1\r\n$-1\r\n$1\r\n2\r\n$1\r\n5\r\n$-1\r\n$-1\r\n$1\r\n1\r\n$2\r\n10\r\n$-1\r\n$-1\r\n$1\r\n1\r\n$2\r\n10\r\n$-1\r\n$-1\r\n$1\r\n3\r\n$2\r\n30\r\n$-1\r\n$-1\r\n"},
		{cmd("hset", "h_1", "f", "100"), ":1\r\n"},
		{cmd("hset", "h_3", "f", "1"), ":1\r\n"},
		{cmd("sort", "l", "by", "h_*->f", "get", "h_*->f", "get", "#"), "*12\r\n$-1\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n$-1\r\n$1\r\n5\r\n$1\r\n1\r\n$1\r\n3\r\n$3\r\n100\r\n$1\r\n1\r\n$3\r\n100\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "by", "h_*->", "get", "h_*->"), "*6\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"},
		{cmd("sort", "l", "by", "w_*", "limit", "1", "3"), "*3\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n1\r\n"},
		{cmd("sort", "l", "by", "w_*", "store", "dst"), ":6\r\n"},
		{cmd("lrange", "dst", "0", "-1"), "*6\r\n$2\r\n10\r\n$1\r\n5\r\n$1\r\n2\r\n$1\r\n1\r\n$1\r\n1\r\n$1\r\n3\r\n"},
		{cmd("sort", "l", "get", "h_*->f", "store", "dst2"), ":6\r\n"},
		{cmd("lrange", "dst2", "0", "-1"), "*6\r\n$3\r\n100\r\n$3\r\n100\r\n$0\r\n\r\n$1\r\n1\r\n$0\r\n\r\n$0\r\n\r\n"},
		{cmd("sort", "l", "limit", "0", "0", "store", "dst2"), ":0\r\n"},
		{cmd("exists", "dst2"), ":0\r\n"},
		{cmd("rpush", "bad", "a", "1", "b"), ":3\r\n"},
		{cmd("sort", "bad"), "-ERR One or more scores can't be converted into double\r\n"},
		{cmd("sort", "bad", "alpha"), "*3\r\n$1\r\n1\r\n$1\r\na\r\n$1\r\nb\r\n"},
		{cmd("rpush", "e", "", " 1", "0x10", "-inf", "1e3"), ":5\r\n"},
		{cmd("sort", "e"), "*5\r\n$4\r\n-inf\r\n$0\r\n\r\n$2\r\n 1\r\n$4\r\n0x10\r\n$3\r\n1e3\r\n"},
		{cmd("sadd", "s", "5", "3", "9", "1"), ":4\r\n"},
		{cmd("sort", "s"), "*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"},
		{cmd("sort", "s", "desc", "limit", "1", "2"), "*2\r\n$1\r\n5\r\n$1\r\n3\r\n"},
		{cmd("sort", "s", "by", "nosort", "store", "sdst"), ":4\r\n"},
		{cmd("lrange", "sdst", "0", "-1"), "*4\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n9\r\n"},
		{cmd("sadd", "s2", "b", "c", "a"), ":3\r\n"},
		{cmd("sort", "s2", "alpha"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("sort", "s2", "by", "nosort", "store", "sdst2"), ":3\r\n"},
		{cmd("lrange", "sdst2", "0", "-1"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("zadd", "z", "1", "c", "2", "b", "3", "a"), ":3\r\n"},
		{cmd("sort", "z", "alpha"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("sort", "z", "by", "nosort"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("sort", "z", "by", "nosort", "desc"), "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("sort", "z", "by", "nosort", "limit", "1", "1"), "*1\r\n$1\r\nb\r\n"},
		{cmd("sort", "z", "by", "nosort", "desc", "limit", "1", "5"), "*2\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("set", "str", "x"), "+OK\r\n"},
		{cmd("sort", "str"), "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
		{cmd("sort", "str", "foo"), "-ERR syntax error\r\n"},
		{cmd("sort", "nokey"), "*0\r\n"},
		{cmd("sort", "nokey", "store", "str"), ":0\r\n"},
		{cmd("exists", "str"), ":0\r\n"},
		{cmd("rpush", "a1", "b", "a", "c"), ":3\r\n"},
		{cmd("sort", "a1", "alpha", "by", "nokey*"), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"},
		{cmd("sort", "a1", "alpha", "by", "nokey*", "desc"), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"},
		{cmd("set", "k_a", "2"), "+OK\r\n"},
		{cmd("set", "k_b", "1"), "+OK\r\n"},
		{cmd("sort", "a1", "by", "k_*"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("sort", "a1", "by", "k_*", "alpha"), "*3\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n"},
		{cmd("sort", "a1", "by", "nosort", "by", "k_*"), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"},
		{cmd("sort_ro", "a1", "alpha", "limit", "1", "1", "get", "#", "get", "k_*"), "*2\r\n$1\r\nb\r\n$1\r\n1\r\n"},
		{cmd("rpush", "big", "1e400"), ":1\r\n"},
		{cmd("sort", "big"), "-ERR One or more scores can't be converted into double\r\n"},
	})
	x.proto = 3
	x.run([]step{
		{cmd("sort", "a1", "alpha", "get", "k_*"), "*3\r\n$1\r\n2\r\n$1\r\n1\r\n_\r\n"},
		{cmd("sort", "a1", "by", "k_*", "store", "st3"), ":3\r\n"},
	})
}

// SORT BY a constant keeps a list's order, but a set has none: inside a
// script, as with STORE, Redis sorts the set ALPHA so that what the script
// sees does not depend on the hash table (its writes are replicated).
func TestSortByConstantInScriptIsAlpha(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("SADD", "s", "b", "aa", "c", "a"), ":4\r\n"},
		{cmd("EVAL", "return redis.call('sort', KEYS[1], 'by', '_')", "1", "s"), "*4\r\n$1\r\na\r\n$2\r\naa\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{cmd("EVAL", "return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*')", "1", "s"), "*8\r\n$1\r\na\r\n$-1\r\n$2\r\naa\r\n$-1\r\n$1\r\nb\r\n$-1\r\n$1\r\nc\r\n$-1\r\n"},
		{cmd("RPUSH", "l", "b", "a", "c"), ":3\r\n"},
		{cmd("EVAL", "return redis.call('sort', KEYS[1], 'by', '_')", "1", "l"), "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n"},
	})
}
