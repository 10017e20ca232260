// Package report writes a lin-kv run's report directory: results.json
// (the information of Maelstrom's results.edn), history.txt (Jepsen's
// format), summary.md, porcupine HTML timelines, and PNG plots of latency
// and rate with the nemesis windows shaded (the latency and rate plots are
// tester/plots', shared with the TCP-cluster runner). node-logs/ is written by the
// runner itself.
//
// Write is a pure function of the run's Result and Analysis: it starts no
// goroutines and touches nothing outside the directory it is given.
package report
