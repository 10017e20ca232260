package replication

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/redis/go-redis/v9"

	"redraft/kv"
)

// edge runs one edge command (RAFT ...) on n and returns its raw reply.
func edge(n *Node, args ...string) string {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	w := kv.NewWriter(nil, 2)
	n.HandleEdge(context.Background(), a, w)
	return string(w.Bytes())
}

// readyForwarder waits until the cluster it forwards in is set.
type readyForwarder struct {
	ready *sync.WaitGroup
	f     inProcessForwarder
}

func (r readyForwarder) Forward(ctx context.Context, id string, payload []byte) ([]byte, error) {
	r.ready.Wait()
	return r.f.Forward(ctx, id, payload)
}

// TestTransferSkipsNodesWithoutState: RAFT TRANSFER in a rolling restart.
// A follower restarted with a snapshot of its own that loads for over an
// hour (crawlSnapshots) and a log as long as anyone's. Named, it is
// refused; unnamed while the other follower is down, raft's choice would be
// the loading node (the only one reachable, and up to date), and the
// transfer is refused instead, the leader staying leader; with the other
// follower back, leadership goes to it.
func TestTransferSkipsNodesWithoutState(t *testing.T) {
	// The question travels over the forward channel: in process here.
	var cp *cluster
	var ready sync.WaitGroup
	ready.Add(1)
	c, arm := startCrawlCluster(t, func(cfg *Config) {
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
		cfg.Forwarder = readyForwarder{&ready, inProcessForwarder{&cp}}
	})
	cp = c
	ready.Done()
	n, l := restartLoading(t, c, arm)
	other := -1
	for _, i := range c.followers(l) {
		if c.nodes[i] != n {
			other = i
		}
	}

	if got := edge(l, "RAFT", "TRANSFER", n.cfg.ID); !strings.HasPrefix(got, "-ERR member "+n.cfg.ID+" holds no state yet") {
		t.Fatalf("RAFT TRANSFER to the loading node: %q", got)
	}
	// raft's own transfer (no question first, as when raft catches the
	// target up with a snapshot it then restores): refused as its
	// TimeoutNow goes out.
	var addr raft.ServerAddress
	for _, s := range l.raft.GetConfiguration().Configuration().Servers {
		if s.ID == raft.ServerID(n.cfg.ID) {
			addr = s.Address
		}
	}
	if err := l.raft.LeadershipTransferToServer(raft.ServerID(n.cfg.ID), addr).Error(); err == nil || !strings.Contains(err.Error(), "holds no state yet") {
		t.Fatalf("raft's transfer to the loading node: %v (loading node %v)", err, n.raft.State())
	}
	if !l.IsLeader() || n.raft.State() != raft.Follower {
		t.Fatalf("after raft's transfer: old leader %v, loading node %v", l.raft.State(), n.raft.State())
	}
	otherID := c.nodes[other].cfg.ID
	c.stop(other)
	if got := edge(l, "RAFT", "TRANSFER"); !strings.HasPrefix(got, "-ERR replication: no other voter holds its state") {
		t.Fatalf("RAFT TRANSFER with only the loading node up: %q (loading node %v)", got, n.raft.State())
	}
	if !l.IsLeader() || n.IsLeader() {
		t.Fatalf("leadership moved: old leader %v, loading node %v", l.raft.State(), n.raft.State())
	}
	c.set("while-other-down", "1")

	c.start(other, nil, false)
	o := c.nodes[other]
	waitFor(t, "the restarted follower to catch up", func() bool { return o.raft.LastIndex() >= l.raft.LastIndex() })
	if got := edge(l, "RAFT", "TRANSFER"); got != "+OK\r\n" {
		t.Fatalf("RAFT TRANSFER with %s back: %q", otherID, got)
	}
	waitFor(t, "the other follower to lead", o.IsLeader)
	if got := do(o, "SET", "after-transfer", "1"); got != "+OK\r\n" {
		t.Fatalf("SET on the new leader: %q", got)
	}
	if !n.Loading() {
		t.Fatal("the own snapshot finished loading: the test did not hold it")
	}
}

// TestTransferOverRESP: the question goes over the real forward channel
// (the members' client ports), and RAFT TRANSFER sent by a client library
// to a follower's edge (passed on to the leader) moves leadership to a
// member that answered that it holds its state.
func TestTransferOverRESP(t *testing.T) {
	c, addrs := startRESPCluster(t, 3)
	l := c.leader()
	ctx := context.Background()
	for _, i := range c.followers(l) {
		id := c.nodes[i].cfg.ID
		waitFor(t, "the leader to know "+id+"'s client address", func() bool { return l.fsm.NodeAddr(id) != "" })
		holds, last, err := l.askHolds(ctx, id)
		if err != nil || !holds || last == 0 {
			t.Fatalf("asking %s: holds %v, last index %d, %v", id, holds, last, err)
		}
	}
	f := c.followers(l)[0]
	rdb := redis.NewClient(&redis.Options{Addr: addrs[f], MaxRetries: -1})
	defer rdb.Close()
	if err := rdb.Do(ctx, "RAFT", "TRANSFER").Err(); err != nil {
		t.Fatalf("RAFT TRANSFER through a follower: %v", err)
	}
	waitFor(t, "another node to lead", func() bool {
		nl := c.leader()
		return nl != nil && nl != l
	})
	if err := rdb.Set(ctx, "after-transfer", "1", 0).Err(); err != nil {
		t.Fatalf("SET after the transfer: %v", err)
	}
}

// TestTransferAloneIsRaftsRefusal: a single voter has no one to hand
// leadership to; raft's own refusal is the answer, not the state question's.
func TestTransferAloneIsRaftsRefusal(t *testing.T) {
	c := startCluster(t, 1, false)
	l := c.leader()
	got := edge(l, "RAFT", "TRANSFER")
	if !strings.HasPrefix(got, "-ERR ") || strings.Contains(got, "holds its state") {
		t.Fatalf("RAFT TRANSFER on a single voter: %q", got)
	}
	if !l.IsLeader() {
		t.Fatal("the single voter lost leadership")
	}
}
