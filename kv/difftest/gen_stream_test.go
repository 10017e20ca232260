package difftest

import "testing"

// Generators of the stream family: entries (XADD with every ID form and
// trimming option, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD),
// consumer groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM)
// and XINFO GROUPS/CONSUMERS.
//
// IDs are explicit (<ms>-<seq>, <ms>, <ms>-*) over small numbers so that
// commands collide, never `*`: its milliseconds are the clock's, and one
// millisecond of difference between the two sides would make every later
// ID differ. (`*` from the stamped time is tested in kv/stream_test.go.)
// BLOCK is never generated: it would hold the Redis connection. Times in
// replies (XPENDING's idle, XINFO CONSUMERS' idle) are the command's
// millisecond on both sides, as the runner sends each command at the
// start of the millisecond kv is given. XINFO STREAM is not generated:
// its radix-tree-nodes may differ after deletions (docs/known-differences.md).

const famStream = "stream"

var (
	streamKeys      = []string{"x1", "x2", "x3"}
	streamGroups    = []string{"g1", "g2", "g3"}
	streamConsumers = []string{"c1", "c2", "c3"}
	streamFields    = []string{"f", "g", "h"}
)

// The stream family runs in its own test, TestDiffStream, not in TestDiff's
// mix: adding it there would shift every other family's seeded sequences.
// So it is not in allFamilies and its keys are not in allKeys (the
// generic family's pool); its own foreign-key picks still reach the other
// families' keys (WRONGTYPE paths).
func init() {
	keyPools[famStream] = streamKeys
	stateQueries["stream"] = []string{"XRANGE", "", "-", "+"}
}

// TestDiffStream is TestDiff for the stream family, plus the key commands
// that copy, rename, delete and dump streams. (Expiry is not generated
// here: it is the same for every type, TestDiff covers it, and under the
// race detector millisecond TTLs made this test's seeds timing-dependent.)
//
//	go test ./kv/difftest -run 'TestDiffStream$' -difftest.seeds 500
//	go test ./kv/difftest -run 'TestDiffStream$' -seed 17 -difftest.v
func TestDiffStream(t *testing.T) {
	srv := startRedis(t)
	cl, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.close)
	var cmds []*cmdGen
	for _, c := range streamCommands() {
		if registered(c.name) {
			cmds = append(cmds, c)
		}
	}
	seeds := []uint64{*flagSeed}
	if *flagSeed == 0 {
		seeds = seeds[:0]
		for i := range *flagSeeds {
			seeds = append(seeds, *flagBase+uint64(i))
		}
	}
	runSeeds(t, cl, &kvSide{}, cmds, seeds)
}

// streamID returns an ID argument: mostly <ms>-<seq> over small numbers,
// sometimes <ms>, an extreme or a bad one.
func (g *gen) streamID() string {
	switch p := g.r.Float64(); {
	case p < 0.75:
		return g.num(0, 40) + "-" + g.num(0, 3)
	case p < 0.9:
		return g.num(0, 40)
	case p < 0.95:
		return g.pick("18446744073709551615-18446744073709551615", "18446744073709551615", "0-0", "0-1", "5-18446744073709551615")
	default:
		return g.pick("abc", "-1", "1-x", "1-", "-", "+", "1--1", "18446744073709551616", " 1", "+1")
	}
}

// streamBound is an XRANGE/XPENDING bound.
func (g *gen) streamBound(start bool) string {
	switch p := g.r.Float64(); {
	case p < 0.35:
		if start {
			return "-"
		}
		return "+"
	case p < 0.5:
		return "(" + g.streamID()
	default:
		return g.streamID()
	}
}

func (g *gen) streamFieldValues() []string {
	n := 1
	if g.chance(0.3) {
		n = g.between(1, 3)
	}
	var out []string
	same := g.chance(0.7)
	for i := 0; i < n; i++ {
		f := streamFields[i%len(streamFields)]
		if !same {
			f = g.pick(streamFields...)
		}
		out = append(out, f, g.value())
	}
	return out
}

// streamTrim returns MAXLEN/MINID options, with ~ or = and LIMIT at times.
func (g *gen) streamTrim() []string {
	var out []string
	if g.chance(0.5) {
		out = append(out, g.pick("MAXLEN", "maxlen"))
	} else {
		out = append(out, "MINID")
	}
	approx := false
	switch g.r.IntN(3) {
	case 0:
		out = append(out, "~")
		approx = true
	case 1:
		out = append(out, "=")
	}
	if out[0] == "MINID" {
		out = append(out, g.streamID())
	} else {
		out = append(out, g.intArg(0, 30))
	}
	if (approx && g.chance(0.4)) || g.chance(0.03) {
		out = append(out, "LIMIT", g.intArg(0, 150))
	}
	return out
}

func streamCommands() []*cmdGen {
	var out []*cmdGen
	add := func(weight int, name string, fn func(g *gen) []string) {
		out = append(out, &cmdGen{name: name, family: famStream, weight: weight, gen: fn})
	}
	cmd := func(name string, args ...string) []string { return append([]string{name}, args...) }
	T := famStream
	group := func(g *gen) string {
		if g.chance(0.05) {
			return "nogroup"
		}
		return g.pick(streamGroups...)
	}
	consumer := func(g *gen) string { return g.pick(streamConsumers...) }

	add(60, "XADD", func(g *gen) []string {
		args := cmd("XADD", g.key(T))
		if g.chance(0.1) {
			args = append(args, "NOMKSTREAM")
		}
		if g.chance(0.25) {
			args = append(args, g.streamTrim()...)
		}
		id := g.streamID()
		if g.chance(0.2) {
			id = g.num(0, 40) + "-*"
		}
		args = append(args, id)
		return append(args, g.streamFieldValues()...)
	})
	add(12, "XRANGE", func(g *gen) []string {
		args := cmd("XRANGE", g.key(T), g.streamBound(true), g.streamBound(false))
		if g.chance(0.3) {
			args = append(args, "COUNT", g.intArg(-1, 5))
		}
		return args
	})
	add(8, "XREVRANGE", func(g *gen) []string {
		args := cmd("XREVRANGE", g.key(T), g.streamBound(false), g.streamBound(true))
		if g.chance(0.3) {
			args = append(args, "COUNT", g.intArg(-1, 5))
		}
		return args
	})
	add(6, "XLEN", func(g *gen) []string { return cmd("XLEN", g.key(T)) })
	add(8, "XDEL", func(g *gen) []string {
		args := cmd("XDEL", g.key(T))
		for i := g.between(1, 3); i > 0; i-- {
			args = append(args, g.streamID())
		}
		return args
	})
	add(6, "XTRIM", func(g *gen) []string { return append(cmd("XTRIM", g.key(T)), g.streamTrim()...) })
	add(2, "XSETID", func(g *gen) []string {
		args := cmd("XSETID", g.key(T), g.streamID())
		if g.chance(0.3) {
			args = append(args, "ENTRIESADDED", g.intArg(0, 60))
		}
		if g.chance(0.3) {
			args = append(args, "MAXDELETEDID", g.streamID())
		}
		return args
	})
	add(8, "XREAD", func(g *gen) []string {
		args := cmd("XREAD")
		if g.chance(0.4) {
			args = append(args, "COUNT", g.intArg(0, 4))
		}
		ks := g.keys(T, 1, 2)
		args = append(args, "STREAMS")
		args = append(args, ks...)
		for range ks {
			id := g.streamID()
			if g.chance(0.2) {
				id = "$"
			}
			args = append(args, id)
		}
		return args
	})
	add(8, "XGROUP", func(g *gen) []string {
		k := g.key(T)
		switch g.r.IntN(10) {
		case 0, 1, 2, 3:
			id := g.streamID()
			if g.chance(0.4) {
				id = "$"
			}
			args := cmd("XGROUP", "CREATE", k, group(g), id)
			if g.chance(0.4) {
				args = append(args, "MKSTREAM")
			}
			if g.chance(0.2) {
				args = append(args, "ENTRIESREAD", g.intArg(-1, 10))
			}
			return args
		case 4:
			id := g.streamID()
			if g.chance(0.3) {
				id = "$"
			}
			args := cmd("XGROUP", "SETID", k, group(g), id)
			if g.chance(0.3) {
				args = append(args, "ENTRIESREAD", g.intArg(-1, 10))
			}
			return args
		case 5:
			return cmd("XGROUP", "DESTROY", k, group(g))
		case 6, 7:
			return cmd("XGROUP", "CREATECONSUMER", k, group(g), consumer(g))
		case 8:
			return cmd("XGROUP", "DELCONSUMER", k, group(g), consumer(g))
		default:
			return cmd("XGROUP", g.pick("HELP", "help", "BOGUS"))
		}
	})
	add(20, "XREADGROUP", func(g *gen) []string {
		args := cmd("XREADGROUP", "GROUP", group(g), consumer(g))
		if g.chance(0.5) {
			args = append(args, "COUNT", g.intArg(0, 4))
		}
		if g.chance(0.15) {
			args = append(args, "NOACK")
		}
		ks := g.keys(T, 1, 2)
		args = append(args, "STREAMS")
		args = append(args, ks...)
		for range ks {
			id := ">"
			if g.chance(0.25) {
				id = g.streamID()
			}
			args = append(args, id)
		}
		return args
	})
	add(10, "XACK", func(g *gen) []string {
		args := cmd("XACK", g.key(T), group(g))
		for i := g.between(1, 3); i > 0; i-- {
			args = append(args, g.streamID())
		}
		return args
	})
	add(10, "XPENDING", func(g *gen) []string {
		args := cmd("XPENDING", g.key(T), group(g))
		if g.chance(0.3) {
			return args
		}
		if g.chance(0.3) {
			args = append(args, "IDLE", g.pick("0", "1", "100000", "abc"))
		}
		args = append(args, g.streamBound(true), g.streamBound(false), g.intArg(0, 10))
		if g.chance(0.4) {
			args = append(args, consumer(g))
		}
		return args
	})
	add(8, "XCLAIM", func(g *gen) []string {
		args := cmd("XCLAIM", g.key(T), group(g), consumer(g), g.pick("0", "0", "1", "100000", "-5", "abc"))
		for i := g.between(1, 3); i > 0; i-- {
			args = append(args, g.streamID())
		}
		for _, opt := range []string{"JUSTID", "FORCE", "RETRYCOUNT", "IDLE", "TIME", "LASTID", "BOGUS"} {
			if !g.chance(0.15) {
				continue
			}
			switch opt {
			case "RETRYCOUNT":
				args = append(args, opt, g.intArg(0, 5))
			case "IDLE":
				args = append(args, opt, g.pick("0", "10", "-5", "abc"))
			case "TIME":
				args = append(args, opt, g.pick("0", "1000", "99999999999999", "x"))
			case "LASTID":
				args = append(args, opt, g.streamID())
			default:
				args = append(args, opt)
			}
		}
		return args
	})
	add(8, "XAUTOCLAIM", func(g *gen) []string {
		args := cmd("XAUTOCLAIM", g.key(T), group(g), consumer(g), g.pick("0", "0", "1", "100000", "-5", "abc"), g.streamBound(true))
		if g.chance(0.5) {
			args = append(args, "COUNT", g.pick("1", "2", "5", "0", "-1", "abc"))
		}
		if g.chance(0.3) {
			args = append(args, "JUSTID")
		}
		return args
	})
	add(3, "DEL", func(g *gen) []string { return cmd("DEL", g.key(T)) })
	add(2, "COPY", func(g *gen) []string {
		args := cmd("COPY", g.key(T), g.key(T))
		if g.chance(0.5) {
			args = append(args, "REPLACE")
		}
		return args
	})
	add(2, "RENAME", func(g *gen) []string { return cmd("RENAME", g.key(T), g.key(T)) })
	add(2, "TYPE", func(g *gen) []string { return cmd("TYPE", g.key(T)) })
	add(2, "DUMP", func(g *gen) []string { return cmd("DUMP", g.key(T)) })
	add(5, "XINFO", func(g *gen) []string {
		switch g.r.IntN(5) {
		case 0, 1:
			return cmd("XINFO", "GROUPS", g.key(T))
		case 2, 3:
			return cmd("XINFO", "CONSUMERS", g.key(T), group(g))
		default:
			return cmd("XINFO", g.pick("HELP", "BOGUS", "STREAM"))
		}
	})
	return out
}
