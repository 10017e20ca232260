// Package kv is Redraft's command-execution state machine: the keyspace, the
// Redis data types, the command table and the deterministic execution of
// commands. Every replica runs the same commands through a Machine and ends in
// the same state.
//
// # Determinism
//
// A Machine is pure: it starts no goroutines, never reads the wall clock or a
// random source and does no I/O beyond the io.Writer/io.Reader handed to
// Snapshot and Restore. Time and randomness enter only through the command
// envelope (Cmd): NowMs is the proposer's clock when the command was proposed
// (relative TTLs such as SET EX become absolute against it) and Seed feeds the
// per-command random generator used by SPOP, SRANDMEMBER, HRANDFIELD,
// ZRANDMEMBER and RANDOMKEY. Map iteration order never reaches a reply or a
// snapshot: the keyspace is a hash table with a fixed hash function and
// deterministic layout (see dict.go), and collection types iterate in
// insertion or sorted order.
//
// # Databases
//
// A Machine holds Databases (16) keyspaces, Redis's numbered databases.
// Every command runs in the database its Cmd names (Cmd.DB: the client's
// SELECT, kept by the edge); command implementations reach it through the
// Ctx methods (Lookup, LookupWrite, Add, DBSize, ...), which always work on
// the command's database, and another one only through Ctx.InDB (MOVE,
// COPY ... DB). A SELECT queued in a transaction switches the database of
// the queued commands after it. See database.go.
//
// # Expiry
//
// A key whose expiry time is <= NowMs is logically absent for every command.
// Read-only commands never remove anything; write commands may physically drop
// an expired key they touch, which is deterministic because every replica
// applies the same NowMs. Background removal of expired keys is done by the
// SweepExpired command, proposed through the log like any other write.
//
// # Scripts
//
// EVAL, EVALSHA and FCALL run Lua (package kv/script) inside one Exec:
// their redis.call re-enters the command table with the same NowMs and a
// seed derived from the command's, and math.random draws from it too. The
// script cache and FUNCTION libraries are machine state, in snapshots
// (scriptsnap.go). Read-only scripts (EVAL_RO, FCALL_RO, no-writes) are
// reads (Spec.ReadsOnly) and change nothing. KillScript is the one method
// safe to call concurrently with Exec. See docs/scripting.md.
//
// # Blocked clients
//
// The wait queues of blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) are
// machine state: a waiter names the node and incarnation holding the
// client's connection and a waiter ID; a write that makes a waited list or
// sorted set exist serves the waiters in FIFO order at the end of the
// command, and the replies go to the node-local BlockSink. Timeouts and
// cancellations are commands (redraft.unblock-expired, redraft.unblock,
// redraft.unblock-node). See block.go.
//
// # Keyspace notifications
//
// Commands report their keyspace events with Ctx.Notify at Redis's points
// (notify.go); the machine publishes the ones the node's EventSink enables
// on __keyspace@<db>__ and __keyevent@<db>__ channels. Events change no
// state, so the enabled classes are node-local configuration, not part of
// the state. See docs/pubsub.md.
//
// # ACL users
//
// Redis 7.0's ACL users are machine state (acl_*.go, cmd_acl.go): ACL
// SETUSER, DELUSER and the internal ACL LOAD change them through the log,
// snapshots hold them ('A' items). A Cmd that carries a user (Cmd.User) is
// checked against that user's rules before it runs — each queued command
// of a transaction at EXEC, each redis.call against the script's caller —
// so the node that runs a command checks it, the leader included for
// commands a follower forwards. Machine.ACL hands the edge the current
// users as an immutable value. See docs/acl.md.
//
// # Validation
//
// The edge (kv/resp, maelstrom) validates what Redis validates before queueing
// a command: the command exists and its arity is right (Lookup, Spec.CheckArity).
// Argument syntax and types are checked during execution, deterministically,
// in the same order as Redis, so every replica produces the same error reply.
// Bad input is always an error reply, never a panic; panics are reserved for
// broken invariants.
//
// # Concurrency
//
// A Machine is not safe for concurrent use. Its owner serialises access
// (the local executor with a mutex, the Raft FSM on its apply goroutine).
// The one exception is a snapshot being streamed (SnapshotCut.WriteTo,
// snapcut.go): it reads the machine from another goroutine, holding a
// lock the owner gives it one chunk at a time, while the owner holds that
// lock exclusively around each Exec.
// Command arguments are borrowed for the duration of one Exec call only: the
// machine copies every byte it keeps.
package kv
