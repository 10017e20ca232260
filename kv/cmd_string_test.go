package kv

import (
	"bufio"
	"strings"
	"testing"
)

func TestSetOptions(t *testing.T) {
	expErr := skErr("ERR invalid expire time in 'set' command")
	steps := []step{
		{cmd("SET", "k", "v"), skOK},
		{cmd("SET", "k", "v2", "NX"), skNull},
		{cmd("GET", "k"), skBulk("v")},
		{cmd("SET", "k", "v2", "XX"), skOK},
		{cmd("SET", "n", "v", "XX"), skNull},
		{cmd("EXISTS", "n"), skInt(0)},
		{cmd("SET", "n", "v", "nx"), skOK},
		{cmd("SET", "k", "v3", "GET"), skBulk("v2")},
		{cmd("SET", "missing", "v", "GET"), skNull},
		{cmd("GET", "missing"), skBulk("v")},
		{cmd("SET", "k", "v4", "GET", "NX"), skBulk("v3")},
		{cmd("GET", "k"), skBulk("v3")},
		{cmd("SET", "k", "v4", "XX", "GET"), skBulk("v3")},
		{cmd("SET", "nx1", "v", "NX", "GET"), skNull},
		{cmd("GET", "nx1"), skBulk("v")},
		{cmd("SET", "xx1", "v", "XX", "GET"), skNull},
		{cmd("EXISTS", "xx1"), skInt(0)},
		// Conflicting options, dangling expiry, unknown words.
		{cmd("SET", "k", "v", "NX", "XX"), skSyntax},
		{cmd("SET", "k", "v", "XX", "NX"), skSyntax},
		{cmd("SET", "k", "v", "XX", "XX", "NX"), skSyntax},
		{cmd("SET", "k", "v", "NX", "NX"), skNull},
		{cmd("SET", "k", "v", "EX"), skSyntax},
		{cmd("SET", "k", "v", "PXAT"), skSyntax},
		{cmd("SET", "k", "v", "KEEPTTL", "EX", "10"), skSyntax},
		{cmd("SET", "k", "v", "EX", "10", "KEEPTTL"), skSyntax},
		{cmd("SET", "k", "v", "EX", "10", "PX", "10"), skSyntax},
		{cmd("SET", "k", "v", "PX", "10", "EXAT", "10"), skSyntax},
		{cmd("SET", "k", "v", "EXAT", "10", "PXAT", "10"), skSyntax},
		{cmd("SET", "k", "v", "PXAT", "10", "EX", "10"), skSyntax},
		{cmd("SET", "k", "v", "PERSIST"), skSyntax},
		{cmd("SET", "k", "v", "FOO"), skSyntax},
		{cmd("SET", "k", "v", "NXX"), skSyntax},
		{cmd("SET", "k", "v", "EX", "10", "FOO"), skSyntax},
		// Option words end at a NUL byte, as C's strcasecmp sees them.
		{cmd("SET", "k", "v", "nx\x00zz"), skNull},
		{cmd("SET", "k", "v5", "KEEPTTL\x00a"), skOK},
		// Expiry values: syntax first, then the value, then GET/WRONGTYPE.
		{cmd("SET", "k", "v", "EX", "abc"), skNotInt},
		{cmd("SET", "k", "v", "EX", "1.5"), skNotInt},
		{cmd("SET", "k", "v", "EX", "0"), expErr},
		{cmd("SET", "k", "v", "PX", "-1"), expErr},
		{cmd("SET", "k", "v", "EXAT", "0"), expErr},
		{cmd("SET", "k", "v", "PXAT", "-5"), expErr},
		{cmd("SET", "k", "v", "EX", "9223372036854775"), expErr},
		{cmd("SET", "k", "v", "EX", "9223372036854776"), expErr},
		{cmd("SET", "k", "v", "PX", "9223372036854775807"), expErr},
		{cmd("SET", "k", "v", "EXAT", "9223372036854776"), expErr},
		{cmd("SET", "k", "v", "EX", "10", "EX", "0"), expErr},
		{cmd("SET", "k", "v", "EXAT", "9223372036854775"), skOK},
		{cmd("SET", "k", "v", "PXAT", "9223372036854775807"), skOK},
		{cmd("SET", "k", "v", "EX", "9223372036854"), skOK},
		{cmd("SET", "k", "v", "EX", "100", "EX", "200"), skOK},
		// An absolute time in the past: set, then logically gone.
		{cmd("SET", "k", "v", "EXAT", "1"), skOK},
		{cmd("GET", "k"), skNull},
		{cmd("SET", "k", "v", "PXAT", "1", "GET"), skNull},
		{cmd("GET", "k"), skNull},
		// Type clashes.
		{cmd("SET", "l", "v", "GET"), skWrongT},
		{cmd("SET", "l", "v", "GET", "EX", "-1"), expErr},
		{cmd("SET", "l", "v", "NX"), skNull},
		{cmd("SET", "l", "v", "XX"), skOK},
		{cmd("GET", "l"), skBulk("v")},
		{cmd("SET", "l2", "v"), skOK},
		{cmd("TYPE", "l2"), "+string\r\n"},
		{cmd("SET", "k"), skErr("ERR wrong number of arguments for 'set' command")},
		{cmd("SET", "e", ""), skOK},
		{cmd("GET", "e"), skEmpty},
		{cmd("SET", "bin", "a\x00\r\nb"), skOK},
		{cmd("GET", "bin"), skBulk("a\x00\r\nb")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	skMake(x, "list", "l2")
	x.run(steps)
	skAgainstRedis(t, 2, steps, cmd("RPUSH", "l", "a"), cmd("RPUSH", "l2", "a"))
}

func TestSetExpiryAndKeepTTL(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("SET", "k", "v", "EX", "10"), skOK},
		{cmd("PTTL", "k"), skInt(10_000)},
		{cmd("SET", "k", "v", "PX", "2500"), skOK},
		{cmd("PTTL", "k"), skInt(2500)},
		{cmd("TTL", "k"), skInt(3)},
		{cmd("SET", "k", "w", "KEEPTTL"), skOK},
		{cmd("PTTL", "k"), skInt(2500)},
		{cmd("SET", "k", "w"), skOK},
		{cmd("PTTL", "k"), skInt(-1)},
		{cmd("SET", "k", "v", "EXAT", "1700000100"), skOK},
		{cmd("PTTL", "k"), skInt(100_000)},
		{cmd("SET", "k", "v", "PXAT", "1700000000500"), skOK},
		{cmd("PTTL", "k"), skInt(500)},
		{cmd("SETEX", "s", "5", "v"), skOK},
		{cmd("PTTL", "s"), skInt(5000)},
		{cmd("PSETEX", "p", "5", "v"), skOK},
		{cmd("PTTL", "p"), skInt(5)},
	})
	x.now += 6
	x.run([]step{
		{cmd("GET", "p"), skNull},
		{cmd("SET", "p", "new", "XX"), skNull}, // expired: XX finds nothing
		{cmd("SET", "p", "new", "NX"), skOK},
		{cmd("PTTL", "p"), skInt(-1)},
		{cmd("SET", "k", "v2", "KEEPTTL", "GET"), skBulk("v")},
		{cmd("PTTL", "k"), skInt(494)},
	})
	x.now += 495
	x.run([]step{
		{cmd("GET", "k"), skNull},
		{cmd("SET", "k", "v", "KEEPTTL"), skOK}, // the expired key is gone: no TTL to keep
		{cmd("PTTL", "k"), skInt(-1)},
	})
	if got := x.m.Expires(); got != 1 { // s only
		t.Errorf("Expires: got %d, want 1", got)
	}
}

func TestSetNXSetEXPSetEX(t *testing.T) {
	steps := []step{
		{cmd("SETNX", "k", "v"), skInt(1)},
		{cmd("SETNX", "k", "w"), skInt(0)},
		{cmd("GET", "k"), skBulk("v")},
		{cmd("SETNX", "k"), skErr("ERR wrong number of arguments for 'setnx' command")},
		{cmd("SETEX", "k", "0", "v"), skErr("ERR invalid expire time in 'setex' command")},
		{cmd("SETEX", "k", "-1", "v"), skErr("ERR invalid expire time in 'setex' command")},
		{cmd("SETEX", "k", "abc", "v"), skNotInt},
		{cmd("SETEX", "k", "9223372036854775", "v"), skErr("ERR invalid expire time in 'setex' command")},
		{cmd("PSETEX", "k", "-5", "v"), skErr("ERR invalid expire time in 'psetex' command")},
		{cmd("PSETEX", "k", "9223372036854775807", "v"), skErr("ERR invalid expire time in 'psetex' command")},
		{cmd("SETEX", "k", "100", "w"), skOK},
		{cmd("GET", "k"), skBulk("w")},
		{cmd("TTL", "k"), skInt(100)},
		{cmd("PSETEX", "k", "100000", "x"), skOK},
		{cmd("TTL", "k"), skInt(100)},
		{cmd("SETNX", "k", "y"), skInt(0)},
		{cmd("SETEX", "k", "10"), skErr("ERR wrong number of arguments for 'setex' command")},
	}
	newTM(t).run(steps)
	skAgainstRedis(t, 2, steps)
}

func TestGetSetGetDel(t *testing.T) {
	x := newTM(t)
	skMake(x, "list", "l")
	x.run([]step{
		{cmd("GETSET", "k", "v"), skNull},
		{cmd("GETSET", "k", "w"), skBulk("v")},
		{cmd("GET", "k"), skBulk("w")},
		{cmd("PEXPIRE", "k", "1000"), skInt(1)},
		{cmd("GETSET", "k", "x"), skBulk("w")},
		{cmd("PTTL", "k"), skInt(-1)}, // GETSET clears the TTL
		{cmd("GETDEL", "k"), skBulk("x")},
		{cmd("GETDEL", "k"), skNull},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("GETSET", "l", "v"), skWrongT},
		{cmd("GETDEL", "l"), skWrongT},
		{cmd("TYPE", "l"), "+list\r\n"},
		{cmd("GETSET", "k"), skErr("ERR wrong number of arguments for 'getset' command")},
		{cmd("GETDEL", "k", "x"), skErr("ERR wrong number of arguments for 'getdel' command")},
	})
	x.proto = 3
	x.run([]step{
		{cmd("GETDEL", "nope"), skNull3},
		{cmd("GETSET", "nope", "v"), skNull3},
	})
}

func TestGetEx(t *testing.T) {
	expErr := skErr("ERR invalid expire time in 'getex' command")
	x := newTM(t)
	skMake(x, "list", "l")
	x.run([]step{
		{cmd("GETEX", "nokey"), skNull},
		{cmd("GETEX", "nokey", "EX", "-1"), skNull}, // absent key: expiry not validated
		{cmd("SET", "k", "hello"), skOK},
		{cmd("GETEX", "k"), skBulk("hello")},
		{cmd("GETEX", "k", "PERSIST", "EX", "10"), skSyntax},
		{cmd("GETEX", "k", "EX", "10", "PERSIST"), skSyntax},
		{cmd("GETEX", "k", "KEEPTTL"), skSyntax},
		{cmd("GETEX", "k", "NX"), skSyntax},
		{cmd("GETEX", "k", "GET"), skSyntax},
		{cmd("GETEX", "k", "EX"), skSyntax},
		{cmd("GETEX", "k", "PXAT", "1", "EX", "1"), skSyntax},
		{cmd("GETEX", "k", "EX", "-1"), expErr},
		{cmd("GETEX", "k", "EX", "abc"), skNotInt},
		{cmd("GETEX", "k", "EX", "9223372036854775"), expErr},
		{cmd("GETEX", "k", "PX", "9223372036854775807"), expErr},
		{cmd("GETEX", "k", "EX", "10"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(10_000)},
		{cmd("GETEX", "k", "PX", "1500"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(1500)},
		{cmd("GETEX", "k", "EXAT", "1700000100"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(100_000)},
		{cmd("GETEX", "k", "PXAT", "1700000000700"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(700)},
		{cmd("GETEX", "k", "EX", "10", "EX", "20"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(20_000)},
		{cmd("GETEX", "k", "PERSIST"), skBulk("hello")},
		{cmd("PTTL", "k"), skInt(-1)},
		{cmd("GETEX", "k", "persist", "PERSIST"), skBulk("hello")},
		// An absolute time not in the future deletes the key after replying.
		{cmd("GETEX", "k", "PXAT", "1700000000000"), skBulk("hello")},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("SET", "k", "v"), skOK},
		{cmd("GETEX", "k", "EXAT", "1"), skBulk("v")},
		{cmd("EXISTS", "k"), skInt(0)},
		{cmd("GETEX", "l"), skWrongT},
		{cmd("GETEX", "l", "EX", "-1"), skWrongT},
		{cmd("GETEX"), skErr("ERR wrong number of arguments for 'getex' command")},
	})
	x.proto = 3
	x.run([]step{{cmd("GETEX", "nokey", "PERSIST"), skNull3}})
}

func TestMGetMSetMSetNX(t *testing.T) {
	steps := []step{
		{cmd("MSET", "a", "1", "b", "2"), skOK},
		{cmd("MGET", "a", "b", "c"), skArr(skBulk("1"), skBulk("2"), skNull)},
		{cmd("MSET", "a"), skErr("ERR wrong number of arguments for 'mset' command")},
		{cmd("MSET", "a", "1", "b"), skErr("ERR wrong number of arguments for 'mset' command")},
		{cmd("MSETNX", "a", "1", "b"), skErr("ERR wrong number of arguments for 'msetnx' command")},
		{cmd("MSETNX", "c", "3", "a", "9"), skInt(0)},
		{cmd("EXISTS", "c"), skInt(0)},
		{cmd("MSETNX", "c", "3", "d", "4"), skInt(1)},
		{cmd("MSETNX", "e", "1", "e", "2"), skInt(1)},
		{cmd("GET", "e"), skBulk("2")},
		{cmd("MSET", "a", "x", "a", "y"), skOK},
		{cmd("MGET", "a", "c", "d", "a"), skArr(skBulk("y"), skBulk("3"), skBulk("4"), skBulk("y"))},
		{cmd("MGET"), skErr("ERR wrong number of arguments for 'mget' command")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	x.run([]step{
		{cmd("MGET", "l", "a"), skArr(skNull, skBulk("y"))}, // wrong type reads as null
		{cmd("MSETNX", "l", "1"), skInt(0)},
		{cmd("SET", "t", "v", "PX", "5"), skOK},
		{cmd("MSET", "l", "v", "t", "w"), skOK}, // overwrites any type, clears TTLs
		{cmd("MGET", "l", "t"), skArr(skBulk("v"), skBulk("w"))},
		{cmd("PTTL", "t"), skInt(-1)},
		{cmd("SET", "u", "v", "PX", "5"), skOK},
	})
	x.now += 6
	x.run([]step{{cmd("MSETNX", "u", "1"), skInt(1)}}) // expired keys do not block MSETNX
	x.proto = 3
	x.run([]step{{cmd("MGET", "nope", "l"), skArr(skNull3, skBulk("v"))}})
}

func TestAppendStrlen(t *testing.T) {
	steps := []step{
		{cmd("APPEND", "k", ""), skInt(0)},
		{cmd("EXISTS", "k"), skInt(1)}, // APPEND of "" still creates the key
		{cmd("APPEND", "k", "Hello"), skInt(5)},
		{cmd("APPEND", "k", " World"), skInt(11)},
		{cmd("GET", "k"), skBulk("Hello World")},
		{cmd("STRLEN", "k"), skInt(11)},
		{cmd("STRLEN", "nope"), skInt(0)},
		{cmd("SET", "n", "12"), skOK},
		{cmd("APPEND", "n", "3"), skInt(3)},
		{cmd("INCR", "n"), skInt(124)},
		{cmd("APPEND", "k"), skErr("ERR wrong number of arguments for 'append' command")},
		{cmd("STRLEN", "k", "x"), skErr("ERR wrong number of arguments for 'strlen' command")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	x.run([]step{
		{cmd("APPEND", "l", "x"), skWrongT},
		{cmd("STRLEN", "l"), skWrongT},
		{cmd("SET", "t", "ab", "PX", "100"), skOK},
		{cmd("APPEND", "t", "c"), skInt(3)},
		{cmd("PTTL", "t"), skInt(100)}, // APPEND keeps the TTL
	})
}

func TestAppendSetRangeLimit(t *testing.T) {
	x := newTM(t)
	// A value just under the limit, built without 512 MB of test arguments.
	x.run([]step{{cmd("SETRANGE", "big", "536870910", "ab"), skInt(maxStringBytes)}})
	tooLong := skErr(ErrStringTooLong)
	x.run([]step{
		{cmd("APPEND", "big", "x"), tooLong},
		{cmd("APPEND", "big", ""), skInt(maxStringBytes)},
		{cmd("STRLEN", "big"), skInt(maxStringBytes)},
		{cmd("SETRANGE", "big", "536870911", "x"), skInt(maxStringBytes)},
		{cmd("SETRANGE", "big", "536870911", "xy"), tooLong},
		{cmd("SETRANGE", "new", "536870912", "x"), tooLong},
		{cmd("SETRANGE", "new", "536870911", "xy"), tooLong},
		{cmd("SETRANGE", "new", "9223372036854775807", "x"), tooLong},
		{cmd("SETRANGE", "new", "536870912", ""), skInt(0)},
		{cmd("EXISTS", "new"), skInt(0)},
		{cmd("DEL", "big"), skInt(1)},
	})
}

func TestSetRangeGetRange(t *testing.T) {
	steps := []step{
		{cmd("GETRANGE", "no", "0", "-1"), skEmpty},
		{cmd("SET", "s", "Hello World"), skOK},
		{cmd("GETRANGE", "s", "0", "-1"), skBulk("Hello World")},
		{cmd("GETRANGE", "s", "0", "4"), skBulk("Hello")},
		{cmd("GETRANGE", "s", "-3", "-1"), skBulk("rld")},
		{cmd("GETRANGE", "s", "-1", "-3"), skEmpty},
		{cmd("GETRANGE", "s", "5", "3"), skEmpty},
		{cmd("GETRANGE", "s", "0", "100"), skBulk("Hello World")},
		{cmd("GETRANGE", "s", "-100", "-50"), skBulk("H")},
		{cmd("GETRANGE", "s", "100", "200"), skEmpty},
		{cmd("GETRANGE", "s", "10", "10"), skBulk("d")},
		{cmd("GETRANGE", "s", "-9223372036854775808", "9223372036854775807"), skBulk("Hello World")},
		{cmd("GETRANGE", "s", "a", "1"), skNotInt},
		{cmd("GETRANGE", "s", "0", "1.5"), skNotInt},
		{cmd("GETRANGE", "no", "a", "1"), skNotInt},
		{cmd("SET", "e", ""), skOK},
		{cmd("GETRANGE", "e", "0", "-1"), skEmpty},
		{cmd("GETRANGE", "e", "-1", "0"), skEmpty},
		{cmd("SET", "n", "12345"), skOK},
		{cmd("GETRANGE", "n", "1", "2"), skBulk("23")},
		{cmd("SETRANGE", "s", "-1", "x"), skErr(ErrOffsetOutOfRange)},
		{cmd("SETRANGE", "s", "a", "x"), skNotInt},
		{cmd("SETRANGE", "s", "6", "Redis"), skInt(11)},
		{cmd("GET", "s"), skBulk("Hello Redis")},
		{cmd("SETRANGE", "s", "11", "!"), skInt(12)},
		{cmd("SETRANGE", "s", "14", "?"), skInt(15)},
		{cmd("GET", "s"), skBulk("Hello Redis!\x00\x00?")},
		{cmd("SETRANGE", "s", "0", ""), skInt(15)},
		{cmd("SETRANGE", "s", "100", ""), skInt(15)},
		{cmd("SETRANGE", "no", "5", ""), skInt(0)},
		{cmd("EXISTS", "no"), skInt(0)},
		{cmd("SETRANGE", "no", "3", "ab"), skInt(5)},
		{cmd("GET", "no"), skBulk("\x00\x00\x00ab")},
		{cmd("SETRANGE", "n", "0", "9"), skInt(5)},
		{cmd("INCR", "n"), skInt(92346)},
		{cmd("SETRANGE", "s", "1"), skErr("ERR wrong number of arguments for 'setrange' command")},
		{cmd("GETRANGE", "s", "1"), skErr("ERR wrong number of arguments for 'getrange' command")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	x.run([]step{
		{cmd("GETRANGE", "l", "0", "1"), skWrongT},
		{cmd("GETRANGE", "l", "x", "1"), skNotInt},
		{cmd("SETRANGE", "l", "0", "x"), skWrongT},
		{cmd("SETRANGE", "l", "0", ""), skWrongT},
		{cmd("SETRANGE", "l", "-1", ""), skErr(ErrOffsetOutOfRange)},
		{cmd("SET", "t", "abc", "PX", "100"), skOK},
		{cmd("SETRANGE", "t", "1", "X"), skInt(3)},
		{cmd("PTTL", "t"), skInt(100)},
	})
	x.proto = 3
	x.run([]step{{cmd("GETRANGE", "nope", "0", "-1"), skEmpty}})
}

func TestIncrDecr(t *testing.T) {
	steps := []step{
		{cmd("INCR", "n"), skInt(1)},
		{cmd("INCRBY", "n", "9223372036854775806"), skInt(9223372036854775807)},
		{cmd("INCR", "n"), skErr(ErrOverflow)},
		{cmd("INCRBY", "n", "0"), skInt(9223372036854775807)},
		{cmd("DECRBY", "n", "9223372036854775807"), skInt(0)},
		{cmd("DECRBY", "n", "-9223372036854775808"), skErr("ERR decrement would overflow")},
		{cmd("DECR", "n"), skInt(-1)},
		{cmd("DECRBY", "n", "9223372036854775807"), skInt(-9223372036854775808)},
		{cmd("DECR", "n"), skErr(ErrOverflow)},
		{cmd("INCRBY", "n", "-1"), skErr(ErrOverflow)},
		{cmd("GET", "n"), skBulk("-9223372036854775808")},
		{cmd("INCRBY", "n", "9223372036854775807"), skInt(-1)},
		{cmd("INCRBY", "n", "abc"), skNotInt},
		{cmd("INCRBY", "n", "9223372036854775808"), skNotInt},
		{cmd("INCRBY", "n", " 1"), skNotInt},
		{cmd("INCRBY", "n", "+1"), skNotInt},
		{cmd("DECRBY", "n", "1.0"), skNotInt},
		{cmd("DECRBY", "m", "5"), skInt(-5)},
		{cmd("DECR", "d"), skInt(-1)},
		{cmd("SET", "s", " 1"), skOK},
		{cmd("INCR", "s"), skNotInt},
		{cmd("SET", "s", "00"), skOK},
		{cmd("INCR", "s"), skNotInt},
		{cmd("SET", "s", "-0"), skOK},
		{cmd("DECR", "s"), skNotInt},
		{cmd("SET", "s", "10.5"), skOK},
		{cmd("INCR", "s"), skNotInt},
		{cmd("SET", "s", ""), skOK},
		{cmd("INCR", "s"), skNotInt},
		{cmd("SET", "s", "9223372036854775808"), skOK},
		{cmd("INCR", "s"), skNotInt},
		{cmd("GET", "s"), skBulk("9223372036854775808")},
		{cmd("INCR"), skErr("ERR wrong number of arguments for 'incr' command")},
		{cmd("INCRBY", "n"), skErr("ERR wrong number of arguments for 'incrby' command")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	x.run([]step{
		{cmd("INCR", "l"), skWrongT},
		{cmd("DECRBY", "l", "x"), skNotInt}, // the increment is parsed first
		{cmd("SET", "t", "5", "EX", "100"), skOK},
		{cmd("INCR", "t"), skInt(6)},
		{cmd("PTTL", "t"), skInt(100_000)}, // INCR keeps the TTL
		{cmd("SET", "u", "5", "PX", "10"), skOK},
	})
	x.now += 11
	x.run([]step{
		{cmd("INCR", "u"), skInt(1)}, // expired: counts from 0, no TTL
		{cmd("PTTL", "u"), skInt(-1)},
	})
}

func TestIncrByFloat(t *testing.T) {
	steps := []step{
		{cmd("INCRBYFLOAT", "f", "10.5"), skBulk("10.5")},
		{cmd("INCRBYFLOAT", "f", "0.1"), skBulk("10.6")},
		{cmd("INCRBYFLOAT", "f", "-5"), skBulk("5.6")},
		{cmd("INCRBYFLOAT", "f", "5.0e3"), skBulk("5005.60000000000000009")},
		{cmd("INCRBYFLOAT", "g", "3.0e0"), skBulk("3")},
		{cmd("INCRBYFLOAT", "g", "-3"), skBulk("0")},
		{cmd("INCRBYFLOAT", "g", "16"), skBulk("16")},
		{cmd("INCRBYFLOAT", "g", "inf"), skErr(ErrIncrFloatNaN)},
		{cmd("INCRBYFLOAT", "g", "-inf"), skErr(ErrIncrFloatNaN)},
		{cmd("INCRBYFLOAT", "g", "nan"), skNotFlt},
		{cmd("INCRBYFLOAT", "g", "abc"), skNotFlt},
		{cmd("INCRBYFLOAT", "g", " 1"), skNotFlt},
		{cmd("INCRBYFLOAT", "g", "1 "), skNotFlt},
		{cmd("INCRBYFLOAT", "g", ""), skNotFlt},
		{cmd("GET", "g"), skBulk("16")},
		{cmd("INCRBYFLOAT", "h", "1e20"), skBulk("100000000000000000000")},
		{cmd("INCRBYFLOAT", "i", "0.1"), skBulk("0.1")},
		{cmd("INCRBYFLOAT", "i", "0.2"), skBulk("0.3")},
		{cmd("SET", "s", "abc"), skOK},
		{cmd("INCRBYFLOAT", "s", "1"), skNotFlt},
		{cmd("INCRBYFLOAT", "s", "abc"), skNotFlt},
		{cmd("SET", "s", "inf"), skOK},
		{cmd("INCRBYFLOAT", "s", "1"), skErr(ErrIncrFloatNaN)},
		{cmd("SET", "s", "-0"), skOK},
		{cmd("INCRBYFLOAT", "s", "1"), skBulk("1")},
		{cmd("SET", "s", "5"), skOK},
		{cmd("INCRBYFLOAT", "s", "-5"), skBulk("0")},
		{cmd("INCRBYFLOAT", "s", "-0.0"), skBulk("0")},
		{cmd("INCRBYFLOAT", "s"), skErr("ERR wrong number of arguments for 'incrbyfloat' command")},
	}
	x := newTM(t)
	skMake(x, "list", "l")
	x.run(steps)
	skAgainstRedis(t, 2, steps)
	x.run([]step{
		{cmd("INCRBYFLOAT", "l", "1"), skWrongT},
		{cmd("SET", "t", "1.5", "EX", "100"), skOK},
		{cmd("INCRBYFLOAT", "t", "1"), skBulk("2.5")},
		{cmd("PTTL", "t"), skInt(100_000)},
	})
	x.proto = 3
	x.run([]step{{cmd("INCRBYFLOAT", "t", "1"), skBulk("3.5")}}) // a bulk string in RESP3 too
}

func TestStringCommandsRESP3(t *testing.T) {
	// RESP3 changes only the null replies of the string family.
	steps := []step{
		{cmd("GET", "no"), skNull3},
		{cmd("SET", "k", "v"), skOK},
		{cmd("SET", "k", "v", "NX"), skNull3},
		{cmd("SET", "n", "v", "XX"), skNull3},
		{cmd("SET", "n", "v", "GET"), skNull3},
		{cmd("GETEX", "no"), skNull3},
		{cmd("GETDEL", "no"), skNull3},
		{cmd("MGET", "k", "no"), skArr(skBulk("v"), skNull3)},
		{cmd("INCR", "c"), skInt(1)},
		{cmd("SETNX", "k", "v"), skInt(0)},
		{cmd("GETRANGE", "no", "0", "1"), skEmpty},
	}
	x := newTM(t)
	x.proto = 3
	x.run(steps)
	skAgainstRedis(t, 3, steps)
}

func TestStringSpecs(t *testing.T) {
	for _, s := range stringCommands() {
		if s.Group != "string" || s.Since == "" || s.Summary == "" || s.FirstKey != 1 || s.Run == nil {
			t.Errorf("%s: incomplete spec %+v", s.Name, s)
		}
		if strings.ToLower(s.Name) != s.Name {
			t.Errorf("%s: name not lower case", s.Name)
		}
		if (s.Flags&FlagWrite != 0) == (s.Flags&FlagReadOnly != 0) {
			t.Errorf("%s: must be exactly one of write and readonly", s.Name)
		}
	}
}

// FuzzStringAndKeyCommands runs fuzzed commands of this family set on a
// machine holding a few keys: whatever the arguments, every command must
// write exactly one well-formed reply and never panic.
func FuzzStringAndKeyCommands(f *testing.F) {
	for _, s := range []string{
		"SET k v EX 10 GET", "SET k v NX\x00 KEEPTTL", "GETEX s PXAT 1", "GETRANGE s -5 3",
		"SETRANGE s 3 abc", "INCRBYFLOAT n 1e3", "SCAN 0 MATCH * COUNT 2 TYPE string",
		"EXPIRE s 10 GT", "COPY s t DB 0 REPLACE", "RENAME s n", "CAS s v w", "KEYS [a-", "MSETNX a",
	} {
		f.Add(s, uint8(2))
	}
	names := map[string]bool{}
	for _, family := range [][]*Spec{stringCommands(), keyCommands(), serverCommands(), casCommands()} {
		for _, s := range family {
			names[s.Name] = true
		}
	}
	f.Fuzz(func(t *testing.T, line string, proto uint8) {
		args := strings.Split(line, " ")
		if !names[strings.ToLower(args[0])] || len(args) > 64 {
			return
		}
		name := strings.ToLower(args[0])
		if name == "setrange" && len(args) > 2 {
			if n, ok := ParseInt([]byte(args[2])); ok && n > 1<<16 {
				return // a valid huge offset allocates that much; not what fuzzing is for
			}
		}
		x := newTM(t)
		x.proto = 2 + proto%2
		x.do("MSET", "s", "hello", "n", "10")
		x.do("SET", "t", "v", "PX", "5")
		skMake(x, "hash", "h")
		x.now += 2
		reply := x.do(args...)
		r := bufio.NewReader(strings.NewReader(reply))
		if _, err := skReadReply(r); err != nil || r.Buffered() != 0 {
			t.Fatalf("%q: reply %q is not exactly one RESP value (%v)", args, reply, err)
		}
	})
}
