package kv

// Events: what a command produces besides its reply and its state change.
//
// PUBLISH and SPUBLISH change nothing in the keyspace; their effect is a
// message delivered to subscribers. Subscriptions are connection state held
// by each node's edge, not machine state, so the machine does not deliver
// anything itself: it hands the message to the EventSink of the node that
// applies the command, at apply, in log order. Every node applies the same
// log, so every node hands its sink the same messages in the same order and
// each delivers them to its own subscribers.
//
// The sink is node-local and never part of the state: a machine without one
// (a read path, a test) drops the events. What a sink returns may shape the
// reply (PUBLISH's receiver count), which is therefore not the same bytes on
// every replica; only the reply rendered on the proposing node reaches a
// client, and no state depends on it, so snapshots stay identical.
//
// Keyspace notifications (notify-keyspace-events) use the same path: a
// command reports its events with Ctx.Notify, which publishes on the
// __keyspace@<db>__ and __keyevent@<db>__ channels the classes the sink
// asks for (notify.go).

// EventSink receives the events of applied commands. Publish is called on
// the goroutine that applies commands, with the machine's owner holding its
// lock, in apply order; it must not block (it queues the message for
// delivery) and must copy what it keeps: channel and message are borrowed.
type EventSink interface {
	// Publish delivers message on channel (a shard channel when shard is
	// set: SPUBLISH) and returns how many subscriptions of this node
	// received it.
	Publish(channel, message []byte, shard bool) int
	// KeyspaceEvents returns the keyspace notification classes (Notify*
	// bits) this node delivers now; 0 turns generation off. It is called
	// for every event a command reports, so it must be cheap (an atomic
	// load); it may answer 0 while nobody could receive the messages.
	KeyspaceEvents() int
}

// SetEventSink makes s receive the events of the commands m executes from
// now on (nil: drop them). The owner calls it before executing anything and
// again after replacing its machine (snapshot restore).
func (m *Machine) SetEventSink(s EventSink) { m.sink = s }

// Publish hands a message to the node's event sink and returns the number
// of local receivers (0 without a sink).
func (c *Ctx) Publish(channel, message []byte, shard bool) int {
	if c.m.sink == nil {
		return 0
	}
	return c.m.sink.Publish(channel, message, shard)
}
