// Package jepsen tests a real Redraft TCP cluster the way Jepsen would: real
// `kv serve` processes (each in its own network namespace, see
// tester/netns), clients speaking RESP to every node, faults drawn from a
// seed (nemeses: partitions, kill -9 and restart, SIGSTOP/SIGCONT,
// membership changes), a history of every operation in Jepsen's form, and
// checkers that judge it; the report (report.go, plot.go) and a replay of a
// report's schedule (replay.go) come with it.
//
// Workloads:
//   - register: GET, SET and Redraft's CAS on a few keys at a time, each
//     key checked as a compare-and-set register with porcupine
//     (maelstrom/checker);
//   - set: SADD of unique elements to one set, SMEMBERS reads during the
//     run and final reads from every node after the faults are healed;
//     lost, stale, phantom and vanished elements (set.go, setcheck.go);
//   - list-append: MULTI/EXEC transactions of RPUSH and LRANGE over a few
//     keys at a time, checked for strict serializability by Elle's method
//     (tester/elle; listappend.go);
//   - queue: LPUSH of unique elements, BRPOP and BLMOVE consumers, final
//     reads of both lists; lost, duplicated and unexpected elements
//     (queue.go, queuecheck.go).
//
// Outcomes: a reply is ok; a definite refusal (CLUSTERDOWN, NOTLEADER,
// SHUTDOWN, MOVED, CAS's NOKEY and CASFAIL) or a connection that could not
// be made is fail, the command did not run (and EXECABORT: a MULTI whose
// command was refused while queuing); everything else (a timeout, a dropped connection, -UNCERTAIN, an
// error the classifier does not know) is info: the command may have taken
// effect at any time after its invocation, or never. Info is never a
// failure of the run.
//
// Determinism: the seed fixes the fault schedule (times, kinds, random
// splits and targets; "leader" targets are resolved when applied, by asking
// the nodes, with a drawn fallback when none answers) and each client
// thread's op sequence and gaps. Real processes and the real network decide
// the rest, so two runs with one seed share their schedule, not their
// history.
//
// Shared with the lin-kv runner (tester/linkv): verdicts (tester/verdict),
// op counts (tester/stats), latency quantiles (tester/latency), the fault
// plan and its loop (tester/schedule), fault windows (tester/window),
// history.txt's op form (tester/history), the plots (tester/plots) and
// results.json's common parts (tester/resultsjson).
//
// Concurrency: Run owns every goroutine it starts (one per client thread,
// one for the nemesis, one for progress) and returns only after they ended.
// The Cluster it drives is the caller's to create and close.
package jepsen
