package resp

import "slices"

// Invalidations of a tracking client are held while one of its commands
// runs and sent after its reply, as Redis (one thread: the reply is
// written before any later change is processed) sends them. The edge
// remembers a read's keys before the read runs (tracking.go), so a change
// applied between the registration and the read, or after the read but
// before the edge has its reply, produces an invalidation while the reply
// is still on its way; sent at once it reached the client before the
// reply, and a client that caches every reply then kept a value the
// invalidation was meant to drop (or, for a change the reply already
// shows, forgot the key while caching its value: the next change went
// unreported). Sent after the reply, an invalidation always drops what
// the client cached from it: spurious at worst, never missed.
//
// Held messages are bounded: past maxHeldInvalidations (a BCAST client
// whose read waits for a leader while writes pour in) they collapse into
// one null invalidation, which tells the client to drop its whole cache.

// maxHeldInvalidations bounds the messages held for one client.
const maxHeldInvalidations = 1024

// heldInvalidations is what a tracking client's running command holds
// back; guarded by tracking.mu.
type heldInvalidations struct {
	active   bool // a command of the client is running
	msgs     []heldPush
	overflow bool // more than maxHeldInvalidations: send one null instead
}

// heldPush is one held message and the connection it goes to (the client
// or its redirection).
type heldPush struct {
	to  *conn
	b   []byte
	key string // the key of a default-mode invalidation (readRuns), else ""
}

func (h *heldInvalidations) add(to *conn, b []byte, key string) {
	if h.overflow {
		return
	}
	if len(h.msgs) >= maxHeldInvalidations {
		h.msgs, h.overflow = nil, true
		return
	}
	h.msgs = append(h.msgs, heldPush{to, b, key})
}

// holdFor holds the invalidations of connection id, blocked and about to
// be served by the machine, until its reply is queued (runBlocking calls
// trackingDone): the changes of its own pop (BLMOVE's push) come after
// it, as Redis sends them.
func (t *tracking) holdFor(id int64) {
	if t.n.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c := t.byID[id]; c != nil {
		if st := t.clients[c]; st != nil {
			st.hold.active = true
		}
	}
}

// trackingDone ends the command rememberReads started for c: its reply
// (in c.w unless silenced) goes to the output queue, then the
// invalidations held meanwhile.
func (c *conn) trackingDone() {
	t := &c.srv.trk
	if t.n.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil || !st.hold.active {
		return
	}
	if c.ps != nil && !c.silenced {
		c.moveOutput()
	}
	h := st.hold
	st.hold = heldInvalidations{}
	if h.overflow {
		t.sendKeys(c, nil, true, "")
		return
	}
	for _, m := range h.msgs {
		m.to.queuePush(m.b)
	}
}

// readRuns is called by the machine, with its lock held, as it runs on
// this node a command whose keys rememberReads remembered for c. A change
// of one of them applied since (the leader's read waits at its read
// barrier after the edge remembered its keys, while the log's earlier
// entries apply) made an invalidation that is held, as c's command is
// running: the reply about to be written already shows that change, so
// the invalidation is taken back and the key remembered again, as if the
// edge had remembered it now. Redis, running the read at once, sends no
// such invalidation; without this the client heard one after its reply.
func (t *tracking) readRuns(c *conn, keys []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil || !st.hold.active || len(st.hold.msgs) == 0 {
		return
	}
	kept := st.hold.msgs[:0]
	var again []string
	for _, m := range st.hold.msgs {
		if m.key != "" && slices.Contains(keys, m.key) {
			again = append(again, m.key)
			continue
		}
		kept = append(kept, m)
	}
	clear(st.hold.msgs[len(kept):])
	st.hold.msgs = kept
	if len(again) == 0 {
		return
	}
	for _, k := range again {
		t.remember(k, c.id)
	}
	t.limit(c.srv.trackingMaxKeys())
	t.size.Store(int64(len(t.table)))
}
