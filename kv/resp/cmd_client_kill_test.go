package resp

import (
	"strings"
	"testing"
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
	waitFor(t, "no client left", func() bool { return ts.srv.numConns() == 0 })
}
