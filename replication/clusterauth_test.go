package replication

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
	"redraft/kv/resp/tlstest"
)

// clusterAuths returns n ClusterAuths of one kind: "tls" (certificates from
// one CA, one per node) or "secret" (one shared secret).
func clusterAuths(t testing.TB, kind string, n int) []*ClusterAuth {
	t.Helper()
	out := make([]*ClusterAuth, n)
	var ca *tlstest.CA
	if kind == "tls" {
		ca = tlstest.NewCA(t, "cluster")
	}
	for i := range out {
		var err error
		switch kind {
		case "tls":
			p := ca.Issue(fmt.Sprint("n", i), fmt.Sprint("n", i))
			out[i], err = NewTLSClusterAuth(p.CertFile, p.KeyFile, ca.CertFile, nil)
		case "secret":
			out[i], err = NewSecretClusterAuth([]byte("0123456789abcdef-test-secret"), nil)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// startAuthRESPCluster starts len(auths) nodes whose Raft ports use auths,
// each with a RESP edge; it returns the cluster and the RESP addresses.
func startAuthRESPCluster(t testing.TB, auths []*ClusterAuth, hooks ...func(*Config)) (*cluster, []string) {
	t.Helper()
	n := len(auths)
	c := &cluster{t: t, nodes: make([]*Node, n), addrs: make([]string, n), dirs: make([]string, n)}
	trans := make([]raft.Transport, n)
	lns := make([]net.Listener, n)
	for i := range auths {
		tr, err := NewAuthTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard, auths[i])
		if err != nil {
			t.Fatal(err)
		}
		trans[i] = tr
		c.addrs[i] = string(tr.LocalAddr())
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	c.hook = func(cfg *Config) {
		var i int
		fmt.Sscanf(cfg.ID, "n%d", &i)
		cfg.ClientAddr = lns[i].Addr().String()
		cfg.ClusterAuth = auths[i]
		for _, h := range hooks {
			h(cfg)
		}
	}
	for i := range auths {
		c.start(i, trans[i], true)
	}
	t.Cleanup(func() {
		for _, nd := range c.nodes {
			if nd != nil {
				nd.Close()
			}
		}
	})
	addrs := make([]string, n)
	for i, nd := range c.nodes {
		srv := resp.New(nd, resp.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		done := make(chan struct{})
		go func(ln net.Listener) { srv.Serve(ln); close(done) }(lns[i])
		t.Cleanup(func() { srv.Close(); <-done })
		addrs[i] = lns[i].Addr().String()
	}
	c.leader()
	return c, addrs
}

// retryDefinite runs op (idempotent) until it succeeds or fails with
// something other than the cluster's refusals and unknown outcomes (an
// election on a loaded machine).
func retryDefinite(t *testing.T, what string, op func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := op()
		if err == nil {
			return
		}
		if !definite(err) && !strings.HasPrefix(err.Error(), "UNCERTAIN") || time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Three nodes whose Raft ports demand mutual TLS or the shared secret:
// they elect a leader and replicate, followers forward writes and reads to
// the leader over the authenticated peer channel, RAFT NODES learns every
// member's applied index over it, and the client port refuses
// REDRAFT.FORWARD even from a client that knows the password.
func TestClusterAuthForwarding(t *testing.T) {
	for _, kind := range []string{"tls", "secret"} {
		t.Run(kind, func(t *testing.T) {
			c, addrs := startAuthRESPCluster(t, clusterAuths(t, kind, 3))
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			clients := make([]*redis.Client, len(addrs))
			for i, a := range addrs {
				clients[i] = redis.NewClient(&redis.Options{Addr: a, MaxRetries: -1})
				defer clients[i].Close()
			}
			for i, rdb := range clients {
				key := fmt.Sprint("k", i)
				retryDefinite(t, "SET through n"+strconv.Itoa(i), func() error { return rdb.Set(ctx, key, kind, 0).Err() })
			}
			for i, rdb := range clients {
				for j := range clients {
					var got string
					retryDefinite(t, fmt.Sprintf("GET k%d through n%d", j, i), func() error {
						var err error
						got, err = rdb.Get(ctx, fmt.Sprint("k", j)).Result()
						return err
					})
					if got != kind {
						t.Fatalf("GET k%d through n%d: %q", j, i, got)
					}
				}
			}
			for i, n := range c.nodes {
				if got := infoField(n, "cluster_auth"); got != kind {
					t.Errorf("n%d cluster_auth %q", i, got)
				}
				if got := infoField(n, "cluster_auth_failures"); got != "0" {
					t.Errorf("n%d cluster_auth_failures %q", i, got)
				}
			}
			// RAFT NODES asks each member's applied index over the peer channel.
			waitFor(t, "every member's applied index in RAFT NODES", func() bool {
				ms, err := c.leader().Members(ctx)
				if err != nil {
					return false
				}
				for _, m := range ms {
					if m.AppliedIndex < 0 {
						return false
					}
				}
				return len(ms) == 3
			})
			// The leader's read barrier confirms by term probes over the
			// peer channel once every member is registered (RAFT NODES
			// above): a read of its own is probed, not a VerifyLeader.
			l := c.leader()
			waitFor(t, "a read on the leader confirmed by a term probe", func() bool {
				before := l.reads.probed.Load()
				do(l, "GET", "k0")
				return l.reads.probed.Load() > before
			})
			// The client port refuses the internal command.
			for i, rdb := range clients {
				err := rdb.Do(ctx, "REDRAFT.FORWARD", EncodeForward(nil)).Err()
				if err == nil || err.Error() != ErrTextForwardRefused {
					t.Errorf("REDRAFT.FORWARD on n%d's client port: %v", i, err)
				}
			}
		})
	}
}

// appendEntriesAttack writes to a Raft port what a forged leader would:
// an AppendEntries RPC of a much higher term carrying one log entry, in
// raft's NetworkTransport framing, and reports whether a reply came back.
func appendEntriesAttack(t *testing.T, raftAddr string, term uint64) (replied bool) {
	t.Helper()
	nc, err := net.DialTimeout("tcp", raftAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	req := raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("intruder"), Addr: []byte("127.0.0.1:1")},
		Term:      term,
		Entries:   []*raft.Log{{Index: 1 << 20, Term: term, Type: raft.LogCommand, Data: []byte("forged")}},
	}
	nc.Write([]byte{0}) // rpcAppendEntries
	if err := codec.NewEncoder(nc, &codec.MsgpackHandle{}).Encode(&req); err != nil {
		return false
	}
	var respErr string
	if err := codec.NewDecoder(nc, &codec.MsgpackHandle{}).Decode(&respErr); err != nil {
		return false
	}
	return true
}

// A forged AppendEntries sent on a raw TCP connection: a Raft port without
// cluster authentication processes it (the node adopts the forged term;
// this control shows the payload is a real attack), one with mutual TLS or
// the shared secret closes the connection, counts it and changes nothing.
// A member whose credentials come from another CA or another secret is
// refused the same way.
func TestClusterAuthRefusesUnauthenticated(t *testing.T) {
	t.Run("control", func(t *testing.T) {
		c := startCluster(t, 3, false)
		l := c.leader()
		var f *Node
		var fi int
		for i, n := range c.nodes {
			if n != l {
				f, fi = n, i
				break
			}
		}
		before := f.raft.CurrentTerm()
		appendEntriesAttack(t, c.addrs[fi], before+1000)
		waitFor(t, "the unauthenticated node to adopt the forged term", func() bool { return f.raft.CurrentTerm() >= before+1000 })
	})
	for _, kind := range []string{"tls", "secret"} {
		t.Run(kind, func(t *testing.T) {
			c, _ := startAuthRESPCluster(t, clusterAuths(t, kind, 3))
			c.set("k", "v")
			l := c.leader()
			for i, n := range c.nodes {
				if n == l {
					continue
				}
				term, last := n.raft.CurrentTerm(), n.raft.LastIndex()
				fails := n.cfg.ClusterAuth.Failures()
				if appendEntriesAttack(t, c.addrs[i], term+1000) {
					t.Fatalf("n%d answered a forged AppendEntries", i)
				}
				waitFor(t, "the refusal counted", func() bool { return n.cfg.ClusterAuth.Failures() > fails })
				// The forged term must not be adopted. (An election of its
				// own may move the term by a few on a loaded machine: CI
				// run s9d saw 1 -> 2 here.)
				if got := n.raft.CurrentTerm(); got >= term+1000 {
					t.Fatalf("n%d adopted the forged term: %d after the forged RPC, was %d", i, got, term)
				}
				if got := n.raft.LastIndex(); got > last+5 || got < last {
					t.Fatalf("n%d last index %d after the forged RPC, was %d", i, got, last)
				}
				if got := infoField(n, "cluster_auth_failures"); got == "0" {
					t.Fatalf("INFO cluster_auth_failures %q", got)
				}
			}
			// A would-be member with other credentials.
			stranger := clusterAuths(t, kind, 1)[0]
			if kind == "secret" {
				var err error
				if stranger, err = NewSecretClusterAuth([]byte("another-secret-of-enough-length"), nil); err != nil {
					t.Fatal(err)
				}
			}
			fails := l.cfg.ClusterAuth.Failures()
			for _, ch := range []byte{chanRaft, chanPeer} {
				if conn, err := stranger.dial(context.Background(), l.RaftAddr(), ch, time.Second); err == nil {
					conn.Close()
					t.Fatalf("a member with foreign %s credentials was accepted on channel %c", kind, ch)
				}
			}
			waitFor(t, "the stranger's refusals counted", func() bool { return l.cfg.ClusterAuth.Failures() >= fails+2 })
			// The cluster still works.
			c.set("k2", "v2")
		})
	}
}

// A node joins a cluster with cluster authentication through JoinAuth
// (what kv serve --join uses): the leader adds it as a non-voter, sends it
// a snapshot (InstallSnapshot over mutual TLS: the log was compacted),
// checks its applied index over the peer channel and promotes it.
func TestClusterAuthJoin(t *testing.T) {
	auths := clusterAuths(t, "tls", 4)
	c, _ := startAuthRESPCluster(t, auths[:3], func(cfg *Config) { cfg.TrailingLogs = 1 })
	for i := 0; i < 20; i++ {
		c.set(fmt.Sprint("before", i), "join")
	}
	if err := c.leader().TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	tr, err := NewAuthTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard, auths[3])
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	nd, err := New(Config{ID: "n3", Transport: tr, LogOutput: io.Discard, ClientAddr: ln.Addr().String(), ClusterAuth: auths[3]})
	if err != nil {
		t.Fatal(err)
	}
	defer nd.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Through a follower, which passes RAFT JOIN on to the leader.
	l := c.leader()
	via := ""
	for i, n := range c.nodes {
		if n != l {
			via = c.addrs[i]
		}
	}
	// Retried as kv serve's joinCluster does: on a loaded machine the
	// leader can lose leadership while it adds the node.
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, _, err := JoinAuth(ctx, auths[3], via, "n3", nd.RaftAddr(), ln.Addr().String(), "")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		if l := c.leader(); c.nodes[0] != l {
			via = c.addrs[0]
		} else {
			via = c.addrs[1]
		}
	}
	waitFor(t, "n3 a voter", func() bool { return c.voters(c.leader())["n3"] })
	target := c.leader().raft.CommitIndex()
	waitFor(t, "n3 caught up", func() bool { return nd.fsm.AppliedIndex() >= target })
	if got := nd.raft.Stats()["last_snapshot_index"]; got == "0" {
		t.Fatalf("n3 caught up without a snapshot (last_snapshot_index %s)", got)
	}
}

// Reload (SIGHUP in kv serve) makes a member's Raft port serve a
// certificate replaced on disk, without a restart; a reload from broken
// files fails and keeps the certificate in force.
func TestClusterAuthReload(t *testing.T) {
	ca := tlstest.NewCA(t, "cluster")
	server := ca.Issue("n0", "n0")
	a, err := NewTLSClusterAuth(server.CertFile, server.KeyFile, ca.CertFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewAuthTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard, a)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.(interface{ Close() error }).Close()
	// Raft's transport is not consuming RPCs here; the handshake and the
	// channel confirmation are all this needs.
	client := ca.Issue("client", "client")
	ca2, err := NewTLSClusterAuth(client.CertFile, client.KeyFile, ca.CertFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	serial := func() string {
		t.Helper()
		c, err := ca2.dial(context.Background(), string(tr.LocalAddr()), chanPeer, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.(interface {
			ConnectionState() tls.ConnectionState
		}).ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got := serial(); got != server.Serial().String() {
		t.Fatalf("serial %s, want %s", got, server.Serial())
	}
	next := ca.Issue("n0", "n0") // same files, new certificate
	if got := serial(); got != server.Serial().String() {
		t.Fatalf("the certificate changed before Reload: %s", got)
	}
	if err := a.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := serial(); got != next.Serial().String() {
		t.Fatalf("after Reload: serial %s, want %s", got, next.Serial())
	}
	if err := os.WriteFile(next.KeyFile, []byte("broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.Reload(); err == nil {
		t.Fatal("Reload of a broken key succeeded")
	}
	if got := serial(); got != next.Serial().String() {
		t.Fatalf("a failed Reload changed the certificate to %s", got)
	}
}

// With VerifyNodeIDs, a cluster whose certificates name their nodes works;
// a certificate from the cluster CA that names no member is refused on the
// Raft channel (and counted), and a dialer refuses a member whose
// certificate does not name the ID the configuration gives its address.
func TestClusterAuthVerifyNodeIDs(t *testing.T) {
	ca := tlstest.NewCA(t, "cluster")
	auth := func(file, cn string) *ClusterAuth {
		p := ca.Issue(file, cn)
		a, err := NewTLSClusterAuth(p.CertFile, p.KeyFile, ca.CertFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		a.VerifyNodeIDs()
		return a
	}
	auths := []*ClusterAuth{auth("n0", "n0"), auth("n1", "n1"), auth("n2", "n2")}
	c, addrs := startAuthRESPCluster(t, auths)
	rdb := redis.NewClient(&redis.Options{Addr: addrs[0], MaxRetries: -1})
	defer rdb.Close()
	ctx := context.Background()
	retryDefinite(t, "SET through n0", func() error { return rdb.Set(ctx, "k", "v", 0).Err() })

	l := c.leader()
	mallory := auth("mallory", "mallory")
	fails := l.cfg.ClusterAuth.Failures()
	if conn, err := mallory.dial(ctx, l.RaftAddr(), chanRaft, time.Second); err == nil {
		conn.Close()
		t.Fatal("a certificate naming no member was accepted on the Raft channel")
	}
	waitFor(t, "the refusal counted", func() bool { return l.cfg.ClusterAuth.Failures() > fails })

	// A dialer that expects n0 at l's address when l is another node.
	li := -1
	for i, n := range c.nodes {
		if n == l {
			li = i
		}
	}
	other := fmt.Sprint("n", (li+1)%3)
	checker := auth("checker", "checker")
	checker.setMembers(func() map[string]string { return map[string]string{l.RaftAddr(): other} })
	if conn, err := checker.dial(ctx, l.RaftAddr(), chanPeer, time.Second); err == nil {
		conn.Close()
		t.Fatalf("dialing %s expecting %s succeeded", l.RaftAddr(), other)
	} else if !strings.Contains(err.Error(), "does not name node") {
		t.Fatalf("dial: %v", err)
	}
	checker.setMembers(func() map[string]string { return map[string]string{l.RaftAddr(): fmt.Sprint("n", li)} })
	conn, err := checker.dial(ctx, l.RaftAddr(), chanPeer, time.Second)
	if err != nil {
		t.Fatalf("dialing the right node: %v", err)
	}
	conn.Close()
}

// recordingProxy forwards one connection to target and records what the
// dialer sent.
type recordingProxy struct {
	ln   net.Listener
	mu   sync.Mutex
	sent []byte
	done chan struct{}
}

func startRecordingProxy(t *testing.T, target string) *recordingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &recordingProxy{ln: ln, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		in, err := ln.Accept()
		if err != nil {
			return
		}
		defer in.Close()
		out, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer out.Close()
		go io.Copy(in, out)
		buf := make([]byte, 4096)
		for {
			n, err := in.Read(buf)
			if n > 0 {
				p.mu.Lock()
				p.sent = append(p.sent, buf[:n]...)
				p.mu.Unlock()
				out.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-p.done })
	return p
}

func (p *recordingProxy) recorded() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.sent...)
}

// A captured, authenticated Raft connection (the shared-secret handshake
// and a forged AppendEntries of a much higher term after it) replayed
// byte for byte at a member: the handshake fails (the member's challenge
// is fresh), the connection is closed and counted, and the member's term
// and log are unchanged.
func TestClusterAuthReplayRefused(t *testing.T) {
	auths := clusterAuths(t, "secret", 4) // the fourth records the capture
	c, _ := startAuthRESPCluster(t, auths[:3])
	c.set("k", "v")
	l := c.leader()
	var f *Node
	var fi int
	for i, n := range c.nodes {
		if n != l {
			f, fi = n, i
			break
		}
	}
	term := f.raft.CurrentTerm()

	// Capture: a member's connection to a lone Raft port (no node behind
	// it: nothing consumes the RPC), through a recording proxy.
	lone, err := NewAuthTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard, auths[3])
	if err != nil {
		t.Fatal(err)
	}
	defer lone.(interface{ Close() error }).Close()
	proxy := startRecordingProxy(t, string(lone.LocalAddr()))
	conn, err := auths[3].dial(context.Background(), proxy.ln.Addr().String(), chanRaft, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	req := raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte("n0"), Addr: []byte(c.addrs[0])},
		Term:      term + 1000,
	}
	conn.Write([]byte{0})
	codec.NewEncoder(conn, &codec.MsgpackHandle{}).Encode(&req)
	want := len(secretMagic) + nonceLen + 1 + macLen + 10
	waitFor(t, "the capture", func() bool { return len(proxy.recorded()) >= want })
	conn.Close()
	captured := proxy.recorded()

	fails := f.cfg.ClusterAuth.Failures()
	nc, err := net.Dial("tcp", c.addrs[fi])
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write(captured)
	// The member sends its challenge, then closes the connection.
	io.Copy(io.Discard, nc)
	waitFor(t, "the replay counted", func() bool { return f.cfg.ClusterAuth.Failures() > fails })
	if got := f.raft.CurrentTerm(); got >= term+1000 { // an election of its own may move it by a few
		t.Fatalf("the replayed term was adopted: term %d after the replay, was %d", got, term)
	}
	c.set("k2", "v2") // the cluster is unharmed
}
