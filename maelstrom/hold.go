package maelstrom

import (
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Heartbeats ride on replication traffic.
//
// raft's leader sends every follower a heartbeat each 0.1-0.2 heartbeat
// timeouts whatever else it sends, and a VerifyLeader (a read barrier
// round) triggers one at once. Under a write load the follower hears from
// the leader more often than that anyway: every AppendEntries that carries
// entries resets its election timer, and its reply refreshes the leader's
// contact time (the lease) just as a heartbeat's does. So the transport
// holds a heartbeat to a follower whose last AppendEntries reply came less
// than heartbeatRide ago, until the follower has been quiet that long, for
// at most heartbeatHoldMax; the heartbeat then goes out as raft made it.
//
// Holding only ever delays a heartbeat: no reply is made up, so what raft
// learns from each reply (a quorum vote for VerifyLeader included) comes
// from a message sent after raft asked for it, as without holding. What it
// may cost is read latency, when the held heartbeat is the one a
// VerifyLeader waits for: so no heartbeat is held while a read runs on
// this node (readGate), and a held one goes out as soon as a read starts.
// (Reads through the optional RESP port do not pass the gate: they may
// wait up to heartbeatHoldMax.)

// readGate counts the reads running on this node (client reads and
// forwarded batches) and wakes held heartbeats when one starts.
type readGate struct {
	mu     sync.Mutex
	active int
	wake   chan struct{} // closed and replaced when a read starts
}

func newReadGate() *readGate { return &readGate{wake: make(chan struct{})} }

// enter records a read that starts; leave must follow.
func (g *readGate) enter() {
	g.mu.Lock()
	g.active++
	close(g.wake)
	g.wake = make(chan struct{})
	g.mu.Unlock()
}

func (g *readGate) leave() {
	g.mu.Lock()
	if g.active <= 0 {
		g.mu.Unlock()
		panic("maelstrom: readGate.leave without enter")
	}
	g.active--
	g.mu.Unlock()
}

// state returns how many reads run and a channel closed when another starts.
func (g *readGate) state() (int, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.active, g.wake
}

// appendReplied records that target answered an AppendEntries that was
// not a heartbeat.
func (t *Transport) appendReplied(target raft.ServerAddress) {
	t.hbMu.Lock()
	t.aeReply[target] = time.Now()
	t.hbMu.Unlock()
}

// holdHeartbeat delays a heartbeat of term to target while replication
// traffic keeps the follower informed (see above). It returns at once when
// holding is off (no gate), a read runs, the term is stale or the
// transport closes.
func (t *Transport) holdHeartbeat(target raft.ServerAddress, term uint64) {
	if t.reads == nil || t.heartbeatRide <= 0 {
		return
	}
	deadline := time.Now().Add(t.heartbeatHoldMax)
	held := false
	for {
		active, wake := t.reads.state()
		if active > 0 || t.termSeen.Load() > term || t.isClosed() {
			return
		}
		t.hbMu.Lock()
		until := t.aeReply[target].Add(t.heartbeatRide)
		t.hbMu.Unlock()
		if until.After(deadline) {
			until = deadline
		}
		d := time.Until(until)
		if d <= 0 {
			return
		}
		if !held {
			held = true
			t.peers.out.counts.add("append.heartbeat.held")
		}
		timer := time.NewTimer(d)
		select {
		case <-wake:
		case <-timer.C:
		case <-t.stop:
		}
		timer.Stop()
	}
}
