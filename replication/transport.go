package replication

import (
	"io"
	"net"
	"time"

	"github.com/hashicorp/raft"
)

// tcpTransport is raft's NetworkTransport with the heartbeat fast path
// disabled: hashicorp/raft#695 shows log divergence after a partition heals
// when heartbeats are processed off the main goroutine (docs/hashicorp-raft.md). Embedding
// keeps RequestPreVote (pre-vote) and Close.
type tcpTransport struct {
	*raft.NetworkTransport
}

// SetHeartbeatHandler ignores the handler: heartbeats take the normal RPC path.
func (tcpTransport) SetHeartbeatHandler(func(rpc raft.RPC)) {}

var (
	_ raft.Transport   = tcpTransport{}
	_ raft.WithPreVote = tcpTransport{}
	_ raft.WithClose   = tcpTransport{}
)

// NewTCPTransport listens on bind (host:port; port 0 picks a free one) for
// Raft RPCs. rpcTimeout bounds each RPC's I/O and must stay below the
// heartbeat timeout so a partitioned peer cannot stall replication or a
// read barrier (docs/replication.md); an RPC that writes a big entry gets
// more, by its size (rpcdeadline.go).
func NewTCPTransport(bind string, rpcTimeout time.Duration, logOutput io.Writer) (raft.Transport, error) {
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || a.IP.IsUnspecified() {
		ln.Close()
		return nil, errNotAdvertisable
	}
	return newNetTransport(tcpStream{ln}, rpcTimeout, logOutput), nil
}

// newNetTransport is raft's NetworkTransport on stream, with big RPCs given
// time by their size (rpcdeadline.go).
func newNetTransport(stream raft.StreamLayer, rpcTimeout time.Duration, logOutput io.Writer) raft.Transport {
	return tcpTransport{raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  sizedStream{StreamLayer: stream, rate: minRPCRate},
		MaxPool: 8,
		Timeout: rpcTimeout,
		Logger:  newNetLogger(logOutput),
	})}
}
