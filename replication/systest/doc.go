// Package systest holds the system tests of the replicated TCP cluster: real
// bin/kv processes on 127.0.0.1, killed with SIGKILL, paused with SIGSTOP and
// restarted on the same data directories, driven by go-redis clients.
//
// The tests build bin/kv once (go build ./cmd/kv from the module root) into
// a temporary directory. Each test starts its own cluster on free ports with
// data under t.TempDir(); every process is killed and reaped when the test
// ends, and the node logs are printed when it fails.
//
// What the tests rely on (docs/replication.md): a definite refusal
// (-CLUSTERDOWN, -NOTLEADER, -SHUTDOWN, -MOVED, or a connection that was
// refused) means the command did not run; -UNCERTAIN, a timeout or a
// connection lost after sending means it may or may not have run. Tests
// retry definite refusals, since leadership may move at any time on a loaded
// machine, and never assume anything about uncertain outcomes.
//
// Environment knobs:
//
//	REDRAFT_SYSTEST_SEED=N    replay the random choices of a run (its seed is logged);
//	                          process timing is not replayable, so a seed
//	                          reproduces the schedule, not the interleaving
//	REDRAFT_SYSTEST_LONG=1    longer runs: 10 failovers, a 60 s linearizability test
//	REDRAFT_SYSTEST_LIN_FLAGS="--read-consistency stale"
//	                          extra serve flags for the linearizability test
//	                          (stale reads must make it fail: a check of the check)
//	REDRAFT_SYSTEST_LOG_STORE=wal|bolt
//	                          every node's --log-store (TestKillAllUnderLoad and
//	                          TestTornWALTail choose their own)
//	REDRAFT_SYSTEST_KV=path   use this bin/kv instead of building one (e.g. built with -race)
//	REDRAFT_SYSTEST_RACE=1    build bin/kv with -race
package systest
