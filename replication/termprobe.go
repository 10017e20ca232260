package replication

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"
)

// Term probes: the read barrier's quorum confirmation without raft's
// heartbeat machinery.
//
// raft.VerifyLeader goes through raft's leader loop, which hands the check
// to each follower's heartbeat goroutine; that goroutine has at most one
// heartbeat in flight, so a check that arrives while one is out waits for
// it to come back and then for a second one, and the answer goes back
// through the leader loop again. Under a read-only load of 16 closed-loop
// clients the leader spent its time waiting for those hand-offs: 40k
// linearizable GETs/s against 120k/s for the same load with lease reads
// (results/BENCHMARKS.md).
//
// A probe asks a follower for its current term directly, over the channel
// followers forward to the leader on (any number in flight). The answer is
// the confirmation ReadIndex needs: a follower whose current term is still
// T when it reads it, after the read arrived at the leader, had not voted
// in any later term by then (raft raises a node's term before it grants a
// vote in a later term); nor had the leader, whose term the round checks
// again afterwards. Every majority that can elect a leader of a later term
// contains one of the two when they are a majority of every configuration
// that may be in force (vouch.go: the pair of a leader and any other voter
// is, with at most three voters), so no leader of a later term was elected
// between the read's arrival and the follower's answer, and the leader's
// commit index taken after the read arrived covers every write
// acknowledged before it.
//
// A probe answered with a later term means this node is no longer the
// leader it thinks it is (the round fails: not leader); a probe that fails
// or times out on every peer leaves the round to raft's VerifyLeader with
// the time left, so peers that do not know probes, or a channel that
// breaks, cost time, never correctness.

// entryProbe marks a forward payload that asks for the receiver's current
// term: 0x81 | nothing. The reply is the term in decimal.
const entryProbe = 0x81

// ReadConfirm selects how the read barrier confirms leadership.
type ReadConfirm int

const (
	// ConfirmProbe asks the other voters for their terms (this file),
	// falling back to ConfirmHeartbeat when no probe succeeds.
	ConfirmProbe ReadConfirm = iota
	// ConfirmHeartbeat uses raft.VerifyLeader (a heartbeat round).
	ConfirmHeartbeat
)

// ParseReadConfirm parses "probe" or "heartbeat".
func ParseReadConfirm(s string) (ReadConfirm, bool) {
	switch s {
	case "probe":
		return ConfirmProbe, true
	case "heartbeat":
		return ConfirmHeartbeat, true
	}
	return 0, false
}

// probeRequest is the payload of a term probe.
func probeRequest() []byte { return []byte{entryProbe} }

// probeReply is a node's answer to a term probe.
func (n *Node) probeReply() []byte {
	return strconv.AppendUint(nil, n.raft.CurrentTerm(), 10)
}

var errProbeReply = errors.New("replication: malformed term probe reply")

// probeTerm asks member id for its current term.
func (n *Node) probeTerm(ctx context.Context, id string) (uint64, error) {
	reply, err := n.forwardTo(ctx, id, probeRequest())
	if err != nil {
		return 0, err
	}
	t, err := strconv.ParseUint(string(reply), 10, 64)
	if err != nil {
		return 0, errProbeReply
	}
	return t, nil
}

// probeOutcome is what a round of probes found.
type probeOutcome int

const (
	probeConfirmed probeOutcome = iota // a peer answered with term
	probeDeposed                       // a peer answered with a later term
	probeFailed                        // no peer answered with term in time
)

// prober runs a round's probes; the reader holds one when ReadConfirm is
// ConfirmProbe.
type prober struct {
	peers func() ([]string, bool)
	probe func(ctx context.Context, id string) (uint64, error)
	// preferred is the peer that confirmed last: it is asked first.
	preferred atomic.Pointer[string]
	// anyTerm is TestFaults.ProbeAnyTerm: any answer confirms.
	anyTerm bool
}

// probeHedge is how long a round waits for its first peer before asking
// the others too. One confirmation is enough, so asking one peer halves
// the messages of a round; a slow or failed peer costs at most this.
const probeHedge = time.Millisecond

// confirm asks the preferred peer first, on the calling goroutine, and the
// others after probeHedge (or at once when the first fails); it returns as
// soon as one confirms term (or one shows a later term). The deadline
// bounds them all, and so does parent, cancelled when the reader stops.
func (p *prober) confirm(parent context.Context, term uint64, deadline time.Time) probeOutcome {
	peers, ok := p.peers()
	if !ok || len(peers) == 0 {
		return probeFailed
	}
	if pref := p.preferred.Load(); pref != nil {
		for i, id := range peers {
			if id == *pref {
				peers[0], peers[i] = peers[i], peers[0]
				break
			}
		}
	}
	ctx, cancel := context.WithDeadline(parent, deadline)
	// Probes still out when one confirms are not cancelled (a cancelled
	// call closes its connection instead of pooling it): the last one to
	// end releases ctx.
	var left atomic.Int32
	left.Store(int32(len(peers)))
	end := func(n int32) {
		if left.Add(-n) == 0 {
			cancel()
		}
	}
	// The first probe runs here; a later one that decides cancels it.
	first, cancelFirst := context.WithCancel(ctx)
	defer cancelFirst()
	outcome := func(ctx context.Context, id string) probeOutcome {
		t, err := p.probe(ctx, id)
		end(1)
		switch {
		case err == nil && p.anyTerm:
			return probeConfirmed
		case err != nil || t < term:
			// A peer behind this term has not confirmed it (it missed
			// the election); the others may.
			return probeFailed
		case t == term:
			if pref := p.preferred.Load(); pref == nil || *pref != id {
				p.preferred.Store(&id) // (only on a change: rounds are a hot path)
			}
			return probeConfirmed
		default:
			return probeDeposed
		}
	}
	rest := peers[1:]
	res := make(chan probeOutcome, len(rest))
	askRest := func() {
		for _, id := range rest {
			go func() {
				o := outcome(ctx, id)
				if o != probeFailed {
					cancelFirst()
				}
				res <- o
			}()
		}
	}
	hedge := time.AfterFunc(probeHedge, askRest)
	o := outcome(first, peers[0])
	if hedge.Stop() {
		// The others were not asked.
		if o != probeFailed {
			end(int32(len(rest)))
			return o
		}
		askRest()
	} else if o != probeFailed {
		return o
	}
	for range rest {
		if o := <-res; o != probeFailed {
			return o
		}
	}
	return probeFailed
}

func (c ReadConfirm) String() string {
	if c == ConfirmHeartbeat {
		return "heartbeat"
	}
	return "probe"
}
