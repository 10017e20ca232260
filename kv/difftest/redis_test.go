package difftest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"
)

// redisServerPath is the reference server the differential test runs
// against (Debian's redis-server 7.0.15).
const redisServerPath = "/usr/bin/redis-server"

const (
	// redisStartTimeout bounds the wait for a fresh server to answer PING.
	redisStartTimeout = 10 * time.Second
	// redisStartAttempts: the free port is found by binding :0 and closing
	// it, so another process may take it before the server does; retry.
	redisStartAttempts = 3
	// redisReplyTimeout bounds one command round trip.
	redisReplyTimeout = 10 * time.Second
)

// redisServer is a redis-server child process on a loopback port.
type redisServer struct {
	addr string
	cmd  *exec.Cmd
	out  *lockedBuffer
}

// lockedBuffer collects the server's output for failure messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRedis starts a throwaway redis-server (no persistence, loopback only)
// and stops it when the test ends. Without a server binary the test is
// skipped, unless CI is set, where a missing reference is a failure.
func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := os.Stat(redisServerPath); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatalf("CI is set but %s is missing: install the redis-server package (apt-get install -y redis-server)", redisServerPath)
		}
		t.Skipf("differential test skipped: %s not found (apt-get install -y redis-server); set CI=true to make this a failure", redisServerPath)
	}
	var lastErr error
	for range redisStartAttempts {
		s, err := tryStartRedis(t)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("starting redis-server: %v", lastErr)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port, nil
}

func tryStartRedis(t testing.TB) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &redisServer{addr: "127.0.0.1:" + strconv.Itoa(port), out: &lockedBuffer{}}
	s.cmd = exec.Command(redisServerPath,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--dir", t.TempDir())
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out
	s.cmd.SysProcAttr = serverProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	stop := func() {
		s.cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(redisStartTimeout)
	for {
		c, err := dialRedis(s.addr)
		if err == nil {
			_, err = c.do("PING")
			c.close()
			if err == nil {
				t.Cleanup(stop)
				return s, nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // stop() reads it again
			return nil, fmt.Errorf("redis-server exited (%v): %s", err, s.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("redis-server on %s not ready after %v: %s", s.addr, redisStartTimeout, s.out.String())
		}
	}
}

// client is a raw RESP connection: commands go out as arrays of bulk
// strings, replies come back as exact bytes.
type client struct {
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	raw  []byte
}

func dialRedis(addr string) (*client, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	return &client{conn: conn, r: bufio.NewReaderSize(conn, 64<<10), w: bufio.NewWriterSize(conn, 64<<10)}, nil
}

func (c *client) close() { c.conn.Close() }

// do sends a command given as strings and returns the reply's bytes.
func (c *client) do(args ...string) ([]byte, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	raw, _, err := c.exec(b)
	return raw, err
}

// exec sends one command and returns the raw bytes of its reply (valid until
// the next call) and the decoded reply.
func (c *client) exec(args [][]byte) ([]byte, value, error) {
	c.conn.SetDeadline(time.Now().Add(redisReplyTimeout))
	c.w.WriteString("*")
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteString("$")
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.Write(a)
		c.w.WriteString("\r\n")
	}
	if err := c.w.Flush(); err != nil {
		return nil, value{}, err
	}
	v, raw, err := readReply(c.r, c.raw[:0])
	c.raw = raw
	if err != nil {
		return nil, value{}, err
	}
	if v.kind == '>' {
		return nil, value{}, errors.New("difftest: unexpected push reply " + v.String())
	}
	return raw, v, nil
}
