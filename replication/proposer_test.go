package replication

import (
	"testing"
	"time"

	"redraft/kv"
)

func testProposal(n int) *proposal {
	pr := &proposal{done: make(chan proposalResult, 1)}
	for i := 0; i < n; i++ {
		pr.cmds = append(pr.cmds, &kv.Cmd{Args: [][]byte{[]byte("SET"), []byte("k"), []byte("v")}})
	}
	return pr
}

// TestGatherWaitsForExpectedClients checks the group-commit policy: a new
// entry waits for the clients the last entry answered plus those that
// queued while it was in flight, and no longer than that.
func TestGatherWaitsForExpectedClients(t *testing.T) {
	p := &proposer{reqs: make(chan *proposal, 16), stop: make(chan struct{}), linger: time.Minute}
	p.expect.Store(3)
	batch := []*proposal{testProposal(1), testProposal(1)} // two queued during the flight
	go func() {
		// The three answered clients come back once gather waits for them
		// (sent earlier, they could all be queued before gather looks,
		// and it would rightly not wait: the test failed so under load).
		for p.lingers.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		for i := 0; i < 3; i++ {
			p.reqs <- testProposal(1)
		}
	}()
	got := countCmds(p.gather(batch, 2))
	if got != 5 {
		t.Fatalf("gather carried %d commands, want 5", got)
	}
	if n := p.lingers.Load(); n != 1 {
		t.Fatalf("lingers = %d, want 1", n)
	}
}

func TestGatherNoWaitWhenExpectationMet(t *testing.T) {
	p := &proposer{reqs: make(chan *proposal, 16), stop: make(chan struct{}), linger: time.Minute}
	p.expect.Store(1) // one client: its next command is all there is
	got := countCmds(p.gather([]*proposal{testProposal(1)}, 0))
	if got != 1 || p.lingers.Load() != 0 {
		t.Fatalf("gather carried %d commands after %d lingers, want 1 after 0", got, p.lingers.Load())
	}
	p.linger = 0 // disabled: never waits, whatever it expects
	p.expect.Store(100)
	if got := countCmds(p.gather([]*proposal{testProposal(2)}, 5)); got != 2 {
		t.Fatalf("gather with linger off carried %d commands, want 2", got)
	}
}

func TestGatherLingerBounded(t *testing.T) {
	p := &proposer{reqs: make(chan *proposal, 16), stop: make(chan struct{}), linger: time.Millisecond}
	p.expect.Store(50) // clients that went away: the wait ends at the linger
	if got := countCmds(p.gather([]*proposal{testProposal(1)}, 0)); got != 1 {
		t.Fatalf("gather carried %d commands, want 1", got)
	}
	close(p.stop) // stopping ends the wait too
	p.linger = time.Hour
	if got := countCmds(p.gather([]*proposal{testProposal(1)}, 0)); got != 1 {
		t.Fatalf("gather on stop carried %d commands, want 1", got)
	}
}
