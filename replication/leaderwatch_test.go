package replication

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv/resp"
)

func TestLeaderEpochEndsOnLeaderChangeOnly(t *testing.T) {
	e := newLeaderEpoch()
	ctx := e.current()
	fwd, done := untilMoved(context.Background(), ctx)
	defer done()
	e.observe(&raft.Observation{Data: raft.PeerObservation{}})
	if ctx.Err() != nil {
		t.Fatal("cancelled by an observation that is not a leader change")
	}
	e.observe(&raft.Observation{Data: raft.LeaderObservation{LeaderID: "n2"}})
	if ctx.Err() == nil {
		t.Fatal("not cancelled by a leader change")
	}
	select { // context.AfterFunc cancels from a goroutine of its own
	case <-fwd.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("untilMoved's context not cancelled by the leader change")
	}
	if e.current().Err() != nil {
		t.Fatal("the next epoch is already cancelled")
	}
}

// TestForwardStopsWaitingWhenTheLeaderMoves: a forward to a leader that
// takes the request and never answers (it lost its leadership, or the
// network to it broke after the request went) ends as soon as the node
// learns of a leader change, with an unknown outcome, instead of after the
// forward's timeout; and the connection is not pooled.
func TestForwardStopsWaitingWhenTheLeaderMoves(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan struct{}, 1)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				r := bufio.NewReader(c)
				if _, err := resp.ReadReply(r); err == nil {
					got <- struct{}{}
				}
				r.ReadByte() // never answers; returns when the forwarder closes
			}(c)
		}
	}()
	f := newForwarder(5*time.Second, 30*time.Second, nil)
	defer f.close()
	e := newLeaderEpoch()
	ctx, cancel := untilMoved(context.Background(), e.current())
	defer cancel()
	go func() {
		<-got
		time.Sleep(50 * time.Millisecond)
		e.observe(&raft.Observation{Data: raft.LeaderObservation{LeaderID: "n3"}})
	}()
	start := time.Now()
	_, err = f.call(ctx, ln.Addr().String(), []byte("SET"), []byte("k"), []byte("v"))
	if !errors.Is(err, ErrForwardUnknown) {
		t.Fatalf("forward to a silent leader after a leader change: %v, want an unknown outcome", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the forward waited %s after the leader change (its timeout is 30 s)", took)
	}
	f.mu.Lock()
	idle := len(f.idle[ln.Addr().String()])
	f.mu.Unlock()
	if idle != 0 {
		t.Fatal("the interrupted connection went back to the pool")
	}
}
