package replication

import (
	"context"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// Vouched reads: a follower that forwards a batch of reads tells the leader
// its current term, read after the reads arrived. If the leader leads in
// that very term and the two of them are a majority of every configuration
// that could have elected a leader of a later term, that message is the
// quorum confirmation the read barrier's VerifyLeader round would get: a
// leader of a later term that committed anything before the reads arrived
// was elected by a majority whose terms had passed the vouched term by
// then, and neither the follower (it still had that term when it sent the
// batch) nor this leader (it still has it) was in it. The reads are then
// served from the leader's commit index recorded after that (ReadIndex)
// once the state machine applied it, without the round's messages.
//
// With at most three voters the pair is such a majority: a majority of the
// latest configuration (both voters in it, <= 3 voters) contains one of
// them, and so does a majority of the committed configuration, which
// differs from the latest by at most one server (raft changes membership
// one server at a time). With more voters the batch takes the ordinary
// read barrier.

// HandleForwardVouched is HandleForward for a batch that member from sent
// while its current term was term, after the batch's commands arrived
// there (term 0: not vouched). A batch of reads that qualifies (see above)
// skips the barrier's quorum round; anything else is HandleForward.
func (n *Node) HandleForwardVouched(ctx context.Context, payload []byte, from string, term uint64) ([]byte, error) {
	if term == 0 || n.cfg.ReadConsistency != Linearizable || len(payload) == 0 || payload[0] == entryMeta || payload[0] == entryProbe {
		return n.HandleForward(ctx, payload)
	}
	_, cmds, err := decodeEntry(payload)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 || n.anyWrite(cmds) || !n.pairIsMajority(from) {
		return n.HandleForward(ctx, payload)
	}
	w := kv.NewWriter(nil, 2)
	if err := n.reads.vouched(term); err != nil {
		n.writeErr(w, cmds, err)
		return w.Bytes(), nil
	}
	now := n.cfg.Clock()
	n.fsm.Read(func(m *kv.Machine) { execReads(m, n.fsm.AppliedIndex(), cmds, now, w) })
	return w.Bytes(), nil
}

// pairIsMajority reports whether this node and member from are distinct
// voters of a latest configuration of at most three voters.
func (n *Node) pairIsMajority(from string) bool {
	peers, ok := n.pairPeers()
	return ok && slices.Contains(peers, from)
}

// pairPeers returns the voters other than this node when this node and any
// one of them are a majority of every configuration that may be in force:
// the latest configuration has two or three voters, this node among them
// (see above). ok is false otherwise. Vouched reads and term probes
// (termprobe.go) both rest on it.
func (n *Node) pairPeers() (peers []string, ok bool) {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return nil, false
	}
	self := false
	voters := 0
	for _, s := range f.Configuration().Servers {
		if s.Suffrage != raft.Voter {
			continue
		}
		voters++
		if s.ID == raft.ServerID(n.cfg.ID) {
			self = true
			continue
		}
		peers = append(peers, string(s.ID))
	}
	if !self || voters < 2 || voters > 3 {
		return nil, false
	}
	return peers, true
}

// vouched is the read barrier for reads a follower vouched for in term:
// this node leads, is ready in term (its commit index covers every earlier
// term), and the state machine applied the commit index recorded while it
// still led in term. When this node's term is another, it is the ordinary
// barrier.
func (rd *reader) vouched(term uint64) error {
	cur, ok := rd.awaitReady()
	if !ok {
		return errNotLeader
	}
	if cur != term {
		return rd.barrier()
	}
	commit := rd.r.CommitIndex()
	if rd.r.State() != raft.Leader || rd.r.CurrentTerm() != term {
		return errNotLeader
	}
	// The deadline of the wait starts here, as a round's does.
	if !rd.fsm.waitApplied(rd.lastFSMIndex(commit), time.Now().Add(rd.wait), rd.stop) {
		return errNotLeader
	}
	return nil
}
