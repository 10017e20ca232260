package difftest

import "strconv"

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) and LMPOP. The timeout
// is always a short one (10 ms): on an empty key Redis blocks that long and
// answers as timed out, as kv does (at once when the machine runs without
// an edge, after its timeout through the edge); on a non-empty key both
// pop at once. Arity mutations append at most a 1 s timeout, never 0.
//
// BLMOVE and BRPOPLPUSH are not generated: timed out after blocking they
// answer a null array in Redis, while the machine here, running without
// the edge (as inside MULTI), answers their non-blocking null bulk string;
// kv/resp's go-redis tests and Redis's own list tests cover them.

func blockCommands() []*cmdGen {
	const t = "0.01"
	L, Z := famList, famZSet
	end := func(g *gen) string { return g.pick("LEFT", "RIGHT", "left", "UP") }
	countOpt := func(g *gen, args []string) []string {
		if g.chance(0.6) {
			args = append(args, "COUNT", g.pick("1", "2", "3", "10", "0", "-1", "x"))
		}
		return args
	}
	mpop := func(g *gen, fam string, lead []string, where string) []string {
		keys := g.keys(fam, 1, 3)
		n := len(keys)
		numkeys := g.pick(strconv.Itoa(n), strconv.Itoa(n), strconv.Itoa(n), "0", strconv.Itoa(n+1))
		args := append(append(lead, numkeys), keys...)
		return countOpt(g, append(args, where))
	}
	return []*cmdGen{
		{name: "BLPOP", family: L, weight: 10, gen: func(g *gen) []string {
			return append(append([]string{"BLPOP"}, g.keys(L, 1, 3)...), g.pick(t, t, t, "-1", "x"))
		}},
		{name: "BRPOP", family: L, weight: 10, gen: func(g *gen) []string {
			return append(append([]string{"BRPOP"}, g.keys(L, 1, 3)...), t)
		}},
		{name: "LMPOP", family: L, weight: 10, gen: func(g *gen) []string {
			return mpop(g, L, []string{"LMPOP"}, end(g))
		}},
		{name: "BLMPOP", family: L, weight: 6, gen: func(g *gen) []string {
			return mpop(g, L, []string{"BLMPOP", t}, end(g))
		}},
		{name: "BZPOPMIN", family: Z, weight: 8, gen: func(g *gen) []string {
			return append(append([]string{"BZPOPMIN"}, g.keys(Z, 1, 3)...), t)
		}},
		{name: "BZPOPMAX", family: Z, weight: 8, gen: func(g *gen) []string {
			return append(append([]string{"BZPOPMAX"}, g.keys(Z, 1, 3)...), g.pick(t, t, "-0.5"))
		}},
		{name: "BZMPOP", family: Z, weight: 6, gen: func(g *gen) []string {
			return mpop(g, Z, []string{"BZMPOP", t}, g.pick("MIN", "MAX", "max", "MID"))
		}},
	}
}
