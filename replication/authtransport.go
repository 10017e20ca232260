package replication

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"

	"github.com/hashicorp/raft"
)

// authStream is the raft.StreamLayer of a Raft port guarded by a
// ClusterAuth: it accepts TCP connections, runs the handshake on each (off
// the accept loop, at most pendingHandshakesMax at once), hands raft-channel
// connections to raft's NetworkTransport through Accept and peer-channel
// ones to the node (ClusterAuth.servePeer). A connection that fails the
// handshake is closed and counted; raft never sees it.
type authStream struct {
	ln   net.Listener
	auth *ClusterAuth

	raftConns chan net.Conn // authenticated raft-channel connections
	closed    chan struct{}
	closeOnce sync.Once
	sem       chan struct{} // handshakes in progress

	mu       sync.Mutex
	pending  map[net.Conn]struct{} // in handshake: closed by Close
	accepted chan struct{}         // closed when the accept loop returns
}

var _ raft.StreamLayer = (*authStream)(nil)

// NewAuthTransport is NewTCPTransport with every connection authenticated
// by auth (and, with mutual TLS, encrypted).
func NewAuthTransport(bind string, rpcTimeout time.Duration, logOutput io.Writer, auth *ClusterAuth) (raft.Transport, error) {
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, err
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !ok || a.IP.IsUnspecified() {
		ln.Close()
		return nil, errNotAdvertisable
	}
	s := &authStream{ln: ln, auth: auth, raftConns: make(chan net.Conn), closed: make(chan struct{}),
		sem: make(chan struct{}, pendingHandshakesMax), pending: map[net.Conn]struct{}{}, accepted: make(chan struct{})}
	go s.acceptLoop()
	return newNetTransport(s, rpcTimeout, logOutput), nil
}

// errNotAdvertisable: as raft's TCP transport, a Raft port bound to an
// unspecified address (0.0.0.0, ::) is refused: peers could not dial back.
var errNotAdvertisable = errors.New("replication: the Raft bind address is not advertisable (give a specific IP)")

func (s *authStream) acceptLoop() {
	defer close(s.accepted)
	var backoff time.Duration
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.closed:
				return
			default:
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
			case <-s.closed:
				return
			}
			continue
		}
		backoff = 0
		select {
		case s.sem <- struct{}{}:
		default:
			s.auth.failures.Add(1)
			s.auth.log.Warn("replication: too many cluster handshakes in progress; connection closed", "remote", nc.RemoteAddr().String())
			nc.Close()
			continue
		}
		s.mu.Lock()
		s.pending[nc] = struct{}{}
		s.mu.Unlock()
		go s.handshake(nc)
	}
}

// handshake authenticates one connection and hands it on. It is not
// waited for by Close: a peer-channel connection is served until the node
// closes it (ClusterAuth.closePeers), and the others end within
// acceptHandshakeTimeout or at once when Close closes them.
func (s *authStream) handshake(nc net.Conn) {
	c, ch, err := s.auth.serverHandshake(nc)
	s.mu.Lock()
	delete(s.pending, nc)
	s.mu.Unlock()
	<-s.sem
	if err != nil {
		nc.Close()
		if abandoned(err) {
			// The dialer gave up (its own handshake timeout, a node
			// shutting down): not an authentication failure.
			s.auth.log.Debug("replication: cluster handshake abandoned by the dialer", "remote", nc.RemoteAddr().String(), "err", err)
			return
		}
		s.auth.failures.Add(1)
		s.auth.log.Warn("replication: cluster authentication failed; connection closed", "remote", nc.RemoteAddr().String(), "err", err)
		return
	}
	if ch == chanPeer {
		s.auth.servePeer(c)
		return
	}
	select {
	case s.raftConns <- c:
	case <-s.closed:
		c.Close()
	}
}

// Accept implements net.Listener for raft: the next authenticated raft connection.
func (s *authStream) Accept() (net.Conn, error) {
	select {
	case c := <-s.raftConns:
		return c, nil
	case <-s.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting, closes connections still in their handshake and
// waits for the accept loop to end.
func (s *authStream) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		s.ln.Close()
		s.mu.Lock()
		for c := range s.pending {
			c.Close()
		}
		s.mu.Unlock()
	})
	<-s.accepted
	return nil
}

// Addr implements net.Listener.
func (s *authStream) Addr() net.Addr { return s.ln.Addr() }

// Dial implements raft.StreamLayer: a raft-channel connection.
func (s *authStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return s.auth.dial(context.Background(), string(address), chanRaft, timeout)
}

// abandoned reports a handshake that ended because the dialer closed the
// connection (or this side is closing), as opposed to a refusal.
func abandoned(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
