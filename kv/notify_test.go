package kv

import (
	"slices"
	"strings"
	"testing"
)

func TestNotifyFlagsParseAndFormat(t *testing.T) {
	cases := []struct {
		in, out string
		ok      bool
	}{
		{"", "", true},
		{"gKE", "gKE", true},
		{"$lshzxeKE", "$lshzxeKE", true},
		{"KA", "AK", true},
		{"EA", "AE", true},
		{"EKzl$g", "g$lzKE", true},
		{"KEA", "AKE", true},
		{"An", "A", true}, // Redis does not show n beside A
		{"En", "nE", true},
		{"Kmn", "nKm", true},
		{"tdK", "tdK", true},
		{"glsh$zxetd", "A", true},
		{"KEQ", "", false},
		{"a", "", false},
	}
	for _, c := range cases {
		f, ok := ParseNotifyFlags(c.in)
		if ok != c.ok {
			t.Errorf("ParseNotifyFlags(%q) ok = %v, want %v", c.in, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if got := FormatNotifyFlags(f); got != c.out {
			t.Errorf("FormatNotifyFlags(ParseNotifyFlags(%q)) = %q, want %q", c.in, got, c.out)
		}
	}
}

// events returns the keyevent messages sink recorded since from, as
// "event key" strings.
func keyevents(s *recordSink, from int) []string {
	var out []string
	for _, g := range s.got[from:] {
		// "publish __keyevent@<db>__:<event> <key>"
		rest, ok := strings.CutPrefix(g, "publish __keyevent@")
		if !ok {
			continue
		}
		_, ev, _ := strings.Cut(rest, "__:")
		out = append(out, ev)
	}
	return out
}

// TestNotifyEvents checks the events of each command against Redis 7.0's
// (the names and order of its notifyKeyspaceEvent calls; the difftest's
// TestDiffEvents compares them with a running redis-server).
func TestNotifyEvents(t *testing.T) {
	cases := []struct {
		name  string
		setup [][]string
		cmds  [][]string
		want  []string
	}{
		{"set new then overwrite", nil,
			[][]string{cmd("SET", "k", "v"), cmd("SET", "k", "w", "EX", "10"), cmd("SET", "k", "x", "NX")},
			[]string{"new k", "set k", "set k", "expire k"}},
		{"del unlink missing", [][]string{cmd("MSET", "a", "1", "b", "2")},
			[][]string{cmd("DEL", "a", "zz", "a"), cmd("UNLINK", "b")},
			[]string{"del a", "del b"}},
		{"expire past deletes", [][]string{cmd("SET", "k", "v")},
			[][]string{cmd("EXPIRE", "k", "100"), cmd("PERSIST", "k"), cmd("PERSIST", "k"), cmd("EXPIRE", "k", "-1")},
			[]string{"expire k", "persist k", "del k"}},
		{"expired on write", [][]string{cmd("SET", "k", "v", "PX", "1")},
			[][]string{cmd("LPUSH", "k", "a")},
			[]string{"expired k", "new k", "lpush k"}},
		{"rename", [][]string{cmd("SET", "a", "1"), cmd("SET", "b", "2")},
			[][]string{cmd("RENAME", "a", "b"), cmd("RENAMENX", "b", "b")},
			[]string{"new b", "rename_from a", "rename_to b"}},
		{"copy", [][]string{cmd("SET", "a", "1")},
			[][]string{cmd("COPY", "a", "b"), cmd("COPY", "a", "b"), cmd("COPY", "a", "b", "REPLACE")},
			[]string{"new b", "copy_to b", "new b", "copy_to b"}},
		{"strings", nil,
			[][]string{cmd("INCR", "n"), cmd("DECRBY", "n", "3"), cmd("INCRBYFLOAT", "n", "1.5"), cmd("APPEND", "s", "x"),
				cmd("APPEND", "s", "y"), cmd("SETRANGE", "s", "5", "z"), cmd("SETRANGE", "s", "0", ""), cmd("GETSET", "s", "q"),
				cmd("GETDEL", "s"), cmd("GETDEL", "s"), cmd("MSET", "a", "1", "b", "2"), cmd("MSETNX", "a", "1", "c", "3")},
			[]string{"new n", "incrby n", "incrby n", "incrbyfloat n", "new s", "append s", "append s", "setrange s",
				"set s", "del s", "new a", "set a", "new b", "set b"}},
		{"getex", [][]string{cmd("SET", "k", "v")},
			[][]string{cmd("GETEX", "k", "EX", "100"), cmd("GETEX", "k", "PERSIST"), cmd("GETEX", "k", "PERSIST"), cmd("GETEX", "k", "PXAT", "1")},
			[]string{"expire k", "persist k", "del k"}},
		{"lists", nil,
			[][]string{cmd("RPUSH", "l", "a", "b", "c"), cmd("LPUSHX", "nope", "x"), cmd("LPOP", "l"), cmd("LSET", "l", "0", "B"),
				cmd("LINSERT", "l", "BEFORE", "B", "A"), cmd("LINSERT", "l", "BEFORE", "zz", "A"), cmd("LREM", "l", "0", "zz"),
				cmd("LREM", "l", "1", "A"), cmd("LTRIM", "l", "0", "-1"), cmd("RPOP", "l", "5")},
			[]string{"new l", "rpush l", "lpop l", "lset l", "linsert l", "lrem l", "ltrim l", "rpop l", "del l"}},
		{"lmove", [][]string{cmd("RPUSH", "src", "a")},
			[][]string{cmd("LMOVE", "src", "dst", "LEFT", "RIGHT"), cmd("RPOPLPUSH", "dst", "dst")},
			[]string{"new dst", "rpush dst", "lpop src", "del src", "lpush dst", "rpop dst"}},
		{"blocking pop served at once", [][]string{cmd("RPUSH", "l", "a", "b"), cmd("ZADD", "z", "1", "m")},
			[][]string{cmd("BLPOP", "l", "0"), cmd("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "5"), cmd("BZPOPMAX", "z", "0")},
			[]string{"lpop l", "rpop l", "del l", "zpopmax z", "del z"}},
		{"sets", nil,
			[][]string{cmd("SADD", "s", "a", "b", "c"), cmd("SADD", "s", "a"), cmd("SREM", "s", "zz"), cmd("SREM", "s", "a"),
				cmd("SMOVE", "s", "t", "b"), cmd("SMOVE", "s", "t", "c"), cmd("SINTERSTORE", "u", "t", "t"),
				cmd("SUNIONSTORE", "u", "t"), cmd("SDIFFSTORE", "u", "t", "t"), cmd("SDIFFSTORE", "u", "t", "t")},
			[]string{"new s", "sadd s", "srem s", "srem s", "new t", "sadd t", "srem s", "del s", "sadd t",
				"new u", "sinterstore u", "sunionstore u", "del u"}},
		{"spop", [][]string{cmd("SADD", "s", "a", "b", "c")},
			[][]string{cmd("SPOP", "s"), cmd("SPOP", "s", "0"), cmd("SPOP", "s", "5")},
			[]string{"spop s", "spop s", "del s"}},
		{"hashes", nil,
			[][]string{cmd("HSET", "h", "a", "1"), cmd("HMSET", "h", "b", "2"), cmd("HSETNX", "h", "a", "9"), cmd("HSETNX", "h", "c", "3"),
				cmd("HINCRBY", "h", "a", "2"), cmd("HINCRBYFLOAT", "h", "a", "0.5"), cmd("HDEL", "h", "zz"), cmd("HDEL", "h", "a", "b"),
				cmd("HDEL", "h", "c")},
			[]string{"new h", "hset h", "hset h", "hset h", "hincrby h", "hincrbyfloat h", "hdel h", "hdel h", "del h"}},
		{"sorted sets", nil,
			[][]string{cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"), cmd("ZADD", "z", "NX", "1", "a"), cmd("ZINCRBY", "z", "1", "a"),
				cmd("ZADD", "z", "INCR", "1", "a"), cmd("ZREM", "z", "zz"), cmd("ZREM", "z", "a"), cmd("ZREMRANGEBYSCORE", "z", "2", "2"),
				cmd("ZREMRANGEBYRANK", "z", "0", "0"), cmd("ZREMRANGEBYLEX", "z", "-", "+"), cmd("ZREMRANGEBYLEX", "z", "-", "+")},
			[]string{"new z", "zadd z", "zincr z", "zincr z", "zrem z", "zremrangebyscore z", "zremrangebyrank z",
				"zremrangebylex z", "del z"}},
		{"zset stores and pops", [][]string{cmd("ZADD", "z", "1", "a", "2", "b")},
			[][]string{cmd("ZUNIONSTORE", "u", "1", "z"), cmd("ZINTERSTORE", "u", "1", "z"), cmd("ZDIFFSTORE", "u", "2", "z", "z"),
				cmd("ZRANGESTORE", "r", "z", "0", "0"), cmd("ZRANGESTORE", "r", "z", "5", "6"), cmd("ZPOPMIN", "z"), cmd("ZMPOP", "1", "z", "MAX")},
			[]string{"new u", "zunionstore u", "zinterstore u", "del u", "new r", "zrangestore r", "del r",
				"zpopmin z", "zpopmax z", "del z"}},
		{"geo", nil,
			[][]string{cmd("GEOADD", "g", "13.361389", "38.115556", "Palermo"), cmd("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "o"),
				cmd("GEOSEARCHSTORE", "o", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"),
				cmd("GEOSEARCHSTORE", "o", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km")},
			[]string{"new g", "zadd g", "new o", "georadiusstore o", "geosearchstore o", "del o"}},
		{"bits and hll", nil,
			[][]string{cmd("SETBIT", "b", "7", "1"), cmd("SETBIT", "b", "7", "1"), cmd("BITFIELD", "b", "SET", "u8", "0", "1"), cmd("BITFIELD", "b", "SET", "u8", "0", "255"),
				cmd("BITFIELD", "b", "GET", "u8", "0"), cmd("BITOP", "NOT", "d", "b"), cmd("BITOP", "AND", "d", "none"),
				cmd("PFADD", "p", "a"), cmd("PFADD", "p", "a"), cmd("PFMERGE", "q", "p")},
			[]string{"new b", "setbit b", "setbit b", "new d", "set d", "del d", "new p", "pfadd p", "new q", "pfadd q"}},
		{"sort store", [][]string{cmd("RPUSH", "l", "2", "1")},
			[][]string{cmd("SORT", "l", "STORE", "o"), cmd("SORT", "none", "STORE", "o")},
			[]string{"new o", "sortstore o", "del o"}},
		{"transaction in order", nil,
			[][]string{cmd("MULTI-EXEC", "SET k 1", "INCR k", "DEL k")},
			[]string{"new k", "set k", "incrby k", "del k"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := newTM(t)
			sink := &recordSink{flags: NotifyAll | NotifyNew | NotifyKeyspace | NotifyKeyevent}
			x.m.SetEventSink(sink)
			for _, s := range c.setup {
				x.do(s...)
			}
			x.now += 10 // setup TTLs of 1 ms are past
			from := len(sink.got)
			for _, s := range c.cmds {
				if s[0] == "MULTI-EXEC" {
					var tx [][][]byte
					for _, line := range s[1:] {
						var args [][]byte
						for _, a := range strings.Fields(line) {
							args = append(args, []byte(a))
						}
						tx = append(tx, args)
					}
					x.m.Exec(&Cmd{Args: [][]byte{[]byte("EXEC")}, NowMs: x.now, Proto: 2, Tx: &Tx{Cmds: tx}}, NewWriter(nil, 2))
					continue
				}
				x.do(s...)
			}
			if got := keyevents(sink, from); !slices.Equal(got, c.want) {
				t.Errorf("events:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestNotifyChannelsAndFilter checks the channel names, the database in
// them and the class filter.
func TestNotifyChannelsAndFilter(t *testing.T) {
	x := newTM(t)
	sink := &recordSink{flags: NotifyKeyspace | NotifyKeyevent | NotifyList}
	x.m.SetEventSink(sink)
	x.do("SET", "s", "v") // string class off: nothing
	x.do("RPUSH", "l", "a")
	w := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("LPOP"), []byte("m")}, NowMs: x.now, Proto: 2, DB: 3}, w)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("RPUSH"), []byte("m"), []byte("x")}, NowMs: x.now, Proto: 2, DB: 3}, w)
	want := []string{
		"publish __keyspace@0__:l rpush", "publish __keyevent@0__:rpush l",
		"publish __keyspace@3__:m rpush", "publish __keyevent@3__:rpush m",
	}
	if !slices.Equal(sink.got, want) {
		t.Errorf("got %q\nwant %q", sink.got, want)
	}
	// Keyspace only; then nothing at all without K or E; then keymiss on a read.
	sink.got, sink.flags = nil, NotifyKeyspace|NotifyGeneric
	x.do("DEL", "l")
	sink.flags = NotifyAll
	x.do("SET", "s", "w")
	sink.flags = NotifyKeyevent | NotifyKeyMiss
	x.do("GET", "nokey")
	x.do("SET", "nokey2", "v") // a write's lookup is no miss
	want = []string{"publish __keyspace@0__:l del", "publish __keyevent@0__:keymiss nokey"}
	if !slices.Equal(sink.got, want) {
		t.Errorf("got %q\nwant %q", sink.got, want)
	}
}

// TestNotifyExpiredFromActiveExpiry: redraft.expire, the leader's active
// expiry entry, reports every key it removes as expired.
func TestNotifyExpiredFromActiveExpiry(t *testing.T) {
	x := newTM(t)
	sink := &recordSink{flags: NotifyKeyevent | NotifyExpired}
	x.m.SetEventSink(sink)
	x.do("SET", "a", "1", "PX", "5")
	x.do("SET", "b", "1", "PX", "5000")
	x.now += 10
	x.do("redraft.expire", "a", "b", "zz")
	want := []string{"publish __keyevent@0__:expired a"}
	if !slices.Equal(sink.got, want) {
		t.Errorf("got %q\nwant %q", sink.got, want)
	}
}

// FuzzNotifyFlags: parsing never panics, accepts exactly the class
// characters, and what FormatNotifyFlags renders parses back to the same
// classes (but n beside A, which Redis does not show either).
func FuzzNotifyFlags(f *testing.F) {
	for _, s := range []string{"", "KEA", "gKE", "$lshzxeKE", "Kmn", "An", "x?", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		flags, ok := ParseNotifyFlags(s)
		valid := !strings.ContainsFunc(s, func(r rune) bool { return !strings.ContainsRune("AKEg$lshzxetmdn", r) })
		if ok != valid {
			t.Fatalf("ParseNotifyFlags(%q) ok = %v", s, ok)
		}
		if !ok {
			return
		}
		out := FormatNotifyFlags(flags)
		back, ok := ParseNotifyFlags(out)
		want := flags
		if flags&NotifyAll == NotifyAll {
			want &^= NotifyNew
		}
		if !ok || back != want {
			t.Fatalf("%q -> %#x -> %q -> %#x, want %#x", s, flags, out, back, want)
		}
	})
}

// TestNotifyServedWaiters: a push that serves blocked clients reports its
// own events, then each served pop's, in the order Redis 7.0 serves them
// (BLMOVE's push to its destination before the pop from its source).
func TestNotifyServedWaiters(t *testing.T) {
	x, _ := newBlockTM(t)
	sink := &recordSink{flags: NotifyAll | NotifyNew | NotifyKeyevent}
	x.m.SetEventSink(sink)
	x.block(1, "BLPOP", "l", "0")
	x.block(2, "BLMOVE", "l", "d", "RIGHT", "LEFT", "0")
	x.block(3, "BZPOPMIN", "z", "0")
	from := len(sink.got)
	x.do("RPUSH", "l", "a", "b", "c")
	x.do("ZADD", "z", "1", "m")
	want := []string{"new l", "rpush l", "lpop l", "new d", "lpush d", "rpop l",
		"new z", "zadd z", "zpopmin z", "del z"}
	if got := keyevents(sink, from); !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
}

// TestNotifyKeymiss: read-only commands report a lookup of a missing key,
// except OBJECT and MEMORY USAGE (Redis looks their key up without it).
func TestNotifyKeymiss(t *testing.T) {
	x := newTM(t)
	sink := &recordSink{flags: NotifyKeyevent | NotifyKeyMiss}
	x.m.SetEventSink(sink)
	x.do("SET", "a", "1")
	for _, c := range [][]string{cmd("GET", "m1"), cmd("MGET", "a", "m2"), cmd("EXISTS", "m3", "a"), cmd("TTL", "m4"),
		cmd("OBJECT", "ENCODING", "q1"), cmd("MEMORY", "USAGE", "q2"), cmd("SET", "w", "1"), cmd("LPUSHX", "q3", "x")} {
		x.do(c...)
	}
	want := []string{"keymiss m1", "keymiss m2", "keymiss m3", "keymiss m4"}
	if got := keyevents(sink, 0); !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}
