package resp

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"redraft/kv"
)

// CLIENT TRACKING: server-assisted client-side caching, as Redis 7.0 does
// it, for the clients of this node.
//
// Default mode: the keys of every read command a tracking client sends are
// remembered in the node's tracking table (key -> client IDs) before the
// command runs; when one of those keys changes, each client that read it
// gets one invalidation message and the key is forgotten. Key changes come
// from the state machine (kv.KeyChangeObserver, through the hub): at apply,
// in log order, on every node, so a write sent to any node of a cluster
// invalidates the keys this node's clients read. Remembering before the
// read runs means no change can fall between the read and the
// registration: a change that lands in between costs a spurious
// invalidation, never a missed one. The invalidations of a client whose
// command runs are sent after its reply (tracking_hold.go). FLUSHDB and FLUSHALL send every
// tracking client a null invalidation ("flush everything"), as Redis does.
//
// BCAST mode: no table; a client registers prefixes (none: every key) and
// gets an invalidation for every change of a key that has one of them.
// OPTIN/OPTOUT with CLIENT CACHING choose the reads that are remembered.
// REDIRECT sends the messages to another connection of this node: a RESP3
// one as push messages, a RESP2 one subscribed to __redis__:invalidate as
// pub/sub messages; a redirection to a connection that is gone is
// reported to the tracking client (RESP3) as tracking-redir-broken.
//
// The table is bounded by tracking-table-max-keys (CONFIG SET-able,
// default 1000000): past it, keys are forgotten with an invalidation sent
// for each, as Redis does. Messages go through the client's output queue
// (psout.go), bounded by the output limits like pub/sub messages; a client
// that does not read them is disconnected, nothing waits for it.
//
// NOLOOP: the commands of a NOLOOP client carry its kv.Origin (this
// edge's random token and the client's ID) through the log; the machine
// reports the origin of the changes it applies (CommandOrigin), and the
// client is sent nothing for its own.
//
// Scripts: their declared keys are remembered when they call a read-only
// command, by the machine as they run (rememberReads, ScriptReadKeys).
//
// Differences (docs/known-differences.md): BCAST sends one message per
// prefix per command rather than per event-loop iteration; a read-only
// script a follower forwards has its keys remembered before it runs.

const (
	// trackingChannel is the pub/sub channel of RESP2 redirections.
	trackingChannel = "__redis__:invalidate"
	// defaultTrackingMaxKeys is tracking-table-max-keys's default.
	defaultTrackingMaxKeys = 1_000_000
)

// trackState is one tracking connection's settings; guarded by
// tracking.mu.
type trackState struct {
	bcast, optin, optout, noloop bool
	caching                      bool  // CLIENT CACHING given for the next command
	redirect                     int64 // 0: none
	redir                        *conn // the redirection's connection, nil when gone
	brokenRedir                  bool  // the redirection's connection went away
	prefixes                     []string
	hold                         heldInvalidations // while a command of it runs (tracking_hold.go)
}

// tracking is a node's client-side caching state.
type tracking struct {
	n       atomic.Int32 // tracking clients (INFO tracking_clients)
	mu      sync.Mutex
	clients map[*conn]*trackState
	byID    map[int64]*conn
	table   map[string]map[int64]struct{} // default mode: key -> client IDs
	items   int                           // IDs in table
	size    atomic.Int64                  // len(table), read without the lock
	// BCAST keys changed by the running command, per client, sent at
	// CommandDone.
	pending  map[string]*bcastBatch // by prefix
	pendingN atomic.Int64
	prefixes map[string]map[*conn]struct{} // BCAST: prefix -> clients
	// self is this edge's origin token (kv.Origin.Server); origin is
	// the origin of the command whose changes the machine reports now
	// (zero: none), for NOLOOP.
	self   uint64
	origin kv.Origin
	// local: the executor runs every command on this node's machine
	// (LocalExecutor), so scripts' keys come from the machine.
	local bool
}

func (t *tracking) init() {
	for t.self == 0 {
		t.self = rand.Uint64()
	}
	t.clients = map[*conn]*trackState{}
	t.byID = map[int64]*conn{}
	t.table = map[string]map[int64]struct{}{}
	t.prefixes = map[string]map[*conn]struct{}{}
}

// trackingMaxKeys reads tracking-table-max-keys.
func (s *Server) trackingMaxKeys() int {
	for i := range storedParams {
		if storedParams[i].name == "tracking-table-max-keys" {
			if n, err := strconv.ParseInt(s.stored.get(&storedParams[i]), 10, 64); err == nil {
				return int(min(n, 1<<40))
			}
		}
	}
	return defaultTrackingMaxKeys
}

// cmdClientTracking is CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]...
// [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with Redis's checks in its order.
func (c *conn) cmdClientTracking(args [][]byte) {
	var opt trackState
	var prefixes []string
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		switch a := args[j]; {
		case kv.EqualFold(a, "REDIRECT") && more > 0:
			j++
			if opt.redirect != 0 {
				c.w.Error("ERR A client can only redirect to a single other client")
				return
			}
			id, ok := kv.ParseInt(args[j])
			if !ok {
				c.w.Error(kv.ErrNotInteger)
				return
			}
			// A connection CLIENT LIST no longer shows (its client closed
			// it, its serve loop has not ended) is not a target either.
			target := c.srv.connByID(id)
			if target == nil || target.gone() {
				c.w.Error("ERR The client ID you want redirect to does not exist")
				return
			}
			opt.redirect, opt.redir = id, target
		case kv.EqualFold(a, "BCAST"):
			opt.bcast = true
		case kv.EqualFold(a, "OPTIN"):
			opt.optin = true
		case kv.EqualFold(a, "OPTOUT"):
			opt.optout = true
		case kv.EqualFold(a, "NOLOOP"):
			opt.noloop = true
		case kv.EqualFold(a, "PREFIX") && more > 0:
			j++
			prefixes = append(prefixes, string(args[j]))
		default:
			c.w.Error(kv.ErrSyntax)
			return
		}
	}
	t := &c.srv.trk
	switch {
	case kv.EqualFold(args[2], "ON"):
		t.mu.Lock()
		old := t.clients[c]
		t.mu.Unlock()
		switch {
		case !opt.bcast && len(prefixes) > 0:
			c.w.Error("ERR PREFIX option requires BCAST mode to be enabled")
			return
		case old != nil && old.bcast != opt.bcast:
			c.w.Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		case opt.bcast && (opt.optin || opt.optout):
			c.w.Error("ERR OPTIN and OPTOUT are not compatible with BCAST")
			return
		case opt.optin && opt.optout:
			c.w.Error("ERR You can't specify both OPTIN mode and OPTOUT mode")
			return
		case old != nil && ((opt.optin && old.optout) || (opt.optout && old.optin)):
			c.w.Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
			return
		}
		if opt.bcast {
			var existing []string
			if old != nil {
				existing = old.prefixes
			}
			if msg := prefixCollision(existing, prefixes); msg != "" {
				c.w.Error(msg)
				return
			}
		}
		// Tracking is on before the client can see the +OK: the output
		// queue's writer may send it at once, and a write the client sends
		// after reading it must find the registration, however late this
		// goroutine runs again on a loaded machine (a BCAST client missed
		// the invalidation of its next write that way). Every key change
		// that finds a tracking client (t.n, read without the lock) takes
		// t.mu, so registering first, then queueing the +OK, both under
		// t.mu, makes them one step for the applying goroutine. (With the
		// +OK queued first, a change applied before the registration saw
		// t.n at 0 and returned without waiting for t.mu.)
		t.mu.Lock()
		t.enableLocked(c, opt, prefixes)
		c.w.OK()
		c.psStartLocked() // invalidations arrive at any time: the output queue
		c.moveOutput()
		t.mu.Unlock()
	case kv.EqualFold(args[2], "OFF"):
		t.disable(c)
		c.w.OK()
	default:
		c.w.Error(kv.ErrSyntax)
	}
}

// prefixCollision is Redis's checkPrefixCollisionsOrReply: no new prefix
// may be a prefix of an existing or another new one, or the reverse.
func prefixCollision(existing, prefixes []string) string {
	overlap := func(a, b string) bool { return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) }
	for i, p := range prefixes {
		for _, e := range existing {
			if overlap(e, p) {
				return "ERR Prefix '" + p + "' overlaps with an existing prefix '" + e + "'. Prefixes for a single client must not overlap."
			}
		}
		for _, q := range prefixes[i+1:] {
			if overlap(p, q) {
				return "ERR Prefix '" + p + "' overlaps with another provided prefix '" + q + "'. Prefixes for a single client must not overlap."
			}
		}
	}
	return ""
}

// enableLocked turns tracking on for c with opt; t.mu is held.
func (t *tracking) enableLocked(c *conn, opt trackState, prefixes []string) {
	st := t.clients[c]
	if st == nil {
		st = &trackState{}
		t.clients[c] = st
		t.byID[c.id] = c
		t.n.Add(1)
	}
	st.bcast, st.optin, st.optout, st.noloop = opt.bcast, opt.optin, opt.optout, opt.noloop
	c.noloopA.Store(opt.noloop)
	st.redirect, st.redir, st.brokenRedir = opt.redirect, opt.redir, false
	if opt.bcast {
		if len(prefixes) == 0 && len(st.prefixes) == 0 {
			prefixes = []string{""}
		}
		for _, p := range prefixes {
			if t.prefixes[p] == nil {
				t.prefixes[p] = map[*conn]struct{}{}
			}
			if _, dup := t.prefixes[p][c]; !dup {
				t.prefixes[p][c] = struct{}{}
				st.prefixes = append(st.prefixes, p)
			}
		}
	}
}

// disable turns tracking off for c (CLIENT TRACKING OFF, RESET, close).
// The keys it read stay in the table until they change, as in Redis.
func (t *tracking) disable(c *conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil {
		return
	}
	for _, p := range st.prefixes {
		delete(t.prefixes[p], c)
		if len(t.prefixes[p]) == 0 {
			delete(t.prefixes, p)
		}
	}
	delete(t.clients, c)
	delete(t.byID, c.id)
	c.noloopA.Store(false)
	t.n.Add(-1)
}

// stopTracking is disable for a connection that closes; it also breaks
// the redirections to it.
func (c *conn) stopTracking() {
	t := &c.srv.trk
	t.disable(c)
	t.mu.Lock()
	for _, st := range t.clients {
		if st.redir == c {
			st.redir = nil
		}
	}
	t.mu.Unlock()
}

// cmdClientCaching is CLIENT CACHING YES|NO.
func (c *conn) cmdClientCaching(args [][]byte) {
	t := &c.srv.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil {
		c.w.Error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
		return
	}
	switch {
	case kv.EqualFold(args[2], "YES"):
		if !st.optin {
			c.w.Error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
			return
		}
	case kv.EqualFold(args[2], "NO"):
		if !st.optout {
			c.w.Error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
			return
		}
	default:
		c.w.Error(kv.ErrSyntax)
		return
	}
	st.caching = true
	c.w.OK()
}

// cmdClientGetRedir is CLIENT GETREDIR: the redirection's client ID, 0
// without one, -1 when tracking is off.
func (c *conn) cmdClientGetRedir(args [][]byte) {
	t := &c.srv.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.clients[c]; st != nil {
		c.w.Int(st.redirect)
		return
	}
	c.w.Int(-1)
}

// cmdClientTrackingInfo is CLIENT TRACKINGINFO.
func (c *conn) cmdClientTrackingInfo(args [][]byte) {
	t := &c.srv.trk
	t.mu.Lock()
	st := t.clients[c]
	var flags, prefixes []string
	redirect := int64(-1)
	if st == nil {
		flags = []string{"off"}
	} else {
		flags = []string{"on"}
		if st.bcast {
			flags = append(flags, "bcast")
		}
		if st.optin {
			flags = append(flags, "optin")
			if st.caching {
				flags = append(flags, "caching-yes")
			}
		}
		if st.optout {
			flags = append(flags, "optout")
			if st.caching {
				flags = append(flags, "caching-no")
			}
		}
		if st.noloop {
			flags = append(flags, "noloop")
		}
		if st.brokenRedir {
			flags = append(flags, "broken_redirect")
		}
		redirect = st.redirect
		prefixes = append(prefixes, st.prefixes...)
	}
	t.mu.Unlock()
	sortStrings(prefixes)
	c.w.Map(3)
	c.w.BulkString("flags")
	c.w.Set(len(flags))
	for _, f := range flags {
		c.w.BulkString(f)
	}
	c.w.BulkString("redirect")
	c.w.Int(redirect)
	c.w.BulkString("prefixes")
	c.w.Array(len(prefixes))
	for _, p := range prefixes {
		c.w.BulkString(p)
	}
}

// rememberReads records, before they run, the keys of the read commands
// of a tracking connection (which has an output queue, so its commands
// run one at a time: flushGroupSubscribed) in default mode (OPTIN: only after CLIENT
// CACHING YES; OPTOUT: unless after CLIENT CACHING NO). inTx: the commands
// of a transaction, which all see the CACHING given before EXEC.
//
// A script's declared keys are remembered when it calls a read-only
// command, as Redis does: by the machine as the script runs (the command
// then carries the client's origin with ScriptReads: scriptReads is true)
// when the script runs on this node's machine for sure, that is when it
// goes through the log (every node applies it) or the executor is local;
// otherwise (a read-only script a follower forwards) before it is sent,
// whether it reads or not.
func (c *conn) rememberReads(cmds [][][]byte, inTx bool) (r trackedReads) {
	t := &c.srv.trk
	if t.n.Load() == 0 {
		return r
	}
	// Which scripts go through the log, asked before t.mu is taken: the
	// executor may read the machine, whose owner calls into t.mu while
	// it holds the machine's lock.
	var logged []bool
	if !t.local && !inTx {
		for i, args := range cmds {
			if spec := kv.Lookup(args[0]); spec != nil && isScript(spec) && c.srv.isWrite(spec, args) {
				if logged == nil {
					logged = make([]bool, len(cmds))
				}
				logged[i] = true
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil {
		return r
	}
	st.hold.active = true // until trackingDone
	if st.bcast {
		return r
	}
	max := c.srv.trackingMaxKeys()
	for i, args := range cmds {
		caching := st.caching
		if !inTx {
			st.caching = false // CLIENT CACHING covers the next command only
		}
		if (st.optin && !caching) || (st.optout && caching) {
			continue
		}
		spec := kv.Lookup(args[0])
		if spec != nil && isScript(spec) {
			if t.local || (logged != nil && logged[i]) {
				r.scriptReads = true
				continue
			}
		} else if spec == nil || spec.Flags&kv.FlagReadOnly == 0 || spec.Flags&kv.FlagPubSub != 0 {
			continue
		}
		for _, k := range spec.Keys(args) {
			t.remember(string(k), c.id)
			r.keys = append(r.keys, string(k))
		}
	}
	if inTx {
		st.caching = false
	}
	t.limit(max)
	t.size.Store(int64(len(t.table)))
	return r
}

// trackedReads is what rememberReads did for a command: whether the
// machine must report its scripts' keys, and the keys it remembered.
type trackedReads struct {
	scriptReads bool
	keys        []string
}

// isScript reports whether spec runs a script (EVAL, EVALSHA, FCALL and
// their read-only variants), whose keys CLIENT TRACKING remembers only
// when it reads.
func isScript(spec *kv.Spec) bool {
	switch spec.Name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro":
		return true
	}
	return false
}

// trackCmd applies rememberReads's answer to the command it covers: with
// scriptReads, cmd carries c's origin asking for its scripts' keys; with
// keys, the machine tells tracking when it runs cmd on this node
// (readRuns, tracking_hold.go).
func (c *conn) trackCmd(cmd *kv.Cmd, r trackedReads) {
	if r.scriptReads {
		cmd.Origin = kv.Origin{Server: c.srv.trk.self, Client: c.id, ScriptReads: true}
	}
	if len(r.keys) > 0 {
		t, keys := &c.srv.trk, r.keys
		cmd.OnRun = func() { t.readRuns(c, keys) }
	}
}

// ScriptReadKeys implements pubsub.KeyObserver: a script of this edge's
// client origin called a read-only command; its declared keys are
// remembered for the client.
func (t *tracking) ScriptReadKeys(origin kv.Origin, keys [][]byte) {
	if origin.Server != t.self {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.byID[origin.Client]
	if c == nil {
		return
	}
	if st := t.clients[c]; st == nil || st.bcast {
		return
	}
	for _, k := range keys {
		t.remember(string(k), c.id)
	}
	t.limit(c.srv.trackingMaxKeys())
	t.size.Store(int64(len(t.table)))
}

// remember adds client id to key's readers; t.mu is held.
func (t *tracking) remember(key string, id int64) {
	ids := t.table[key]
	if ids == nil {
		ids = map[int64]struct{}{}
		t.table[key] = ids
	}
	if _, ok := ids[id]; !ok {
		ids[id] = struct{}{}
		t.items++
	}
}

func init() {
	for i := range storedParams {
		if storedParams[i].name == "tracking-table-max-keys" {
			storedParams[i].applied = (*Server).trackingLimit
		}
	}
}

// trackingLimit applies a new tracking-table-max-keys at once (Redis
// applies it as it goes, from its cron), invalidating the keys forgotten.
func (s *Server) trackingLimit() {
	t := &s.trk
	t.mu.Lock()
	defer t.mu.Unlock()
	t.limit(s.trackingMaxKeys())
	t.size.Store(int64(len(t.table)))
}

// limit forgets keys past max, invalidating each (Redis's
// trackingLimitUsedSlots); t.mu is held. Map order picks them: random.
func (t *tracking) limit(max int) {
	if max <= 0 {
		return
	}
	for key := range t.table {
		if len(t.table) <= max {
			return
		}
		t.invalidateKey(key, kv.Origin{})
	}
}

// KeyChanged implements pubsub.KeyObserver: it sends the invalidations of
// a changed key. It runs on the applying goroutine.
func (t *tracking) KeyChanged(db int, key string) {
	if t.n.Load() == 0 && t.size.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.invalidateKey(key, t.origin)
	t.size.Store(int64(len(t.table)))
	for p := range t.prefixes {
		if strings.HasPrefix(key, p) {
			// BCAST clients get the keys of a command that have one of
			// their prefixes in one message per prefix (CommandDone).
			t.queueBcast(p, key)
		}
	}
}

// CommandOrigin implements pubsub.KeyObserver: the changes reported next
// are o's (NOLOOP).
func (t *tracking) CommandOrigin(o kv.Origin) {
	t.mu.Lock()
	t.origin = o
	t.mu.Unlock()
}

// origin is the kv.Origin c's commands carry: c itself when it tracks
// with NOLOOP, else none.
func (c *conn) origin() kv.Origin {
	if !c.noloopA.Load() {
		return kv.Origin{}
	}
	return kv.Origin{Server: c.srv.trk.self, Client: c.id}
}

// own reports whether origin is c, a NOLOOP client of this edge, which
// hears nothing of its own changes; t.mu is held.
func (t *tracking) own(c *conn, st *trackState, origin kv.Origin) bool {
	return st.noloop && origin.Server == t.self && origin.Client == c.id
}

// bcastBatch is the keys with one prefix a command changed, each with the
// origin of its first change.
type bcastBatch struct {
	keys    []string
	origins []kv.Origin
	seen    map[string]struct{}
}

// queueBcast adds key to prefix's batch; t.mu is held.
func (t *tracking) queueBcast(prefix, key string) {
	if t.pending == nil {
		t.pending = map[string]*bcastBatch{}
	}
	b := t.pending[prefix]
	if b == nil {
		b = &bcastBatch{seen: map[string]struct{}{}}
		t.pending[prefix] = b
	}
	if _, dup := b.seen[key]; dup {
		return
	}
	b.seen[key] = struct{}{}
	b.keys = append(b.keys, key)
	b.origins = append(b.origins, t.origin)
	t.pendingN.Add(1)
}

// CommandDone implements pubsub.KeyObserver: the BCAST invalidations of
// the command's changes go out, one message per client.
func (t *tracking) CommandDone() {
	if t.pendingN.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	// In prefix order, then client order, as Redis's radix trees give.
	prefixes := make([]string, 0, len(t.pending))
	for p := range t.pending {
		prefixes = append(prefixes, p)
	}
	sortStrings(prefixes)
	for _, p := range prefixes {
		var cs []*conn
		for c := range t.prefixes[p] {
			cs = append(cs, c)
		}
		sortConns(cs)
		b := t.pending[p]
		for _, c := range cs {
			keys := b.keys
			if st := t.clients[c]; st != nil && st.noloop {
				keys = nil
				for i, k := range b.keys {
					if !t.own(c, st, b.origins[i]) {
						keys = append(keys, k)
					}
				}
				if len(keys) == 0 {
					continue
				}
			}
			t.sendKeys(c, keys, false, "")
		}
	}
	clear(t.pending)
	t.pendingN.Store(0)
}

// invalidateKey sends key's invalidation to the clients that read it
// (but the NOLOOP client that changed it: origin) and forgets it; t.mu is
// held.
func (t *tracking) invalidateKey(key string, origin kv.Origin) {
	ids := t.table[key]
	if ids == nil {
		return
	}
	delete(t.table, key)
	t.items -= len(ids)
	for id := range ids {
		if c := t.byID[id]; c != nil {
			if st := t.clients[c]; st != nil && !st.bcast && !t.own(c, st, origin) {
				t.sendKeys(c, []string{key}, false, key)
			}
		}
	}
}

// Flushed implements pubsub.KeyObserver: FLUSHDB and FLUSHALL invalidate
// everything (a null invalidation to every tracking client) and empty the
// table, as Redis's trackingInvalidateKeysOnFlush.
func (t *tracking) Flushed(db int) {
	if t.n.Load() == 0 && t.size.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.clients {
		t.sendKeys(c, nil, true, "")
	}
	clear(t.table)
	t.items = 0
	t.size.Store(0)
}

// sendKeys queues one invalidation message of keys (a null one when null)
// for c or its redirection; readKey is the key when it is the invalidation
// of a key c read (default mode), which a read of it that runs before the
// message leaves may take back (readRuns). t.mu is held.
func (t *tracking) sendKeys(c *conn, keys []string, null bool, readKey string) {
	st := t.clients[c]
	if st == nil {
		return
	}
	to, redirected := c, false
	if st.redirect != 0 {
		if st.redir == nil {
			st.brokenRedir = true
			if c.protoA.Load() == 3 {
				b := appendPushHeader(nil, true, 2)
				b = appendBulkString(b, "tracking-redir-broken")
				b = append(b, ':')
				b = strconv.AppendInt(b, st.redirect, 10)
				c.queuePush(append(b, '\r', '\n'))
			}
			return
		}
		to, redirected = st.redir, true
	}
	var b []byte
	switch {
	case to.protoA.Load() == 3:
		b = appendPushHeader(nil, true, 2)
		b = appendBulkString(b, "invalidate")
	case redirected && to.subsA.Load() > 0:
		b = appendPushHeader(nil, false, 3)
		b = appendBulkString(b, "message")
		b = appendBulkString(b, trackingChannel)
	default:
		return // RESP2 without a subscribed redirection: nowhere to send
	}
	switch {
	case null && to.protoA.Load() == 3:
		b = append(b, "_\r\n"...)
	case null:
		b = append(b, "$-1\r\n"...)
	default:
		b = append(b, '*')
		b = strconv.AppendInt(b, int64(len(keys)), 10)
		b = append(b, '\r', '\n')
		for _, k := range keys {
			b = appendBulkString(b, k)
		}
	}
	if st.hold.active {
		st.hold.add(to, b, readKey)
		return
	}
	to.queuePush(b)
}

// queuePush queues bytes on a connection's output queue; a RESP3
// connection without one (a redirection target that never subscribed)
// has its goroutine start one (tracking_redirect.go). t.mu is held.
func (c *conn) queuePush(b []byte) {
	o := c.psA.Load()
	if o == nil {
		c.pushBeforeQueue(b)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		return
	}
	o.buf = append(o.buf, b...)
	o.queued()
}

// connByID returns the live connection with that ID, nil when none.
func (s *Server) connByID(id int64) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.id == id {
			return c
		}
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// clientFlags returns CLIENT LIST's tracking flags of c: t (tracking), R
// (broken redirection), B (broadcast).
func (t *tracking) clientFlags(c *conn) string {
	if t.n.Load() == 0 {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	st := t.clients[c]
	if st == nil {
		return ""
	}
	f := "t"
	if st.brokenRedir {
		f += "R"
	}
	if st.bcast {
		f += "B"
	}
	return f
}

// statsFields are INFO stats' tracking fields.
func (t *tracking) statsFields() [][2]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return [][2]string{
		{"tracking_total_keys", strconv.Itoa(len(t.table))},
		{"tracking_total_items", strconv.Itoa(t.items)},
		{"tracking_total_prefixes", strconv.Itoa(len(t.prefixes))},
	}
}
