// Package checker decides whether a history of register operations (read,
// write, compare-and-set per key) is linearizable, with the semantics
// Maelstrom's lin-kv workload uses (knossos' CAS register, per key):
//
//   - every key is an independent register that starts as null;
//   - an ok read returns the value at its linearization point; a read that
//     returned null matches any state (knossos treats nil as "unknown");
//   - failed operations (definite errors) are dropped: they did not happen;
//   - an operation whose outcome is unknown (info: timeout, indefinite error)
//     may take effect at any time after its invocation, or never. It is
//     modelled with a return time of +infinity, so the checker can place it
//     anywhere later, including after every other operation (never);
//   - a cas that failed definitely is not checked (dropped).
//
// It uses porcupine, partitioned by key, and can render porcupine's HTML
// timeline for a key. A checker timeout yields Unknown, never Ok.
package checker
