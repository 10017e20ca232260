package resp

import "redraft/kv"

// notify-keyspace-events: the keyspace notification classes this node
// delivers to its subscribers. The value lives in the node's pub/sub hub,
// which the state machine asks while it applies commands (kv/notify.go);
// CONFIG SET changes this node only, as on a Redis server (see
// docs/pubsub.md for why that is enough under replication).

func getNotifyKeyspaceEvents(s *Server) string {
	return kv.FormatNotifyFlags(s.hub.KeyspaceEventsConfig())
}

func parseNotifyKeyspaceEvents(s *Server, v string) (func(), string) {
	flags, ok := kv.ParseNotifyFlags(v)
	if !ok {
		return nil, kv.ErrNotifyClass
	}
	return func() { s.hub.SetKeyspaceEvents(flags) }, ""
}
