package replication

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/kv/blocked"
	"redraft/kv/pubsub"
)

// FSM applies committed log entries to a kv.Machine. It implements
// raft.BatchingFSM: raft calls ApplyBatch, Snapshot and Restore from one
// goroutine; readers take mu's read lock to run read-only commands.
type FSM struct {
	self string // node id: replies are rendered for entries this node proposed

	mu sync.RWMutex
	m  *kv.Machine
	// cur is m, readable without mu: SCRIPT KILL must reach the machine
	// while a read-only script holds the read lock and a writer waits.
	cur atomic.Pointer[kv.Machine]
	// nodes is the member registry: client (RESP) address and join
	// incarnation per node id, from meta entries (registry.go).
	nodes map[string]memberInfo

	// applied is the index of the last log entry the FSM itself processed
	// (docs/hashicorp-raft.md: raft's AppliedIndex means "handed to the FSM", not applied).
	applied atomic.Uint64
	// appliedCh is closed and replaced after every ApplyBatch/Restore: a
	// broadcast for readers waiting for the applied index to advance.
	chMu      sync.Mutex
	appliedCh chan struct{}

	scratch *kv.Writer // replies of entries proposed elsewhere are discarded here
	// hub receives the PUBLISH messages of every applied entry, in log
	// order, and delivers them to this node's subscribers.
	hub *pubsub.Hub
	// blk receives the replies the machine computes for blocked clients'
	// waiters and hands those of this node's connections to them.
	blk *blocked.Registry
	// frag is the big entry whose parts are being applied (fragment.go).
	frag *gathering
	// own is the load of the node's own snapshot under way at start-up,
	// or nil (ownload.go).
	own atomic.Pointer[ownLoad]
	// closing is set by Node.Close before it cancels the own snapshot's
	// load: a lost state then makes ApplyBatch answer nothing instead of
	// stopping the process.
	closing atomic.Bool
}

var _ raft.BatchingFSM = (*FSM)(nil)

// errStateLost: a Restore dropped the FSM's state and failed to decode the
// snapshot that was to replace it.
var errStateLost = errors.New("replication: the state machine's state was dropped by a restore that failed; restart the node to restore its own snapshot and log, or let the leader install its snapshot again")

func newFSM(self string) *FSM {
	f := &FSM{self: self, m: kv.NewMachine(), scratch: kv.NewWriter(nil, 2), appliedCh: make(chan struct{}), nodes: map[string]memberInfo{}, hub: pubsub.New(), blk: blocked.New(self)}
	f.m.SetEventSink(f.hub)
	f.cur.Store(f.m)
	f.m.SetBlockSink(f.blk)
	return f
}

// applyResult is what ApplyBatch returns for an entry this node proposed:
// the replies of its commands, concatenated, and where each one ends.
type applyResult struct {
	buf  []byte
	ends []int
	err  error // the entry could not be decoded (a bug or corruption)
}

// Apply implements raft.FSM.
func (f *FSM) Apply(l *raft.Log) interface{} { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch implements raft.BatchingFSM.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	f.awaitOwnLoad()
	if f.lost() {
		if f.closing.Load() {
			// The node is stopping and its own snapshot's load was
			// cancelled: nothing is applied, and the proposer reports the
			// outcome of its entries as unknown.
			return make([]interface{}, len(logs))
		}
		// Applying to the placeholder would build a state that lacks
		// everything up to the applied index. A restart restores the
		// node's own snapshot and log.
		panic(errStateLost)
	}
	out := make([]interface{}, len(logs))
	f.mu.Lock()
	for i, l := range logs {
		if l.Index <= f.applied.Load() {
			continue // already applied: raft never re-sends these now that Restore refuses older snapshots, but an index applied twice would be a divergence
		}
		if l.Type == raft.LogCommand {
			if len(l.Data) > 0 && l.Data[0] == entryFragment {
				out[i] = f.applyFragment(l)
				f.applied.Store(l.Index)
				continue
			}
			f.dropStaleGathering(l.Term)
			if len(l.Data) > 0 && l.Data[0] == entryMeta {
				if id, addr, inc, err := decodeMeta(l.Data); err == nil {
					f.register(id, addr, inc, l.Index, l.Term)
				}
			} else {
				out[i] = f.applyEntry(l.Data)
			}
		}
		f.applied.Store(l.Index)
	}
	f.mu.Unlock()
	f.broadcast()
	return out
}

func (f *FSM) applyEntry(data []byte) *applyResult {
	origin, cmds, err := decodeEntry(data)
	if err != nil {
		// Every replica fails identically on the same bytes, so the
		// state stays consistent; the proposer reports it.
		return &applyResult{err: err}
	}
	if origin != f.self {
		for _, c := range cmds {
			f.scratch.Reset()
			f.m.Exec(c, f.scratch)
		}
		return nil
	}
	res := &applyResult{ends: make([]int, len(cmds))}
	w := kv.NewWriter(nil, 2)
	for i, c := range cmds {
		f.m.Exec(c, w)
		res.ends[i] = w.Len()
	}
	res.buf = w.Bytes()
	return res
}

// Read runs fn with shared access to the machine.
func (f *FSM) Read(fn func(m *kv.Machine)) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	fn(f.m)
}

// NodeAddr returns the client address registered for node id.
func (f *FSM) NodeAddr(id string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.nodes[id].addr
}

// AppliedIndex returns the index of the last entry the FSM processed.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// Snapshot implements raft.FSM. It only cuts the machine's state
// (kv.Machine.BeginSnapshot: O(1) for the keyspace) on the apply goroutine;
// Persist streams the cut into the sink while later entries apply, holding
// mu's read lock one chunk at a time, and the machine keeps the state at
// the cut of every entry a write changes before Persist wrote it
// (docs/snapshot-cow.md). raft takes one snapshot at a time; if a cut is
// still registered anyway, this one is serialised here into memory, the
// way every snapshot used to be.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.awaitOwnLoad()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lost() {
		return nil, errStateLost
	}
	if f.frag != nil {
		return nil, errSnapshotFragment
	}
	hdr := encodeSnapshotHeader(f.applied.Load(), f.nodes)
	if cut := f.m.BeginSnapshot(); cut != nil {
		return &fsmSnapshot{f: f, hdr: hdr, cut: cut}, nil
	}
	buf := bytes.NewBuffer(hdr)
	if err := f.m.Snapshot(buf); err != nil {
		return nil, fmt.Errorf("replication: snapshot: %w", err)
	}
	return &fsmSnapshot{f: f, hdr: buf.Bytes()}, nil
}

// Restore implements raft.FSM: it replaces the machine with the snapshot's.
//
// A snapshot older than what the FSM already applied is refused with
// errOlderSnapshot (olderstate.go tells why): raft would otherwise set its
// applied index back to the snapshot's and re-apply entries the follower
// may have compacted away. The FSM stays as it was.
//
// Otherwise the state is dropped before the snapshot is decoded, so the
// node never holds both (kv/loading.go): until the decode ends, a loading
// placeholder with the same ACL users answers local reads with -LOADING.
// If the decode fails the FSM is lost (errStateLost) until a Restore
// succeeds: raft retries an install, and at start-up tries older snapshots.
// An install cancels the load of the node's own snapshot (ownload.go).
func (f *FSM) Restore(rc io.ReadCloser) error { return f.restore(rc, true) }

// restore is Restore; install is false for the load of the node's own
// snapshot, which must not cancel itself.
func (f *FSM) restore(rc io.ReadCloser, install bool) error {
	defer rc.Close()
	br := bufio.NewReader(rc)
	applied, nodes, err := decodeSnapshotHeader(br)
	if err != nil {
		return fmt.Errorf("replication: restore: %w", err)
	}
	// While the node's own snapshot loads, it counts as applied: raft
	// took its index as applied at start, and the log may be compacted
	// against it (the trap of olderstate.go). Its raft index is at least
	// the applied index its header holds.
	floor := f.applied.Load()
	if l := f.own.Load(); install && l != nil && l.index > floor {
		floor = l.index
	}
	if applied < floor {
		io.Copy(io.Discard, br)
		return fmt.Errorf("%w (snapshot at %d, applied %d)", errOlderSnapshot, applied, floor)
	}
	if install {
		// This snapshot replaces the node's own, if that is still
		// loading (ownload.go).
		f.cancelOwnLoad()
	}
	f.mu.Lock()
	if !f.m.Loading() {
		ph := f.m.LoadingPlaceholder()
		f.m = ph
		f.cur.Store(ph)
	}
	f.mu.Unlock()
	m := kv.NewMachine()
	if err := m.Restore(br); err != nil {
		return fmt.Errorf("replication: restore: %w", err)
	}
	m.SetEventSink(f.hub)
	m.SetBlockSink(f.blk)
	f.mu.Lock()
	f.m = m
	f.cur.Store(m)
	f.nodes = nodes
	f.frag = nil // snapshots are taken with no parts pending (fragment.go)
	f.applied.Store(applied)
	f.mu.Unlock()
	// The whole keyspace was replaced: clients tracking keys (CLIENT
	// TRACKING) drop everything they cached, as after a FLUSHALL.
	f.hub.Flushed(-1)
	f.broadcast()
	return nil
}

// Loading reports whether the FSM's state is being replaced by a snapshot
// (or was lost in a failed replacement): local reads answer -LOADING.
func (f *FSM) Loading() bool { return f.cur.Load().Loading() }

// lost reports whether a Restore dropped the state and failed to decode
// the snapshot that was to replace it: nothing may be applied or
// snapshotted until a Restore succeeds. raft calls ApplyBatch, Snapshot
// and Restore from one goroutine, so outside Restore, and once the load of
// the node's own snapshot ended (awaitOwnLoad), a loading placeholder means
// exactly that.
func (f *FSM) lost() bool { return f.Loading() }

// fsmSnapshot is the FSM header and either a cut of the machine streamed
// by Persist or (cut nil) a whole snapshot already in hdr.
type fsmSnapshot struct {
	f   *FSM
	hdr []byte
	cut *kv.SnapshotCut
}

// Persist writes the snapshot to sink. It releases the cut when done (raft
// calls Release too, but RecoverCluster never does), so the write path
// stops keeping records as soon as the stream is written.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	defer s.Release()
	_, err := sink.Write(s.hdr)
	if err == nil && s.cut != nil {
		err = s.cut.WriteTo(sink, s.f.mu.RLocker())
	}
	if err != nil {
		sink.Cancel()
		return fmt.Errorf("replication: snapshot: %w", err)
	}
	return sink.Close()
}

// Release ends the cut's copy-before-write; it may be called more than once.
func (s *fsmSnapshot) Release() {
	if s.cut == nil {
		return
	}
	s.f.mu.Lock()
	s.cut.Release()
	s.f.mu.Unlock()
}

func (f *FSM) broadcast() {
	f.chMu.Lock()
	close(f.appliedCh)
	f.appliedCh = make(chan struct{})
	f.chMu.Unlock()
}

// waitApplied blocks until the FSM processed index idx and holds a state
// (it is not loading a snapshot: a leader whose own snapshot still loads,
// ownload.go, may find no entry to wait for above a compacted log, idx 0),
// the deadline passes (false) or stop closes (false).
func (f *FSM) waitApplied(idx uint64, deadline time.Time, stop <-chan struct{}) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		f.chMu.Lock()
		ch := f.appliedCh
		f.chMu.Unlock()
		if f.applied.Load() >= idx && !f.Loading() {
			return true
		}
		select {
		case <-ch:
		case <-t.C:
			return false
		case <-stop:
			return false
		}
	}
}

// PubSub returns the hub this node's FSM publishes into: the RESP edge
// registers its connections' subscriptions there (resp.PubSubProvider).
func (f *FSM) PubSub() *pubsub.Hub { return f.hub }

// Blocking returns the registry of this node's blocked connections
// (resp.BlockingProvider): the machine's waiter replies arrive there.
func (f *FSM) Blocking() *blocked.Registry { return f.blk }
