// Package elle checks list-append histories for strict serializability in
// the manner of Jepsen's Elle (Kingsbury and Alvaro, "Elle: Inferring
// Isolation Anomalies from Experimental Observations", VLDB 2020).
//
// A history is a list of transactions (Txn), each a sequence of
// micro-operations (Mop) on list keys: append a value, or read the whole
// list. Every value is appended at most once per key, so a value names the
// transaction that wrote it, and a list read reveals the order in which
// the appends before it were applied.
//
// What Check infers:
//   - Version order per key: the longest list any committed read returned.
//     Every other read must be a prefix of it; a read that is not is an
//     incompatible-order anomaly (two replicas disagreed on the order of
//     appends, or an element vanished).
//   - A dependency graph over the committed transactions (ok ones, and
//     info ones whose appends some read observed): ww (T2 appended the
//     next element after T1's), wr (T2 read a list ending in T1's append),
//     rw (T1 read a list that lacks T2's append, the next element: T1 saw
//     the state before T2), and real-time edges (T1 completed before T2 was
//     invoked), reduced to the frontier of latest completions so that the
//     graph stays linear in size while keeping every real-time path.
//   - Cycles: strongly connected components (Tarjan), then within each a
//     shortest cycle found by breadth-first search over restricted edge
//     sets, classified by the edges it uses: G0 (ww only), G1c (ww and wr),
//     G-single (exactly one rw), G2 (more than one rw), each with a
//     -realtime suffix when it needs a real-time edge (strict
//     serializability, not plain serializability, forbids it).
//   - Non-cycle anomalies: G1a aborted reads (a read observed an append of
//     a failed transaction), G1b intermediate reads (a read ending in an
//     append its transaction followed with another append to that key),
//     internal (a transaction's read disagrees with its own earlier reads
//     and appends), duplicate elements in a list, garbage (a value nobody
//     appended), lost appends (an acknowledged append missing from a final
//     read taken after every fault was healed).
//
// Outcomes: a failed transaction (Fail) did not happen; an ok one did; an
// info one may or may not have (its reads are unknown and ignored; its
// appends count as committed only when observed). Reports name every
// transaction of an anomaly and explain each edge of a cycle.
//
// The checker is pure: no I/O, no clock, deterministic output for a given
// history.
package elle
