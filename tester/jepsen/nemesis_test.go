package jepsen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"redraft/tester/netsim"
)

// fakeCluster records what the nemesis asks for.
type fakeCluster struct {
	nodes []string

	mu      sync.Mutex
	calls   []string
	running map[string]bool
	grudge  map[string]map[string]bool
}

func newFake(n int) *fakeCluster {
	f := &fakeCluster{nodes: nodesN(n), running: map[string]bool{}}
	for _, id := range f.nodes {
		f.running[id] = true
	}
	return f
}

func (f *fakeCluster) log(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeCluster) SetClockOffset(id string, off time.Duration) error {
	f.log(fmt.Sprintf("clock %s %dms", id, off.Milliseconds()))
	return nil
}

func (f *fakeCluster) SetLoss(_ context.Context, id string, percent int) error {
	f.log(fmt.Sprintf("loss %s %d%%", id, percent))
	return nil
}

func (f *fakeCluster) Nodes() []string           { return slices.Clone(f.nodes) }
func (f *fakeCluster) RESPAddr(id string) string { return id + ":6379" }
func (f *fakeCluster) Start(id string) error {
	f.log("start " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running[id] {
		return fmt.Errorf("%s already running", id)
	}
	f.running[id] = true
	return nil
}
func (f *fakeCluster) Kill(id string) error {
	f.log("kill " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[id] = false
	return nil
}
func (f *fakeCluster) Pause(id string) error  { f.log("pause " + id); return nil }
func (f *fakeCluster) Resume(id string) error { f.log("resume " + id); return nil }
func (f *fakeCluster) Partition(_ context.Context, g map[string]map[string]bool) error {
	f.log("partition " + netsim.Grudge(g).String())
	f.grudge = g
	return nil
}
func (f *fakeCluster) Heal(context.Context) error { f.log("heal"); f.grudge = nil; return nil }
func (f *fakeCluster) Wipe(id string) error {
	f.log("wipe " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.running[id] {
		return fmt.Errorf("%s is running", id)
	}
	return nil
}
func (f *fakeCluster) Join(id, via string) error {
	f.log("join " + id + " via " + via)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[id] = true
	return nil
}

func TestNemesisAppliesAndRecords(t *testing.T) {
	f := newFake(3)
	var clock time.Duration
	n := newNemesis(f, func() time.Duration { clock += time.Millisecond; return clock })
	leader := "n2"
	var asked map[string]string
	n.findLeader = func(_ context.Context, addrs map[string]string) string { asked = addrs; return leader }
	ctx := context.Background()

	n.apply(ctx, Event{Fault: FaultPartition, Start: true, Kind: PartLeader, Nodes: []string{"n1"}, Grudge: Isolate("n1", f.nodes)})
	if g := netsim.Grudge(f.grudge); len(g["n2"]) != 2 {
		t.Fatalf("leader partition isolated the fallback, not the leader n2: %s", g)
	}
	n.apply(ctx, Event{Fault: FaultKill, Start: true, Kind: TargetLeader, Nodes: []string{"n3"}})
	leader = "n1"
	n.apply(ctx, Event{Fault: FaultPause, Start: true, Kind: TargetLeader, Nodes: []string{"n3"}})
	if _, ok := asked["n2"]; ok || len(asked) != 2 {
		t.Fatalf("leader asked of %v; the killed n2 must not be", asked)
	}
	n.apply(ctx, Event{Fault: FaultPause, Start: true, Kind: TargetAll, Nodes: []string{"n1", "n2", "n3"}})
	n.apply(ctx, Event{Fault: FaultPause, Start: false})
	n.apply(ctx, Event{Fault: FaultKill, Start: false})
	n.healAll(ctx)

	want := []string{
		`partition {"n1" #{"n2"}, "n2" #{"n1" "n3"}, "n3" #{"n2"}}`,
		"kill n2",
		"pause n1", "pause n3",
		"resume n1", "resume n3",
		"start n2",
		"heal",
	}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls\n%s\nwant\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	ops, windows := n.result()
	var fs []string
	for _, o := range ops {
		fs = append(fs, o.F)
	}
	if want := []string{"start-partition", "kill", "pause", "pause", "resume", "start", "stop-partition", "resume", "start", "join"}; !slices.Equal(fs, want) {
		t.Fatalf("ops %v, want %v", fs, want)
	}
	if r := ops[3].Result; !strings.Contains(r, `"n2" :dead`) || !strings.Contains(r, `"n1" :already-paused`) || !strings.Contains(r, `"n3" :paused`) {
		t.Fatalf("pausing all with n1 paused and n2 killed: %s", r)
	}
	// The second pause start replaces the first's window.
	var details []string
	for _, w := range windows {
		details = append(details, w.Fault+": "+w.Detail)
	}
	if want := []string{`partition: leader n2 {"n1" #{"n2"}, "n2" #{"n1" "n3"}, "n3" #{"n2"}}`, "kill: n2", "pause: n1", "pause: n1 n3"}; !slices.Equal(details, want) {
		t.Fatalf("windows %q, want %q", details, want)
	}
	for _, w := range windows {
		if w.End <= w.Start {
			t.Fatalf("window %+v never closed", w)
		}
	}
}

// TestNemesisFollowsTheSchedule runs a schedule against the fake cluster
// on a fake clock: every event is applied once, in order.
func TestNemesisFollowsTheSchedule(t *testing.T) {
	f := newFake(5)
	cfg := Config{Nemesis: []string{FaultPartition, FaultKill, FaultPause}, NemesisInterval: time.Second, TimeLimit: 20 * time.Second, Seed: 3}
	events := Schedule(cfg, f.nodes)
	var mu sync.Mutex
	var clock time.Duration
	n := newNemesis(f, func() time.Duration { mu.Lock(); defer mu.Unlock(); clock += time.Second; return clock })
	n.findLeader = func(context.Context, map[string]string) string { return "" }
	n.run(context.Background(), events)
	ops, _ := n.result()
	if len(ops) != len(events) {
		t.Fatalf("%d nemesis ops for %d events", len(ops), len(events))
	}
	for i, e := range events {
		prefix := map[bool]map[string]string{
			true:  {FaultPartition: "start-partition", FaultKill: "kill", FaultPause: "pause"},
			false: {FaultPartition: "stop-partition", FaultKill: "start", FaultPause: "resume"},
		}[e.Start][e.Fault]
		if ops[i].F != prefix {
			t.Fatalf("op %d is %s for event %v", i, ops[i].F, e)
		}
	}
}

// TestMemberNemesis: a node leaves (RAFT REMOVE through another live node,
// kill, wipe), kill and pause leave it alone, and it rejoins with --join
// through a live member; the final heal rejoins a node still removed.
func TestMemberNemesis(t *testing.T) {
	f := newFake(3)
	var clock time.Duration
	n := newNemesis(f, func() time.Duration { clock += time.Millisecond; return clock })
	n.findLeader = func(context.Context, map[string]string) string { return "n1" }
	var removedVia map[string]string
	n.removeNode = func(_ context.Context, addrs map[string]string, id string) (string, error) {
		removedVia = addrs
		return "n2", nil
	}
	ctx := context.Background()
	n.apply(ctx, Event{Fault: FaultMember, Start: true, Kind: TargetLeader, Nodes: []string{"n3"}})
	if _, ok := removedVia["n1"]; ok || len(removedVia) != 2 {
		t.Fatalf("RAFT REMOVE n1 offered to %v; want the two other nodes", removedVia)
	}
	n.apply(ctx, Event{Fault: FaultKill, Start: true, Kind: TargetAll, Nodes: []string{"n1", "n2", "n3"}})
	n.apply(ctx, Event{Fault: FaultKill, Start: false})
	n.apply(ctx, Event{Fault: FaultMember, Start: false})
	n.apply(ctx, Event{Fault: FaultMember, Start: true, Kind: TargetOne, Nodes: []string{"n3"}})
	n.healAll(ctx)
	want := []string{
		"kill n1", "wipe n1",
		"kill n2", "kill n3",
		"start n2", "start n3",
		"join n1 via n2:6379",
		"kill n3", "wipe n3",
		"heal",
		"join n3 via n1:6379",
	}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls\n%s\nwant\n%s", strings.Join(f.calls, "\n"), strings.Join(want, "\n"))
	}
	ops, _ := n.result()
	if r := ops[1].Result; !strings.Contains(r, `"n1" :removed`) {
		t.Fatalf("kill of a removed node: %s", r)
	}
}

func TestBound(t *testing.T) {
	f := newFake(5)
	n := newNemesis(f, func() time.Duration { return 0 })
	n.findLeader = func(context.Context, map[string]string) string { return "" }
	n.removeNode = func(context.Context, map[string]string, string) (string, error) { return "n2", nil }
	ctx := context.Background()
	bounds := func() string {
		var b strings.Builder
		for _, id := range f.nodes {
			if n.bound(id) {
				b.WriteString("1")
			} else {
				b.WriteString("0")
			}
		}
		return b.String()
	}
	for _, step := range []struct {
		e    Event
		want string
	}{
		{Event{}, "11111"},
		{Event{Fault: FaultPartition, Start: true, Kind: PartMajority, Grudge: Complete([][]string{{"n1", "n2"}, {"n3", "n4", "n5"}})}, "00111"},
		// n4 and n5 are 2 of 5.
		{Event{Fault: FaultPause, Start: true, Kind: TargetOne, Nodes: []string{"n3"}}, "00000"},
		{Event{Fault: FaultKill, Start: true, Kind: TargetOne, Nodes: []string{"n4"}}, "00000"},
		// Healed: n1 n2 n5 are up, 3 of 5.
		{Event{Fault: FaultPartition}, "11001"},
		// n1 leaves: of the members n2..n5 only n2 and n5 are up, 2 of 4.
		{Event{Fault: FaultMember, Start: true, Kind: TargetOne, Nodes: []string{"n1"}}, "00000"},
		// n3 resumed: n2 n3 n5, 3 of 4.
		{Event{Fault: FaultPause}, "01101"},
		// n2 n3 cut from n5: 2 of 4 on either side.
		{Event{Fault: FaultPartition, Start: true, Kind: PartBridge, Grudge: Complete([][]string{{"n2", "n3"}, {"n5"}})}, "00000"},
		// n4 restarted: n2 n3 n4 see each other, 3 of 4; n5 reaches n4, which has a majority.
		{Event{Fault: FaultKill}, "01111"},
	} {
		if step.e.Fault != "" {
			n.apply(ctx, step.e)
		}
		if got := bounds(); got != step.want {
			t.Fatalf("after %v: bound %s, want %s", step.e, got, step.want)
		}
	}
}

// TestUncertainRemovalIsSettled: a removal whose outcome is unknown leaves
// the node running; the next member event asks again and, once accepted,
// kills, wipes and rejoins it.
func TestUncertainRemovalIsSettled(t *testing.T) {
	f := newFake(3)
	n := newNemesis(f, func() time.Duration { return 0 })
	n.findLeader = func(_ context.Context, addrs map[string]string) string {
		if _, ok := addrs["n1"]; ok {
			return "n1"
		}
		return ""
	}
	calls := 0
	n.removeNode = func(context.Context, map[string]string, string) (string, error) {
		calls++
		if calls == 1 {
			return "", fmt.Errorf("%w: n1: ERR leadership lost while committing log", ErrRemoveUncertain)
		}
		return "n1", nil
	}
	ctx := context.Background()
	n.apply(ctx, Event{Fault: FaultMember, Start: true, Kind: TargetOne, Nodes: []string{"n2"}})
	if len(f.calls) != 0 {
		t.Fatalf("an uncertain removal touched the node: %v", f.calls)
	}
	if !n.uncertain["n2"] {
		t.Fatal("n2 not marked uncertain")
	}
	n.apply(ctx, Event{Fault: FaultMember})
	want := []string{"kill n2", "wipe n2", "join n2 via n1:6379"}
	if !slices.Equal(f.calls, want) {
		t.Fatalf("calls %v, want %v", f.calls, want)
	}
	ops, _ := n.result()
	if len(ops) != 3 || ops[1].F != "settle-leave" || !strings.Contains(ops[1].Result, ":removed-via-n1") {
		t.Fatalf("ops %+v", ops)
	}
}

// The clock nemesis: a bump sets the targets' offsets, a strobe flips them
// between 0 and the offset until its stop, and the stop (or the final
// heal) sets every moved clock back to 0.
func TestNemesisClock(t *testing.T) {
	f := newFake(3)
	n := newNemesis(f, func() time.Duration { return 0 })
	ctx := context.Background()
	n.apply(ctx, Event{Fault: FaultClock, Start: true, Kind: ClockBump, Nodes: []string{"n1", "n3"}, OffsetMs: -90000})
	n.apply(ctx, Event{Fault: FaultClock})
	n.apply(ctx, Event{Fault: FaultClock, Start: true, Kind: ClockStrobe, Nodes: []string{"n2"}, OffsetMs: 700, PeriodMs: 10})
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		flips := 0
		for _, c := range f.calls {
			if c == "clock n2 0ms" {
				flips++
			}
		}
		f.mu.Unlock()
		if flips >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the strobe did not flip n2's clock: %v", f.calls)
		}
		time.Sleep(5 * time.Millisecond)
	}
	n.healAll(ctx) // stops the strobe and resets n2
	f.mu.Lock()
	calls := slices.Clone(f.calls)
	f.mu.Unlock()
	if !slices.Equal(calls[:4], []string{"clock n1 -90000ms", "clock n3 -90000ms", "clock n1 0ms", "clock n3 0ms"}) {
		t.Fatalf("bump and reset: %v", calls)
	}
	if calls[4] != "clock n2 700ms" || calls[len(calls)-1] != "clock n2 0ms" {
		t.Fatalf("strobe: %v", calls)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.clocked) != 0 || n.strobeStop != nil {
		t.Fatalf("after the heal: clocked %v, strobe running %v", n.clocked, n.strobeStop != nil)
	}
}

func TestScheduleClock(t *testing.T) {
	cfg := Config{Nemesis: []string{FaultClock}, NemesisInterval: time.Second, TimeLimit: time.Minute, Seed: 7}
	evs := Schedule(cfg, nodesN(3))
	starts := 0
	for _, e := range evs {
		if e.Fault != FaultClock || !e.Start {
			continue
		}
		starts++
		if e.Kind != ClockBump && e.Kind != ClockStrobe || len(e.Nodes) == 0 || e.OffsetMs == 0 && e.Kind == ClockStrobe {
			t.Fatalf("bad clock event %+v", e)
		}
		if e.Kind == ClockStrobe && (e.PeriodMs < 10 || e.PeriodMs > 100 || e.OffsetMs > clockStrobeMax.Milliseconds() || -e.OffsetMs > clockStrobeMax.Milliseconds()) {
			t.Fatalf("bad strobe %+v", e)
		}
		if e.Kind == ClockBump && (e.OffsetMs > clockBumpMax.Milliseconds() || -e.OffsetMs > clockBumpMax.Milliseconds()) {
			t.Fatalf("bad bump %+v", e)
		}
	}
	if starts < 5 {
		t.Fatalf("%d clock starts in a minute at a 1 s interval", starts)
	}
}
