package pubsub

import (
	"strings"
	"sync/atomic"
)

// Keyspace notification settings of the node (notify-keyspace-events).
//
// The hub is where a node's messages meet its subscribers, so it also
// holds which keyspace notification classes the node delivers: the state
// machine asks for them (kv.EventSink.KeyspaceEvents) for every event a
// command reports, and the edge sets them (CONFIG SET). The setting is
// per node, like Redis's: see docs/pubsub.md.

// keyspaceEvents is the hub's part of the setting: the configured
// classes, and how many subscriptions could receive a keyspace message
// (patterns, and channels under the __key prefix), maintained by
// Subscribe and remove under the hub's lock.
type keyspaceEvents struct {
	flags atomic.Int64
	subs  atomic.Int64
}

// keyspaceChannelPrefix is shared by __keyspace@ and __keyevent@ channels.
const keyspaceChannelPrefix = "__key"

// mayReceiveKeyspace reports whether a subscription of kind k to name could
// receive a keyspace notification (every pattern may match one).
func mayReceiveKeyspace(k Kind, name string) bool {
	return k == Pattern || k == Channel && strings.HasPrefix(name, keyspaceChannelPrefix)
}

// SetKeyspaceEvents sets the classes (kv.Notify* bits) delivered from now on.
func (h *Hub) SetKeyspaceEvents(flags int) { h.ks.flags.Store(int64(flags)) }

// KeyspaceEventsConfig returns the classes set with SetKeyspaceEvents.
func (h *Hub) KeyspaceEventsConfig() int { return int(h.ks.flags.Load()) }

// KeyspaceEvents returns the configured classes, or 0 while no
// subscription of this node could receive a keyspace notification (so the
// machine skips building messages nobody gets). It implements
// kv.EventSink.
func (h *Hub) KeyspaceEvents() int {
	if h.ks.subs.Load() == 0 {
		return 0
	}
	return int(h.ks.flags.Load())
}
