package kv

// Commands that scripts run, for MONITOR and INFO commandstats.
//
// redis.call and redis.pcall re-enter the command table inside the
// machine, so only the machine sees them. A node's EventSink that also
// implements ScriptCommandObserver is told about each one after it ran,
// in execution order: a write script's on every node, as it applies from
// the log; a read-only script's on the node that serves the read. Like
// the sink itself, the observer is node-local and never part of the state.

// ScriptCommandObserver is an optional interface of the EventSink.
// ScriptCommand is called on the goroutine executing the script, with the
// machine's owner holding its lock; it must not block and must copy what
// it keeps (args are borrowed).
type ScriptCommandObserver interface {
	ScriptCommand(db int, args [][]byte)
}

// observeScriptCommand reports a command a script ran to the node's
// observer, if any.
func (m *Machine) observeScriptCommand(db int, args [][]byte) {
	if o, ok := m.sink.(ScriptCommandObserver); ok {
		o.ScriptCommand(db, args)
	}
}
