package difftest

import (
	"strconv"
)

// Generators for SORT/SORT_RO, LMPOP, LCS, SUBSTR and the GEO family.
//
// SORT has two behaviours of Redis that no other server can reproduce, and
// the generators stay clear of them on purpose:
//
//   - A numeric sort parses elements and weights with strtod and then
//     checks errno without clearing it first, so after any float parse that
//     overflowed (a "1e400" anywhere, in any command) Redis refuses every
//     numeric SORT that parses a string until some other parse clears
//     errno. Numeric sorts therefore only read values Redis keeps as
//     integers (list elements, SET and listpack-hash integers: no strtod):
//     sort keys get integers or words from these generators, weights are
//     integers or words.
//   - Elements that compare equal keep their input order, which for sets
//     and sorted sets is Redis's hash-table order. So ALPHA is never
//     combined with a BY pattern (missing or equal weights tie), and BY
//     without '*' comes only with STORE (a set is then sorted ALPHA).
//
// GEO points get coordinates with four random decimals around Sicily
// (kv/pqsort_test.go covers points that coincide). STOREDIST is not
// generated: it stores distances at full precision, and glibc's sin, cos
// and asin are not correctly rounded for about one argument in a thousand,
// where Redraft's are (see kv/geomath.go), so the last bit can differ; the
// four-decimal distances of WITHDIST and GEODIST match.

const (
	famSort = "sort"
	famGeo  = "geo"
)

// Keys of the two families. so1, so2 are lists, ss1 a set, sz1 a sorted
// set, sd1 a STORE destination; w_N and wh_N are BY/GET weights.
var (
	sortListKeys = []string{"so1", "so2"}
	sortKeys     = []string{"so1", "so2", "ss1", "sz1", "sd1"}
	sortWeights  = func() []string {
		var ks []string
		for i := 0; i < 6; i++ {
			ks = append(ks, "w_"+strconv.Itoa(i), "wh_"+strconv.Itoa(i))
		}
		return ks
	}()
	geoKeys = []string{"g1", "g2", "gd"}
)

func init() {
	allFamilies = append(allFamilies, famSort, famGeo)
	keyPools[famSort] = sortKeys
	keyPools[famGeo] = geoKeys[:2]
	allKeys = append(allKeys, sortKeys...)
	allKeys = append(allKeys, sortWeights...)
	allKeys = append(allKeys, geoKeys...)
}

// sortElem is an element of a sort key: mostly a small integer (which is
// also the suffix of a weight key), sometimes a word.
func sortElem(g *gen) string {
	if g.chance(0.12) {
		return g.pick("a", "b", "abc", "B", "ab")
	}
	return g.num(0, 7)
}

// sortWeight is a weight value: an integer, sometimes a word (an error for
// a numeric sort, a key for ALPHA).
func sortWeight(g *gen) string {
	if g.chance(0.1) {
		return g.pick("x", "abc", "z")
	}
	return g.num(-5, 20)
}

func sortGeoCommands() []*cmdGen {
	var out []*cmdGen
	add := func(family string, weight int, name string, fn func(g *gen) []string) {
		out = append(out, &cmdGen{name: name, family: family, weight: 10 * weight, gen: fn})
	}
	cmd := func(name string, args ...string) []string { return append([]string{name}, args...) }

	// Data for SORT: the keys and the weights.
	add(famSort, 3, "RPUSH", func(g *gen) []string {
		args := cmd("RPUSH", g.pick(sortListKeys...))
		for range g.between(1, 4) {
			args = append(args, sortElem(g))
		}
		return args
	})
	add(famSort, 1, "SADD", func(g *gen) []string {
		args := cmd("SADD", "ss1")
		for range g.between(1, 3) {
			args = append(args, sortElem(g))
		}
		return args
	})
	add(famSort, 1, "ZADD", func(g *gen) []string {
		return cmd("ZADD", "sz1", g.num(-3, 5), sortElem(g))
	})
	add(famSort, 2, "SET", func(g *gen) []string {
		return cmd("SET", "w_"+g.num(0, 5), sortWeight(g))
	})
	add(famSort, 1, "HSET", func(g *gen) []string {
		return cmd("HSET", "wh_"+g.num(0, 5), g.pick("f", "g"), sortWeight(g))
	})
	add(famSort, 6, "SORT", func(g *gen) []string { return genSort(g, "SORT") })
	add(famSort, 2, "SORT_RO", func(g *gen) []string { return genSort(g, "SORT_RO") })

	// LMPOP over the list pools (the list family's and SORT's).
	add(famList, 2, "LMPOP", func(g *gen) []string {
		keys := []string{}
		for range g.between(1, 3) {
			if g.chance(0.3) {
				keys = append(keys, g.pick(sortListKeys...))
			} else {
				keys = append(keys, g.key(famList))
			}
		}
		n := strconv.Itoa(len(keys))
		if g.chance(0.05) {
			n = g.pick("0", "-1", "abc", "9", "99999999999999999999")
		}
		args := append(cmd("LMPOP", n), keys...)
		args = append(args, g.pick("LEFT", "RIGHT", "left", "right", "UP"))
		if g.chance(0.5) {
			args = append(args, g.pick("COUNT", "count", "COUNT", "BOGUS"), g.intArg(-1, 5))
		}
		return args
	})

	// LCS and SUBSTR over the string pool.
	add(famString, 2, "LCS", func(g *gen) []string {
		args := cmd("LCS", g.key(famString), g.key(famString))
		for range g.between(0, 3) {
			switch g.r.IntN(5) {
			case 0:
				args = append(args, g.pick("LEN", "len"))
			case 1:
				args = append(args, g.pick("IDX", "idx"))
			case 2:
				args = append(args, g.pick("WITHMATCHLEN", "withmatchlen"))
			case 3:
				args = append(args, g.pick("MINMATCHLEN", "minmatchlen"), g.intArg(-1, 4))
			default:
				args = append(args, g.pick("BOGUS", "MINMATCHLEN"))
			}
		}
		return args
	})
	add(famString, 1, "SUBSTR", func(g *gen) []string {
		return cmd("SUBSTR", g.key(famString), g.intArg(-12, 12), g.intArg(-12, 12))
	})

	addGeoCommands(add)
	return out
}

// genSort builds a SORT or SORT_RO within the limits the file comment
// names. Every option combination it draws is safe whatever type the key
// turned out to hold (other families sometimes write to these keys too).
func genSort(g *gen, name string) []string {
	key := g.pick("so1", "so1", "so2", "ss1", "sz1", "so3", "w_1")
	store := name == "SORT" && g.chance(0.3)
	var opts [][]string
	switch p := g.r.Float64(); {
	case p < 0.3:
		opts = append(opts, []string{"BY", g.pick("w_*", "wh_*->f", "wh_*->g", "nokey_*", "w_*->f")})
	case p < 0.55:
		opts = append(opts, []string{g.pick("ALPHA", "alpha")})
	case p < 0.65 && store:
		opts = append(opts, []string{"BY", g.pick("nosort", "w_1", "#")})
		if g.chance(0.3) {
			opts = append(opts, []string{"ALPHA"})
		}
	case key == "ss1" || key == "sz1":
		opts = append(opts, []string{"ALPHA"})
	}
	if g.chance(0.5) {
		opts = append(opts, []string{g.pick("ASC", "DESC", "desc")})
	}
	if g.chance(0.35) {
		opts = append(opts, []string{"LIMIT", g.intArg(-2, 4), g.intArg(-2, 5)})
	}
	for range g.between(0, 2) {
		opts = append(opts, []string{"GET", g.pick("#", "w_*", "wh_*->f", "nokey_*", "const", "wh_*->")})
	}
	if g.chance(0.03) {
		opts = append(opts, []string{"BOGUS"})
	}
	g.r.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	if store {
		// First, so that a truncated command never loses STORE but keeps a
		// constant BY (a set would then answer in hash-table order).
		opts = append([][]string{{"STORE", g.pick("sd1", "sd1", "so2")}}, opts...)
	}
	args := cmd2(name, key)
	for _, o := range opts {
		args = append(args, o...)
	}
	return args
}

func cmd2(name string, args ...string) []string { return append([]string{name}, args...) }

// geoCoord returns a longitude and a latitude with four random decimals
// near Sicily, sometimes far away or invalid.
func geoCoord(g *gen) (string, string) {
	switch p := g.r.Float64(); {
	case p < 0.03:
		return g.pick("200", "-180.5", "abc", "13", "inf"), g.pick("38", "86", "-85.06", "x")
	case p < 0.08:
		return g.num(-179, 179) + "." + g.num(1000, 9999), g.num(-84, 84) + "." + g.num(1000, 9999)
	}
	return g.num(12, 15) + "." + g.num(1000, 9999), g.num(36, 38) + "." + g.num(1000, 9999)
}

func geoMember(g *gen) string { return g.pick("m1", "m2", "m3", "m4", "m5", "m6", "Palermo", "") }

func geoUnitArg(g *gen) string {
	return g.pick("m", "km", "KM", "mi", "ft", "km", "km", "parsec")
}

func geoRadius(g *gen) string {
	if g.chance(0.05) {
		return g.pick("-1", "abc", "0", "inf", "1e10")
	}
	return g.num(1, 300)
}

// geoSearchTail returns the optional part of a search: WITH* flags, order,
// COUNT [ANY].
func geoSearchTail(g *gen, withs bool) []string {
	var out []string
	if withs {
		for _, w := range []string{"WITHDIST", "WITHCOORD", "WITHHASH"} {
			if g.chance(0.3) {
				out = append(out, w)
			}
		}
	}
	if g.chance(0.5) {
		out = append(out, g.pick("ASC", "DESC", "asc"))
	}
	if g.chance(0.4) {
		out = append(out, "COUNT", g.intArg(0, 4))
		if g.chance(0.3) {
			out = append(out, "ANY")
		}
	} else if g.chance(0.03) {
		out = append(out, "ANY")
	}
	if g.chance(0.02) {
		out = append(out, g.pick("BOGUS", "COUNT", "STORE"))
	}
	return out
}

func addGeoCommands(add func(family string, weight int, name string, fn func(g *gen) []string)) {
	G := famGeo
	cmd := cmd2
	add(G, 6, "GEOADD", func(g *gen) []string {
		args := cmd("GEOADD", g.key(G))
		for range g.between(0, 2) {
			args = append(args, g.pick("NX", "XX", "CH", "ch", "nx"))
		}
		for range g.between(1, 3) {
			long, lat := geoCoord(g)
			args = append(args, long, lat, geoMember(g))
		}
		return args
	})
	add(G, 2, "GEODIST", func(g *gen) []string {
		args := cmd("GEODIST", g.key(G), geoMember(g), geoMember(g))
		if g.chance(0.6) {
			args = append(args, geoUnitArg(g))
		}
		return args
	})
	add(G, 2, "GEOHASH", func(g *gen) []string {
		args := cmd("GEOHASH", g.key(G))
		for range g.between(0, 3) {
			args = append(args, geoMember(g))
		}
		return args
	})
	add(G, 2, "GEOPOS", func(g *gen) []string {
		args := cmd("GEOPOS", g.key(G))
		for range g.between(0, 3) {
			args = append(args, geoMember(g))
		}
		return args
	})
	from := func(g *gen) []string {
		if g.chance(0.5) {
			return []string{g.pick("FROMMEMBER", "frommember"), geoMember(g)}
		}
		long, lat := geoCoord(g)
		return []string{"FROMLONLAT", long, lat}
	}
	by := func(g *gen) []string {
		if g.chance(0.5) {
			return []string{g.pick("BYRADIUS", "byradius"), geoRadius(g), geoUnitArg(g)}
		}
		return []string{"BYBOX", geoRadius(g), geoRadius(g), geoUnitArg(g)}
	}
	search := func(g *gen, args []string, withs bool) []string {
		parts := [][]string{}
		if !g.chance(0.03) {
			parts = append(parts, from(g))
		}
		if !g.chance(0.03) {
			parts = append(parts, by(g))
		}
		parts = append(parts, geoSearchTail(g, withs))
		g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		for _, p := range parts {
			args = append(args, p...)
		}
		return args
	}
	add(G, 4, "GEOSEARCH", func(g *gen) []string { return search(g, cmd("GEOSEARCH", g.key(G)), true) })
	add(G, 2, "GEOSEARCHSTORE", func(g *gen) []string {
		args := search(g, cmd("GEOSEARCHSTORE", g.pick("g2", "gd", "gd"), g.key(G)), g.chance(0.05))
		return args
	})
	radius := func(name string, member, store bool) func(g *gen) []string {
		return func(g *gen) []string {
			args := cmd(name, g.key(G))
			if member {
				args = append(args, geoMember(g))
			} else {
				long, lat := geoCoord(g)
				args = append(args, long, lat)
			}
			args = append(args, geoRadius(g), geoUnitArg(g))
			args = append(args, geoSearchTail(g, !store || g.chance(0.05))...)
			if store {
				args = append(args, "STORE", g.pick("gd", "g2"))
			}
			return args
		}
	}
	add(G, 2, "GEORADIUS", func(g *gen) []string { return radius("GEORADIUS", false, g.chance(0.4))(g) })
	add(G, 1, "GEORADIUS_RO", func(g *gen) []string { return radius("GEORADIUS_RO", false, g.chance(0.05))(g) })
	add(G, 2, "GEORADIUSBYMEMBER", func(g *gen) []string { return radius("GEORADIUSBYMEMBER", true, g.chance(0.4))(g) })
	add(G, 1, "GEORADIUSBYMEMBER_RO", func(g *gen) []string {
		return radius("GEORADIUSBYMEMBER_RO", true, g.chance(0.05))(g)
	})
}
