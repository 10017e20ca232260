package resp

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"redraft/kv"
	"redraft/kv/pubsub"
)

// Pub/sub at the edge: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
// SSUBSCRIBE, SUNSUBSCRIBE and PUBSUB. Subscriptions live in the node's
// hub (kv/pubsub); PUBLISH and SPUBLISH run in the state machine, which
// hands their messages to the hub at apply.
//
// # Output of a subscribed connection
//
// Messages arrive on the applying goroutine, while the connection's own
// goroutine is blocked reading its socket, and the applying goroutine must
// never wait for a slow client. So a connection that subscribes for the
// first time gets a psOut: a byte queue and a writer goroutine that drains
// it to the socket. From then on every byte the connection sends — its
// replies and its messages — goes through that queue, in one order:
// messages are appended by Deliver; replies by flush; (un)subscribe
// confirmations are appended while the hub's lock is held, so that a
// confirmation precedes every message of the new subscription.
//
// The queue is bounded by client-output-buffer-limit's pubsub class while
// the client is subscribed (Redis's defaults: a hard limit of 32mb closes
// the connection at once, a soft limit of 8mb closes it when exceeded for
// 60 seconds without a break) and by Config.OutputBufferMax otherwise.

// PubSubProvider is implemented by executors whose state machine publishes
// into a hub (kv.EventSink): the edge registers its subscriptions there.
// A server over an executor without one keeps a hub of its own, where
// nothing is ever published.
type PubSubProvider interface {
	PubSub() *pubsub.Hub
}

// Redis's default client-output-buffer-limit for the pubsub class.
const (
	DefaultPubSubHardLimit   = 32 << 20
	DefaultPubSubSoftLimit   = 8 << 20
	DefaultPubSubSoftSeconds = 60
	// psDrainTimeout bounds how long a closing connection waits for its
	// queued output (QUIT's +OK, say) to reach a client that stopped reading.
	psDrainTimeout = time.Second
)

// outputLimit is one client class's client-output-buffer-limit.
type outputLimit struct {
	hard, soft int64 // bytes, 0 = none
	softSecs   int64
}

// Client classes of client-output-buffer-limit. Only the pubsub class is
// enforced here (normal clients are bounded by Config.OutputBufferMax and
// the stall timeout; there are no replica clients); the others are kept so
// that CONFIG GET returns what CONFIG SET set.
const (
	classNormal = iota
	classReplica
	classPubSub
	numClasses
)

var classNames = [numClasses]string{"normal", "slave", "pubsub"}

// defaultOutputLimits are Redis 7.0's defaults.
var defaultOutputLimits = [numClasses]outputLimit{
	classNormal:  {},
	classReplica: {hard: 256 << 20, soft: 64 << 20, softSecs: 60},
	classPubSub:  {hard: DefaultPubSubHardLimit, soft: DefaultPubSubSoftLimit, softSecs: DefaultPubSubSoftSeconds},
}

// formatOutputLimits renders client-output-buffer-limit as CONFIG GET does.
func formatOutputLimits(ls *[numClasses]outputLimit) string {
	var b []byte
	for i, l := range ls {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, classNames[i]...)
		for _, v := range []int64{l.hard, l.soft, l.softSecs} {
			b = append(b, ' ')
			b = strconv.AppendInt(b, v, 10)
		}
	}
	return string(b)
}

// parseOutputLimits parses a CONFIG SET client-output-buffer-limit value:
// groups of <class> <hard> <soft> <soft seconds>, Redis's error texts.
func parseOutputLimits(s *Server, v string) (func(), string) {
	f := strings.Fields(v)
	if len(f)%4 != 0 {
		return nil, "Wrong number of arguments in buffer limit configuration."
	}
	ls := *s.outLimits.Load()
	for i := 0; i < len(f); i += 4 {
		class := -1
		switch strings.ToLower(f[i]) {
		case "normal":
			class = classNormal
		case "slave", "replica":
			class = classReplica
		case "pubsub":
			class = classPubSub
		}
		if class < 0 {
			return nil, "Invalid client class specified in buffer limit configuration."
		}
		hard, ok1 := ParseMemory(f[i+1])
		soft, ok2 := ParseMemory(f[i+2])
		secs, ok3 := kv.ParseInt([]byte(f[i+3]))
		if !ok1 || !ok2 || !ok3 || hard < 0 || soft < 0 || secs < 0 {
			return nil, "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		}
		ls[class] = outputLimit{hard: hard, soft: soft, softSecs: secs}
	}
	return func() { s.outLimits.Store(&ls) }, ""
}

// psWords are the message type names per subscription kind.
var psWords = [...]struct{ sub, unsub, msg string }{
	pubsub.Channel: {"subscribe", "unsubscribe", "message"},
	pubsub.Pattern: {"psubscribe", "punsubscribe", "pmessage"},
	pubsub.Shard:   {"ssubscribe", "sunsubscribe", "smessage"},
}

// psOut is the output queue of a connection that has subscribed.
type psOut struct {
	c    *conn
	wake chan struct{} // capacity 1: the writer has something to do
	done chan struct{} // closed when the writer returns

	mu        sync.Mutex
	buf       []byte // queued output
	inflight  int    // bytes taken by the writer and not yet written
	closing   bool   // write what is queued, then stop
	dead      bool   // stop now; drop everything
	softSince int64  // Unix ns the soft limit was first exceeded, 0 when under it
}

// psStart gives the connection its output queue and writer, once.
func (c *conn) psStart() {
	if c.ps != nil {
		return
	}
	o := &psOut{c: c, wake: make(chan struct{}, 1), done: make(chan struct{})}
	// Whatever is already in c.w goes first.
	o.buf = append(o.buf, c.w.Bytes()...)
	c.w.Reset()
	c.ps = o
	c.srv.wg.Add(1)
	go o.run()
}

// psFinish stops delivery to a closing connection and lets its writer send
// what is queued (bounded by psDrainTimeout).
func (c *conn) psFinish() {
	if c.ps == nil {
		return
	}
	c.srv.hub.Forget(c)
	o := c.ps
	o.mu.Lock()
	o.closing = true
	o.mu.Unlock()
	o.signal()
	_ = c.nc.SetWriteDeadline(time.Now().Add(psDrainTimeout))
	<-o.done
}

func (o *psOut) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// run is the writer goroutine.
func (o *psOut) run() {
	c := o.c
	defer c.srv.wg.Done()
	defer close(o.done)
	var spare []byte
	for {
		o.mu.Lock()
		for len(o.buf) == 0 && !o.closing && !o.dead {
			o.mu.Unlock()
			<-o.wake
			o.mu.Lock()
		}
		if o.dead || (o.closing && len(o.buf) == 0) {
			o.mu.Unlock()
			return
		}
		b := o.buf
		o.buf = spare[:0]
		o.inflight = len(b)
		o.mu.Unlock()

		for rest := b; len(rest) > 0; {
			chunk := min(len(rest), writeChunk)
			c.writeSince.Store(c.srv.now.Load())
			n, err := c.nc.Write(rest[:chunk])
			rest = rest[n:]
			if err != nil {
				c.writeSince.Store(0)
				o.kill()
				return
			}
		}
		c.writeSince.Store(0)
		c.netOut.Add(int64(len(b)))
		if cap(b) <= writeBufferKeep {
			spare = b[:0]
		} else {
			spare = nil
		}
		o.mu.Lock()
		o.inflight = 0
		o.mu.Unlock()
	}
}

// kill drops the queue and closes the connection (its reader then ends).
func (o *psOut) kill() {
	o.mu.Lock()
	o.dead = true
	o.buf = nil
	o.mu.Unlock()
	o.signal()
	o.c.nc.Close()
}

// overLimit enforces the output limits after bytes were queued; o.mu is
// held. It reports whether the connection must be closed.
func (o *psOut) overLimit() bool {
	c := o.c
	pending := int64(len(o.buf) + o.inflight)
	if c.subsA.Load() == 0 {
		return pending > c.srv.cfg.OutputBufferMax
	}
	l := c.srv.outLimits.Load()[classPubSub]
	if l.hard > 0 && pending > l.hard {
		return true
	}
	if l.soft > 0 && pending > l.soft {
		now := c.srv.now.Load()
		if o.softSince == 0 {
			o.softSince = now
		} else if now-o.softSince >= l.softSecs*int64(time.Second) {
			return true
		}
		return false
	}
	o.softSince = 0
	return false
}

// queued is called with o.mu held after bytes were appended: it enforces
// the limits and wakes the writer. It reports false when the connection
// was closed.
func (o *psOut) queued() bool {
	if o.overLimit() {
		c := o.c
		c.srv.log.Warn("resp: closing client that reached its output buffer limit",
			"id", c.id, "addr", c.addr, "pending_bytes", len(o.buf)+o.inflight, "subscribed", c.subsA.Load() > 0)
		o.dead = true
		o.buf = nil
		o.signal()
		c.nc.Close()
		return false
	}
	o.signal()
	return true
}

// write queues the connection's own replies (flush in subscribed mode).
func (o *psOut) write(b []byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		return false
	}
	o.buf = append(o.buf, b...)
	return o.queued()
}

// Deliver implements pubsub.Subscriber: it renders the message in the
// client's current protocol and queues it. It runs on the applying
// goroutine and never blocks on the client.
func (c *conn) Deliver(m *pubsub.Message) {
	o := c.ps
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.dead {
		return
	}
	b := o.buf
	push := c.protoA.Load() == 3
	if m.Kind == pubsub.Pattern {
		b = appendPushHeader(b, push, 4)
		b = appendBulkString(b, psWords[m.Kind].msg)
		b = appendBulk(b, m.Pattern)
	} else {
		b = appendPushHeader(b, push, 3)
		b = appendBulkString(b, psWords[m.Kind].msg)
	}
	b = appendBulk(b, m.Channel)
	b = appendBulk(b, m.Payload)
	o.buf = b
	o.queued()
}

func appendPushHeader(b []byte, push bool, n int) []byte {
	if push {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}

func appendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

func appendBulkString(b []byte, s string) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// appendConfirm renders an (un)subscribe confirmation: the word, the
// channel (null for an UNSUBSCRIBE of nothing) and the count.
func appendConfirm(b []byte, proto uint8, word string, name []byte, count int) []byte {
	b = appendPushHeader(b, proto == 3, 3)
	b = appendBulkString(b, word)
	switch {
	case name != nil:
		b = appendBulk(b, name)
	case proto == 3:
		b = append(b, "_\r\n"...)
	default:
		b = append(b, "$-1\r\n"...)
	}
	b = append(b, ':')
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, '\r', '\n')
}

// confirm writes a confirmation in order with the connection's output: into
// the queue when the connection has one (the hub's lock is held), into c.w
// otherwise (no message can be delivered to a connection without a queue).
func (c *conn) confirm(word string, name []byte, n pubsub.Counts, k pubsub.Kind) {
	c.setSubCounts(n)
	if o := c.ps; o != nil {
		o.mu.Lock()
		if !o.dead {
			o.buf = appendConfirm(o.buf, c.proto, word, name, n.Reply(k))
			o.queued()
		}
		o.mu.Unlock()
		return
	}
	c.w.Raw(appendConfirm(nil, c.proto, word, name, n.Reply(k)))
}

func (c *conn) setSubCounts(n pubsub.Counts) {
	c.subs = n
	c.subsA.Store(int32(n.Total()))
	c.chanA.Store(int32(n.Channels))
	c.patA.Store(int32(n.Patterns))
	c.shardA.Store(int32(n.Shards))
}

// moveOutput hands what the connection wrote so far to its queue, so that
// what follows (a confirmation written under the hub's lock) comes after.
func (c *conn) moveOutput() {
	if c.w.Len() > 0 {
		if !c.ps.write(c.w.Bytes()) {
			c.dead = true
		}
		c.w.Reset()
	}
}

// flushGroupSubscribed runs the pending commands of a connection that has
// an output queue one at a time, each after the replies before it are
// queued: a PUBLISH to a channel the connection itself subscribes to then
// delivers its message after the earlier replies and before its own, as
// Redis does. (It costs group commit for such clients' pipelines.)
func (c *conn) flushGroupSubscribed() {
	for _, cmd := range c.pending {
		c.moveOutput()
		c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, &c.w)
	}
	c.pending = c.pending[:0]
	c.cmds = c.cmds[:0]
}

func (c *conn) subscribe(k pubsub.Kind, names [][]byte) {
	c.psStart()
	c.moveOutput()
	for _, name := range names {
		c.srv.hub.Subscribe(c, k, name, func(n pubsub.Counts) { c.confirm(psWords[k].sub, name, n, k) })
	}
}

func (c *conn) unsubscribe(k pubsub.Kind, names [][]byte) {
	if c.ps == nil && c.silenced {
		c.psStart() // confirmations bypass CLIENT REPLY OFF: they go to the queue
	}
	if c.ps != nil {
		c.moveOutput()
	}
	if len(names) == 0 {
		c.srv.hub.UnsubscribeAll(c, k, func(name []byte, n pubsub.Counts) { c.confirm(psWords[k].unsub, name, n, k) })
		return
	}
	for _, name := range names {
		c.srv.hub.Unsubscribe(c, k, name, func(n pubsub.Counts) { c.confirm(psWords[k].unsub, name, n, k) })
	}
}

func (c *conn) cmdSubscribe(args [][]byte)  { c.subscribe(pubsub.Channel, args[1:]) }
func (c *conn) cmdPSubscribe(args [][]byte) { c.subscribe(pubsub.Pattern, args[1:]) }

// cmdSSubscribe refuses to run inside EXEC, as Redis 7.0 does (EXEC makes
// the client "deny blocking", and SSUBSCRIBE has no MULTI exception).
func (c *conn) cmdSSubscribe(args [][]byte) {
	if c.inExec {
		c.w.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")
		return
	}
	c.subscribe(pubsub.Shard, args[1:])
}
func (c *conn) cmdUnsubscribe(args [][]byte)  { c.unsubscribe(pubsub.Channel, args[1:]) }
func (c *conn) cmdPUnsubscribe(args [][]byte) { c.unsubscribe(pubsub.Pattern, args[1:]) }
func (c *conn) cmdSUnsubscribe(args [][]byte) { c.unsubscribe(pubsub.Shard, args[1:]) }

// forgetSubscriptions drops every subscription without confirmations (RESET).
func (c *conn) forgetSubscriptions() {
	if c.ps == nil {
		return
	}
	c.srv.hub.Forget(c)
	c.setSubCounts(pubsub.Counts{})
}

// subscribedRESP2 reports whether the connection is in RESP2's subscribed
// mode, where only a few commands are allowed.
func (c *conn) subscribedRESP2() bool { return c.proto == 2 && c.subs.Total() > 0 }

// allowedSubscribed lists the commands Redis runs in RESP2's subscribed mode.
func allowedSubscribed(spec *kv.Spec) bool {
	switch spec.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe", "psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// errSubscribedText is Redis's refusal of other commands in subscribed mode.
func errSubscribedText(fullName string) string {
	return "ERR Can't execute '" + fullName + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// subscribedPing is PING in RESP2's subscribed mode: ["pong", arg or ""].
func (c *conn) subscribedPing(args [][]byte) {
	if len(args) > 2 {
		c.w.Error(kv.ErrArity("ping"))
		return
	}
	c.w.Array(2)
	c.w.BulkString("pong")
	if len(args) == 2 {
		c.w.Bulk(args[1])
	} else {
		c.w.BulkString("")
	}
}

// PUBSUB subcommands: this node's subscriptions (Redis Cluster's PUBSUB is
// node-local too).

func (c *conn) cmdPubsubChannels(args [][]byte) { c.pubsubChannels(args, false) }

func (c *conn) cmdPubsubShardChannels(args [][]byte) { c.pubsubChannels(args, true) }

func (c *conn) pubsubChannels(args [][]byte, shard bool) {
	if len(args) > 3 {
		c.w.Error(errSubcommandSyntax(args))
		return
	}
	var pat []byte
	if len(args) == 3 {
		pat = args[2]
	}
	chs := c.srv.hub.Channels(pat, shard)
	c.w.Array(len(chs))
	for _, ch := range chs {
		c.w.Bulk(ch)
	}
}

func (c *conn) cmdPubsubNumSub(args [][]byte)      { c.pubsubNumSub(args, false) }
func (c *conn) cmdPubsubShardNumSub(args [][]byte) { c.pubsubNumSub(args, true) }

func (c *conn) pubsubNumSub(args [][]byte, shard bool) {
	c.w.Array(2 * (len(args) - 2))
	for _, ch := range args[2:] {
		c.w.Bulk(ch)
		c.w.Int(int64(c.srv.hub.NumSub(ch, shard)))
	}
}

func (c *conn) cmdPubsubNumPat(args [][]byte) { c.w.Int(int64(c.srv.hub.NumPat())) }

func (c *conn) cmdPubsubHelp(args [][]byte) {
	writeHelp(&c.w, "PUBSUB",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	)
}

// errSubcommandSyntax is Redis's addReplySubcommandSyntaxError.
func errSubcommandSyntax(args [][]byte) string {
	sub := string(args[1])
	if len(sub) > 128 {
		sub = sub[:128]
	}
	return "ERR unknown subcommand or wrong number of arguments for '" + sub + "'. Try " + upperASCII(string(args[0])) + " HELP."
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'a' && ch <= 'z' {
			b[i] = ch - 32
		}
	}
	return string(b)
}
