package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// killWait bounds the wait for a SIGKILLed process to be reaped; the kernel
// reaps within milliseconds unless the process is stuck in the disk.
const killWait = 10 * time.Second

// proc is one process of a node.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once reaped

	mu       sync.Mutex
	expected bool // Kill or Close asked for the exit
}

func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// kill SIGKILLs the process and waits until it is reaped.
func (p *proc) kill() {
	p.mu.Lock()
	p.expected = true
	p.mu.Unlock()
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(killWait):
	}
}

// Start launches the node's `kv serve` inside its namespace, on its data
// directory (created on first start; kept across restarts), with
// --bootstrap listing every node, or with --join when the node last
// joined (Join). It returns once the process runs, not once it answers.
func (c *Cluster) Start(id string) error {
	if err := c.check(id); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.startLocked(id)
}

// Join starts the node with `--join via` (a member's RESP address)
// instead of --bootstrap, as an operator adds a node whose data was wiped;
// later Starts of the node join the same way.
func (c *Cluster) Join(id, via string) error {
	if err := c.check(id); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.join[id] = via
	return c.startLocked(id)
}

// Wipe deletes the node's data directory; the node must not be running.
func (c *Cluster) Wipe(id string) error {
	if err := c.check(id); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[id]; p != nil && p.alive() {
		return fmt.Errorf("netns: %s is running; kill it before wiping its data", id)
	}
	return os.RemoveAll(filepath.Join(c.cfg.WorkDir, id))
}

func (c *Cluster) startLocked(id string) error {
	if c.closed {
		return errors.New("netns: cluster closed")
	}
	if p := c.procs[id]; p != nil && p.alive() {
		return fmt.Errorf("netns: %s is already running", id)
	}
	data := filepath.Join(c.cfg.WorkDir, id)
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(c.cfg.LogDir, id+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	args := []string{"netns", "exec", c.Namespace(id), c.cfg.Bin, "serve",
		"--id", id,
		"--resp", c.RESPAddr(id),
		"--raft", c.RaftAddr(id),
		"--data", data,
		// The namespaces' addresses are not loopback ones; the test
		// network is private to this host, so members go unauthenticated.
		"--insecure-cluster"}
	if via := c.join[id]; via != "" {
		args = append(args, "--join", via)
	} else {
		args = append(args, "--bootstrap", c.Bootstrap())
	}
	if c.cfg.ClockHook {
		args = append(args, "--test-clock-offset-file", c.clockFile(id))
	}
	args = append(args, c.cfg.Args...)
	// `ip netns exec` enters the namespace and execs the binary (no fork),
	// so the pid is the node's and signals reach it directly.
	cmd := exec.Command("ip", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	fmt.Fprintf(logf, "--- netns: %s start: ip %q\n", time.Now().UTC().Format(time.RFC3339Nano), args)
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("netns: start %s: %w", id, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	c.procs[id] = p
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		expected := p.expected
		p.mu.Unlock()
		fmt.Fprintf(logf, "--- netns: %s exit: %v (expected %t)\n", time.Now().UTC().Format(time.RFC3339Nano), err, expected)
		logf.Close()
		close(p.done)
		if !expected && c.cfg.OnExit != nil {
			if err == nil {
				err = errors.New("exit status 0")
			}
			c.cfg.OnExit(id, err)
		}
	}()
	return nil
}

// Kill SIGKILLs the node (paused or not) and waits until it is reaped. A
// node that is not running is left alone.
func (c *Cluster) Kill(id string) error {
	if err := c.check(id); err != nil {
		return err
	}
	c.mu.Lock()
	p := c.procs[id]
	c.mu.Unlock()
	if p == nil || !p.alive() {
		return fmt.Errorf("netns: %s is not running", id)
	}
	p.kill()
	if p.alive() {
		return fmt.Errorf("netns: %s did not die within %s of SIGKILL", id, killWait)
	}
	return nil
}
