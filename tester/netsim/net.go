package netsim

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"
)

// Deliver hands a message to its endpoint. It returns false when the
// endpoint could not take it (a killed process, a full client inbox); the
// message is then counted as lost to a down endpoint.
type Deliver func(m *Message) bool

// Kind tells servers (node processes) from clients.
type Kind uint8

const (
	Server Kind = iota
	Client
)

// queueMax bounds one endpoint's queue. A node that floods a peer (or a
// paused peer that stops reading) would otherwise grow it without limit;
// past it messages are dropped and counted in Stats.DroppedOverflow.
const queueMax = 1 << 20

// Counts are Maelstrom's net statistics for one class of messages.
type Counts struct {
	Sends  int64 `json:"send-count"`
	Recvs  int64 `json:"recv-count"`
	Unique int64 `json:"msg-count"`
}

// Stats counts messages for the whole test.
type Stats struct {
	All, Clients, Servers Counts
	DroppedPartition      int64 // cut by the grudge at delivery
	DroppedDown           int64 // the endpoint refused (killed process, full inbox)
	DroppedOverflow       int64 // the destination queue was full
}

// Net is the simulated network.
type Net struct {
	mu      sync.Mutex
	eps     map[string]*endpoint
	grudge  Grudge
	latency Latency
	rng     *rand.Rand
	nextID  int64
	seq     uint64
	stats   Stats
	closed  bool
	now     func() time.Time
}

type endpoint struct {
	id      string
	kind    Kind
	deliver Deliver
	q       msgHeap
	wake    chan struct{} // capacity 1: "the head may have changed"
	done    chan struct{} // closed when the endpoint is removed
	exited  chan struct{} // closed when its goroutine returned
}

// New builds a network whose server links have latency l; latencies are
// drawn from a generator seeded with seed.
func New(l Latency, seed uint64) *Net {
	return &Net{
		eps:     map[string]*endpoint{},
		latency: l,
		rng:     rand.New(rand.NewPCG(seed, 0x6e6574)),
		now:     time.Now,
	}
}

// Add registers an endpoint and starts its delivery goroutine.
func (n *Net) Add(id string, kind Kind, d Deliver) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	if _, ok := n.eps[id]; ok {
		return fmt.Errorf("netsim: endpoint %q already exists", id)
	}
	ep := &endpoint{id: id, kind: kind, deliver: d, wake: make(chan struct{}, 1), done: make(chan struct{}), exited: make(chan struct{})}
	n.eps[id] = ep
	go n.run(ep)
	return nil
}

// Remove unregisters an endpoint; messages still queued for it are
// discarded, and later messages to it are errors (ErrUnknownDest).
func (n *Net) Remove(id string) {
	n.mu.Lock()
	ep, ok := n.eps[id]
	if ok {
		delete(n.eps, id)
		close(ep.done)
	}
	n.mu.Unlock()
	if ok {
		<-ep.exited
	}
}

// Close removes every endpoint and waits for the delivery goroutines.
func (n *Net) Close() {
	n.mu.Lock()
	n.closed = true
	ids := make([]string, 0, len(n.eps))
	for id := range n.eps {
		ids = append(ids, id)
	}
	n.mu.Unlock()
	for _, id := range ids {
		n.Remove(id)
	}
}

// SetGrudge installs a partition (nil heals). It takes effect for every
// message delivered from now on, including those already in flight.
func (n *Net) SetGrudge(g Grudge) {
	n.mu.Lock()
	n.grudge = g
	n.mu.Unlock()
}

// Grudge returns the partition in force.
func (n *Net) Grudge() Grudge {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.grudge
}

// Stats returns the counters so far.
func (n *Net) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.stats
}

// Send puts a message in flight: it is delivered after the link's latency
// (zero when a client is at either end) unless a partition cuts the link at
// that time. Unknown src or dest is an error and nothing is sent.
func (n *Net) Send(src, dest string, body json.RawMessage) (*Message, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, ErrClosed
	}
	s, ok := n.eps[src]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownSource, src)
	}
	d, ok := n.eps[dest]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownDest, dest)
	}
	n.nextID++
	m := &Message{ID: n.nextID, Src: src, Dest: dest, Body: body}
	servers := s.kind == Server && d.kind == Server
	n.count(servers, func(c *Counts) { c.Sends++; c.Unique++ })
	if len(d.q) >= queueMax {
		n.stats.DroppedOverflow++
		return m, nil
	}
	at := n.now()
	if servers {
		at = at.Add(n.latency.Sample(n.rng))
	}
	n.seq++
	heap.Push(&d.q, &queued{at: at, seq: n.seq, m: m, servers: servers})
	select {
	case d.wake <- struct{}{}:
	default:
	}
	return m, nil
}

func (n *Net) count(servers bool, f func(*Counts)) {
	f(&n.stats.All)
	if servers {
		f(&n.stats.Servers)
	} else {
		f(&n.stats.Clients)
	}
}

// run is an endpoint's delivery loop: wait for the head's time, check the
// partition, deliver.
func (n *Net) run(ep *endpoint) {
	defer close(ep.exited)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		n.mu.Lock()
		var head *queued
		if len(ep.q) > 0 {
			head = ep.q[0]
		}
		now := n.now()
		if head != nil && !head.at.After(now) {
			heap.Pop(&ep.q)
			cut := head.servers && n.grudge.Cuts(head.m.Src, head.m.Dest)
			if cut {
				n.stats.DroppedPartition++
			}
			n.mu.Unlock()
			if cut {
				continue
			}
			ok := ep.deliver(head.m)
			n.mu.Lock()
			if ok {
				n.count(head.servers, func(c *Counts) { c.Recvs++ })
			} else {
				n.stats.DroppedDown++
			}
			n.mu.Unlock()
			select {
			case <-ep.done:
				return
			default:
			}
			continue
		}
		n.mu.Unlock()
		var timeout <-chan time.Time
		if head != nil {
			timer.Reset(head.at.Sub(now))
			timeout = timer.C
		}
		select {
		case <-ep.done:
			return
		case <-ep.wake:
		case <-timeout:
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

type queued struct {
	at      time.Time
	seq     uint64 // ties keep send order
	m       *Message
	servers bool
}

type msgHeap []*queued

func (h msgHeap) Len() int { return len(h) }
func (h msgHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h msgHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *msgHeap) Push(x any)   { *h = append(*h, x.(*queued)) }
func (h *msgHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}
