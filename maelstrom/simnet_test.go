package maelstrom

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redraft/replication"
)

// simnet is a simulated Maelstrom network between in-process nodes (each a
// RunWith on pipes) and test clients. Like Maelstrom's, it keeps a queue per
// destination ordered by delivery time, delays node-to-node messages by
// latency() (client links: none), checks partitions at delivery (messages in
// flight when a cut starts are dropped) and never duplicates.
type simnet struct {
	t       *testing.T
	ids     []string
	opts    func(id string) Options
	latency func() time.Duration // node-to-node; nil = 0

	mu      sync.Mutex
	nodes   map[string]*simNode
	clients map[string]*simClient
	cut     map[[2]string]bool // src, dest
	rng     *rand.Rand
	types   map[string]int64 // node-to-node messages by body type

	maxNodeLine atomic.Int64 // longest node-to-node line seen
	nodeMsgs    atomic.Int64 // node-to-node messages sent
	clientMsgs  atomic.Int64
	wg          sync.WaitGroup
}

type simNode struct {
	id     string
	stdin  *io.PipeWriter
	queue  *delivery
	done   chan error // RunWith's result
	stderr *syncBuffer

	mu   sync.Mutex
	node *replication.Node
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newSimnet(t *testing.T, n int, seed uint64, opts func(id string) Options) *simnet {
	t.Logf("simnet seed %d (replay: set the seed in the test)", seed)
	s := &simnet{t: t, opts: opts, nodes: map[string]*simNode{}, clients: map[string]*simClient{},
		cut: map[[2]string]bool{}, types: map[string]int64{}, rng: rand.New(rand.NewPCG(seed, seed))}
	for i := 0; i < n; i++ {
		s.ids = append(s.ids, fmt.Sprint("n", i))
	}
	t.Cleanup(s.close)
	return s
}

// start launches node id and sends it init.
func (s *simnet) start(id string) {
	s.t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	nd := &simNode{id: id, stdin: inW, done: make(chan error, 1), stderr: &syncBuffer{}}
	nd.queue = newDelivery(func(line []byte) {
		if _, err := inW.Write(line); err != nil {
			return // the node is gone: the message is lost
		}
	})
	o := s.opts(id)
	prev := o.OnNode
	o.OnNode = func(n *replication.Node, index int) func() {
		nd.mu.Lock()
		nd.node = n
		nd.mu.Unlock()
		if prev != nil {
			return prev(n, index)
		}
		return nil
	}
	s.mu.Lock()
	s.nodes[id] = nd
	s.mu.Unlock()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		err := RunWith(context.Background(), inR, outW, nd.stderr, o)
		outW.Close()
		inR.Close()
		nd.done <- err
	}()
	go func() {
		defer s.wg.Done()
		s.route(id, outR)
	}()
	c := s.client("c-init-" + id)
	r := c.call(id, map[string]any{"type": "init", "node_id": id, "node_ids": s.ids}, 10*time.Second)
	if r == nil || r["type"] != "init_ok" {
		s.t.Fatalf("init %s: %v\n%s", id, r, nd.stderr.String())
	}
}

func (s *simnet) startAll() {
	for _, id := range s.ids {
		s.start(id)
	}
}

// kill stops node id: it is cut off first, so nothing it does while
// stopping reaches anyone, then its stdin closes and Run returns.
func (s *simnet) kill(id string) {
	s.t.Helper()
	s.mu.Lock()
	nd := s.nodes[id]
	delete(s.nodes, id)
	s.mu.Unlock()
	nd.stdin.Close() // also unblocks a delivery in progress
	nd.queue.close()
	if err := <-nd.done; err != nil {
		s.t.Errorf("node %s: %v", id, err)
	}
	if s.t.Failed() {
		log := nd.stderr.String()
		if len(log) > 20000 {
			log = "..." + log[len(log)-20000:]
		}
		s.t.Logf("stderr of %s:\n%s", id, log)
	}
}

func (s *simnet) close() {
	s.mu.Lock()
	var ids []string
	for id := range s.nodes {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.kill(id)
	}
	s.wg.Wait()
}

// route reads node src's stdout and queues each line for its destination.
func (s *simnet) route(src string, out io.Reader) {
	lr := newLineReader(out, 64<<20)
	for {
		line, _, _, err := lr.next()
		if err != nil {
			return
		}
		var env envelope
		if err := json.Unmarshal(line, &env); err != nil || env.Src != src {
			s.t.Errorf("node %s wrote a bad line: %q", src, line)
			continue
		}
		cp := append([]byte(nil), line...)
		cp = append(cp, '\n')
		if strings.HasPrefix(env.Dest, "c") {
			s.clientMsgs.Add(1)
			s.mu.Lock()
			c := s.clients[env.Dest]
			s.mu.Unlock()
			if c == nil {
				s.t.Errorf("node %s wrote to unknown client %s: %s", src, env.Dest, line)
				continue
			}
			c.deliver(env.Body)
			continue
		}
		s.nodeMsgs.Add(1)
		var h struct {
			Type string `json:"type"`
		}
		json.Unmarshal(env.Body, &h)
		s.mu.Lock()
		s.types[h.Type]++
		s.mu.Unlock()
		for {
			cur := s.maxNodeLine.Load()
			if int64(len(line)) <= cur || s.maxNodeLine.CompareAndSwap(cur, int64(len(line))) {
				break
			}
		}
		s.send(src, env.Dest, cp, true)
	}
}

// send queues a line for dest, delayed when it is a node-to-node link.
func (s *simnet) send(src, dest string, line []byte, nodeLink bool) {
	var d time.Duration
	if nodeLink && s.latency != nil {
		s.mu.Lock()
		d = s.latency()
		s.mu.Unlock()
	}
	s.mu.Lock()
	nd := s.nodes[dest]
	s.mu.Unlock()
	if nd == nil {
		return // dead or unknown node: lost
	}
	nd.queue.push(time.Now().Add(d), line, func() bool {
		if !nodeLink {
			return true
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return !s.cut[[2]string{src, dest}] && s.nodes[dest] == nd
	})
}

// partition cuts every link between the groups (both directions).
func (s *simnet) partition(groups ...[]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut = map[[2]string]bool{}
	for i, g := range groups {
		for j, h := range groups {
			if i == j {
				continue
			}
			for _, a := range g {
				for _, b := range h {
					s.cut[[2]string{a, b}] = true
				}
			}
		}
	}
}

// cutOne cuts one direction.
func (s *simnet) cutOne(src, dest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut[[2]string{src, dest}] = true
}

func (s *simnet) heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cut = map[[2]string]bool{}
}

func (s *simnet) typeCount(typ string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.types[typ]
}

func (s *simnet) node(id string) *replication.Node {
	s.mu.Lock()
	nd := s.nodes[id]
	s.mu.Unlock()
	if nd == nil {
		return nil
	}
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.node
}

// leader polls until a live node is a ready leader.
func (s *simnet) leader(within time.Duration) string {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		for _, id := range s.ids {
			if n := s.node(id); n != nil && n.IsLeader() {
				return id
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.t.Fatalf("no leader within %v", within)
	return ""
}

// delivery is one destination's queue: lines ordered by delivery time,
// written by one goroutine; ok() decides at delivery (partitions).
type delivery struct {
	write func([]byte)

	mu    sync.Mutex
	items []deliveryItem
	seq   uint64
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

type deliveryItem struct {
	at   time.Time
	seq  uint64
	line []byte
	ok   func() bool
}

func newDelivery(write func([]byte)) *delivery {
	d := &delivery{write: write, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go d.run()
	return d
}

func (d *delivery) push(at time.Time, line []byte, ok func() bool) {
	d.mu.Lock()
	d.seq++
	d.items = append(d.items, deliveryItem{at: at, seq: d.seq, line: line, ok: ok})
	sort.Slice(d.items, func(i, j int) bool {
		if !d.items[i].at.Equal(d.items[j].at) {
			return d.items[i].at.Before(d.items[j].at)
		}
		return d.items[i].seq < d.items[j].seq
	})
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *delivery) run() {
	defer close(d.done)
	for {
		d.mu.Lock()
		var next *deliveryItem
		if len(d.items) > 0 {
			it := d.items[0]
			if !it.at.After(time.Now()) {
				d.items = d.items[1:]
				next = &it
			}
		}
		var wait time.Duration = time.Hour
		if next == nil && len(d.items) > 0 {
			wait = time.Until(d.items[0].at)
		}
		d.mu.Unlock()
		if next != nil {
			if next.ok() {
				d.write(next.line)
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-d.wake:
		case <-t.C:
		case <-d.stop:
			t.Stop()
			return
		}
		t.Stop()
	}
}

func (d *delivery) close() {
	close(d.stop)
	<-d.done
}

// simClient is a test client: one request at a time per call, replies
// matched by in_reply_to.
type simClient struct {
	id  string
	net *simnet

	mu      sync.Mutex
	next    int64
	waiting map[int64]chan map[string]any
}

func (s *simnet) client(id string) *simClient {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.clients[id]; c != nil {
		return c
	}
	c := &simClient{id: id, net: s, waiting: map[int64]chan map[string]any{}}
	s.clients[id] = c
	return c
}

func (c *simClient) deliver(raw json.RawMessage) {
	var b map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		c.net.t.Errorf("client %s: bad body %s", c.id, raw)
		return
	}
	n, _ := b["in_reply_to"].(json.Number)
	id, err := n.Int64()
	if err != nil {
		c.net.t.Errorf("client %s: reply without in_reply_to: %s", c.id, raw)
		return
	}
	c.mu.Lock()
	ch := c.waiting[id]
	delete(c.waiting, id)
	c.mu.Unlock()
	if ch != nil {
		ch <- b
	}
}

// call sends body to node and waits up to timeout for the reply (nil on timeout).
func (c *simClient) call(node string, body map[string]any, timeout time.Duration) map[string]any {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan map[string]any, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	body["msg_id"] = id
	raw, _ := json.Marshal(map[string]any{"src": c.id, "dest": node, "body": body})
	c.net.send(c.id, node, append(raw, '\n'), false)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-ch:
		return r
	case <-t.C:
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
		return nil
	}
}
