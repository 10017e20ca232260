package replication

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"redraft/replication/snapshot/objstore"
)

// Prometheus metrics of a node (docs/operations.md lists them). They are
// collected at the edges of raft, never inside the state machine: the
// log store, the FSM, the snapshot store, the object store and the
// transport raft gets are thin wrappers that time and count what passes
// through them; the Raft state (term, role, indexes) is read when the
// metrics are scraped. Every node has its own collector, so several nodes
// in one process (tests) register into registries of their own.

// Histogram buckets. Durations span a fast fsync (tens of microseconds) to
// a stalled disk or a large snapshot (seconds).
var (
	durationBuckets  = prometheus.ExponentialBuckets(20e-6, 2.5, 14) // 20us .. ~3m
	commandBuckets   = prometheus.ExponentialBuckets(1, 2, 12)       // 1 .. 2048 commands per entry
	entryByteBuckets = prometheus.ExponentialBuckets(64, 4, 10)      // 64 B .. 16 MB
	snapByteBuckets  = prometheus.ExponentialBuckets(1024, 4, 12)    // 1 KB .. 4 GB
)

// nodeMetrics holds the histograms and counters the wrappers update.
type nodeMetrics struct {
	logAppend     prometheus.Histogram // StoreLogs (one fsync each)
	logAppended   prometheus.Counter   // entries stored
	apply         prometheus.Histogram // FSM ApplyBatch
	applied       prometheus.Counter   // entries applied
	entryCommands prometheus.Histogram // commands per proposed entry
	entryBytes    prometheus.Histogram // bytes per proposed entry
	snapDuration  prometheus.Histogram // Create to Close of a snapshot sink
	snapBytes     prometheus.Histogram // bytes written to a snapshot sink
	snapshots     *prometheus.CounterVec
	restores      prometheus.Counter
	restoreTime   prometheus.Histogram // FSM Restore, failed ones included
	objErrors     *prometheus.CounterVec

	// slow logs single slow log-store and apply operations (slowops.go);
	// nil logs nothing.
	slow *slowOps

	leaderChanges atomic.Uint64
	// snapOpen counts snapshot sinks created and not yet closed or
	// cancelled: a snapshot being written (taken here or installed).
	snapOpen atomic.Int64
	// restoring counts FSM restores under way (a snapshot installed by the
	// leader, or this node's own at start-up).
	restoring atomic.Int64

	// peers is what the leader learnt from its AppendEntries replies.
	peerMu sync.Mutex
	peers  map[raft.ServerID]*peerSeen
}

// peerSeen is one follower as this node saw it while leading.
type peerSeen struct {
	contact time.Time // last AppendEntries that got an answer
	lastLog uint64    // the follower's last log index, from that answer
}

func newNodeMetrics() *nodeMetrics {
	h := func(name, help string, buckets []float64) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	return &nodeMetrics{
		logAppend:     h("redraft_raft_log_append_seconds", "Time to store a batch of entries in the Raft log (one fsync).", durationBuckets),
		logAppended:   c("redraft_raft_log_appended_entries_total", "Entries stored in the Raft log."),
		apply:         h("redraft_fsm_apply_seconds", "Time to apply one batch of committed entries to the state machine.", durationBuckets),
		applied:       c("redraft_fsm_applied_entries_total", "Committed entries applied to the state machine."),
		entryCommands: h("redraft_proposer_entry_commands", "Commands carried by one proposed log entry (group commit).", commandBuckets),
		entryBytes:    h("redraft_proposer_entry_bytes", "Size of one proposed log entry in bytes.", entryByteBuckets),
		snapDuration:  h("redraft_snapshot_duration_seconds", "Time to write one snapshot (taken here or installed from the leader).", durationBuckets),
		snapBytes:     h("redraft_snapshot_size_bytes", "Size of the snapshots written.", snapByteBuckets),
		snapshots: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "redraft_snapshots_total",
			Help: "Snapshots written, by result (ok, error)."}, []string{"result"}),
		restores:    c("redraft_snapshot_restores_total", "Snapshots restored into the state machine."),
		restoreTime: h("redraft_snapshot_restore_seconds", "Time to restore one snapshot into the state machine (this node's own at start-up, or one installed from the leader), failed restores included.", durationBuckets),
		objErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "redraft_objstore_errors_total",
			Help: "Failed object-store operations of the snapshot store, by operation."}, []string{"op"}),
		peers: map[raft.ServerID]*peerSeen{},
	}
}

// Gauges and counters computed at scrape time.
var (
	descTerm          = prometheus.NewDesc("redraft_raft_term", "Current Raft term.", nil, nil)
	descState         = prometheus.NewDesc("redraft_raft_state", "1 for this node's Raft role (follower, candidate, leader, shutdown), 0 for the others.", []string{"state"}, nil)
	descCommit        = prometheus.NewDesc("redraft_raft_commit_index", "Raft commit index.", nil, nil)
	descApplied       = prometheus.NewDesc("redraft_raft_applied_index", "Index of the last entry the state machine applied.", nil, nil)
	descLastLog       = prometheus.NewDesc("redraft_raft_last_log_index", "Index of the last entry in the Raft log.", nil, nil)
	descLastSnap      = prometheus.NewDesc("redraft_raft_last_snapshot_index", "Index of the last snapshot.", nil, nil)
	descLeaderChanges = prometheus.NewDesc("redraft_raft_leader_changes_total", "Changes of the known leader (to another node, or to the same node in a new election).", nil, nil)
	descHasLeader     = prometheus.NewDesc("redraft_raft_has_leader", "1 when this node knows a leader.", nil, nil)
	descLastContact   = prometheus.NewDesc("redraft_raft_last_contact_seconds", "On a follower, time since the leader's last accepted AppendEntries or InstallSnapshot (-1: never); 0 on the leader.", nil, nil)
	descStalled       = prometheus.NewDesc("redraft_raft_replication_stalled", "1 when this follower has a leader whose appends it has not accepted for the stall threshold, and no snapshot is being received or restored.", nil, nil)
	descApplyLag      = prometheus.NewDesc("redraft_raft_apply_lag_entries", "Commit index minus applied index on this node.", nil, nil)
	descPeerContact   = prometheus.NewDesc("redraft_raft_peer_last_contact_seconds", "On the leader, time since each follower last answered an AppendEntries (-1: never while this node led).", []string{"peer"}, nil)
	descPeerLag       = prometheus.NewDesc("redraft_raft_peer_replication_lag_entries", "On the leader, its last log index minus each follower's last log index as the follower last reported it.", []string{"peer"}, nil)
	descPeers         = prometheus.NewDesc("redraft_raft_peers", "Servers in the Raft configuration, by suffrage.", []string{"suffrage"}, nil)
	descReadRounds    = prometheus.NewDesc("redraft_read_barrier_rounds_total", "Linearizable read-barrier rounds (each one leadership confirmation by a quorum).", nil, nil)
	descReadServed    = prometheus.NewDesc("redraft_read_barrier_reads_total", "Read batches released by read-barrier rounds.", nil, nil)
	descReadProbed    = prometheus.NewDesc("redraft_read_barrier_probed_total", "Read-barrier rounds whose leadership a term probe confirmed.", nil, nil)
	descReadFallbacks = prometheus.NewDesc("redraft_read_barrier_probe_fallbacks_total", "Read-barrier rounds whose term probes all failed (raft's VerifyLeader then).", nil, nil)
	descProposed      = prometheus.NewDesc("redraft_proposer_entries_total", "Log entries proposed by this node.", nil, nil)
	descProposedCmds  = prometheus.NewDesc("redraft_proposer_commands_total", "Commands carried by the entries this node proposed.", nil, nil)
	descLingers       = prometheus.NewDesc("redraft_proposer_lingers_total", "Entries that waited (batch linger) for the commands expected next.", nil, nil)
	descRetakes       = prometheus.NewDesc("redraft_snapshot_retakes_total", "Snapshots the leader took because a follower refused its snapshot.", nil, nil)
	descSnapOpen      = prometheus.NewDesc("redraft_snapshot_in_progress", "Snapshots being written now (taken here or installed from the leader).", nil, nil)
	descPreVoteHeld   = prometheus.NewDesc("redraft_campaign_prevotes_refused_total", "Pre-votes this node did not ask for because its state machine held no state (campaign gate).", nil, nil)
)

// nodeCollector is the prometheus.Collector of one node.
type nodeCollector struct{ n *Node }

// Collector returns the node's Prometheus collector; register it in a
// registry of its own per node.
func (n *Node) Collector() prometheus.Collector { return nodeCollector{n} }

func (c nodeCollector) histograms() []prometheus.Collector {
	m := c.n.metrics
	return []prometheus.Collector{m.logAppend, m.logAppended, m.apply, m.applied, m.entryCommands, m.entryBytes,
		m.snapDuration, m.snapBytes, m.snapshots, m.restores, m.restoreTime, m.objErrors}
}

// Describe implements prometheus.Collector.
func (c nodeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descTerm, descState, descCommit, descApplied, descLastLog, descLastSnap,
		descLeaderChanges, descHasLeader, descLastContact, descStalled, descApplyLag, descPeerContact, descPeerLag,
		descPeers, descReadRounds, descReadServed, descReadProbed, descReadFallbacks, descProposed, descProposedCmds, descLingers, descRetakes, descSnapOpen} {
		ch <- d
	}
	for _, h := range c.histograms() {
		h.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (c nodeCollector) Collect(ch chan<- prometheus.Metric) {
	n, m := c.n, c.n.metrics
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	state := n.raft.State()
	commit, applied, last := n.raft.CommitIndex(), n.fsm.AppliedIndex(), n.raft.LastIndex()
	gauge(descTerm, float64(n.raft.CurrentTerm()))
	for _, s := range []raft.RaftState{raft.Follower, raft.Candidate, raft.Leader, raft.Shutdown} {
		v := 0.0
		if s == state {
			v = 1
		}
		gauge(descState, v, strings.ToLower(s.String()))
	}
	gauge(descCommit, float64(commit))
	gauge(descApplied, float64(applied))
	gauge(descLastLog, float64(last))
	snapIdx, _ := strconv.ParseUint(n.raft.Stats()["last_snapshot_index"], 10, 64)
	gauge(descLastSnap, float64(snapIdx))
	counter(descLeaderChanges, m.leaderChanges.Load())
	gauge(descSnapOpen, float64(m.snapOpen.Load()))
	_, leader := n.raft.LeaderWithID()
	gauge(descHasLeader, boolGauge(leader != ""))
	age := n.contactAge()
	if age < 0 {
		gauge(descLastContact, -1)
	} else {
		gauge(descLastContact, age.Seconds())
	}
	gauge(descStalled, boolGauge(n.stalled()))
	gauge(descApplyLag, float64(commit-min(commit, applied)))

	suffrage := map[string]int{"voter": 0, "nonvoter": 0, "staging": 0}
	var followers []raft.ServerID
	cf := n.raft.GetConfiguration()
	if cf.Error() == nil {
		for _, s := range cf.Configuration().Servers {
			suffrage[strings.ToLower(s.Suffrage.String())]++
			if s.ID != raft.ServerID(n.cfg.ID) {
				followers = append(followers, s.ID)
			}
		}
	}
	for _, k := range []string{"voter", "nonvoter", "staging"} {
		gauge(descPeers, float64(suffrage[k]), k)
	}
	m.peerMu.Lock()
	for id := range m.peers { // forget servers removed from the configuration
		if cf.Error() == nil && !slices.Contains(followers, id) {
			delete(m.peers, id)
		}
	}
	m.peerMu.Unlock()
	if state == raft.Leader {
		now := time.Now()
		m.peerMu.Lock()
		for _, id := range followers {
			p := m.peers[id]
			if p == nil {
				gauge(descPeerContact, -1, string(id))
				gauge(descPeerLag, float64(last), string(id))
				continue
			}
			gauge(descPeerContact, now.Sub(p.contact).Seconds(), string(id))
			gauge(descPeerLag, float64(last-min(last, p.lastLog)), string(id))
		}
		m.peerMu.Unlock()
	}
	counter(descReadRounds, n.reads.rounds.Load())
	counter(descReadServed, n.reads.served.Load())
	counter(descReadProbed, n.reads.probed.Load())
	counter(descReadFallbacks, n.reads.probeFallbacks.Load())
	counter(descProposed, n.prop.entries.Load())
	counter(descProposedCmds, n.prop.commands.Load())
	counter(descLingers, n.prop.lingers.Load())
	counter(descRetakes, n.snapshotRetakes.Load())
	if n.campaign != nil {
		counter(descPreVoteHeld, n.campaign.refused.Load())
	}
	for _, h := range c.histograms() {
		h.Collect(ch)
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// observeLeader is the filter of the node's raft observer: it counts
// leader changes on raft's goroutine and lets nothing through to a channel.
func (m *nodeMetrics) observeLeader(o *raft.Observation) bool {
	lo, ok := o.Data.(raft.LeaderObservation)
	if !ok || lo.LeaderID == "" {
		return false
	}
	m.leaderChanges.Add(1)
	return false
}

// observeEntry records one proposed entry (the proposer's onEntry).
func (m *nodeMetrics) observeEntry(cmds, bytes int) {
	m.entryCommands.Observe(float64(cmds))
	m.entryBytes.Observe(float64(bytes))
}

// observe registers the leader observer with r.
func (m *nodeMetrics) observe(r *raft.Raft) {
	r.RegisterObserver(raft.NewObserver(nil, false, m.observeLeader))
}

// --- the log store ---

// timedLogs times StoreLogs (raft's fsync point on the write path).
type timedLogs struct {
	raft.LogStore
	m *nodeMetrics
}

// timedMonotonicLogs keeps raft.MonotonicLogStore visible to raft.
type timedMonotonicLogs struct {
	timedLogs
	mono raft.MonotonicLogStore
}

func (t timedMonotonicLogs) IsMonotonic() bool { return t.mono.IsMonotonic() }

// logStore returns the log store raft gets. A store that tracks commit
// indexes (raft.CommitTrackingLogStore) is returned as it is: raft looks
// for that interface and a wrapper would hide it.
func (m *nodeMetrics) logStore(s raft.LogStore) raft.LogStore {
	if _, ok := s.(raft.CommitTrackingLogStore); ok {
		return s
	}
	t := timedLogs{LogStore: s, m: m}
	if mono, ok := s.(raft.MonotonicLogStore); ok {
		return timedMonotonicLogs{timedLogs: t, mono: mono}
	}
	return t
}

// StoreLog implements raft.LogStore.
func (t timedLogs) StoreLog(l *raft.Log) error {
	start := time.Now()
	err := t.LogStore.StoreLog(l)
	d := time.Since(start)
	t.m.logAppend.Observe(d.Seconds())
	t.m.logAppended.Inc()
	t.m.slow.observe("log append", d, 1)
	return err
}

// StoreLogs implements raft.LogStore.
func (t timedLogs) StoreLogs(ls []*raft.Log) error {
	start := time.Now()
	err := t.LogStore.StoreLogs(ls)
	d := time.Since(start)
	t.m.logAppend.Observe(d.Seconds())
	t.m.logAppended.Add(float64(len(ls)))
	t.m.slow.observe("log append", d, len(ls))
	return err
}

// DeleteRange implements raft.LogStore (log compaction after a snapshot,
// or a conflicting tail): only slow ones are reported.
func (t timedLogs) DeleteRange(lo, hi uint64) error {
	start := time.Now()
	err := t.LogStore.DeleteRange(lo, hi)
	t.m.slow.observe("log truncation", time.Since(start), int(hi-lo+1))
	return err
}

// --- the FSM ---

// timedFSM times ApplyBatch and counts restores; the FSM itself stays
// free of clocks.
type timedFSM struct {
	*FSM
	m *nodeMetrics
}

var _ raft.BatchingFSM = timedFSM{}

// ApplyBatch implements raft.BatchingFSM.
func (t timedFSM) ApplyBatch(logs []*raft.Log) []interface{} {
	start := time.Now()
	out := t.FSM.ApplyBatch(logs)
	d := time.Since(start)
	t.m.apply.Observe(d.Seconds())
	t.m.applied.Add(float64(len(logs)))
	t.m.slow.observe("fsm apply", d, len(logs))
	return out
}

// Apply implements raft.FSM.
func (t timedFSM) Apply(l *raft.Log) interface{} { return t.ApplyBatch([]*raft.Log{l})[0] }

// Restore implements raft.FSM.
func (t timedFSM) Restore(rc io.ReadCloser) error {
	return t.timeRestore(func() error { return t.FSM.Restore(rc) })
}

// restoreOwn loads the node's own snapshot (ownload.go), timed and
// counted like an installed one.
func (t timedFSM) restoreOwn(rc io.ReadCloser) error {
	return t.timeRestore(func() error { return t.FSM.restore(rc, false) })
}

func (t timedFSM) timeRestore(restore func() error) error {
	t.m.restoring.Add(1)
	defer t.m.restoring.Add(-1)
	start := time.Now()
	err := restore()
	t.m.restoreTime.Observe(time.Since(start).Seconds())
	if err == nil {
		t.m.restores.Inc()
	}
	return err
}

// --- the snapshot store ---

// timedSnapshots measures every snapshot written through Create.
type timedSnapshots struct {
	raft.SnapshotStore
	m *nodeMetrics
}

// Create implements raft.SnapshotStore.
func (t timedSnapshots) Create(version raft.SnapshotVersion, index, term uint64, configuration raft.Configuration,
	configurationIndex uint64, trans raft.Transport) (raft.SnapshotSink, error) {
	sink, err := t.SnapshotStore.Create(version, index, term, configuration, configurationIndex, trans)
	if err != nil {
		t.m.snapshots.WithLabelValues("error").Inc()
		return nil, err
	}
	t.m.snapOpen.Add(1)
	return &timedSink{SnapshotSink: sink, m: t.m, start: time.Now()}, nil
}

type timedSink struct {
	raft.SnapshotSink
	m     *nodeMetrics
	start time.Time
	n     int64
	done  atomic.Bool
}

func (s *timedSink) Write(p []byte) (int, error) {
	n, err := s.SnapshotSink.Write(p)
	s.n += int64(n)
	return n, err
}

func (s *timedSink) Close() error {
	err := s.SnapshotSink.Close()
	if s.done.CompareAndSwap(false, true) {
		s.m.snapOpen.Add(-1)
		if err != nil {
			s.m.snapshots.WithLabelValues("error").Inc()
		} else {
			s.m.snapshots.WithLabelValues("ok").Inc()
			s.m.snapDuration.Observe(time.Since(s.start).Seconds())
			s.m.snapBytes.Observe(float64(s.n))
		}
	}
	return err
}

func (s *timedSink) Cancel() error {
	if s.done.CompareAndSwap(false, true) {
		s.m.snapOpen.Add(-1)
		s.m.snapshots.WithLabelValues("error").Inc()
	}
	return s.SnapshotSink.Cancel()
}

// --- the object store ---

// countedObjects counts failed object-store calls. A Get of a missing
// object is an answer, not a failure, and a cancelled context is the
// caller's doing.
type countedObjects struct {
	objstore.Store
	m *nodeMetrics
}

func (c countedObjects) count(op string, err error) error {
	if err != nil && !errors.Is(err, objstore.ErrNotFound) && !errors.Is(err, context.Canceled) {
		c.m.objErrors.WithLabelValues(op).Inc()
	}
	return err
}

func (c countedObjects) Put(ctx context.Context, name string, r io.Reader) error {
	return c.count("put", c.Store.Put(ctx, name, r))
}

func (c countedObjects) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := c.Store.Get(ctx, name)
	return rc, c.count("get", err)
}

func (c countedObjects) List(ctx context.Context, prefix string) ([]objstore.Info, error) {
	l, err := c.Store.List(ctx, prefix)
	return l, c.count("list", err)
}

func (c countedObjects) Delete(ctx context.Context, name string) error {
	return c.count("delete", c.Store.Delete(ctx, name))
}

// --- the transport ---

// peerWatch records, per follower, when an AppendEntries (a heartbeat
// included: raft sends one at least every CommitTimeout) last got an
// answer, and the follower's last log index from it.
type peerWatch struct {
	raft.Transport
	m *nodeMetrics
}

// AppendEntries implements raft.Transport.
func (w peerWatch) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	err := w.Transport.AppendEntries(id, target, args, resp)
	if err == nil && resp.Term <= args.Term {
		w.m.peerMu.Lock()
		p := w.m.peers[id]
		if p == nil {
			p = &peerSeen{}
			w.m.peers[id] = p
		}
		p.contact = time.Now()
		p.lastLog = resp.LastLog
		w.m.peerMu.Unlock()
	}
	return err
}

type peerWatchPreVote struct {
	peerWatch
	pv raft.WithPreVote
}

// RequestPreVote implements raft.WithPreVote.
func (w peerWatchPreVote) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return w.pv.RequestPreVote(id, target, args, resp)
}

// transport returns the transport raft gets, keeping pre-vote.
func (m *nodeMetrics) transport(t raft.Transport) raft.Transport {
	w := peerWatch{Transport: t, m: m}
	if pv, ok := t.(raft.WithPreVote); ok {
		return peerWatchPreVote{peerWatch: w, pv: pv}
	}
	return w
}
