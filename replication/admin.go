package replication

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"redraft/wire"
)

// Cluster management. The RESP edge exposes these as the RAFT command
// (docs/replication.md): RAFT INFO, RAFT NODES, RAFT ADD, RAFT REMOVE,
// RAFT TRANSFER, RAFT SNAPSHOT, RAFT JOIN.

// catchUpMax bounds the wait for a new non-voter to catch up before it is
// promoted to voter.
const catchUpMax = 60 * time.Second

// ErrNotLeader is returned by leader-only operations on another node.
var ErrNotLeader = errors.New("replication: not the leader")

// Field is one name:value line of RAFT INFO / INFO raft.
type Field struct{ Name, Value string }

// Info describes this node's view of the cluster.
func (n *Node) Info() []Field {
	addr, id := n.raft.LeaderWithID()
	f := []Field{
		{"node_id", n.cfg.ID},
		{"role", strings.ToLower(n.raft.State().String())},
		{"term", strconv.FormatUint(n.raft.CurrentTerm(), 10)},
		{"leader_id", string(id)},
		{"leader_raft_addr", string(addr)},
		{"leader_client_addr", n.fsm.NodeAddr(string(id))},
		{"commit_index", strconv.FormatUint(n.raft.CommitIndex(), 10)},
		{"applied_index", strconv.FormatUint(n.fsm.AppliedIndex(), 10)},
		{"last_log_index", strconv.FormatUint(n.raft.LastIndex(), 10)},
		{"read_consistency", [...]string{"linearizable", "lease", "stale"}[n.cfg.ReadConsistency]},
		{"voting", map[bool]string{true: "yes", false: "no"}[n.Voting()]},
		{"votes_refused_joining", strconv.FormatUint(n.votesRefused.Load(), 10)},
	}
	f = append(f, n.prop.info()...)
	f = append(f, n.reads.info()...)
	f = append(f, n.stallFields()...)
	f = append(f, n.clusterAuthFields()...)
	st := n.raft.Stats()
	for _, k := range []string{"last_snapshot_index", "last_snapshot_term", "num_peers", "last_contact"} {
		f = append(f, Field{k, st[k]})
	}
	return f
}

// Member is one server of the Raft configuration.
type Member struct {
	ID, RaftAddr, ClientAddr, Suffrage string
	Leader                             bool
	// AppliedIndex is the member's own applied index, asked over its client
	// port (-1 when unknown). hashicorp/raft does not export the leader's
	// per-follower match index; a member's applied index is the closest
	// observable and is what catch-up decisions use.
	AppliedIndex int64
}

// Members lists the configuration with each member's applied index.
func (n *Node) Members(ctx context.Context) ([]Member, error) {
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return nil, err
	}
	_, leader := n.raft.LeaderWithID()
	var out []Member
	for _, s := range cf.Configuration().Servers {
		m := Member{ID: string(s.ID), RaftAddr: string(s.Address), Suffrage: strings.ToLower(s.Suffrage.String()),
			ClientAddr: n.fsm.NodeAddr(string(s.ID)), Leader: s.ID == leader, AppliedIndex: -1}
		if string(s.ID) == n.cfg.ID {
			m.AppliedIndex = int64(n.fsm.AppliedIndex())
		} else if m.ClientAddr != "" {
			if v, err := n.peerApplied(ctx, m.ClientAddr); err == nil {
				m.AppliedIndex = int64(v)
			}
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// peerApplied asks a member for its applied index (RAFT INFO).
func (n *Node) peerApplied(ctx context.Context, clientAddr string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	reply, err := n.fwd.call(ctx, clientAddr, []byte("RAFT"), []byte("INFO"))
	if err != nil {
		return 0, err
	}
	body, err := wire.BulkBody(reply)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\r\n") {
		if v, ok := strings.CutPrefix(line, "applied_index:"); ok {
			return strconv.ParseUint(v, 10, 64)
		}
	}
	return 0, errors.New("no applied_index in RAFT INFO")
}

// AddMember adds a server: as a non-voter first, promoted to voter once its
// applied index reached the leader's commit index at the time it was added
// (when clientAddr is known; otherwise it is added as a voter at once).
func (n *Node) AddMember(ctx context.Context, id, raftAddr, clientAddr string) error {
	return n.addMember(ctx, id, raftAddr, clientAddr, "")
}

// addMember is AddMember recording the incarnation the node joins with in
// its meta entry (rejoin.go; "" for none).
func (n *Node) addMember(ctx context.Context, id, raftAddr, clientAddr, incarnation string) error {
	if n.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	if clientAddr != "" || incarnation != "" {
		if err := awaitFuture(n.raft.Apply(encodeJoinMeta(id, clientAddr, incarnation), n.cfg.ApplyTimeout), n.stop); err != nil {
			return err
		}
	}
	if clientAddr == "" {
		return awaitFuture(n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(raftAddr), 0, n.cfg.ApplyTimeout), n.stop)
	}
	if err := awaitFuture(n.raft.AddNonvoter(raft.ServerID(id), raft.ServerAddress(raftAddr), 0, n.cfg.ApplyTimeout), n.stop); err != nil {
		return err
	}
	target := n.raft.CommitIndex()
	deadline := time.Now().Add(catchUpMax)
	for {
		if v, err := n.peerApplied(ctx, clientAddr); err == nil && v >= target {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replication: %s did not catch up within %s; it stays a non-voter", id, catchUpMax)
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		case <-n.stop:
			return errShutdown
		}
	}
	return awaitFuture(n.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(raftAddr), 0, n.cfg.ApplyTimeout), n.stop)
}

// RemoveMember removes a server from the configuration.
func (n *Node) RemoveMember(id string) error {
	if n.raft.State() != raft.Leader {
		return ErrNotLeader
	}
	return awaitFuture(n.raft.RemoveServer(raft.ServerID(id), 0, n.cfg.ApplyTimeout), n.stop)
}

// TakeSnapshot snapshots the state machine now and compacts the log.
func (n *Node) TakeSnapshot() error { return awaitFuture(n.raft.Snapshot(), n.stop) }

// LeaderClientAddr returns the leader's client address, "" when unknown.
func (n *Node) LeaderClientAddr() string {
	_, id := n.raft.LeaderWithID()
	if id == "" {
		return ""
	}
	return n.fsm.NodeAddr(string(id))
}

// ForwardToLeader sends a raw command to the leader's client port and
// returns its raw reply (admin commands issued on a follower).
func (n *Node) ForwardToLeader(ctx context.Context, args [][]byte) ([]byte, error) {
	addr := n.LeaderClientAddr()
	if addr == "" {
		return nil, ErrNotLeader
	}
	return n.fwd.call(ctx, addr, args...)
}

// Join asks the member at clientAddr (any member; followers pass it on to
// the leader) to add this node: RAFT JOIN id raftAddr myClientAddr, after
// AUTH password when password is not empty (the cluster's requirepass).
func Join(ctx context.Context, memberAddr, id, raftAddr, myClientAddr, incarnation, password string) (index, term uint64, err error) {
	f := newForwarder(catchUpMax+10*time.Second, catchUpMax+10*time.Second, func() string { return password })
	defer f.close()
	args := [][]byte{[]byte("RAFT"), []byte("JOIN"), []byte(id), []byte(raftAddr), []byte(myClientAddr)}
	if incarnation != "" {
		args = append(args, []byte(incarnation))
	}
	reply, err := f.call(ctx, memberAddr, args...)
	if err != nil {
		return 0, 0, err
	}
	return parseJoinReply(reply, incarnation)
}

// parseJoinReply reads RAFT JOIN's reply: an error, "+OK" or, for an
// incarnation, "+OK <index> <term>" (joinedReply).
func parseJoinReply(reply []byte, incarnation string) (index, term uint64, err error) {
	if len(reply) > 0 && reply[0] == '-' {
		return 0, 0, fmt.Errorf("replication: join refused: %s", strings.TrimSpace(string(reply[1:])))
	}
	if incarnation != "" {
		if _, err := fmt.Sscanf(strings.TrimSpace(string(reply)), "+OK %d %d", &index, &term); err != nil {
			return 0, 0, fmt.Errorf("replication: join: unexpected reply %q", reply)
		}
	}
	return index, term, nil
}

// RaftAddr returns this node's Raft transport address.
func (n *Node) RaftAddr() string { return string(n.cfg.Transport.LocalAddr()) }

// Member reports whether this node is in the Raft configuration it knows.
func (n *Node) Member() bool { return n.inConfiguration(n.cfg.ID) }
