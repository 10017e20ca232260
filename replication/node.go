package replication

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/kv/pubsub"
	"redraft/replication/snapshot/objstore"
)

// Peer is a voter of the initial configuration.
type Peer struct {
	ID   string
	Addr string // Raft address host:port
}

// Config configures a Node. Zero durations take the defaults below.
type Config struct {
	ID string
	// Transport carries Raft RPCs (NewTCPTransport, or Maelstrom's).
	Transport raft.Transport
	// DataDir holds the log and stable store (LogStore) and snapshots; ""
	// keeps everything in memory (tests, throwaway clusters).
	DataDir string
	// LogStore is the kind of log store under DataDir (LogStoreAuto: the
	// kind DataDir holds, DefaultLogStore in a new one).
	LogStore LogStoreKind
	// SnapshotObjects is the object store the segment/manifest snapshot
	// store (replication/snapshot) writes to; nil: a directory store under
	// DataDir/objects, or memory when DataDir is "". Several nodes may share
	// one store: each uses its ID as the object-name prefix. The node owns
	// it: Close closes it (when it is an io.Closer), even when New fails.
	SnapshotObjects objstore.Store
	// Stores, when set, replaces DataDir: raft's log, stable and snapshot
	// stores come from it (the simulation injects crash-faulty ones; a node
	// restarted on the stores that survived a crash resumes from them). The
	// caller owns them: Close does not close them.
	Stores *Stores
	// RaftLogLevel is hashicorp/raft's log level ("debug", "info", "warn",
	// "error"); "" or unknown: warn.
	RaftLogLevel string
	// Joining: the node joins an existing cluster through RAFT JOIN (kv
	// serve --join). Started with no Raft state, it draws an incarnation,
	// keeps it in DataDir and refuses votes until the leader registered it
	// (rejoin.go).
	Joining bool
	// Bootstrap is the initial voter set, identical on every node; empty
	// for a node that joins an existing cluster or restarts.
	Bootstrap []Peer

	// The timer defaults (400/400/300 ms) were chosen by measurement on a
	// loaded two-core machine (results/failover.md): the longest heartbeat
	// timeout whose failover after kill -9 of the leader stays within 1 s
	// at the median; shorter ones lose the leader without any fault.
	HeartbeatTimeout   time.Duration // default 400ms
	ElectionTimeout    time.Duration // default 400ms
	LeaderLeaseTimeout time.Duration // default 300ms
	CommitTimeout      time.Duration // default 50ms
	// ApplyTimeout bounds a proposal's enqueue into raft (past it the
	// command is refused: it never entered the log) and the dial of a
	// forwarding connection. Default 2s.
	ApplyTimeout time.Duration
	// CommitWait bounds how long an entry this node proposed may take to
	// apply while the node stays leader; past it the outcome is reported
	// unknown (-UNCERTAIN). Raft itself ends the wait sooner, with an
	// error, when leadership is lost or the node stops, so this bound only
	// matters for a leader that keeps its quorum but commits slowly (a
	// flood of pipelined writes, a slow disk): the client then waits,
	// which is the back-pressure, instead of being told UNCERTAIN about a
	// command that will commit. Default 10s.
	CommitWait time.Duration
	// MaxInflight bounds log entries proposed and not yet applied (the
	// group-commit window). Default 1: while one entry is in flight every
	// new command waits for the next entry, which then carries them all.
	// With three nodes sharing one disk (a laptop cluster, our benchmarks)
	// fsyncs serialise and bigger entries beat overlapping ones:
	// BenchmarkClusterSet measured 12.5k-18.2k SETs/s at 1 against
	// 10.2k-13.3k at 2, 11.2k-12.2k at 4 and 10.2k-12.6k at 16 (50 clients).
	MaxInflight int
	// BatchLinger bounds how long a new entry waits for the commands the
	// clients answered by the previous entry are expected to send next
	// (proposer.gather). Default 300us; negative disables.
	BatchLinger time.Duration
	// ReadConsistency: Linearizable (default), Lease or Stale.
	ReadConsistency ReadConsistency
	// ReadConfirm: how the read barrier confirms leadership, ConfirmProbe
	// (default: ask the other voters' terms, termprobe.go) or
	// ConfirmHeartbeat (raft.VerifyLeader).
	ReadConfirm ReadConfirm
	// ClientAddr is this node's RESP address, registered in the replicated
	// state when it leads so that followers can forward to it.
	ClientAddr string
	// Redirect makes followers answer -MOVED 0 <leader-addr> instead of
	// forwarding commands to the leader.
	Redirect bool
	// Forwarder carries batches to the leader; nil uses the leader's
	// registered RESP address over TCP.
	Forwarder Forwarder
	// ForwardPassword returns the password the default forwarder sends
	// with AUTH on each connection it opens to another member's client
	// port: the cluster's requirepass, which every member demands (nil or
	// "": no AUTH). It is read at each new connection, so a CONFIG SET
	// requirepass applied on every member takes effect.
	ForwardPassword func() string
	// ClusterAuth, when set, is the authentication of the Raft port
	// Transport was made with (NewAuthTransport): member-to-member
	// requests (forwarding, RAFT INFO, RAFT JOIN) then go over it and the
	// client port refuses REDRAFT.FORWARD (peerserve.go).
	ClusterAuth *ClusterAuth
	// LeaderWait bounds how long a follower waits for a leader to be known
	// before refusing a command (default 1s).
	LeaderWait time.Duration
	// SnapshotThreshold and TrailingLogs as in raft.Config (defaults 8192, 10240).
	SnapshotThreshold uint64
	TrailingLogs      uint64
	// NoSync skips fsync of the log (unsafe; benchmarks only).
	NoSync bool
	// LogOutput receives raft's own log (default os.Stderr), at Warn level.
	LogOutput io.Writer
	// Clock returns Unix ms (default time.Now); tests move it.
	Clock func() int64
	// UnsafeSkipReadBarrier serves reads on the leader from whatever its
	// state machine has applied, without the read barrier: reads may be
	// stale. Test-only: it exists so that replication/sim can show it
	// detects the non-linearizable reads this allows. Never set it otherwise.
	UnsafeSkipReadBarrier bool
	// TestFaults break the consistency contract on purpose (testfaults.go);
	// test-only, like UnsafeSkipReadBarrier.
	TestFaults TestFaults
}

// DefaultCommitWait is Config.CommitWait's default: long enough for a
// leader committing a flood of pipelined writes on a loaded disk, short
// enough that a stuck one answers before most clients give up on it.
const DefaultCommitWait = 10 * time.Second

// Stores are the raft storage of a node that does not use DataDir.
type Stores struct {
	Log       raft.LogStore
	Stable    raft.StableStore
	Snapshots raft.SnapshotStore
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.HeartbeatTimeout, 400*time.Millisecond)
	def(&c.ElectionTimeout, 400*time.Millisecond)
	def(&c.LeaderLeaseTimeout, 300*time.Millisecond)
	def(&c.CommitTimeout, 50*time.Millisecond)
	def(&c.ApplyTimeout, 2*time.Second)
	def(&c.CommitWait, DefaultCommitWait)
	def(&c.LeaderWait, time.Second)
	def(&c.BatchLinger, defaultBatchLinger)
	if c.MaxInflight == 0 {
		c.MaxInflight = 1
	}
	if c.LogOutput == nil {
		c.LogOutput = os.Stderr
	}
	if c.Clock == nil {
		c.Clock = func() int64 { return time.Now().UnixMilli() }
	}
}

// Node is one replica: raft, its stores, the FSM and the write and read actors.
type Node struct {
	cfg    Config
	raft   *raft.Raft
	fsm    *FSM
	logs   raft.LogStore
	closer []io.Closer // stores, closed after raft shut down
	prop   *proposer
	reads  *reader
	fwd    *forwarder
	// moves cancels a context at each change of the leader this node knows
	// (leaderwatch.go): a forward to the old leader stops waiting.
	moves *leaderEpoch
	stall stallState
	// metrics are the node's Prometheus metrics (metrics.go).
	metrics *nodeMetrics

	// logKind is the kind of log store opened under DataDir ("" otherwise).
	logKind LogStoreKind

	// snapRefused asks snapshotOnRefusal for a snapshot (olderstate.go);
	// snapshotRetakes counts the snapshots taken for it.
	snapRefused     chan struct{}
	snapshotRetakes atomic.Uint64

	// campaign refuses this node's pre-votes while its FSM holds no state
	// (campaigngate.go); nil when the transport has no pre-vote.
	campaign *campaignGate

	// incarnation is what this node joins with ("": not gated);
	// votesRefused counts the vote requests refused meanwhile (rejoin.go).
	incarnation  string
	registered   atomic.Bool
	regIndex     atomic.Uint64 // where the leader said it registered the incarnation (SetRegistration)
	regTerm      atomic.Uint64
	votesRefused atomic.Uint64
	stable       raft.StableStore

	notify chan bool
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// defaultBatchLinger: see Config.BatchLinger.
const defaultBatchLinger = 300 * time.Microsecond

// ErrDataLocked: another process holds the data directory.
var ErrDataLocked = errors.New("replication: data directory is in use by another process")

// dataLockTimeout bounds the wait for bolt's file lock, so a second process
// on the same data directory fails fast instead of hanging.
const dataLockTimeout = time.Second

// New starts a node. It bootstraps the cluster when cfg.Bootstrap is set and
// the data directory holds no Raft state yet.
func New(cfg Config) (*Node, error) {
	cfg.defaults()
	if cfg.ID == "" || cfg.Transport == nil {
		if c, ok := cfg.SnapshotObjects.(io.Closer); ok {
			c.Close()
		}
		return nil, errors.New("replication: Config.ID and Config.Transport are required")
	}
	n := &Node{cfg: cfg, fsm: newFSM(cfg.ID), notify: make(chan bool, 16), stop: make(chan struct{}),
		snapRefused: make(chan struct{}, 1), metrics: newNodeMetrics(),
		fwd:   newForwarder(cfg.ApplyTimeout+time.Second, cfg.CommitWait+time.Second, cfg.ForwardPassword),
		moves: newLeaderEpoch()}

	stable, snaps, err := n.openStores()
	if err != nil {
		return nil, err
	}

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	rc.CommitTimeout = cfg.CommitTimeout
	rc.MaxAppendEntries = 256
	// BatchApplyCh stays off: with a buffered apply channel a future still
	// queued when raft shuts down is never resolved (Close would hang on it)
	// and Apply's timeout no longer bounds the enqueue (docs/hashicorp-raft.md). The
	// proposer batches commands into entries itself.
	rc.BatchApplyCh = false
	rc.NotifyCh = n.notify
	if cfg.SnapshotThreshold != 0 {
		rc.SnapshotThreshold = cfg.SnapshotThreshold
	}
	if cfg.TrailingLogs != 0 {
		rc.TrailingLogs = cfg.TrailingLogs
	}
	rc.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Output: cfg.LogOutput, Level: raftLogLevel(cfg.RaftLogLevel)})

	has, err := raft.HasExistingState(n.logs, stable, snaps)
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("replication: %w", err)
	}
	if len(cfg.Bootstrap) > 0 && !has {
		var conf raft.Configuration
		for _, p := range cfg.Bootstrap {
			conf.Servers = append(conf.Servers, raft.Server{Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
		}
		if err := raft.BootstrapCluster(rc, n.logs, stable, snaps, cfg.Transport, conf); err != nil {
			n.closeStores()
			return nil, fmt.Errorf("replication: bootstrap: %w", err)
		}
		has = true
	}
	n.stable = stable
	n.incarnation, err = loadIncarnation(stable, cfg.Joining, has)
	if err == nil {
		err = n.initRegistration()
	}
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("replication: %w", err)
	}
	raftLogs := n.logs
	if n.incarnation != "" && !n.registered.Load() {
		raftLogs = regWatch{LogStore: n.logs, n: n}
	}
	m := n.metrics
	m.slow = newSlowOps(slog.New(slog.NewTextHandler(cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelWarn})).With("node", cfg.ID))
	fsm := timedFSM{n.fsm, m}
	// The node's own snapshot loads while raft runs (ownload.go).
	own, err := newestSnapshot(snaps)
	if err != nil {
		n.closeStores()
		return nil, fmt.Errorf("replication: snapshots: %w", err)
	}
	info := slog.New(slog.NewTextHandler(cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelInfo})).With("node", cfg.ID)
	if own != nil {
		rc.NoSnapshotRestoreOnStart = true
		n.fsm.startOwnLoad(snaps, own, fsm.restoreOwn, info)
	}
	// A node without a state does not campaign (campaigngate.go).
	trans := n.gateCampaign(m.transport(n.watchRefusals(n.gateVotes(cfg.Transport))), info)
	r, err := raft.NewRaft(rc, fsm, m.logStore(raftLogs), stable, timedSnapshots{snaps, m}, trans)
	if err != nil {
		n.fsm.stopOwnLoad()
		close(n.stop)
		n.wg.Wait()
		n.closeStores()
		return nil, fmt.Errorf("replication: %w", err)
	}
	n.raft = r
	m.observe(r)
	r.RegisterObserver(raft.NewObserver(nil, false, n.moves.observe))
	n.prop = newProposer(r, cfg.ID, cfg.MaxInflight, cfg.ApplyTimeout, cfg.CommitWait, cfg.BatchLinger, cfg.Clock, uint64(time.Now().UnixNano()))
	n.prop.onEntry = m.observeEntry
	n.reads = newReader(r, n.logs, n.fsm, cfg.ReadConsistency, cfg.LeaderLeaseTimeout, cfg.ApplyTimeout)
	if cfg.ReadConfirm == ConfirmProbe {
		n.reads.prober = &prober{peers: n.pairPeers, probe: n.probeTerm, anyTerm: cfg.TestFaults.ProbeAnyTerm}
	}
	if cfg.ClusterAuth != nil {
		n.attachClusterAuth(cfg.ClusterAuth)
	}
	n.wg.Add(4)
	go n.watchLeadership()
	go n.expiryLoop()
	go n.blockingLoop()
	go n.snapshotOnRefusal()
	return n, nil
}

// raftLogLevel parses Config.RaftLogLevel.
func raftLogLevel(s string) hclog.Level {
	if l := hclog.LevelFromString(s); l != hclog.NoLevel {
		return l
	}
	return hclog.Warn
}

// watchLeadership commits a barrier each time this node becomes leader, so
// that reads are served only once the new term's commit index is current.
func (n *Node) watchLeadership() {
	defer n.wg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	log := slog.New(slog.NewTextHandler(n.cfg.LogOutput, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for {
		select {
		case <-tick.C:
			n.registerWithLeader()
			n.checkStalled(log)
		case leader := <-n.notify:
			if !leader {
				continue
			}
			if term, ok := n.awaitTermCommit(); ok {
				n.reads.leaderReady(term)
				n.registerClientAddr()
			}
		case <-n.stop:
			return
		}
	}
}

// termCommitPoll is how often awaitTermCommit looks at the commit index.
const termCommitPoll = 2 * time.Millisecond

// awaitTermCommit waits until this leader's commit index points at an entry
// of its own term (raft appends a no-op when a term starts), which proves
// the commit index covers everything earlier leaders committed (docs/hashicorp-raft.md: a
// new leader's commit index can lag until then). It reports the term, or
// false when leadership was lost, the node is stopping or ApplyTimeout
// passed. It polls instead of waiting on a raft.Barrier future, which never
// resolves if raft shuts down while the barrier is queued.
func (n *Node) awaitTermCommit() (uint64, bool) {
	term := n.raft.CurrentTerm()
	deadline := time.Now().Add(n.cfg.ApplyTimeout)
	var l raft.Log
	for time.Now().Before(deadline) {
		if n.raft.State() != raft.Leader || n.raft.CurrentTerm() != term {
			return 0, false
		}
		if ci := n.raft.CommitIndex(); ci > 0 && n.logs.GetLog(ci, &l) == nil && l.Term == term {
			return term, true
		}
		select {
		case <-time.After(termCommitPoll):
		case <-n.stop:
			return 0, false
		}
	}
	return 0, false
}

// registerClientAddr proposes this node's client address when the
// replicated registry does not have it yet (followers forward to it).
func (n *Node) registerClientAddr() {
	if n.cfg.ClientAddr == "" || n.fsm.NodeAddr(n.cfg.ID) == n.cfg.ClientAddr {
		return
	}
	// Best effort: a failure is retried at the next leadership change, and
	// followers answer CLUSTERDOWN meanwhile.
	awaitFuture(n.raft.Apply(encodeMeta(n.cfg.ID, n.cfg.ClientAddr), n.cfg.ApplyTimeout), n.stop)
}

// registerWithLeader sends this follower's client address to the leader
// when the registry lacks it (RAFT NODES and catch-up checks use it).
func (n *Node) registerWithLeader() {
	if n.cfg.ClientAddr == "" || n.raft.State() == raft.Leader || n.fsm.NodeAddr(n.cfg.ID) == n.cfg.ClientAddr {
		return
	}
	addr := n.LeaderClientAddr()
	if addr == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n.fwd.call(ctx, addr, []byte(ForwardCommand), encodeMeta(n.cfg.ID, n.cfg.ClientAddr))
}

// RESP error texts of the replicated executor (documented in docs/replication.md).
const (
	// Definite: the command was not executed.
	ErrTextNoLeader  = "CLUSTERDOWN no leader is known; the command was not executed"
	ErrTextNotLeader = "NOTLEADER this node is not the leader (leader: %s); the command was not executed"
	// Indefinite: the command may or may not have taken effect.
	ErrTextUnknown  = "UNCERTAIN outcome unknown: the command may or may not have been executed"
	ErrTextShutdown = "SHUTDOWN the node is shutting down; the command was not executed"
	// Definite: a follower could not authenticate to the leader.
	ErrTextForwardAuth = "ERR this node cannot forward to the leader: the leader refused its AUTH (every member must have the same requirepass); the command was not executed"
)

// Execute implements the RESP edge's Executor. On the leader a group with
// any write goes through the log whole (reads in it keep their order
// relative to the writes) and a group of reads is served after a read
// barrier. A follower forwards the group to the leader (or redirects, or,
// for reads in Stale mode, serves them itself).
func (n *Node) Execute(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer) {
	if len(cmds) == 0 {
		return
	}
	write := n.anyWrite(cmds)
	if n.raft.State() == raft.Leader || (!write && n.cfg.ReadConsistency == Stale) {
		n.executeLocal(ctx, cmds, write, w)
		return
	}
	n.executeRemote(ctx, cmds, write, w)
}

// executeRemote sends cmds to the current leader, waiting up to LeaderWait
// for one to be known and reachable.
func (n *Node) executeRemote(ctx context.Context, cmds []*kv.Cmd, write bool, w *kv.Writer) {
	deadline := time.Now().Add(n.cfg.LeaderWait)
	for {
		moved := n.moves.current() // before reading the leader
		_, id := n.raft.LeaderWithID()
		if id == raft.ServerID(n.cfg.ID) && n.raft.State() == raft.Leader {
			n.executeLocal(ctx, cmds, write, w)
			return
		}
		addr := ""
		if id != "" {
			addr = n.fsm.NodeAddr(string(id))
		}
		if id != "" && n.cfg.Redirect && addr != "" {
			for range cmds {
				w.Error("MOVED 0 " + addr)
			}
			return
		}
		if id != "" && (addr != "" || n.cfg.Forwarder != nil) {
			var reply []byte
			var err error
			if n.cfg.Forwarder != nil {
				reply, err = n.cfg.Forwarder.Forward(ctx, string(id), EncodeForward(cmds))
			} else {
				// Stop waiting as soon as this node learns of another
				// leader (or of none): the reply would be -UNCERTAIN at
				// best, or never come.
				fctx, cancel := untilMoved(ctx, moved)
				reply, err = n.fwd.forward(fctx, addr, EncodeForward(cmds))
				cancel()
			}
			if err == nil {
				w.Raw(n.localPublishCounts(cmds, reply))
				return
			}
			if errors.Is(err, ErrForwardAuth) {
				// Definite: refused before anything was sent. The
				// members' passwords differ; retrying cannot help.
				for range cmds {
					w.Error(ErrTextForwardAuth)
				}
				return
			}
			if !errors.Is(err, ErrForwardNotSent) {
				if write {
					n.writeErr(w, cmds, errUnknown)
				} else {
					n.writeErr(w, cmds, errNotLeader)
				}
				return
			}
			// Not sent: the leader may have moved; try again until the deadline.
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			n.writeErr(w, cmds, errNotLeader)
			return
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		case <-n.stop:
			n.writeErr(w, cmds, errShutdown)
			return
		}
	}
}

// HandleForward runs a batch a follower forwarded (REDRAFT.FORWARD) and
// returns the concatenated replies. It never forwards again: if this node
// lost leadership meanwhile, the replies are its definite refusals.
func (n *Node) HandleForward(ctx context.Context, payload []byte) ([]byte, error) {
	if len(payload) == 1 && payload[0] == entryProbe {
		return n.probeReply(), nil
	}
	if len(payload) == 1 && payload[0] == entryHolds {
		return n.holdsReply(), nil
	}
	if len(payload) > 0 && payload[0] == entryMeta {
		// A member registering its client address. Incarnations are
		// recorded only by the leader's join handling (rejoin.go).
		if _, _, inc, err := decodeMeta(payload); err != nil {
			return nil, err
		} else if inc != "" {
			return nil, errEntryCorrupt
		}
		if n.raft.State() != raft.Leader {
			return nil, ErrNotLeader
		}
		// raft keeps Data (its log cache, the replication pipelines) after
		// Apply returns; payload is the caller's buffer (a RESP connection's
		// input, reused for the next command): give raft a copy.
		return nil, awaitFuture(n.raft.Apply(bytes.Clone(payload), n.cfg.ApplyTimeout), n.stop)
	}
	_, cmds, err := decodeEntry(payload)
	if err != nil {
		return nil, err
	}
	// Decoded arguments alias payload, which the caller keeps intact until
	// HandleForward returns; the machine copies whatever it stores.
	w := kv.NewWriter(nil, 2)
	if len(cmds) > 0 {
		n.executeLocal(ctx, cmds, n.anyWrite(cmds), w)
	}
	return w.Bytes(), nil
}

func (n *Node) executeLocal(ctx context.Context, cmds []*kv.Cmd, write bool, w *kv.Writer) {
	if !write {
		if !n.cfg.UnsafeSkipReadBarrier {
			if err := n.reads.barrier(); err != nil {
				n.writeErr(w, cmds, err)
				return
			}
		}
		now := n.cfg.Clock()
		n.fsm.Read(func(m *kv.Machine) { execReads(m, n.fsm.AppliedIndex(), cmds, now, w) })
		return
	}
	if n.cfg.TestFaults.Any() && n.executeFaulty(ctx, cmds, w) {
		return
	}
	n.proposeInto(ctx, cmds, w)
}

// anyWrite reports whether a group holds a command that may change the
// state. The command table decides, except for the commands whose nature
// depends on the state (EVALSHA of a no-writes script, kv/scriptroute.go),
// which this node's machine decides.
func (n *Node) anyWrite(cmds []*kv.Cmd) bool {
	isWrite := func(a [][]byte) bool {
		s := kv.Lookup(a[0])
		if s == nil || !s.IsWriteArgs(a) {
			return false
		}
		if !kv.WriteDependsOnState(s) {
			return true
		}
		w := true
		n.fsm.Read(func(m *kv.Machine) { w = m.IsWrite(a) })
		return w
	}
	for _, c := range cmds {
		if c.Tx != nil {
			for _, a := range c.Tx.Cmds {
				if isWrite(a) {
					return true
				}
			}
			continue
		}
		if isWrite(c.Args) {
			return true
		}
	}
	return false
}

func (n *Node) writeErr(w *kv.Writer, cmds []*kv.Cmd, err error) {
	var text string
	switch {
	case errors.Is(err, errNotLeader):
		if addr, id := n.raft.LeaderWithID(); addr == "" {
			text = ErrTextNoLeader
		} else {
			text = fmt.Sprintf(ErrTextNotLeader, id)
		}
	case errors.Is(err, errShutdown):
		text = ErrTextShutdown
	default:
		text = ErrTextUnknown
	}
	for range cmds {
		w.Error(text)
	}
}

// Watch implements the Executor: key versions in database db, read behind
// the read barrier.
func (n *Node) Watch(ctx context.Context, db int, keys [][]byte) ([]uint64, error) {
	// redraft.keyversions goes the way of any read: served behind the read
	// barrier on the leader, forwarded (or redirected) from a follower.
	args := append([][]byte{[]byte("redraft.keyversions")}, keys...)
	w := kv.NewWriter(nil, 2)
	n.Execute(ctx, []*kv.Cmd{{Args: args, Proto: 2, DB: db}}, w)
	return parseVersions(w.Bytes(), len(keys))
}

// parseVersions decodes redraft.keyversions' reply: an array of integers,
// or an error reply, which is returned as the error (its text is one of the
// documented refusals, e.g. CLUSTERDOWN or MOVED).
func parseVersions(b []byte, n int) ([]uint64, error) {
	if len(b) > 0 && b[0] == '-' {
		return nil, errors.New(strings.TrimRight(string(b[1:]), "\r\n"))
	}
	lines := strings.Split(string(b), "\r\n")
	if len(lines) < n+1 || lines[0] != "*"+strconv.Itoa(n) {
		return nil, fmt.Errorf("replication: unexpected keyversions reply %q", b)
	}
	out := make([]uint64, n)
	for i := range out {
		v, err := strconv.ParseUint(strings.TrimPrefix(lines[i+1], ":"), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("replication: unexpected keyversions reply %q", b)
		}
		out[i] = v
	}
	return out, nil
}

// Keyspace implements the Executor (local state, no barrier).
func (n *Node) Keyspace() (dbs []kv.KeyspaceInfo) {
	n.fsm.Read(func(m *kv.Machine) { dbs = m.Keyspace() })
	return dbs
}

// KillScript implements the RESP edge's ScriptKiller: SCRIPT KILL and
// FUNCTION KILL stop this node's running read-only scripts.
func (n *Node) KillScript(function bool) string { return n.fsm.cur.Load().KillScript(function) }

// Raft exposes the raft instance (cluster management, tests).
func (n *Node) Raft() *raft.Raft { return n.raft }

// AppliedIndex returns the FSM's applied index.
func (n *Node) AppliedIndex() uint64 { return n.fsm.AppliedIndex() }

// PubSub returns the node's pub/sub hub (resp.PubSubProvider): applied
// PUBLISH commands deliver to the subscribers registered there.
func (n *Node) PubSub() *pubsub.Hub { return n.fsm.PubSub() }

// IsLeader reports whether this node is leader and ready to serve reads.
func (n *Node) IsLeader() bool {
	return n.raft.State() == raft.Leader && n.reads.readyTerm.Load() == n.raft.CurrentTerm()
}

// Close shuts the node down: the read actor while raft still runs, then
// the transport, then raft (which resolves every pending apply future, so
// the other actors stop promptly), then the actors, then the stores
// (docs/hashicorp-raft.md: closing stores before raft.Shutdown panics).
//
// The read actor goes first because raft never resolves a VerifyLeader
// future still queued in its (buffered) verify channel when it shuts down:
// a read round caught by Shutdown would wait forever and hang Close
// (found by replication/sim, seed 461). While raft runs, every
// VerifyLeader resolves, at the latest when a leader without a quorum
// steps down after LeaderLeaseTimeout.
func (n *Node) Close() error {
	var err error
	n.once.Do(func() {
		// A load of the node's own snapshot would hold raft's shutdown up
		// (raft's FSM goroutine waits for it): stop it first.
		n.fsm.stopOwnLoad()
		close(n.stop)
		n.reads.close()
		if c, ok := n.cfg.Transport.(raft.WithClose); ok {
			c.Close()
		}
		err = n.raft.Shutdown().Error()
		// raft's NetworkTransport.Close stops accepting but leaves its
		// pooled outgoing connections open, and a peer serves each of
		// them on a goroutine blocked in a read until it closes: close
		// them, so the peers' goroutines end with this node.
		if c, ok := n.cfg.Transport.(interface{ CloseStreams() }); ok {
			c.CloseStreams()
		}
		n.prop.close()
		if n.cfg.ClusterAuth != nil {
			n.cfg.ClusterAuth.closePeers()
		}
		n.wg.Wait()
		n.fwd.close()
		n.closeStores()
	})
	return err
}

func (n *Node) closeStores() {
	for _, c := range n.closer {
		c.Close()
	}
}
