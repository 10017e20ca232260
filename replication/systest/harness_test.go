//go:build unix

package systest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limits of the harness, each generous for a loaded two-core machine
// running the tests under -race.
const (
	startWait   = 15 * time.Second // a process writes its address file
	stopWait    = 10 * time.Second // SIGTERM to exit, before SIGKILL
	leaderWait  = 20 * time.Second // a cluster elects a leader everybody agrees on
	opWait      = 20 * time.Second // a write or read retried over definite refusals
	catchUpWait = 30 * time.Second // a restarted node catches up
	logTailMax  = 200              // lines of each node's log printed on failure
	portTries   = 4                // cluster starts retried on a port collision
)

// TestMain silences go-redis's own log (dial failures are what these tests
// provoke) and removes the binary built by kvBinary.
func TestMain(m *testing.M) {
	redis.SetLogger(quietLogger{})
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...interface{}) {}

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

// kvBinary builds bin/kv once per test binary (or returns $REDRAFT_SYSTEST_KV).
func kvBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if p := os.Getenv("REDRAFT_SYSTEST_KV"); p != "" {
			buildPath, buildErr = filepath.Abs(p)
			return
		}
		gobin := goTool()
		out, err := exec.Command(gobin, "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			buildErr = errors.New("go env GOMOD: not in a module")
			return
		}
		if buildDir, err = os.MkdirTemp("", "redraft-systest-"); err != nil {
			buildErr = err
			return
		}
		buildPath = filepath.Join(buildDir, "kv")
		args := []string{"build", "-o", buildPath}
		if os.Getenv("REDRAFT_SYSTEST_RACE") == "1" {
			args = append(args, "-race")
		}
		cmd := exec.Command(gobin, append(args, "./cmd/kv")...)
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/kv: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// goTool returns the go command that runs this test.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// newRand returns a seeded source; the seed comes from REDRAFT_SYSTEST_SEED
// or the clock and is logged with the command that replays it.
func newRand(t *testing.T) *rand.Rand {
	t.Helper()
	seed := time.Now().UnixNano()
	if s := os.Getenv("REDRAFT_SYSTEST_SEED"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("REDRAFT_SYSTEST_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("seed %d (replay the schedule: REDRAFT_SYSTEST_SEED=%d go test -race -count=1 -run '^%s$' ./replication/systest)", seed, seed, t.Name())
	return rand.New(rand.NewSource(seed))
}

func long() bool { return os.Getenv("REDRAFT_SYSTEST_LONG") == "1" }

// logStoreArgs is --log-store $REDRAFT_SYSTEST_LOG_STORE, when it is set:
// every node (and kv restore) of every test uses that log store.
func logStoreArgs() []string {
	if s := os.Getenv("REDRAFT_SYSTEST_LOG_STORE"); s != "" {
		return []string{"--log-store", s}
	}
	return nil
}

// freePorts returns n distinct ports that were free a moment ago: the
// listeners are all held open until every port is chosen.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, l)
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

func hostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }

// node is one bin/kv process (and its successors after restarts).
type node struct {
	id, resp, raft string
	dir            string   // data directory (kept across restarts)
	logPath        string   // stdout and stderr of every run, appended
	args           []string // serve flags besides --id --resp --raft --data

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{} // closed when the current process was reaped
	exitErr  error
	expected bool // the harness signalled the exit
	paused   bool
	runs     int
	crashes  []string // unexpected exits
}

func (n *node) String() string { return n.id }

// running reports whether a process is alive (paused counts as alive).
func (n *node) running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// up reports whether the node is running and not paused.
func (n *node) up() bool {
	n.mu.Lock()
	p := n.paused
	n.mu.Unlock()
	return !p && n.running()
}

var errAddrInUse = errors.New("address already in use")

// start starts the process with the node's args plus extra and waits until
// it serves RESP. It returns errAddrInUse when a port was taken.
func (n *node) start(bin string, extra ...string) error {
	if n.running() {
		return fmt.Errorf("%s: already running", n.id)
	}
	addrFile := filepath.Join(filepath.Dir(n.logPath), n.id+".addr")
	os.Remove(addrFile)
	args := []string{"serve", "--id", n.id, "--resp", n.resp, "--raft", n.raft, "--data", n.dir,
		"--addr-file", addrFile}
	// The environment's log store first: a test's own --log-store wins.
	args = append(append(append(args, logStoreArgs()...), n.args...), extra...)
	lf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	n.mu.Lock()
	n.runs++
	fmt.Fprintf(lf, "=== %s run %d at %s: kv %s\n", n.id, n.runs, time.Now().Format("15:04:05.000"), strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.SysProcAttr = procAttr()
	err = cmd.Start()
	lf.Close()
	if err != nil {
		n.mu.Unlock()
		return err
	}
	exited := make(chan struct{})
	n.cmd, n.exited, n.expected, n.paused, n.exitErr = cmd, exited, false, false, nil
	n.mu.Unlock()
	go func() {
		err := cmd.Wait()
		n.mu.Lock()
		n.exitErr = err
		if !n.expected {
			n.crashes = append(n.crashes, fmt.Sprintf("run %d: %v", n.runs, err))
		}
		n.mu.Unlock()
		close(exited)
	}()

	deadline := time.Now().Add(startWait)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return nil
		}
		select {
		case <-exited:
			n.mu.Lock()
			if len(n.crashes) > 0 {
				n.crashes = n.crashes[:len(n.crashes)-1] // reported here instead
			}
			n.mu.Unlock()
			tail := n.logTail(5)
			if strings.Contains(tail, "address already in use") {
				return errAddrInUse
			}
			return fmt.Errorf("%s exited at start (%v):\n%s", n.id, n.exitErr, tail)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.kill()
			return fmt.Errorf("%s did not start within %s:\n%s", n.id, startWait, n.logTail(20))
		}
	}
}

// signal sends sig to the running process, marking its exit as expected
// when sig ends it.
func (n *node) signal(sig syscall.Signal) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	select {
	case <-n.exited:
		return
	default:
	}
	switch sig {
	case syscall.SIGKILL, syscall.SIGTERM:
		n.expected = true
	case syscall.SIGSTOP:
		n.paused = true
	case syscall.SIGCONT:
		n.paused = false
	}
	n.cmd.Process.Signal(sig)
}

// kill sends SIGKILL and reaps the process.
func (n *node) kill() {
	n.signal(syscall.SIGKILL)
	n.wait()
}

// stop asks the process to shut down cleanly (SIGTERM). It returns an
// error when the process had to be killed after stopWait or exited with a
// non-zero status.
func (n *node) stop() error {
	n.signal(syscall.SIGCONT)
	n.signal(syscall.SIGTERM)
	n.mu.Lock()
	ch := n.exited
	n.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
	case <-time.After(stopWait):
		n.kill()
		return fmt.Errorf("%s did not exit within %s of SIGTERM", n.id, stopWait)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.exitErr != nil {
		return fmt.Errorf("%s: exit after SIGTERM: %w", n.id, n.exitErr)
	}
	return nil
}

func (n *node) pause()  { n.signal(syscall.SIGSTOP) }
func (n *node) resume() { n.signal(syscall.SIGCONT) }

func (n *node) wait() {
	n.mu.Lock()
	ch := n.exited
	n.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// logTail returns the last lines of the node's log.
func (n *node) logTail(lines int) string {
	b, err := os.ReadFile(n.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = append([]string{fmt.Sprintf("... (%d lines before)", len(all)-lines)}, all[len(all)-lines:]...)
	}
	return strings.Join(all, "\n")
}

// cluster is a set of nodes of one test and their clients.
type cluster struct {
	t     *testing.T
	bin   string
	base  string // holds the nodes' logs and data directories
	nodes []*node

	mu      sync.Mutex
	clients map[string]*redis.Client
}

// newCluster starts n nodes bootstrapped together, each with the extra serve
// flags, and waits for a leader. Every process is killed and reaped when the
// test ends; the logs are printed when it failed.
func newCluster(t *testing.T, n int, extra ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, bin: kvBinary(t), base: t.TempDir(), clients: map[string]*redis.Client{}}
	t.Cleanup(c.cleanup)
	var err error
	for try := 1; try <= portTries; try++ {
		err = c.bootstrap(n, try, extra)
		if err == nil {
			break
		}
		for _, nd := range c.nodes {
			nd.kill()
		}
		if !errors.Is(err, errAddrInUse) {
			t.Fatal(err)
		}
		t.Logf("port collision (try %d); choosing new ports", try)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	l := c.waitLeader()
	t.Logf("cluster of %d up; leader %s after %v", n, c.nodes[l], time.Since(start).Round(time.Millisecond))
	return c
}

func (c *cluster) bootstrap(n, try int, extra []string) error {
	ports := freePorts(c.t, 2*n)
	c.nodes = nil
	var boot []string
	for i := 0; i < n; i++ {
		dir := filepath.Join(c.base, fmt.Sprintf("try%d", try))
		nd := &node{id: fmt.Sprintf("n%d", i+1), resp: hostPort(ports[2*i]), raft: hostPort(ports[2*i+1])}
		nd.dir = filepath.Join(dir, nd.id)
		nd.logPath = filepath.Join(dir, nd.id+".log")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		c.nodes = append(c.nodes, nd)
		boot = append(boot, nd.id+"="+nd.raft)
	}
	for _, nd := range c.nodes {
		nd.args = append([]string{"--bootstrap", strings.Join(boot, ",")}, extra...)
		if err := nd.start(c.bin); err != nil {
			return err
		}
	}
	return nil
}

// addNode starts a new node that joins through the RESP address via.
func (c *cluster) addNode(via string, extra ...string) *node {
	c.t.Helper()
	var err error
	for try := 1; try <= portTries; try++ {
		ports := freePorts(c.t, 2)
		nd := &node{id: fmt.Sprintf("n%d", len(c.nodes)+1), resp: hostPort(ports[0]), raft: hostPort(ports[1])}
		dir := filepath.Join(c.base, fmt.Sprintf("add%d", try))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			c.t.Fatal(err)
		}
		nd.dir, nd.logPath = filepath.Join(dir, nd.id), filepath.Join(dir, nd.id+".log")
		nd.args = append([]string{"--join", via}, extra...)
		c.mu.Lock()
		c.nodes = append(c.nodes, nd)
		c.mu.Unlock()
		if err = nd.start(c.bin); err == nil {
			return nd
		}
		nd.kill()
		c.mu.Lock()
		c.nodes = c.nodes[:len(c.nodes)-1]
		c.mu.Unlock()
		if !errors.Is(err, errAddrInUse) {
			break
		}
	}
	c.t.Fatal(err)
	return nil
}

// restart starts a stopped node again on its data directory (retrying while
// its old ports are briefly taken).
func (c *cluster) restart(i int, extra ...string) {
	c.t.Helper()
	if err := c.tryRestart(i, extra...); err != nil {
		c.t.Fatal(err)
	}
}

// tryRestart is restart for goroutines other than the test's.
func (c *cluster) tryRestart(i int, extra ...string) error {
	var err error
	for try := 0; try < 20; try++ {
		if err = c.nodes[i].start(c.bin, extra...); !errors.Is(err, errAddrInUse) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
	return err
}

func (c *cluster) cleanup() {
	c.mu.Lock()
	for _, cl := range c.clients {
		cl.Close()
	}
	c.clients = map[string]*redis.Client{}
	c.mu.Unlock()
	for _, nd := range c.nodes {
		nd.resume()
		nd.kill()
	}
	for _, nd := range c.nodes {
		nd.mu.Lock()
		crashes := nd.crashes
		nd.mu.Unlock()
		if len(crashes) > 0 {
			c.t.Errorf("%s exited without being told to: %s", nd, strings.Join(crashes, "; "))
		}
	}
	if c.t.Failed() {
		for _, nd := range c.nodes {
			c.t.Logf("----- log of %s (resp %s, raft %s) -----\n%s", nd, nd.resp, nd.raft, nd.logTail(logTailMax))
		}
	}
}
