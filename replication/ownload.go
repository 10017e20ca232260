package replication

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// A node that starts with a snapshot of its own loads it in the background
// while raft runs, instead of inside raft.NewRaft (which restores the
// newest snapshot before raft answers any RPC).
//
// Why: a follower that was down long enough for the leader to compact its
// log past it restored its own snapshot at start and then threw that state
// away for the leader's (InstallSnapshot): at 10M keys the first restore
// was 71 s of a 170 s catch-up on a loaded 2-core machine, and the leader
// could not even start sending its snapshot until it ended, because raft
// was not running yet (results/bench-scale.md, run 10). Now raft starts at
// once (Config.NoSnapshotRestoreOnStart: raft takes the newest listed
// snapshot as applied without reading it), the FSM loads that snapshot on
// a goroutine of its own, and:
//
//   - ApplyBatch and Snapshot (raft's FSM goroutine) wait for the load: no
//     entry is applied to a state that lacks the snapshot; the read
//     barrier waits for it too (FSM.waitApplied);
//   - an installed snapshot (Restore) cancels the load and replaces it, so
//     a far-behind follower receives the leader's snapshot while its own
//     is still loading and never finishes loading a state it would drop;
//     one older than the own snapshot is refused, as it would be once the
//     own snapshot is loaded (olderstate.go);
//   - local reads answer -LOADING meanwhile (the FSM holds a loading
//     placeholder), and the node's RESP port does not accept clients
//     until the FSM holds a state (Node.AwaitState), as before;
//   - Node.Close cancels the load first, so shutdown is not held up by it.
//
// The node votes and replicates while loading, so it can win an election
// (in a three-node cluster only when no other node could: its log is at
// least as up to date as a majority's). As leader it then commits entries
// but applies and answers them only once loaded, as a node whose
// start-up restore blocked it would have, minus the election it could not
// take part in.
//
// A load that fails is retried until it succeeds or is cancelled, after
// ownLoadRetry, then after waits that double up to ownLoadRetryMax: the
// store checked the newest snapshot's segments before raft started
// (coveredSnapshots and the store's Recover), so a failure here is the
// store's (an object store's failed or cut read), and the node can do
// nothing useful without its state meanwhile. It does not campaign
// (campaigngate.go) and applies nothing; every failure is logged. An
// earlier version gave up after three attempts and left the FSM lost, so
// the node stopped (ApplyBatch panics) at the first entry raft handed it:
// replication/sim found that with its faulty object stores (2% of calls
// failing), a node's three reads of a many-segment snapshot failed in a
// row under the race detector in CI. Before the background load, raft's
// NewRaft failed instead and the node did not start.

var (
	// ownLoadRetry: the wait after the first failed attempt.
	ownLoadRetry = time.Second
	// ownLoadRetryMax: the longest wait between two attempts.
	ownLoadRetryMax = 8 * time.Second
)

// errLoadCancelled: the own snapshot's load was cancelled, by an installed
// snapshot or by Close.
var errLoadCancelled = errors.New("replication: loading the node's own snapshot: cancelled")

// ownLoad is one background load of the node's own snapshot.
type ownLoad struct {
	id     string // the snapshot's id in the store
	index  uint64 // its raft index
	cancel chan struct{}
	once   sync.Once
	done   chan struct{}
	err    error // nil when the state was loaded; set before done closes
}

// stop cancels the load and waits for it to end. The reader checks for a
// cancel before every read, so it ends within one read of the store.
func (l *ownLoad) stop() {
	l.once.Do(func() { close(l.cancel) })
	<-l.done
}

// startOwnLoad begins loading snapshot meta from store into f through
// restore (the FSM's Restore, timed by the node's metrics). It must be
// called before raft starts: from then on ApplyBatch and Snapshot wait for
// the load, and until it ends f holds a loading placeholder.
func (f *FSM) startOwnLoad(store raft.SnapshotStore, meta *raft.SnapshotMeta, restore func(io.ReadCloser) error, log *slog.Logger) *ownLoad {
	l := &ownLoad{id: meta.ID, index: meta.Index, cancel: make(chan struct{}), done: make(chan struct{})}
	f.mu.Lock()
	ph := f.m.LoadingPlaceholder()
	f.m = ph
	f.cur.Store(ph)
	f.mu.Unlock()
	f.own.Store(l)
	go l.run(store, restore, log)
	return l
}

func (l *ownLoad) run(store raft.SnapshotStore, restore func(io.ReadCloser) error, log *slog.Logger) {
	defer close(l.done)
	start := time.Now()
	log.Info("loading the node's own snapshot while raft runs", "snapshot", l.id, "index", l.index)
	wait := ownLoadRetry
	for attempt := 1; ; attempt++ {
		err := l.attempt(store, restore)
		switch {
		case err == nil:
			log.Info("loaded the node's own snapshot", "snapshot", l.id, "index", l.index, "seconds", time.Since(start).Seconds())
			return
		case errors.Is(err, errLoadCancelled):
			l.err = errLoadCancelled
			log.Info("stopped loading the node's own snapshot", "snapshot", l.id, "index", l.index, "seconds", time.Since(start).Seconds())
			return
		}
		log.Warn("loading the node's own snapshot failed; retrying", "snapshot", l.id, "attempt", attempt, "retry_in", wait, "err", err)
		select {
		case <-time.After(wait):
		case <-l.cancel:
			l.err = errLoadCancelled
			return
		}
		wait = min(2*wait, ownLoadRetryMax)
	}
}

func (l *ownLoad) attempt(store raft.SnapshotStore, restore func(io.ReadCloser) error) error {
	select {
	case <-l.cancel:
		return errLoadCancelled
	default:
	}
	_, rc, err := store.Open(l.id)
	if err != nil {
		return err
	}
	return restore(&cancelReader{ReadCloser: rc, cancel: l.cancel}) // Restore closes rc
}

// cancelReader fails every read once cancel is closed.
type cancelReader struct {
	io.ReadCloser
	cancel <-chan struct{}
}

func (r *cancelReader) Read(p []byte) (int, error) {
	select {
	case <-r.cancel:
		return 0, errLoadCancelled
	default:
	}
	return r.ReadCloser.Read(p)
}

// awaitOwnLoad waits for the own snapshot's load, if one is under way. Only
// raft's FSM goroutine calls it (ApplyBatch, Snapshot, Restore).
func (f *FSM) awaitOwnLoad() {
	if l := f.own.Load(); l != nil {
		<-l.done
		f.own.CompareAndSwap(l, nil)
	}
}

// cancelOwnLoad stops the own snapshot's load, if one is under way, and
// waits for it to end.
func (f *FSM) cancelOwnLoad() {
	if l := f.own.Load(); l != nil {
		l.stop()
		f.own.CompareAndSwap(l, nil)
	}
}

// stopOwnLoad is for a node that closes: a lost state stops answering
// entries instead of panicking (ApplyBatch), and the load is cancelled.
func (f *FSM) stopOwnLoad() {
	f.closing.Store(true)
	f.cancelOwnLoad()
}

// newestSnapshot returns the snapshot raft takes as applied at start-up
// with NoSnapshotRestoreOnStart (the first one store lists), or nil.
func newestSnapshot(store raft.SnapshotStore) (*raft.SnapshotMeta, error) {
	l, err := store.List()
	if err != nil || len(l) == 0 {
		return nil, err
	}
	return l[0], nil
}

// AwaitState blocks until the node's state machine holds a state: at once
// unless the node's own snapshot is still loading (or a restore failed),
// then until that load or an installed snapshot completes. The RESP edge
// waits for it before it accepts clients. It returns ctx's error if ctx
// ends first, and an error if the node closes.
func (n *Node) AwaitState(ctx context.Context) error {
	f := n.fsm
	for {
		f.chMu.Lock()
		ch := f.appliedCh
		f.chMu.Unlock()
		if !f.Loading() {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.stop:
			return errors.New("replication: the node closed before its state was loaded")
		}
	}
}
