package replication

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"redraft/kv"
	"redraft/wire"
)

// With cluster authentication (Config.ClusterAuth) the requests members
// send each other (REDRAFT.FORWARD batches, RAFT INFO for catch-up, RAFT
// JOIN/ADD/... passed on to the leader) travel over the peer channel of the
// Raft port instead of the client port: RESP commands on a connection that
// passed the cluster handshake. The client port then refuses
// REDRAFT.FORWARD, whatever password the client knows.

// ErrTextForwardRefused is the client port's reply to REDRAFT.FORWARD when
// cluster authentication is configured.
const ErrTextForwardRefused = "ERR REDRAFT.FORWARD is accepted only from authenticated cluster members (on the Raft port)"

// Limits of a peer-channel request: one command of a few arguments (RAFT
// JOIN has the most, six) whose lengths add up to at most
// wire.RequestBytesMax (a forwarded batch is the largest).
const (
	peerArgsMax    = 8
	peerIdleMax    = 10 * time.Minute // an idle peer connection is closed
	peerWriteLimit = 30 * time.Second // bound on writing one reply
)

// attachClusterAuth routes member-to-member requests over the peer channel.
func (n *Node) attachClusterAuth(a *ClusterAuth) {
	a.setPeerHandler(n.servePeer)
	a.setMembers(func() map[string]string {
		cf := n.raft.GetConfiguration()
		if cf.Error() != nil {
			return nil
		}
		out := map[string]string{}
		for _, s := range cf.Configuration().Servers {
			out[string(s.Address)] = string(s.ID)
		}
		return out
	})
	n.fwd.dial = func(ctx context.Context, clientAddr string) (net.Conn, error) {
		raftAddr, ok := n.raftAddrOfClient(clientAddr)
		if !ok {
			return nil, fmt.Errorf("replication: no member with client address %s", clientAddr)
		}
		return a.dial(ctx, raftAddr, chanPeer, n.fwd.dialTimeout)
	}
}

// raftAddrOfClient finds the Raft address of the member whose registered
// client address is clientAddr.
func (n *Node) raftAddrOfClient(clientAddr string) (string, bool) {
	cf := n.raft.GetConfiguration()
	if cf.Error() != nil {
		return "", false
	}
	for _, s := range cf.Configuration().Servers {
		if n.fsm.NodeAddr(string(s.ID)) == clientAddr {
			return string(s.Address), true
		}
	}
	return "", false
}

// servePeer answers the RESP commands of an authenticated member until the
// connection closes or ctx (the node stopping) ends.
func (n *Node) servePeer(ctx context.Context, c net.Conn) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		c.Close()
	}()
	r := bufio.NewReaderSize(c, 64<<10)
	bw := bufio.NewWriterSize(c, 64<<10)
	for {
		c.SetReadDeadline(time.Now().Add(peerIdleMax))
		args, err := readPeerCommand(r)
		if err != nil {
			return
		}
		w := kv.NewWriter(nil, 2)
		switch {
		case kv.EqualFold(args[0], "REDRAFT.FORWARD") && len(args) == 2:
			reply, err := n.HandleForward(ctx, args[1])
			if err != nil {
				w.Error("ERR forward: " + err.Error())
			} else {
				w.Bulk(reply)
			}
		case kv.EqualFold(args[0], "RAFT") && len(args) >= 2:
			n.raftCommand(ctx, args, w)
		default:
			w.Error("ERR unknown peer request '" + strings.ToLower(string(args[0])) + "'")
		}
		c.SetWriteDeadline(time.Now().Add(peerWriteLimit))
		bw.Write(w.Bytes())
		if bw.Flush() != nil {
			return
		}
	}
}

// readPeerCommand reads one request of a member (wire.ReadCommand), within
// the limits above.
func readPeerCommand(r *bufio.Reader) ([][]byte, error) {
	return wire.ReadCommand(r, peerArgsMax, wire.RequestBytesMax)
}

// JoinAuth is Join for a cluster with cluster authentication: it asks the
// member whose Raft port is memberRaftAddr, over the peer channel, with
// RAFT JOIN id raftAddr myClientAddr [extra...].
func JoinAuth(ctx context.Context, auth *ClusterAuth, memberRaftAddr, id, raftAddr, myClientAddr, incarnation string) (index, term uint64, err error) {
	f := newForwarder(catchUpMax+10*time.Second, catchUpMax+10*time.Second, nil)
	f.dial = func(ctx context.Context, addr string) (net.Conn, error) {
		return auth.dial(ctx, addr, chanPeer, f.dialTimeout)
	}
	defer f.close()
	args := [][]byte{[]byte("RAFT"), []byte("JOIN"), []byte(id), []byte(raftAddr), []byte(myClientAddr)}
	if incarnation != "" {
		args = append(args, []byte(incarnation))
	}
	reply, err := f.call(ctx, memberRaftAddr, args...)
	if err != nil {
		return 0, 0, err
	}
	return parseJoinReply(reply, incarnation)
}

// clusterAuthFields are INFO raft's cluster_auth (none, tls or secret) and
// cluster_auth_failures (connections refused by the handshake).
func (n *Node) clusterAuthFields() []Field {
	a := n.cfg.ClusterAuth
	if a == nil {
		return []Field{{"cluster_auth", "none"}, {"cluster_auth_failures", "0"}}
	}
	return []Field{{"cluster_auth", a.Mode()}, {"cluster_auth_failures", strconv.FormatUint(a.Failures(), 10)}}
}
