// Package runner runs Maelstrom's lin-kv workload against a node binary:
// it starts the nodes as processes speaking Maelstrom's JSON-lines protocol,
// routes their messages through a netsim.Net, generates the client
// operations and the nemesis schedule from a seed, records a Jepsen-style
// history, and analyses it (porcupine through maelstrom/checker, Maelstrom's
// stats, availability and net statistics, and the structural bound).
//
// Faithfulness: every rule of Maelstrom's lin-kv test that docs/linkv.md
// lists is reproduced; it names the code that implements each and the few
// deliberate deviations.
//
// Shared with the TCP-cluster runner (tester/jepsen): verdicts
// (tester/verdict), op counts (tester/stats), latency quantiles
// (tester/latency), the fault plan and its loop (tester/schedule), fault
// windows (tester/window) and history.txt's op form (tester/history);
// the report shares the plots and results.json's common parts.
//
// Concurrency: Run owns every goroutine it starts (one per worker thread,
// one for the nemesis, three per node process, one per network endpoint)
// and returns only after all of them ended and every node process was
// killed and reaped, whatever the outcome.
//
// Determinism: the seed fixes the op stream (gaps, each thread's op kinds
// and values, which free thread takes an op), the nemesis schedule (times,
// partition kinds and their random splits, kill/pause targets) and the
// latency draws. Real processes and real time decide the rest (replies,
// timeouts), so two runs with one seed share their schedule, not their
// history.
package runner
