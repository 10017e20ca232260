// Command loadgen is a closed-loop key-value load generator for comparing
// Redraft (or any RESP server) with etcd under the same load.
//
//	loadgen -target redis://127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383 -op write -clients 16 -duration 15s
//	loadgen -target etcd://127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793 -op read -clients 256
//
// Closed loop: -clients workers each issue one operation, wait for its reply,
// and issue the next, for -warmup and then -duration. An operation is a write
// (Redis SET / etcd Put) or a read (Redis GET / etcd Get) of a key drawn
// uniformly from a keyspace of -keys keys ("key:%012d"), with a -value-bytes
// value (64 by default). For reads every key is written once before the
// warm-up starts.
//
// What is measured: the operations that complete inside the measurement
// window (after the warm-up, before its end), whatever their start time.
// ops/s is successful operations divided by the window. Latency percentiles
// are over successful operations, from a log-linear histogram with 128
// sub-buckets per power of two (relative error under 1%; each percentile is
// reported as its bucket's upper bound, the maximum exactly). Every failed
// operation is counted in errors and never stops the run; that includes
// outcomes that are unknown (Redraft's -UNCERTAIN, an etcd timeout after the
// request was sent, a per-operation -timeout). Nothing is retried by the
// Redis client (MaxRetries -1); the etcd client's own retry interceptor
// retries only requests it knows did not reach a server or, for reads,
// that are safe to repeat.
//
// Which nodes are used (-nodes, the same meaning for both targets):
//
//   - leader (default): every worker talks to the current leader, found
//     before the run (Redraft: RAFT INFO's leader_client_addr on the first
//     reachable address; etcd: the Status RPC of each endpoint). A server
//     without RAFT INFO (plain redis-server) falls back to the first address.
//   - first: every worker talks to the first address given.
//   - all: workers are spread over every address (Redraft followers forward
//     to the leader; etcd followers forward proposals and run ReadIndex).
//
// Connections, and why they differ: each Redis worker has its own
// connection (a go-redis client with a pool of one), as a RESP client does.
// etcd's Go client multiplexes concurrent requests as gRPC streams over one
// HTTP/2 connection per endpoint, and that is how etcd is meant to be used,
// so etcd workers share -etcd-conns clientv3 clients (worker i uses client
// i mod n). The default, 0, is one client per -etcd-workers-per-conn (8)
// workers, rounded up: 1, 2 and 32 clients for 1, 16 and 256 workers, close
// to etcd's own benchmark tool's practice (--conns well below --clients),
// so no single HTTP/2 connection serialises many hundred streams. With
// -nodes all, each clientv3 client gets every endpoint and balances its
// requests over them round-robin.
//
// etcd reads are linearizable: clientv3's Get without WithSerializable is a
// linearizable Range (the serving member confirms its commit index with the
// leader, ReadIndex, before answering). Redraft's GET is linearizable by
// default (--read-consistency linearizable).
//
// Phases (-watch-metric NAME -watch-urls URL,...): a goroutine scrapes the
// Prometheus endpoints every 100 ms and notes whether NAME is above zero on
// any of them (for Redraft, redraft_snapshot_in_progress: some node is
// writing a snapshot). An operation during which it was seen on, at its
// start or at its end, is measured in the "during" part, the others in
// "outside" (p50/p99/p99.9/max each, and the errors during); the JSON
// line's "watch" object holds both and the share of scrapes that found
// the metric on. scripts/bench-scale.sh uses it.
//
// Output: one human-readable line and one JSON line on stdout (latencies in
// microseconds in JSON); error texts with their counts on stderr.
package main
