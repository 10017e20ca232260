package resp

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"redraft/kv/local"
)

// snapExec is the local executor with a TakeSnapshot that counts calls and
// fails on demand.
type snapExec struct {
	*local.Executor
	calls atomic.Int64
	fail  atomic.Bool
}

func (x *snapExec) TakeSnapshot() error {
	x.calls.Add(1)
	if x.fail.Load() {
		return errors.New("snapshot store unavailable")
	}
	return nil
}

// startSnapServer starts an edge over a snapExec, stopped when the test
// ends, and dials it.
func startSnapServer(t *testing.T) (*snapExec, *client) {
	t.Helper()
	x := &snapExec{Executor: local.New()}
	srv := New(x, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return x, dialAddr(t, ln.Addr().String())
}

func TestSaveCommands(t *testing.T) {
	// Standalone: nothing to persist, SAVE and BGSAVE succeed.
	ts := startServer(t, Config{})
	c := ts.dial()
	c.send("MULTI\r\nSET foo bar\r\nSAVE\r\nEXEC\r\nMULTI\r\nSHUTDOWN\r\nDISCARD\r\n")
	c.expect("+OK\r\n+QUEUED\r\n-ERR Command not allowed inside a transaction\r\n" +
		"-EXECABORT Transaction discarded because of previous errors.\r\n+OK\r\n" +
		"-ERR Command not allowed inside a transaction\r\n+OK\r\n")
	before := time.Now().Unix()
	c.send("SAVE\r\nBGSAVE\r\nBGSAVE SCHEDULE\r\nBGSAVE NOW\r\n")
	c.expect("+OK\r\n+Background saving started\r\n+Background saving started\r\n-ERR syntax error\r\n")
	last, _ := strconv.ParseInt(strings.Trim(c.do("LASTSAVE\r\n"), ":\r\n"), 10, 64)
	if last < before || last > time.Now().Unix() {
		t.Errorf("LASTSAVE %d, want the time of the SAVE (>= %d)", last, before)
	}
	if got := c.do("SHUTDOWN\r\n"); !strings.HasPrefix(got, "-ERR SHUTDOWN is not supported") {
		t.Errorf("SHUTDOWN: %q", got)
	}

	// With a Snapshotter (the replicated node): SAVE snapshots, its error
	// is the reply, and BGSAVE snapshots in the background.
	x, d := startSnapServer(t)
	d.send("SAVE\r\n")
	d.expect("+OK\r\n")
	x.fail.Store(true)
	d.send("SAVE\r\n")
	d.expect("-ERR snapshot store unavailable\r\n")
	x.fail.Store(false)
	d.send("BGSAVE\r\n")
	d.expect("+Background saving started\r\n")
	waitFor(t, "the background snapshot", func() bool { return x.calls.Load() == 3 })
}

// TestChangesSinceLastSave: INFO's rdb_changes_since_last_save counts the
// keys the machine's commands changed (once per key per command; a SETBIT
// that changes nothing counts nothing; a flush counts one) and starts
// again from 0 at SAVE; a failed SAVE keeps it.
func TestChangesSinceLastSave(t *testing.T) {
	x, c := startSnapServer(t)
	changes := func() int {
		t.Helper()
		info := c.do("INFO persistence\r\n")
		for _, l := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(l, "rdb_changes_since_last_save:"); ok {
				n, _ := strconv.Atoi(v)
				return n
			}
		}
		t.Fatalf("no rdb_changes_since_last_save in %q", info)
		return 0
	}
	c.do("SAVE\r\n")
	for _, step := range []struct {
		cmd  string
		want int
	}{
		{"", 0},
		{"SETBIT b 0 0", 1},           // creates b
		{"SETBIT b 0 0", 1},           // no change
		{"SETBIT b 0 1", 2},           // a change
		{"BITFIELD b SET i5 0 16", 2}, // the same bits: no change
		{"MSET k1 1 k2 2", 4},         // two keys
		{"GET k1", 4},                 // a read
		{"DEL k1 k2 missing", 6},      // two keys removed
		{"FLUSHALL", 7},               // a flush
		{"SAVE", 0},                   // starts again
		{"RPUSH l a b c", 1},          // one key, however many elements
	} {
		if step.cmd != "" {
			c.do(step.cmd + "\r\n")
		}
		if got := changes(); got != step.want {
			t.Fatalf("after %q: rdb_changes_since_last_save = %d, want %d", step.cmd, got, step.want)
		}
	}
	x.fail.Store(true)
	if got := c.do("SAVE\r\n"); !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("failing SAVE: %q", got)
	}
	if got := changes(); got != 1 {
		t.Fatalf("after a failed SAVE: rdb_changes_since_last_save = %d, want 1", got)
	}
}
