// Package blocked is a node's side of blocked clients: which of its
// connections wait for which waiter, and the delivery of the replies the
// state machine computes for them.
//
// The wait queues themselves are machine state (kv/block.go): a blocked
// client's edge wraps the command in redraft.block naming this node, its
// incarnation and a waiter ID from this registry; when the machine serves,
// times out or cancels that waiter, at apply, on every replica, it hands
// the reply to its kv.BlockSink. The registry is this node's sink: replies
// for other nodes, or for earlier incarnations of this one, are dropped;
// replies for a waiter of this node go to the connection waiting for it.
package blocked

import (
	"sync"
	"sync/atomic"
	"time"
)

// Registry tracks the waiters of one node's connections. It is safe for
// concurrent use.
type Registry struct {
	node string
	inc  uint64
	next atomic.Uint64

	// onServe, when set, is told the connection of a waiter of this node
	// the machine is about to serve (Serving).
	onServe atomic.Pointer[func(conn int64)]

	mu      sync.Mutex
	waiting map[uint64]*slot // waiter ID -> its connection's slot
	byConn  map[int64]uint64 // connection ID -> waiter ID
	blocked int              // slots marked blocked
}

type slot struct {
	conn    int64
	blocked bool        // the machine registered the waiter (MarkBlocked)
	reply   chan []byte // buffered: the sink never blocks
}

// New returns the registry of node, with an incarnation that differs from
// any earlier start of the node (the start time in nanoseconds).
func New(node string) *Registry {
	return NewWithIncarnation(node, uint64(time.Now().UnixNano()))
}

// NewWithIncarnation is New with an explicit incarnation (tests).
func NewWithIncarnation(node string, inc uint64) *Registry {
	return &Registry{node: node, inc: inc, waiting: map[uint64]*slot{}, byConn: map[int64]uint64{}}
}

// Node returns the node ID waiters name.
func (r *Registry) Node() string { return r.node }

// Incarnation returns this start's incarnation.
func (r *Registry) Incarnation() uint64 { return r.inc }

// Begin allocates a waiter ID for connection conn and returns the channel
// its reply arrives on. Call End when the connection stops waiting.
func (r *Registry) Begin(conn int64) (uint64, <-chan []byte) {
	id := r.next.Add(1)
	s := &slot{conn: conn, reply: make(chan []byte, 1)}
	r.mu.Lock()
	r.waiting[id] = s
	r.byConn[conn] = id
	r.mu.Unlock()
	return id, s.reply
}

// End forgets waiter id: a reply arriving later is dropped.
func (r *Registry) End(id uint64) {
	r.mu.Lock()
	if s := r.waiting[id]; s != nil {
		delete(r.waiting, id)
		if s.blocked {
			r.blocked--
		}
		if r.byConn[s.conn] == id {
			delete(r.byConn, s.conn)
		}
	}
	r.mu.Unlock()
}

// WaiterOf returns the waiter connection conn is blocked on.
func (r *Registry) WaiterOf(conn int64) (uint64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ok := r.byConn[conn]
	return id, ok
}

// MarkBlocked records that the machine registered waiter id: the
// connection is blocked (INFO blocked_clients counts it).
func (r *Registry) MarkBlocked(id uint64) {
	r.mu.Lock()
	if s := r.waiting[id]; s != nil && !s.blocked {
		s.blocked = true
		r.blocked++
	}
	r.mu.Unlock()
}

// Blocked returns the number of this node's blocked connections.
func (r *Registry) Blocked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.blocked
}

// OnServe makes fn hear of the connection of each waiter of this node the
// machine is about to serve (nil: nobody). fn runs on the applying
// goroutine, with the machine's lock held: it must not block.
func (r *Registry) OnServe(fn func(conn int64)) {
	if fn == nil {
		r.onServe.Store(nil)
		return
	}
	r.onServe.Store(&fn)
}

// Serving implements kv.BlockServeObserver.
func (r *Registry) Serving(node string, inc, id uint64) {
	fn := r.onServe.Load()
	if fn == nil || node != r.node || inc != r.inc {
		return
	}
	r.mu.Lock()
	s := r.waiting[id]
	r.mu.Unlock()
	if s != nil {
		(*fn)(s.conn)
	}
}

// Unblocked implements kv.BlockSink: a reply for one of this node's
// waiters of this incarnation goes to its connection.
func (r *Registry) Unblocked(node string, inc, id uint64, reply []byte) {
	if node != r.node || inc != r.inc {
		return
	}
	r.mu.Lock()
	s := r.waiting[id]
	r.mu.Unlock()
	if s == nil {
		return // the connection stopped waiting: see docs/replication.md
	}
	select {
	case s.reply <- append([]byte(nil), reply...):
	default: // answered already (a re-sent registration): the connection takes the first
	}
}
