package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// member serialises membership changes (removal and re-adding run in
	// their own goroutines; one re-adding a node while another removes it
	// left a configuration naming a wiped node, seed 12761).
	member lifeLock
	// closing tracks background shutdowns of crashed incarnations.
	closing sync.WaitGroup

	wmu         sync.Mutex
	workarounds []string
}

// workaround records a known raft problem the run worked around.
func (c *Cluster) workaround(what string) {
	c.trace.Eventf("workaround: %s", what)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.workarounds = append(c.workarounds, what)
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
	// joining: started blank by Readd, so every later start is a joining
	// node (replication Config.Joining: no vote until registered).
	joining bool
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
	c := &Cluster{opts: opts, trace: tr, net: NewNetwork(opts.Seed, opts.RPCTimeout), life: newLifeLock(), member: newLifeLock()}
	for i := 0; i < opts.Nodes; i++ {
		id := fmt.Sprint("n", i)
		c.addrs = append(c.addrs, raft.ServerAddress(id))
		closed := make(chan struct{})
		close(closed)
		snaps := NewSegmentSnapshotDisk(id, opts.Seed*131+uint64(i), opts.ObjectFaults)
		if opts.NewSnapshotDisk != nil {
			snaps = opts.NewSnapshotDisk(id, opts.Seed*131+uint64(i))
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

// Start attempts: a node that refuses to start on an object-store error
// (transient: injected faults) is started again, as a supervisor would.
const (
	startAttempts = 10
	startBackoff  = 100 * time.Millisecond
)

// startLocked starts a new incarnation of node i on what its disks hold,
// retrying a start that failed.
func (c *Cluster) startLocked(i int, bootstrap bool) error {
	var err error
	for a := 0; a < startAttempts; a++ {
		if a > 0 {
			c.trace.Eventf("start of %s failed (%v): again", c.nodes[i].id, err)
			time.Sleep(startBackoff)
		}
		if err = c.startOnce(i, bootstrap); err == nil {
			return nil
		}
	}
	return err
}

// startOnce starts a new incarnation of node i on what its disks hold.
func (c *Cluster) startOnce(i int, bootstrap bool) error {
	sn := c.nodes[i]
	<-sn.closed // the previous incarnation must be gone before its disk is reused
	ls, ss := sn.disk.Open()
	store, err := sn.snaps.Open(ls)
	if err != nil {
		return fmt.Errorf("start %s: %w", sn.id, err)
	}
	tr := c.net.NewTransport(c.addrs[i], c.opts.VouchedForwarding)
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
		ReadConfirm:           c.opts.ReadConfirm,
		UnsafeSkipReadBarrier: c.opts.UnsafeSkipReadBarrier,
		TestFaults:            replication.TestFaults{AckBeforeCommit: c.opts.AckBeforeCommit},
		Joining:               sn.joining,
	}
	if bootstrap {
		cfg.Bootstrap = c.peers()
	}
	nd, err := replication.New(cfg)
	if err != nil {
		tr.Close()
		closeStore(store)
		return fmt.Errorf("start %s: %w", sn.id, err)
	}
	tr.SetNode(nd)
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
	nd, tr, store := sn.node, sn.tr, sn.store
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
		closeStore(store)
	}()
}

// closeStore closes a snapshot store the node does not own.
func closeStore(s raft.SnapshotStore) {
	if c, ok := s.(io.Closer); ok {
		c.Close()
	}
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

// leaderWaitMax bounds how long a membership fault waits for a leader.
const leaderWaitMax = time.Second

// waitLeader polls for a ready leader for up to max.
func (c *Cluster) waitLeader(max time.Duration) (incarnation, bool) {
	deadline := time.Now().Add(max)
	for {
		if _, ld, ok := c.leader(); ok || time.Now().After(deadline) {
			return ld, ok
		}
		time.Sleep(caughtUpPoll)
	}
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
// removed it is shut down and its disks wiped. When the removal's outcome
// is unknown (leadership lost while committing), it asks the leaders that
// follow until one shows a committed configuration with or without the
// node, as a careful operator would: a removed node left running with its
// old data never learns of its removal, and if a blank node later joins at
// an address its stale configuration lists, the blank node (which grants
// any vote while it has no configuration) can make it a second leader of
// the same term (seed 949, before this rule).
func (c *Cluster) Remove(i int) error {
	c.member.Lock()
	defer c.member.Unlock()
	if c.state(i) != stateUp {
		return nil
	}
	ld, ok := c.waitLeader(leaderWaitMax)
	if !ok {
		return errors.New("no leader")
	}
	if err := c.waitCaughtUp(ld); err != nil {
		return err
	}
	if err := ld.node.RemoveMember(c.nodes[i].id); err != nil {
		if removed, known := c.confirmMembership(i); !known || !removed {
			return fmt.Errorf("%w (removed %v, known %v)", err, removed, known)
		}
		c.trace.Eventf("removal of %s committed although RemoveMember said: %v", c.nodes[i].id, err)
	}
	c.life.Lock()
	defer c.life.Unlock()
	if c.nodes[i].state != stateRemoved {
		c.stopLocked(i, stateRemoved, false)
	}
	return nil
}

// confirmMax bounds how long confirmMembership asks leaders.
const confirmMax = 10 * time.Second

// confirmMembership reports whether node i is out of the configuration, as
// soon as a leader shows a committed configuration (known false when none
// did within confirmMax).
func (c *Cluster) confirmMembership(i int) (removed, known bool) {
	deadline := time.Now().Add(confirmMax)
	for time.Now().Before(deadline) {
		time.Sleep(convergePoll)
		_, ld, ok := c.leader()
		if !ok {
			continue
		}
		r := ld.node.Raft()
		f := r.GetConfiguration()
		if f.Error() != nil || r.CommitIndex() < r.LastIndex() {
			continue // the latest configuration may not be committed yet
		}
		in := false
		for _, s := range f.Configuration().Servers {
			in = in || s.Address == c.addrs[i]
		}
		return !in, true
	}
	return false, false
}

// state returns node i's lifecycle state.
func (c *Cluster) state(i int) nodeState {
	sn := c.nodes[i]
	sn.mu.Lock()
	defer sn.mu.Unlock()
	return sn.state
}

// Readd starts a removed node blank, as a joining node, and adds it as a
// voter through the leader (JoinMember with its incarnation, as RAFT JOIN
// does), once every member caught up. Since replication/rejoin.go a blank
// joining node refuses votes until registered; before it, a blank node left running outside
// the configuration is a hazard (raft grants any vote while its
// configuration is empty, taking it for a cluster being bootstrapped): a
// lagging member holding a stale configuration (one installed with an old
// snapshot) won an election with such a vote and overwrote committed
// entries (seed 8873). So when adding fails and the node is not confirmed
// a member, it is shut down and wiped again, as a careful operator would.
func (c *Cluster) Readd(ctx context.Context, i int) error {
	c.member.Lock()
	defer c.member.Unlock()
	ld, ok := c.waitLeader(leaderWaitMax)
	if !ok {
		return errors.New("no leader")
	}
	if err := c.waitCaughtUp(ld); err != nil {
		return err
	}
	c.life.Lock()
	if c.nodes[i].state == stateRemoved {
		c.nodes[i].joining = true
		if err := c.startLocked(i, false); err != nil {
			c.life.Unlock()
			return err
		}
	}
	in, up := c.nodes[i].current()
	c.life.Unlock()
	if !up {
		return fmt.Errorf("%s is not running", c.nodes[i].id)
	}
	idx, term, err := ld.node.JoinMember(ctx, c.nodes[i].id, string(c.addrs[i]), "", in.node.Incarnation())
	if err == nil {
		// What kv serve --join does with the leader's reply.
		if err := in.node.SetRegistration(idx, term); err != nil {
			c.trace.Eventf("%s: recording its registration: %v", c.nodes[i].id, err)
		}
		return nil
	}
	if removed, known := c.confirmMembership(i); known && !removed {
		c.trace.Eventf("%s was added although AddMember said: %v", c.nodes[i].id, err)
		return nil
	}
	c.life.Lock()
	if c.nodes[i].state == stateUp {
		c.stopLocked(i, stateRemoved, false)
	}
	c.life.Unlock()
	return err
}

// caughtUp returns an error unless every member of the leader's latest
// configuration is running and has committed everything the leader holds
// (so the configuration too: raft's GetConfiguration does not say at which
// index it is). Membership changes wait for that, as an operator would:
// hashicorp/raft (since #526) rejects votes from servers missing from the
// voter's own latest configuration, so a change made while a member lags
// behind the previous one can leave a configuration no candidate can win
// (seeds 374 and 158: a lagging node that never learnt of a re-added one).
func (c *Cluster) caughtUp(ld incarnation) error {
	r := ld.node.Raft()
	f := r.GetConfiguration()
	if err := f.Error(); err != nil {
		return err
	}
	ci, li := r.CommitIndex(), r.LastIndex()
	if ci < li {
		return fmt.Errorf("leader has uncommitted entries (commit %d, last %d)", ci, li)
	}
	for _, s := range f.Configuration().Servers {
		for i, a := range c.addrs {
			if s.Address != a {
				continue
			}
			in, ok := c.nodes[i].current()
			if !ok {
				return fmt.Errorf("member %s is down", a)
			}
			if mci := in.node.Raft().CommitIndex(); mci < ci {
				return fmt.Errorf("member %s has committed %d, the leader %d", a, mci, ci)
			}
		}
	}
	return nil
}

// caughtUpMax bounds waitCaughtUp; caughtUpPoll is its poll period.
const (
	caughtUpMax  = time.Second
	caughtUpPoll = 5 * time.Millisecond
)

// waitCaughtUp polls caughtUp until it holds (under load the leader
// usually has an entry in flight) or caughtUpMax passed.
func (c *Cluster) waitCaughtUp(ld incarnation) error {
	deadline := time.Now().Add(caughtUpMax)
	for {
		err := c.caughtUp(ld)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(caughtUpPoll)
	}
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
