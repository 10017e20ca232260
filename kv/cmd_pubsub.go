package kv

// PUBLISH and SPUBLISH: the two pub/sub commands that run in the machine.
// They go through the log (FlagMayReplicate) so that every node produces
// their message at the same point of the log; see events.go. SUBSCRIBE and
// the other subscription commands are connection state and belong to the
// RESP edge.

func pubsubCommands() []*Spec {
	const flags = FlagPubSub | FlagLoading | FlagStale | FlagFast | FlagMayReplicate
	return []*Spec{
		{Name: "publish", Arity: 3, Flags: flags,
			Group: "pubsub", Since: "2.0.0", Summary: "Post a message to a channel", Run: runPublish},
		{Name: "spublish", Arity: 3, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "pubsub", Since: "7.0.0", Summary: "Post a message to a shard channel", Run: runSPublish},
	}
}

// runPublish replies with the number of subscriptions on this node that
// received the message (channel and pattern subscriptions).
func runPublish(c *Ctx) { c.W.Int(int64(c.Publish(c.Args[1], c.Args[2], false))) }

// runSPublish is PUBLISH for shard channels (no pattern matching).
func runSPublish(c *Ctx) { c.W.Int(int64(c.Publish(c.Args[1], c.Args[2], true))) }
