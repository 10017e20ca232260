package difftest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"redraft/kv"
	_ "redraft/kv/resp" // installs the ACL key finder (Redis's key specifications)
)

// TestDiffACL compares the ACL model with redis-server: random ACL SETUSER
// rule strings (flags, passwords and hashes, key and channel patterns,
// commands, subcommands, first arguments, categories, selectors, resets
// and malformed rules), then ACL GETUSER, ACL LIST, ACL DRYRUN, ACL CAT,
// ACL DELUSER and the replies of commands run as a restricted user (the
// NOPERM errors), on Redis through a connection authenticated as that
// user and on kv as a kv.Cmd carrying it.
//
// Replies are compared byte for byte, with two normalisations where Redis
// itself does not fix the bytes: the single-command rules at the end of a
// user's command rules ("+get -set") come in the order of Redis's command
// hash table, which changes from run to run, so they are sorted on both
// sides; and ACL CAT <category> lists commands in that order too, so it is
// compared as a set, kv's extra commands (those Redis does not have, which
// Redis answers COMMAND INFO with a null for) left out.
func TestDiffACL(t *testing.T) {
	srv := startRedis(t)
	admin, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.close()
	seeds := []uint64{*flagSeed}
	if *flagSeed == 0 {
		seeds = seeds[:0]
		for i := range *flagSeeds {
			seeds = append(seeds, *flagBase+uint64(i))
		}
	}
	steps := max(*flagCmds/3, 40)
	extras := map[string]bool{}
	for _, s := range kv.Commands() {
		_, v, err := admin.exec(toBytes([]string{"COMMAND", "INFO", s.Name}))
		if err != nil {
			t.Fatal(err)
		}
		if len(v.elems) != 1 || v.elems[0].null || v.elems[0].kind == '_' {
			extras[s.Name] = true
		}
	}
	t.Logf("kv commands Redis does not have (left out of rule strings): %v", extras)
	for _, seed := range seeds {
		if msg := runACLSeed(t, srv.addr, admin, seed, steps, extras); msg != "" {
			t.Errorf("seed %d: %s\nreplay: go test ./kv/difftest -run 'TestDiffACL$' -seed %d -difftest.v", seed, msg, seed)
		}
	}
}

type aclRun struct {
	t      *testing.T
	extras map[string]bool // kv's commands Redis does not have
	admin  *client
	runner *client
	m      *kv.Machine
	r      *rand.Rand
}

func runACLSeed(t *testing.T, addr string, admin *client, seed uint64, steps int, extras map[string]bool) string {
	if _, err := admin.do("ACL", "DELUSER", "u1", "u2", "runner"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.do("FLUSHALL"); err != nil {
		t.Fatal(err)
	}
	runner, err := dialRedis(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer runner.close()
	a := &aclRun{t: t, extras: extras, admin: admin, runner: runner, m: kv.NewMachine(), r: rand.New(rand.NewPCG(seed, 0xAC1))}
	for _, setup := range [][]string{
		{"ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all"},
		{"ACL", "SETUSER", "runner", "on", "nopass", "-@all"},
	} {
		if msg := a.compare(setup, a.adminBoth(setup)); msg != "" {
			return msg
		}
	}
	if _, err := runner.do("AUTH", "runner", "any"); err != nil {
		t.Fatal(err)
	}
	for range steps {
		var args []string
		var msg string
		switch n := a.r.IntN(100); {
		case n < 35:
			args = a.setUser()
			msg = a.compare(args, a.adminBoth(args))
		case n < 45:
			args = []string{"ACL", "GETUSER", a.user()}
			msg = a.compareNormalized(args, a.adminBoth(args))
		case n < 50:
			args = []string{"ACL", "LIST"}
			msg = a.compareNormalized(args, a.adminBoth(args))
		case n < 65:
			args = append([]string{"ACL", "DRYRUN", a.user()}, a.dryRunCommand()...)
			msg = a.compare(args, a.adminBoth(args))
		case n < 90:
			args = a.runnerCommand()
			msg = a.compare(args, a.runnerBoth(args))
		case n < 93:
			args = []string{"ACL", "CAT"}
			msg = a.compare(args, a.adminBoth(args))
		case n < 97:
			args = []string{"ACL", "CAT", aclPick(a.r, "read", "write", "keyspace", "admin", "dangerous", "pubsub", "STRING", "connection", "scripting", "nosuch")}
			msg = a.compareCat(args)
		default:
			args = []string{"ACL", "DELUSER", aclPick(a.r, "u1", "u2", "nosuch"), aclPick(a.r, "u2", "default")}
			msg = a.compare(args, a.adminBoth(args))
		}
		if msg != "" {
			return msg
		}
	}
	return ""
}

func aclPick(r *rand.Rand, s ...string) string { return s[r.IntN(len(s))] }

func (a *aclRun) user() string { return aclPick(a.r, "u1", "u2", "runner", "default", "nosuch") }

type bothReplies struct {
	redis, kv []byte
	rv, kvv   value
}

func toBytes(args []string) [][]byte {
	b := make([][]byte, len(args))
	for i, s := range args {
		b[i] = []byte(s)
	}
	return b
}

func (a *aclRun) on(cl *client, user string, args []string) bothReplies {
	raw, rv, err := cl.exec(toBytes(args))
	if err != nil {
		a.t.Fatalf("redis: %v: %v", args, err)
	}
	redis := append([]byte(nil), raw...)
	w := kv.NewWriter(nil, 2)
	a.m.Exec(&kv.Cmd{Args: toBytes(args), Proto: 2, NowMs: nowMs(), User: user}, w)
	kvv, err := parseReply(w.Bytes())
	if err != nil {
		a.t.Fatalf("kv reply to %v does not parse: %v: %q", args, err, w.Bytes())
	}
	return bothReplies{redis: redis, kv: append([]byte(nil), w.Bytes()...), rv: rv, kvv: kvv}
}

func (a *aclRun) adminBoth(args []string) bothReplies  { return a.on(a.admin, "default", args) }
func (a *aclRun) runnerBoth(args []string) bothReplies { return a.on(a.runner, "runner", args) }

func (a *aclRun) compare(args []string, b bothReplies) string {
	if *flagVerbose {
		a.t.Logf("%q\n  redis %q\n  kv    %q", args, b.redis, b.kv)
	}
	if string(b.redis) != string(b.kv) {
		return fmt.Sprintf("%q:\n  redis %q\n  kv    %q", args, b.redis, b.kv)
	}
	return ""
}

func (a *aclRun) compareNormalized(args []string, b bothReplies) string {
	b.redis = []byte(normalizeACL(b.rv, a.extras).String())
	b.kv = []byte(normalizeACL(b.kvv, a.extras).String())
	return a.compare(args, b)
}

// compareCat compares ACL CAT <category> as sets, kv's own commands left
// out.
func (a *aclRun) compareCat(args []string) string {
	b := a.adminBoth(args)
	if b.rv.isError() || b.kvv.isError() {
		return a.compare(args, b)
	}
	var rs, ks []string
	for _, e := range b.rv.elems {
		rs = append(rs, e.str)
	}
	for _, e := range b.kvv.elems {
		if slices.Contains(rs, e.str) || a.redisKnows(e.str) {
			ks = append(ks, e.str)
		}
	}
	slices.Sort(rs)
	slices.Sort(ks)
	if !slices.Equal(rs, ks) {
		return fmt.Sprintf("%q:\n  redis %v\n  kv    %v", args, rs, ks)
	}
	return ""
}

// redisKnows reports whether Redis has a command (COMMAND INFO is not null).
func (a *aclRun) redisKnows(name string) bool {
	parent, _, _ := strings.Cut(name, "|")
	_, v, err := a.admin.exec(toBytes([]string{"COMMAND", "INFO", parent}))
	if err != nil {
		a.t.Fatal(err)
	}
	return len(v.elems) == 1 && !v.elems[0].null && v.elems[0].kind != '_'
}

// normalizeACL sorts the single-command rules of every rule string in v
// and drops those naming commands Redis does not have.
func normalizeACL(v value, extras map[string]bool) value {
	if v.kind == '$' && !v.null {
		v.str = normalizeRules(v.str, extras)
		return v
	}
	out := v
	out.elems = make([]value, len(v.elems))
	for i, e := range v.elems {
		out.elems[i] = normalizeACL(e, extras)
	}
	return out
}

// normalizeRules sorts each run of single-command rules ("+get", "-set",
// "+config|get") in a rule string; selectors are handled one by one.
func normalizeRules(s string, extras map[string]bool) string {
	s = strings.ReplaceAll(s, " (", " ( ")
	s = strings.ReplaceAll(s, ")", " )")
	var toks []string
	for _, tok := range strings.Split(s, " ") {
		name, _, _ := strings.Cut(tok, "|")
		if len(name) > 1 && (name[0] == '+' || name[0] == '-') && extras[name[1:]] {
			continue
		}
		toks = append(toks, tok)
	}
	single := func(t string) bool {
		return len(t) > 1 && (t[0] == '+' || t[0] == '-') && t[1] != '@'
	}
	for i := 0; i < len(toks); {
		if !single(toks[i]) {
			i++
			continue
		}
		j := i
		for j < len(toks) && single(toks[j]) {
			j++
		}
		slices.Sort(toks[i:j])
		i = j
	}
	s = strings.Join(toks, " ")
	s = strings.ReplaceAll(s, " ( ", " (")
	return strings.ReplaceAll(s, " )", ")")
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

var (
	aclCmdRules = []string{"get", "set", "del", "hset", "hget", "publish", "subscribe", "psubscribe", "config",
		"config|get", "config|set", "client|list", "client|kill", "select", "debug", "flushall", "keys", "scan",
		"eval", "lpush", "xadd", "acl", "acl|whoami", "acl|setuser", "ping", "info", "object|encoding", "exists",
		"mset", "incr", "sort", "lpush|x", "copy", "lmove", "getset", "sort_ro", "client", "object"}
	aclFirstArgs = []string{"select|0", "select|1", "get|app:1", "debug|object"}
	aclCats      = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
		"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous",
		"connection", "transaction", "scripting", "all"}
	aclKeyRules = []string{"~app:*", "~*", "%R~r:*", "%W~w:*", "%RW~rw:*", "%R~*", "%W~*", "%X~bad", "%R",
		"allkeys", "resetkeys", "%WR~app:*", "~app:1"}
	aclChanRules = []string{"&news.*", "&*", "&sports", "allchannels", "resetchannels"}
	aclPassRules = []string{">p1", ">p2", "<p1", "<nope", "#" + sha("p1"), "!" + sha("p2"), "nopass", "resetpass"}
	aclFlagRules = []string{"on", "off", "reset", "sanitize-payload", "skip-sanitize-payload", "ON"}
	// aclBadRules are invalid, each for another reason.
	aclBadRules = []string{"+nosuch", "-@nosuch", "+config|nosuch", "+object|freq|x", "%X~bad", "~a b", "&a b",
		"#ABC", "!" + sha("zz"), "<nope", "bogus", "+", "-@", "+select|", "~*x"}
)

// rule returns one random rule.
func (a *aclRun) rule() string {
	r := a.r
	switch n := r.IntN(100); {
	case n < 4:
		return aclBadRules[r.IntN(len(aclBadRules))]
	case n < 30:
		return aclPick(r, "+", "-") + aclCmdRules[r.IntN(len(aclCmdRules))]
	case n < 33:
		return "+" + aclFirstArgs[r.IntN(len(aclFirstArgs))]
	case n < 55:
		return aclPick(r, "+@", "-@") + aclCats[r.IntN(len(aclCats))]
	case n < 65:
		return aclKeyRules[r.IntN(len(aclKeyRules))]
	case n < 73:
		return aclChanRules[r.IntN(len(aclChanRules))]
	case n < 83:
		return aclPassRules[r.IntN(len(aclPassRules))]
	case n < 90:
		return aclFlagRules[r.IntN(len(aclFlagRules))]
	default:
		return aclPick(r, "allcommands", "nocommands", "clearselectors")
	}
}

// setUser returns a random ACL SETUSER command.
func (a *aclRun) setUser() []string {
	r := a.r
	target := aclPick(r, "u1", "u2", "runner", "runner", "default", "bad user")
	args := []string{"ACL", "SETUSER", target}
	for range r.IntN(6) + 1 {
		switch n := r.IntN(100); {
		case n < 7:
			// A selector, in one argument or spread over several.
			sel := []string{a.rule(), a.rule()}
			if r.IntN(2) == 0 {
				args = append(args, "("+strings.Join(sel, " ")+")")
			} else {
				args = append(args, "("+sel[0], sel[1]+")")
			}
		case n < 8:
			args = append(args, "(~unclosed")
		default:
			args = append(args, a.rule())
		}
	}
	if target == "default" {
		// Keep the admin connection able to run everything.
		args = append(args, "on", "nopass", "~*", "&*", "+@all")
	}
	return args
}

var aclRunnerCmds = [][]string{
	{"GET", "app:1"}, {"SET", "app:1", "v"}, {"SET", "w:1", "v"}, {"GET", "r:1"}, {"SET", "rw:1", "x"},
	{"GET", "rw:1"}, {"HSET", "app:h", "f", "v"}, {"DEL", "app:1", "other"}, {"PUBLISH", "news.1", "m"},
	{"PUBLISH", "sports", "m"}, {"EXISTS", "r:1"}, {"LPUSH", "app:l", "x"}, {"KEYS", "app:1"}, {"PING"},
	{"ECHO", "x"}, {"INCR", "app:n"}, {"MSET", "app:1", "a", "w:2", "b"}, {"GETSET", "w:1", "x"},
	{"COPY", "r:1", "w:9"}, {"OBJECT", "ENCODING", "app:1"}, {"OBJECT", "FREQ", "app:1"}, {"FLUSHALL"},
	{"SORT", "app:l", "ALPHA"}, {"LMOVE", "app:l", "w:l", "LEFT", "RIGHT"}, {"XADD", "app:s", "*", "f", "v"},
}

func (a *aclRun) runnerCommand() []string {
	c := aclRunnerCmds[a.r.IntN(len(aclRunnerCmds))]
	if c[0] == "XADD" || c[0] == "FLUSHALL" || c[0] == "OBJECT" && c[1] == "FREQ" {
		// Replies that differ for reasons other than ACL (stream IDs from
		// the clock, FLUSHALL of the admin's keys, the LFU policy): ask
		// for the permission only.
		return append([]string{"ACL", "DRYRUN", "runner"}, c...)
	}
	return c
}

var aclDryRunCmds = [][]string{
	{"SUBSCRIBE", "news.1"}, {"SUBSCRIBE", "news.1", "sports"}, {"PSUBSCRIBE", "news.*"}, {"PSUBSCRIBE", "*"},
	{"CONFIG", "GET", "x"}, {"CONFIG", "SET", "timeout", "0"}, {"CLIENT", "LIST"}, {"SELECT", "0"},
	{"SELECT", "1"}, {"DEBUG", "OBJECT", "x"}, {"NOSUCH"}, {"GET"}, {"CONFIG"}, {"CONFIG", "NOSUCH"},
	{"EVAL", "return 1", "1", "app:1"}, {"EVAL", "return 1", "1", "zz"}, {"ACL", "WHOAMI"}, {"AUTH", "a", "b"},
}

func (a *aclRun) dryRunCommand() []string {
	if a.r.IntN(2) == 0 {
		return aclRunnerCmds[a.r.IntN(len(aclRunnerCmds))]
	}
	return aclDryRunCmds[a.r.IntN(len(aclDryRunCmds))]
}
