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
	x := &snapExec{Executor: local.New()}
	srv := New(x, Config{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	d := dialAddr(t, ln.Addr().String())
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
