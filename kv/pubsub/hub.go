package pubsub

import (
	"sort"
	"sync"
	"sync/atomic"

	"redraft/kv"
)

// Kind is the kind of a subscription.
type Kind uint8

const (
	// Channel: SUBSCRIBE / PUBLISH ("message").
	Channel Kind = iota
	// Pattern: PSUBSCRIBE, matched against PUBLISH channels ("pmessage").
	Pattern
	// Shard: SSUBSCRIBE / SPUBLISH ("smessage").
	Shard
	numKinds
)

// Message is one delivery. Its byte slices are borrowed for the duration
// of Deliver.
type Message struct {
	Kind    Kind   // how the subscriber subscribed
	Pattern []byte // the matching pattern, for Pattern
	Channel []byte
	Payload []byte
}

// Subscriber is a connection that subscribes. Deliver must not block and
// must copy what it keeps (it is called with the hub's lock held).
// Subscribers are compared by identity (use pointers).
type Subscriber interface {
	Deliver(m *Message)
}

// Hub holds a node's subscriptions. The zero value is not usable; see New.
type Hub struct {
	mu sync.RWMutex
	// byName maps a channel, pattern or shard channel to its subscribers,
	// per kind, in subscription order.
	byName [numKinds]map[string]*subscribers
	// patterns lists the subscribed patterns in first-subscription order
	// (the order pattern matching delivers in).
	patterns []*subscribers
	clients  map[Subscriber]*client
	// ks is the node's notify-keyspace-events setting (keyspace.go).
	ks keyspaceEvents
	// scriptObs receives the commands scripts run (observe.go).
	scriptObs atomic.Pointer[ScriptObserver]
	// changes counts the machine's key changes and flushes (observe.go);
	// last is the key counted last in the running command: db and key are
	// written only by commands that change keys, which run one at a time
	// under the owner's write lock; set is also read by reads running
	// together (CommandDone).
	changes atomic.Int64
	last    struct {
		set atomic.Bool
		db  int
		key string
	}
	// keyObs receives the machine's key changes (observe.go).
	keyObs atomic.Pointer[KeyObserver]
}

type subscribers struct {
	name string
	pat  []byte // name as bytes, for a pattern (matched on every publish)
	list []Subscriber
}

// client is one subscriber's subscriptions, per kind, in subscription order.
type client struct {
	names [numKinds][]string
	set   [numKinds]map[string]struct{}
}

func (c *client) count(k Kind) int { return len(c.names[k]) }

// New returns an empty hub.
func New() *Hub {
	h := &Hub{clients: map[Subscriber]*client{}}
	for k := range h.byName {
		h.byName[k] = map[string]*subscribers{}
	}
	return h
}

// Counts are one subscriber's subscriptions by kind.
type Counts struct{ Channels, Patterns, Shards int }

// Reply is the count Redis shows in (un)subscribe replies of kind k:
// channels plus patterns for Channel and Pattern, shard channels for Shard.
func (n Counts) Reply(k Kind) int {
	if k == Shard {
		return n.Shards
	}
	return n.Channels + n.Patterns
}

// Total is the number of subscriptions of every kind.
func (n Counts) Total() int { return n.Channels + n.Patterns + n.Shards }

func countsOf(c *client) Counts {
	if c == nil {
		return Counts{}
	}
	return Counts{c.count(Channel), c.count(Pattern), c.count(Shard)}
}

// Subscribe subscribes s to name (a channel, pattern or shard channel, by
// kind) unless it already is, then calls reply with s's subscription counts,
// under the hub's lock.
func (h *Hub) Subscribe(s Subscriber, k Kind, name []byte, reply func(n Counts)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	if c == nil {
		c = &client{}
		for i := range c.set {
			c.set[i] = map[string]struct{}{}
		}
		h.clients[s] = c
	}
	if _, ok := c.set[k][string(name)]; !ok {
		n := string(name)
		c.set[k][n] = struct{}{}
		c.names[k] = append(c.names[k], n)
		subs := h.byName[k][n]
		if subs == nil {
			subs = &subscribers{name: n}
			h.byName[k][n] = subs
			if k == Pattern {
				subs.pat = []byte(n)
				h.patterns = append(h.patterns, subs)
			}
		}
		subs.list = append(subs.list, s)
		if mayReceiveKeyspace(k, n) {
			h.ks.subs.Add(1)
		}
	}
	reply(countsOf(c))
}

// IsSubscribed reports whether s is subscribed to name (of kind k).
func (h *Hub) IsSubscribed(s Subscriber, k Kind, name []byte) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	c := h.clients[s]
	if c == nil {
		return false
	}
	_, ok := c.set[k][string(name)]
	return ok
}

// Unsubscribe removes s's subscription to name, if any, then calls reply
// with s's remaining counts, under the hub's lock.
func (h *Hub) Unsubscribe(s Subscriber, k Kind, name []byte, reply func(n Counts)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	h.remove(s, c, k, string(name))
	reply(countsOf(c))
}

// UnsubscribeAll removes every subscription of kind k of s, calling reply
// for each with the channel and the remaining count; when s had none,
// reply is called once with a nil name (Redis's reply to UNSUBSCRIBE
// without arguments by a client subscribed to nothing).
func (h *Hub) UnsubscribeAll(s Subscriber, k Kind, reply func(name []byte, n Counts)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	if c == nil || c.count(k) == 0 {
		reply(nil, countsOf(c))
		return
	}
	names := append([]string(nil), c.names[k]...)
	for _, n := range names {
		h.remove(s, c, k, n)
		reply([]byte(n), countsOf(c))
	}
}

// Forget drops every subscription of s without replying (RESET, a closed
// connection).
func (h *Hub) Forget(s Subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[s]
	if c == nil {
		return
	}
	for k := Kind(0); k < numKinds; k++ {
		for _, n := range append([]string(nil), c.names[k]...) {
			h.remove(s, c, k, n)
		}
	}
	delete(h.clients, s)
}

// remove drops s's subscription (k, name); h.mu is held.
func (h *Hub) remove(s Subscriber, c *client, k Kind, name string) {
	if c == nil {
		return
	}
	if _, ok := c.set[k][name]; !ok {
		return
	}
	delete(c.set[k], name)
	c.names[k] = deleteString(c.names[k], name)
	if mayReceiveKeyspace(k, name) {
		h.ks.subs.Add(-1)
	}
	subs := h.byName[k][name]
	if subs == nil {
		panic("pubsub: a client's subscription is missing from the hub")
	}
	for i, o := range subs.list {
		if o == s {
			subs.list = append(subs.list[:i], subs.list[i+1:]...)
			break
		}
	}
	if len(subs.list) == 0 {
		delete(h.byName[k], name)
		if k == Pattern {
			for i, p := range h.patterns {
				if p == subs {
					h.patterns = append(h.patterns[:i], h.patterns[i+1:]...)
					break
				}
			}
		}
	}
	if c.count(Channel)+c.count(Pattern)+c.count(Shard) == 0 {
		delete(h.clients, s)
	}
}

func deleteString(l []string, s string) []string {
	for i, o := range l {
		if o == s {
			return append(l[:i], l[i+1:]...)
		}
	}
	return l
}

// Publish delivers payload on channel to this node's subscribers and
// returns how many subscriptions received it. shard selects shard channels
// (SPUBLISH), which patterns never match. It implements kv.EventSink.
func (h *Hub) Publish(channel, payload []byte, shard bool) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	k := Channel
	if shard {
		k = Shard
	}
	if subs := h.byName[k][string(channel)]; subs != nil {
		m := Message{Kind: k, Channel: channel, Payload: payload}
		for _, s := range subs.list {
			s.Deliver(&m)
			n++
		}
	}
	if shard {
		return n
	}
	for _, p := range h.patterns {
		pat := p.pat
		if !kv.MatchGlob(pat, channel) {
			continue
		}
		m := Message{Kind: Pattern, Pattern: pat, Channel: channel, Payload: payload}
		for _, s := range p.list {
			s.Deliver(&m)
			n++
		}
	}
	return n
}

var _ kv.EventSink = (*Hub)(nil)

// Receivers returns how many of this node's subscriptions a message on
// channel would reach now (what Publish would return), delivering nothing.
func (h *Hub) Receivers(channel []byte, shard bool) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	k := Channel
	if shard {
		k = Shard
	}
	n := 0
	if subs := h.byName[k][string(channel)]; subs != nil {
		n = len(subs.list)
	}
	if shard {
		return n
	}
	for _, p := range h.patterns {
		if kv.MatchGlob(p.pat, channel) {
			n += len(p.list)
		}
	}
	return n
}

// Channels returns the channels (shard channels when shard is set) with at
// least one subscriber matching pattern (all when pattern is nil), sorted.
func (h *Hub) Channels(pattern []byte, shard bool) [][]byte {
	h.mu.RLock()
	k := Channel
	if shard {
		k = Shard
	}
	var out []string
	for n := range h.byName[k] {
		if pattern == nil || kv.MatchGlob(pattern, []byte(n)) {
			out = append(out, n)
		}
	}
	h.mu.RUnlock()
	sort.Strings(out)
	b := make([][]byte, len(out))
	for i, n := range out {
		b[i] = []byte(n)
	}
	return b
}

// NumSub returns the number of subscribers of channel (shard channel when
// shard is set); pattern subscriptions are not counted.
func (h *Hub) NumSub(channel []byte, shard bool) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	k := Channel
	if shard {
		k = Shard
	}
	if subs := h.byName[k][string(channel)]; subs != nil {
		return len(subs.list)
	}
	return 0
}

// NumPat returns the number of distinct subscribed patterns.
func (h *Hub) NumPat() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.patterns)
}

// Stats returns the number of distinct channels, patterns and shard
// channels subscribed on this node (INFO stats).
func (h *Hub) Stats() (channels, patterns, shards int) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.byName[Channel]), len(h.patterns), len(h.byName[Shard])
}
