package resp

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// SLOWLOG through go-redis: thresholds and lengths from CONFIG SET,
// entries as Redis 7.0 writes them (id, time, duration, arguments trimmed
// to 32 and 128 bytes each, client address and name, sensitive arguments
// redacted), GET's count, RESET, LEN, HELP and the errors.
func TestSlowlogGoRedis(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2, ClientName: "slowclient"})
	defer rdb.Close()

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := rdb.ConfigGet(ctx, "slowlog-*").Result()
	must(err)
	if got["slowlog-log-slower-than"] != "10000" || got["slowlog-max-len"] != "128" {
		t.Fatalf("defaults: %v", got)
	}
	if n, _ := rdb.SlowLogLen(ctx).Result(); n != 0 {
		t.Fatalf("SLOWLOG LEN of a new server = %d", n)
	}
	must(rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err())
	must(rdb.SlowLogReset(ctx).Err())
	must(rdb.Set(ctx, "k", "v", 0).Err())
	long := strings.Repeat("A", 129)
	must(rdb.SAdd(ctx, "set", "foo", long).Err())
	args := []interface{}{"sadd", "many"}
	for i := 3; i <= 33; i++ {
		args = append(args, i)
	}
	must(rdb.Do(ctx, args...).Err())
	must(rdb.ConfigSet(ctx, "requirepass", "").Err())

	entries, err := rdb.SlowLogGet(ctx, -1).Result()
	must(err)
	var cmds []string
	for _, e := range entries {
		cmds = append(cmds, strings.Join(e.Args, " "))
	}
	want := []string{
		"config set requirepass (redacted)",
		"sadd many 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 ... (2 more arguments)",
		"sadd set foo " + strings.Repeat("A", 128) + "... (1 more bytes)",
		"set k v",
		"slowlog reset",
	}
	if strings.Join(cmds, "\n") != strings.Join(want, "\n") {
		t.Fatalf("SLOWLOG GET -1 args:\n%s\nwant:\n%s", strings.Join(cmds, "\n"), strings.Join(want, "\n"))
	}
	for i, e := range entries {
		if e.ClientName != "slowclient" || !regexp.MustCompile(`^127\.0\.0\.1:\d+$`).MatchString(e.ClientAddr) {
			t.Errorf("entry %d: client %q name %q", i, e.ClientAddr, e.ClientName)
		}
		if i > 0 && e.ID != entries[i-1].ID-1 {
			t.Errorf("entry %d: id %d after %d (newest first, consecutive)", i, e.ID, entries[i-1].ID)
		}
		if e.Time.IsZero() || e.Duration < 0 {
			t.Errorf("entry %d: time %v duration %v", i, e.Time, e.Duration)
		}
	}
	if n, _ := rdb.SlowLogGet(ctx, 2).Result(); len(n) != 2 {
		t.Errorf("SLOWLOG GET 2 gave %d entries", len(n))
	}
	if n, _ := rdb.SlowLogGet(ctx, 0).Result(); len(n) != 0 {
		t.Errorf("SLOWLOG GET 0 gave %d entries", len(n))
	}

	// slowlog-max-len keeps the newest; lowering it trims at once.
	must(rdb.ConfigSet(ctx, "slowlog-max-len", "3").Err())
	for i := 0; i < 10; i++ {
		must(rdb.Ping(ctx).Err())
	}
	if n, _ := rdb.SlowLogLen(ctx).Result(); n != 3 {
		t.Errorf("SLOWLOG LEN with max-len 3 = %d", n)
	}
	// A high threshold logs nothing; -1 disables the log.
	for _, th := range []string{"100000000", "-1"} {
		must(rdb.ConfigSet(ctx, "slowlog-log-slower-than", th).Err())
		must(rdb.SlowLogReset(ctx).Err())
		must(rdb.Ping(ctx).Err())
		if n, _ := rdb.SlowLogLen(ctx).Result(); n != 0 {
			t.Errorf("threshold %s: SLOWLOG LEN = %d", th, n)
		}
	}
	for _, tc := range []struct {
		args []interface{}
		want string
	}{
		{[]interface{}{"slowlog", "get", "-2"}, "ERR count should be greater than or equal to -1"},
		{[]interface{}{"slowlog", "get", "x"}, "ERR count should be greater than or equal to -1"},
		{[]interface{}{"slowlog", "nosuch"}, "ERR unknown subcommand 'nosuch'. Try SLOWLOG HELP."},
		{[]interface{}{"slowlog", "get", "1", "2"}, "ERR unknown subcommand or wrong number of arguments for 'get'. Try SLOWLOG HELP."},
		{[]interface{}{"slowlog", "len", "x"}, "ERR wrong number of arguments for 'slowlog|len' command"},
		{[]interface{}{"slowlog"}, "ERR wrong number of arguments for 'slowlog' command"},
		{[]interface{}{"config", "set", "slowlog-log-slower-than", "-2"}, "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - argument must be between -1 and 9223372036854775807 inclusive"},
	} {
		if err := rdb.Do(ctx, tc.args...).Err(); err == nil || err.Error() != tc.want {
			t.Errorf("%v: got %v, want %q", tc.args, err, tc.want)
		}
	}
	help, err := rdb.Do(ctx, "slowlog", "help").StringSlice()
	must(err)
	if len(help) == 0 || !strings.HasPrefix(help[0], "SLOWLOG <subcommand>") {
		t.Errorf("SLOWLOG HELP: %q", help)
	}
}

// INFO latencystats reports Redis 7.0's percentile lines for the commands
// that ran, latency-tracking no empties it, and CONFIG RESETSTAT resets
// the distributions.
func TestLatencyStatsGoRedis(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2})
	defer rdb.Close()
	for i := 0; i < 20; i++ {
		if err := rdb.Set(ctx, "k", i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	info, err := rdb.Info(ctx, "latencystats").Result()
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r$`)
	if !strings.HasPrefix(info, "# Latencystats\r\n") || !line.MatchString(info) {
		t.Fatalf("INFO latencystats:\n%s", info)
	}
	if def, _ := rdb.Info(ctx).Result(); strings.Contains(def, "Latencystats") {
		t.Errorf("INFO (default) has latencystats")
	}
	if all, _ := rdb.Info(ctx, "all").Result(); !strings.Contains(all, "latency_percentiles_usec_set:") {
		t.Errorf("INFO all lacks latencystats")
	}
	// latency-tracking-info-percentiles, as unit/info (external:skip) tests it.
	if v, _ := rdb.ConfigGet(ctx, "latency-tracking-info-percentiles").Result(); v["latency-tracking-info-percentiles"] != "50 99 99.9" {
		t.Errorf("default percentiles %q", v)
	}
	if err := rdb.ConfigSet(ctx, "latency-tracking-info-percentiles", "0.0 50.0 100.0").Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := rdb.ConfigGet(ctx, "latency-tracking-info-percentiles").Result(); v["latency-tracking-info-percentiles"] != "0 50 100" {
		t.Errorf("percentiles %q", v)
	}
	info, _ = rdb.Info(ctx, "latencystats").Result()
	if !regexp.MustCompile(`latency_percentiles_usec_set:p0=\d+\.\d{3},p50=\d+\.\d{3},p100=\d+\.\d{3}\r\n`).MatchString(info) {
		t.Errorf("INFO latencystats with percentiles 0 50 100:\n%s", info)
	}
	for _, bad := range []struct{ v, want string }{
		{"10.0 50.0 a", "Invalid latency-tracking-info-percentiles parameters"},
		{"10.0 50.0 101.0", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
	} {
		err := rdb.ConfigSet(ctx, "latency-tracking-info-percentiles", bad.v).Err()
		if want := "ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - " + bad.want; err == nil || err.Error() != want {
			t.Errorf("CONFIG SET percentiles %q: %v, want %q", bad.v, err, want)
		}
	}
	if err := rdb.ConfigSet(ctx, "latency-tracking-info-percentiles", "50 99 99.9").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	info, _ = rdb.Info(ctx, "latencystats").Result()
	if strings.Contains(info, "latency_percentiles_usec_set:") {
		t.Errorf("after CONFIG RESETSTAT:\n%s", info)
	}
	if err := rdb.ConfigSet(ctx, "latency-tracking", "no").Err(); err != nil {
		t.Fatal(err)
	}
	rdb.Set(ctx, "k", 1, 0)
	info, _ = rdb.Info(ctx, "latencystats").Result()
	if strings.TrimSpace(info) != "# Latencystats" {
		t.Errorf("latency-tracking no: %q", info)
	}
	if v, _ := rdb.ConfigGet(ctx, "latency-tracking").Result(); v["latency-tracking"] != "no" {
		t.Errorf("CONFIG GET latency-tracking = %v", v)
	}
}

// The histogram's layout and percentiles are HdrHistogram's with 2
// significant digits over 1 ns .. 1 s, as Redis reports them.
func TestLatencyHistogram(t *testing.T) {
	for _, tc := range []struct {
		usec []int64
		want string
	}{
		{[]int64{1}, "p50=1.003,p99=1.003,p99.9=1.003"},
		{[]int64{0}, "p50=0.001,p99=0.001,p99.9=0.001"},
		{[]int64{1, 1, 1, 1, 1, 1, 1, 1, 1, 100}, "p50=1.003,p99=100.351,p99.9=100.351"},
		{[]int64{5_000_000}, "p50=1002438.655,p99=1002438.655,p99.9=1002438.655"}, // clamped to 1 s
		{[]int64{10, 20}, "p50=10.047,p99=20.095,p99.9=20.095"},
	} {
		var h latencyHist
		for _, u := range tc.usec {
			h.record(u)
		}
		if got, _ := h.field(defaultLatencyPercentiles); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.usec, got, tc.want)
		}
	}
	for v := int64(1); v <= latencyMaxNs; v = v*3 + 1 {
		i := latencyIndex(v)
		if hi := latencyHighest(i); hi < v || i < 0 || i >= latencyCounts {
			t.Fatalf("value %d: index %d, highest equivalent %d", v, i, hi)
		}
	}
}

// CLIENT LIST's memory fields: the read buffer (rbs, rbp, qbuf-free), the
// asking client's own command (argv-mem), MULTI's queued commands
// (multi-mem), and their sum (tot-mem).
func TestClientListMemory(t *testing.T) {
	ts := startServer(t, Config{})
	a, b := ts.dial(), ts.dial()
	b.do(respCmd("MULTI"))
	b.do(respCmd("SET", "key", "value")) // 3+3+5 bytes queued
	field := func(line, name string) int64 {
		m := regexp.MustCompile(` ` + name + `=(\d+)`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("no %s in %q", name, line)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	v, _, err := parseValue([]byte(a.do(respCmd("CLIENT", "LIST"))))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(v.str, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST: %q", lines)
	}
	self, other := lines[0], lines[1]
	if got := field(other, "multi-mem"); got != 11 {
		t.Errorf("multi-mem of a client with SET key value queued = %d, want 11", got)
	}
	if got := field(self, "argv-mem"); got != int64(len("CLIENT")+len("LIST")) {
		t.Errorf("argv-mem of CLIENT LIST's own line = %d", got)
	}
	for _, l := range lines {
		rbs, free := field(l, "rbs"), field(l, "qbuf-free")
		if rbs < readBufferSize || field(l, "rbp") < rbs || free > rbs || free <= 0 {
			t.Errorf("read buffer fields: %q", l)
		}
		if got, want := field(l, "tot-mem"), rbs+field(l, "argv-mem")+field(l, "multi-mem"); got != want {
			t.Errorf("tot-mem %d, want %d: %q", got, want, l)
		}
	}
	b.do(respCmd("DISCARD"))
	v, _, _ = parseValue([]byte(a.do(respCmd("CLIENT", "LIST"))))
	if got := field(strings.Split(v.str, "\n")[1], "multi-mem"); got != 0 {
		t.Errorf("multi-mem after DISCARD = %d", got)
	}
}

// TestCaptureSlowlog regenerates slowlog.resp (SLOWLOG's COMMAND INFO and
// COMMAND DOCS) from a redis-server 7.0.15:
//
//	go test ./kv/resp -run TestCaptureSlowlog -capture-redis 127.0.0.1:7106
func TestCaptureSlowlog(t *testing.T) {
	if *captureRedis == "" {
		t.Skip("needs -capture-redis")
	}
	replies := captureReplies(t, "COMMAND INFO slowlog\r\nCOMMAND DOCS slowlog\r\n", 2)
	if err := os.WriteFile("slowlog.resp", bytes.Join(replies, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

// blockedBLPOP logs every command in the slow log of the server at addr
// and blocks a client in BLPOP key 0; got receives what it pops. rdb is a
// second client; both close when the test ends.
func blockedBLPOP(t *testing.T, addr, key string) (rdb *redis.Client, got <-chan []string) {
	t.Helper()
	ctx := context.Background()
	rdb = redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	blk := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, ReadTimeout: -1})
	t.Cleanup(func() { blk.Close() })
	if err := rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan []string, 1)
	go func() {
		v, _ := blk.BLPop(ctx, 0, key).Result()
		ch <- v
	}()
	waitFor(t, "a blocked client", func() bool {
		info, _ := rdb.Info(ctx, "clients").Result()
		return strings.Contains(info, "blocked_clients:1\r\n")
	})
	return rdb, ch
}

// A blocking command is counted in latencystats and logged in the slow
// log once it is answered, with its arguments as the client sent them
// (unit/slowlog's "blocked BLPOP" case, unit/info's blocking latencystats).
func TestSlowlogBlocking(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	rdb, got := blockedBLPOP(t, ts.addr, "bl")
	if err := rdb.LPush(ctx, "bl", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if v := <-got; strings.Join(v, " ") != "bl x" {
		t.Fatalf("BLPOP got %q", v)
	}
	waitFor(t, "BLPOP in the slow log", func() bool {
		entries, _ := rdb.SlowLogGet(ctx, -1).Result()
		for _, e := range entries {
			if strings.Join(e.Args, " ") == "blpop bl 0" {
				return true
			}
		}
		return false
	})
	if info, _ := rdb.Info(ctx, "latencystats").Result(); !strings.Contains(info, "latency_percentiles_usec_blpop:p50=") {
		t.Errorf("INFO latencystats lacks blpop:\n%s", info)
	}
}

// A client served by a transaction's push is logged after the
// transaction's commands, a SLOWLOG RESET among them included, as Redis
// serves blocked clients after EXEC (unit/slowlog's "Rewritten commands
// are logged as their original command", whose last step failed when the
// served client's goroutine ran before the edge's SLOWLOG RESET).
func TestSlowlogBlockedAfterTransaction(t *testing.T) {
	// A transaction's Execute is held back after the machine ran it: the
	// window in which the clients its pushes served are woken, before
	// its edge commands run.
	ts := startServerHooked(t, nil, func(cmds []*kv.Cmd) {
		if len(cmds) == 1 && cmds[0].Tx != nil {
			time.Sleep(50 * time.Millisecond)
		}
	})
	ctx := context.Background()
	rdb, got := blockedBLPOP(t, ts.addr, "l")
	if _, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, "l", "foo")
		p.SlowLogReset(ctx)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if v := <-got; strings.Join(v, " ") != "l foo" {
		t.Fatalf("BLPOP got %q", v)
	}
	entries, err := rdb.SlowLogGet(ctx, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, strings.Join(e.Args, " "))
	}
	// Newest first: BLPOP, then the reset that EXEC ran before serving it.
	if len(names) < 2 || names[0] != "blpop l 0" || names[1] != "slowlog reset" {
		t.Fatalf("slow log after the transaction (newest first): %q, want [blpop l 0, slowlog reset, ...]", names)
	}
}
