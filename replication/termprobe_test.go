package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv/resp"
)

// fakePeer answers a probe after delay with term (or err); a zero delay
// answers at once. A probe whose context ends first fails with its error.
type fakePeer struct {
	term  uint64
	err   error
	delay time.Duration
}

type probeLog struct {
	mu    sync.Mutex
	asked []string
	calls atomic.Int32
}

func (l *probeLog) order() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.asked...)
}

func testProber(peers map[string]fakePeer, order []string, log *probeLog) *prober {
	return &prober{
		peers: func() ([]string, bool) { return append([]string(nil), order...), len(order) > 0 },
		probe: func(ctx context.Context, id string) (uint64, error) {
			log.mu.Lock()
			log.asked = append(log.asked, id)
			log.mu.Unlock()
			log.calls.Add(1)
			p := peers[id]
			if p.delay > 0 {
				select {
				case <-time.After(p.delay):
				case <-ctx.Done():
					return 0, ctx.Err()
				}
			}
			return p.term, p.err
		},
	}
}

var errPeerDown = errors.New("peer down")

// TestProberOutcomes: one confirmation is enough, a later term deposes,
// an earlier term or an error does not confirm, and the first peer asked is
// the one that confirmed last.
func TestProberOutcomes(t *testing.T) {
	const term = 7
	for _, tc := range []struct {
		name  string
		peers map[string]fakePeer
		want  probeOutcome
		// asked: the peers that must have been asked (in order) when the
		// outcome is known.
		asked []string
	}{
		{"first confirms alone", map[string]fakePeer{"a": {term: term}, "b": {term: term}}, probeConfirmed, []string{"a"}},
		{"first down, second confirms", map[string]fakePeer{"a": {err: errPeerDown}, "b": {term: term}}, probeConfirmed, []string{"a", "b"}},
		{"first behind, second confirms", map[string]fakePeer{"a": {term: term - 1}, "b": {term: term}}, probeConfirmed, []string{"a", "b"}},
		{"first shows a later term", map[string]fakePeer{"a": {term: term + 1}, "b": {term: term}}, probeDeposed, []string{"a"}},
		{"second shows a later term", map[string]fakePeer{"a": {err: errPeerDown}, "b": {term: term + 3}}, probeDeposed, []string{"a", "b"}},
		{"both down", map[string]fakePeer{"a": {err: errPeerDown}, "b": {err: errPeerDown}}, probeFailed, []string{"a", "b"}},
		{"both behind", map[string]fakePeer{"a": {term: term - 1}, "b": {term: 1}}, probeFailed, []string{"a", "b"}},
		{"single peer confirms", map[string]fakePeer{"a": {term: term}}, probeConfirmed, []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			order := []string{"a", "b"}
			if _, ok := tc.peers["b"]; !ok {
				order = order[:1]
			}
			log := &probeLog{}
			p := testProber(tc.peers, order, log)
			got := p.confirm(context.Background(), term, time.Now().Add(time.Second))
			if got != tc.want {
				t.Fatalf("confirm = %v, want %v", got, tc.want)
			}
			if asked := log.order(); !slices.Equal(asked, tc.asked) {
				t.Fatalf("asked %v, want %v", asked, tc.asked)
			}
		})
	}
}

// TestProberPrefersLastConfirmer: after b confirmed (a down), the next
// round asks b first and only b.
func TestProberPrefersLastConfirmer(t *testing.T) {
	peers := map[string]fakePeer{"a": {err: errPeerDown}, "b": {term: 3}}
	log := &probeLog{}
	p := testProber(peers, []string{"a", "b"}, log)
	if o := p.confirm(context.Background(), 3, time.Now().Add(time.Second)); o != probeConfirmed {
		t.Fatalf("first round: %v", o)
	}
	log.mu.Lock()
	log.asked = nil
	log.mu.Unlock()
	if o := p.confirm(context.Background(), 3, time.Now().Add(time.Second)); o != probeConfirmed {
		t.Fatalf("second round: %v", o)
	}
	if asked := log.order(); !slices.Equal(asked, []string{"b"}) {
		t.Fatalf("second round asked %v, want [b]", asked)
	}
}

// TestProberHedgesASlowPeer: a first peer that does not answer does not
// hold the round: after probeHedge the other is asked, and its
// confirmation ends the round (and the wait for the first) long before the
// first would answer or the deadline passes.
func TestProberHedgesASlowPeer(t *testing.T) {
	peers := map[string]fakePeer{"a": {term: 5, delay: time.Hour}, "b": {term: 5}}
	log := &probeLog{}
	p := testProber(peers, []string{"a", "b"}, log)
	start := time.Now()
	o := p.confirm(context.Background(), 5, start.Add(time.Minute))
	if o != probeConfirmed {
		t.Fatalf("confirm = %v", o)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Fatalf("the round took %v: the slow peer held it", el)
	}
	if asked := log.order(); !slices.Equal(asked, []string{"a", "b"}) {
		t.Fatalf("asked %v, want [a b]", asked)
	}
}

// TestProberDeadline: peers that never answer make the round fail at its
// deadline, and a cancelled parent (the reader stopping) ends it at once.
func TestProberDeadline(t *testing.T) {
	peers := map[string]fakePeer{"a": {delay: time.Hour}, "b": {delay: time.Hour}}
	p := testProber(peers, []string{"a", "b"}, &probeLog{})
	start := time.Now()
	if o := p.confirm(context.Background(), 5, start.Add(50*time.Millisecond)); o != probeFailed {
		t.Fatalf("confirm = %v, want failed", o)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Fatalf("the round ended after %v, its deadline was 50ms", el)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	if o := p.confirm(ctx, 5, time.Now().Add(time.Hour)); o != probeFailed {
		t.Fatalf("confirm with a cancelled parent = %v, want failed", o)
	}
}

// TestProberWithoutPeers: a configuration where probes cannot decide (no
// peers, or more than three voters) is a failed probe round, which the
// reader turns into raft's VerifyLeader.
func TestProberWithoutPeers(t *testing.T) {
	log := &probeLog{}
	p := testProber(nil, nil, log)
	if o := p.confirm(context.Background(), 5, time.Now().Add(time.Second)); o != probeFailed {
		t.Fatalf("confirm = %v", o)
	}
	if log.calls.Load() != 0 {
		t.Fatalf("%d probes sent without peers", log.calls.Load())
	}
}

// TestProbeAnyTermFault: the planted fault takes a later term as a
// confirmation (the simulation shows it breaks linearizability).
func TestProbeAnyTermFault(t *testing.T) {
	p := testProber(map[string]fakePeer{"a": {term: 9}}, []string{"a"}, &probeLog{})
	p.anyTerm = true
	if o := p.confirm(context.Background(), 5, time.Now().Add(time.Second)); o != probeConfirmed {
		t.Fatalf("confirm = %v, want confirmed (the fault)", o)
	}
}

// TestTermProbeOverTCP: on a three-node cluster over TCP, a member answers
// a probe with its current term whether it leads or not, and the leader's
// read barrier confirms by probes (none falls back to VerifyLeader once
// the followers registered their addresses); with both followers stopped,
// a read fails instead of being served.
func TestTermProbeOverTCP(t *testing.T) {
	lns := map[string]net.Listener{}
	for i := 0; i < 3; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[fmt.Sprint("n", i)] = ln
	}
	c := startClusterWith(t, 3, false, func(cfg *Config) {
		cfg.ClientAddr = lns[cfg.ID].Addr().String()
		cfg.ApplyTimeout = 500 * time.Millisecond
	})
	srvs := map[*Node]*resp.Server{}
	for _, n := range c.nodes {
		srv := resp.New(n, resp.Config{})
		srvs[n] = srv
		go srv.Serve(lns[n.cfg.ID])
		t.Cleanup(func() { srv.Close() })
	}
	c.set("k", "v")
	l := c.leader()
	term := l.raft.CurrentTerm()
	for i, n := range c.nodes {
		got, err := n.HandleForward(context.Background(), probeRequest())
		if err != nil || string(got) != strconv.FormatUint(term, 10) {
			t.Fatalf("node %d answered the probe %q, %v; want %d", i, got, err, term)
		}
	}
	// Wait for the followers' addresses (registered within a second).
	deadline := time.Now().Add(10 * time.Second)
	for {
		peers, ok := l.pairPeers()
		registered := ok && len(peers) == 2
		for _, id := range peers {
			registered = registered && l.fsm.NodeAddr(id) != ""
		}
		if registered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("followers' addresses not registered: peers %v (%v)", peers, ok)
		}
		time.Sleep(20 * time.Millisecond)
	}
	probed, fallbacks := l.reads.probed.Load(), l.reads.probeFallbacks.Load()
	for i := 0; i < 50; i++ {
		if got := do(l, "GET", "k"); got != "$1\r\nv\r\n" {
			t.Fatalf("GET k = %q", got)
		}
	}
	if p, f := l.reads.probed.Load()-probed, l.reads.probeFallbacks.Load()-fallbacks; p < 50 || f != 0 {
		t.Fatalf("50 reads: %d rounds confirmed by probes, %d fell back; want >= 50 and 0", p, f)
	}
	for i, n := range c.nodes {
		if n != l {
			srvs[n].Close()
			c.stop(i)
		}
	}
	if got := do(l, "GET", "k"); got == "$1\r\nv\r\n" {
		t.Fatalf("GET k on a leader without followers = %q, want an error", got)
	}
}

// isolation cuts every Raft RPC to or from one address (the Raft port
// only: client ports, and with them term probes, still work).
type isolation struct {
	mu  sync.Mutex
	cut raft.ServerAddress
}

func (s *isolation) blocks(a, b raft.ServerAddress) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cut != "" && (a == s.cut || b == s.cut)
}

var errIsolated = errors.New("test: isolated")

// isolatable is a node's TCP transport subject to an isolation; it does
// not pipeline, so every append goes through AppendEntries.
type isolatable struct {
	tcpTransport
	iso *isolation
}

func (t isolatable) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (t isolatable) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if t.iso.blocks(t.LocalAddr(), target) {
		return errIsolated
	}
	return t.tcpTransport.AppendEntries(id, target, args, resp)
}

func (t isolatable) RequestVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	if t.iso.blocks(t.LocalAddr(), target) {
		return errIsolated
	}
	return t.tcpTransport.RequestVote(id, target, args, resp)
}

func (t isolatable) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	if t.iso.blocks(t.LocalAddr(), target) {
		return errIsolated
	}
	return t.tcpTransport.RequestPreVote(id, target, args, resp)
}

func (t isolatable) TimeoutNow(id raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	if t.iso.blocks(t.LocalAddr(), target) {
		return errIsolated
	}
	return t.tcpTransport.TimeoutNow(id, target, args, resp)
}

func (t isolatable) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	if t.iso.blocks(t.LocalAddr(), target) {
		return errIsolated
	}
	return t.tcpTransport.InstallSnapshot(id, target, args, resp, data)
}

// TestDeposedLeaderServesNoStaleRead: n0 leads with slow timers (it keeps
// believing it leads for seconds after losing contact), then its Raft
// traffic is cut; n1 and n2 elect a leader of a later term, which commits
// k=v2. A read of k on n0, which still thinks it leads, must not return
// v1: its term probe reaches a follower that answers with the later term.
// With raft's heartbeat round the read fails too; with the planted fault
// (a later term taken as a confirmation) the stale v1 comes back, which
// shows the test can see the difference.
func TestDeposedLeaderServesNoStaleRead(t *testing.T) {
	for _, tc := range []struct {
		name      string
		confirm   ReadConfirm
		fault     bool
		wantStale bool
	}{
		{"probe", ConfirmProbe, false, false},
		{"heartbeat", ConfirmHeartbeat, false, false},
		{"planted fault: a later term confirms", ConfirmProbe, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iso := &isolation{}
			lns := map[string]net.Listener{}
			for i := 0; i < 3; i++ {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				lns[fmt.Sprint("n", i)] = ln
			}
			c := startClusterWith(t, 3, false, func(cfg *Config) {
				cfg.ClientAddr = lns[cfg.ID].Addr().String()
				cfg.ReadConfirm = tc.confirm
				cfg.TestFaults.ProbeAnyTerm = tc.fault
				cfg.ApplyTimeout = time.Second
				if cfg.ID == "n0" {
					cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 20*time.Second, 20*time.Second, 20*time.Second
				} else {
					cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 300*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond
				}
				cfg.Transport = isolatable{tcpTransport: cfg.Transport.(tcpTransport), iso: iso}
			})
			for _, n := range c.nodes {
				srv := resp.New(n, resp.Config{})
				go srv.Serve(lns[n.cfg.ID])
				t.Cleanup(func() { srv.Close() })
			}
			n0 := c.nodes[0]
			deadline := time.Now().Add(20 * time.Second)
			for !n0.IsLeader() {
				if l := c.leader(); l != n0 {
					l.raft.LeadershipTransferToServer("n0", raft.ServerAddress(c.addrs[0])).Error()
				}
				if time.Now().After(deadline) {
					t.Fatal("n0 did not become leader")
				}
				time.Sleep(50 * time.Millisecond)
			}
			c.set("k", "v1")
			// Every member registered, so that probes can reach them.
			for _, id := range []string{"n0", "n1", "n2"} {
				for n0.fsm.NodeAddr(id) == "" {
					if time.Now().After(deadline) {
						t.Fatalf("%s's address not registered", id)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			term := n0.raft.CurrentTerm()
			iso.mu.Lock()
			iso.cut = raft.ServerAddress(c.addrs[0])
			iso.mu.Unlock()
			var l *Node
			for l == nil {
				for _, n := range c.nodes[1:] {
					if n.IsLeader() && n.raft.CurrentTerm() > term {
						l = n
					}
				}
				if time.Now().After(deadline) {
					t.Fatal("n1 and n2 elected no leader")
				}
				time.Sleep(10 * time.Millisecond)
			}
			if got := do(l, "SET", "k", "v2"); got != "+OK\r\n" {
				t.Fatalf("SET k v2 on the new leader: %q", got)
			}
			if n0.raft.State() != raft.Leader || n0.raft.CurrentTerm() != term {
				t.Fatalf("precondition: n0 no longer thinks it leads (%v, term %d -> %d)", n0.raft.State(), term, n0.raft.CurrentTerm())
			}
			got := do(n0, "GET", "k")
			if stale := got == "$2\r\nv1\r\n"; stale != tc.wantStale {
				t.Fatalf("GET k on the deposed leader = %q (stale: %v, want stale: %v)", got, stale, tc.wantStale)
			}
			t.Logf("GET k on the deposed leader: %q", got)
		})
	}
}
