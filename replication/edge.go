package replication

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"redraft/kv"
)

// The replicated node adds two edge commands to the RESP edge: RAFT, the
// cluster-management command, and REDRAFT.FORWARD, the internal command
// followers use to run batches on the leader. They are registered in the kv
// command table (so COMMAND, arity checks and MULTI refusal see them); the
// edge hands them to the executor's HandleEdge.
func init() {
	kv.Register(&kv.Spec{Name: "raft", Arity: -2, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagNoMulti,
		Group: "cluster", Since: "redraft", Summary: "Raft cluster management: RAFT INFO | NODES | ADD id raft-addr [client-addr] | JOIN id raft-addr client-addr | REMOVE id | TRANSFER [id] | SNAPSHOT | HELP."})
	kv.Register(&kv.Spec{Name: ForwardCommand, Arity: 2, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagNoMulti | kv.FlagPeer,
		Group: "cluster", Since: "redraft", Summary: "Internal: a follower's batch of commands to run on the leader."})
}

var raftHelp = []string{
	"RAFT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"INFO",
	"    This node's view: role, term, leader, commit and applied indexes.",
	"NODES",
	"    The configuration, with each member's applied index.",
	"ADD <id> <raft-addr> [<client-addr>]",
	"    Add a member: non-voter until caught up (needs client-addr), then voter.",
	"JOIN <id> <raft-addr> <client-addr> [<incarnation>]",
	"    What `kv serve --join` sends: ADD, and with an incarnation (a node",
	"    started with an empty data directory) an earlier member with the same",
	"    id is removed first and the node votes only once it is registered;",
	"    the reply is then +OK <index> <term> of the registering entry.",
	"REMOVE <id>",
	"    Remove a member.",
	"TRANSFER [<id>]",
	"    Hand leadership to id, or to the most up-to-date follower.",
	"SNAPSHOT",
	"    Snapshot the state machine now and compact the log.",
	"HELP",
	"    Print this help.",
}

// HandleEdge runs RAFT and REDRAFT.FORWARD; it reports false for any other
// command. args are valid for the duration of the call.
func (n *Node) HandleEdge(ctx context.Context, args [][]byte, w *kv.Writer) bool {
	switch {
	case kv.EqualFold(args[0], "REDRAFT.FORWARD"):
		if n.cfg.ClusterAuth != nil {
			w.Error(ErrTextForwardRefused)
			return true
		}
		reply, err := n.HandleForward(ctx, args[1])
		if err != nil {
			w.Error("ERR forward: " + err.Error())
			return true
		}
		w.Bulk(reply)
		return true
	case kv.EqualFold(args[0], "RAFT"):
		n.raftCommand(ctx, args, w)
		return true
	}
	return false
}

func (n *Node) raftCommand(ctx context.Context, args [][]byte, w *kv.Writer) {
	sub := strings.ToUpper(string(args[1]))
	arity := map[string][2]int{ // min, max arguments after the subcommand
		"INFO": {0, 0}, "NODES": {0, 0}, "ADD": {2, 3}, "JOIN": {3, 4}, "REMOVE": {1, 1},
		"TRANSFER": {0, 1}, "SNAPSHOT": {0, 0}, "HELP": {0, 0},
	}
	a, ok := arity[sub]
	if !ok {
		w.Error(kv.ErrUnknownSubcommand(args[1], "raft"))
		return
	}
	if rest := len(args) - 2; rest < a[0] || rest > a[1] {
		w.Error("ERR wrong number of arguments for 'raft|" + strings.ToLower(sub) + "' command")
		return
	}
	switch sub {
	case "HELP":
		w.Array(len(raftHelp))
		for _, l := range raftHelp {
			w.Simple(l)
		}
	case "INFO":
		var b strings.Builder
		b.WriteString("# Raft\r\n")
		for _, f := range n.Info() {
			b.WriteString(f.Name + ":" + f.Value + "\r\n")
		}
		w.Verbatim(b.String())
	case "NODES":
		ms, err := n.Members(ctx)
		if err != nil {
			w.Error("ERR " + err.Error())
			return
		}
		w.Array(len(ms))
		for _, m := range ms {
			w.Map(6)
			w.BulkString("id")
			w.BulkString(m.ID)
			w.BulkString("raft_addr")
			w.BulkString(m.RaftAddr)
			w.BulkString("client_addr")
			w.BulkString(m.ClientAddr)
			w.BulkString("suffrage")
			w.BulkString(m.Suffrage)
			w.BulkString("leader")
			w.Bool(m.Leader)
			w.BulkString("applied_index")
			w.Int(m.AppliedIndex)
		}
	case "SNAPSHOT":
		n.replyErr(w, n.TakeSnapshot())
	default: // ADD, JOIN, REMOVE, TRANSFER: leader only; a follower passes them on.
		if sub == "JOIN" && len(args) == 6 {
			// A retried join answered from committed state (rejoin.go).
			if idx, term, ok := n.JoinedAnswer(string(args[2]), string(args[5])); ok {
				w.Simple(joinedReply(idx, term))
				return
			}
		}
		if !n.IsLeader() {
			reply, err := n.ForwardToLeader(ctx, args)
			if err != nil {
				n.replyErr(w, err)
				return
			}
			w.Raw(reply)
			return
		}
		switch sub {
		case "ADD":
			client := ""
			if len(args) == 5 {
				client = string(args[4])
			}
			n.replyErr(w, n.AddMember(ctx, string(args[2]), string(args[3]), client))
		case "JOIN":
			incarnation := ""
			if len(args) == 6 {
				incarnation = string(args[5])
			}
			idx, term, err := n.JoinMember(ctx, string(args[2]), string(args[3]), string(args[4]), incarnation)
			if err != nil || incarnation == "" {
				n.replyErr(w, err)
				return
			}
			w.Simple(joinedReply(idx, term))
		case "REMOVE":
			n.replyErr(w, n.RemoveMember(string(args[2])))
		case "TRANSFER":
			id := ""
			if len(args) == 3 {
				id = string(args[2])
			}
			n.replyErr(w, n.TransferLeadership(id))
		}
	}
}

// joinedReply is RAFT JOIN's reply to a node that presented an
// incarnation: where its registration entry is (Join parses it).
func joinedReply(index, term uint64) string {
	return "OK " + strconv.FormatUint(index, 10) + " " + strconv.FormatUint(term, 10)
}

func (n *Node) replyErr(w *kv.Writer, err error) {
	switch {
	case err == nil:
		w.OK()
	case errors.Is(err, ErrNotLeader):
		w.Error(ErrTextNoLeader)
	default:
		w.Error("ERR " + err.Error())
	}
}

// InfoFields returns Info as INFO-section pairs (the RESP edge's INFO raft).
func (n *Node) InfoFields() [][2]string {
	var out [][2]string
	for _, f := range n.Info() {
		out = append(out, [2]string{f.Name, f.Value})
	}
	return out
}
