package replication

import (
	"sync/atomic"
	"testing"

	"github.com/hashicorp/raft"
)

// rejectedBy makes every AppendEntries to the node named victim fail its
// previous-entry check (a previous index far past the victim's log), as a
// follower wedged at the snapshot boundary does, while the victim still
// learns who the leader is from each request.
type rejectedBy struct {
	raft.Transport
	victim *atomic.Value // raft.ServerID; "" for none
}

var _ raft.WithPreVote = (*rejectedBy)(nil)

func (r *rejectedBy) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return r.Transport.(raft.WithPreVote).RequestPreVote(id, target, args, resp)
}

func (r *rejectedBy) Close() error { return r.Transport.(raft.WithClose).Close() }

func (r *rejectedBy) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (r *rejectedBy) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if v, _ := r.victim.Load().(raft.ServerID); v != "" && v == id {
		bad := *args
		bad.PrevLogEntry = args.PrevLogEntry + 1_000_000
		return r.Transport.AppendEntries(id, target, &bad, resp)
	}
	return r.Transport.AppendEntries(id, target, args, resp)
}

func infoField(n *Node, name string) string {
	for _, f := range n.Info() {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// TestStalledFollowerReported: a follower that keeps a leader but rejects
// all its appends reports replication_stalled:1 in RAFT INFO, the others
// 0; once its appends are accepted again it reports 0.
func TestStalledFollowerReported(t *testing.T) {
	victim := &atomic.Value{}
	victim.Store(raft.ServerID(""))
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		cfg.Transport = &rejectedBy{Transport: cfg.Transport, victim: victim}
	})
	l := c.leader()
	var f *Node
	for _, nd := range c.nodes {
		if nd != l {
			f = nd
			break
		}
	}
	victim.Store(raft.ServerID(f.cfg.ID))
	waitFor(t, "the follower to report a stall", func() bool { return infoField(f, "replication_stalled") == "1" })
	for _, nd := range c.nodes {
		if nd != f && infoField(nd, "replication_stalled") != "0" {
			t.Errorf("%s: replication_stalled %s, want 0", nd.cfg.ID, infoField(nd, "replication_stalled"))
		}
	}
	c.set("while", "stalled") // the leader commits with the other follower
	victim.Store(raft.ServerID(""))
	waitFor(t, "the follower to recover", func() bool {
		return infoField(f, "replication_stalled") == "0" && f.AppliedIndex() >= l.AppliedIndex()
	})
}
