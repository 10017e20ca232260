package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"redraft/replication"
)

// Cluster is N real replication.Nodes on a simulated Network, each with
// its own Disk and SnapshotDisk, that the fault schedule crashes,
// restarts, removes, re-adds and whose clocks it moves. Every method runs
// inside the run's synctest bubble.
type Cluster struct {
	opts  Options
	net   *Network
	trace *Trace
	mon   *monitor
	addrs []raft.ServerAddress
	nodes []*simNode

	// life serialises lifecycle changes (start, crash, remove, wipe). It
	// is held across blocking work (a start writes to the disk, which
	// sleeps), so it is a channel: a goroutine waiting on a sync.Mutex is
	// not durably blocked, and synctest would never advance time for the
	// holder's sleep.
	life lifeLock
	// closing tracks background shutdowns of crashed incarnations.
	closing sync.WaitGroup
}

// lifeLock is a mutex made of a channel (see Cluster.life).
type lifeLock struct{ ch chan struct{} }

func newLifeLock() lifeLock { return lifeLock{ch: make(chan struct{}, 1)} }
func (l lifeLock) Lock()    { l.ch <- struct{}{} }
func (l lifeLock) Unlock()  { <-l.ch }

// nodeState is a node's place in its lifecycle.
type nodeState int

const (
	stateUp      nodeState = iota
	stateDown              // crashed; restarts on what survived on its disk
	stateRemoved           // removed from the configuration; comes back blank
)

func (s nodeState) String() string { return [...]string{"up", "down", "removed"}[s] }

// simNode is one node slot: the durable disks outlive incarnations.
type simNode struct {
	id    string
	disk  *Disk
	snaps SnapshotDisk
	// clockMs is added to this node's Config.Clock (clock-jump faults).
	clockMs atomic.Int64

	mu    sync.Mutex
	state nodeState
	inc   int // incarnation, counting from 1
	node  *replication.Node
	tr    *Transport
	logs  *LogStore
	store raft.SnapshotStore
	// closed is closed when the previous incarnation finished shutting down.
	closed chan struct{}
}

// incarnation is a handle on one running incarnation of a node.
type incarnation struct {
	sn   *simNode
	inc  int
	node *replication.Node
	logs *LogStore
	snap raft.SnapshotStore
}

// current returns the running incarnation, or false when the node is not up.
func (sn *simNode) current() (incarnation, bool) {
	sn.mu.Lock()
	defer sn.mu.Unlock()
	if sn.state != stateUp || sn.node == nil {
		return incarnation{}, false
	}
	return incarnation{sn: sn, inc: sn.inc, node: sn.node, logs: sn.logs, snap: sn.store}, true
}

// alive reports whether incarnation in is still the running one.
func (in incarnation) alive() bool {
	in.sn.mu.Lock()
	defer in.sn.mu.Unlock()
	return in.sn.state == stateUp && in.sn.inc == in.inc
}

func newCluster(opts Options, tr *Trace) *Cluster {
	c := &Cluster{opts: opts, trace: tr, net: NewNetwork(opts.Seed, opts.RPCTimeout), life: newLifeLock()}
	for i := 0; i < opts.Nodes; i++ {
		id := fmt.Sprint("n", i)
		c.addrs = append(c.addrs, raft.ServerAddress(id))
		closed := make(chan struct{})
		close(closed)
		snaps := NewInmemSnapshotDisk()
		if opts.NewSnapshotDisk != nil {
			snaps = opts.NewSnapshotDisk()
		}
		c.nodes = append(c.nodes, &simNode{id: id, disk: NewDisk(opts.Seed*31+uint64(i), opts.LyingLogStore), snaps: snaps, closed: closed, state: stateDown})
	}
	c.mon = newMonitor(c)
	c.net.onAppend = c.mon.onAppend
	return c
}

func (c *Cluster) peers() []replication.Peer {
	var ps []replication.Peer
	for _, a := range c.addrs {
		ps = append(ps, replication.Peer{ID: string(a), Addr: string(a)})
	}
	return ps
}

// startLocked starts a new incarnation of node i on what its disks hold.
func (c *Cluster) startLocked(i int, bootstrap bool) error {
	sn := c.nodes[i]
	<-sn.closed // the previous incarnation must be gone before its disk is reused
	ls, ss := sn.disk.Open()
	store := sn.snaps.Open()
	tr := c.net.NewTransport(c.addrs[i])
	sn.mu.Lock()
	inc := sn.inc + 1
	sn.mu.Unlock()
	cfg := replication.Config{
		ID:                    sn.id,
		Transport:             tr,
		Stores:                &replication.Stores{Log: ls, Stable: ss, Snapshots: store},
		Forwarder:             tr,
		LogOutput:             c.trace.NodeLog(sn.id, inc),
		Clock:                 func() int64 { return time.Now().UnixMilli() + sn.clockMs.Load() },
		SnapshotThreshold:     c.opts.SnapshotThreshold,
		TrailingLogs:          c.opts.TrailingLogs,
		ReadConsistency:       c.opts.ReadConsistency,
		UnsafeSkipReadBarrier: c.opts.UnsafeSkipReadBarrier,
	}
	if bootstrap {
		cfg.Bootstrap = c.peers()
	}
	nd, err := replication.New(cfg)
	if err != nil {
		tr.Close()
		return fmt.Errorf("start %s: %w", sn.id, err)
	}
	tr.SetForwardHandler(nd.HandleForward)
	sn.mu.Lock()
	sn.state, sn.inc, sn.node, sn.tr, sn.logs, sn.store = stateUp, inc, nd, tr, ls, store
	sn.closed = make(chan struct{})
	sn.mu.Unlock()
	c.trace.Eventf("start %s incarnation %d (bootstrap=%v)", sn.id, inc, bootstrap)
	return nil
}

// stopLocked takes node i down at once (its transport closes now, so no
// message of it crosses the network any more) and shuts the incarnation
// down in the background. crash also cuts its disks' power first.
func (c *Cluster) stopLocked(i int, next nodeState, crash bool) {
	sn := c.nodes[i]
	sn.mu.Lock()
	nd, tr := sn.node, sn.tr
	done := sn.closed
	sn.state, sn.node, sn.tr, sn.logs, sn.store = next, nil, nil, nil, nil
	sn.mu.Unlock()
	if tr != nil {
		tr.Close()
	}
	note := ""
	if crash {
		note = sn.disk.Crash()
		sn.snaps.Crash()
	}
	if next == stateRemoved {
		sn.disk.Wipe()
		sn.snaps.Wipe()
	}
	c.trace.Eventf("stop %s -> %s (crash=%v)%s", sn.id, next, crash, note)
	if nd == nil {
		return
	}
	c.closing.Add(1)
	go func() {
		defer c.closing.Done()
		defer close(done)
		nd.Close()
	}()
}

// Crash cuts node i's power; it restarts with Restart.
func (c *Cluster) Crash(i int) bool {
	c.life.Lock()
	defer c.life.Unlock()
	if c.nodes[i].state != stateUp {
		return false
	}
	c.stopLocked(i, stateDown, true)
	return true
}

// Restart starts a crashed node on what survived.
func (c *Cluster) Restart(i int) error {
	c.life.Lock()
	defer c.life.Unlock()
	if c.nodes[i].state != stateDown {
		return nil
	}
	return c.startLocked(i, false)
}

// leader returns the up node that is a ready leader in the highest term.
func (c *Cluster) leader() (int, incarnation, bool) {
	best, bestTerm := -1, uint64(0)
	var bestIn incarnation
	for i, sn := range c.nodes {
		in, ok := sn.current()
		if !ok || !in.node.IsLeader() {
			continue
		}
		if t := in.node.Raft().CurrentTerm(); best < 0 || t > bestTerm {
			best, bestTerm, bestIn = i, t, in
		}
	}
	return best, bestIn, best >= 0
}

// Remove removes node i from the configuration through the leader; once
// removed it is shut down and its disks wiped.
func (c *Cluster) Remove(i int) error {
	if c.state(i) != stateUp {
		return nil
	}
	_, ld, ok := c.leader()
	if !ok {
		return errors.New("no leader")
	}
	if err := c.caughtUp(ld); err != nil {
		return err
	}
	if err := ld.node.RemoveMember(c.nodes[i].id); err != nil {
		return err
	}
	c.life.Lock()
	defer c.life.Unlock()
	if c.nodes[i].state != stateRemoved {
		c.stopLocked(i, stateRemoved, false)
	}
	return nil
}

// state returns node i's lifecycle state.
func (c *Cluster) state(i int) nodeState {
	sn := c.nodes[i]
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.state
}

// Readd starts a removed node blank and adds it as a voter through the leader.
func (c *Cluster) Readd(ctx context.Context, i int) error {
	c.life.Lock()
	if c.nodes[i].state == stateRemoved {
		if err := c.startLocked(i, false); err != nil {
			c.life.Unlock()
			return err
		}
	}
	c.life.Unlock()
	_, ld, ok := c.leader()
	if !ok {
		return errors.New("no leader")
	}
	if err := c.caughtUp(ld); err != nil {
		return err
	}
	return ld.node.AddMember(ctx, c.nodes[i].id, string(c.addrs[i]), "")
}

// caughtUp returns an error unless every member of the leader's latest
// configuration is running and has committed it. Membership changes wait
// for that, as an operator would: hashicorp/raft (since #526) rejects
// votes from servers missing from the voter's own latest configuration,
// so a change made while a member lags behind the previous one can leave
// a configuration no candidate can win (seen with a leader removing
// itself: the remaining voters were a lagging node that never learnt of a
// re-added one, and that re-added node).
func (c *Cluster) caughtUp(ld incarnation) error {
	f := ld.node.Raft().GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	idx := f.Index()
	for _, s := range f.Configuration().Servers {
		for i, a := range c.addrs {
			if s.Address != a {
				continue
			}
			in, ok := c.nodes[i].current()
			if !ok {
				return fmt.Errorf("member %s is down", a)
			}
			if ci := in.node.Raft().CommitIndex(); ci < idx {
				return fmt.Errorf("member %s has committed %d, below the configuration at %d", a, ci, idx)
			}
		}
	}
	return nil
}

// members returns the leader's configuration, by node index.
func (c *Cluster) members(ld incarnation) (map[int]bool, error) {
	f := ld.node.Raft().GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, err
	}
	m := map[int]bool{}
	for _, s := range f.Configuration().Servers {
		for i, a := range c.addrs {
			if s.Address == a {
				m[i] = true
			}
		}
	}
	return m, nil
}

// shutdown stops every node (clean shutdown, no crash) and waits for them.
func (c *Cluster) shutdown() {
	c.life.Lock()
	for i, sn := range c.nodes {
		if sn.state == stateUp {
			c.stopLocked(i, stateDown, false)
		}
	}
	c.life.Unlock()
	c.closing.Wait()
}
