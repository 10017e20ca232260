package maelstrom

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// heartbeatCall sends one heartbeat from p.a to b and returns how long the
// call took.
func heartbeatCall(t *testing.T, p *transportPair) time.Duration {
	t.Helper()
	start := time.Now()
	var resp raft.AppendEntriesResponse
	req := &raft.AppendEntriesRequest{RPCHeader: raft.RPCHeader{ProtocolVersion: 3, ID: []byte("a"), Addr: []byte("a")}, Term: 1}
	if !isHeartbeat(req) {
		t.Fatal("the request is not heartbeat-shaped")
	}
	if err := p.a.AppendEntries("b", "b", req, &resp); err != nil || !resp.Success {
		t.Fatalf("heartbeat: %v, %+v", err, resp)
	}
	return time.Since(start)
}

// TestHeartbeatHold: a heartbeat to a follower that just answered an
// AppendEntries waits until the follower has been quiet for HeartbeatRide
// or for HeartbeatHold at most; it goes at once when the follower was quiet
// already, when a read runs, and as soon as one starts.
func TestHeartbeatHold(t *testing.T) {
	const hold = 300 * time.Millisecond
	p := newTransportPair(t, Timing{HeartbeatRide: time.Hour, HeartbeatHold: hold})
	p.a.reads = newReadGate()
	serve(t, p.b, func(raft.RPC) (any, error) { return &raft.AppendEntriesResponse{Term: 1, Success: true}, nil })

	// Quiet follower: no hold (the bound is generous for a loaded machine).
	if d := heartbeatCall(t, p); d >= hold {
		t.Errorf("heartbeat to a quiet follower took %v, want < %v", d, hold)
	}
	if got := p.a.peers.out.counts.get("append.heartbeat.held"); got != 0 {
		t.Errorf("held %d heartbeats to a quiet follower, want 0", got)
	}

	// The follower just answered: held for the whole HeartbeatHold.
	p.a.appendReplied("b")
	if d := heartbeatCall(t, p); d < hold {
		t.Errorf("heartbeat after a reply took %v, want >= %v (held)", d, hold)
	}
	if got := p.a.peers.out.counts.get("append.heartbeat.held"); got != 1 {
		t.Errorf("held %d heartbeats, want 1", got)
	}

	// A read runs: no hold.
	p.a.appendReplied("b")
	p.a.reads.enter()
	if d := heartbeatCall(t, p); d >= hold {
		t.Errorf("heartbeat while a read runs took %v, want < %v", d, hold)
	}
	p.a.reads.leave()

	// A read starts during the hold: the heartbeat goes then.
	p.a.heartbeatHoldMax = time.Hour
	p.a.appendReplied("b")
	done := make(chan time.Duration, 1)
	go func() { done <- heartbeatCall(t, p) }()
	time.Sleep(50 * time.Millisecond)
	p.a.reads.enter()
	defer p.a.reads.leave()
	select {
	case d := <-done:
		if d < 50*time.Millisecond {
			t.Errorf("heartbeat took %v, want it held until the read started (50ms)", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a held heartbeat did not go when a read started")
	}
}

// TestHeartbeatHoldOff: without a read gate (HeartbeatHold < 0) nothing is held.
func TestHeartbeatHoldOff(t *testing.T) {
	p := newTransportPair(t, Timing{HeartbeatRide: time.Hour, HeartbeatHold: time.Hour})
	serve(t, p.b, func(raft.RPC) (any, error) { return &raft.AppendEntriesResponse{Term: 1, Success: true}, nil })
	p.a.appendReplied("b")
	if d := heartbeatCall(t, p); d >= time.Minute {
		t.Errorf("heartbeat took %v without a gate", d)
	}
	if got := p.a.peers.out.counts.get("append.heartbeat.held"); got != 0 {
		t.Errorf("held %d heartbeats without a gate, want 0", got)
	}
}

func TestTimingDefaults(t *testing.T) {
	ms := time.Millisecond
	for _, tc := range []struct {
		name     string
		in, want Timing
	}{
		{"zero", Timing{}, func() Timing {
			d := DefaultTiming
			d.HeartbeatRide, d.HeartbeatHold = d.Heartbeat/5, d.Heartbeat/2
			return d
		}()},
		{"heartbeat set", Timing{Heartbeat: 300 * ms}, Timing{Heartbeat: 300 * ms, Election: 300 * ms, LeaderLease: 300 * ms,
			Commit: DefaultTiming.Commit, Apply: DefaultTiming.Apply, LeaderWait: DefaultTiming.LeaderWait, Op: DefaultTiming.Op,
			RPC: 150 * ms, Snapshot: DefaultTiming.Snapshot, AppendRetry: DefaultTiming.AppendRetry, HeartbeatRide: 60 * ms, HeartbeatHold: 150 * ms}},
		{"explicit kept, hold off", Timing{Heartbeat: 100 * ms, Election: 400 * ms, LeaderLease: 50 * ms, RPC: 30 * ms, HeartbeatHold: -1},
			Timing{Heartbeat: 100 * ms, Election: 400 * ms, LeaderLease: 50 * ms,
				Commit: DefaultTiming.Commit, Apply: DefaultTiming.Apply, LeaderWait: DefaultTiming.LeaderWait, Op: DefaultTiming.Op,
				RPC: 30 * ms, Snapshot: DefaultTiming.Snapshot, AppendRetry: DefaultTiming.AppendRetry, HeartbeatRide: 20 * ms, HeartbeatHold: -1}},
	} {
		if got := tc.in.withDefaults(); got != tc.want {
			t.Errorf("%s:\ngot  %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestMsgCountsLine(t *testing.T) {
	c := newMsgCounts()
	c.line(marshalLine("n0", "n1", peerBody{Type: typeAppend, MsgID: 1}))
	c.line(marshalLine("n0", "n1", peerBody{Type: typeAppend, MsgID: 2}))
	c.line(marshalLine("n0", "c4", okBody{Type: "write_ok", InReplyTo: 3}))
	c.line([]byte("garbage"))
	for kind, want := range map[string]uint64{typeAppend: 2, "client:write_ok": 1, "write_ok": 0, "?": 1} {
		if got := c.get(kind); got != want {
			t.Errorf("%s: got %d, want %d", kind, got, want)
		}
	}
}

// TestForwardedReadsTakeNoRound: in a 3-node cluster a read through a
// follower costs its fwd and fwd_ok, no VerifyLeader round (the fwd
// carries the follower's term: replication/vouch.go); a read on the leader
// takes the round: a term probe (a fwd from the leader, replication/
// termprobe.go), or a heartbeat when the probe fails. Raft's timer
// heartbeats (every 100-200 ms here) still go.
func TestForwardedReadsTakeNoRound(t *testing.T) {
	s := newSimnet(t, 3, 1, func(string) Options {
		return Options{DataDir: MemoryDataDir, Timing: Timing{Heartbeat: time.Second, HeartbeatHold: -1}}
	})
	s.startAll()
	l := s.leader(10 * time.Second)
	follower := s.ids[0]
	if follower == l {
		follower = s.ids[1]
	}
	c := s.client("c9")
	c.mustWrite(t, l, "k", 1)
	const reads = 30
	// measure returns the AppendEntries sent while reads went through
	// node, the fwd messages beyond one per read, and what raft's timer
	// alone would send meanwhile.
	measure := func(node string) (appends, extraFwds int64, timer int64) {
		before, fwds, start := s.typeCount(typeAppend), s.typeCount(typeForward), time.Now()
		for i := 0; i < reads; i++ {
			if got := c.mustRead(t, node, "k"); got != "1" {
				t.Fatalf("read via %s: got %s, want 1", node, got)
			}
		}
		extraFwds = s.typeCount(typeForward) - fwds
		if node != l {
			extraFwds -= reads // the reads' own forwards
		}
		return s.typeCount(typeAppend) - before, extraFwds, 2 * (int64(time.Since(start)/(100*time.Millisecond)) + 1)
	}
	if got, probes, timer := measure(follower); got > timer || probes != 0 {
		t.Errorf("%d reads via a follower: %d AppendEntries (want at most the timer's %d), %d fwd beyond the reads' own (want 0)", reads, got, timer, probes)
	}
	if got, probes, _ := measure(l); got+probes < reads/2 {
		t.Errorf("%d reads on the leader: %d AppendEntries and %d term probes, want >= %d together (a round each)", reads, got, probes, reads/2)
	}
}
