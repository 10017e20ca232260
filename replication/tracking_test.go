package replication

import (
	"bufio"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// respConn is a raw RESP client for the cluster tests.
type respConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialRESP(t *testing.T, addr string) *respConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &respConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *respConn) send(line string) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatal(err)
	}
}

// line reads one CRLF-terminated line.
func (c *respConn) line() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (%q)", err, s)
	}
	return strings.TrimRight(s, "\r\n")
}

// expect reads the lines of want (CRLF-separated) and compares them.
func (c *respConn) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.line(); got != w {
			c.t.Fatalf("got %q, want %q", got, w)
		}
	}
}

// must sends a command until it is not refused for want of a leader
// (refused: not executed; elections happen on a loaded machine) and
// checks the first line of its reply.
func (c *respConn) must(cmd, want string) {
	c.t.Helper()
	for i := 0; ; i++ {
		c.send(cmd)
		got := c.line()
		if (strings.HasPrefix(got, "-CLUSTERDOWN") || strings.HasPrefix(got, "-NOTLEADER")) && i < 50 {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if got != want {
			c.t.Fatalf("%s: %q, want %q", cmd, got, want)
		}
		return
	}
}

// dialTracking opens a RESP3 connection to addr with CLIENT TRACKING on
// and the options opts.
func dialTracking(t *testing.T, addr, opts string) *respConn {
	c := dialRESP(t, addr)
	c.send("HELLO 3")
	for c.line() != "*0" { // HELLO's last field: modules
	}
	c.send("CLIENT TRACKING on" + opts)
	c.expect("+OK")
	return c
}

// TestTrackingAcrossTheCluster: a client tracking keys on a follower is
// told about writes sent to any node (the follower invalidates as it
// applies the log): default mode and BCAST; FLUSHALL sends a null
// invalidation; with NOLOOP, not about its own.
func TestTrackingAcrossTheCluster(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	l := c.leader()
	var fi, oi int // a follower and the other node
	for i, n := range c.nodes {
		if n == l {
			oi = i
		}
	}
	fi = (oi + 1) % 3
	writer := dialRESP(t, addrs[(fi+1)%3]) // the leader or the other follower
	if (fi+1)%3 == oi {
		writer = dialRESP(t, addrs[(fi+2)%3])
	}
	tr := dialTracking(t, addrs[fi], "")
	writer.must("SET tk v1", "+OK")
	// The follower remembers tk before it forwards the GET: if it applied
	// SET tk v1 after that (behind on a loaded machine), a spurious
	// invalidation would follow the reply (docs/known-differences.md).
	waitFor(t, "the follower to apply the write", func() bool { return c.nodes[fi].AppliedIndex() >= c.leader().AppliedIndex() })
	tr.must("GET tk", "$2") // forwarded to the leader
	tr.expect("v1")
	writer.must("SET tk v2", "+OK")
	tr.expect(">2", "$10", "invalidate", "*1", "$2", "tk")

	bc := dialTracking(t, addrs[oi], " BCAST PREFIX user:")
	writer.must("MSET user:1 a other b user:2 c", "+OK")
	bc.expect(">2", "$10", "invalidate", "*2", "$6", "user:1", "$6", "user:2")

	writer.must("FLUSHALL", "+OK")
	tr.expect(">2", "$10", "invalidate", "_")
	bc.expect(">2", "$10", "invalidate", "_")

	// NOLOOP on the follower: its own write, forwarded to the leader and
	// applied by the follower from the log, is not reported to it;
	// another client's, after it in the log, is.
	nl := dialTracking(t, addrs[fi], " NOLOOP")
	nl.must("MGET own theirs", "*2")
	nl.expect("_", "_")
	nl.must("SET own 1", "+OK")
	writer.must("SET theirs 1", "+OK")
	nl.expect(">2", "$10", "invalidate", "*1", "$6", "theirs")

	// A script that reads, sent to the follower, goes through the log:
	// the follower remembers its declared keys as it applies it.
	nl.must(`EVAL "redis.call('set', 'x', '1') return redis.call('get', KEYS[1])" 1 sk`, "_") // RESP3 null
	writer.must("SET sk 1", "+OK")
	nl.expect(">2", "$10", "invalidate", "*1", "$2", "sk")
}

// TestMonitorOnAFollower: a monitor on a follower sees its own clients'
// commands (forwarded to the leader) and the commands of a write script
// sent to another node, which the follower runs as it applies the log;
// not the other node's client's commands.
func TestMonitorOnAFollower(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	l := c.leader()
	fi := 0
	for i, n := range c.nodes {
		if n != l {
			fi = i
			break
		}
	}
	mon := dialRESP(t, addrs[fi])
	mon.send("MONITOR")
	mon.expect("+OK")
	own := dialRESP(t, addrs[fi])
	own.must("SET mk 1", "+OK")
	other := dialRESP(t, addrs[(fi+1)%3])
	other.must("SET notseen 1", "+OK")
	other.must("EVAL \"return redis.call('INCR', KEYS[1])\" 1 mk", ":2")
	own.must("GET mk", "$1")
	own.expect("2")
	// The script's lines come when this follower applies the entry,
	// which may be after the GET it forwarded was answered.
	want := map[string]*regexp.Regexp{
		"own SET": regexp.MustCompile(`\[0 127\.0\.0\.1:\d+\] "SET" "mk" "1"$`),
		"lua":     regexp.MustCompile(`\[0 lua\] "INCR" "mk"$`),
		"own GET": regexp.MustCompile(`\[0 127\.0\.0\.1:\d+\] "GET" "mk"$`),
	}
	var seen []string
	for len(want) > 0 {
		mon.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		got, err := mon.r.ReadString('\n')
		if err != nil {
			t.Fatalf("monitor: %v; lines so far %q, missing %v", err, seen, want)
		}
		got = strings.TrimRight(got, "\r\n")
		seen = append(seen, got)
		if strings.Contains(got, "notseen") || strings.Contains(got, "EVAL") {
			t.Fatalf("the monitor on the follower shows another node's client: %q", got)
		}
		matched := false
		for k, re := range want {
			if re.MatchString(got) {
				delete(want, k)
				matched = true
			}
		}
		if !matched {
			t.Fatalf("unexpected monitor line %q", got)
		}
	}
}
