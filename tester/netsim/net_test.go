package netsim

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// sink collects delivered messages.
type sink struct {
	mu  sync.Mutex
	got []*Message
	ch  chan struct{}
}

func newSink() *sink { return &sink{ch: make(chan struct{}, 1024)} }

func (s *sink) deliver(m *Message) bool {
	s.mu.Lock()
	s.got = append(s.got, m)
	s.mu.Unlock()
	s.ch <- struct{}{}
	return true
}

func (s *sink) wait(t *testing.T, n int) []*Message {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		s.mu.Lock()
		if len(s.got) >= n {
			out := append([]*Message(nil), s.got...)
			s.mu.Unlock()
			return out
		}
		s.mu.Unlock()
		select {
		case <-s.ch:
		case <-deadline:
			t.Fatalf("only %d of %d messages delivered", len(s.got), n)
		}
	}
}

func body(i int) json.RawMessage {
	b, _ := json.Marshal(map[string]any{"type": "x", "msg_id": i})
	return b
}

func TestConstantLatencyKeepsOrder(t *testing.T) {
	n := New(Latency{Mean: 2 * time.Millisecond, Dist: Constant}, 1)
	defer n.Close()
	a, b := newSink(), newSink()
	n.Add("n0", Server, a.deliver)
	n.Add("n1", Server, b.deliver)
	start := time.Now()
	for i := 0; i < 100; i++ {
		if _, err := n.Send("n0", "n1", body(i)); err != nil {
			t.Fatal(err)
		}
	}
	got := b.wait(t, 100)
	if time.Since(start) < 2*time.Millisecond {
		t.Fatal("delivered before the latency")
	}
	for i, m := range got {
		var h struct {
			MsgID int `json:"msg_id"`
		}
		json.Unmarshal(m.Body, &h)
		if h.MsgID != i {
			t.Fatalf("message %d delivered at position %d", h.MsgID, i)
		}
	}
	// A delivery is counted once the receiver's callback returned, just
	// after b saw the message: poll for the count.
	deadline := time.Now().Add(5 * time.Second)
	st := n.Stats()
	for st.Servers.Recvs != 100 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		st = n.Stats()
	}
	if st.Servers.Sends != 100 || st.Servers.Recvs != 100 || st.Clients.Sends != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPartitionDropsInFlight(t *testing.T) {
	n := New(Latency{Mean: 50 * time.Millisecond, Dist: Constant}, 1)
	defer n.Close()
	a, b, c := newSink(), newSink(), newSink()
	n.Add("n0", Server, a.deliver)
	n.Add("n1", Server, b.deliver)
	n.Add("c1", Client, c.deliver)
	n.Send("n0", "n1", body(1)) // in flight when the partition starts
	n.SetGrudge(Grudge{"n1": {"n0": true}, "c1": {"n0": true}})
	n.Send("n1", "n0", body(2)) // the other direction is open
	n.Send("n0", "c1", body(3)) // client links are never cut
	a.wait(t, 1)
	c.wait(t, 1)
	time.Sleep(100 * time.Millisecond) // let n0->n1 reach its delivery time
	if st := n.Stats(); st.DroppedPartition != 1 || len(b.got) != 0 {
		t.Fatalf("want the in-flight message dropped: %+v, n1 got %d", st, len(b.got))
	}
	n.SetGrudge(nil)
	n.Send("n0", "n1", body(4))
	b.wait(t, 1)
}

func TestClientLinksHaveNoLatency(t *testing.T) {
	n := New(Latency{Mean: time.Hour, Dist: Constant}, 1)
	defer n.Close()
	s, c := newSink(), newSink()
	n.Add("n0", Server, s.deliver)
	n.Add("c1", Client, c.deliver)
	n.Send("c1", "n0", body(1))
	n.Send("n0", "c1", body(2))
	s.wait(t, 1)
	c.wait(t, 1)
}

func TestUnknownEndpoints(t *testing.T) {
	n := New(Latency{}, 1)
	defer n.Close()
	n.Add("n0", Server, newSink().deliver)
	n.Add("c1", Client, newSink().deliver)
	if _, err := n.Send("n0", "n9", body(1)); !errors.Is(err, ErrUnknownDest) {
		t.Fatalf("got %v, want ErrUnknownDest", err)
	}
	if _, err := n.Send("n9", "n0", body(1)); !errors.Is(err, ErrUnknownSource) {
		t.Fatalf("got %v, want ErrUnknownSource", err)
	}
	n.Remove("c1")
	if _, err := n.Send("n0", "c1", body(1)); !errors.Is(err, ErrUnknownDest) {
		t.Fatalf("send to a removed client: got %v, want ErrUnknownDest", err)
	}
}

func TestLatencyDistributions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	mean := 10 * time.Millisecond
	for _, d := range []Dist{Constant, Uniform, Exponential} {
		l := Latency{Mean: mean, Dist: d}
		var sum time.Duration
		const n = 20000
		for i := 0; i < n; i++ {
			s := l.Sample(rng)
			if s < 0 || (d == Uniform && s > 2*mean) || (d == Constant && s != mean) {
				t.Fatalf("%s: sample %s out of range", d, s)
			}
			sum += s
		}
		if avg := sum / n; avg < mean*9/10 || avg > mean*11/10 {
			t.Fatalf("%s: mean %s, want about %s", d, avg, mean)
		}
	}
	if _, err := ParseDist("normal"); err == nil {
		t.Fatal("ParseDist accepted normal")
	}
}
