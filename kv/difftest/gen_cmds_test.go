package difftest

import "strconv"

// The command generators, one per command, by family. Each returns the
// command name and arguments: mostly well-formed, sometimes not.

// commands returns every command generator; the driver keeps those of the
// enabled families whose command kv has registered.
func commands() []*cmdGen {
	var out []*cmdGen
	// Weights are relative frequencies; addRare takes tenths.
	addRare := func(family string, tenths int, name string, fn func(g *gen) []string) {
		out = append(out, &cmdGen{name: name, family: family, weight: tenths, gen: fn})
	}
	add := func(family string, weight int, name string, fn func(g *gen) []string) {
		addRare(family, 10*weight, name, fn)
	}
	cmd := func(name string, args ...string) []string { return append([]string{name}, args...) }

	// Strings.
	S := famString
	add(S, 4, "GET", func(g *gen) []string { return cmd("GET", g.key(S)) })
	add(S, 5, "SET", func(g *gen) []string {
		args := cmd("SET", g.key(S), g.value())
		for range g.between(0, 3) {
			switch g.r.IntN(9) {
			case 0:
				args = append(args, g.pick("NX", "nx"))
			case 1:
				args = append(args, "XX")
			case 2:
				args = append(args, g.pick("GET", "get"))
			case 3:
				args = append(args, g.pick("EX", "ex"), g.ttlSec())
			case 4, 5:
				args = append(args, "PX", g.ttlMs())
			case 6:
				args = append(args, "EXAT", g.atSec())
			case 7:
				args = append(args, "PXAT", g.atMs())
			default:
				args = append(args, g.pick("KEEPTTL", "KEEPTTL", "BOGUS"))
			}
		}
		return args
	})
	add(S, 1, "SETNX", func(g *gen) []string { return cmd("SETNX", g.key(S), g.value()) })
	add(S, 1, "SETEX", func(g *gen) []string { return cmd("SETEX", g.key(S), g.ttlSec(), g.value()) })
	add(S, 1, "PSETEX", func(g *gen) []string { return cmd("PSETEX", g.key(S), g.ttlMs(), g.value()) })
	add(S, 1, "GETSET", func(g *gen) []string { return cmd("GETSET", g.key(S), g.value()) })
	add(S, 1, "GETDEL", func(g *gen) []string { return cmd("GETDEL", g.key(S)) })
	add(S, 2, "GETEX", func(g *gen) []string {
		args := cmd("GETEX", g.key(S))
		for range g.between(0, 2) {
			switch g.r.IntN(6) {
			case 0:
				args = append(args, "EX", g.ttlSec())
			case 1:
				args = append(args, "PX", g.ttlMs())
			case 2:
				args = append(args, "EXAT", g.atSec())
			case 3:
				args = append(args, "PXAT", g.atMs())
			case 4:
				args = append(args, g.pick("PERSIST", "persist"))
			default:
				args = append(args, g.pick("KEEPTTL", "BOGUS", "EX"))
			}
		}
		return args
	})
	add(S, 2, "MGET", func(g *gen) []string { return append(cmd("MGET"), g.keys(S, 1, 4)...) })
	kvPairs := func(g *gen, name string) []string {
		args := cmd(name)
		for range g.between(1, 3) {
			args = append(args, g.key(S), g.value())
		}
		return args
	}
	add(S, 2, "MSET", func(g *gen) []string { return kvPairs(g, "MSET") })
	add(S, 1, "MSETNX", func(g *gen) []string { return kvPairs(g, "MSETNX") })
	add(S, 2, "APPEND", func(g *gen) []string { return cmd("APPEND", g.key(S), g.value()) })
	add(S, 1, "STRLEN", func(g *gen) []string { return cmd("STRLEN", g.key(S)) })
	add(S, 2, "INCR", func(g *gen) []string { return cmd("INCR", g.key(S)) })
	add(S, 1, "DECR", func(g *gen) []string { return cmd("DECR", g.key(S)) })
	add(S, 2, "INCRBY", func(g *gen) []string { return cmd("INCRBY", g.key(S), g.intArg(-20, 20)) })
	add(S, 1, "DECRBY", func(g *gen) []string { return cmd("DECRBY", g.key(S), g.intArg(-20, 20)) })
	add(S, 2, "INCRBYFLOAT", func(g *gen) []string { return cmd("INCRBYFLOAT", g.key(S), g.floatArg()) })
	add(S, 2, "GETRANGE", func(g *gen) []string {
		return cmd("GETRANGE", g.key(S), g.intArg(-12, 12), g.intArg(-12, 12))
	})
	add(S, 1, "SUBSTR", func(g *gen) []string {
		return cmd("SUBSTR", g.key(S), g.intArg(-12, 12), g.intArg(-12, 12))
	})
	add(S, 2, "SETRANGE", func(g *gen) []string {
		off := g.num(0, 20)
		if g.chance(0.1) {
			off = g.pick("-1", "abc", "536870912", "9223372036854775807") // never a huge valid offset: it allocates 512 MB
		}
		v := g.value()
		if g.chance(0.1) {
			v = ""
		}
		return cmd("SETRANGE", g.key(S), off, v)
	})

	// Generic (keyspace) commands.
	G := famGeneric
	expireOpts := func(g *gen, args []string) []string {
		for range g.between(0, 2) {
			if g.chance(0.5) {
				break
			}
			args = append(args, g.pick("NX", "XX", "GT", "LT", "gt", "YY"))
		}
		return args
	}
	add(G, 2, "DEL", func(g *gen) []string { return append(cmd("DEL"), g.keys(G, 1, 3)...) })
	add(G, 1, "UNLINK", func(g *gen) []string { return append(cmd("UNLINK"), g.keys(G, 1, 3)...) })
	add(G, 2, "EXISTS", func(g *gen) []string { return append(cmd("EXISTS"), g.keys(G, 1, 3)...) })
	add(G, 2, "TYPE", func(g *gen) []string { return cmd("TYPE", g.key(G)) })
	add(G, 1, "TOUCH", func(g *gen) []string { return append(cmd("TOUCH"), g.keys(G, 1, 3)...) })
	add(G, 2, "EXPIRE", func(g *gen) []string { return expireOpts(g, cmd("EXPIRE", g.key(G), g.ttlSec())) })
	add(G, 2, "PEXPIRE", func(g *gen) []string { return expireOpts(g, cmd("PEXPIRE", g.key(G), g.ttlMs())) })
	add(G, 1, "EXPIREAT", func(g *gen) []string { return expireOpts(g, cmd("EXPIREAT", g.key(G), g.atSec())) })
	add(G, 1, "PEXPIREAT", func(g *gen) []string { return expireOpts(g, cmd("PEXPIREAT", g.key(G), g.atMs())) })
	add(G, 2, "TTL", func(g *gen) []string { return cmd("TTL", g.key(G)) })
	add(G, 2, "PTTL", func(g *gen) []string { return cmd("PTTL", g.key(G)) })
	add(G, 1, "EXPIRETIME", func(g *gen) []string { return cmd("EXPIRETIME", g.key(G)) })
	add(G, 1, "PEXPIRETIME", func(g *gen) []string { return cmd("PEXPIRETIME", g.key(G)) })
	add(G, 2, "PERSIST", func(g *gen) []string { return cmd("PERSIST", g.key(G)) })
	add(G, 2, "KEYS", func(g *gen) []string { return cmd("KEYS", g.pattern()) })
	add(G, 2, "SCAN", func(g *gen) []string { return append(cmd("SCAN", g.cursor()), g.scanTail(true)...) })
	add(G, 2, "RENAME", func(g *gen) []string { return append(cmd("RENAME"), g.keyPair()...) })
	add(G, 1, "RENAMENX", func(g *gen) []string { return append(cmd("RENAMENX"), g.keyPair()...) })
	add(G, 2, "COPY", func(g *gen) []string {
		args := append(cmd("COPY"), g.keyPair()...)
		if g.chance(0.4) {
			args = append(args, g.pick("REPLACE", "replace"))
		}
		if g.chance(0.1) {
			args = append(args, g.pick("DB", "BOGUS"), g.pick("0", "abc"))
		}
		return args
	})
	add(G, 1, "RANDOMKEY", func(g *gen) []string { return cmd("RANDOMKEY") })
	add(G, 1, "DBSIZE", func(g *gen) []string { return cmd("DBSIZE") })

	// Hashes.
	H := famHash
	field := func(g *gen) string {
		if g.chance(0.02) {
			return g.long()
		}
		return g.pick("f1", "f2", "f3", "f4", "f5", "a", "b", "1", "2", "-3")
	}
	hpairs := func(g *gen, name string) []string {
		args := cmd(name, g.key(H))
		if g.chance(pBig) { // around zset's 128 and hash's 512 listpack limits
			n := g.between(120, 140)
			if g.chance(0.5) {
				n = g.between(500, 530)
			}
			for i := range n {
				args = append(args, "x"+strconv.Itoa(i), g.value())
			}
			return args
		}
		for range g.between(1, 3) {
			args = append(args, field(g), g.value())
		}
		return args
	}
	fields := func(g *gen, args []string, lo, hi int) []string {
		for range g.between(lo, hi) {
			args = append(args, field(g))
		}
		return args
	}
	add(H, 5, "HSET", func(g *gen) []string { return hpairs(g, "HSET") })
	add(H, 1, "HMSET", func(g *gen) []string { return hpairs(g, "HMSET") })
	add(H, 1, "HSETNX", func(g *gen) []string { return cmd("HSETNX", g.key(H), field(g), g.value()) })
	add(H, 2, "HGET", func(g *gen) []string { return cmd("HGET", g.key(H), field(g)) })
	add(H, 1, "HMGET", func(g *gen) []string { return fields(g, cmd("HMGET", g.key(H)), 1, 4) })
	add(H, 2, "HDEL", func(g *gen) []string { return fields(g, cmd("HDEL", g.key(H)), 1, 3) })
	add(H, 1, "HEXISTS", func(g *gen) []string { return cmd("HEXISTS", g.key(H), field(g)) })
	add(H, 1, "HLEN", func(g *gen) []string { return cmd("HLEN", g.key(H)) })
	add(H, 1, "HKEYS", func(g *gen) []string { return cmd("HKEYS", g.key(H)) })
	add(H, 1, "HVALS", func(g *gen) []string { return cmd("HVALS", g.key(H)) })
	add(H, 2, "HGETALL", func(g *gen) []string { return cmd("HGETALL", g.key(H)) })
	add(H, 2, "HINCRBY", func(g *gen) []string { return cmd("HINCRBY", g.key(H), field(g), g.intArg(-20, 20)) })
	add(H, 2, "HINCRBYFLOAT", func(g *gen) []string { return cmd("HINCRBYFLOAT", g.key(H), field(g), g.floatArg()) })
	add(H, 1, "HSTRLEN", func(g *gen) []string { return cmd("HSTRLEN", g.key(H), field(g)) })
	add(H, 2, "HSCAN", func(g *gen) []string {
		return append(cmd("HSCAN", g.key(H), g.cursor()), g.scanTail(false)...)
	})
	add(H, 2, "HRANDFIELD", func(g *gen) []string {
		args := cmd("HRANDFIELD", g.key(H))
		if g.chance(0.7) {
			args = append(args, g.intArg(-8, 8))
			if g.chance(0.5) {
				args = append(args, g.pick("WITHVALUES", "withvalues", "WITHSCORES"))
			}
		}
		return args
	})

	// Lists.
	L := famList
	elem := func(g *gen) string {
		if g.chance(0.2) {
			return g.value()
		}
		return g.pick("a", "b", "c", "x", "1", "2")
	}
	push := func(name string) func(g *gen) []string {
		return func(g *gen) []string {
			args := cmd(name, g.key(L))
			n := g.between(1, 4)
			if g.chance(pBig) {
				n = g.between(130, 200)
			}
			for range n {
				args = append(args, elem(g))
			}
			return args
		}
	}
	add(L, 4, "LPUSH", push("LPUSH"))
	add(L, 4, "RPUSH", push("RPUSH"))
	add(L, 1, "LPUSHX", push("LPUSHX"))
	add(L, 1, "RPUSHX", push("RPUSHX"))
	pop := func(name string) func(g *gen) []string {
		return func(g *gen) []string {
			args := cmd(name, g.key(L))
			if g.chance(0.4) {
				args = append(args, g.intArg(-1, 5))
			}
			return args
		}
	}
	add(L, 2, "LPOP", pop("LPOP"))
	add(L, 2, "RPOP", pop("RPOP"))
	add(L, 1, "LLEN", func(g *gen) []string { return cmd("LLEN", g.key(L)) })
	add(L, 3, "LRANGE", func(g *gen) []string { return cmd("LRANGE", g.key(L), g.intArg(-6, 6), g.intArg(-6, 6)) })
	add(L, 2, "LINDEX", func(g *gen) []string { return cmd("LINDEX", g.key(L), g.intArg(-6, 6)) })
	add(L, 2, "LSET", func(g *gen) []string { return cmd("LSET", g.key(L), g.intArg(-6, 6), elem(g)) })
	add(L, 2, "LINSERT", func(g *gen) []string {
		return cmd("LINSERT", g.key(L), g.pick("BEFORE", "AFTER", "after", "MIDDLE"), elem(g), elem(g))
	})
	add(L, 2, "LREM", func(g *gen) []string { return cmd("LREM", g.key(L), g.intArg(-3, 3), elem(g)) })
	add(L, 2, "LTRIM", func(g *gen) []string { return cmd("LTRIM", g.key(L), g.intArg(-6, 6), g.intArg(-6, 6)) })
	add(L, 2, "LPOS", func(g *gen) []string {
		args := cmd("LPOS", g.key(L), elem(g))
		for range g.between(0, 3) {
			switch g.r.IntN(4) {
			case 0:
				args = append(args, "RANK", g.intArg(-3, 3))
			case 1:
				args = append(args, "COUNT", g.intArg(-1, 4))
			case 2:
				args = append(args, "MAXLEN", g.intArg(-1, 5))
			default:
				args = append(args, g.pick("BOGUS", "RANK"))
			}
		}
		return args
	})
	add(L, 2, "LMOVE", func(g *gen) []string {
		return cmd("LMOVE", g.key(L), g.key(L), g.pick("LEFT", "RIGHT", "left"), g.pick("LEFT", "RIGHT", "UP"))
	})
	add(L, 1, "RPOPLPUSH", func(g *gen) []string { return cmd("RPOPLPUSH", g.key(L), g.key(L)) })

	// Sets.
	T := famSet
	member := func(g *gen) string {
		switch p := g.r.Float64(); {
		case p < 0.45:
			return g.num(-2, 12)
		case p < 0.9:
			return g.pick("a", "b", "c", "d", "e", "f")
		case p < 0.98:
			return g.pick("007", "-0", "1.5", "", "9223372036854775807", "-9223372036854775808", "+5")
		default:
			return g.long()
		}
	}
	members := func(g *gen, args []string, lo, hi int) []string {
		if g.chance(0.5) { // an all-integer batch keeps sets intsets
			for range g.between(lo, hi) {
				args = append(args, g.num(-2, 12))
			}
			return args
		}
		for range g.between(lo, hi) {
			args = append(args, member(g))
		}
		return args
	}
	add(T, 5, "SADD", func(g *gen) []string {
		args := cmd("SADD", g.key(T))
		if g.chance(pBig) {
			n := g.between(500, 530)
			for i := range n {
				args = append(args, strconv.Itoa(i*3))
			}
			return args
		}
		return members(g, args, 1, 4)
	})
	add(T, 2, "SREM", func(g *gen) []string { return members(g, cmd("SREM", g.key(T)), 1, 3) })
	add(T, 2, "SMEMBERS", func(g *gen) []string { return cmd("SMEMBERS", g.key(T)) })
	add(T, 2, "SISMEMBER", func(g *gen) []string { return cmd("SISMEMBER", g.key(T), member(g)) })
	add(T, 1, "SMISMEMBER", func(g *gen) []string { return members(g, cmd("SMISMEMBER", g.key(T)), 1, 4) })
	add(T, 1, "SCARD", func(g *gen) []string { return cmd("SCARD", g.key(T)) })
	add(T, 2, "SPOP", func(g *gen) []string {
		args := cmd("SPOP", g.key(T))
		if g.chance(0.5) {
			args = append(args, g.intArg(-1, 6))
		}
		return args
	})
	add(T, 2, "SRANDMEMBER", func(g *gen) []string {
		args := cmd("SRANDMEMBER", g.key(T))
		if g.chance(0.7) {
			args = append(args, g.intArg(-8, 8))
		}
		return args
	})
	add(T, 2, "SINTER", func(g *gen) []string { return append(cmd("SINTER"), g.keys(T, 1, 3)...) })
	add(T, 2, "SUNION", func(g *gen) []string { return append(cmd("SUNION"), g.keys(T, 1, 3)...) })
	add(T, 2, "SDIFF", func(g *gen) []string { return append(cmd("SDIFF"), g.keys(T, 1, 3)...) })
	add(T, 1, "SINTERCARD", func(g *gen) []string {
		ks := g.keys(T, 1, 3)
		n := strconv.Itoa(len(ks))
		if g.chance(0.1) {
			n = g.pick("0", "-1", "abc", "5")
		}
		args := append(cmd("SINTERCARD", n), ks...)
		if g.chance(0.4) {
			args = append(args, g.pick("LIMIT", "limit", "BOGUS"), g.intArg(-1, 4))
		}
		return args
	})
	store := func(name string) func(g *gen) []string {
		return func(g *gen) []string { return append(cmd(name, g.key(T)), g.keys(T, 1, 3)...) }
	}
	add(T, 1, "SINTERSTORE", store("SINTERSTORE"))
	add(T, 1, "SUNIONSTORE", store("SUNIONSTORE"))
	add(T, 1, "SDIFFSTORE", store("SDIFFSTORE"))
	add(T, 2, "SMOVE", func(g *gen) []string { return cmd("SMOVE", g.key(T), g.key(T), member(g)) })
	add(T, 2, "SSCAN", func(g *gen) []string {
		return append(cmd("SSCAN", g.key(T), g.cursor()), g.scanTail(false)...)
	})

	// Sorted sets.
	Z := famZSet
	zmember := func(g *gen) string {
		switch p := g.r.Float64(); {
		case p < 0.85:
			return g.pick("a", "b", "c", "d", "e", "f", "g")
		case p < 0.98:
			return g.pick("1", "2", "", "A", "aa", "b\x00")
		default:
			return g.long()
		}
	}
	score := func(g *gen) string {
		switch p := g.r.Float64(); {
		case p < 0.6:
			return g.num(-3, 6)
		case p < 0.9:
			return g.pick("1.5", "-0.5", "2.25", "0.1", "1e2", "3.0")
		case p < 0.96:
			return g.pick("inf", "-inf", "+inf", "-0")
		default:
			return g.pick("nan", "abc", "", "1e400", "(1", "0x10", "1e-400", "-1e400", "4.9e-324", " 1", "1e308")
		}
	}
	scoreBound := func(g *gen) string {
		if g.chance(0.05) {
			return g.pick("abc", "((1", "(", "nan", "", "[1", "(0x10", "1e-400", "(-inf", "(+inf")
		}
		b := g.pick("-inf", "+inf", "inf", "0", "1", "2", "3", "1.5", "-1", "5")
		if g.chance(0.3) {
			b = "(" + b
		}
		return b
	}
	lexBound := func(g *gen) string {
		if g.chance(0.05) {
			return g.pick("a", "", "*", "{a")
		}
		return g.pick("-", "+", "[a", "(a", "[b", "(c", "[d", "(e", "[g", "[", "(")
	}
	limit := func(g *gen, args []string) []string {
		if g.chance(0.3) {
			args = append(args, g.pick("LIMIT", "limit"), g.intArg(-1, 3), g.intArg(-1, 4))
		}
		return args
	}
	withScores := func(g *gen, args []string) []string {
		if g.chance(0.5) {
			args = append(args, g.pick("WITHSCORES", "withscores"))
		}
		return args
	}
	add(Z, 6, "ZADD", func(g *gen) []string {
		args := cmd("ZADD", g.key(Z))
		for range g.between(0, 3) {
			if g.chance(0.4) {
				break
			}
			args = append(args, g.pick("NX", "XX", "GT", "LT", "CH", "INCR", "ch"))
		}
		if g.chance(pBig) {
			for i := range g.between(128, 140) {
				args = append(args, strconv.Itoa(i%17), "x"+strconv.Itoa(i))
			}
			return args
		}
		for range g.between(1, 3) {
			args = append(args, score(g), zmember(g))
		}
		return args
	})
	add(Z, 2, "ZREM", func(g *gen) []string {
		args := cmd("ZREM", g.key(Z))
		for range g.between(1, 3) {
			args = append(args, zmember(g))
		}
		return args
	})
	add(Z, 2, "ZSCORE", func(g *gen) []string { return cmd("ZSCORE", g.key(Z), zmember(g)) })
	add(Z, 1, "ZMSCORE", func(g *gen) []string {
		args := cmd("ZMSCORE", g.key(Z))
		for range g.between(1, 3) {
			args = append(args, zmember(g))
		}
		return args
	})
	add(Z, 2, "ZINCRBY", func(g *gen) []string { return cmd("ZINCRBY", g.key(Z), score(g), zmember(g)) })
	add(Z, 1, "ZCARD", func(g *gen) []string { return cmd("ZCARD", g.key(Z)) })
	add(Z, 2, "ZCOUNT", func(g *gen) []string { return cmd("ZCOUNT", g.key(Z), scoreBound(g), scoreBound(g)) })
	add(Z, 1, "ZLEXCOUNT", func(g *gen) []string { return cmd("ZLEXCOUNT", g.key(Z), lexBound(g), lexBound(g)) })
	add(Z, 4, "ZRANGE", func(g *gen) []string {
		args := cmd("ZRANGE", g.key(Z))
		mode := g.r.IntN(3)
		switch mode {
		case 0:
			args = append(args, g.intArg(-5, 5), g.intArg(-5, 5))
		case 1:
			args = append(args, scoreBound(g), scoreBound(g))
		default:
			args = append(args, lexBound(g), lexBound(g))
		}
		var opts []string
		if mode == 1 || g.chance(0.05) {
			opts = append(opts, g.pick("BYSCORE", "byscore"))
		}
		if mode == 2 || g.chance(0.05) {
			opts = append(opts, "BYLEX")
		}
		if g.chance(0.3) {
			opts = append(opts, "REV")
		}
		if g.chance(0.3) {
			opts = append(opts, "LIMIT", g.intArg(-1, 3), g.intArg(-1, 4))
		}
		if g.chance(0.4) {
			opts = append(opts, "WITHSCORES")
		}
		if g.chance(0.03) {
			opts = append(opts, "BOGUS")
		}
		g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
		return append(args, opts...)
	})
	add(Z, 2, "ZRANGEBYSCORE", func(g *gen) []string {
		return limit(g, withScores(g, cmd("ZRANGEBYSCORE", g.key(Z), scoreBound(g), scoreBound(g))))
	})
	add(Z, 2, "ZREVRANGE", func(g *gen) []string {
		return withScores(g, cmd("ZREVRANGE", g.key(Z), g.intArg(-5, 5), g.intArg(-5, 5)))
	})
	add(Z, 2, "ZREVRANGEBYSCORE", func(g *gen) []string {
		return limit(g, withScores(g, cmd("ZREVRANGEBYSCORE", g.key(Z), scoreBound(g), scoreBound(g))))
	})
	add(Z, 2, "ZRANGEBYLEX", func(g *gen) []string {
		return limit(g, cmd("ZRANGEBYLEX", g.key(Z), lexBound(g), lexBound(g)))
	})
	add(Z, 1, "ZREVRANGEBYLEX", func(g *gen) []string {
		return limit(g, cmd("ZREVRANGEBYLEX", g.key(Z), lexBound(g), lexBound(g)))
	})
	add(Z, 2, "ZRANK", func(g *gen) []string { return cmd("ZRANK", g.key(Z), zmember(g)) })
	add(Z, 1, "ZREVRANK", func(g *gen) []string { return cmd("ZREVRANK", g.key(Z), zmember(g)) })
	zpop := func(name string) func(g *gen) []string {
		return func(g *gen) []string {
			args := cmd(name, g.key(Z))
			if g.chance(0.5) {
				args = append(args, g.intArg(-1, 4))
			}
			return args
		}
	}
	add(Z, 2, "ZPOPMIN", zpop("ZPOPMIN"))
	add(Z, 2, "ZPOPMAX", zpop("ZPOPMAX"))
	add(Z, 1, "ZREMRANGEBYRANK", func(g *gen) []string {
		return cmd("ZREMRANGEBYRANK", g.key(Z), g.intArg(-4, 4), g.intArg(-4, 4))
	})
	add(Z, 1, "ZREMRANGEBYSCORE", func(g *gen) []string {
		return cmd("ZREMRANGEBYSCORE", g.key(Z), scoreBound(g), scoreBound(g))
	})
	add(Z, 1, "ZREMRANGEBYLEX", func(g *gen) []string {
		return cmd("ZREMRANGEBYLEX", g.key(Z), lexBound(g), lexBound(g))
	})
	zsources := func(g *gen, args []string) []string {
		ks := g.keys(Z, 1, 3)
		if g.chance(0.15) { // sets are valid inputs too
			ks[0] = keyPools[famSet][g.r.IntN(3)]
		}
		n := strconv.Itoa(len(ks))
		if g.chance(0.06) {
			n = g.pick("0", "-1", "abc", "9")
		}
		args = append(append(args, n), ks...)
		if g.chance(0.3) {
			args = append(args, g.pick("WEIGHTS", "weights"))
			for range ks {
				args = append(args, g.pick("1", "2", "0.5", "-1", "0", "inf", "abc"))
			}
		}
		if g.chance(0.3) {
			args = append(args, "AGGREGATE", g.pick("SUM", "MIN", "MAX", "max", "AVG"))
		}
		return args
	}
	add(Z, 1, "ZUNIONSTORE", func(g *gen) []string { return zsources(g, cmd("ZUNIONSTORE", g.key(Z))) })
	add(Z, 1, "ZINTERSTORE", func(g *gen) []string { return zsources(g, cmd("ZINTERSTORE", g.key(Z))) })
	add(Z, 1, "ZUNION", func(g *gen) []string { return withScores(g, zsources(g, cmd("ZUNION"))) })
	add(Z, 1, "ZINTER", func(g *gen) []string { return withScores(g, zsources(g, cmd("ZINTER"))) })
	add(Z, 1, "ZDIFF", func(g *gen) []string {
		ks := g.keys(Z, 1, 3)
		return withScores(g, append(cmd("ZDIFF", strconv.Itoa(len(ks))), ks...))
	})
	add(Z, 1, "ZDIFFSTORE", func(g *gen) []string {
		ks := g.keys(Z, 1, 3)
		return append(cmd("ZDIFFSTORE", g.key(Z), strconv.Itoa(len(ks))), ks...)
	})
	add(Z, 1, "ZRANGESTORE", func(g *gen) []string {
		args := cmd("ZRANGESTORE", g.key(Z), g.key(Z))
		switch g.r.IntN(3) {
		case 0:
			args = append(args, g.intArg(-4, 4), g.intArg(-4, 4))
		case 1:
			args = append(args, scoreBound(g), scoreBound(g), "BYSCORE")
		default:
			args = append(args, lexBound(g), lexBound(g), "BYLEX")
		}
		if g.chance(0.3) {
			args = append(args, "REV")
		}
		if g.chance(0.05) {
			args = append(args, "WITHSCORES")
		}
		return limit(g, args)
	})
	numkeys := func(g *gen, ks []string) string {
		if g.chance(0.08) {
			return g.pick("0", "-1", "abc", "9")
		}
		return strconv.Itoa(len(ks))
	}
	add(Z, 1, "ZINTERCARD", func(g *gen) []string {
		ks := g.keys(Z, 1, 3)
		args := append(cmd("ZINTERCARD", numkeys(g, ks)), ks...)
		if g.chance(0.4) {
			args = append(args, g.pick("LIMIT", "BOGUS"), g.intArg(-1, 4))
		}
		return args
	})
	add(Z, 1, "ZMPOP", func(g *gen) []string {
		ks := g.keys(Z, 1, 3)
		args := append(cmd("ZMPOP", numkeys(g, ks)), ks...)
		args = append(args, g.pick("MIN", "MAX", "min", "MIDDLE"))
		if g.chance(0.5) {
			args = append(args, g.pick("COUNT", "count", "BOGUS"), g.intArg(-1, 4))
		}
		return args
	})
	add(Z, 2, "ZSCAN", func(g *gen) []string {
		return append(cmd("ZSCAN", g.key(Z), g.cursor()), g.scanTail(false)...)
	})
	add(Z, 2, "ZRANDMEMBER", func(g *gen) []string {
		args := cmd("ZRANDMEMBER", g.key(Z))
		if g.chance(0.7) {
			args = append(args, g.intArg(-8, 8))
			if g.chance(0.5) {
				args = append(args, g.pick("WITHSCORES", "withscores", "WITHVALUES"))
			}
		}
		return args
	})

	// Server and connection commands the machine executes.
	V := famServer
	add(V, 2, "PING", func(g *gen) []string {
		if g.chance(0.5) {
			return cmd("PING")
		}
		return cmd("PING", g.value())
	})
	add(V, 1, "TIME", func(g *gen) []string { return cmd("TIME") })
	add(V, 2, "ECHO", func(g *gen) []string { return cmd("ECHO", g.value()) })
	// Flushing is rare: about one command in a thousand.
	addRare(V, 2, "FLUSHDB", func(g *gen) []string {
		args := cmd("FLUSHDB")
		if g.chance(0.5) {
			args = append(args, g.pick("ASYNC", "SYNC", "BOGUS"))
		}
		return args
	})
	addRare(V, 1, "FLUSHALL", func(g *gen) []string { return cmd("FLUSHALL") })
	out = append(out, dbGenerators()...)     // gen_db_test.go
	out = append(out, bitsCommands()...)     // gen_bits_test.go
	out = append(out, pubsubCommands()...)   // gen_pubsub_test.go
	out = append(out, sortGeoCommands()...)  // gen_sortgeo_test.go
	scriptCommands(add)                      // gen_script_test.go
	out = append(out, blockCommands()...)    // gen_block_test.go
	out = append(out, encodingCommands()...) // gen_encoding_test.go
	out = append(out, streamCommands()...)   // gen_stream_test.go
	return out
}
