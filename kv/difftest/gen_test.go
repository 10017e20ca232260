package difftest

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// The generator: a seeded stream of commands over every family, drawn from
// small key, field and member spaces so that commands collide (WRONGTYPE,
// existing members, expiring keys) and mixed with bad input (wrong arity,
// unknown options, non-numbers, out-of-range values). The stream depends on
// the seed only, never on replies, so a seed replays the same commands.

// Families, as the -difftest.families flag names them.
const (
	famString  = "string"
	famGeneric = "generic"
	famHash    = "hash"
	famList    = "list"
	famSet     = "set"
	famZSet    = "zset"
	famServer  = "server"
)

var allFamilies = []string{famString, famGeneric, famHash, famList, famSet, famZSet, famServer, famScript}

// Key pools: each data-type family works mostly on its own three keys and
// sometimes on any key (type clashes), the generic family on any key.
var keyPools = map[string][]string{
	famString: {"s1", "s2", "s3"},
	famHash:   {"h1", "h2", "h3"},
	famList:   {"l1", "l2", "l3"},
	famSet:    {"t1", "t2", "t3"},
	famZSet:   {"z1", "z2", "z3"},
}

// typedFamilies are the families that own a key pool.
var typedFamilies = []string{famString, famHash, famList, famSet, famZSet}

var allKeys = func() []string {
	var ks []string
	for _, f := range typedFamilies {
		ks = append(ks, keyPools[f]...)
	}
	return append(ks, "") // the empty key is a key like any other
}()

// Generator tuning.
const (
	// pForeignKey: probability that a family command picks a key from all
	// pools instead of its own (the WRONGTYPE and cross-type paths).
	pForeignKey = 0.06
	// pArityMutation: probability that a generated command loses or gains
	// arguments (wrong arity, syntax errors).
	pArityMutation = 0.02
	// pTx: probability of a MULTI/EXEC transaction of up to txMax commands.
	pTx   = 0.01
	txMax = 4
	// pUnknown: probability of a command name nobody knows.
	pUnknown = 0.003
	// pCaseMutation: probability that a command name is sent in lower or
	// mixed case.
	pCaseMutation = 0.03
	// pSleep: probability of a short real sleep between two commands, so
	// that keys with millisecond TTLs expire mid-sequence.
	pSleep = 0.006
	// sleepMsMax bounds one such sleep.
	sleepMsMax = 6
	// pBig: probability that a collection command writes enough elements
	// (or a long enough element) to leave Redis's compact encodings.
	pBig = 0.03
	// longLen is above every listpack value limit (64 bytes).
	longLen = 70
)

// Time tokens: arguments that are absolute times are generated as an offset
// and resolved against the command's clock just before it is sent, so a
// replay sends the same relative times.
const (
	tokenSec = "\x00Ts" // + offset in seconds from now
	tokenMs  = "\x00Tm" // + offset in milliseconds from now
)

func absSec(off int64) string { return tokenSec + strconv.FormatInt(off, 10) }
func absMs(off int64) string  { return tokenMs + strconv.FormatInt(off, 10) }

// resolveArgs replaces time tokens by absolute times against nowMs.
func resolveArgs(args []string, nowMs int64) [][]byte {
	out := make([][]byte, len(args))
	for i, a := range args {
		switch {
		case strings.HasPrefix(a, tokenSec):
			off, _ := strconv.ParseInt(a[len(tokenSec):], 10, 64)
			a = strconv.FormatInt(nowMs/1000+off, 10)
		case strings.HasPrefix(a, tokenMs):
			off, _ := strconv.ParseInt(a[len(tokenMs):], 10, 64)
			a = strconv.FormatInt(nowMs+off, 10)
		}
		out[i] = []byte(a)
	}
	return out
}

// step is one generated item: a command, or a sleep.
type step struct {
	args    []string
	sleepMs int
	// tx, when set, is a MULTI/EXEC transaction of these commands.
	tx [][]string
}

// cmdGen generates one command's arguments (name first).
type cmdGen struct {
	name   string // upper case
	family string
	weight int
	gen    func(g *gen) []string
}

// gen is one sequence's generator.
type gen struct {
	r     *rand.Rand
	cmds  []*cmdGen
	total int
}

func newGen(seed uint64, cmds []*cmdGen) *gen {
	g := &gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed5eed5eed5eed)), cmds: cmds}
	for _, c := range cmds {
		g.total += c.weight
	}
	return g
}

// next returns the next step of the sequence.
func (g *gen) next() step {
	switch p := g.r.Float64(); {
	case p < pSleep:
		return step{sleepMs: 1 + g.r.IntN(sleepMsMax)}
	case p < pSleep+pTx:
		tx := make([][]string, g.between(1, txMax))
		for i := range tx {
			tx[i] = g.command(true)
		}
		return step{tx: tx}
	case p < pSleep+pTx+pUnknown:
		return step{args: []string{g.pick("NOSUCHCMD", "get!", ""), g.key(famGeneric), "x"}}
	}
	args := g.command(false)
	if g.chance(pArityMutation) {
		if len(args) > 1 && g.chance(0.6) {
			args = args[:1+g.r.IntN(len(args)-1)]
		} else {
			args = append(args, g.pick("extra", "1", "WITHSCORES", "NX"))
		}
	}
	if g.chance(pCaseMutation) {
		name := []byte(args[0])
		for i, c := range name {
			if c >= 'A' && c <= 'Z' && (i == 0 || g.chance(0.5)) {
				name[i] = c + 32
			}
		}
		args[0] = string(name)
	}
	return step{args: args}
}

// command draws one command. In a transaction (inTx) only commands whose
// replies are compared exactly are drawn: an EXEC reply is compared as a
// whole.
func (g *gen) command(inTx bool) []string {
	for try := 0; ; try++ {
		n := g.r.IntN(g.total)
		var c *cmdGen
		for _, c = range g.cmds {
			if n < c.weight {
				break
			}
			n -= c.weight
		}
		if _, ruled := rules[c.name]; inTx && ruled && try < 100 {
			continue
		}
		return c.gen(g)
	}
}

// Small helpers.

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// between returns an integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func (g *gen) num(lo, hi int) string { return strconv.Itoa(g.between(lo, hi)) }

func (g *gen) key(family string) string {
	pool := keyPools[family]
	if pool == nil || g.chance(pForeignKey) {
		return allKeys[g.r.IntN(len(allKeys))]
	}
	return pool[g.r.IntN(len(pool))]
}

// keyPair returns a source and a destination key, usually of one pool so
// that renames do not spread every type over every pool.
func (g *gen) keyPair() []string {
	if g.chance(0.2) {
		return []string{g.key(famGeneric), g.key(famGeneric)}
	}
	pool := keyPools[typedFamilies[g.r.IntN(len(typedFamilies))]]
	return []string{pool[g.r.IntN(len(pool))], pool[g.r.IntN(len(pool))]}
}

func (g *gen) keys(family string, lo, hi int) []string {
	n := g.between(lo, hi)
	out := make([]string, n)
	for i := range out {
		out[i] = g.key(family)
	}
	return out
}

func (g *gen) long() string { return strings.Repeat("L", longLen) + g.num(0, 3) }

// Value spaces.
var (
	smallInts = []string{"0", "1", "2", "3", "5", "7", "10", "12", "-1", "-3", "100", "65535", "-70000"}
	oddInts   = []string{"007", "-0", "+1", " 1", "1 ", "0x10", "1e3", "9223372036854775807",
		"-9223372036854775808", "9223372036854775808", "-9223372036854775809", "4294967296"}
	floats = []string{"1.5", "-0.25", "3.0", "1e-5", "2.5e3", "0.1", "-1.1", "inf", "-inf", "+inf",
		"nan", "1.7976931348623157e308", ".5", "5.", "1e400", "0.30000000000000004", "-0", "0x10", "0x1p-2", "1e-400"}
	words = []string{"foo", "bar", "baz", "", "hello world", "a\r\nb", "\x00\xff", "abc", "Zz", "\xc3\xa9t\xc3\xa9"}
	// badInts are integer arguments Redis must reject (or accept at the edge).
	badInts = []string{"abc", "1.5", "", "99999999999999999999", "9223372036854775807",
		"-9223372036854775808", " 1", "0x1", "-"}
)

// value is any string value: numbers, floats, words, occasionally long.
func (g *gen) value() string {
	switch p := g.r.Float64(); {
	case p < 0.35:
		return g.pick(smallInts...)
	case p < 0.45:
		return g.pick(oddInts...)
	case p < 0.60:
		return g.pick(floats...)
	case p < 0.97:
		return g.pick(words...)
	default:
		return g.long()
	}
}

// intArg is a count, index or increment: usually in [lo, hi], sometimes bad.
func (g *gen) intArg(lo, hi int) string {
	if g.chance(0.08) {
		return g.pick(badInts...)
	}
	return g.num(lo, hi)
}

// floatArg is an increment or score-like float.
func (g *gen) floatArg() string {
	switch p := g.r.Float64(); {
	case p < 0.5:
		return g.num(-5, 10)
	case p < 0.9:
		return g.pick("1.5", "-0.5", "2.25", "0.1", "-3.75", "1e2", "3.0e-2", "10.5")
	default:
		return g.pick("inf", "-inf", "+inf", "nan", "abc", "", "1e400", "1.5.5", " 1", "0x1A")
	}
}

// ttlSec is a relative TTL in seconds.
func (g *gen) ttlSec() string {
	if g.chance(0.1) {
		return g.pick("0", "-1", "-100", "abc", "9223372036854775807", "9223372036854775", "1.5", "",
			"-9223372036854775808", "-9223372036854775", "9223372036854776")
	}
	return g.num(1, 100)
}

// ttlMs is a relative TTL in milliseconds, often short enough to expire
// during the sequence.
func (g *gen) ttlMs() string {
	switch p := g.r.Float64(); {
	case p < 0.3:
		return g.num(1, 25)
	case p < 0.9:
		return g.num(1000, 100000)
	default:
		return g.pick("0", "-1", "abc", "9223372036854775807", "9223372036854775806", "1.5",
			"-9223372036854775808", "-9223372036854775807")
	}
}

// atSec is an absolute Unix time in seconds, sometimes in the past.
func (g *gen) atSec() string {
	if g.chance(0.08) {
		return g.pick("0", "-1", "abc", "9223372036854775807", "1", "-9223372036854775808", "9223372036854775")
	}
	return absSec(int64(g.between(-10, 100)))
}

// atMs is an absolute Unix time in milliseconds, sometimes in the past,
// sometimes a few milliseconds ahead.
func (g *gen) atMs() string {
	switch p := g.r.Float64(); {
	case p < 0.08:
		return g.pick("0", "-1", "abc", "9223372036854775807", "1", "-9223372036854775808")
	case p < 0.3:
		return absMs(int64(g.between(-20, 25)))
	default:
		return absMs(int64(g.between(-5000, 100000)))
	}
}

// pattern is a glob for KEYS, SCAN MATCH and friends.
func (g *gen) pattern() string {
	return g.pick("*", "*", "s*", "h?", "?1", "[hl]*", "[^s]*", "*[2-3]", "z\\1", "[a-", "*1*", "t[1]", "nomatch", "",
		"\\*", "f*", "[!a]*", "a*", "?", "*\\", "[]]*", "[a-]*", "[\\]]*", "**", "?*?", "[z-a]*", "[^]*", "[", "\\", "*[", "L*", "x1*")
}

func (g *gen) scanTail(withType bool) []string {
	var out []string
	for range g.between(0, 2) {
		switch g.r.IntN(4) {
		case 0, 1:
			out = append(out, g.pick("MATCH", "match"), g.pattern())
		case 2:
			out = append(out, "COUNT", g.pick("1", "2", "3", "10", "100", "0", "-1", "abc"))
		default:
			if withType {
				out = append(out, "TYPE", g.pick("string", "hash", "list", "set", "zset", "none", "bogus", "STRING"))
			} else {
				out = append(out, g.pick("NOVALUES", "BOGUS"))
			}
		}
	}
	return out
}

func (g *gen) cursor() string {
	if g.chance(0.1) {
		return g.pick("abc", "-1", "1", "18446744073709551615", "18446744073709551616", " 0", "7")
	}
	return "0"
}
