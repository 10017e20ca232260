package sim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// FaultKind names a fault of the schedule.
type FaultKind string

const (
	FaultPartition FaultKind = "partition" // cut links (Shape says which) for Dur
	FaultLoss      FaultKind = "loss"      // drop messages with probability P for Dur
	FaultSlow      FaultKind = "slow"      // latency in [LatMin, LatMax], maybe reordering, for Dur
	FaultCrash     FaultKind = "crash"     // cut a node's power, restart it after Dur
	FaultPower     FaultKind = "power"     // cut every node's power, restart them after Dur
	FaultTransfer  FaultKind = "transfer"  // leadership transfer
	FaultMember    FaultKind = "member"    // remove a follower, add it back blank after Dur
	FaultClock     FaultKind = "clock"     // move a node's clock by Delta for Dur
	FaultSnapshot  FaultKind = "snapshot"  // snapshot a node and compact its log
	// FaultReplyLoss drops responses to appends with probability P for Dur
	// (RestoreSchedule only).
	FaultReplyLoss FaultKind = "replyloss"
)

// Partition shapes.
const (
	ShapeIsolate   = "isolate"    // one node cut off both ways
	ShapeSplit     = "split"      // a minority and a majority
	ShapeOneWayIn  = "oneway-in"  // one node hears nobody, everyone hears it
	ShapeOneWayOut = "oneway-out" // one node hears everyone, nobody hears it
	ShapeBridge    = "bridge"     // two nodes cut apart, the rest see both
	ShapeRing      = "ring"       // every node sees a different majority
)

// Fault is one scheduled fault. Target is a node index, -1 for "the
// leader at that moment" (Alt when there is none) or -2 for "a follower at
// that moment" (Alt, or the next node if Alt leads): the schedule is fixed
// by the seed, what it hits depends on the run.
type Fault struct {
	At, Dur        time.Duration
	Kind           FaultKind
	Shape          string
	Target, Alt    int
	Perm           []int // node order for split, bridge and ring
	P              float64
	LatMin, LatMax time.Duration
	Reorder        bool
	Delta          time.Duration
}

func (f Fault) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%7.3fs %-9s", f.At.Seconds(), f.Kind)
	tgt := fmt.Sprintf("n%d", f.Target)
	switch f.Target {
	case -1:
		tgt = fmt.Sprintf("leader(else n%d)", f.Alt)
	case -2:
		tgt = fmt.Sprintf("follower(n%d or next)", f.Alt)
	}
	switch f.Kind {
	case FaultPartition:
		fmt.Fprintf(&b, " %s", f.Shape)
		if f.Shape == ShapeIsolate || f.Shape == ShapeOneWayIn || f.Shape == ShapeOneWayOut {
			fmt.Fprintf(&b, " %s", tgt)
		} else {
			fmt.Fprintf(&b, " order %v", f.Perm)
		}
	case FaultLoss, FaultReplyLoss:
		fmt.Fprintf(&b, " p=%.2f", f.P)
	case FaultSlow:
		fmt.Fprintf(&b, " [%s,%s] reorder=%v", f.LatMin, f.LatMax, f.Reorder)
	case FaultCrash, FaultTransfer, FaultMember, FaultSnapshot:
		fmt.Fprintf(&b, " %s", tgt)
	case FaultClock:
		fmt.Fprintf(&b, " %s by %s", tgt, f.Delta)
	}
	if f.Dur > 0 {
		fmt.Fprintf(&b, " for %s", f.Dur)
	}
	return b.String()
}

// Schedule draws the fault schedule of a run from its seed: faults start
// every 0.2-1.5 s until d and may overlap (a crash during a partition),
// except that loss, slowness and clock faults never overlap their own kind.
func Schedule(seed uint64, nodes int, d time.Duration) []Fault {
	rng := rand.New(rand.NewPCG(seed, 0xfa17))
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo))) }
	target := func(leaderPct int) (int, int) {
		alt := rng.IntN(nodes)
		if rng.IntN(100) < leaderPct {
			return -1, alt
		}
		return alt, alt
	}
	var out []Fault
	busyUntil := map[FaultKind]time.Duration{}
	for at := between(300*time.Millisecond, time.Second); at < d; at += between(200*time.Millisecond, 1500*time.Millisecond) {
		f := Fault{At: at}
		switch r := rng.IntN(100); {
		case r < 30:
			f.Kind = FaultPartition
			f.Dur = between(200*time.Millisecond, 4*time.Second)
			f.Shape = []string{ShapeIsolate, ShapeIsolate, ShapeSplit, ShapeOneWayIn, ShapeOneWayOut, ShapeBridge, ShapeRing}[rng.IntN(7)]
			f.Target, f.Alt = target(60)
			f.Perm = rng.Perm(nodes)
		case r < 38:
			f.Kind = FaultLoss
			f.Dur = between(500*time.Millisecond, 4*time.Second)
			f.P = 0.05 + 0.3*rng.Float64()
		case r < 46:
			f.Kind = FaultSlow
			f.Dur = between(500*time.Millisecond, 4*time.Second)
			f.LatMin = between(time.Millisecond, 10*time.Millisecond)
			f.LatMax = f.LatMin + between(time.Millisecond, 60*time.Millisecond)
			f.Reorder = rng.IntN(2) == 0
		case r < 62:
			f.Kind = FaultCrash
			f.Dur = between(50*time.Millisecond, 3*time.Second)
			f.Target, f.Alt = target(50)
		case r < 66:
			f.Kind = FaultPower
			f.Dur = between(50*time.Millisecond, 2*time.Second)
		case r < 74:
			f.Kind = FaultTransfer
			f.Target, f.Alt = -1, rng.IntN(nodes)
		case r < 80:
			// Never the leader itself: see executor.follower.
			f.Kind = FaultMember
			f.Dur = between(500*time.Millisecond, 5*time.Second)
			f.Target, f.Alt = -2, rng.IntN(nodes)
		case r < 88:
			f.Kind = FaultClock
			f.Dur = between(time.Second, 8*time.Second)
			f.Target, f.Alt = target(80)
			f.Delta = between(time.Second, 2*time.Hour)
			if rng.IntN(2) == 0 {
				f.Delta = -f.Delta
			}
		default:
			f.Kind = FaultSnapshot
			f.Target, f.Alt = target(50)
		}
		switch f.Kind {
		case FaultLoss, FaultSlow, FaultClock:
			if at < busyUntil[f.Kind] {
				continue
			}
			busyUntil[f.Kind] = at + f.Dur
		}
		out = append(out, f)
	}
	return out
}

// action is one step of the executed schedule.
type action struct {
	at   time.Duration
	name string
	do   func()
}

// executor applies a schedule to a cluster.
type executor struct {
	c     *Cluster
	start time.Time
	// admin runs the faults that call into a node and may block (removal,
	// re-adding, transfer, snapshot), so the schedule keeps its times.
	admin sync.WaitGroup
	mu    sync.Mutex
	acts  []action
}

// maxRemoved bounds nodes removed at once: the cluster keeps at least
// two voters.
func (c *Cluster) maxRemoved() int { return (len(c.nodes) - 1) / 2 }

// run executes faults until stop closes or the schedule ends.
func (x *executor) run(faults []Fault, stop <-chan struct{}) {
	for i, f := range faults {
		x.acts = append(x.acts, action{at: f.At, name: fmt.Sprintf("#%d %s", i, f), do: x.starter(i, f)})
	}
	for {
		x.mu.Lock()
		if len(x.acts) == 0 {
			x.mu.Unlock()
			break
		}
		sort.SliceStable(x.acts, func(i, j int) bool { return x.acts[i].at < x.acts[j].at })
		a := x.acts[0]
		x.acts = x.acts[1:]
		x.mu.Unlock()
		if wait := a.at - time.Since(x.start); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-stop:
				t.Stop()
				x.admin.Wait()
				return
			}
		}
		x.c.trace.Eventf("fault %s", a.name)
		a.do()
	}
	x.admin.Wait()
}

// later schedules the end of a fault.
func (x *executor) later(f Fault, name string, do func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.acts = append(x.acts, action{at: f.At + f.Dur, name: "end " + name, do: do})
}

// resolve returns the node a fault targets now.
func (x *executor) resolve(f Fault) int {
	switch {
	case f.Target >= 0:
		return f.Target
	case f.Target == -2:
		return x.follower(f.Alt)
	}
	if i, _, ok := x.c.leader(); ok {
		return i
	}
	return f.Alt
}

// follower returns alt, or the next node when alt is the leader.
//
// Membership faults never remove the leader itself: with hashicorp/raft
// v1.8.0 a leader that appends its own removal and loses leadership
// before the change commits keeps the newest log but, outside its latest
// configuration, never campaigns again, and the others cannot win
// without its vote: the cluster stays leaderless until an operator steps
// in (seed 621, before this rule). Node.RemoveMember still lets a leader
// remove itself (RAFT REMOVE); transferring leadership first avoids it.
func (x *executor) follower(alt int) int {
	if i, _, ok := x.c.leader(); ok && i == alt {
		return (alt + 1) % len(x.c.nodes)
	}
	return alt
}

func (x *executor) starter(idx int, f Fault) func() {
	c := x.c
	name := fmt.Sprintf("#%d %s", idx, f.Kind)
	return func() {
		switch f.Kind {
		case FaultPartition:
			all := c.addrs
			perm := make([]raft.ServerAddress, len(f.Perm))
			for i, p := range f.Perm {
				perm[i] = all[p]
			}
			var ls []link
			switch f.Shape {
			case ShapeIsolate:
				ls = isolate(all[x.resolve(f)], all)
			case ShapeOneWayIn:
				ls = oneWay(all[x.resolve(f)], all, false)
			case ShapeOneWayOut:
				ls = oneWay(all[x.resolve(f)], all, true)
			case ShapeSplit:
				side := map[raft.ServerAddress]bool{}
				for _, a := range perm[:len(perm)/2] {
					side[a] = true
				}
				ls = split(side, all)
			case ShapeBridge:
				ls = bridge(perm[0], perm[1])
			case ShapeRing:
				ls = ring(perm)
			}
			pname := fmt.Sprint("p", idx)
			c.net.Partition(pname, ls)
			c.trace.Eventf("network: %s", c.net.Describe())
			x.later(f, name, func() { c.net.Heal(pname) })
		case FaultLoss:
			c.net.SetLoss(f.P)
			x.later(f, name, func() { c.net.SetLoss(0) })
		case FaultReplyLoss:
			c.net.SetReplyLoss(f.P)
			x.later(f, name, func() { c.net.SetReplyLoss(0) })
		case FaultSlow:
			c.net.SetLatency(f.LatMin, f.LatMax, f.Reorder)
			x.later(f, name, func() { c.net.SetLatency(defaultLatMin, defaultLatMax, false) })
		case FaultCrash:
			i := x.resolve(f)
			if c.Crash(i) {
				x.later(f, name, func() { x.restart(i) })
			}
		case FaultPower:
			var crashed []int
			for i := range c.nodes {
				if c.Crash(i) {
					crashed = append(crashed, i)
				}
			}
			x.later(f, name, func() {
				for _, i := range crashed {
					x.restart(i)
				}
			})
		case FaultClock:
			i := x.resolve(f)
			sn := c.nodes[i]
			sn.clockMs.Store(f.Delta.Milliseconds())
			c.trace.Eventf("clock of %s moved by %s", sn.id, f.Delta)
			x.later(f, name, func() { sn.clockMs.Store(0) })
		case FaultTransfer:
			x.admin.Add(1)
			go func() {
				defer x.admin.Done()
				_, ld, ok := c.leader()
				if !ok {
					return
				}
				err := ld.node.TransferLeadership("")
				c.trace.Eventf("%s transfer from %s: %v", name, ld.sn.id, err)
			}()
		case FaultSnapshot:
			i := x.resolve(f)
			in, ok := c.nodes[i].current()
			if !ok {
				return
			}
			x.admin.Add(1)
			go func() {
				defer x.admin.Done()
				err := in.node.TakeSnapshot()
				c.trace.Eventf("%s on %s: %v", name, in.sn.id, err)
			}()
		case FaultMember:
			i := x.resolve(f)
			removed := 0
			for j := range c.nodes {
				if c.state(j) == stateRemoved {
					removed++
				}
			}
			if removed >= c.maxRemoved() || c.state(i) != stateUp {
				return
			}
			x.admin.Add(1)
			go func() {
				defer x.admin.Done()
				err := c.Remove(i)
				c.trace.Eventf("%s remove %s: %v", name, c.nodes[i].id, err)
				if err != nil {
					return
				}
				x.later(f, name, func() {
					x.admin.Add(1)
					go func() {
						defer x.admin.Done()
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						defer cancel()
						err := c.Readd(ctx, i)
						c.trace.Eventf("%s re-add %s: %v", name, c.nodes[i].id, err)
					}()
				})
			}()
		}
	}
}

func (x *executor) restart(i int) {
	if err := x.c.Restart(i); err != nil {
		x.c.mon.violation("restart of %s failed: %v", x.c.nodes[i].id, err)
	}
}
