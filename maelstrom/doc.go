// Package maelstrom is bin/kv's Maelstrom mode: a node of the lin-kv
// workload (jepsen-io/maelstrom) that runs the same replication.Node and kv
// state machine as server mode, with Raft's RPCs, follower forwarding and
// client requests all carried as Maelstrom messages on stdin and stdout.
// The protocol facts it honours are in docs/linkv.md (Maelstrom's rules).
//
// # Messages
//
// Client requests and replies (Maelstrom's lin-kv schemas; replies carry
// exactly type, in_reply_to and, for read_ok, value):
//
//	init  {node_id, node_ids}   -> init_ok
//	read  {key}                 -> read_ok {value} | error 20
//	write {key, value}          -> write_ok
//	cas   {key, from, to}       -> cas_ok | error 20 (missing) | error 22 (differs)
//
// Keys and values are arbitrary JSON, stored as their canonical encoding
// (see canonical). Errors: 10 unknown type (or cas create_if_not_exists),
// 11 definite refusal (no leader, not leader, shutting down, overloaded),
// 12 malformed request, 13 outcome unknown.
//
// Between nodes (binary payloads base64 in p; see wire.go):
//
//	raft_append | raft_vote | raft_prevote | raft_timeout_now | raft_snapshot
//	    {msg_id, p: msgpack(raft request)} -> raft_ok {p: msgpack(response)} | error
//	fwd {msg_id, t: ms, term, w, p: batch} -> fwd_ok {p: RESP replies} | error
//
// A payload over fragBytes (24 KiB) is sent as several messages with the
// same ids and part/parts fields, reassembled by the receiver in any order
// (bounded by assemblyBytesMax): every message stays under 40 KiB, well
// below the 64 KiB that line readers like demo/go's accept. That is how an
// InstallSnapshot travels in chunks, and a large AppendEntries too.
//
// # Invariants and concurrency
//
//   - Nothing is written to stdout before init, and a reply goes only to the
//     sender of the request it answers. One goroutine (outbox) owns stdout;
//     logs go to stderr through log/slog, raft's own lines rate-limited.
//   - One goroutine reads stdin (lines up to Options.MaxLineBytes; longer or
//     garbage lines are logged and skipped). It never waits for raft, the
//     network or stdout: raft requests are offered to raft's consumer
//     channel without blocking (refused with 11 when it is full), client
//     operations and forwarded batches run in goroutines bounded by
//     semaphores (refused with 11 beyond them), and its own replies are
//     dropped when the stdout queue is full. Only init blocks it, while the
//     node starts.
//   - Every outbound raft RPC has a deadline below the heartbeat timeout;
//     replies are matched by in_reply_to and a late reply is dropped. raft's
//     heartbeat fast path is not used (hashicorp/raft#695).
//   - Messages between nodes are kept few (stats.go counts them; each node
//     logs the counts every 5 s): a fwd carries the follower's raft term,
//     which with at most three voters stands in for the leader's quorum
//     round of the reads in it (forward.go, replication/vouch.go); and a
//     heartbeat to a follower that replication traffic keeps informed is
//     held back, never while a read runs (hold.go). The fwd's term is a
//     confirmation made after the reads arrived; holding only delays
//     heartbeats, so raft counts no reply it would not count otherwise.
//   - A client operation is answered within Timing.Op (800 ms), before the
//     client's 1 s timeout: a write whose fate is unknown gets 13, never a
//     definite code.
//   - Raft state is durable in a data directory (datadir.go), so a node
//     killed and started again with the same id resumes safely; it
//     bootstraps only when the directory holds no state.
package maelstrom
