package resp

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// TestTrackingTranscripts: CLIENT TRACKING's replies and invalidation
// messages, byte for byte (the bytes redis-server 7.0.15 sends for the
// same sequence).
func TestTrackingTranscripts(t *testing.T) {
	ts := startServer(t, Config{})
	a, w := ts.dial(), ts.dial()
	r := bufio.NewReader(a.nc)
	read := func(n int) string {
		t.Helper()
		a.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, n)
		if _, err := ioReadFull(r, buf); err != nil {
			t.Fatalf("read: %v (%q)", err, buf)
		}
		return string(buf)
	}
	expect := func(want string) {
		t.Helper()
		if got := read(len(want)); got != want {
			t.Fatalf("got  %q\nwant %q", got, want)
		}
	}
	a.send("HELLO 3\r\n")
	a.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.ReadString('\n'); err != nil { // the HELLO map header
		t.Fatal(err)
	}
	for i := 0; i < 14; i++ { // its 7 pairs
		line, _ := r.ReadString('\n')
		if line[0] == '$' {
			r.ReadString('\n')
		}
		if line[0] == '*' { // modules: empty array
			continue
		}
	}
	// Default mode: a key read is invalidated once, by a write of another
	// connection; a key not read is not.
	a.send("CLIENT TRACKING on\r\nSET k1 v\r\nGET k1\r\nMGET k2 k3\r\n")
	expect("+OK\r\n+OK\r\n$1\r\nv\r\n*2\r\n_\r\n_\r\n")
	w.do("SET k1 x\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n")
	w.do("SET k1 y\r\n") // not read again: nothing
	w.do("MSET k9 1 k3 1\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk3\r\n")
	a.send("CLIENT TRACKINGINFO\r\nCLIENT GETREDIR\r\n")
	expect("%3\r\n$5\r\nflags\r\n~1\r\n$2\r\non\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n:0\r\n")
	// FLUSHALL: a null invalidation.
	w.do("FLUSHALL\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n_\r\n")
	// Errors, in Redis's order and texts.
	a.send("CLIENT TRACKING on BCAST\r\nCLIENT TRACKING on PREFIX a\r\nCLIENT TRACKING on OPTIN OPTOUT\r\nCLIENT TRACKING on REDIRECT 999999\r\nCLIENT TRACKING maybe\r\nCLIENT TRACKING on FOO\r\nCLIENT CACHING yes\r\n")
	expect("-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n" +
		"-ERR PREFIX option requires BCAST mode to be enabled\r\n" +
		"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n" +
		"-ERR The client ID you want redirect to does not exist\r\n" +
		"-ERR syntax error\r\n-ERR syntax error\r\n" +
		"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n")
	// BCAST with prefixes: one message per prefix for a command's keys.
	a.send("CLIENT TRACKING off\r\nCLIENT TRACKING on BCAST PREFIX a: PREFIX b:\r\nCLIENT TRACKING on BCAST PREFIX a:x\r\n")
	expect("+OK\r\n+OK\r\n-ERR Prefix 'a:x' overlaps with an existing prefix 'a:'. Prefixes for a single client must not overlap.\r\n")
	w.do("MSET a:1 1 b:1 1 c:1 1 a:2 2\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*2\r\n$3\r\na:1\r\n$3\r\na:2\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\nb:1\r\n")
	// OPTIN: only the read after CLIENT CACHING yes is remembered.
	a.send("CLIENT TRACKING off\r\nCLIENT TRACKING on OPTIN\r\nGET o1\r\nCLIENT CACHING yes\r\nGET o2\r\nGET o3\r\n")
	expect("+OK\r\n+OK\r\n_\r\n+OK\r\n_\r\n_\r\n")
	w.do("MSET o1 1 o2 2 o3 3\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\no2\r\n")
	a.send("CLIENT TRACKINGINFO\r\n")
	expect("%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\noptin\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n")
	// Reads queued in MULTI are remembered when EXEC runs them; OPTOUT
	// remembers every read but the one after CLIENT CACHING no.
	a.send("CLIENT TRACKING off\r\nCLIENT TRACKING on\r\nMULTI\r\nGET m1\r\nSET m2 x\r\nEXEC\r\n")
	expect("+OK\r\n+OK\r\n+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n_\r\n+OK\r\n")
	w.do("MSET m1 1 m2 2\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nm1\r\n")
	a.send("CLIENT TRACKING off\r\nCLIENT TRACKING on OPTOUT\r\nCLIENT CACHING no\r\nGET p1\r\nGET p2\r\n")
	expect("+OK\r\n+OK\r\n+OK\r\n_\r\n_\r\n")
	w.do("MSET p1 1 p2 2\r\n")
	expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\np2\r\n")
	// RESET turns tracking off.
	a.send("RESET\r\nCLIENT TRACKINGINFO\r\n")
	expect("+RESET\r\n*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n")
}

// TestTrackingRedirect: RESP2 invalidations go to a connection subscribed
// to __redis__:invalidate; once it is gone a RESP3 client hears
// tracking-redir-broken.
func TestTrackingRedirect(t *testing.T) {
	ts := startServer(t, Config{})
	sub, c, w := ts.dial(), ts.dial(), ts.dial()
	id := strings.TrimSuffix(strings.TrimPrefix(sub.do("CLIENT ID\r\n"), ":"), "\r\n")
	sub.do("SUBSCRIBE __redis__:invalidate\r\n")
	if got := c.do("CLIENT TRACKING on REDIRECT " + id + "\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c.do("GET r1\r\n")
	if got := c.do("CLIENT GETREDIR\r\n"); got != ":"+id+"\r\n" {
		t.Fatalf("GETREDIR %q", got)
	}
	w.do("SET r1 1\r\n")
	sub.expect("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nr1\r\n")

	d := ts.dial()
	d.do("HELLO 3\r\n")
	e := ts.dial()
	eid := strings.TrimSuffix(strings.TrimPrefix(e.do("CLIENT ID\r\n"), ":"), "\r\n")
	if got := d.do("CLIENT TRACKING on REDIRECT " + eid + "\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	d.do("GET r2\r\n")
	e.nc.Close()
	// The redirection breaks when the target's serve loop ends; CLIENT
	// LIST hides a connection its client closed a little earlier (it
	// peeks at the socket), so wait for the loop itself.
	n, _ := strconv.ParseInt(eid, 10, 64)
	waitFor(t, "the redirection's close", func() bool { return ts.srv.connByID(n) == nil })
	w.do("SET r2 1\r\n")
	d.expect(">2\r\n$21\r\ntracking-redir-broken\r\n:" + eid + "\r\n")
	if got := d.do("CLIENT TRACKINGINFO\r\n"); !strings.Contains(got, "broken_redirect") {
		t.Fatalf("TRACKINGINFO %q", got)
	}
	if got := w.do("CLIENT LIST\r\n"); !strings.Contains(got, "flags=tR ") {
		t.Fatalf("CLIENT LIST %q", got)
	}
}

// TestTrackingRedirectResp3Target: a RESP3 redirection target that never
// subscribed hears the invalidations as push messages while it waits in
// read, with CLIENT REPLY OFF too, and after a blocking command it was
// inside; its own replies keep their order around them.
func TestTrackingRedirectResp3Target(t *testing.T) {
	ts := startServer(t, Config{})
	e, c, w := ts.dial(), ts.dial(), ts.dial()
	e.do("HELLO 3\r\n")
	eid := strings.TrimSuffix(strings.TrimPrefix(e.do("CLIENT ID\r\n"), ":"), "\r\n")
	if got := c.do("CLIENT TRACKING on REDIRECT " + eid + "\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	c.do("GET k1\r\n")
	w.do("SET k1 1\r\n")
	e.expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n")
	if got := e.do("PING\r\n"); got != "+PONG\r\n" {
		t.Fatalf("PING after the push: %q", got)
	}
	// CLIENT REPLY OFF silences replies, not invalidations (Redis's
	// "RESP3 based basic redirect invalidation with client reply off").
	e.send("CLIENT REPLY OFF\r\n")
	c.do("GET k2\r\n")
	w.do("SET k2 1\r\n")
	e.expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk2\r\n")
	e.send("CLIENT REPLY ON\r\n")
	e.expect("+OK\r\n")

	// A second target, busy in BLPOP when the first message comes: it
	// hears it once BLPOP answered.
	f := ts.dial()
	f.do("HELLO 3\r\n")
	fid := strings.TrimSuffix(strings.TrimPrefix(f.do("CLIENT ID\r\n"), ":"), "\r\n")
	if got := c.do("CLIENT TRACKING on REDIRECT " + fid + "\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	f.send("BLPOP l 0\r\n")
	waitFor(t, "BLPOP to block", func() bool { return strings.Contains(w.do("INFO clients\r\n"), "blocked_clients:1") })
	c.do("GET k3\r\n")
	w.do("SET k3 1\r\n")
	w.do("RPUSH l x\r\n")
	f.expect("*2\r\n$1\r\nl\r\n$1\r\nx\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk3\r\n")
	if got := f.do("PING\r\n"); got != "+PONG\r\n" {
		t.Fatalf("PING after the push: %q", got)
	}
}

// TestTrackingTableLimit: past tracking-table-max-keys keys are forgotten,
// each with an invalidation, and INFO counts what is left.
func TestTrackingTableLimit(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	ctl := redis.NewClient(&redis.Options{Addr: ts.addr})
	defer ctl.Close()
	if err := ctl.ConfigSet(ctx, "tracking-table-max-keys", "10").Err(); err != nil {
		t.Fatal(err)
	}
	raw := ts.dial()
	raw.do("HELLO 3\r\n")
	raw.send("CLIENT TRACKING on\r\n")
	for i := 0; i < 30; i++ {
		raw.send("GET key" + itoa(i) + "\r\n")
	}
	// 1 +OK, 30 nulls, and 20 invalidations of forgotten keys among them.
	got := raw.readN(1<<20, time.Second)
	if n := strings.Count(got, "invalidate"); n != 20 {
		t.Fatalf("%d invalidations, want 20: %q", n, got)
	}
	info := ctl.Info(ctx, "stats", "clients").Val()
	if infoField(info, "tracking_total_keys") != "10" || infoField(info, "tracking_total_items") != "10" || infoField(info, "tracking_clients") != "1" {
		t.Fatalf("INFO: %q", info)
	}
	// A lower limit applies at once, with no read needed.
	if err := ctl.ConfigSet(ctx, "tracking-table-max-keys", "4").Err(); err != nil {
		t.Fatal(err)
	}
	got = raw.readN(1<<20, time.Second)
	if n := strings.Count(got, "invalidate"); n != 6 {
		t.Fatalf("after CONFIG SET tracking-table-max-keys 4: %q", got)
	}
	if v := infoField(ctl.Info(ctx, "stats").Val(), "tracking_total_keys"); v != "4" {
		t.Fatalf("tracking_total_keys %s, want 4", v)
	}
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// dialTracking opens a RESP3 connection with CLIENT TRACKING on and the
// options opts.
func (ts *testServer) dialTracking(opts string) *client {
	ts.t.Helper()
	a := ts.dial()
	a.send("HELLO 3\r\n")
	a.reply()
	a.send("CLIENT TRACKING on" + opts + "\r\n")
	if got := a.reply(); got != "+OK\r\n" {
		ts.t.Fatalf("CLIENT TRACKING on%s: %q", opts, got)
	}
	return a
}

// A write applied while a tracking client's read is under way is
// invalidated after the read's reply, as Redis orders them. Before, the
// invalidation reached the client first: a write after the read ran left
// a client that caches every reply with the stale value for good, and a
// write before it (between the edge's registration of the key and the
// read) had the key forgotten while the client cached the newer value, so
// the next change went unreported. A write before the read is not
// reported at all in default mode (the reply shows it; the key stays
// tracked), as in Redis, where nothing runs between the two. Default mode
// and BCAST.
func TestTrackingInvalidationAfterReply(t *testing.T) {
	var gate struct {
		sync.Mutex
		before, after bool
	}
	ran := make(chan struct{}) // a held read is at its hook
	var hold chan struct{}     // closed: the held read goes on
	held := func(cmds []*kv.Cmd) bool {
		return len(cmds) == 1 && strings.EqualFold(string(cmds[0].Args[0]), "GET") && string(cmds[0].Args[1]) == "heldkey"
	}
	hook := func(at *bool) func([]*kv.Cmd) {
		return func(cmds []*kv.Cmd) {
			gate.Lock()
			on := *at
			gate.Unlock()
			if on && held(cmds) {
				ran <- struct{}{}
				<-hold
			}
		}
	}
	ts := startServerHooked(t, hook(&gate.before), hook(&gate.after))
	w := ts.dial()
	invalidation := ">2\r\n$10\r\ninvalidate\r\n*1\r\n$7\r\nheldkey\r\n"
	for _, mode := range []string{"", " BCAST"} {
		for _, when := range []string{"before", "after"} {
			a := ts.dialTracking(mode)
			w.do("SET heldkey old\r\n")
			if mode == " BCAST" { // every change, read or not
				if got := a.readN(len(invalidation), 5*time.Second); got != invalidation {
					t.Fatalf("BCAST: SET heldkey old: got %q, want %q", got, invalidation)
				}
			}
			gate.Lock()
			gate.before, gate.after = when == "before", when == "after"
			gate.Unlock()
			hold = make(chan struct{})
			a.send("GET heldkey\r\n")
			<-ran
			w.do("SET heldkey new\r\n")
			close(hold)
			want := "$3\r\nold\r\n" + invalidation
			switch {
			case when == "before" && mode == "":
				// The reply shows the change: its invalidation is
				// taken back and the key tracked again (readRuns).
				want = "$3\r\nnew\r\n+PONG\r\n"
				a.send("PING\r\n")
			case when == "before":
				want = "$3\r\nnew\r\n" + invalidation
			}
			if got := a.readN(len(want), 5*time.Second); got != want {
				t.Fatalf("tracking%s, a write %s the read ran: the reply and the invalidation\ngot  %q\nwant %q", mode, when, got, want)
			}
			gate.Lock()
			gate.before, gate.after = false, false
			gate.Unlock()
			if when == "before" && mode == "" {
				// The key is still tracked: the next change is reported.
				w.do("SET heldkey newer\r\n")
				if got := a.readN(len(invalidation), 5*time.Second); got != invalidation {
					t.Fatalf("the next change: got %q, want %q", got, invalidation)
				}
			}
			if when == "after" && mode == " BCAST" {
				// Past maxHeldInvalidations the held messages are one
				// null invalidation: drop everything.
				gate.Lock()
				gate.after = true
				gate.Unlock()
				hold = make(chan struct{})
				a.send("GET heldkey\r\n")
				<-ran
				var mset strings.Builder
				for i := 0; i <= maxHeldInvalidations; i++ {
					fmt.Fprintf(&mset, "SET k%d v\r\n", i)
				}
				w.send(mset.String())
				oks := strings.Repeat("+OK\r\n", maxHeldInvalidations+1)
				if got := w.readN(len(oks), 5*time.Second); got != oks {
					close(hold)
					t.Fatalf("SETs: %q", got)
				}
				close(hold)
				want := "$3\r\nnew\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n"
				if got := a.readN(len(want), 5*time.Second); got != want {
					t.Fatalf("BCAST, %d changes during a read: got %q, want %q", maxHeldInvalidations+1, got, want)
				}
			}
			a.nc.Close()
		}
	}
}

// NOLOOP: a client hears of the changes of others, not of its own (its
// writes, its transactions, its scripts), in default mode and in BCAST;
// a key it changed is forgotten for it all the same (it must read it
// again to hear of the next change).
func TestTrackingNoloop(t *testing.T) {
	ts := startServer(t, Config{})
	w := ts.dial()
	inv := func(keys ...string) string {
		s := ">2\r\n$10\r\ninvalidate\r\n*" + fmt.Sprint(len(keys)) + "\r\n"
		for _, k := range keys {
			s += "$" + fmt.Sprint(len(k)) + "\r\n" + k + "\r\n"
		}
		return s
	}
	for _, mode := range []string{"", " BCAST"} {
		w.do("FLUSHALL\r\n")
		a := ts.dialTracking(" NOLOOP" + mode)
		a.send("MGET other loop tx script\r\n")
		if got := a.reply(); got != "*4\r\n_\r\n_\r\n_\r\n_\r\n" {
			t.Fatalf("MGET: %q", got)
		}
		// Its own changes, of every kind, then another client's: only
		// the last is reported.
		a.send("SET loop 1\r\nMULTI\r\nSET tx 1\r\nEXEC\r\nEVAL \"return redis.call('set', KEYS[1], '1')\" 1 script\r\n")
		want := "+OK\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n+OK\r\n"
		if got := a.readN(len(want), 5*time.Second); got != want {
			t.Fatalf("tracking NOLOOP%s: its own writes: got %q, want %q", mode, got, want)
		}
		w.do("SET other 1\r\n")
		if got := a.readN(len(inv("other")), 5*time.Second); got != inv("other") {
			t.Fatalf("tracking NOLOOP%s: another client's write: got %q, want %q", mode, got, inv("other"))
		}
		if mode == "" {
			// loop was forgotten when the client changed it: another
			// client's change of it is not reported until it is read.
			w.do("SET loop 2\r\n")
			a.send("GET loop\r\n")
			if got := a.reply(); got != "$1\r\n2\r\n" {
				t.Fatalf("GET loop: %q", got)
			}
			w.do("SET loop 3\r\n")
			if got := a.readN(len(inv("loop")), 5*time.Second); got != inv("loop") {
				t.Fatalf("tracking NOLOOP: loop read again: got %q, want %q", got, inv("loop"))
			}
		} else {
			// Another client's MSET: both keys; its own: nothing.
			w.do("MSET loop 9 other 9\r\n")
			if got := a.readN(len(inv("loop", "other")), 5*time.Second); got != inv("loop", "other") {
				t.Fatalf("BCAST NOLOOP: another client's MSET: got %q", got)
			}
			a.send("MSET loop 8 other 8\r\nPING\r\n")
			if got := a.readN(len("+OK\r\n+PONG\r\n"), 5*time.Second); got != "+OK\r\n+PONG\r\n" {
				t.Fatalf("BCAST NOLOOP: its own MSET: got %q", got)
			}
		}
		a.nc.Close()
	}
}

// A script's declared keys are remembered when it calls a read-only
// command (one that reads the keyspace: not PING), as Redis does, whether
// it runs through the write path or as a read (EVAL_RO, FCALL_RO).
func TestTrackingScripts(t *testing.T) {
	ts := startServer(t, Config{})
	w := ts.dial()
	a := ts.dialTracking("")
	inv := ">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk2\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nk1\r\n"
	for _, tc := range []struct {
		script string
		tracks bool
	}{
		{"EVAL \"redis.call('set', 'k3', 'bar')\" 2 k1 k2", false},
		{"EVAL \"redis.call('get', 'k3')\" 2 k1 k2", true},
		{"EVAL_RO \"redis.call('ping')\" 2 k1 k2", false},
		{"EVAL_RO \"redis.call('get', 'k1')\" 2 k1 k2", true},
		{"FCALL_RO f 2 k1 k2", true},
	} {
		if strings.HasPrefix(tc.script, "FCALL") {
			a.send(respCmd("FUNCTION", "LOAD", "#!lua name=lib\nredis.register_function{function_name='f', callback=function(k) return redis.call('exists', k[1]) end, flags={'no-writes'}}"))
			if got := a.reply(); got != "$3\r\nlib\r\n" {
				t.Fatalf("FUNCTION LOAD: %q", got)
			}
		}
		a.send(tc.script + "\r\n")
		a.reply()
		w.do("MSET k2 1 k1 1\r\n")
		a.send("PING\r\n")
		want := "+PONG\r\n"
		if tc.tracks {
			want = inv + want
		}
		if got := a.readN(len(want), 5*time.Second); got != want {
			t.Fatalf("%s, then another client's MSET k2 k1: got %q, want %q", tc.script, got, want)
		}
	}
}

// A blocked tracking client's own pop changes keys it read (BLMOVE pushes
// to its destination): the invalidation follows its reply, as in Redis.
func TestTrackingBlockedOwnChangeAfterReply(t *testing.T) {
	ts := startServer(t, Config{})
	w := ts.dial()
	w.do("RPUSH dst a\r\n")
	a := ts.dialTracking("")
	a.send("LRANGE dst 0 -1\r\n")
	if got := a.reply(); got != "*1\r\n$1\r\na\r\n" {
		t.Fatalf("LRANGE: %q", got)
	}
	a.send("BLMOVE src dst LEFT LEFT 0\r\n")
	waitFor(t, "a blocked client", func() bool {
		return strings.Contains(w.do("INFO clients\r\n"), "blocked_clients:1\r\n")
	})
	w.do("RPUSH src foo\r\n")
	want := "$3\r\nfoo\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\ndst\r\n"
	if got := a.readN(len(want), 5*time.Second); got != want {
		t.Fatalf("BLMOVE served: got %q, want %q", got, want)
	}
}
