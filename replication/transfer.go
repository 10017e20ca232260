package replication

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Leadership transfer (RAFT TRANSFER) to a member that can serve.
//
// raft's transfer sends the target a TimeoutNow, after which the target
// starts an election at once, without a pre-vote: the campaign gate
// (campaigngate.go), which keeps a node whose state machine holds no state
// from campaigning, never sees it. raft's own choice of target is the
// follower with the most of the log, and in a rolling restart that can be
// the node restarted last, still loading its own snapshot: it would
// win and then answer nothing until loaded (a minute at 10M keys on a
// loaded machine). So before asking raft, the leader asks the candidates
// over the forward channel whether they hold their state (entryHolds):
// a named target that does not is refused with ErrTransferNoState; without
// a name, the member with the longest log among those that answer that
// they hold it is chosen, and raft is asked for exactly that one. A
// member that does not answer (down, or a version without the question)
// is left to raft when named, and left out when not: raft would not reach
// it either.
//
// raft may then catch the target up with a snapshot that the target
// restores in the background, so the question is asked again as raft's
// TimeoutNow goes out (campaignGate.TimeoutNow). What remains: that answer
// and the TimeoutNow are two messages, so a target that restarts between
// them can still be elected while it holds no state.

// entryHolds marks a forward payload that asks whether the receiver's
// state machine holds its state: 0x82 | nothing. The reply is "1 <last
// log index>" or "0 <last log index>" in decimal.
const entryHolds = 0x82

// ErrTransferNoState refuses a transfer to a member whose state machine
// holds no state.
var ErrTransferNoState = errors.New("holds no state yet (loading a snapshot): not transferring leadership to it")

// errNoTransferTarget: no other voter answered that it holds its state.
var errNoTransferTarget = errors.New("replication: no other voter holds its state (all loading or unreachable); not transferring leadership")

// holdsAskTimeout bounds the question to each candidate.
const holdsAskTimeout = time.Second

// holdsReply is this node's answer to entryHolds.
func (n *Node) holdsReply() []byte {
	b := []byte{'1', ' '}
	if n.fsm.Loading() {
		b[0] = '0'
	}
	return strconv.AppendUint(b, n.raft.LastIndex(), 10)
}

var errHoldsReply = errors.New("replication: malformed state question reply")

// askHolds asks member id whether it holds its state and how long its log is.
func (n *Node) askHolds(ctx context.Context, id string) (holds bool, last uint64, err error) {
	reply, err := n.forwardTo(ctx, id, []byte{entryHolds})
	if err != nil {
		return false, 0, err
	}
	flag, idx, ok := strings.Cut(string(reply), " ")
	if !ok || (flag != "0" && flag != "1") {
		return false, 0, errHoldsReply
	}
	last, err = strconv.ParseUint(idx, 10, 64)
	if err != nil {
		return false, 0, errHoldsReply
	}
	return flag == "1", last, nil
}

// forwardTo sends payload to member id over the forward channel and
// returns its reply.
func (n *Node) forwardTo(ctx context.Context, id string, payload []byte) ([]byte, error) {
	if n.cfg.Forwarder != nil {
		return n.cfg.Forwarder.Forward(ctx, id, payload)
	}
	addr := n.fsm.NodeAddr(id)
	if addr == "" {
		return nil, errForwardNotSent
	}
	return n.fwd.forward(ctx, addr, payload)
}

// TransferLeadership hands leadership to id, or, when id is empty, to the
// voter with the longest log among those that hold their state.
func (n *Node) TransferLeadership(id string) error {
	if n.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return err
	}
	var candidates []raft.Server
	for _, s := range cf.Configuration().Servers {
		if id != "" && string(s.ID) == id {
			if s.ID == raft.ServerID(n.cfg.ID) || s.Suffrage != raft.Voter {
				// raft refuses these with its own error.
				return awaitFuture(n.raft.LeadershipTransferToServer(s.ID, s.Address), n.stop)
			}
			candidates = append(candidates, s)
		}
		if id == "" && s.ID != raft.ServerID(n.cfg.ID) && s.Suffrage == raft.Voter {
			candidates = append(candidates, s)
		}
	}
	switch {
	case id != "" && len(candidates) == 0:
		return fmt.Errorf("replication: no member %q", id)
	case len(candidates) == 0:
		// No other voter: raft refuses with its own error.
		return awaitFuture(n.raft.LeadershipTransfer(), n.stop)
	}
	answers := n.askAllHolds(candidates)
	if id != "" {
		if a := answers[0]; a.err == nil && !a.holds {
			return fmt.Errorf("member %s %w", id, ErrTransferNoState)
		}
		s := candidates[0]
		return awaitFuture(n.raft.LeadershipTransferToServer(s.ID, s.Address), n.stop)
	}
	best := -1
	for i, a := range answers {
		if a.err == nil && a.holds && (best < 0 || a.last > answers[best].last) {
			best = i
		}
	}
	if best < 0 {
		return errNoTransferTarget
	}
	s := candidates[best]
	return awaitFuture(n.raft.LeadershipTransferToServer(s.ID, s.Address), n.stop)
}

// holdsAnswer is one member's answer to entryHolds.
type holdsAnswer struct {
	holds bool
	last  uint64
	err   error
}

// askAllHolds asks every server at once, within holdsAskTimeout.
func (n *Node) askAllHolds(servers []raft.Server) []holdsAnswer {
	ctx, cancel := context.WithTimeout(context.Background(), holdsAskTimeout)
	defer cancel()
	answers := make([]holdsAnswer, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := &answers[i]
			a.holds, a.last, a.err = n.askHolds(ctx, string(s.ID))
		}()
	}
	wg.Wait()
	return answers
}
