package replication

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// syncLocalMax bounds SyncLocal: INFO must answer even when no leader can
// be reached (that is when an operator needs it), so past this the local
// state is served as it is.
const syncLocalMax = time.Second

// SyncLocal waits until this node's state machine has applied every entry
// the leader had applied when asked, so that what the node serves from its
// own state outside the read path (INFO's keyspace and script fields)
// includes every write acknowledged before the call: a client that writes
// through a follower and then reads INFO there sees its writes, as on
// Redis. On the leader, which answers a write only once it applied it, and
// under --read-consistency stale, it returns at once. A follower asks the
// leader for its applied index (redraft.appliedindex, a read: forwarded,
// and answered behind the leader's read barrier), then waits for its own
// state machine to reach it; it gives up after syncLocalMax.
func (n *Node) SyncLocal(ctx context.Context) error {
	if n.cfg.ReadConsistency == Stale || n.raft.State() == raft.Leader {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, syncLocalMax)
	defer cancel()
	w := kv.NewWriter(nil, 2)
	n.Execute(ctx, []*kv.Cmd{{Args: [][]byte{[]byte(appliedIndexCommand)}, Proto: 2}}, w)
	reply := string(w.Bytes())
	if !strings.HasPrefix(reply, ":") || !strings.HasSuffix(reply, "\r\n") {
		return errors.New("replication: sync: " + strings.TrimSpace(reply))
	}
	idx, err := strconv.ParseUint(reply[1:len(reply)-2], 10, 64)
	if err != nil {
		return errors.New("replication: sync: " + strings.TrimSpace(reply))
	}
	deadline, _ := ctx.Deadline()
	if !n.fsm.waitApplied(idx, deadline, n.stop) {
		return errors.New("replication: sync: the state machine did not reach the leader's applied index in time")
	}
	return nil
}
