package difftest

import (
	"strings"

	"redraft/kv"
)

// The encoding family: CONFIG SET of the encoding thresholds
// (hash-max-listpack-entries/-value, zset-max-listpack-entries/-value,
// set-max-intset-entries and their *-ziplist-* names) to small values, so
// that hashes, sets and sorted sets cross them, and OBJECT ENCODING of
// those keys. The replies of HSCAN/SSCAN/ZSCAN, HGETALL, SMEMBERS, ... that
// the other families generate then depend on the thresholds too.
//
// CONFIG is the edge's command: the driver plays the edge for kv
// (edgeConfigEncoding, hooked into kvSide.exec), sending what kv/resp
// sends, redraft.config-encoding. Every sequence starts from Redis's
// defaults (resetEncoding, hooked into runner.run).

const famEncoding = "encoding"

func init() { allFamilies = append(allFamilies, famEncoding) }

// encodingParamNames are the parameters, each with its default.
var encodingParamNames = [][2]string{
	{"hash-max-listpack-entries", "512"}, {"hash-max-ziplist-entries", ""},
	{"hash-max-listpack-value", "64"}, {"hash-max-ziplist-value", ""},
	{"zset-max-listpack-entries", "128"}, {"zset-max-ziplist-entries", ""},
	{"zset-max-listpack-value", "64"}, {"zset-max-ziplist-value", ""},
	{"set-max-intset-entries", "512"},
}

// encodingCommands returns the family's generators (hooked into commands()).
func encodingCommands() []*cmdGen {
	add := func(tenths int, name string, fn func(g *gen) []string) *cmdGen {
		return &cmdGen{name: name, family: famEncoding, weight: tenths, gen: fn}
	}
	typed := func(g *gen) string { return g.key(g.pick(famHash, famSet, famZSet)) }
	return []*cmdGen{
		// Named after the command kv runs for it (so the driver enables it
		// when kv has it); the arguments are CONFIG SET's.
		add(6, "REDRAFT.CONFIG-ENCODING", func(g *gen) []string {
			p := encodingParamNames[g.r.IntN(len(encodingParamNames))][0]
			v := g.pick("0", "1", "2", "3", "4", "6", "10")
			if g.chance(0.2) {
				v = g.pick("64", "128", "512")
			}
			return []string{"CONFIG", "SET", p, v}
		}),
		add(30, "OBJECT", func(g *gen) []string { return []string{"OBJECT", "ENCODING", typed(g)} }),
		add(20, "HSET", func(g *gen) []string {
			args := []string{"HSET", g.key(famHash)}
			for range g.between(1, 3) {
				args = append(args, g.pick("f1", "f2", "f3", "f4", "f5", "f6"), g.pick("v", "12345", "abcdefghijk"))
			}
			return args
		}),
		add(20, "SADD", func(g *gen) []string {
			args := []string{"SADD", g.key(famSet)}
			for range g.between(1, 3) {
				args = append(args, g.pick("1", "2", "3", "4", "5", "6", "7", "x"))
			}
			return args
		}),
		add(20, "ZADD", func(g *gen) []string {
			args := []string{"ZADD", g.key(famZSet)}
			for range g.between(1, 3) {
				args = append(args, g.num(0, 9), g.pick("a", "b", "c", "d", "e", "f", "longer-member"))
			}
			return args
		}),
		add(10, "HSCAN", func(g *gen) []string { return []string{"HSCAN", g.key(famHash), "0"} }),
		add(10, "SSCAN", func(g *gen) []string { return []string{"SSCAN", g.key(famSet), "0"} }),
		add(10, "ZSCAN", func(g *gen) []string { return []string{"ZSCAN", g.key(famZSet), "0"} }),
	}
}

// edgeConfigEncoding answers CONFIG SET of an encoding parameter for kv
// as the RESP edge does: it runs redraft.config-encoding on the machine,
// and answers the malformed forms the arity mutation makes of it with the
// edge's errors.
func edgeConfigEncoding(k *kvSide, args [][]byte, now int64) ([]byte, bool) {
	if len(args) == 0 || upperName(args[0]) != "CONFIG" {
		return nil, false
	}
	w := kv.NewWriter(nil, int(k.proto))
	switch {
	case len(args) == 1:
		w.Error(kv.ErrArity("config"))
	case !strings.EqualFold(string(args[1]), "SET"):
		return nil, false
	case len(args) < 4:
		w.Error(kv.ErrArity("config|set"))
	case len(args)%2 != 0:
		w.Error(kv.ErrSyntax)
	default:
		k.m.Exec(&kv.Cmd{Args: configEncodingArgs(args), NowMs: now, Proto: k.proto, DB: k.db}, w)
	}
	return w.Bytes(), true
}

// configEncodingArgs is the redraft.config-encoding command the edge sends
// for a CONFIG SET of encoding parameters (with integer values), or args
// itself for another command.
func configEncodingArgs(args [][]byte) [][]byte {
	if len(args) < 4 || upperName(args[0]) != "CONFIG" || !strings.EqualFold(string(args[1]), "SET") {
		return args
	}
	out := [][]byte{[]byte("redraft.config-encoding")}
	for i := 2; i+1 < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		if !kv.IsEncodingParam(name) {
			return args
		}
		out = append(out, []byte(name), args[i+1])
	}
	return out
}

// resetEncoding puts Redis's thresholds back to the defaults (kv starts
// every sequence with a fresh machine).
func resetEncoding(r *runner) {
	for _, p := range encodingParamNames {
		if p[1] != "" {
			r.mustRedis("CONFIG", "SET", p[0], p[1])
		}
	}
}
