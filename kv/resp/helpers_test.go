package resp

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"redraft/kv"
	"redraft/kv/local"
)

// againstRedis runs the transcript tests against a real redis-server
// instead of the edge, to check the expected bytes:
//
//	redis-server --port 7106 --save '' &
//	go test ./kv/resp -run Transcript -against-redis 127.0.0.1:7106
var againstRedis = flag.String("against-redis", "", "run transcript tests against this redis-server")

func TestMain(m *testing.M) {
	flag.Parse()
	if *againstRedis != "" {
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

// testServer is an edge over kv/local's executor on 127.0.0.1:0.
type testServer struct {
	t    *testing.T
	srv  *Server
	exec *local.Executor
	addr string
	done chan error
}

func startServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, exec: local.New(), addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(ts.exec, cfg)
	go func() { ts.done <- ts.srv.Serve(ln) }()
	t.Cleanup(ts.close)
	return ts
}

// hookExecutor runs hooks around each Execute of a local executor (nil:
// none): a test holds a command back there, before or after the machine
// ran it.
type hookExecutor struct {
	*local.Executor
	before, after func(cmds []*kv.Cmd)
}

func (e hookExecutor) Execute(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer) {
	if e.before != nil {
		e.before(cmds)
	}
	e.Executor.Execute(ctx, cmds, w)
	if e.after != nil {
		e.after(cmds)
	}
}

// startServerHooked is startServer with hooks around every Execute.
func startServerHooked(t *testing.T, before, after func(cmds []*kv.Cmd)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, exec: local.New(), addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(hookExecutor{Executor: ts.exec, before: before, after: after}, Config{})
	go func() { ts.done <- ts.srv.Serve(ln) }()
	t.Cleanup(ts.close)
	return ts
}

func (ts *testServer) close() {
	ts.srv.Close()
	if err := <-ts.done; !errors.Is(err, ErrServerClosed) {
		ts.t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
}

// client is a raw TCP client: bytes in, bytes out.
type client struct {
	t  *testing.T
	nc net.Conn
}

func (ts *testServer) dial() *client { return dialAddr(ts.t, ts.addr) }

func dialAddr(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(raw)); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// readN reads until it has n bytes, the connection closes or a deadline
// passes; the text "<EOF>" marks a close.
func (c *client) readN(n int, wait time.Duration) string {
	var out []byte
	buf := make([]byte, 64<<10)
	deadline := time.Now().Add(wait)
	for len(out) < n {
		c.nc.SetReadDeadline(deadline)
		m, err := c.nc.Read(buf)
		out = append(out, buf[:m]...)
		if err != nil {
			if errors.Is(err, io.EOF) || isReset(err) {
				out = append(out, "<EOF>"...)
			}
			break
		}
	}
	return string(out)
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// expect reads len(want) bytes and compares them with want.
func (c *client) expect(want string) {
	c.t.Helper()
	if got := c.readN(len(want), 5*time.Second); got != want {
		c.t.Fatalf("got  %q\nwant %q", got, want)
	}
}

// expectClosed checks that the server closes the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	if got := c.readN(1<<30, 5*time.Second); !strings.HasSuffix(got, "<EOF>") {
		c.t.Fatalf("connection not closed; got %q", got)
	}
}

// reply reads one complete reply.
func (c *client) reply() string {
	c.t.Helper()
	var out []byte
	buf := make([]byte, 64<<10)
	c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if n, err := replyLen(out); err == nil {
			if n != len(out) {
				c.t.Fatalf("more than one reply: %q", out)
			}
			return string(out)
		}
		m, err := c.nc.Read(buf)
		out = append(out, buf[:m]...)
		if err != nil {
			c.t.Fatalf("reading reply: %v (have %q)", err, out)
		}
	}
}

// do sends one inline or raw command and returns its reply.
func (c *client) do(raw string) string {
	c.t.Helper()
	c.send(raw)
	return c.reply()
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// respCmd encodes args as a RESP multibulk request.
func respCmd(args ...string) string {
	var b bytes.Buffer
	b.WriteString("*" + itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

func itoa(n int) string { return formatInt(int64(n)) }

func localExec() Executor { return local.New() }
