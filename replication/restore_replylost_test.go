package replication

import (
	"errors"
	"sync"
	"testing"

	"github.com/hashicorp/raft"
)

// replyLost delivers the first AppendEntries that carries entries to one
// peer, the first it sends entries to, and then reports the call failed,
// as an RPC whose reply timed out on a loaded machine; raft sends the same
// request again. Pipelining is off so that every AppendEntries goes
// through it; pre-vote stays on, as on the TCP transport (without it the
// wedged follower's elections would depose the leader and end the wedge).
type replyLost struct {
	unpipelined
	mu     sync.Mutex
	victim raft.ServerID
	n      int
}

// unpipelined is the base of the tests' transport wrappers that lose
// replies: every AppendEntries goes through the wrapper (no pipeline),
// and pre-vote and Close reach the wrapped transport.
type unpipelined struct{ raft.Transport }

var (
	_ raft.WithPreVote = unpipelined{}
	_ raft.WithClose   = unpipelined{}
)

func (u unpipelined) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return u.Transport.(raft.WithPreVote).RequestPreVote(id, target, args, resp)
}

func (u unpipelined) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (u unpipelined) Close() error {
	if c, ok := u.Transport.(raft.WithClose); ok {
		return c.Close()
	}
	return nil
}

var errReplyLost = errors.New("test: reply lost")

func (r *replyLost) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if err := r.Transport.AppendEntries(id, target, args, resp); err != nil || len(args.Entries) == 0 {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.victim != "" {
		return nil
	}
	r.victim = id
	r.n++
	return errReplyLost
}

// TestRestoredClusterReplyLost reproduces the restored cluster that never
// caught up (issue 11): a new leader's first AppendEntries with entries
// reaches one follower and the reply is lost. Before SeedFromSnapshot
// stored the snapshot's last entry in the log, the retransmission was
// rejected forever ("failed to get previous log" on the follower, "log not
// found" for the entry before the snapshot on the leader) while the leader
// kept its quorum through the other follower, and this test failed waiting
// for the wedged follower to apply the write.
func TestRestoredClusterReplyLost(t *testing.T) {
	shared, from, want := restoreSource(t)
	var wrapped []*replyLost
	restoreAndCheck(t, shared, from, want, func(tr raft.Transport) raft.Transport {
		r := &replyLost{unpipelined: unpipelined{tr}}
		wrapped = append(wrapped, r)
		return r
	})
	n := 0
	for _, r := range wrapped {
		r.mu.Lock()
		n += r.n
		r.mu.Unlock()
	}
	if n == 0 {
		t.Fatal("no reply was lost: the test did not exercise the retransmission")
	}
}
