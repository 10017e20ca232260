package difftest

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"redraft/kv"
)

var (
	flagSeed     = flag.Uint64("seed", 0, "difftest: run only this seed (replay)")
	flagSeeds    = flag.Int("difftest.seeds", 30, "difftest: number of seeds to run (soak: thousands)")
	flagBase     = flag.Uint64("difftest.base", 1, "difftest: first seed of the run")
	flagCmds     = flag.Int("difftest.cmds", 300, "difftest: commands per seed")
	flagFamilies = flag.String("difftest.families", "", "difftest: comma-separated families to generate (default: all; "+strings.Join(allFamilies, ",")+")")
	flagSkip     = flag.String("difftest.skip", "", "difftest: comma-separated commands not to generate")
	flagProto    = flag.Int("difftest.proto", 0, "difftest: force RESP version 2 or 3 (default: RESP3 for one seed in four)")
	flagVerbose  = flag.Bool("difftest.v", false, "difftest: log every command and both replies")
	flagBoundary = flag.Bool("difftest.boundary", false, "difftest: also send commands in the millisecond a key expires (see TestExpiryBoundary)")
)

const (
	// stateCheckEvery: the whole key space is compared every this many
	// commands and at the end of each sequence.
	stateCheckEvery = 50
	// historyLen: commands shown before a mismatch.
	historyLen = 25
	// seedAttempts: a mismatching seed is run again this many times in
	// total; it fails only if every attempt mismatches. Timing is the one
	// input a replay does not reproduce (a command straddling a millisecond
	// tick, a key expiring between two calls of a SCAN iteration).
	seedAttempts = 3
	// resp3OneIn: one seed in this many runs in RESP3.
	resp3OneIn = 4
	// msAlignMicros: a command is only sent in the first part of a
	// millisecond, so that it usually executes within the millisecond the kv
	// side is given as its clock.
	msAlignMicros = 600
)

// TestDiff runs seeded random command sequences against redis-server and
// kv.Machine and compares every reply. See doc.go.
func TestDiff(t *testing.T) {
	srv := startRedis(t)
	cl, err := dialRedis(srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.close)

	cmds, missing := enabledCommands(t, registered)
	if len(cmds) == 0 {
		t.Skip("no generated command is registered in kv yet")
	}
	t.Logf("generating %d commands; not registered in kv (skipped): %s", len(cmds), strings.Join(missing, " "))
	if extra := ungenerated(); len(extra) > 0 {
		t.Logf("registered in kv but not generated: %s", strings.Join(extra, " "))
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

// runSeeds runs every seed against Redis and other and reports each seed
// whose mismatch reproduces, then a summary by command.
func runSeeds(t *testing.T, cl *client, other side, cmds []*cmdGen, seeds []uint64) {
	failed := map[string][]uint64{}
	for _, seed := range seeds {
		var first *mismatch
		for attempt := range seedAttempts {
			r := &runner{t: t, cl: cl, other: other, seed: seed}
			mm := r.run(cmds, *flagCmds)
			if mm == nil {
				if first != nil {
					t.Logf("seed %d: mismatch did not reproduce on attempt %d (timing):\n%s", seed, attempt+1, first.format())
				}
				first = nil
				break
			}
			if first == nil {
				first = mm
			}
		}
		if first != nil {
			name := "(state check)"
			if first.args != nil {
				name = upperName(first.args[0])
			}
			failed[name] = append(failed[name], seed)
			if len(failed[name]) <= 2 {
				t.Errorf("seed %d: %s\nreplay: %s", seed, first.format(), replayCommand(t.Name(), seed))
			}
		}
	}
	if len(failed) > 0 {
		var lines []string
		for name, ss := range failed {
			lines = append(lines, fmt.Sprintf("%-18s %d seeds, first %d", name, len(ss), ss[0]))
		}
		sort.Strings(lines)
		t.Errorf("first mismatching command per failing seed:\n  %s", strings.Join(lines, "\n  "))
	}
}

// replayCommand is the go test invocation that replays one seed.
func replayCommand(test string, seed uint64) string {
	s := fmt.Sprintf("go test ./kv/difftest -run '%s$' -seed %d", test, seed)
	if test == "TestHarnessSelf" {
		s = fmt.Sprintf("go test ./kv/difftest -run '%s$' -difftest.base %d -difftest.selfseeds 1", test, seed)
	}
	if *flagCmds != 300 {
		s += fmt.Sprintf(" -difftest.cmds %d", *flagCmds)
	}
	if *flagFamilies != "" {
		s += " -difftest.families " + *flagFamilies
	}
	if *flagSkip != "" {
		s += " -difftest.skip " + *flagSkip
	}
	if *flagProto != 0 {
		s += fmt.Sprintf(" -difftest.proto %d", *flagProto)
	}
	if *flagBoundary {
		s += " -difftest.boundary"
	}
	return s + " -difftest.v"
}

// registered reports whether kv executes the command (an edge command, or
// a name kv does not know, is not generated).
func registered(name string) bool {
	if name == "SELECT" {
		return true // the driver plays the edge (gen_db_test.go)
	}
	s := kv.Lookup([]byte(name))
	return s != nil && s.Run != nil
}

// enabledCommands returns the generators of the enabled families whose
// commands the side under test has (kv: registered), and the names of the
// others.
func enabledCommands(t *testing.T, has func(name string) bool) (cmds []*cmdGen, missing []string) {
	fams := map[string]bool{}
	if *flagFamilies == "" {
		for _, f := range allFamilies {
			fams[f] = true
		}
	} else {
		for _, f := range strings.Split(*flagFamilies, ",") {
			if !slices.Contains(allFamilies, f) {
				t.Fatalf("unknown family %q (have %s)", f, strings.Join(allFamilies, ","))
			}
			fams[f] = true
		}
	}
	skip := map[string]bool{}
	for _, c := range strings.Split(*flagSkip, ",") {
		if c != "" {
			skip[strings.ToUpper(c)] = true
		}
	}
	for _, c := range commands() {
		switch {
		case !fams[c.family] || skip[c.name]:
		case !has(c.name):
			missing = append(missing, c.name)
		default:
			cmds = append(cmds, c)
		}
	}
	return cmds, missing
}

// ungenerated lists commands kv executes that the generator does not know.
func ungenerated() []string {
	known := map[string]bool{}
	for _, c := range commands() {
		known[c.name] = true
	}
	var out []string
	for _, s := range kv.Commands() {
		if s.Run != nil && !known[strings.ToUpper(s.Name)] {
			out = append(out, strings.ToUpper(s.Name))
		}
	}
	return out
}

// runner executes one seed's sequence on both sides.
type runner struct {
	t     *testing.T
	cl    *client
	other side
	seed  uint64
	proto uint8
	hist  []histEntry
	// straddled counts commands whose round trip crossed a millisecond tick.
	straddled int
	// boundaryWaits counts the times a command was held back because a key
	// expires in its millisecond.
	boundaryWaits int
	// maxSkewMs is the longest round trip past its millisecond so far: an
	// expiry set by such a command may differ by that much (ruleTTL).
	maxSkewMs int64
}

type histEntry struct {
	i         int
	args      [][]byte
	now       int64
	redis, kv []byte
}

// mismatch describes the first disagreement of a sequence.
type mismatch struct {
	seed      uint64
	proto     uint8
	index     int
	args      [][]byte
	redis, kv []byte
	why       string
	hist      []histEntry
	straddled int
}

func (m *mismatch) format() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RESP%d, command #%d: %s\n", m.proto, m.index, fmtArgs(m.args))
	fmt.Fprintf(&b, "  %s\n  redis: %q\n  kv:    %q\n", m.why, m.redis, m.kv)
	fmt.Fprintf(&b, "  (%d commands straddled a millisecond tick)\n  last commands:\n", m.straddled)
	for _, h := range m.hist {
		fmt.Fprintf(&b, "    #%d %s -> %q", h.i, fmtArgs(h.args), h.redis)
		if !bytes.Equal(h.redis, h.kv) {
			fmt.Fprintf(&b, " (kv %q)", h.kv)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// fmtArgs renders a command like redis-cli input.
func fmtArgs(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		s := string(a)
		if s == "" || strings.ContainsAny(s, " \"\\'\r\n\x00") || !isPrint(s) {
			s = strconv.Quote(s)
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}

func isPrint(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func nowMs() int64 { return time.Now().UnixMilli() }

// alignedNow waits, if needed, for the start of a millisecond and returns
// it, so that the command sent right after usually runs in that millisecond.
func alignedNow() int64 {
	for {
		now := time.Now()
		us := now.UnixMicro() % 1000
		if us < msAlignMicros {
			return now.UnixMilli()
		}
		// Spin: a timer sleep of a few hundred microseconds often
		// oversleeps past the next window.
		runtime.Gosched()
	}
}

// safeNow is alignedNow, skipping any millisecond in which a key expires
// (unless -difftest.boundary): in that millisecond Redis still shows the
// key and kv does not, a known difference (TestExpiryBoundary) that would
// otherwise make every sequence with short TTLs flaky.
func (r *runner) safeNow() int64 {
	for {
		t := alignedNow()
		if *flagBoundary || !r.onExpiryBoundary(t) {
			return t
		}
		r.boundaryWaits++
		for nowMs() == t {
			runtime.Gosched()
		}
	}
}

// onExpiryBoundary reports whether some key expires exactly at t, asking kv
// (in-process, read-only) one millisecond earlier, when the key is still live.
func (r *runner) onExpiryBoundary(t int64) bool {
	if !registered("PEXPIRETIME") {
		return false
	}
	for _, k := range allKeys {
		if at, ok := r.kvQueryAt([][]byte{[]byte("PEXPIRETIME"), []byte(k)}, t-1).int(); ok && at == t {
			return true
		}
	}
	return false
}

// run executes one sequence and returns its first mismatch, or nil.
func (r *runner) run(cmds []*cmdGen, n int) *mismatch {
	r.proto = 2
	if rand.New(rand.NewPCG(r.seed, 3)).IntN(resp3OneIn) == 0 {
		r.proto = 3
	}
	if *flagProto != 0 {
		r.proto = uint8(*flagProto)
	}
	r.mustRedis("HELLO", strconv.Itoa(int(r.proto)))
	r.mustRedis("FLUSHALL")
	r.mustRedis("SELECT", "0")
	resetScripts(r)  // gen_script_test.go
	resetEncoding(r) // gen_encoding_test.go
	r.other.reset(r.proto)
	g := newGen(r.seed, cmds)

	for i := 0; i < n; i++ {
		st := g.next()
		if st.sleepMs > 0 {
			time.Sleep(time.Duration(st.sleepMs) * time.Millisecond)
			continue
		}
		if st.tx != nil {
			if mm := r.stepTx(i, st.tx); mm != nil {
				return mm
			}
		} else if mm := r.step(i, st.args); mm != nil {
			return mm
		}
		if (i+1)%stateCheckEvery == 0 || i == n-1 {
			if d := r.checkState(); d != "" {
				return r.fail(i, nil, nil, nil, "after command: "+d)
			}
		}
	}
	if d := r.checkAllDatabases(); d != "" {
		return r.fail(n-1, nil, nil, nil, "at the end: "+d)
	}
	return nil
}

func (r *runner) fail(i int, args [][]byte, redis, kvr []byte, why string) *mismatch {
	return &mismatch{seed: r.seed, proto: r.proto, index: i, args: args, redis: redis, kv: kvr,
		why: why, hist: slices.Clone(r.hist), straddled: r.straddled}
}

// step runs one generated command on both sides and compares.
func (r *runner) step(i int, gargs []string) *mismatch {
	// Read what the comparison needs of the state before the command
	// (key names are never time tokens, so the generated form will do).
	var pre *snapshotColl
	if ru, ok := rules[upperName([]byte(gargs[0]))]; ok && ru.kind == rulePop && len(gargs) > 1 {
		pre = r.collection(ru.coll, resolveArgs(gargs, 0))
	}
	lexUndefined, lexDst := r.lexUndefined(gargs)
	now := r.safeNow()
	args := resolveArgs(gargs, now)
	raw, rv, err := r.cl.exec(args)
	if err != nil {
		r.t.Fatalf("redis: %s: %v", fmtArgs(args), err)
	}
	rraw := bytes.Clone(raw)
	end := nowMs()
	if end != now {
		r.straddled++
		r.maxSkewMs = max(r.maxSkewMs, end-now)
	}
	kraw := r.kvExec(args, now)
	// A read-only command that straddled a tick may have run in any
	// millisecond of [now, end] on Redis: kv may match at any of them.
	if spec := kv.Lookup(args[0]); end != now && spec != nil && !spec.IsWrite() && !bytes.Equal(kraw, rraw) {
		for at := now + 1; at <= end && at < now+maxWindowMs; at++ {
			if alt := r.kvExec(args, at); bytes.Equal(alt, rraw) {
				kraw = alt
				break
			}
		}
	}
	r.hist = append(r.hist, histEntry{i: i, args: args, now: now, redis: rraw, kv: kraw})
	if len(r.hist) > historyLen {
		r.hist = r.hist[1:]
	}
	if *flagVerbose {
		r.t.Logf("#%d @%d %s\n  redis: %q\n  kv:    %q", i, now, fmtArgs(args), rraw, kraw)
	}
	kvv, perr := parseReply(kraw)
	if perr != nil {
		return r.fail(i, args, rraw, kraw, "kv reply is not one valid RESP reply: "+perr.Error())
	}
	s := &sides{args: args, redis: rv, kv: kvv, rraw: rraw, kvraw: kraw}
	if lexUndefined && !rv.isError() && !kvv.isError() {
		// Redis's answer is an accident of its skiplist levels (see
		// lexUndefined): same reply type is all it guarantees. Then take
		// over what Redis wrote.
		if rv.kind != kvv.kind {
			return r.fail(i, args, rraw, kraw, "reply types differ (lex range over unequal scores)")
		}
		if lexDst != "" {
			if d := r.resyncKey(lexDst); d != "" {
				return r.fail(i, args, rraw, kraw, d)
			}
		}
		return nil
	}
	if d := r.compareReplies(s, pre); d != "" {
		return r.fail(i, args, rraw, kraw, d)
	}
	return nil
}

// stepTx runs a MULTI/EXEC transaction on both sides and compares the
// EXEC replies exactly (transactions hold only exactly-compared commands).
func (r *runner) stepTx(i int, gcmds [][]string) *mismatch {
	now := r.safeNow()
	cmds := make([][][]byte, len(gcmds))
	for j, c := range gcmds {
		cmds[j] = resolveArgs(c, now)
	}
	display := [][]byte{[]byte("MULTI/EXEC")}
	for _, c := range cmds {
		display = append(display, []byte("["+fmtArgs(c)+"]"))
	}
	r.redisQuery("MULTI")
	for _, c := range cmds {
		if v := r.redisQueryB(c); v.kind != '+' || v.str != "QUEUED" {
			// Rejected at queue time (the edge's job): EXEC aborts, nothing runs.
			r.redisQuery("EXEC")
			return nil
		}
	}
	raw, _, err := r.cl.exec([][]byte{[]byte("EXEC")})
	if err != nil {
		r.t.Fatalf("redis: EXEC: %v", err)
	}
	rraw := bytes.Clone(raw)
	if end := nowMs(); end != now {
		r.straddled++
		r.maxSkewMs = max(r.maxSkewMs, end-now)
	}
	kraw := r.other.execTx(cmds, now)
	r.hist = append(r.hist, histEntry{i: i, args: display, now: now, redis: rraw, kv: kraw})
	if len(r.hist) > historyLen {
		r.hist = r.hist[1:]
	}
	if *flagVerbose {
		r.t.Logf("#%d @%d %s\n  redis: %q\n  kv:    %q", i, now, fmtArgs(display), rraw, kraw)
	}
	if !bytes.Equal(rraw, kraw) && !(txHasObject(cmds) && bytes.Equal(alikeStringEncodings(rraw), alikeStringEncodings(kraw))) {
		return r.fail(i, display, rraw, kraw, "EXEC replies differ")
	}
	return nil
}

// kvExec runs one command on the side under test.
func (r *runner) kvExec(args [][]byte, now int64) []byte { return r.other.exec(args, now) }

// side is the implementation compared with Redis: kv.Machine in TestDiff,
// a second redis-server in TestHarnessSelf.
type side interface {
	// reset empties the side and switches it to RESP version proto.
	reset(proto uint8)
	// exec runs one command with clock now (Unix ms) and returns its reply.
	exec(args [][]byte, now int64) []byte
	// execTx runs a MULTI/EXEC transaction and returns EXEC's reply.
	execTx(cmds [][][]byte, now int64) []byte
}

// kvSide runs commands on an in-process kv.Machine.
type kvSide struct {
	m     *kv.Machine
	proto uint8
	seed  uint64
	db    int // the SELECTed database, as the edge keeps it
}

func (k *kvSide) reset(proto uint8) {
	k.m = kv.NewMachine()
	k.proto = proto
	k.db = 0
}

// exec runs one command on the machine; a panic becomes an error reply that
// cannot match Redis's.
func (k *kvSide) exec(args [][]byte, now int64) (out []byte) {
	if reply, ok := edgeSelect(args, &k.db, k.proto); ok {
		return reply
	}
	if reply, ok := edgeConfigEncoding(k, args, now); ok { // gen_encoding_test.go
		return reply
	}
	k.seed++
	w := kv.NewWriter(nil, int(k.proto))
	defer func() {
		if p := recover(); p != nil {
			out = []byte(fmt.Sprintf("-KVPANIC %v\r\n", p))
		}
	}()
	// The machine borrows its arguments for one call: hand it a copy so a
	// bug that keeps them cannot corrupt the caller's history.
	cp := make([][]byte, len(args))
	for i, a := range args {
		cp[i] = bytes.Clone(a)
	}
	k.m.Exec(&kv.Cmd{Args: cp, NowMs: now, Seed: k.seed * 0x9E3779B97F4A7C15, Proto: k.proto, DB: k.db}, w)
	return w.Bytes()
}

// execTx runs a transaction through the machine's EXEC path.
func (k *kvSide) execTx(cmds [][][]byte, now int64) (out []byte) {
	k.seed++
	w := kv.NewWriter(nil, int(k.proto))
	defer func() {
		if p := recover(); p != nil {
			out = []byte(fmt.Sprintf("-KVPANIC %v\r\n", p))
		}
	}()
	cp := make([][][]byte, len(cmds))
	for i, c := range cmds {
		for _, a := range configEncodingArgs(c) { // gen_encoding_test.go
			cp[i] = append(cp[i], bytes.Clone(a))
		}
	}
	k.m.Exec(&kv.Cmd{Args: [][]byte{[]byte("EXEC")}, NowMs: now, Seed: k.seed * 0x9E3779B97F4A7C15,
		Proto: k.proto, DB: k.db, Tx: &kv.Tx{Cmds: cp}}, w)
	followTxSelects(cp, w.Bytes(), &k.db)
	return w.Bytes()
}

// redisQuery runs a helper query on Redis and returns the decoded reply.
func (r *runner) redisQuery(args ...string) value {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return r.redisQueryB(b)
}

func (r *runner) redisQueryB(args [][]byte) value {
	_, v, err := r.cl.exec(args)
	if err != nil {
		r.t.Fatalf("redis: %s: %v", fmtArgs(args), err)
	}
	return v
}

func (r *runner) mustRedis(args ...string) {
	if v := r.redisQuery(args...); v.isError() {
		r.t.Fatalf("redis: %q: %s", args, v.str)
	}
}

// kvQuery runs a helper command on kv at the current time.
func (r *runner) kvQuery(args ...string) value {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	return r.kvQueryB(b)
}

func (r *runner) kvQueryB(args [][]byte) value { return r.kvAt(nowMs())(args) }

// kvAt returns a query function that runs commands on kv at clock now.
func (r *runner) kvAt(now int64) func([][]byte) value {
	return func(args [][]byte) value { return r.kvQueryAt(args, now) }
}

func (r *runner) kvQueryAt(args [][]byte, now int64) value {
	raw := r.kvExec(args, now)
	v, err := parseReply(raw)
	if err != nil {
		return value{kind: '-', str: "kv reply is not valid RESP: " + strconv.Quote(string(raw))}
	}
	return v
}
