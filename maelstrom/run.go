package maelstrom

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"redraft/replication"
)

// Timing is the Raft and request timing of a Maelstrom node. Zero fields
// take the defaults of DefaultTiming.
type Timing struct {
	// Heartbeat is raft's HeartbeatTimeout: a follower that hears nothing
	// for a random 1-2x of it starts an election; the leader sends
	// heartbeats every random 0.1-0.2x of it.
	Heartbeat   time.Duration
	Election    time.Duration // raft's ElectionTimeout (candidates)
	LeaderLease time.Duration // an isolated leader steps down after it
	// Commit is raft's CommitTimeout: the leader sends each follower an
	// AppendEntries at least every random 1-2x of it (commit index news).
	Commit time.Duration
	// Apply bounds a proposal's wait for commit (then the outcome is unknown)
	// and a read barrier's wait for the state machine.
	Apply time.Duration
	// LeaderWait bounds how long a node without a reachable leader keeps
	// trying before it refuses a request with 11.
	LeaderWait time.Duration
	// Op bounds one client operation, forwarding included. It stays below
	// Maelstrom's client timeout (1 s), so that a node answers before the
	// client gives up.
	Op time.Duration
	// RPC is the deadline of one raft RPC; below Heartbeat (docs/hashicorp-raft.md).
	RPC time.Duration
	// Snapshot is the deadline of one InstallSnapshot.
	Snapshot time.Duration
	// AppendRetry bounds the resending of an unanswered AppendEntries that
	// carries the log (Transport.AppendEntries).
	AppendRetry time.Duration
	// HeartbeatRide and HeartbeatHold: a heartbeat to a follower that
	// answered an AppendEntries less than HeartbeatRide ago is held until
	// it has been quiet that long, for at most HeartbeatHold (hold.go).
	// Zero takes Heartbeat/5 and Heartbeat/2; a negative HeartbeatHold
	// turns holding off.
	HeartbeatRide time.Duration
	HeartbeatHold time.Duration
}

// DefaultTiming is tuned for Maelstrom's 1 s client timeout and loopback
// latencies (0-20 ms per hop with --latency 10 --latency-dist uniform):
//
//   - Heartbeat and Election 200 ms: a follower that hears nothing for
//     200-400 ms starts an election, so a new leader usually serves within
//     0.5 s, within one client timeout. raft's leader sends heartbeats every
//     20-40 ms; holding them while replication traffic keeps a follower
//     informed (hold.go: HeartbeatRide 40 ms, HeartbeatHold 100 ms) saves
//     most of them under load. A longer timeout saves messages and costs
//     failover time.
//   - LeaderLease 200 ms (raft's maximum, the heartbeat timeout): the
//     leader steps down when a quorum has not answered for that long. At
//     100 ms a loaded machine made leaders step down with no fault at all:
//     node logs of 5-node runs show every follower late by 150-250 ms at
//     once (their raft loops wait for fsyncs on a shared disk, and
//     heartbeats queue behind them), then an election. The lease decides
//     nothing else here: reads confirm leadership with a quorum, and an
//     isolated leader's clients are outside the structural bound anyway.
//     With REDRAFT_READS=lease, where the lease serves reads, it defaults
//     to 3/4 of the heartbeat timeout instead, below a follower's 200 ms.
//   - Commit 50 ms: commit-index news at most twice per 100 ms per follower
//     when idle (docs/hashicorp-raft.md measured 5 ms -> 50 ms: 9.6 -> 5.9 messages/op).
//
// Measured in the simulated network (TestMeasureTiming: 3 nodes, ~100
// ops/s, no faults, latency 0; linearizable reads, forwarded reads vouched
// by the follower's term), messages per operation (client messages
// included) by heartbeat timeout, heartbeats held / not held: 100 ms
// 7.40 / 8.21, 150 ms 6.77 / 7.51, 200 ms 6.58 / 7.05, 300 ms 6.37 / 6.64;
// answered 1.000 and ok latency p99 2-5 ms in every setting.
//   - RPC 100 ms: half a heartbeat timeout, ~5 round trips at 10 ms latency.
//     Below the heartbeat timeout, so that a reply raft counts for a
//     VerifyLeader comes from a follower that could not have voted for
//     another leader since it sent it (docs/hashicorp-raft.md).
//   - LeaderWait 500 ms and Op 800 ms: a request on a node that cannot
//     reach a leader gets 11 (or, for a write whose fate is unknown, 13)
//     before the client's 1 s timeout, with 200 ms to spare for a busy
//     machine.
var DefaultTiming = Timing{
	Heartbeat:   200 * time.Millisecond,
	Election:    200 * time.Millisecond,
	LeaderLease: 200 * time.Millisecond,
	Commit:      50 * time.Millisecond,
	Apply:       800 * time.Millisecond,
	LeaderWait:  500 * time.Millisecond,
	Op:          800 * time.Millisecond,
	RPC:         100 * time.Millisecond,
	Snapshot:    5 * time.Second,
	AppendRetry: 5 * time.Second,
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming
	if t.Heartbeat != 0 {
		// A heartbeat timeout that was set carries the defaults that
		// follow from it (raft wants election >= heartbeat >= lease).
		d.Election, d.LeaderLease, d.RPC = t.Heartbeat, t.Heartbeat, t.Heartbeat/2
	}
	hb := cmp.Or(t.Heartbeat, d.Heartbeat)
	if t.HeartbeatRide == 0 {
		t.HeartbeatRide = hb / 5
	}
	if t.HeartbeatHold == 0 {
		t.HeartbeatHold = hb / 2
	}
	for _, f := range []struct{ v, def *time.Duration }{
		{&t.Heartbeat, &d.Heartbeat}, {&t.Election, &d.Election}, {&t.LeaderLease, &d.LeaderLease},
		{&t.Commit, &d.Commit}, {&t.Apply, &d.Apply}, {&t.LeaderWait, &d.LeaderWait}, {&t.Op, &d.Op},
		{&t.RPC, &d.RPC}, {&t.Snapshot, &d.Snapshot}, {&t.AppendRetry, &d.AppendRetry},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return t
}

// Options configure RunWith.
type Options struct {
	// DataDir is the base directory of Raft state (see datadir.go): ""
	// takes REDRAFT_DATA_DIR, else ./redraft-data/run-<ppid>-<start>;
	// "memory" keeps it in memory.
	DataDir string
	Timing  Timing
	// ReadConsistency of client reads (default linearizable).
	ReadConsistency replication.ReadConsistency
	// MaxLineBytes bounds one stdin line (default DefaultMaxLineBytes).
	MaxLineBytes int
	// Configure may adjust the replication config before the node starts
	// (index is this node's position in init's node_ids).
	Configure func(cfg *replication.Config, index int)
	// OnNode is called once the node started, before init_ok is sent
	// (e.g. to serve a RESP port on it). The returned function, if any, is
	// called at shutdown before the node closes.
	OnNode func(n *replication.Node, index int) (stop func())
}

// Environment variables read by Run (durations in Go syntax, e.g. 150ms).
const (
	EnvHeartbeat = "REDRAFT_HEARTBEAT"
	EnvElection  = "REDRAFT_ELECTION"
	EnvLease     = "REDRAFT_LEASE"
	EnvCommit    = "REDRAFT_COMMIT"
	// EnvHeartbeatHold sets Timing.HeartbeatHold; "off" turns holding off.
	EnvHeartbeatHold = "REDRAFT_HEARTBEAT_HOLD"
	// EnvReads selects the read consistency: linearizable, lease or stale.
	EnvReads = "REDRAFT_READS"
)

// OptionsFromEnv reads REDRAFT_DATA_DIR and the timing variables above.
func OptionsFromEnv() (Options, error) {
	o := Options{DataDir: os.Getenv(EnvDataDir)}
	for _, v := range []struct {
		name string
		d    *time.Duration
	}{{EnvHeartbeat, &o.Timing.Heartbeat}, {EnvElection, &o.Timing.Election}, {EnvLease, &o.Timing.LeaderLease}, {EnvCommit, &o.Timing.Commit}} {
		if s := os.Getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 5*time.Millisecond {
				return o, fmt.Errorf("maelstrom: %s=%q: want a duration >= 5ms", v.name, s)
			}
			*v.d = d
		}
	}
	switch s := os.Getenv(EnvHeartbeatHold); s {
	case "":
	case "off":
		o.Timing.HeartbeatHold = -1
	default:
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("maelstrom: %s=%q: want a positive duration or off", EnvHeartbeatHold, s)
		}
		o.Timing.HeartbeatHold = d
	}
	if s := os.Getenv(EnvReads); s != "" {
		rc, ok := replication.ParseReadConsistency(s)
		if !ok {
			return o, fmt.Errorf("maelstrom: %s=%q: want linearizable, lease or stale", EnvReads, s)
		}
		o.ReadConsistency = rc
	}
	return o, nil
}

// Run is bin/kv's Maelstrom mode: it speaks Maelstrom's protocol on stdin
// and stdout, logs to stderr, and takes its options from the environment.
// It returns when stdin ends (nil) or ctx is cancelled.
func Run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := OptionsFromEnv()
	if err != nil {
		return err
	}
	return RunWith(ctx, stdin, stdout, stderr, o)
}

// Bounds on concurrent work started by messages.
const (
	// clientOpsMax bounds client operations in flight; beyond it a request
	// is refused with 11 at once.
	clientOpsMax = 1024
	// forwardsMax bounds forwarded batches in flight on a leader.
	forwardsMax = 1024
	// readerGrace is how long RunWith waits for the stdin reader after
	// ctx was cancelled (it closes stdin when it can).
	readerGrace = time.Second
)

// RunWith is Run with explicit options.
func RunWith(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, o Options) error {
	errw := &lockedWriter{w: stderr}
	log := slog.New(slog.NewTextHandler(errw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.ReadConsistency == replication.Lease && o.Timing.LeaderLease == 0 {
		// The lease serves reads: keep it below a follower's election timer.
		o.Timing.LeaderLease = cmp.Or(o.Timing.Heartbeat, DefaultTiming.Heartbeat) * 3 / 4
	}
	o.Timing = o.Timing.withDefaults()
	s := &server{
		opts:    o,
		log:     log,
		raftLog: newLimitedWriter(errw, raftLogLinesPerSec, raftLogBurst),
		out:     newOutbox(stdout, log),
		ops:     make(chan struct{}, clientOpsMax),
		fwds:    make(chan struct{}, forwardsMax),
		quit:    make(chan struct{}),
		reads:   newReadGate(),
	}
	done := make(chan error, 1)
	go func() { done <- s.readLoop(stdin) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		if c, ok := stdin.(io.Closer); ok {
			c.Close()
		}
		select {
		case <-done:
		case <-time.After(readerGrace):
			log.Warn("stdin reader still blocked at shutdown")
		}
	}
	s.shutdown()
	if err != nil {
		log.Error("maelstrom node stopped", "err", err)
	} else {
		log.Info("maelstrom node stopped")
	}
	return err
}

// server is one Maelstrom node. The stdin reader goroutine owns id, ids,
// asm and the init step; everything it starts is tracked by wg.
type server struct {
	opts    Options
	log     *slog.Logger
	raftLog io.Writer
	out     *outbox

	// Set by init on the reader goroutine; shutdown reads them under mu.
	id            string
	ids           []string
	peers         *peers
	nodeTransport *Transport
	node          *replication.Node
	stop          func()
	asm           assembler

	ops   chan struct{} // semaphore of client operations
	fwds  chan struct{} // semaphore of forwarded batches
	reads *readGate     // client reads and forwarded batches running (hold.go)

	mu      sync.Mutex // guards closing and wg.Add
	closing bool
	quit    chan struct{} // closed by shutdown: background loops stop
	wg      sync.WaitGroup
}

func (s *server) readLoop(stdin io.Reader) error {
	lr := newLineReader(stdin, s.opts.MaxLineBytes)
	for {
		line, n, tooLong, err := lr.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("maelstrom: read stdin: %w", err)
		}
		if tooLong {
			s.log.Warn("skipped an oversized line", "bytes", n, "limit", s.opts.MaxLineBytes)
			continue
		}
		if len(line) == 0 {
			continue
		}
		if err := s.dispatch(line); err != nil {
			return err
		}
	}
}

// dispatch handles one stdin line. It never waits for raft, the network or
// stdout; only the init step blocks (while the node starts). An error stops
// the node (the node could not start).
func (s *server) dispatch(line []byte) error {
	var m message
	if err := json.Unmarshal(line, &m); err != nil || m.Body == nil {
		// Find out what is wrong: not a message at all, or a bad body.
		var env envelope
		if err := json.Unmarshal(line, &env); err != nil || env.Body == nil {
			s.log.Warn("dropped a line that is not a message", "err", err, "line", clip(line))
			return nil
		}
		s.malformed(&env, err)
		return nil
	}
	env, b := envelope{Src: m.Src, Dest: m.Dest}, m.Body
	if s.node == nil {
		if b.Type == "init" {
			return s.init(&env, b)
		}
		s.log.Warn("dropped a message received before init", "src", env.Src, "type", b.Type)
		return nil
	}
	if env.Dest != s.id {
		s.log.Warn("dropped a message for another node", "src", env.Src, "dest", env.Dest, "type", b.Type)
		return nil
	}
	if b.Parts > 1 {
		p, err := s.asm.add(env.Src, b, time.Now())
		if err != nil {
			s.log.Warn("dropped a message part", "src", env.Src, "type", b.Type, "err", err)
			return nil
		}
		if p == nil {
			return nil // more parts to come
		}
		b.P, b.Parts, b.Part = p, 0, 0
	}
	if b.InReplyTo != nil {
		if !s.peers.deliver(b) {
			s.log.Debug("dropped a late reply", "src", env.Src, "in_reply_to", *b.InReplyTo)
		}
		return nil
	}
	switch {
	case b.Type == "init":
		s.reinit(&env, b)
	case isRaftType(b.Type):
		if b.MsgID == nil {
			s.log.Warn("dropped a raft request without msg_id", "src", env.Src, "type", b.Type)
			return nil
		}
		if code, text := s.nodeTransport.handle(env.Src, *b.MsgID, b.Type, b.P); code != 0 {
			s.replyError(env.Src, *b.MsgID, code, text)
		}
	case b.Type == typeForward:
		s.forward(&env, b)
	case b.Type == "read" || b.Type == "write" || b.Type == "cas":
		s.clientOp(&env, b)
	default:
		if b.MsgID != nil {
			s.replyError(env.Src, *b.MsgID, codeNotSupported, fmt.Sprintf("message type %q is not supported", b.Type))
		} else {
			s.log.Warn("dropped a message of unknown type", "src", env.Src, "type", b.Type)
		}
	}
	return nil
}

// malformed answers a body that did not decode, when it can.
func (s *server) malformed(env *envelope, err error) {
	id, ok := recoverMsgID(env.Body)
	if !ok || env.Src == "" || s.node == nil && !isInit(env.Body) {
		s.log.Warn("dropped a malformed message", "src", env.Src, "err", err, "body", clip(env.Body))
		return
	}
	src := s.id
	if src == "" {
		src = env.Dest
	}
	s.log.Warn("malformed message", "src", env.Src, "err", err, "body", clip(env.Body))
	s.sendNow(marshalLine(src, env.Src, errorBody{Type: "error", InReplyTo: id, Code: codeMalformed, Text: "malformed request: a body field has the wrong type"}))
}

func isInit(raw json.RawMessage) bool {
	var h struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(raw, &h) == nil && h.Type == "init"
}

// init starts the node: its transport, raft and the state machine.
func (s *server) init(env *envelope, b *body) error {
	if b.MsgID == nil {
		s.log.Warn("dropped an init without msg_id", "src", env.Src)
		return nil
	}
	index := slices.Index(b.NodeIDs, b.NodeID)
	if !validNodeID(b.NodeID) || index < 0 || hasDuplicates(b.NodeIDs) || !allValid(b.NodeIDs) {
		s.sendNow(marshalLine(env.Dest, env.Src, errorBody{Type: "error", InReplyTo: *b.MsgID, Code: codeMalformed,
			Text: fmt.Sprintf("init: node_id %q must be one of node_ids %q (distinct, path-safe ids)", b.NodeID, b.NodeIDs)}))
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return nil
	}
	s.id, s.ids = b.NodeID, slices.Clone(b.NodeIDs)
	s.log = s.log.With("node", s.id)
	s.peers = newPeers(s.id, s.out, s.log)
	var gate *readGate
	if s.opts.Timing.HeartbeatHold > 0 {
		gate = s.reads
	}
	s.nodeTransport = newTransport(s.id, s.peers, s.opts.Timing, gate, s.log)

	base := s.opts.DataDir
	dir := resolveDataDir(base, s.id, s.log)
	t := s.opts.Timing
	fw := &forwarder{peers: s.peers, timeout: t.Op}
	cfg := replication.Config{
		ID:                 s.id,
		Transport:          s.nodeTransport,
		DataDir:            dir,
		HeartbeatTimeout:   t.Heartbeat,
		ElectionTimeout:    t.Election,
		LeaderLeaseTimeout: t.LeaderLease,
		CommitTimeout:      t.Commit,
		ApplyTimeout:       t.Apply,
		CommitWait:         t.Apply,
		LeaderWait:         t.LeaderWait,
		ReadConsistency:    s.opts.ReadConsistency,
		Forwarder:          fw,
		LogOutput:          s.raftLog,
	}
	for _, id := range s.ids {
		cfg.Bootstrap = append(cfg.Bootstrap, replication.Peer{ID: id, Addr: id})
	}
	if s.opts.Configure != nil {
		s.opts.Configure(&cfg, index)
	}
	node, err := replication.New(cfg)
	if err != nil {
		s.nodeTransport.Close()
		return fmt.Errorf("maelstrom: start node %s: %w", s.id, err)
	}
	s.node = node
	fw.node.Store(node)
	if s.opts.OnNode != nil {
		s.stop = s.opts.OnNode(node, index)
	}
	where := dir
	if where == "" {
		where = "memory"
	}
	s.log.Info("node started", "nodes", s.ids, "data", where, "timing", fmt.Sprintf("%+v", t))
	s.wg.Add(1) // mu is held and closing is false
	go s.logCounts()
	s.sendNow(marshalLine(s.id, env.Src, okBody{Type: "init_ok", InReplyTo: *b.MsgID}))
	return nil
}

// reinit answers an init after the first: the same identity is
// acknowledged again, another one refused.
func (s *server) reinit(env *envelope, b *body) {
	if b.MsgID == nil {
		return
	}
	if b.NodeID == s.id && slices.Equal(b.NodeIDs, s.ids) {
		s.sendNow(marshalLine(s.id, env.Src, okBody{Type: "init_ok", InReplyTo: *b.MsgID}))
		return
	}
	s.replyError(env.Src, *b.MsgID, codeMalformed, fmt.Sprintf("already initialised as %s of %q", s.id, s.ids))
}

func hasDuplicates(ids []string) bool {
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

func allValid(ids []string) bool {
	for _, id := range ids {
		if !validNodeID(id) {
			return false
		}
	}
	return true
}

// clientOp starts a read, write or cas.
func (s *server) clientOp(env *envelope, b *body) {
	if b.MsgID == nil {
		s.log.Warn("dropped a request without msg_id", "src", env.Src, "type", b.Type)
		return
	}
	s.out.counts.add("recv:" + b.Type)
	op, err := parseClientOp(env.Src, *b.MsgID, b)
	if err != nil {
		code := codeMalformed
		if errors.Is(err, errNotSupported) {
			code = codeNotSupported
		}
		s.replyError(env.Src, *b.MsgID, code, err.Error())
		return
	}
	select {
	case s.ops <- struct{}{}:
	default:
		s.replyError(env.Src, *b.MsgID, codeUnavailable, "too many requests in flight")
		return
	}
	if !s.goTracked(func() {
		defer func() { <-s.ops }()
		base := context.Background()
		if op.typ == "read" {
			s.reads.enter()
			defer s.reads.leave()
		} else {
			base = context.WithValue(base, writeOpKey{}, true)
		}
		ctx, cancel := context.WithTimeout(base, s.opts.Timing.Op)
		defer cancel()
		// The replicated executor bounds its own waits (LeaderWait,
		// ApplyTimeout) but not their sum: answer at the op deadline
		// whatever it is doing, and let it finish in the background.
		done := make(chan any, 1)
		if !s.goTracked(func() { done <- runClientOp(ctx, s.node, op) }) {
			done <- deadlineReply(op, "node shutting down")
		}
		var reply any
		select {
		case reply = <-done:
		case <-ctx.Done():
			reply = deadlineReply(op, "no answer within "+s.opts.Timing.Op.String())
		}
		s.send(marshalLine(s.id, op.src, reply))
	}) {
		<-s.ops
		s.replyError(env.Src, *b.MsgID, codeUnavailable, "node shutting down")
	}
}

// forward runs a batch a follower sent.
func (s *server) forward(env *envelope, b *body) {
	if b.MsgID == nil {
		s.log.Warn("dropped a forward without msg_id", "src", env.Src)
		return
	}
	src, id, payload, term, writesOnly := env.Src, *b.MsgID, b.P, b.Term, b.W
	s.out.counts.add("recv:" + typeForward)
	select {
	case s.fwds <- struct{}{}:
	default:
		s.replyError(src, id, codeUnavailable, "too many forwards in flight")
		return
	}
	if !s.goTracked(func() {
		defer func() { <-s.fwds }()
		if !writesOnly { // the batch may hold reads (it is not decoded here)
			s.reads.enter()
			defer s.reads.leave()
		}
		ctx, cancel := forwardContext(b.T, s.opts.Timing.Op)
		defer cancel()
		out, code, text := forwardReply(ctx, s.node, payload, src, term)
		var err error
		if code != 0 {
			err = s.out.send(marshalLine(s.id, src, errorBody{Type: "error", InReplyTo: id, Code: code, Text: text}), s.opts.Timing.Op)
		} else {
			err = s.peers.reply(src, id, typeForwardOK, out, s.opts.Timing.Op)
		}
		if err != nil {
			s.log.Warn("forward reply not sent", "to", src, "err", err)
		}
	}) {
		<-s.fwds
		s.replyError(src, id, codeUnavailable, "node shutting down")
	}
}

// logCounts logs the message counts every statsInterval until shutdown.
func (s *server) logCounts() {
	defer s.wg.Done()
	tick := time.NewTicker(statsInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.log.Info("messages sent", s.out.counts.attrs()...)
		case <-s.quit:
			s.log.Info("messages sent", s.out.counts.attrs()...)
			return
		}
	}
}

// goTracked runs fn in a goroutine unless the node is shutting down.
func (s *server) goTracked(fn func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// replyError answers request msgID of dest from the stdin reader.
func (s *server) replyError(dest string, msgID int64, code int, text string) {
	s.sendNow(marshalLine(s.id, dest, errorBody{Type: "error", InReplyTo: msgID, Code: code, Text: text}))
}

// sendNow queues a line without waiting (the stdin reader never waits on stdout).
func (s *server) sendNow(line []byte) {
	if err := s.out.trySend(line); err != nil {
		s.log.Warn("reply dropped", "err", err)
	}
}

// send queues a line from a handler goroutine, waiting up to the op bound.
func (s *server) send(line []byte) {
	if err := s.out.send(line, s.opts.Timing.Op); err != nil {
		s.log.Warn("reply dropped", "err", err)
	}
}

// shutdown stops everything in order: pending calls fail, the RESP hook
// stops, the node closes (transport, raft, stores), handlers finish, and
// stdout is flushed.
func (s *server) shutdown() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock() // init, which holds mu while it starts the node, is over
	if s.quit != nil {
		close(s.quit)
	}
	if s.peers != nil {
		s.peers.close()
	}
	if s.stop != nil {
		s.stop()
	}
	if s.node != nil {
		if err := s.node.Close(); err != nil {
			s.log.Warn("raft shutdown", "err", err)
		}
	}
	s.wg.Wait()
	s.out.close()
}

// clip shortens a line for a log record.
func clip(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}
