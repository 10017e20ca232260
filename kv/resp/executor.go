package resp

import (
	"context"

	"redraft/kv"
)

// Executor runs commands that reach the keyspace. The RESP edge parses and
// validates commands, answers connection commands itself, and hands every
// group of keyspace commands (all commands parsed from one read, in order,
// up to the first edge command) to Execute. The local executor (kv/local)
// runs them on an in-process machine; the replicated executor proposes
// writes to Raft and serves reads behind a read barrier.
type Executor interface {
	// Execute stamps and runs cmds in order and appends one reply per
	// command to w, each in its command's protocol (Cmd.Proto). It returns
	// when every reply is written. cmds, their Args and their Tx are
	// borrowed: the edge reuses them (Args alias its read buffer) once
	// Execute returns, so an executor copies whatever it keeps (the
	// replicated one encodes the commands into a log entry). Failures of the executor itself (no
	// leader, outcome unknown) are written as error replies, one per
	// command affected; Execute never drops a reply.
	Execute(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer)
	// Watch returns the current version of each key in database db
	// (kv.Machine.KeyVersion), read with the executor's read consistency,
	// for WATCH.
	Watch(ctx context.Context, db int, keys [][]byte) ([]uint64, error)
	// Keyspace returns the number of keys and of keys with an expiry of
	// each non-empty database, for INFO keyspace.
	Keyspace() []kv.KeyspaceInfo
}

// InfoSection is one section of INFO output.
type InfoSection struct {
	Name   string      // e.g. "Replication"
	Fields [][2]string // name, value
}

// InfoProvider is implemented by executors that add sections to INFO
// (the replicated executor adds Replication and Raft).
type InfoProvider interface {
	InfoSections() []InfoSection
}

// EdgeHandler is implemented by executors that answer edge commands of
// their own: kv.FlagEdge commands registered by another package (the
// replicated node's RAFT and REDRAFT.FORWARD). The edge validates them
// (existence, arity, authentication, MULTI refusal for kv.FlagNoMulti) and
// then calls HandleEdge in order with the replies around them. HandleEdge
// writes one reply to w, in w.Proto, and reports whether the command was
// its own; args are valid for the duration of the call.
type EdgeHandler interface {
	HandleEdge(ctx context.Context, args [][]byte, w *kv.Writer) bool
}

// LocalExecutor is implemented by an executor that runs every command on
// this node's machine (kv/local). CLIENT TRACKING then takes the keys of
// a tracking client's scripts from the machine as the script runs (only
// when it calls a read-only command, as Redis does) instead of
// remembering them before the script is sent (tracking.go).
type LocalExecutor interface {
	ExecutesLocally() bool
}
