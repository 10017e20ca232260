package resp

import (
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

// psWords are the message type names per subscription kind.
var psWords = [...]struct{ sub, unsub, msg string }{
	pubsub.Channel: {"subscribe", "unsubscribe", "message"},
	pubsub.Pattern: {"psubscribe", "punsubscribe", "pmessage"},
	pubsub.Shard:   {"ssubscribe", "sunsubscribe", "smessage"},
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

// flushGroupSubscribed runs the pending commands of a connection that has
// an output queue one at a time, each after the replies before it are
// queued: a PUBLISH to a channel the connection itself subscribes to then
// delivers its message after the earlier replies and before its own, as
// Redis does. (It costs group commit for such clients' pipelines.)
func (c *conn) flushGroupSubscribed() {
	for _, cmd := range c.pending {
		c.moveOutput()
		c.trackCmd(cmd, c.rememberReads([][][]byte{cmd.Args}, false)) // CLIENT TRACKING (tracking.go)
		c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, &c.w)
		c.trackingDone() // its reply, then the invalidations held meanwhile
	}
	c.pending = c.pending[:0]
	c.cmds = c.cmds[:0]
}

// errTooManySubscriptions answers a SUBSCRIBE beyond Config.MaxSubscriptions.
const errTooManySubscriptions = "ERR too many subscriptions for this connection"

func (c *conn) subscribe(k pubsub.Kind, names [][]byte) {
	c.psStart()
	c.moveOutput()
	for _, name := range names {
		if c.subs.Total() >= c.srv.cfg.MaxSubscriptions {
			// Already subscribed names cost nothing more; others are
			// refused, and so is the rest of the command.
			if !c.srv.hub.IsSubscribed(c, k, name) {
				c.w.Error(errTooManySubscriptions)
				return
			}
		}
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
