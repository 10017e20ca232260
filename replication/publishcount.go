package replication

import (
	"strconv"

	"redraft/kv"
	"redraft/wire"
)

// PUBLISH and SPUBLISH answer the number of this node's subscriptions that
// receive the message, as Redis Cluster counts the receivers of the node a
// client is connected to. The machine computes that count where the entry
// is applied for the proposer; a follower forwards the command, and the
// leader's count is the leader's subscribers. So a follower replaces the
// count in each forwarded PUBLISH's reply with its own subscribers that a
// message on that channel reaches, counted when the reply arrives (the
// message itself reaches them when the follower applies the entry, which
// may be a little later: a subscriber that leaves meanwhile is counted and
// gets nothing, one that joins meanwhile gets it without being counted).
// Inside MULTI or a script the count stays the leader's.

// localPublishCounts rewrites the integer replies of cmds' top-level
// PUBLISH and SPUBLISH commands in replies (one reply per command, in
// order) with this node's receiver counts. replies is returned unchanged
// when there is none, or when it does not split into one reply per command.
func (n *Node) localPublishCounts(cmds []*kv.Cmd, replies []byte) []byte {
	publishes := false
	for _, c := range cmds {
		if c.Tx == nil && isPublish(c.Args) {
			publishes = true
			break
		}
	}
	if !publishes {
		return replies
	}
	split, err := wire.SplitReplies(replies, len(cmds))
	if err != nil {
		return replies
	}
	hub := n.fsm.PubSub()
	out := make([]byte, 0, len(replies))
	for i, c := range cmds {
		one := split[i]
		if c.Tx == nil && isPublish(c.Args) && len(one) > 0 && one[0] == ':' {
			shard := len(c.Args[0]) == len("spublish")
			out = append(out, ':')
			out = strconv.AppendInt(out, int64(hub.Receivers(c.Args[1], shard)), 10)
			out = append(out, '\r', '\n')
			continue
		}
		out = append(out, one...)
	}
	return out
}

// isPublish: PUBLISH channel message or SPUBLISH shardchannel message.
func isPublish(args [][]byte) bool {
	return len(args) == 3 && (kv.EqualFold(args[0], "PUBLISH") || kv.EqualFold(args[0], "SPUBLISH"))
}
