package resp

import (
	"strings"
	"testing"
	"time"
)

// TestClientReplyAndKill: CLIENT REPLY OFF/ON/SKIP, CLIENT KILL's filters
// and errors, and CLIENT INFO's qbuf for the running command, as
// redis-server 7.0.15 answers them.
func TestClientReplyAndKill(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	c.send("CLIENT REPLY OFF\r\nPING a\r\nSET k v\r\nCLIENT REPLY ON\r\nPING b\r\n")
	c.expect("+OK\r\n$1\r\nb\r\n")
	c.send("CLIENT REPLY SKIP\r\n")
	c.send("PING c\r\n")
	c.send("PING d\r\nGET k\r\n")
	c.expect("$1\r\nd\r\n$1\r\nv\r\n")
	// CLIENT REPLY ON clears a pending SKIP and answers, as redis-server
	// (the suite's "CLIENT REPLY ON: unset SKIP flag" hung without it).
	c.send("CLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING e\r\n")
	c.expect("+OK\r\n$1\r\ne\r\n")
	c.send("CLIENT REPLY MAYBE\r\n")
	c.expect("-ERR syntax error\r\n")

	c.send(respCmd("CLIENT", "INFO"))
	if got := c.reply(); !strings.Contains(got, " qbuf=26 ") {
		t.Errorf("CLIENT INFO: %q, want qbuf=26 (the command itself)", got)
	}

	for _, tc := range []struct{ in, out string }{
		{respCmd("CLIENT", "KILL"), "-ERR wrong number of arguments for 'client|kill' command\r\n"},
		{respCmd("CLIENT", "KILL", "ID", "10", "wrong_arg"), "-ERR syntax error\r\n"},
		{respCmd("CLIENT", "KILL", "ID", "0"), "-ERR client-id should be greater than 0\r\n"},
		{respCmd("CLIENT", "KILL", "ID", "str"), "-ERR client-id should be greater than 0\r\n"},
		{respCmd("CLIENT", "KILL", "TYPE", "wrong_type"), "-ERR Unknown client type 'wrong_type'\r\n"},
		{respCmd("CLIENT", "KILL", "USER", "nobody"), "-ERR No such user 'nobody'\r\n"},
		{respCmd("CLIENT", "KILL", "SKIPME", "maybe"), "-ERR syntax error\r\n"},
		{respCmd("CLIENT", "KILL", "1.2.3.4:5"), "-ERR No such client\r\n"},
		{respCmd("CLIENT", "KILL", "TYPE", "pubsub"), ":0\r\n"},
	} {
		c.send(tc.in)
		c.expect(tc.out)
	}
	// Kill another client by ID: its connection closes.
	o := ts.dial()
	id := strings.TrimSuffix(strings.TrimPrefix(o.do("CLIENT ID\r\n"), ":"), "\r\n")
	c.send(respCmd("CLIENT", "KILL", "ID", id))
	c.expect(":1\r\n")
	o.expectClosed()
	// SKIPME no kills this client too, after the reply.
	c.send(respCmd("CLIENT", "KILL", "SKIPME", "no"))
	c.expect(":1\r\n")
	c.expectClosed()
	waitFor(t, "no client left", func() bool { n, _ := ts.srv.numConns(); return n == 0 })
}

// TestClientKillBlockedAndGoneClients: a connection killed, or closed by
// its client, stops counting at once, as Redis frees it at once, though
// its serve loop ends later. A blocked client killed by CLIENT KILL has its
// waiter cancelled before the reply: an element pushed next is not handed
// to the dead connection. (The suite's "CLIENT KILL SKIPME YES/NO will
// kill all clients" counted, now and then, a client a previous test had
// closed.)
func TestClientKillBlockedAndGoneClients(t *testing.T) {
	ts, _ := blockingServer(t)
	// A blocked connection's own check never runs during this test: what
	// leaves the closed client out is the count's own look at its socket.
	ts.srv.closeCheck.Store(int64(time.Hour))
	c := ts.dial()
	clients := func() string {
		var out []string
		for _, l := range strings.Split(c.reply(), "\r\n") {
			if strings.HasPrefix(l, "connected_clients:") || strings.HasPrefix(l, "blocked_clients:") {
				out = append(out, l)
			}
		}
		return strings.Join(out, " ")
	}
	info := func() string { c.send(respCmd("INFO", "clients")); return clients() }
	listed := func() int { return strings.Count(c.do(respCmd("CLIENT", "LIST")), "id=") }
	const one, oneBlocked = "connected_clients:1 blocked_clients:0", "connected_clients:2 blocked_clients:1"

	// Blocked, then killed: neither counted nor listed once KILL answers,
	// and its waiter is gone.
	b := ts.dial()
	id := strings.TrimSuffix(strings.TrimPrefix(b.do("CLIENT ID\r\n"), ":"), "\r\n")
	b.send(respCmd("BLPOP", "q", "0"))
	waitFor(t, "one blocked client", func() bool { return info() == oneBlocked })
	c.send(respCmd("CLIENT", "KILL", "ID", id))
	c.expect(":1\r\n")
	if got := info(); got != one {
		t.Errorf("after CLIENT KILL: %s, want %s", got, one)
	}
	if n := listed(); n != 1 {
		t.Errorf("CLIENT LIST after CLIENT KILL: %d clients, want 1", n)
	}
	c.send(respCmd("RPUSH", "q", "x"))
	c.expect(":1\r\n")
	c.send(respCmd("LRANGE", "q", "0", "-1"))
	c.expect("*1\r\n$1\r\nx\r\n")
	b.expectClosed()

	// Blocked, then closed by its client: INFO and CLIENT LIST leave it
	// out (the client's end of file is on its socket), and CLIENT KILL
	// does not count it.
	d := ts.dial()
	d.send(respCmd("BLPOP", "empty", "0"))
	waitFor(t, "one blocked client", func() bool { return info() == oneBlocked })
	d.nc.Close()
	waitFor(t, "the closed client left out", func() bool { return info() == one })
	if n := listed(); n != 1 {
		t.Errorf("CLIENT LIST after the client closed: %d clients, want 1", n)
	}
	c.send(respCmd("CLIENT", "KILL", "SKIPME", "yes"))
	c.expect(":0\r\n")
}
