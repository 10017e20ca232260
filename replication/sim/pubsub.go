package sim

// The pub/sub order check (issue 14). Publisher clients PUBLISH unique
// messages on pubChannels through random nodes. Every node incarnation,
// as soon as it runs, gets a subscriber on its own hub (Node.PubSub, the
// hub the RESP edge registers connections in) to every channel and to a
// pattern matching them all. Messages are produced at apply, in log
// order, on every node: so each subscriber's sequence per channel (and
// its pattern sequence) must be consistent with one total order per
// channel, with no duplicate and nothing never published. A subscriber
// may miss messages (its node was down, or installed a snapshot over the
// entries that published them). checkPubSub judges the sequences.

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"redraft/kv/pubsub"
)

// Publish is the operation kind of the pub/sub workload (it extends Kind).
const Publish = QMove + 1 // PUBLISH ch m

var (
	pubChannels = []string{"ch0", "ch1"}
	pubPattern  = "ch*"
)

// subscriberMax bounds the messages one subscriber keeps per stream (a
// run publishes a few hundred).
const subscriberMax = 1 << 16

// nextPublish draws one PUBLISH.
func (cl *client) nextPublish() req {
	ch := pubChannels[cl.rng.IntN(len(pubChannels))]
	m := cl.value()
	return req{&Op{Kind: Publish, Key: ch, Value: m}, []string{"PUBLISH", ch, m}}
}

// subscriber records what one node incarnation's hub delivered.
type subscriber struct {
	name string // node and incarnation
	mu   sync.Mutex
	// got holds the payloads received per stream: "channel" for channel
	// subscriptions, "channel via pattern" for the pattern's.
	got       map[string][]string
	truncated bool
}

var _ pubsub.Subscriber = (*subscriber)(nil)

// Deliver implements pubsub.Subscriber (it copies; it never blocks).
func (s *subscriber) Deliver(m *pubsub.Message) {
	stream := string(m.Channel)
	if m.Kind == pubsub.Pattern {
		stream += " via " + string(m.Pattern)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.got[stream]) >= subscriberMax {
		s.truncated = true
		return
	}
	s.got[stream] = append(s.got[stream], string(m.Payload))
}

// subscribers attaches a subscriber to every node incarnation of a
// cluster as it appears.
type subscribers struct {
	c    *Cluster
	mu   sync.Mutex
	subs map[incKey]*subscriber
	list []*subscriber
}

// watchPubSub subscribes every running incarnation of c (within a
// convergePoll of its start; earlier messages it misses), polling until
// the returned stop is called; stop returns the subscribers.
func (c *Cluster) watchPubSub() (stop func() []*subscriber) {
	w := &subscribers{c: c, subs: map[incKey]*subscriber{}}
	ch := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(convergePoll)
		defer t.Stop()
		for {
			w.attach()
			select {
			case <-t.C:
			case <-ch:
				return
			}
		}
	}()
	return func() []*subscriber {
		close(ch)
		<-done
		return w.list
	}
}

// attach subscribes the incarnations not subscribed yet.
func (w *subscribers) attach() {
	for _, sn := range w.c.nodes {
		in, ok := sn.current()
		if !ok {
			continue
		}
		k := incKey{sn.id, in.inc}
		if w.subs[k] != nil {
			continue
		}
		s := &subscriber{name: fmt.Sprintf("%s#%d", sn.id, in.inc), got: map[string][]string{}}
		w.subs[k] = s
		w.list = append(w.list, s)
		hub := in.node.PubSub()
		for _, name := range pubChannels {
			hub.Subscribe(s, pubsub.Channel, []byte(name), func(pubsub.Counts) {})
		}
		hub.Subscribe(s, pubsub.Pattern, []byte(pubPattern), func(pubsub.Counts) {})
	}
}

// describeSubscribers summarises what the subscribers received, for the trace.
func describeSubscribers(subs []*subscriber) string {
	n := 0
	for _, s := range subs {
		s.mu.Lock()
		for _, msgs := range s.got {
			n += len(msgs)
		}
		s.mu.Unlock()
	}
	return fmt.Sprintf("%d subscribers received %d messages", len(subs), n)
}

// checkPubSub checks what the subscribers received against the history:
// per channel, every stream (a subscriber's channel or pattern sequence)
// holds no duplicate and only messages some PUBLISH that did not fail
// definitely sent on that channel, and the streams together are
// consistent with one total order (the graph of their consecutive pairs
// has no cycle).
func checkPubSub(ops []*Op, subs []*subscriber) (fails []string) {
	published := map[string]string{} // message -> channel
	for _, op := range ops {
		if op.Kind == Publish && op.Outcome != Fail {
			published[op.Value] = op.Key
		}
	}
	for _, ch := range pubChannels {
		var streams []pubStream
		for _, s := range subs {
			s.mu.Lock()
			if s.truncated {
				fails = append(fails, fmt.Sprintf("pub/sub: subscriber %s received more than %d messages on a stream", s.name, subscriberMax))
			}
			for stream, msgs := range s.got {
				if stream == ch || stream == ch+" via "+pubPattern {
					streams = append(streams, pubStream{s.name + " " + stream, msgs})
				}
			}
			s.mu.Unlock()
		}
		sort.Slice(streams, func(i, j int) bool { return streams[i].name < streams[j].name })
		fails = append(fails, checkChannelOrder(ch, streams, published)...)
	}
	return fails
}

// pubStream is one sequence of messages a subscriber received.
type pubStream struct {
	name string
	msgs []string
}

// checkChannelOrder checks one channel's streams (see checkPubSub).
func checkChannelOrder(ch string, streams []pubStream, published map[string]string) (fails []string) {
	next := map[string]map[string]bool{} // message -> messages some stream received right after it
	for _, st := range streams {
		seen := map[string]int{}
		for i, m := range st.msgs {
			if j, dup := seen[m]; dup {
				fails = append(fails, fmt.Sprintf("pub/sub %s: %s received %s twice (at %d and %d)", ch, st.name, m, j, i))
				continue
			}
			seen[m] = i
			if c, ok := published[m]; !ok || c != ch {
				fails = append(fails, fmt.Sprintf("pub/sub %s: %s received %s, which no PUBLISH on %s sent (or its PUBLISH failed)", ch, st.name, m, ch))
			}
			if i > 0 {
				prev := st.msgs[i-1]
				if next[prev] == nil {
					next[prev] = map[string]bool{}
				}
				next[prev][m] = true
			}
		}
	}
	if cyc := findCycle(next); cyc != nil {
		fails = append(fails, fmt.Sprintf("pub/sub %s: the subscribers' orders contradict each other (no total order): %v", ch, cyc))
	}
	return fails
}

// findCycle returns a cycle of the graph, or nil (iterative DFS, vertices
// in sorted order so the cycle reported is deterministic).
func findCycle(g map[string]map[string]bool) []string {
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	sortedKeys := func(m map[string]bool) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	roots := make([]string, 0, len(g))
	for v := range g {
		roots = append(roots, v)
	}
	sort.Strings(roots)
	type frame struct {
		v    string
		outs []string
		i    int
	}
	for _, r := range roots {
		if color[r] != white {
			continue
		}
		stack := []*frame{{v: r, outs: sortedKeys(g[r])}}
		color[r] = grey
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			if f.i == len(f.outs) {
				color[f.v] = black
				stack = stack[:len(stack)-1]
				continue
			}
			u := f.outs[f.i]
			f.i++
			switch color[u] {
			case grey:
				var cyc []string
				for i := len(stack) - 1; i >= 0; i-- {
					cyc = append([]string{stack[i].v}, cyc...)
					if stack[i].v == u {
						break
					}
				}
				return append(cyc, u)
			case white:
				color[u] = grey
				stack = append(stack, &frame{v: u, outs: sortedKeys(g[u])})
			}
		}
	}
	return nil
}
