package kv

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Test helpers shared by the strings/keys/server/CAS tests (prefixed sk to
// stay clear of other families' helpers in this package).

func skBulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
func skInt(n int64) string   { return ":" + strconv.FormatInt(n, 10) + "\r\n" }
func skErr(s string) string  { return "-" + s + "\r\n" }
func skArr(elems ...string) string {
	out := "*" + strconv.Itoa(len(elems)) + "\r\n"
	for _, e := range elems {
		out += e
	}
	return out
}

const (
	skOK      = "+OK\r\n"
	skNull    = "$-1\r\n"
	skNull3   = "_\r\n"
	skEmpty   = "$0\r\n\r\n"
	skWrongT  = "-" + ErrWrongType + "\r\n"
	skSyntax  = "-" + ErrSyntax + "\r\n"
	skNotInt  = "-" + ErrNotInteger + "\r\n"
	skNotFlt  = "-" + ErrNotFloat + "\r\n"
	skNoSuch  = "-" + ErrNoSuchKey + "\r\n"
	skRefAddr = "KV_REDIS_REF" // env: address of a reference redis-server 7.0
)

// skAgainstRedis replays steps on the reference redis-server named by
// $KV_REDIS_REF (after FLUSHALL, in protocol proto) and checks that it
// answers each step with the step's expected bytes, so the tables below are
// verified against real Redis. setup commands run first, replies ignored
// (they create keys of types whose families the table does not own).
// Without the variable it does nothing. Only tables whose replies do not
// depend on the clock are replayed.
func skAgainstRedis(t *testing.T, proto int, steps []step, setup ...[]string) {
	t.Helper()
	addr := os.Getenv(skRefAddr)
	if addr == "" {
		return
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatalf("reference redis at %s: %v", addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(conn)
	send := func(args []string) string {
		b := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			b += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b)); err != nil {
			t.Fatalf("write to reference redis: %v", err)
		}
		reply, err := skReadReply(r)
		if err != nil {
			t.Fatalf("read from reference redis: %v", err)
		}
		return reply
	}
	send(cmd("HELLO", strconv.Itoa(proto)))
	send(cmd("FLUSHALL"))
	for _, args := range setup {
		send(args)
	}
	for _, s := range steps {
		if got := send(s.args); got != s.want {
			t.Errorf("redis %q: got %q, table wants %q", s.args, got, s.want)
		}
	}
}

// skReadReply reads one raw RESP2/RESP3 reply.
func skReadReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 {
		return "", fmt.Errorf("short reply line %q", line)
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return line + string(buf), nil
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		out := line
		for i := 0; i < n; i++ {
			s, err := skReadReply(r)
			if err != nil {
				return "", err
			}
			out += s
		}
		return out, nil
	}
	return line, nil
}

func TestServerCommands(t *testing.T) {
	steps := []step{
		{cmd("PING"), "+PONG\r\n"},
		{cmd("ping", "hi"), skBulk("hi")},
		{cmd("PING", ""), skEmpty},
		{cmd("PING", "a", "b"), skErr("ERR wrong number of arguments for 'ping' command")},
		{cmd("ECHO", "x y"), skBulk("x y")},
		{cmd("ECHO"), skErr("ERR wrong number of arguments for 'echo' command")},
		{cmd("ECHO", "a", "b"), skErr("ERR wrong number of arguments for 'echo' command")},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("SET", "a", "1"), skOK},
		{cmd("SET", "b", "2"), skOK},
		{cmd("DBSIZE"), skInt(2)},
		{cmd("DBSIZE", "x"), skErr("ERR wrong number of arguments for 'dbsize' command")},
		{cmd("FLUSHDB", "foo"), skSyntax},
		{cmd("FLUSHDB", "async", "sync"), skSyntax},
		{cmd("FLUSHALL", "foo"), skSyntax},
		{cmd("FLUSHDB"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("SET", "a", "1"), skOK},
		{cmd("FLUSHDB", "ASYNC"), skOK},
		{cmd("SET", "a", "1"), skOK},
		{cmd("flushdb", "sync"), skOK},
		{cmd("SET", "a", "1"), skOK},
		{cmd("FLUSHALL"), skOK},
		{cmd("SET", "a", "1", "EX", "100"), skOK},
		{cmd("flushall", "Async"), skOK},
		{cmd("DBSIZE"), skInt(0)},
		{cmd("FLUSHALL", "SYNC"), skOK},
		{cmd("TIME", "x"), skErr("ERR wrong number of arguments for 'time' command")},
	}
	x := newTM(t)
	x.run(steps)
	if got := x.m.Expires(); got != 0 {
		t.Errorf("Expires after FLUSHALL: got %d, want 0", got)
	}
	skAgainstRedis(t, 2, steps)
	x.proto = 3
	x.run([]step{{cmd("PING"), "+PONG\r\n"}, {cmd("PING", "m"), skBulk("m")}})
}

func TestTimeFollowsTheCommandClock(t *testing.T) {
	x := newTM(t)
	for _, tc := range []struct {
		now       int64
		sec, usec string
	}{
		{1_700_000_000_123, "1700000000", "123000"},
		{1_700_000_000_000, "1700000000", "0"},
		{999, "0", "999000"},
		{-1, "-1", "999000"},
	} {
		x.now = tc.now
		if got, want := x.do("TIME"), skArr(skBulk(tc.sec), skBulk(tc.usec)); got != want {
			t.Errorf("TIME at %d: got %q, want %q", tc.now, got, want)
		}
	}
	x.proto = 3
	x.now = 5_001
	if got, want := x.do("TIME"), skArr(skBulk("5"), skBulk("1000")); got != want {
		t.Errorf("RESP3 TIME: got %q, want %q", got, want)
	}
}

func TestDBSizeCountsExpiredKeysUntilRemoved(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("SET", "a", "1", "PX", "10"), skOK},
		{cmd("SET", "b", "1"), skOK},
	})
	x.now += 11
	x.run([]step{
		{cmd("DBSIZE"), skInt(2)},
		{cmd("EXISTS", "a"), skInt(0)},
		{cmd("redraft.expire", "a"), skInt(1)},
		{cmd("DBSIZE"), skInt(1)},
	})
}

func TestServerSpecs(t *testing.T) {
	for _, tc := range []struct {
		name, group string
		arity       int
		write       bool
	}{
		{"ping", "connection", -1, false}, {"echo", "connection", 2, false},
		{"time", "server", 1, false}, {"dbsize", "server", 1, false},
		{"flushdb", "server", -1, true}, {"flushall", "server", -1, true},
		{"redraft.expire", "server", -2, true}, {"cas", "string", 4, true},
	} {
		s := Lookup([]byte(tc.name))
		if s == nil {
			t.Errorf("%s not registered", tc.name)
			continue
		}
		if s.Group != tc.group || s.Arity != tc.arity || s.IsWrite() != tc.write || s.Summary == "" || s.Since == "" {
			t.Errorf("%s: got group %q arity %d write %v, want %q %d %v", tc.name, s.Group, s.Arity, s.IsWrite(), tc.group, tc.arity, tc.write)
		}
	}
}

// skMake makes key hold a one-element value of type typ ("list", "set",
// "zset" or "hash") through its family's command when that is registered;
// otherwise (families are built in parallel) it inserts the type's empty
// placeholder value directly, which is enough for type checks.
func skMake(x *tm, typ, key string) {
	x.t.Helper()
	var args []string
	var obj any
	switch typ {
	case "list":
		args, obj = cmd("RPUSH", key, "a"), &List{}
	case "set":
		args, obj = cmd("SADD", key, "a"), &Set{}
	case "zset":
		args, obj = cmd("ZADD", key, "1", "a"), &ZSet{}
	case "hash":
		args, obj = cmd("HSET", key, "f", "v"), &Hash{}
	default:
		x.t.Fatalf("skMake: unknown type %q", typ)
	}
	if Lookup([]byte(args[0])) != nil {
		if got := x.do(args...); got != ":1\r\n" {
			x.t.Fatalf("%q: got %q, want :1", args, got)
		}
		return
	}
	x.m.version++
	x.m.dbs[0].add(&entry{key: key, obj: obj, version: x.m.version})
}

// TestRandomCommandsAgainstRedis sends the same random sequence of string
// and generic commands to the machine and to the reference redis-server
// ($KV_REDIS_REF) and compares every reply byte for byte. The machine's
// clock follows the wall clock here so that EX/EXAT behave alike; replies
// that depend on the exact millisecond (PTTL) or on hash order (KEYS, SCAN,
// RANDOMKEY) or on when expired keys are reclaimed (DBSIZE) are left out.
func TestRandomCommandsAgainstRedis(t *testing.T) {
	addr := os.Getenv(skRefAddr)
	if addr == "" {
		t.Skip("set " + skRefAddr + "=host:port of a redis-server 7.0 to compare")
	}
	conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	send := func(args []string) string {
		b := fmt.Sprintf("*%d\r\n", len(args))
		for _, a := range args {
			b += fmt.Sprintf("$%d\r\n%s\r\n", len(a), a)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write([]byte(b)); err != nil {
			t.Fatal(err)
		}
		reply, err := skReadReply(r)
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	for _, proto := range []int{2, 3} {
		send(cmd("HELLO", strconv.Itoa(proto)))
		send(cmd("FLUSHALL"))
		x := newTM(t)
		x.proto = uint8(proto)
		seed := uint64(proto)
		if s, err := strconv.ParseUint(os.Getenv("KV_REDIS_SEED"), 10, 64); err == nil {
			seed += s * 10
		}
		rnd := NewRand(seed)
		pick := func(s ...string) string { return s[rnd.Intn(len(s))] }
		key := func() string { return pick("a", "b", "c", "d", "", "a\x00b", "l", "h") }
		// Keys of other types, for the WRONGTYPE paths.
		send(cmd("RPUSH", "l", "x"))
		skMake(x, "list", "l")
		send(cmd("HSET", "h", "f", "v"))
		skMake(x, "hash", "h")
		val := func() string {
			return pick("v", "", "0", "1", "-1", "10", "9223372036854775807", "-9223372036854775808",
				"1.5", "0.1", "abc", "hello world", " 1", "1e3", "inf", "007")
		}
		num := func() string {
			return pick("0", "1", "-1", "2", "5", "-5", "100", "1000", "abc", "", "9223372036854775807",
				"-9223372036854775808", "9223372036854775", "1.5", "2147483648")
		}
		ttl := func() string { return pick("100", "1000", "5000", "0", "-1", "abc", "9223372036854775") }
		at := func() string { return pick("1", "4000000000", "4000000000000", "0", "-1") }
		for i := 0; i < 4000; i++ {
			var args []string
			switch rnd.Intn(32) {
			case 0, 1:
				args = cmd("SET", key(), val())
				for n := rnd.Intn(4); n > 0; n-- {
					switch o := pick("NX", "XX", "GET", "KEEPTTL", "EX", "PX", "EXAT", "PXAT", "nx", "FOO"); o {
					case "EX", "PX":
						args = append(args, o, ttl())
					case "EXAT", "PXAT":
						args = append(args, o, at())
					default:
						args = append(args, o)
					}
				}
			case 2:
				args = cmd("GET", key())
			case 3:
				args = cmd(pick("SETNX", "GETSET"), key(), val())
			case 4:
				args = cmd(pick("SETEX", "PSETEX"), key(), ttl(), val())
			case 5:
				args = cmd("GETDEL", key())
			case 6:
				args = cmd("GETEX", key())
				for n := rnd.Intn(3); n > 0; n-- {
					switch o := pick("PERSIST", "EX", "PX", "EXAT", "PXAT", "KEEPTTL"); o {
					case "EX", "PX":
						args = append(args, o, ttl())
					case "EXAT", "PXAT":
						args = append(args, o, at())
					default:
						args = append(args, o)
					}
				}
			case 7:
				args = cmd("MGET", key(), key(), key())
			case 8:
				args = cmd(pick("MSET", "MSETNX"), key(), val(), key(), val())
				if rnd.Intn(4) == 0 {
					args = args[:4]
				}
			case 9:
				args = cmd("APPEND", key(), val())
			case 10:
				args = cmd("STRLEN", key())
			case 11:
				args = cmd(pick("INCR", "DECR"), key())
			case 12:
				args = cmd(pick("INCRBY", "DECRBY"), key(), num())
			case 13:
				args = cmd("INCRBYFLOAT", key(), pick("1", "0.1", "-2.5", "1e3", "abc", "inf", "3.0e0", "-0"))
			case 14:
				args = cmd("GETRANGE", key(), num(), num())
			case 15:
				args = cmd("SETRANGE", key(), pick("0", "1", "3", "10", "-1", "abc"), val())
			case 16:
				args = cmd(pick("DEL", "UNLINK", "EXISTS", "TOUCH"), key(), key())
			case 17:
				args = cmd("TYPE", key())
			case 18, 19:
				// GT and LT on relative times would compare two clocks.
				args = cmd(pick("EXPIRE", "PEXPIRE"), key(), ttl())
				for n := rnd.Intn(3); n > 0; n-- {
					args = append(args, pick("NX", "XX", "nx", "FOO"))
				}
			case 20:
				args = cmd(pick("EXPIREAT", "PEXPIREAT"), key(), at())
				for n := rnd.Intn(3); n > 0; n-- {
					args = append(args, pick("NX", "XX", "GT", "LT", "lt", "FOO"))
				}
			case 21:
				args = cmd("TTL", key())
			case 22:
				args = cmd("PERSIST", key())
			case 23:
				args = cmd(pick("RENAME", "RENAMENX"), key(), key())
			case 24:
				args = cmd("COPY", key(), key())
				for n := rnd.Intn(3); n > 0; n-- {
					switch o := pick("REPLACE", "DB", "FOO"); o {
					case "DB":
						args = append(args, o, pick("0", "1", "abc", "-1"))
					default:
						args = append(args, o)
					}
				}
				for j := 3; j+1 < len(args); j++ {
					if args[j] == "DB" && args[j+1] == "1" {
						args[j+1] = "0" // Redis has database 1; Redraft does not
					}
				}
			case 25:
				args = cmd("PING")
				if rnd.Intn(2) == 0 {
					args = append(args, val())
				}
			case 26:
				args = cmd("ECHO", val())
			case 27:
				args = cmd("EXISTS", key())
			case 28:
				args = cmd("SCAN", pick("0", "", "-0", "abc", " 1"), "COUNT", pick("1000", "0", "-1", "abc"), "MATCH", "nomatch")
			case 29:
				args = cmd("KEYS", "nomatch*")
			case 30:
				args = cmd("GETRANGE", key(), pick("0", "-1", "2"), pick("-1", "0", "100"))
			case 31:
				if rnd.Intn(20) == 0 {
					args = cmd(pick("FLUSHDB", "FLUSHALL"), pick("ASYNC", "SYNC", "x"))
				} else {
					args = cmd("GET", key())
				}
			}
			x.now = time.Now().UnixMilli()
			want := send(args)
			got := x.do(args...)
			if args[0] == "INCRBYFLOAT" && got == skNotFlt && strings.HasPrefix(want, "$") {
				// Known narrowing: the stored value is a long double beyond
				// float64's range, which AddLongDouble does not parse. Take
				// Redis's result and go on.
				nl := strings.Index(want, "\r\n")
				x.do("SET", args[1], want[nl+2:len(want)-2], "KEEPTTL")
				continue
			}
			if got != want {
				t.Fatalf("RESP%d step %d %q: got %q, redis %q", proto, i, args, got, want)
			}
		}
	}
}
