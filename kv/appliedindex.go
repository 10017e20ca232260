package kv

// redraft.appliedindex replies the index of the last Raft log entry the
// node's state machine has applied. It is the read a follower forwards to
// the leader so that it can serve the state it keeps locally (INFO's
// keyspace and script fields) with everything the leader had applied, its
// client's own writes included: the leader answers it behind its read
// barrier, the follower then waits until it has applied that index. The
// replicated node answers it (replication/localread.go); the machine
// alone has no log, and a standalone node answers with an error.
func redraftAppliedIndexSpec() *Spec {
	return &Spec{Name: "redraft.appliedindex", Arity: 1, Flags: FlagReadOnly,
		Group: "server", Since: "1.0.0",
		Summary: "Redraft internal: the index of the last log entry this node's state machine applied",
		Run:     runRedraftAppliedIndex}
}

// ErrTextNoLog is redraft.appliedindex's reply on a node without a log.
const ErrTextNoLog = "ERR redraft.appliedindex: this node has no replicated log"

func runRedraftAppliedIndex(c *Ctx) { c.W.Error(ErrTextNoLog) }
