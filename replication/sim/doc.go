// Package sim is the deterministic-simulation harness of replication: whole
// clusters (3 or 5 nodes) of the real replication.Node — its FSM, the kv
// machine, group commit, the batched read barrier, follower forwarding —
// run on simulated I/O inside a testing/synctest bubble, so timers and
// clocks are virtual and a 30-60 s scenario takes a fraction of a second.
//
// # What is simulated
//
// Everything a Node touches goes through the production interfaces
// (replication.Config injects them):
//
//   - Network and Transport: a raft.Transport (pre-vote, pipelining, no
//     heartbeat fast path) and a replication.Forwarder per node
//     incarnation, with per-link cuts (symmetric, asymmetric and ring
//     partitions), message loss, latency, and reordering of pipelined
//     AppendEntries. A lost message is never reported: the sender times out.
//     Followers forward to the leader's HandleForward (as over TCP) or,
//     on odd seeds, with their term to HandleForwardVouched (as in
//     Maelstrom mode: vouched reads skip the quorum round).
//   - Disk: the log and stable stores, with crash semantics. A write is
//     durable when the call that made it returns (StoreLogs is the
//     durability point); a crash cuts power at that instant, tears the
//     batch being written (a prefix survives) and discards whatever the
//     dying incarnation writes afterwards. In lying mode the log store
//     acknowledges before it is durable (a planted bug).
//   - SnapshotDisk: by default the production segment/manifest snapshot
//     store (replication/snapshot) on an objstore.Sim per node, opened and
//     recovered as the node opens it, crashed with the node, with injected
//     object-store faults (failed and unacknowledged calls, torn puts,
//     failed reads) for one seed in three; or raft.InmemSnapshotStore
//     behind a crash boundary (NewInmemSnapshotDisk).
//   - Cluster: crash and restart on what survived, power loss (every node
//     at once), leadership transfer, removal and blank re-adding of a
//     member, jumps of a node's clock (Config.Clock), snapshots.
//
// # A run
//
// Run draws a fault schedule (Schedule) and a workload from the seed: four
// clients doing GET/SET/CAS on a few register keys, two doing INCR, RPUSH,
// reads and TTL churn (sometimes pipelined), and on each seed one of:
// two queue clients (LPUSH, RPUSH, BLPOP, BRPOP, BLMOVE with timeouts;
// queue.go), a publisher (PUBLISH; pubsub.go) or two script clients
// (transfers between accounts by an EVAL/EVALSHA write script, audits by
// an EVAL_RO read script; script.go), at a quarter of the others' rate;
// each client goes through a random node's Execute. Execute
// cannot block: a queue client blocks as the RESP edge does, wrapping its
// command in redraft.block and waiting on the node's blocked.Registry for
// the reply the machine computes at apply. Every node incarnation gets a
// pub/sub subscriber on its hub (channels and a pattern) as it starts. After Duration every fault is healed, every node brought back
// into the configuration, and the run waits for convergence, reads every
// key through the leader and snapshots every node.
//
// # The restore scenario
//
// With Options.Restore (restore.go; issue 11) a source cluster takes the
// workload for a few seconds, converges and snapshots its leader; a new
// cluster of blank nodes is seeded from that snapshot by
// replication.SeedStores, the code of kv restore (SeedFromSnapshot), on
// the simulated disks and object stores, and starts. The same clients go
// on with the same history on the restored cluster under RestoreSchedule:
// replies to appends lost from the first instant (the new leader's first
// appends), then partitions and crashes of followers (on half the seeds
// of the leader too), more lost replies, loss and latency; no membership
// or snapshot faults, so the logs keep the boundary the seeding made.
// Besides every check below, a restored cluster must catch up without
// help (healing that needs a leader snapshot is a violation) and never
// send an InstallSnapshot: every seeded log holds the snapshot's last
// entry, so a follower that needs the snapshot rejected an append at the
// boundary, the wedge of docs/replication.md ("The snapshot boundary").
// Options.RestoreWithoutBoundaryEntry seeds as before the fix; with it
// TestCatchesRestoreWedge catches the wedge in the first seeds.
//
// # Checks
//
// During the run (monitor): at most one leader per term (every
// AppendEntries names its term and sender; the state is polled too);
// committed log prefixes identical across nodes and incarnations; a node
// incarnation's applied index never goes back. Client replies must be
// well formed and reads never uncertain. After the run (Result.Check,
// outside the bubble): porcupine on each register's history (unknown
// outcomes may take effect at any later time, or never); INCR counters and
// RPUSH lists against reference models (every acknowledged effect exactly
// once, unknown ones at most once, reads see every effect acknowledged
// before they began); queues element by element (nothing delivered twice,
// nothing delivered that was not pushed, no acknowledged push or BLMOVE
// lost unless a pop of unknown outcome may have taken it; queue_check.go);
// pub/sub (every subscriber's sequence per channel free of duplicates and
// consistent with one total order; pubsub.go); scripts (the ledger holds
// every acknowledged transfer once, the balances are what the ledger
// makes them and sum to zero, every audit saw an atomic prefix of the
// ledger holding every transfer acknowledged before it; script_check.go);
// all state machines serialise to byte-identical snapshots (keyspace,
// script cache, blocked clients' queues alike). Times in the history are logical (a strict happened-before
// order), not virtual, since many events share a virtual instant.
//
// # Seeds and replay
//
// The seed fixes the fault schedule, every random draw of the network and
// the disks, and each client's sequence of choices. It does not fix
// goroutine scheduling: hashicorp/raft's goroutines interleave differently
// from run to run even on virtual time, so a seed replays the same
// scenario, not the same execution, and a failure may need a few replays
// (or -count) to recur. That is why a failing run writes its full trace —
// options, failures, the schedule, the history, cluster events and every
// node's raft log, plus porcupine's HTML timeline for a non-linearizable
// register — to the -sim.trace directory (default: a new temporary
// directory, kept), and prints the command that re-runs its seed:
//
//	go test ./replication/sim -run 'TestSimulation$' -v -sim.seed=N
//
// A run still going after -sim.wall-max of wall time is stuck (a deadlock
// the bubble cannot see); its goroutines and trace are dumped likewise. A
// run that kills the test binary (a panic inside raft) leaves its trace
// only with -sim.trace-live, which streams it to a file as it happens.
//
// # Known raft behaviours the harness steers around (and says so)
//
// The simulated operator acts as a careful one, because hashicorp/raft
// v1.8.0 can lose liveness otherwise: membership faults never remove the
// leader itself, wait for every member to have committed everything first,
// and confirm a removal whose outcome was unknown before shutting the node
// down. When healing stalls on raft's InstallSnapshot livelock (#697
// family) it snapshots the leader, and counts that as a workaround.
//
// # Tests
//
//	go test ./replication/sim                         # CI: 200 seeds x 30 virtual seconds, 16 restore seeds x 10
//	go test ./replication/sim -run 'TestSimulation$' -count=1 -timeout 0 -sim.seeds=10000 -sim.trace=store/sim   # soak
//
// TestCatchesReadsWithoutBarrier, TestCatchesLyingLogStore,
// TestCatchesAckBeforeCommit and TestCatchesRestoreWedge plant a bug
// (Options.UnsafeSkipReadBarrier, Options.LyingLogStore,
// Options.AckBeforeCommit, Options.RestoreWithoutBoundaryEntry) and assert
// that the checks catch it within the CI seed budget. TestRegressions replays
// the seeds that found bugs in replication, next to targeted tests.
//
// # Rules
//
// Run must be called inside a synctest bubble and returns only when every
// goroutine it started has ended and every node is shut down; checking
// happens outside the bubble (porcupine's timeout is wall-clock time).
// Inside the bubble no sync.Mutex is held across anything that sleeps: a
// goroutine waiting on a mutex is not durably blocked, so virtual time
// would stop for the sleeper (Cluster.life is a channel for that reason).
package sim
