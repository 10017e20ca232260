// Package pubsub is a node's pub/sub hub: which connections of this node
// are subscribed to which channels, patterns and shard channels, and the
// delivery of published messages to them.
//
// Subscriptions are connection state (Redis keeps them per client, and a
// connection lives on one node), so the hub is node-local and never part
// of the replicated state. Messages are produced by the state machine when
// it applies PUBLISH or SPUBLISH (kv.EventSink): every node applies the
// same log in the same order, so every node's hub sees the same messages
// in the same order and delivers them to its own subscribers.
//
// # Concurrency
//
// A Hub is safe for concurrent use. Publish runs on the goroutine that
// applies the log and calls Subscriber.Deliver with the hub's lock held
// (read lock); Deliver must never block: a subscriber queues the message
// for its connection's writer and drops the connection when that queue is
// over its limit. Subscribe and Unsubscribe hold the write lock while they
// call their reply function, so a subscriber's confirmation is ordered
// before every message delivered under the new subscription and after
// every message delivered under the old one.
//
// # Order
//
// For one published message, channel subscribers receive it before
// pattern subscribers; patterns are matched in the order they were first
// subscribed on this node (kv.MatchGlob, Redis's stringmatchlen). Nothing
// in the hub iterates a Go map where the order could reach a client.
package pubsub
