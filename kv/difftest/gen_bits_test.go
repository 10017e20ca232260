package difftest

import (
	"strings"

	"redraft/kv"
)

// Generators of the bitmap, HyperLogLog and DUMP/RESTORE/OBJECT commands.
// They work on the string family's keys (a bitmap and an HLL are strings)
// plus two HLL keys of their own, so the keyspace comparison checks HLL
// strings byte for byte against redis-server's.

// hllKeys are keys that mostly hold HyperLogLogs.
var hllKeys = []string{"p1", "p2", "p3"}

func bitsCommands() []*cmdGen {
	var out []*cmdGen
	add := func(family string, weight int, name string, fn func(g *gen) []string) {
		out = append(out, &cmdGen{name: name, family: family, weight: 10 * weight, gen: fn})
	}
	cmd := func(name string, args ...string) []string { return append([]string{name}, args...) }
	S := famString

	bitOffset := func(g *gen) string {
		switch p := g.r.Float64(); {
		case p < 0.7:
			return g.num(0, 80)
		case p < 0.9:
			return g.num(0, 2000)
		default:
			return g.pick("-1", "abc", "4294967296", "1.5", "", "#3", "99999999999")
		}
	}
	rangeIdx := func(g *gen) string {
		if g.chance(0.05) {
			return g.pick(badInts...)
		}
		return g.num(-20, 20)
	}
	unit := func(g *gen, args []string) []string {
		if g.chance(0.4) {
			args = append(args, g.pick("BIT", "BYTE", "bit", "byte", "BITS"))
		}
		return args
	}
	add(S, 3, "SETBIT", func(g *gen) []string {
		v := g.pick("0", "1", "1", "1")
		if g.chance(0.05) {
			v = g.pick("2", "-1", "abc", "")
		}
		return cmd("SETBIT", g.key(S), bitOffset(g), v)
	})
	add(S, 2, "GETBIT", func(g *gen) []string { return cmd("GETBIT", g.key(S), bitOffset(g)) })
	add(S, 2, "BITCOUNT", func(g *gen) []string {
		args := cmd("BITCOUNT", g.key(S))
		switch g.r.IntN(4) {
		case 0:
		case 1:
			args = append(args, rangeIdx(g))
		default:
			args = unit(g, append(args, rangeIdx(g), rangeIdx(g)))
		}
		return args
	})
	add(S, 2, "BITPOS", func(g *gen) []string {
		b := g.pick("0", "1")
		if g.chance(0.05) {
			b = g.pick("2", "-1", "x")
		}
		args := cmd("BITPOS", g.key(S), b)
		switch g.r.IntN(4) {
		case 0:
		case 1:
			args = append(args, rangeIdx(g))
		case 2:
			args = append(args, rangeIdx(g), rangeIdx(g))
		default:
			args = unit(g, append(args, rangeIdx(g), rangeIdx(g)))
		}
		return args
	})
	add(S, 1, "BITOP", func(g *gen) []string {
		op := g.pick("AND", "OR", "XOR", "NOT", "and", "not", "NAND")
		n := g.between(1, 3)
		if op == "NOT" || op == "not" {
			n = 1
			if g.chance(0.1) {
				n = 2
			}
		}
		return append(cmd("BITOP", op, g.key(S)), g.keys(S, n, n)...)
	})
	bfType := func(g *gen) string {
		if g.chance(0.05) {
			return g.pick("u64", "i65", "i0", "x8", "u", "", "i08")
		}
		return g.pick("i", "u") + g.num(1, 63)
	}
	bfOffset := func(g *gen) string {
		if g.chance(0.3) {
			return "#" + g.num(0, 10)
		}
		return bitOffset(g)
	}
	bfValue := func(g *gen) string {
		if g.chance(0.3) {
			return g.pick(oddInts...)
		}
		return g.num(-300, 300)
	}
	bitfield := func(g *gen, name string, ro bool) []string {
		args := cmd(name, g.key(S))
		for range g.between(1, 4) {
			switch p := g.r.Float64(); {
			case p < 0.4 || ro && p < 0.95:
				args = append(args, g.pick("GET", "get"), bfType(g), bfOffset(g))
			case p < 0.65:
				args = append(args, "SET", bfType(g), bfOffset(g), bfValue(g))
			case p < 0.85:
				args = append(args, g.pick("INCRBY", "incrby"), bfType(g), bfOffset(g), bfValue(g))
			case p < 0.97:
				args = append(args, "OVERFLOW", g.pick("WRAP", "SAT", "FAIL", "fail", "BOGUS"))
			default:
				args = append(args, g.pick("GET", "SET", "BOGUS"))
			}
		}
		return args
	}
	add(S, 2, "BITFIELD", func(g *gen) []string { return bitfield(g, "BITFIELD", false) })
	add(S, 1, "BITFIELD_RO", func(g *gen) []string { return bitfield(g, "BITFIELD_RO", true) })

	// HyperLogLogs: mostly on their own keys, sometimes on string keys
	// (WRONGTYPE, invalid HLL strings), sometimes corrupted by APPEND or
	// SETRANGE (INVALIDOBJ), sometimes big enough to turn dense.
	hllKey := func(g *gen) string {
		if g.chance(0.1) {
			return g.key(S)
		}
		return g.pick(hllKeys...)
	}
	element := func(g *gen) string {
		if g.chance(0.5) {
			return "e" + g.num(0, 300)
		}
		return g.value()
	}
	add(S, 3, "PFADD", func(g *gen) []string {
		args := cmd("PFADD", hllKey(g))
		n := g.between(0, 5)
		if g.chance(0.05) {
			n = g.between(100, 3000)
		}
		for range n {
			args = append(args, element(g))
		}
		return args
	})
	add(S, 2, "PFCOUNT", func(g *gen) []string {
		args := cmd("PFCOUNT", hllKey(g))
		if g.chance(0.3) {
			for range g.between(1, 3) {
				args = append(args, hllKey(g))
			}
		}
		return args
	})
	add(S, 1, "PFMERGE", func(g *gen) []string {
		args := cmd("PFMERGE", hllKey(g))
		for range g.between(0, 3) {
			args = append(args, hllKey(g))
		}
		return args
	})
	// Corruptions never write an XZERO first byte (0x40-0x7f): at the end of
	// the string Redis reads its garbage past-the-end byte as the second
	// byte of the opcode (docs/known-differences.md).
	out = append(out, &cmdGen{name: "APPEND", family: S, weight: 2, gen: func(g *gen) []string {
		return cmd("APPEND", g.pick(hllKeys...), g.pick("\x00", "\xff", "\x02", "\x9c"))
	}})
	out = append(out, &cmdGen{name: "SETRANGE", family: S, weight: 2, gen: func(g *gen) []string {
		return cmd("SETRANGE", g.pick(hllKeys...), g.num(4, 40), g.pick("\x00", "\xff", "\x02", "\x80", "\x3f"))
	}})
	return append(out, dumpCommands()...)
}

// restorePayloads are DUMP payloads of small values, made by kv itself at
// init (TestDumpRestore checks they are redis-server's bytes): strings and
// one compact value of each type, so a DUMP of what they RESTORE stays
// byte-comparable (no hashtable: Redis writes those in its dict's order,
// which its per-process hash seed makes random). Corrupt variants (a flipped byte, a cut) must be refused
// identically by both.
var restorePayloads = func() []string {
	m := kv.NewMachine()
	do := func(args ...string) string {
		a := make([][]byte, len(args))
		for i, s := range args {
			a[i] = []byte(s)
		}
		w := kv.NewWriter(nil, 2)
		m.Exec(&kv.Cmd{Args: a, NowMs: 1, Proto: 2}, w)
		return string(w.Bytes())
	}
	do("SET", "a", "hello")
	do("SET", "b", "12")
	do("SET", "c", strings.Repeat("abcabc", 10))
	do("RPUSH", "d", "x", "1", "-5000")
	do("HSET", "e", "f", "v", "n", "7")
	do("SADD", "f", "3", "1", "2")
	do("ZADD", "g", "1.5", "m", "-2", "n")
	do("PFADD", "h", "a", "b", "c")
	var out []string
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		r := do("DUMP", k)
		_, body, _ := strings.Cut(r, "\r\n")
		out = append(out, strings.TrimSuffix(body, "\r\n"))
	}
	p := []byte(out[0])
	p[2] ^= 1
	out = append(out, string(p), out[3][:len(out[3])-1], "", "garbage")
	return out
}()

func dumpCommands() []*cmdGen {
	S := famString
	cmd := func(name string, args ...string) []string { return append([]string{name}, args...) }
	return []*cmdGen{
		{name: "DUMP", family: S, weight: 10, gen: func(g *gen) []string {
			return cmd("DUMP", g.pick(append(hllKeys, "missing")...))
		}},
		{name: "RESTORE", family: S, weight: 10, gen: func(g *gen) []string {
			ttl := "0"
			switch g.r.IntN(6) {
			case 0:
				ttl = g.ttlMs()
			case 1:
				ttl = g.pick("-1", "abc")
			}
			args := cmd("RESTORE", g.pick(hllKeys...), ttl, g.pick(restorePayloads...))
			for range g.between(0, 2) {
				switch g.r.IntN(6) {
				case 0, 1:
					args = append(args, g.pick("REPLACE", "replace"))
				case 2:
					args = append(args, "IDLETIME", g.pick("0", "10", "-1", "x"))
				case 3:
					args = append(args, "FREQ", g.pick("0", "255", "256", "-1"))
				case 4:
					args = append(args, "ABSTTL")
				default:
					args = append(args, "BOGUS")
				}
			}
			return args
		}},
	}
}
