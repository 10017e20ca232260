package replication

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// A node whose state machine holds no state does not campaign.
//
// While a node loads its own snapshot in the background (ownload.go) it
// takes part in raft, and before this gate it could win an election: as
// leader it commits entries but applies and answers nothing until the load
// ends, which at 10M keys is 5 s on an idle machine and over a minute on a
// loaded one (results/bench-scale.md). The likely way there is a rolling
// restart: a restarted node is still loading when the next node to
// restart is the leader, and with pre-votes the node whose election timer
// fires second wins (a node refuses pre-votes while it still has a
// leader), loading or not, against a peer that could have answered at
// once.
//
// So while the FSM holds no state (Loading: its own snapshot loading, an
// installed snapshot being restored, or a state lost), the pre-votes this
// node asks for are refused here, before they are sent, with a plain
// refusal (the proposed term, not granted: a later term would make raft
// adopt it; an error would be logged at ERROR). raft's candidate
// then waits for its next election timeout without raising its term or
// starting an election, and asks again; once the state is there the next
// round goes out as usual. Meanwhile the node grants votes and pre-votes to
// others as before, so any peer with an up-to-date log is elected.
//
// What it costs: no node campaigns until one holds a state, so when every
// voter is loading (a whole cluster restarted) the first to finish is
// elected, and when only loading nodes have the newest log (the only
// up-to-date peer is down) the cluster waits for the load — in both cases
// a loading leader would not have answered sooner. A leadership transfer
// (RAFT TRANSFER, raft's TimeoutNow) skips pre-votes by design; the leader
// asks the target first instead (transfer.go), and asks again as its
// TimeoutNow goes out (TimeoutNow below: raft may have caught the target
// up with a snapshot it is still restoring). A single voter needs no
// pre-vote and is not held. A transport without pre-vote (raft then runs
// elections without them) is not gated.

// campaignGate wraps the node's transport: RequestPreVote is refused
// locally while noState reports true.
type campaignGate struct {
	raft.Transport
	pv      raft.WithPreVote
	noState func() bool
	log     *slog.Logger
	// held is set while pre-votes are being refused, so the log has one
	// line when the node stops campaigning and one when it starts again.
	held atomic.Bool
	// refused counts the pre-votes refused (the metric
	// redraft_campaign_prevotes_refused_total).
	refused atomic.Uint64
	// holds asks a member whether its state machine holds its state
	// (transfer.go's question).
	holds func(id raft.ServerID) (bool, error)
}

// gateCampaign returns t gated by the FSM's state, or t itself when it
// has no pre-vote.
func (n *Node) gateCampaign(t raft.Transport, log *slog.Logger) raft.Transport {
	pv, ok := t.(raft.WithPreVote)
	if !ok {
		return t
	}
	n.campaign = &campaignGate{Transport: t, pv: pv, noState: n.fsm.Loading, log: log,
		holds: func(id raft.ServerID) (bool, error) {
			ctx, cancel := context.WithTimeout(context.Background(), holdsAskTimeout)
			defer cancel()
			holds, _, err := n.askHolds(ctx, string(id))
			return holds, err
		}}
	return n.campaign
}

// TimeoutNow implements raft.Transport. It is the leader's last step of a
// leadership transfer, after raft caught the target up, possibly with a
// snapshot the target is still restoring: a target that answers that its
// state machine holds no state is not sent it, and the transfer fails
// with that reason (the leader stays). A target that does not answer (an
// older version) is sent it, as before the question existed.
func (g *campaignGate) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	if holds, err := g.holds(id); err == nil && !holds {
		return fmt.Errorf("member %s %w", id, ErrTransferNoState)
	}
	return g.Transport.TimeoutNow(id, target, args, resp)
}

// RequestPreVote implements raft.WithPreVote.
func (g *campaignGate) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	if g.noState() {
		if !g.held.Swap(true) {
			g.log.Info("not campaigning while the state machine holds no state (loading a snapshot)", "term", args.Term-1)
		}
		g.refused.Add(1)
		// As a peer refusing it answers: the proposed term (not a later
		// one, which would make raft adopt it), not granted.
		*resp = raft.RequestPreVoteResponse{Term: args.Term, Granted: false}
		return nil
	}
	if g.held.Swap(false) {
		g.log.Info("campaigning again: the state machine holds its state")
	}
	return g.pv.RequestPreVote(id, target, args, resp)
}
