package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// slowTimers gives a test cluster timers that a loaded test machine keeps.
func slowTimers(cfg *Config) {
	cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
}

// startJoining restarts node i on an empty data directory as a joining
// node (kv serve --join), without bootstrap.
func (c *cluster) startJoining(i int) {
	c.t.Helper()
	c.dirs[i] = c.t.TempDir()
	tr, err := NewTCPTransport(c.addrs[i], 100*time.Millisecond, io.Discard)
	if err != nil {
		c.t.Fatal(err)
	}
	cfg := Config{ID: fmt.Sprint("n", i), Transport: tr, DataDir: c.dirs[i], LogOutput: io.Discard, Joining: true}
	slowTimers(&cfg)
	nd, err := New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.mu.Lock()
	c.nodes[i] = nd
	c.mu.Unlock()
}

func (c *cluster) stop(i int) {
	c.nodes[i].Close()
	c.mu.Lock()
	c.nodes[i] = nil
	c.mu.Unlock()
}

// The seed-502 shape (rejoin.go): a node with an old prefix of the log, in
// which removed and wiped nodes are still voters, must not be elected with
// their votes while the up-to-date voters are down. Five nodes: the stale
// one misses a write and the removal of two others, which then come back
// wiped; with the two up-to-date voters down, the stale node and the two
// wiped ones are a majority of the configuration in the stale node's log.
func TestWipedNodesDoNotVoteForStaleCandidate(t *testing.T) {
	c := startClusterWith(t, 5, true, slowTimers)
	c.set("a", "1")
	ld := c.leader()
	var rest []int
	for i, nd := range c.nodes {
		if nd != ld {
			rest = append(rest, i)
		}
	}
	stale, wiped, upToDate := rest[0], rest[1:3], rest[3]

	c.stop(stale)
	c.set("b", "2")
	for _, i := range wiped {
		if err := ld.RemoveMember(fmt.Sprint("n", i)); err != nil {
			t.Fatalf("remove n%d: %v", i, err)
		}
	}
	for _, i := range wiped {
		c.stop(i)
		c.startJoining(i)
		if nd := c.nodes[i]; nd.Voting() || nd.Incarnation() == "" {
			t.Fatalf("a node joining with no state votes (voting=%v incarnation=%q)", nd.Voting(), nd.Incarnation())
		}
	}
	li := -1
	for i, nd := range c.nodes {
		if nd == ld {
			li = i
		}
	}
	c.stop(li)
	c.stop(upToDate)
	c.start(stale, nil, true)
	st := c.nodes[stale]
	refused := func() uint64 {
		return c.nodes[wiped[0]].votesRefused.Load() + c.nodes[wiped[1]].votesRefused.Load()
	}
	deadline := time.Now().Add(15 * time.Second)
	for refused() < 4 {
		if st.raft.State() == raft.Leader {
			t.Fatalf("n%d, whose log lacks b, was elected (GET b: %q)", stale, do(st, "GET", "b"))
		}
		if time.Now().After(deadline) {
			t.Fatal("the stale node never asked the joining nodes for votes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := do(st, "GET", "b"); !strings.HasPrefix(got, "-") {
		t.Fatalf("GET b on the stale node: %q, want a refusal", got)
	}

	// The up-to-date voters return: the cluster serves b again, and a
	// wiped node joins, is registered and votes.
	c.start(li, nil, true)
	c.start(upToDate, nil, true)
	if got := c.doLeader("GET", "b"); got != "$1\r\n2\r\n" {
		t.Fatalf("GET b after the voters' return: %q", got)
	}
	w := c.nodes[wiped[0]]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, _, err := c.leader().JoinMember(ctx, fmt.Sprint("n", wiped[0]), c.addrs[wiped[0]], "", w.Incarnation()); err != nil {
		t.Fatalf("join: %v", err)
	}
	waitFor(t, "the joined node to vote", w.Voting)
	waitFor(t, "the joined node to apply b", func() bool {
		var got string
		w.fsm.Read(func(m *kv.Machine) { got = execOn(m, "GET", "b") })
		return got == "$1\r\n2\r\n"
	})
}

// A node that comes back wiped under the id of a current voter is removed
// and added again: its vote counts only once it holds the log up to its
// registration.
func TestJoinReplacesEarlierIncarnation(t *testing.T) {
	c := startClusterWith(t, 3, true, slowTimers)
	c.set("a", "1")
	ld := c.leader()
	wi := -1
	for i, nd := range c.nodes {
		if nd != ld {
			wi = i
			break
		}
	}
	c.stop(wi)
	c.startJoining(wi)
	w := c.nodes[wi]
	if c.voters(ld)[fmt.Sprint("n", wi)] != true {
		t.Fatalf("n%d should still be a voter before it rejoins", wi)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	idx, term, err := ld.JoinMember(ctx, fmt.Sprint("n", wi), c.addrs[wi], "", w.Incarnation())
	if err != nil || idx == 0 || term == 0 {
		t.Fatalf("join: index %d term %d, %v", idx, term, err)
	}
	waitFor(t, "the rejoined node to vote", w.Voting)
	if got := ld.fsm.Incarnation(fmt.Sprint("n", wi)); got != w.Incarnation() {
		t.Fatalf("registered incarnation %q, want %q", got, w.Incarnation())
	}
	// A retry of the same join changes nothing and succeeds.
	if i2, t2, err := ld.JoinMember(ctx, fmt.Sprint("n", wi), c.addrs[wi], "", w.Incarnation()); err != nil || i2 != idx || t2 != term {
		t.Fatalf("join retry: index %d term %d (first %d %d), %v", i2, t2, idx, term, err)
	}
	if !c.voters(ld)[fmt.Sprint("n", wi)] {
		t.Fatalf("n%d is not a voter after its join", wi)
	}
	// The incarnation survives a restart: the node reads it back.
	c.stop(wi)
	c.start(wi, nil, true)
	if got := c.nodes[wi].Incarnation(); got != w.Incarnation() {
		t.Fatalf("incarnation after restart %q, want %q", got, w.Incarnation())
	}
	waitFor(t, "the restarted node to vote", c.nodes[wi].Voting)
}

// Joined nodes stay voters across restarts: with every node stopped, the
// two that rejoined earlier elect a leader on their own (a gate that
// waited for the state machine to re-apply the registration would keep
// each waiting for the other's vote for ever).
func TestRejoinedNodesElectAfterRestart(t *testing.T) {
	c := startClusterWith(t, 3, true, slowTimers)
	c.set("a", "1")
	var joined []int
	for len(joined) < 2 {
		ld := c.leader()
		wi := -1
		for i, nd := range c.nodes {
			if nd != ld && !slices.Contains(joined, i) {
				wi = i
				break
			}
		}
		c.stop(wi)
		c.startJoining(wi)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, _, err := c.leader().JoinMember(ctx, fmt.Sprint("n", wi), c.addrs[wi], "", c.nodes[wi].Incarnation())
		cancel()
		if err != nil {
			t.Fatalf("join n%d: %v", wi, err)
		}
		waitFor(t, "the rejoined node to vote", c.nodes[wi].Voting)
		joined = append(joined, wi)
	}
	c.set("b", "2")
	for i := range c.nodes {
		c.stop(i)
	}
	for _, i := range joined {
		c.start(i, nil, true)
		if !c.nodes[i].Voting() {
			t.Fatalf("n%d does not vote after its restart", i)
		}
	}
	if got := c.doLeader("GET", "b"); got != "$1\r\n2\r\n" {
		t.Fatalf("GET b on the two rejoined nodes: %q", got)
	}
}

// cutAppends makes AppendEntries and InstallSnapshot to the node named
// victim fail, leaving votes through.
type cutAppends struct {
	*rejectedBy
}

func (c cutAppends) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if v, _ := c.victim.Load().(raft.ServerID); v == id {
		return errors.New("test: appends to this node are cut")
	}
	return c.rejectedBy.Transport.AppendEntries(id, target, args, resp)
}

func (c cutAppends) InstallSnapshot(id raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	if v, _ := c.victim.Load().(raft.ServerID); v == id {
		return errors.New("test: snapshots to this node are cut")
	}
	return c.rejectedBy.Transport.InstallSnapshot(id, target, args, resp, data)
}

// replication/sim seed 134: a single voter adds a joining node (raft
// commits that change with the old configuration's quorum, the leader
// alone), then loses the leadership before the node received anything.
// The leader needs the new node's vote, and the node has not seen its
// registration. Knowing where it was registered (the JOIN reply), it may
// vote for a candidate whose log reaches that entry; without that the
// cluster waited for ever.
func TestJoiningVoterVotesForRegisteredLog(t *testing.T) {
	victim := &atomic.Value{}
	victim.Store(raft.ServerID(""))
	c := startClusterWith(t, 1, true, func(cfg *Config) {
		slowTimers(cfg)
		cfg.Transport = cutAppends{&rejectedBy{Transport: cfg.Transport, victim: victim}}
	})
	c.set("a", "1")
	ld := c.nodes[0]
	tr, err := NewTCPTransport("127.0.0.1:0", 100*time.Millisecond, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.nodes, c.addrs, c.dirs = append(c.nodes, nil), append(c.addrs, string(tr.LocalAddr())), append(c.dirs, t.TempDir())
	tr.(raft.WithClose).Close()
	c.startJoining(1)
	j := c.nodes[1]
	victim.Store(raft.ServerID("n1"))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	idx, term, err := ld.JoinMember(ctx, "n1", c.addrs[1], "", j.Incarnation())
	if err != nil {
		t.Fatalf("join: %v", err)
	}
	// n0 cannot reach n1 with appends: it steps down and campaigns; n1
	// does not know its registration and refuses.
	waitFor(t, "the joining node to refuse votes", func() bool { return j.votesRefused.Load() >= 2 })
	if ld.IsLeader() {
		t.Fatal("n0 leads without n1's vote")
	}
	if err := j.SetRegistration(idx, term); err != nil {
		t.Fatal(err)
	}
	// Elected with n1's vote (appends are still cut, so n1 still has not
	// seen its registration, and n0 cannot commit in its term yet).
	waitFor(t, "n0 to be elected with n1's vote", func() bool { return ld.raft.State() == raft.Leader })
	if j.Voting() {
		t.Fatal("n1 saw its registration although appends to it were cut")
	}
	victim.Store(raft.ServerID(""))
	c.set("b", "2")
	waitFor(t, "n1 to apply b and vote on its own", func() bool {
		var got string
		j.fsm.Read(func(m *kv.Machine) { got = execOn(m, "GET", "b") })
		return got == "$1\r\n2\r\n" && j.Voting()
	})
}
