package replication

import (
	"context"
	"strconv"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
	"redraft/kv/blocked"
)

// Blocked clients (BLPOP, ...): the wait queues are machine state, so
// their housekeeping goes through the log too.
//
//   - Timeouts: the leader proposes redraft.unblock-expired when its state
//     holds a waiter whose deadline passed; every replica answers the same
//     waiters as timed out, at the entry's timestamp. A client blocked on a
//     follower gets its timeout from whichever node leads.
//   - Restarts: the waiters a node registered before it restarted belong
//     to connections that are gone. The node proposes (through its
//     executor, so a follower forwards it) redraft.unblock-node with its
//     new incarnation as soon as its state shows such waiters, and again
//     while it does.
//   - Removed members: the leader removes the waiters of nodes that are no
//     longer in the Raft configuration (redraft.unblock-node with
//     incarnation 0, which no start has).
const (
	// blockTimeoutInterval is how often the leader looks for due waiters:
	// the precision of blocking timeouts (Redis: 1000/hz ms at worst).
	blockTimeoutInterval = 10 * time.Millisecond
	// staleWaiterCheck is how often a node looks for waiters of its
	// earlier incarnations.
	staleWaiterCheck = 500 * time.Millisecond
)

// Blocking returns the node's registry of blocked connections
// (resp.BlockingProvider).
func (n *Node) Blocking() *blocked.Registry { return n.fsm.Blocking() }

func (n *Node) blockingLoop() {
	defer n.wg.Done()
	t := time.NewTicker(blockTimeoutInterval)
	defer t.Stop()
	lastStale := time.Now()
	reg := n.fsm.Blocking()
	for {
		select {
		case <-t.C:
		case <-n.stop:
			return
		}
		if time.Since(lastStale) >= staleWaiterCheck {
			lastStale = time.Now()
			stale := 0
			n.fsm.Read(func(m *kv.Machine) { stale = m.StaleWaiters(reg.Node(), reg.Incarnation()) })
			if stale > 0 {
				n.proposeBlocking([][]byte{[]byte("redraft.unblock-node"), []byte(reg.Node()),
					strconv.AppendUint(nil, reg.Incarnation(), 10)})
			}
			if n.raft.State() == raft.Leader {
				n.dropRemovedMembersWaiters()
			}
		}
		if n.raft.State() != raft.Leader {
			continue
		}
		now := n.cfg.Clock()
		var next int64
		n.fsm.Read(func(m *kv.Machine) { next = m.NextBlockDeadline() })
		if next != 0 && next <= now {
			n.proposeBlocking([][]byte{[]byte("redraft.unblock-expired")})
		}
	}
}

// proposeBlocking runs one housekeeping command through the executor
// (forwarded by a follower); failures are retried by the next check.
func (n *Node) proposeBlocking(args [][]byte) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
	defer cancel()
	n.Execute(ctx, []*kv.Cmd{{Args: args, Proto: 2}}, kv.NewWriter(nil, 2))
}

// dropRemovedMembersWaiters proposes the removal of the waiters of every
// node the configuration no longer lists.
func (n *Node) dropRemovedMembersWaiters() {
	var nodes []string
	n.fsm.Read(func(m *kv.Machine) { nodes = m.WaiterNodes() })
	if len(nodes) == 0 {
		return
	}
	cf := n.raft.GetConfiguration()
	if cf.Error() != nil {
		return
	}
	members := map[string]bool{}
	for _, s := range cf.Configuration().Servers {
		members[string(s.ID)] = true
	}
	for _, id := range nodes {
		if !members[id] {
			n.proposeBlocking([][]byte{[]byte("redraft.unblock-node"), []byte(id), []byte("0")})
		}
	}
}
