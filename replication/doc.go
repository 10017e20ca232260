// Package replication runs the kv state machine on hashicorp/raft: a Node
// proposes write commands to the Raft log (many client commands per log
// entry: group commit), serves reads behind a linearizable read barrier,
// and applies committed entries to a kv.Machine through an FSM adapter.
//
// # Invariants
//
//   - A write is acknowledged only after its entry is committed and applied.
//     An outcome that is unknown (leadership lost after proposal, a timeout
//     after enqueue) is reported as unknown, never as a definite failure.
//   - A linearizable read is served only when, after the read arrived, this
//     node was leader in term T with an entry of term T committed, a quorum
//     confirmed the leadership, and the FSM had applied every command entry
//     up to the commit index recorded when the read round began.
//   - The FSM is the only writer of the machine; reads take its lock.
//   - Every background worker is an actor: one goroutine owns its state, a
//     bounded channel feeds it, and Close stops it.
//
// # Cluster authentication
//
// A Raft port made by NewAuthTransport admits a connection only after a
// handshake (ClusterAuth: mutual TLS against the cluster CA, or an HMAC
// challenge-response on a shared secret); a failed one is closed and
// counted, never handed to raft. Members then also send each other their
// requests (forwarded batches, RAFT INFO, RAFT JOIN) over that port's peer
// channel (peerserve.go) instead of the client port, which refuses
// REDRAFT.FORWARD. docs/security.md describes it for operators.
//
// # Forwarding
//
// A follower runs its clients' batches on the leader with REDRAFT.FORWARD
// (forward.go) and reads the replies with package wire, which owns the
// bytes of that request and its reply (docs/replication.md); this package
// does not depend on the client edge, kv/resp.
//
// Each workaround of a hashicorp/raft trap names the trap where it is
// coded; docs/replication.md describes the ones users can see (the
// snapshot boundary, applied_index).
//
// Node.Collector exports Prometheus metrics (metrics.go): thin wrappers
// around what raft is given (log store, FSM, snapshot store, transport)
// and around the snapshot store's object store time and count what passes
// through them; the FSM and the machine stay free of clocks.
package replication
