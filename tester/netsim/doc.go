// Package netsim is the simulated network of a Maelstrom-compatible runner:
// every endpoint (a node process or a client) has one delivery queue ordered
// by delivery time, and a goroutine that hands each message to the endpoint
// when its time comes.
//
// Rules it reproduces from Maelstrom (docs/linkv.md lists them all):
//
//   - links that touch a client have zero latency and are never cut;
//   - links between servers get a latency drawn from Latency (constant,
//     uniform in [0, 2*mean] or exponential with that mean); a non-constant
//     distribution reorders messages;
//   - partitions are a Grudge (destination -> sources it drops) consulted at
//     delivery time: a message in flight when a partition starts is dropped,
//     and no message is ever duplicated or lost outside a partition;
//   - sending from or to an endpoint the network does not know is an error
//     (the caller reports it as a protocol error).
//
// Concurrency: every method is safe for concurrent use. A Deliver callback
// runs on its endpoint's delivery goroutine, one message at a time and in
// delivery-time order; it may block (a paused process), which delays only
// that endpoint's queue.
package netsim
