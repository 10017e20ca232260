package resp

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// readLine reads one CRLF line from a monitor connection.
func readMonitorLine(t *testing.T, r *bufio.Reader, c *client) string {
	t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("monitor read: %v (have %q)", err, line)
	}
	return strings.TrimRight(line, "\r\n")
}

// TestMonitor: what a MONITOR connection receives for commands of other
// connections, in order: keyspace and edge commands after they ran, a
// script before the commands it calls ([0 lua]), a transaction as MULTI,
// its commands, EXEC; AUTH redacted; admin commands and rejected commands
// never shown.
func TestMonitor(t *testing.T) {
	ts := startServer(t, Config{})
	mon := ts.dial()
	mon.send("MONITOR\r\n")
	r := bufio.NewReader(mon.nc)
	if got := readMonitorLine(t, r, mon); got != "+OK" {
		t.Fatalf("MONITOR: %q", got)
	}
	cl := ts.dial()
	addr := regexp.QuoteMeta(cl.nc.LocalAddr().String())
	steps := []struct {
		send string
		want []string // regexps, one per monitor line
	}{
		{respCmd("SET", "foo", "bar"), []string{`"SET" "foo" "bar"`}},
		{"get foo\r\n", []string{`"get" "foo"`}},
		{respCmd("SET", "bin", "a\"b\\\n\x01"), []string{`"SET" "bin" "a\\"b\\\\\\n\\x01"`}},
		{respCmd("EVAL", "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", "1", "k", "v"),
			[]string{`"EVAL" "redis.call.*" "1" "k" "v"`, `^\+\d+\.\d{6} \[0 lua\] "set" "k" "v"$`, `\[0 lua\] "get" "k"$`}},
		{"CONFIG GET maxmemory\r\nnosuchcommand\r\nGET\r\nAUTH nopass\r\nSELECT 3\r\nPING\r\n",
			[]string{`"AUTH" "\(redacted\)"$`, `^\+\d+\.\d{6} \[3 ` + addr + `\] "SELECT" "3"$`, `\[3 ` + addr + `\] "PING"$`}},
		{"MULTI\r\nSET t 1\r\nINCR t\r\nEXEC\r\n", []string{`"MULTI"`, `"SET" "t" "1"`, `"INCR" "t"`, `"EXEC"`}},
		{"MULTI\r\nnosuch\r\nEXEC\r\n", []string{`"MULTI"`, `"EXEC"`}},
		{"HELLO 3 AUTH default secret SETNAME x\r\n", []string{`"HELLO" "3" "AUTH" "\(redacted\)" "\(redacted\)" "SETNAME" "x"$`}},
	}
	for _, st := range steps {
		cl.send(st.send)
		for _, w := range st.want {
			got := readMonitorLine(t, r, mon)
			if !regexp.MustCompile(w).MatchString(got) {
				t.Fatalf("after %q: monitor line %q does not match %s", st.send, got, w)
			}
			if !strings.Contains(got, "lua]") && !strings.Contains(got, "["+"0 "+cl.nc.LocalAddr().String()+"]") &&
				!strings.Contains(got, "[3 "+cl.nc.LocalAddr().String()+"]") {
				t.Fatalf("monitor line %q names no client", got)
			}
		}
	}
	// CLIENT LIST shows the monitor's O flag; RESET ends monitoring.
	cl = ts.dial()
	if got := cl.do("CLIENT LIST\r\n"); !strings.Contains(got, "flags=O ") {
		t.Fatalf("CLIENT LIST: %q", got)
	}
	mon.send("RESET\r\n")
	if got := readMonitorLine(t, r, mon); got != "+RESET" {
		t.Fatalf("RESET: %q", got)
	}
	cl.do("SET after reset\r\n")
	mon.send("PING\r\n")
	if got := readMonitorLine(t, r, mon); got != "+PONG" {
		t.Fatalf("after RESET the monitor got %q", got)
	}
	// MONITOR inside MULTI is refused at EXEC, as Redis refuses it.
	if got := cl.do("MULTI\r\n") + cl.do("MONITOR\r\n") + cl.do("EXEC\r\n"); got != "+OK\r\n+QUEUED\r\n*1\r\n-"+errMonitorDenyBlocking+"\r\n" {
		t.Fatalf("MONITOR in MULTI: %q", got)
	}
}

// TestMonitorOutputLimit: a monitor that does not read is disconnected at
// the replica class's hard limit; the clients it monitors are not slowed.
func TestMonitorOutputLimit(t *testing.T) {
	ts := startServer(t, Config{})
	cl := ts.dial()
	if got := cl.do(respCmd("CONFIG", "SET", "client-output-buffer-limit", "replica 65536 0 0")); got != "+OK\r\n" {
		t.Fatal(got)
	}
	mon := ts.dial()
	mon.send("MONITOR\r\n")
	mon.expect("+OK\r\n")
	big := strings.Repeat("x", 4096)
	start := time.Now()
	for i := 0; i < 2000; i++ {
		cl.send(respCmd("SET", "k", big))
		if got := cl.reply(); got != "+OK\r\n" {
			t.Fatal(got)
		}
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Fatalf("writes took %v with a stuck monitor", d)
	}
	waitFor(t, "the monitor's disconnection", func() bool {
		return !strings.Contains(cl.do("CLIENT LIST\r\n"), "flags=O ")
	})
}

// TestRedisCLIMonitor: redis-cli's monitor mode prints the lines a
// go-redis client's commands produce. (go-redis v9.23.0's own Monitor reads
// the connection on a goroutine of its own while the command that started
// it hands the connection back to the pool: the race detector reports a
// race inside go-redis, so the real client here is redis-cli.)
func TestRedisCLIMonitor(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	ts := startServer(t, Config{})
	host, port, _ := net.SplitHostPort(ts.addr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "-h", host, "-p", port, "monitor")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 2})
	defer rdb.Close()
	waitFor(t, "the monitor", func() bool { return strings.Contains(rdb.ClientList(ctx).Val(), "flags=O ") })
	if err := rdb.Set(ctx, "gk", "gv", 0).Err(); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("redis-cli monitor ended without the SET line")
			}
			if strings.Contains(line, `"set" "gk" "gv"`) {
				return
			}
		case <-timeout:
			t.Fatal("no monitor line for SET")
		}
	}
}

func TestAppendRepr(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"abc", `"abc"`},
		{"a b", `"a b"`},
		{"\"\\", `"\"\\"`},
		{"\n\r\t\a\b", `"\n\r\t\a\b"`},
		{"\x00\x7f\xff", `"\x00\x7f\xff"`},
		{"", `""`},
	} {
		if got := string(appendRepr(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("appendRepr(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	line := string(appendMonitorLine(nil, time.UnixMicro(1700000000000042), 2, "1.2.3.4:5", [][]byte{[]byte("auth"), []byte("pw")}, redactedArgs("auth", [][]byte{[]byte("auth"), []byte("pw")})))
	if want := "+1700000000.000042 [2 1.2.3.4:5] \"auth\" \"(redacted)\"\r\n"; line != want {
		t.Fatalf("line %q, want %q", line, want)
	}
}
