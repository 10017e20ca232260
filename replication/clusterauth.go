package replication

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ClusterAuth authenticates the connections between the members of a
// cluster: Raft RPCs (AppendEntries, RequestVote, InstallSnapshot streams,
// TimeoutNow), follower forwarding and the other member-to-member requests
// (RAFT INFO, RAFT JOIN). All of them go to a member's Raft port, where
// every new connection must pass a handshake before a byte reaches raft or
// the node:
//
//   - mutual TLS (NewTLSClusterAuth): both sides present a certificate
//     issued by the cluster CA (TLS 1.3); the traffic is encrypted.
//   - a shared secret (NewSecretClusterAuth): an HMAC-SHA256 challenge and
//     response in both directions with fresh nonces, so a recorded
//     handshake cannot be replayed. It authenticates the connection but
//     neither encrypts nor protects what follows; it is meant for loopback
//     test clusters.
//
// After the handshake the dialer names the channel it wants (raft or peer
// requests) and the acceptor confirms it. A connection that fails is
// closed and counted (Failures, INFO's cluster_auth_failures), never handed
// to raft.
type ClusterAuth struct {
	mode   string // "tls" or "secret"
	secret []byte

	tlsMu    sync.Mutex
	tlsFiles [3]string // cert, key, CA
	server   *tls.Config
	client   *tls.Config

	failures atomic.Uint64
	log      *slog.Logger

	// verifyIDs (mutual TLS, VerifyNodeIDs) checks the node IDs named by
	// certificates against the Raft configuration, which members reports
	// (set by the node: ID by Raft address).
	verifyIDs bool
	members   atomic.Pointer[func() map[string]string]

	// peers serves authenticated peer-channel connections (the node's
	// servePeer); set when the node starts.
	peerMu    sync.Mutex
	peer      func(ctx context.Context, c net.Conn)
	peerConns map[net.Conn]struct{}
	peerWG    sync.WaitGroup
	peerCtx   context.Context
	peerStop  context.CancelFunc
	peerDone  bool
}

// Channels a dialer may ask for after the handshake.
const (
	chanRaft byte = 'R' // raft's NetworkTransport
	chanPeer byte = 'P' // RESP requests to the node (servePeer)
	// chanAck is the acceptor's confirmation: the dialer returns the
	// connection only after it, so a refusal is seen at dial time.
	chanAck byte = 'K'
)

var (
	// ErrClusterAuth: a connection failed the cluster handshake.
	ErrClusterAuth = errors.New("replication: cluster authentication failed")
)

// secretMagic opens both sides' first handshake message (a version tag).
var secretMagic = []byte("RDRFTA1\n")

const (
	nonceLen = 32
	macLen   = sha256.Size
	// MinClusterSecretLen is the shortest shared secret accepted (bytes).
	MinClusterSecretLen = 16
	// acceptHandshakeTimeout bounds a handshake on the accepting side, so
	// a silent connection cannot hold a slot.
	acceptHandshakeTimeout = 5 * time.Second
	// dialHandshakeMin is the least time a dialer gives the handshake:
	// raft's RPC timeout (100 ms by default) covers a TCP round trip, and
	// a TLS handshake on a loaded machine needs a few more.
	dialHandshakeMin = 500 * time.Millisecond
	// pendingHandshakesMax bounds the handshakes in progress on a Raft
	// port; connections beyond it are closed at once (and counted).
	pendingHandshakesMax = 128
)

// NewSecretClusterAuth authenticates members by a shared secret.
func NewSecretClusterAuth(secret []byte, log *slog.Logger) (*ClusterAuth, error) {
	secret = bytes.TrimSpace(secret)
	if len(secret) < MinClusterSecretLen {
		return nil, fmt.Errorf("replication: the cluster secret must be at least %d bytes", MinClusterSecretLen)
	}
	a := newClusterAuth("secret", log)
	a.secret = bytes.Clone(secret)
	return a, nil
}

// NewTLSClusterAuth authenticates members by certificates issued by the CA
// in caFile; certFile and keyFile are this node's (used both as server and
// as client, so they need both extended key usages, or none). Reload
// rereads the files.
func NewTLSClusterAuth(certFile, keyFile, caFile string, log *slog.Logger) (*ClusterAuth, error) {
	a := newClusterAuth("tls", log)
	a.tlsFiles = [3]string{certFile, keyFile, caFile}
	if err := a.Reload(); err != nil {
		return nil, err
	}
	return a, nil
}

func newClusterAuth(mode string, log *slog.Logger) *ClusterAuth {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &ClusterAuth{mode: mode, log: log, peerConns: map[net.Conn]struct{}{}, peerCtx: ctx, peerStop: cancel}
}

// VerifyNodeIDs makes mutual TLS also check node IDs: a member's
// certificate must name its node ID as its common name or a DNS name. A
// dialer checks that the certificate of the member it reaches names the ID
// the Raft configuration gives that address (a join target, not yet known,
// is only checked against the CA); an acceptor checks that a Raft
// connection comes from a certificate naming a member of its configuration
// (while it has none, as a node that is joining, any member certificate).
// Call it before the node starts.
func (a *ClusterAuth) VerifyNodeIDs() { a.verifyIDs = true }

// setMembers installs the node's view of the configuration (ID by address).
func (a *ClusterAuth) setMembers(f func() map[string]string) { a.members.Store(&f) }

// memberIDs returns the configuration's IDs by Raft address (nil: unknown).
func (a *ClusterAuth) memberIDs() map[string]string {
	if f := a.members.Load(); f != nil {
		return (*f)()
	}
	return nil
}

// certNames reports whether the certificate names id (CN or DNS SAN).
func certNames(c *x509.Certificate, id string) bool {
	if c.Subject.CommonName == id {
		return true
	}
	for _, n := range c.DNSNames {
		if n == id {
			return true
		}
	}
	return false
}

// Mode is "tls" or "secret".
func (a *ClusterAuth) Mode() string { return a.mode }

// Failures counts the connections that failed the handshake.
func (a *ClusterAuth) Failures() uint64 { return a.failures.Load() }

// Reload rereads the certificate, key and CA files (mutual TLS): new
// connections use them. On error the files in force stay. A shared secret
// has nothing to reload.
func (a *ClusterAuth) Reload() error {
	if a.mode != "tls" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(a.tlsFiles[0], a.tlsFiles[1])
	if err != nil {
		return fmt.Errorf("replication: cluster certificate: %w", err)
	}
	pemCA, err := os.ReadFile(a.tlsFiles[2])
	if err != nil {
		return fmt.Errorf("replication: cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemCA) {
		return fmt.Errorf("replication: cluster CA %s: no PEM certificate", a.tlsFiles[2])
	}
	server := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		// No session tickets: they would arrive unasked on an idle
		// pooled connection, which forwarder.alive takes for a broken
		// stream.
		SessionTicketsDisabled: true,
	}
	client := &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		// Raft addresses are IP:port and member certificates need not
		// name them: the chain is verified against the cluster CA in
		// VerifyConnection instead of the usual host name check.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the peer sent no certificate")
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter,
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
			return err
		},
	}
	a.tlsMu.Lock()
	a.server, a.client = server, client
	a.tlsMu.Unlock()
	return nil
}

func (a *ClusterAuth) tlsConfigs() (server, client *tls.Config) {
	a.tlsMu.Lock()
	defer a.tlsMu.Unlock()
	return a.server, a.client
}

// dial connects to a member's Raft port and opens channel ch on it.
func (a *ClusterAuth) dial(ctx context.Context, addr string, ch byte, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(max(timeout, dialHandshakeMin))
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nc.SetDeadline(deadline)
	c, err := a.clientHandshake(nc, addr, ch)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrClusterAuth, addr, err)
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

func (a *ClusterAuth) clientHandshake(nc net.Conn, addr string, ch byte) (net.Conn, error) {
	if a.mode == "tls" {
		_, client := a.tlsConfigs()
		if want := a.memberIDs()[addr]; a.verifyIDs && want != "" {
			client = client.Clone()
			verifyChain := client.VerifyConnection
			client.VerifyConnection = func(cs tls.ConnectionState) error {
				if err := verifyChain(cs); err != nil {
					return err
				}
				if !certNames(cs.PeerCertificates[0], want) {
					return fmt.Errorf("the certificate at %s does not name node %q", addr, want)
				}
				return nil
			}
		}
		tc := tls.Client(nc, client)
		if err := tc.Handshake(); err != nil {
			return nil, err
		}
		if _, err := tc.Write([]byte{ch}); err != nil {
			return nil, err
		}
		if err := readAck(tc); err != nil {
			return nil, err
		}
		return tc, nil
	}
	// Shared secret: challenge from the acceptor, then our proof, then
	// its proof.
	hello := make([]byte, len(secretMagic)+nonceLen)
	if _, err := io.ReadFull(nc, hello); err != nil {
		return nil, err
	}
	if !bytes.Equal(hello[:len(secretMagic)], secretMagic) {
		return nil, errors.New("not a cluster member's Raft port")
	}
	ns := hello[len(secretMagic):]
	nc1 := make([]byte, nonceLen)
	rand.Read(nc1)
	msg := append(append(append(bytes.Clone(secretMagic), nc1...), ch), a.mac("client", ns, nc1, ch)...)
	if _, err := nc.Write(msg); err != nil {
		return nil, err
	}
	proof := make([]byte, macLen+1)
	if _, err := io.ReadFull(nc, proof); err != nil {
		return nil, err
	}
	if !hmac.Equal(proof[:macLen], a.mac("server", ns, nc1, ch)) {
		return nil, errors.New("the peer does not know the cluster secret")
	}
	if proof[macLen] != chanAck {
		return nil, errors.New("channel refused")
	}
	return nc, nil
}

func readAck(r io.Reader) error {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return err
	}
	if b[0] != chanAck {
		return errors.New("channel refused")
	}
	return nil
}

// mac is the HMAC-SHA256 proof of one side ("client" or "server").
func (a *ClusterAuth) mac(side string, ns, nc []byte, ch byte) []byte {
	h := hmac.New(sha256.New, a.secret)
	h.Write([]byte("redraft-cluster-" + side + "\x00"))
	h.Write(ns)
	h.Write(nc)
	h.Write([]byte{ch})
	return h.Sum(nil)
}

// serverHandshake authenticates an accepted connection and returns it with
// the channel it asked for.
func (a *ClusterAuth) serverHandshake(nc net.Conn) (net.Conn, byte, error) {
	nc.SetDeadline(time.Now().Add(acceptHandshakeTimeout))
	if a.mode == "tls" {
		server, _ := a.tlsConfigs()
		tc := tls.Server(nc, server)
		if err := tc.Handshake(); err != nil {
			return nil, 0, err
		}
		var b [1]byte
		if _, err := io.ReadFull(tc, b[:]); err != nil {
			return nil, 0, err
		}
		if b[0] != chanRaft && b[0] != chanPeer {
			return nil, 0, fmt.Errorf("unknown channel %q", b[0])
		}
		if a.verifyIDs && b[0] == chanRaft {
			if err := checkMemberCert(tc.ConnectionState().PeerCertificates[0], a.memberIDs()); err != nil {
				return nil, 0, err
			}
		}
		if _, err := tc.Write([]byte{chanAck}); err != nil {
			return nil, 0, err
		}
		tc.SetDeadline(time.Time{})
		return tc, b[0], nil
	}
	ns := make([]byte, nonceLen)
	rand.Read(ns)
	if _, err := nc.Write(append(bytes.Clone(secretMagic), ns...)); err != nil {
		return nil, 0, err
	}
	msg := make([]byte, len(secretMagic)+nonceLen+1+macLen)
	if _, err := io.ReadFull(nc, msg); err != nil {
		return nil, 0, err
	}
	if !bytes.Equal(msg[:len(secretMagic)], secretMagic) {
		return nil, 0, errors.New("no cluster handshake")
	}
	rest := msg[len(secretMagic):]
	nc1, ch, proof := rest[:nonceLen], rest[nonceLen], rest[nonceLen+1:]
	if !hmac.Equal(proof, a.mac("client", ns, nc1, ch)) {
		return nil, 0, errors.New("wrong cluster secret")
	}
	if ch != chanRaft && ch != chanPeer {
		return nil, 0, fmt.Errorf("unknown channel %q", ch)
	}
	if _, err := nc.Write(append(a.mac("server", ns, nc1, ch), chanAck)); err != nil {
		return nil, 0, err
	}
	nc.SetDeadline(time.Time{})
	return nc, ch, nil
}

// setPeerHandler installs the node's handler of peer-channel connections.
func (a *ClusterAuth) setPeerHandler(h func(ctx context.Context, c net.Conn)) {
	a.peerMu.Lock()
	defer a.peerMu.Unlock()
	a.peer = h
	if a.peerDone { // a node restarted on this ClusterAuth
		a.peerDone = false
		a.peerCtx, a.peerStop = context.WithCancel(context.Background())
	}
}

// servePeer runs the handler on an authenticated peer-channel connection
// until it returns; the connection is closed after.
func (a *ClusterAuth) servePeer(c net.Conn) {
	a.peerMu.Lock()
	h := a.peer
	if h == nil || a.peerDone {
		a.peerMu.Unlock()
		c.Close()
		return
	}
	a.peerConns[c] = struct{}{}
	a.peerWG.Add(1)
	ctx := a.peerCtx
	a.peerMu.Unlock()
	defer func() {
		a.peerMu.Lock()
		delete(a.peerConns, c)
		a.peerMu.Unlock()
		c.Close()
		a.peerWG.Done()
	}()
	h(ctx, c)
}

// closePeers closes the peer-channel connections and waits for their
// handlers; later ones are refused.
func (a *ClusterAuth) closePeers() {
	a.peerMu.Lock()
	a.peerDone = true
	for c := range a.peerConns {
		c.Close()
	}
	stop := a.peerStop
	a.peerMu.Unlock()
	stop()
	a.peerWG.Wait()
}

// socketOf returns the TCP connection under a TLS one (connOpen peeks at it).
func socketOf(c net.Conn) net.Conn {
	if tc, ok := c.(*tls.Conn); ok {
		return tc.NetConn()
	}
	return c
}

// checkMemberCert checks that a Raft connection's certificate names a
// member of the configuration (any, while the configuration is empty).
func checkMemberCert(c *x509.Certificate, members map[string]string) error {
	if len(members) == 0 {
		return nil
	}
	for _, id := range members {
		if certNames(c, id) {
			return nil
		}
	}
	return fmt.Errorf("the certificate of %q names no member of the configuration", c.Subject.CommonName)
}
