package replication

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// Rejoining with an empty data directory.
//
// Raft's safety rests on every voter keeping what it promised: its vote in
// a term and the entries it acknowledged. A node whose data directory was
// wiped and that comes back under the same id and address has forgotten
// both, and hashicorp/raft grants a vote to any candidate while it knows no
// configuration. Jepsen-style tests of the real cluster found the result
// (tester/jepsen, set workload, seed 502, docs/jepsen.md): n2 and n3 had
// been removed and wiped and were rejoining; n2 had received an old prefix
// of the log (entries 1-256), in which n2 and n3 were still voters; when
// the leader went away n2 campaigned, the empty n3 voted for it, and n2
// led a term in which it served a read from that old prefix and
// acknowledged a write the next real leader erased.
//
// The rule: a node that starts to join (Config.Joining) with no Raft state
// draws a random incarnation, keeps it in its stable store, and sends it
// with RAFT JOIN. The leader first removes an earlier incarnation of the
// same id still in the configuration, then commits a meta entry recording
// (id, incarnation), and only then adds the node. Until that entry is in
// the joining node's log (or its state machine), the node refuses
// RequestVote and pre-vote RPCs (they fail; the candidate counts no vote).
// From then on its log holds everything committed before the entry,
// including the removal of its earlier incarnation, and raft's up-to-date
// check means it votes only for candidates whose logs hold that too: its
// earlier promises concern configurations that no longer count it. It
// records the registration in its stable store (markRegistered).
//
// A node that restarts with Raft state and no incarnation votes as before;
// one that crashed while joining reads its incarnation back and stays
// gated until the entry arrives.

// incarnationKey is the stable-store key of a joining node's incarnation.
// raft's own keys (CurrentTerm, LastVoteTerm, LastVoteCand) live beside it;
// HasExistingState does not look at it.
var incarnationKey = []byte("RedraftIncarnation")

// errJoining is a joining node's answer to a vote request.
var errJoining = errors.New("replication: not voting: this node is joining and the leader has not registered its incarnation yet")

// loadIncarnation returns the node's incarnation: the one in its stable
// store, or (joining with no Raft state) a new one, stored durably before
// raft starts. "" means the node is not gated.
func loadIncarnation(stable raft.StableStore, joining, hasState bool) (string, error) {
	b, err := stable.Get(incarnationKey)
	switch {
	case err == nil && len(b) > 0:
		return string(b), nil
	case err != nil && err.Error() != "not found": // raft's own test for a missing key
		return "", fmt.Errorf("replication: incarnation: %w", err)
	}
	if !joining || hasState {
		return "", nil
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", fmt.Errorf("replication: incarnation: %w", err)
	}
	inc := hex.EncodeToString(r[:])
	if err := stable.Set(incarnationKey, []byte(inc)); err != nil {
		return "", fmt.Errorf("replication: incarnation: %w", err)
	}
	return inc, nil
}

// Incarnation returns the incarnation this node joins with ("" when it
// was not started to join with an empty data directory).
func (n *Node) Incarnation() string { return n.incarnation }

// Voting reports whether this node grants votes: always, unless it is
// joining and not registered yet (see markRegistered).
func (n *Node) Voting() bool {
	if n.incarnation == "" || n.registered.Load() {
		return true
	}
	if n.fsm.Incarnation(n.cfg.ID) == n.incarnation { // a snapshot brought it
		n.markRegistered()
		return true
	}
	return false
}

// mayVoteFor reports whether this node may grant its vote to a candidate
// whose log ends at (lastIndex, lastTerm): when it is registered, or when
// it knows where it was registered (the leader's JOIN reply) and the
// candidate's log reaches that entry. The second case keeps a cluster
// live whose voters include a joining node that has not received its
// registration yet (replication/sim seed 134: the leader that added it
// stepped down before sending it anything, and waited for its vote for
// ever). A candidate whose last entry is at or after the registration in
// raft's log order holds the registration: it was committed before the
// reply was sent, so every leader of a later term has it, and entries of
// a term are appended by one leader.
func (n *Node) mayVoteFor(lastIndex, lastTerm uint64) bool {
	if n.Voting() {
		return true
	}
	idx, term := n.regIndex.Load(), n.regTerm.Load()
	return idx > 0 && (lastTerm > term || lastTerm == term && lastIndex >= idx)
}

// registrationPointKey is the stable-store key of "index term" of the
// entry that registered this node's incarnation, as the JOIN reply gave it.
var registrationPointKey = []byte("RedraftRegistrationPoint")

// SetRegistration records where this node's incarnation was registered
// (the leader's reply to RAFT JOIN), durably, so that it may vote for
// candidates whose logs reach that entry before its own log does.
func (n *Node) SetRegistration(index, term uint64) error {
	if n.incarnation == "" || index == 0 {
		return nil
	}
	if err := n.stable.Set(registrationPointKey, []byte(fmt.Sprintf("%d %d", index, term))); err != nil {
		return fmt.Errorf("replication: registration point: %w", err)
	}
	n.regTerm.Store(term)
	n.regIndex.Store(index)
	return nil
}

// loadRegistrationPoint reads what SetRegistration stored.
func (n *Node) loadRegistrationPoint() {
	b, err := n.stable.Get(registrationPointKey)
	if err != nil {
		return
	}
	var idx, term uint64
	if _, err := fmt.Sscanf(string(b), "%d %d", &idx, &term); err == nil {
		n.regTerm.Store(term)
		n.regIndex.Store(idx)
	}
}

// registeredKey is the stable-store key recording that the incarnation was
// registered: its value is the incarnation.
var registeredKey = []byte("RedraftRegistered")

// markRegistered opens the vote gate for good and records it, so that a
// restart does not close it again (two registered nodes restarting at once
// would otherwise wait for each other's vote for ever). It is called once
// the registration entry is in this node's log (regWatch) or its state
// machine (Voting). Either way the log holds every entry committed before
// the registration: JoinMember commits the removal of an earlier
// incarnation, and a barrier, before it proposes the entry, and a follower
// stores entries in the leader's order; committed entries are never
// truncated, so a later truncation of an uncommitted registration leaves
// them in place.
func (n *Node) markRegistered() {
	if !n.registered.CompareAndSwap(false, true) {
		return
	}
	if err := n.stable.Set(registeredKey, []byte(n.incarnation)); err != nil {
		// The gate stays open in this process; after a restart it opens
		// again once the entry is found in the log or applied.
		fmt.Fprintf(n.cfg.LogOutput, "replication: recording the registration: %v\n", err)
	}
}

// initRegistration sets n.registered for a node with an incarnation: from
// the stable store, else from the registration entry in the log (the node
// stopped after storing it, before recording it).
func (n *Node) initRegistration() error {
	if n.incarnation == "" {
		return nil
	}
	n.loadRegistrationPoint()
	b, err := n.stable.Get(registeredKey)
	if err == nil && string(b) == n.incarnation {
		n.registered.Store(true)
		return nil
	}
	if err != nil && err.Error() != "not found" {
		return fmt.Errorf("replication: registration: %w", err)
	}
	first, err := n.logs.FirstIndex()
	if err != nil {
		return fmt.Errorf("replication: registration: %w", err)
	}
	last, err := n.logs.LastIndex()
	if err != nil {
		return fmt.Errorf("replication: registration: %w", err)
	}
	var l raft.Log
	for i := last; i >= first && i > 0; i-- {
		if n.logs.GetLog(i, &l) == nil && n.isRegistration(&l) {
			n.markRegistered()
			break
		}
	}
	return nil
}

// isRegistration reports whether l is the meta entry registering this
// node's incarnation.
func (n *Node) isRegistration(l *raft.Log) bool {
	if l.Type != raft.LogCommand || len(l.Data) == 0 || l.Data[0] != entryMeta {
		return false
	}
	id, _, inc, err := decodeMeta(l.Data)
	return err == nil && id == n.cfg.ID && inc == n.incarnation
}

// regWatch is the log store raft gets while the node is not registered:
// storing the registration entry opens the vote gate.
type regWatch struct {
	raft.LogStore
	n *Node
}

// StoreLog implements raft.LogStore.
func (w regWatch) StoreLog(l *raft.Log) error { return w.StoreLogs([]*raft.Log{l}) }

// StoreLogs implements raft.LogStore.
func (w regWatch) StoreLogs(logs []*raft.Log) error {
	if err := w.LogStore.StoreLogs(logs); err != nil {
		return err
	}
	if !w.n.registered.Load() {
		for _, l := range logs {
			if w.n.isRegistration(l) {
				w.n.markRegistered()
			}
		}
	}
	return nil
}

// gateVotes returns t with vote requests refused while the node may not
// vote (mayVoteFor); t itself for nodes that are not gated or were
// already registered when they started. Every RPC of a gated node passes
// through the filter, a goroutine of the node that ends when it stops.
func (n *Node) gateVotes(t raft.Transport) raft.Transport {
	if n.incarnation == "" || n.registered.Load() {
		return t // registration is permanent: no hop for every RPC
	}
	g := gatedTransport{Transport: t, out: make(chan raft.RPC)}
	in := t.Consumer()
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		for {
			select {
			case rpc := <-in:
				var lastIndex, lastTerm uint64
				vote := false
				switch req := rpc.Command.(type) {
				case *raft.RequestVoteRequest:
					vote, lastIndex, lastTerm = true, req.LastLogIndex, req.LastLogTerm
				case *raft.RequestPreVoteRequest:
					vote, lastIndex, lastTerm = true, req.LastLogIndex, req.LastLogTerm
				}
				if vote && !n.mayVoteFor(lastIndex, lastTerm) {
					n.votesRefused.Add(1)
					rpc.Respond(nil, errJoining)
					continue
				}
				select {
				case g.out <- rpc:
				case <-n.stop:
					return
				}
			case <-n.stop:
				return
			}
		}
	}()
	if pv, ok := t.(raft.WithPreVote); ok {
		return gatedTransportPreVote{gatedTransport: g, pv: pv}
	}
	return g
}

// gatedTransport is a transport whose RPCs raft consumes from out.
type gatedTransport struct {
	raft.Transport
	out chan raft.RPC
}

// Consumer implements raft.Transport.
func (g gatedTransport) Consumer() <-chan raft.RPC { return g.out }

// gatedTransportPreVote keeps pre-vote for transports that have it.
type gatedTransportPreVote struct {
	gatedTransport
	pv raft.WithPreVote
}

// RequestPreVote implements raft.WithPreVote.
func (g gatedTransportPreVote) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return g.pv.RequestPreVote(id, target, args, resp)
}

// JoinMember is the leader's handling of RAFT JOIN: AddMember for a node
// that presents an incarnation. An earlier incarnation of id still in the
// configuration is removed first (its promises died with its data); the
// meta entry that registers the incarnation is committed before the node
// is added. A retry by the same incarnation removes nothing. It returns the
// index and term of the registering entry (0 without an incarnation), for
// the joining node's SetRegistration.
func (n *Node) JoinMember(ctx context.Context, id, raftAddr, clientAddr, incarnation string) (index, term uint64, err error) {
	if incarnation == "" {
		return 0, 0, n.AddMember(ctx, id, raftAddr, clientAddr)
	}
	if n.raft.State() != raft.Leader {
		return 0, 0, ErrNotLeader
	}
	if id == n.cfg.ID {
		if incarnation != n.incarnation {
			return 0, 0, fmt.Errorf("replication: %s is the leader's own id; a joining node needs an id of its own", id)
		}
		// This node's own join, passed on to it after it was elected
		// (a candidate needs no vote of its own gate): register it.
		if n.fsm.Incarnation(id) != incarnation {
			if err := awaitFuture(n.raft.Apply(encodeJoinMeta(id, clientAddr, incarnation), n.cfg.ApplyTimeout), n.stop); err != nil {
				return 0, 0, err
			}
		}
		return n.registrationOf(id, incarnation)
	}
	if n.fsm.Incarnation(id) != incarnation && n.inConfiguration(id) {
		if err := n.RemoveMember(id); err != nil {
			return 0, 0, err
		}
	}
	// Everything before the registration, the removal of an earlier
	// incarnation included (it may be in the log uncommitted, from an
	// earlier RAFT REMOVE), must be committed first (markRegistered).
	if err := awaitFuture(n.raft.Barrier(n.cfg.ApplyTimeout), n.stop); err != nil {
		return 0, 0, err
	}
	if err := n.addMember(ctx, id, raftAddr, clientAddr, incarnation); err != nil {
		return 0, 0, err
	}
	return n.registrationOf(id, incarnation)
}

// registrationOf returns where this node's state machine saw incarnation
// registered for id (an applied, so committed, entry).
func (n *Node) registrationOf(id, incarnation string) (uint64, uint64, error) {
	inc, idx, term := n.fsm.Registration(id)
	if inc != incarnation || idx == 0 {
		return 0, 0, fmt.Errorf("replication: the registration of %s is not applied here", id)
	}
	return idx, term, nil
}

// JoinedAnswer answers a RAFT JOIN on any node when this node's state
// machine already holds the registration of (id, incarnation) and id is
// in its configuration: a retry whose first reply was lost, which needs
// no leader (the registration is committed state).
func (n *Node) JoinedAnswer(id, incarnation string) (index, term uint64, ok bool) {
	if incarnation == "" || !n.inConfiguration(id) {
		return 0, 0, false
	}
	inc, idx, t := n.fsm.Registration(id)
	return idx, t, inc == incarnation && idx > 0
}

// inConfiguration reports whether id is in this node's latest configuration.
func (n *Node) inConfiguration(id string) bool {
	cf := n.raft.GetConfiguration()
	if cf.Error() != nil {
		return false
	}
	for _, s := range cf.Configuration().Servers {
		if string(s.ID) == id {
			return true
		}
	}
	return false
}
