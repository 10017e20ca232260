package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// Ports every node uses on its own address (each namespace has its own
// port space, so all nodes share them).
const (
	RESPPort = 6379
	RaftPort = 7379
)

// Config describes a cluster.
type Config struct {
	Bin   string // the kv binary (made absolute)
	Nodes int    // node count; nodes are n1..nN
	// WorkDir holds each node's data directory (WorkDir/nI).
	WorkDir string
	// LogDir receives each node's stderr and stdout, appended across
	// restarts (LogDir/nI.log).
	LogDir string
	// Args are extra flags for every `kv serve`.
	Args []string
	// ClockHook starts every node with --test-clock-offset-file (the
	// clock nemesis; SetClockOffset writes it).
	ClockHook bool
	// OnExit, when set, is called (from its own goroutine) when a node
	// process exits without Kill or Close asking it to.
	OnExit func(id string, err error)
}

// Cluster is a running set of namespaces and node processes.
type Cluster struct {
	cfg    Config
	pid    int
	subnet byte
	ids    []string
	index  map[string]int // id -> 1-based node number

	faultMu sync.Mutex // one nft change at a time

	mu     sync.Mutex // guards procs, join and closed
	procs  map[string]*proc
	join   map[string]string // id -> the RESP address it joins through; absent: --bootstrap
	closed bool
}

// New sweeps stale objects of dead runs, creates the bridge and one
// namespace per node, and starts no process (Start does). On error every
// object it created is removed again.
func New(ctx context.Context, cfg Config) (c *Cluster, err error) {
	if cfg.Nodes < 1 || cfg.Nodes > maxNodes {
		return nil, fmt.Errorf("netns: node count %d out of range 1..%d", cfg.Nodes, maxNodes)
	}
	if cfg.Bin, err = filepath.Abs(cfg.Bin); err != nil {
		return nil, err
	}
	if _, err := os.Stat(cfg.Bin); err != nil {
		return nil, fmt.Errorf("netns: node binary: %w", err)
	}
	for _, d := range []string{cfg.WorkDir, cfg.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if err := Available(); err != nil {
		return nil, err
	}
	if _, err := Sweep(ctx); err != nil {
		return nil, fmt.Errorf("netns: sweeping stale namespaces: %w", err)
	}
	c = &Cluster{cfg: cfg, pid: os.Getpid(), index: map[string]int{}, procs: map[string]*proc{}, join: map[string]string{}}
	for i := 1; i <= cfg.Nodes; i++ {
		id := "n" + strconv.Itoa(i)
		c.ids = append(c.ids, id)
		c.index[id] = i
	}
	// Two runs starting at once must not pick the same /24: the pick and
	// the bridge's address happen under a lock shared by every process.
	unlock, err := lockSubnets()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c.subnet, err = pickSubnet(ctx, c.pid); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			c.teardown(context.WithoutCancel(ctx))
			c = nil
		}
	}()
	if err := c.setup(ctx); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return c, nil
}

// subnetLock is the file every process locks while it picks a subnet and
// creates its bridge.
const subnetLock = "/run/lock/redraft-netns.lock"

// lockSubnets takes subnetLock (flock, exclusive) and returns its release.
func lockSubnets() (func(), error) {
	if err := os.MkdirAll(filepath.Dir(subnetLock), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(subnetLock, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("netns: subnet lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("netns: subnet lock: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// setup creates the bridge, the namespaces and the links.
func (c *Cluster) setup(ctx context.Context) error {
	br := bridgeName(c.pid)
	steps := [][]string{
		{"ip", "link", "add", br, "type", "bridge"},
		{"ip", "addr", "add", bridgeAddr(c.subnet).String() + "/24", "dev", br},
		{"ip", "link", "set", br, "up"},
	}
	for i := 1; i <= c.cfg.Nodes; i++ {
		ns, h, p := nsName(c.pid, i), hostVeth(c.pid, i), peerVeth(c.pid, i)
		steps = append(steps,
			[]string{"ip", "netns", "add", ns},
			[]string{"ip", "link", "add", h, "type", "veth", "peer", "name", p},
			[]string{"ip", "link", "set", p, "netns", ns},
			[]string{"ip", "link", "set", h, "master", br},
			[]string{"ip", "link", "set", h, "up"},
			[]string{"ip", "-n", ns, "link", "set", "lo", "up"},
			[]string{"ip", "-n", ns, "link", "set", p, "name", "eth0"},
			[]string{"ip", "-n", ns, "addr", "add", nodeAddr(c.subnet, i).String() + "/24", "dev", "eth0"},
			[]string{"ip", "-n", ns, "link", "set", "eth0", "up"},
		)
	}
	for _, s := range steps {
		if _, err := run(ctx, nil, s[0], s[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// Nodes lists the node ids, n1..nN.
func (c *Cluster) Nodes() []string { return append([]string(nil), c.ids...) }

// Addr is the node's IP address.
func (c *Cluster) Addr(id string) netip.Addr { return nodeAddr(c.subnet, c.index[id]) }

// RESPAddr is the node's RESP endpoint, reachable from the root namespace.
func (c *Cluster) RESPAddr(id string) string {
	return net.JoinHostPort(c.Addr(id).String(), strconv.Itoa(RESPPort))
}

// RaftAddr is the node's Raft endpoint.
func (c *Cluster) RaftAddr(id string) string {
	return net.JoinHostPort(c.Addr(id).String(), strconv.Itoa(RaftPort))
}

// Namespace is the node's namespace name.
func (c *Cluster) Namespace(id string) string { return nsName(c.pid, c.index[id]) }

// Subnet is the cluster's /24.
func (c *Cluster) Subnet() netip.Prefix {
	return netip.PrefixFrom(nodeAddr(c.subnet, 0), 24)
}

// Bootstrap is the --bootstrap list every node gets.
func (c *Cluster) Bootstrap() string {
	parts := make([]string, len(c.ids))
	for i, id := range c.ids {
		parts[i] = id + "=" + c.RaftAddr(id)
	}
	return strings.Join(parts, ",")
}

func (c *Cluster) check(id string) error {
	if _, ok := c.index[id]; !ok {
		return fmt.Errorf("%w: %q", ErrNode, id)
	}
	return nil
}

// Close kills every node, removes the namespaces and the bridge. It is
// safe to call more than once.
func (c *Cluster) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	return c.teardown(context.Background())
}

// teardown kills processes, then deletes namespaces and the bridge,
// collecting every error.
func (c *Cluster) teardown(ctx context.Context) error {
	c.mu.Lock()
	procs := make([]*proc, 0, len(c.procs))
	for _, p := range c.procs {
		procs = append(procs, p)
	}
	c.mu.Unlock()
	for _, p := range procs {
		p.kill()
	}
	var errs []error
	for i := 1; i <= c.cfg.Nodes; i++ {
		ns := nsName(c.pid, i)
		killNamespace(ctx, ns)
		if err := delIfExists(ctx, "netns", ns); err != nil {
			errs = append(errs, err)
		}
		if err := delIfExists(ctx, "link", hostVeth(c.pid, i)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := delIfExists(ctx, "link", bridgeName(c.pid)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// delIfExists deletes a namespace ("netns") or a link ("link") when it
// exists.
func delIfExists(ctx context.Context, kind, name string) error {
	switch kind {
	case "netns":
		if _, err := os.Stat(filepath.Join("/run/netns", name)); err != nil {
			return nil
		}
		_, err := run(ctx, nil, "ip", "netns", "del", name)
		return err
	default:
		if _, err := run(ctx, nil, "ip", "link", "show", name); err != nil {
			return nil
		}
		// A veth goes away by itself when its peer's namespace is deleted,
		// possibly between the show and the del.
		if _, err := run(ctx, nil, "ip", "link", "del", name); err != nil && !strings.Contains(err.Error(), "Cannot find device") {
			return err
		}
		return nil
	}
}

// Running lists the nodes with a live process, sorted.
func (c *Cluster) Running() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for id, p := range c.procs {
		if p.alive() {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// signal sends sig to the node's process.
func (c *Cluster) signal(id string, sig syscall.Signal) error {
	if err := c.check(id); err != nil {
		return err
	}
	c.mu.Lock()
	p := c.procs[id]
	c.mu.Unlock()
	if p == nil || !p.alive() {
		return fmt.Errorf("netns: %s is not running", id)
	}
	return syscall.Kill(p.cmd.Process.Pid, sig)
}

// Pause stops the node's process (SIGSTOP).
func (c *Cluster) Pause(id string) error { return c.signal(id, syscall.SIGSTOP) }

// Resume continues it (SIGCONT).
func (c *Cluster) Resume(id string) error { return c.signal(id, syscall.SIGCONT) }
