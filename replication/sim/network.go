package sim

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Network connects the simulated nodes: every message (a Raft RPC, its
// response, a forwarded batch, its reply) crosses one directed link and is
// subject to the faults active when it is sent and when it arrives:
//
//   - a cut link (partitions: any set of directed links, so symmetric,
//     asymmetric and ring partitions are all sets of cuts) drops messages
//     that arrive while it is cut, including ones in flight when it was cut;
//   - loss drops each message with a probability; reply loss drops only
//     responses to AppendEntries that carry entries, once the follower
//     handled them (a reply that timed out on a loaded machine);
//   - latency delays each message by a draw from [latMin, latMax]; with
//     reordering on, pipelined AppendEntries overtake each other, otherwise
//     a pipeline delivers in order (TCP);
//   - a crashed endpoint neither sends nor receives: its transport is closed
//     at the crash instant, before its node is shut down.
//
// A dropped request or response is never reported to the sender: it waits
// for its RPC timeout, as over TCP with packets silently dropped.
type Network struct {
	mu  sync.Mutex
	rng *rand.Rand // per-message draws; their order follows goroutine scheduling

	eps  map[raft.ServerAddress]*Transport // current incarnation per address
	cuts map[string]map[link]bool          // active partitions by name
	loss float64                           // drop probability per message
	// replyLoss drops the response to an AppendEntries carrying entries
	// (after the follower stored them) with this probability.
	replyLoss float64
	// latMin and latMax bound one message's latency.
	latMin, latMax time.Duration
	reorder        bool

	rpcTimeout time.Duration
	// onAppend observes every AppendEntries sent (leader-per-term check).
	onAppend func(term uint64, leader string)
	// onSnapshot, when set, observes every InstallSnapshot sent.
	onSnapshot func(from, to string, index uint64)
	stats      NetStats
}

// NetStats counts messages (for reports and to tune the fault mix).
type NetStats struct {
	Sent, Dropped, Cut int64
	// RepliesLost counts responses to appends dropped by reply loss.
	RepliesLost int64
	// Calls by kind: what the run exercised.
	AppendEntries, Votes, PreVotes, InstallSnapshots, TimeoutNows, Forwards int64
	// VouchedForwards carried the follower's term (HandleForwardVouched).
	VouchedForwards int64
}

// Add adds o's counts to s.
func (s *NetStats) Add(o NetStats) {
	s.Sent += o.Sent
	s.Dropped += o.Dropped
	s.Cut += o.Cut
	s.RepliesLost += o.RepliesLost
	s.AppendEntries += o.AppendEntries
	s.Votes += o.Votes
	s.PreVotes += o.PreVotes
	s.InstallSnapshots += o.InstallSnapshots
	s.TimeoutNows += o.TimeoutNows
	s.Forwards += o.Forwards
	s.VouchedForwards += o.VouchedForwards
}

// count counts one call of a kind.
func (n *Network) count(field *int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	*field++
}

type link struct{ from, to raft.ServerAddress }

// Default network parameters: a LAN.
const (
	defaultLatMin = 100 * time.Microsecond
	defaultLatMax = 2 * time.Millisecond
)

// NewNetwork returns a healthy network. rpcTimeout bounds every Raft RPC
// (docs/hashicorp-raft.md: below the heartbeat timeout); InstallSnapshot gets ten times it.
func NewNetwork(seed uint64, rpcTimeout time.Duration) *Network {
	return &Network{
		rng:        rand.New(rand.NewPCG(seed, 0x5eed)),
		eps:        map[raft.ServerAddress]*Transport{},
		cuts:       map[string]map[link]bool{},
		latMin:     defaultLatMin,
		latMax:     defaultLatMax,
		rpcTimeout: rpcTimeout,
	}
}

// plan draws one message's latency and whether loss drops it.
func (n *Network) plan() (time.Duration, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.stats.Sent++
	d := n.latMin
	if n.latMax > n.latMin {
		d += time.Duration(n.rng.Int64N(int64(n.latMax - n.latMin)))
	}
	drop := n.loss > 0 && n.rng.Float64() < n.loss
	if drop {
		n.stats.Dropped++
	}
	return d, drop
}

// planReply draws a response's latency and whether it is lost; appended
// says the request was an AppendEntries carrying entries.
func (n *Network) planReply(appended bool) (time.Duration, bool) {
	d, drop := n.plan()
	if drop || !appended {
		return d, drop
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.replyLoss > 0 && n.rng.Float64() < n.replyLoss {
		n.stats.Dropped++
		n.stats.RepliesLost++
		return d, true
	}
	return d, false
}

// arrive returns the endpoint that receives a message from src to dst now,
// or nil when it is lost: either endpoint closed (crashed) or replaced, or
// the link cut.
func (n *Network) arrive(src *Transport, dst raft.ServerAddress) *Transport {
	n.mu.Lock()
	defer n.mu.Unlock()
	ep := n.eps[dst]
	if ep == nil || ep.isClosed() || src.isClosed() || n.eps[src.addr] != src {
		return nil
	}
	if n.cutLocked(src.addr, dst) {
		n.stats.Cut++
		return nil
	}
	return ep
}

// back reports whether a response from ep to src arrives now.
func (n *Network) back(ep, src *Transport) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ep.isClosed() || src.isClosed() || n.eps[ep.addr] != ep || n.eps[src.addr] != src {
		return false
	}
	if n.cutLocked(ep.addr, src.addr) {
		n.stats.Cut++
		return false
	}
	return true
}

func (n *Network) cutLocked(from, to raft.ServerAddress) bool {
	for _, c := range n.cuts {
		if c[link{from, to}] {
			return true
		}
	}
	return false
}

// reachable reports whether src could open a connection to dst now (a
// forwarder's connect: refused or unroutable means "not sent").
func (n *Network) reachable(src *Transport, dst raft.ServerAddress) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	ep := n.eps[dst]
	return ep != nil && !ep.isClosed() && !src.isClosed() &&
		!n.cutLocked(src.addr, dst) && !n.cutLocked(dst, src.addr)
}

// attach makes t the endpoint of its address (a node's new incarnation).
func (n *Network) attach(t *Transport) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old := n.eps[t.addr]; old != nil {
		old.Close()
	}
	n.eps[t.addr] = t
}

// Partition cuts the directed links of one named partition.
func (n *Network) Partition(name string, links []link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := map[link]bool{}
	for _, l := range links {
		m[l] = true
	}
	n.cuts[name] = m
}

// Heal removes one named partition.
func (n *Network) Heal(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.cuts, name)
}

// SetLoss sets the drop probability of every message.
func (n *Network) SetLoss(p float64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.loss = p
}

// SetReplyLoss sets the drop probability of responses to AppendEntries
// that carry entries.
func (n *Network) SetReplyLoss(p float64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.replyLoss = p
}

// SetLatency sets the latency range and whether pipelines may reorder.
func (n *Network) SetLatency(min, max time.Duration, reorder bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.latMin, n.latMax, n.reorder = min, max, reorder
}

// HealAll removes every partition, loss and extra latency.
func (n *Network) HealAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.cuts = map[string]map[link]bool{}
	n.loss, n.replyLoss = 0, 0
	n.latMin, n.latMax, n.reorder = defaultLatMin, defaultLatMax, false
}

func (n *Network) reordering() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.reorder
}

// Stats returns the message counters.
func (n *Network) Stats() NetStats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Describe renders the active cuts, for the trace.
func (n *Network) Describe() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var parts []string
	for name, c := range n.cuts {
		var ls []string
		for l := range c {
			ls = append(ls, fmt.Sprintf("%s->%s", l.from, l.to))
		}
		sort.Strings(ls)
		parts = append(parts, name+"{"+strings.Join(ls, " ")+"}")
	}
	sort.Strings(parts)
	return fmt.Sprintf("cuts=%v loss=%.2f reply-loss=%.2f lat=[%s,%s] reorder=%v", parts, n.loss, n.replyLoss, n.latMin, n.latMax, n.reorder)
}

// Partition shapes over a list of addresses. Each returns directed links to cut.

// isolate cuts a off from everyone, both ways.
func isolate(a raft.ServerAddress, all []raft.ServerAddress) []link {
	var ls []link
	for _, b := range all {
		if b != a {
			ls = append(ls, link{a, b}, link{b, a})
		}
	}
	return ls
}

// split cuts every link between side and the rest, both ways.
func split(side map[raft.ServerAddress]bool, all []raft.ServerAddress) []link {
	var ls []link
	for _, a := range all {
		for _, b := range all {
			if side[a] && !side[b] {
				ls = append(ls, link{a, b}, link{b, a})
			}
		}
	}
	return ls
}

// oneWay cuts the links into a (it sends but hears nothing) or, with out,
// the links out of a (it hears everyone, nobody hears it).
func oneWay(a raft.ServerAddress, all []raft.ServerAddress, out bool) []link {
	var ls []link
	for _, b := range all {
		if b == a {
			continue
		}
		if out {
			ls = append(ls, link{a, b})
		} else {
			ls = append(ls, link{b, a})
		}
	}
	return ls
}

// bridge cuts a and b apart, both ways, leaving every other link: the
// nodes between them see both sides.
func bridge(a, b raft.ServerAddress) []link { return []link{{a, b}, {b, a}} }

// ring gives every node a different majority (Jepsen's majorities-ring).
// With 3 nodes it is directed: node i hears only from node i-1 (and itself).
// With 5 or more, node i and j stay connected only when neighbours on the
// ring (in the given order).
func ring(all []raft.ServerAddress) []link {
	var ls []link
	k := len(all)
	if k == 3 {
		for i := range all {
			ls = append(ls, link{all[(i+1)%k], all[i]})
		}
		return ls
	}
	for i := range all {
		for j := range all {
			if i == j {
				continue
			}
			d := (i - j + k) % k
			if d != 1 && d != k-1 {
				ls = append(ls, link{all[i], all[j]})
			}
		}
	}
	return ls
}
