package jepsen

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"redraft/tester/history"
	"redraft/tester/schedule"
	"redraft/tester/window"
)

// Cluster is what the nemesis and the clients need of a running cluster
// (tester/netns.Cluster is the real one).
type Cluster interface {
	Nodes() []string
	RESPAddr(id string) string
	Start(id string) error
	Kill(id string) error
	Pause(id string) error
	Resume(id string) error
	Partition(ctx context.Context, grudge map[string]map[string]bool) error
	Heal(ctx context.Context) error
	// Wipe deletes a stopped node's data; Join starts it with --join via a
	// member's RESP address (and restarts it that way afterwards).
	Wipe(id string) error
	Join(id, via string) error
	// SetClockOffset moves node id's clock (the node's test-only hook).
	SetClockOffset(id string, offset time.Duration) error
	// SetLoss makes node id drop percent of its packets to and from the
	// other nodes (0: none).
	SetLoss(ctx context.Context, id string, percent int) error
}

// nemesis applies events to a cluster and records what it did.
type nemesis struct {
	c          Cluster
	since      func() time.Duration
	findLeader func(ctx context.Context, addrs map[string]string) string
	removeNode func(ctx context.Context, addrs map[string]string, id string) (string, error)
	progress   func(string)

	mu      sync.Mutex // guards the fields below
	killed  map[string]bool
	paused  map[string]bool
	removed map[string]bool            // left the configuration, data wiped
	grudge  map[string]map[string]bool // the partition in force
	// uncertain: a removal failed with an unknown outcome; the node still
	// runs and may or may not be a member. Each member event asks again
	// (removal is idempotent) until it is settled.
	uncertain map[string]bool
	windows   window.Tracker // has its own lock; a restart of a fault in force closes its window first
	ops       []history.NemesisOp
	// clocked: nodes whose clock offset is not 0; strobeStop ends the
	// strobe in progress (clock.go).
	clocked    map[string]bool
	lossy      map[string]bool // nodes with packet loss (loss.go)
	strobeStop chan struct{}
	strobeDone chan struct{}
}

func newNemesis(c Cluster, since func() time.Duration) *nemesis {
	return &nemesis{c: c, since: since, findLeader: FindLeader, removeNode: RemoveNode,
		killed: map[string]bool{}, paused: map[string]bool{}, removed: map[string]bool{}, uncertain: map[string]bool{},
		clocked: map[string]bool{}, lossy: map[string]bool{}}
}

// run applies the events at their times until ctx ends.
func (n *nemesis) run(ctx context.Context, events []Event) {
	schedule.Play(ctx, events, func(e Event) time.Duration { return e.At }, n.since, n.apply)
}

// liveAddrs are the RESP addresses of nodes neither killed, paused nor
// removed.
func (n *nemesis) liveAddrs() map[string]string {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := map[string]string{}
	for _, id := range n.c.Nodes() {
		if !n.killed[id] && !n.paused[id] && !n.removed[id] {
			m[id] = n.c.RESPAddr(id)
		}
	}
	return m
}

// leader resolves a "leader" target: the node the cluster names, or the
// drawn fallback.
func (n *nemesis) leader(ctx context.Context, fallback string) (string, string) {
	if l := n.findLeader(ctx, n.liveAddrs()); l != "" {
		return l, l
	}
	return fallback, fallback + " (no leader found: the drawn fallback)"
}

// apply performs one event. Once begun, an action runs to its end even if
// ctx ends meanwhile (the time limit): a partition half installed would
// leave the history's nemesis lines wrong.
func (n *nemesis) apply(ctx context.Context, e Event) {
	ctx = context.WithoutCancel(ctx)
	op := history.NemesisOp{Invoke: n.since()}
	switch {
	case e.Fault == FaultPartition && e.Start:
		g := e.Grudge
		op.F, op.Value = "start-partition", ":"+e.Kind
		kind := e.Kind
		if e.Kind == PartLeader && len(e.Nodes) > 0 {
			l, desc := n.leader(ctx, e.Nodes[0])
			g = Isolate(l, n.c.Nodes())
			kind = "leader " + desc
		}
		if err := n.c.Partition(ctx, g); err != nil {
			op.Result = fmt.Sprintf("%q", err.Error())
		} else {
			op.Result = "[:isolated " + g.String() + "]"
			n.mu.Lock()
			n.grudge = g
			n.mu.Unlock()
		}
		n.windows.Open(e.Fault, kind+" "+g.String(), op.Invoke)
	case e.Fault == FaultPartition:
		op.F, op.Value = "stop-partition", "nil"
		op.Result = ":network-healed"
		if err := n.c.Heal(ctx); err != nil {
			op.Result = fmt.Sprintf("%q", err.Error())
		} else {
			n.mu.Lock()
			n.grudge = nil
			n.mu.Unlock()
		}
		n.windows.Close(e.Fault, n.since())
	case e.Start && (e.Fault == FaultKill || e.Fault == FaultPause):
		targets := e.Nodes
		op.Value = ":" + e.Kind
		if e.Kind == TargetLeader && len(e.Nodes) > 0 {
			l, _ := n.leader(ctx, e.Nodes[0])
			targets = []string{l}
		}
		affected := n.killed
		if e.Fault == FaultKill {
			op.F = "kill"
			op.Result = n.each(targets, n.kill)
		} else {
			op.F = "pause"
			op.Result = n.each(targets, n.pause)
			affected = n.paused
		}
		n.windows.Open(e.Fault, strings.Join(n.set(affected), " "), op.Invoke)
	case e.Fault == FaultKill:
		op.F, op.Value = "start", ":all"
		op.Result = n.each(n.set(n.killed), n.start)
		n.windows.Close(e.Fault, n.since())
	case e.Fault == FaultPause:
		op.F, op.Value = "resume", ":all"
		op.Result = n.each(n.set(n.paused), n.resume)
		n.windows.Close(e.Fault, n.since())
	case e.Fault == FaultMember && e.Start:
		n.settle(ctx)
		op.F, op.Value = "leave", ":"+e.Kind
		target := ""
		if len(e.Nodes) > 0 {
			target = e.Nodes[0]
		}
		if e.Kind == TargetLeader && target != "" {
			target, _ = n.leader(ctx, target)
		}
		op.Result = n.each([]string{target}, func(id string) string { return n.leave(ctx, id) })
		if gone := n.set(n.removed); len(gone) > 0 {
			n.windows.Open(e.Fault, strings.Join(gone, " "), op.Invoke)
		}
	case e.Fault == FaultMember:
		n.settle(ctx)
		op.F, op.Value = "join", ":all"
		op.Result = n.each(n.set(n.removed), n.join)
		n.windows.Close(e.Fault, n.since())
	case e.Fault == FaultClock && e.Start:
		op.F, op.Value = e.Kind, fmt.Sprintf("{:nodes %v :offset-ms %d}", e.Nodes, e.OffsetMs)
		op.Result = n.startClock(e)
		n.windows.Open(e.Fault, fmt.Sprintf("%s %s %dms", e.Kind, strings.Join(e.Nodes, " "), e.OffsetMs), op.Invoke)
	case e.Fault == FaultClock:
		op.F, op.Value = "reset-clocks", ":all"
		op.Result = n.resetClocks()
		n.windows.Close(e.Fault, n.since())
	case e.Fault == FaultLoss && e.Start:
		op.F, op.Value = "start-loss", fmt.Sprintf("{:nodes %v :percent %d}", e.Nodes, e.Percent)
		op.Result = n.startLoss(ctx, e)
		n.windows.Open(e.Fault, fmt.Sprintf("%s %d%%", strings.Join(e.Nodes, " "), e.Percent), op.Invoke)
	case e.Fault == FaultLoss:
		op.F, op.Value = "stop-loss", ":all"
		op.Result = n.stopLoss(ctx)
		n.windows.Close(e.Fault, n.since())
	}
	n.record(op)
}

func (n *nemesis) record(op history.NemesisOp) {
	op.End = n.since()
	n.mu.Lock()
	n.ops = append(n.ops, op)
	n.mu.Unlock()
	if n.progress != nil {
		n.progress(fmt.Sprintf("[%6.1f s] nemesis %s %s -> %s", op.Invoke.Seconds(), op.F, op.Value, op.Result))
	}
}

// set lists a set's members, sorted.
func (n *nemesis) set(m map[string]bool) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// each applies f to every node and renders the results as Jepsen prints
// nemesis results: {"n1" :killed, ...}.
func (n *nemesis) each(ids []string, f func(string) string) string {
	res := map[string]string{}
	for _, id := range ids {
		res[id] = f(id)
	}
	return history.ResultMap(res)
}

func errResult(err error) string { return fmt.Sprintf("%q", err.Error()) }

func (n *nemesis) kill(id string) string {
	n.mu.Lock()
	already, removed := n.killed[id], n.removed[id]
	n.mu.Unlock()
	switch {
	case removed:
		return ":removed"
	case already:
		return ":already-dead"
	}
	if err := n.c.Kill(id); err != nil {
		return errResult(err)
	}
	n.mu.Lock()
	n.killed[id] = true
	delete(n.paused, id) // a killed paused node is not paused any more
	n.mu.Unlock()
	return ":killed"
}

func (n *nemesis) start(id string) string {
	if err := n.c.Start(id); err != nil {
		return errResult(err)
	}
	n.mu.Lock()
	delete(n.killed, id)
	n.mu.Unlock()
	return ":started"
}

func (n *nemesis) pause(id string) string {
	n.mu.Lock()
	dead, already := n.killed[id] || n.removed[id], n.paused[id]
	n.mu.Unlock()
	switch {
	case dead:
		return ":dead"
	case already:
		return ":already-paused"
	}
	if err := n.c.Pause(id); err != nil {
		return errResult(err)
	}
	n.mu.Lock()
	n.paused[id] = true
	n.mu.Unlock()
	return ":paused"
}

func (n *nemesis) resume(id string) string {
	if err := n.c.Resume(id); err != nil {
		return errResult(err)
	}
	n.mu.Lock()
	delete(n.paused, id)
	n.mu.Unlock()
	return ":resumed"
}

// leave removes id from the Raft configuration through another live node
// (RAFT REMOVE), kills it and wipes its data. When no node accepts the
// removal, the node is left as it was.
func (n *nemesis) leave(ctx context.Context, id string) string {
	n.mu.Lock()
	removed := n.removed[id]
	n.mu.Unlock()
	if removed {
		return ":already-removed"
	}
	addrs := n.liveAddrs()
	delete(addrs, id)
	via, err := n.removeNode(ctx, addrs, id)
	if err != nil {
		if errors.Is(err, ErrRemoveUncertain) {
			n.mu.Lock()
			n.uncertain[id] = true
			n.mu.Unlock()
		}
		return errResult(err)
	}
	return n.finishRemoval(id, via)
}

// removed_ finishes a removal that took effect: kill, wipe, record.
func (n *nemesis) finishRemoval(id, via string) string {
	if err := n.c.Kill(id); err != nil && !strings.Contains(err.Error(), "not running") {
		return errResult(err)
	}
	n.mu.Lock()
	delete(n.killed, id)
	delete(n.paused, id)
	delete(n.uncertain, id)
	n.removed[id] = true
	n.mu.Unlock()
	if err := n.c.Wipe(id); err != nil {
		return errResult(err)
	}
	return ":removed-via-" + via
}

// settle asks again to remove every node whose removal had an unknown
// outcome; once one is accepted, the node is killed and wiped like any
// removed node (and the next join brings it back). A progress line and
// the op's result of the member event show it.
func (n *nemesis) settle(ctx context.Context) {
	for _, id := range n.set(n.uncertain) {
		addrs := n.liveAddrs()
		delete(addrs, id)
		via, err := n.removeNode(ctx, addrs, id)
		res := ""
		if err != nil {
			res = errResult(err)
		} else {
			res = n.finishRemoval(id, via)
		}
		n.record(history.NemesisOp{F: "settle-leave", Value: ":" + id, Result: "{" + fmt.Sprintf("%q", id) + " " + res + "}", Invoke: n.since()})
	}
}

// join starts a removed node with --join through the leader (asked of the
// live nodes), else through the first live node that is neither removed
// nor of uncertain membership, else the first node not removed.
func (n *nemesis) join(id string) string {
	addrs := n.liveAddrs()
	n.mu.Lock()
	for u := range n.uncertain {
		delete(addrs, u)
	}
	n.mu.Unlock()
	delete(addrs, id)
	via := n.findLeader(context.Background(), addrs)
	if _, ok := addrs[via]; !ok {
		via = ""
	}
	if via == "" {
		for _, other := range n.c.Nodes() {
			if _, ok := addrs[other]; ok && other != id {
				via = other
				break
			}
		}
	}
	if via == "" {
		n.mu.Lock()
		for _, other := range n.c.Nodes() {
			if other != id && !n.removed[other] {
				via = other
				break
			}
		}
		n.mu.Unlock()
	}
	if err := n.c.Join(id, n.c.RESPAddr(via)); err != nil {
		return errResult(err)
	}
	n.mu.Lock()
	delete(n.removed, id)
	n.mu.Unlock()
	return ":joined-via-" + via
}

// bound reports whether node id could be served at all right now: it is
// up (not killed, paused or removed) and has two-way links to a majority of
// the members (itself included), or a two-way link to such a node.
func (n *nemesis) bound(id string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	nodes := n.c.Nodes()
	members := 0
	for _, x := range nodes {
		if !n.removed[x] {
			members++
		}
	}
	up := func(x string) bool { return !n.killed[x] && !n.paused[x] && !n.removed[x] }
	two := func(a, b string) bool { return up(a) && up(b) && !n.grudge[a][b] && !n.grudge[b][a] }
	hasMajority := func(x string) bool {
		if !up(x) {
			return false
		}
		c := 1
		for _, y := range nodes {
			if y != x && two(x, y) {
				c++
			}
		}
		return c >= members/2+1
	}
	if hasMajority(id) {
		return true
	}
	for _, y := range nodes {
		if y != id && two(id, y) && hasMajority(y) {
			return true
		}
	}
	return false
}

// healAll is the final phase's heal: the network, paused and killed nodes,
// removed nodes rejoined. Windows still open end now.
func (n *nemesis) healAll(ctx context.Context) {
	n.apply(ctx, Event{Fault: FaultPartition})
	n.apply(ctx, Event{Fault: FaultPause})
	n.apply(ctx, Event{Fault: FaultKill})
	n.apply(ctx, Event{Fault: FaultMember}) // settles uncertain removals, then rejoins
	n.mu.Lock()
	clocked := len(n.clocked) > 0 || n.strobeStop != nil
	n.mu.Unlock()
	if clocked {
		n.apply(ctx, Event{Fault: FaultClock})
	}
	if len(n.set(n.lossy)) > 0 {
		n.apply(ctx, Event{Fault: FaultLoss})
	}
	n.windows.Freeze() // a window still open (a fault whose stop did nothing) stays out
}

// result returns the recorded ops and windows.
func (n *nemesis) result() ([]history.NemesisOp, []window.Window) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ops), n.windows.Windows()
}
