// Package resp is Redraft's RESP edge: a TCP server speaking RESP2, RESP3
// (after HELLO 3) and inline commands, the way redis-server 7.0 does.
//
// # Connections
//
// Each connection is served by one goroutine (conn.serve) that reads
// whatever the socket holds into a reusable buffer, parses every complete
// command in it (pipelining), and writes all the replies of the batch with
// one write. Parsing follows Redis's networking.c, limits and error texts
// included; a client that sends malformed input gets Redis's
// "-ERR Protocol error: ..." and is disconnected.
//
// # Commands
//
// Every command is validated at the edge as Redis's processCommand does:
// it must exist (kv.Lookup), have the right arity (subcommands of the edge's
// container commands too), the client must be authenticated when the
// default user needs a password, and the connection's ACL user must be
// allowed to run it (acl.go, docs/acl.md). Keyspace commands (those with a kv Run function) are
// collected into groups — the run of keyspace commands between two edge
// commands in one batch — and each group goes to Executor.Execute at once.
// Edge commands (AUTH, HELLO, SELECT, QUIT, RESET, CLIENT, COMMAND, INFO,
// CONFIG, MULTI, EXEC, DISCARD, WATCH, UNWATCH, the (un)subscribe commands
// and PUBSUB; registered in the kv table
// with kv.FlagEdge) are answered here, in order with the replies around
// them. MULTI queues commands at the edge; EXEC sends one kv.Cmd whose Tx
// holds the queued commands and the WATCHed key versions, and the executor
// runs it atomically.
//
// SELECT changes the connection's database; every kv.Cmd the connection
// sends carries it (kv.Cmd.DB), and so do its WATCHes. A SELECT queued in
// MULTI is sent inside the transaction (the machine switches databases
// between the queued commands) and, if EXEC ran, the connection follows it.
//
// # Pub/sub
//
// Subscriptions are connection state kept in the node's hub (kv/pubsub,
// shared with the executor, whose state machine publishes into it at
// apply). A connection that subscribes gets an output queue drained by its
// own writer goroutine, so delivering a message never waits for a client;
// the queue is bounded by client-output-buffer-limit (pubsub.go, psout.go,
// outlimit.go; docs/pubsub.md).
//
// # Allocation
//
// The hot path does not allocate: arguments alias the read buffer, kv.Cmd
// values and the reply buffer are reused, command lookup is
// allocation-free. Buffers grown by a large request or reply are released
// afterwards.
//
// # Limits
//
// Every per-client resource is bounded (see Config and the constants in
// config.go): bulk length, argument count, inline and header line length,
// unparsed input, pending output, queued MULTI commands, connections. A
// housekeeping goroutine closes idle clients (Config.IdleTimeout, CONFIG SET
// timeout) and clients that stopped reading their replies
// (Config.OutputStallTimeout).
//
// # Statistics
//
// Commands are counted where they are dispatched (cmdstats.go: INFO
// commandstats and errorstats; latency.go: latencystats; slowlog.go:
// SLOWLOG), with atomics on the hot path; Server.Collector exposes them
// and the client counts to Prometheus (metrics.go). The configuration
// file's syntax and CONFIG REWRITE are in config_file.go
// (docs/operations.md).
//
// # TLS
//
// ServeTLS serves a listener over TLS (tls.go) with the configuration
// EnableTLS set from Redis's tls-* parameters; CONFIG SET tls-* and
// ReloadTLS swap in a configuration rebuilt from the files, used by the
// connections accepted after it.
//
// # Concurrency
//
// Server methods are safe for concurrent use. Close closes listeners and
// connections, cancels the context of running Execute calls and returns
// once every goroutine the server started has ended.
package resp
