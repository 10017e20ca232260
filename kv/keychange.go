package kv

// Key changes, for client-side caching (CLIENT TRACKING).
//
// Every modification of a key goes through Ctx.Add, Ctx.Dirty (which WATCH
// also relies on) or the removal of its entry; FLUSHDB and FLUSHALL empty
// databases at once. A node's EventSink that implements KeyChangeObserver
// is told about each, as it happens: at apply, in log order, on every node
// (so a node invalidates the keys its own clients read whichever node's
// client wrote them), and for the local executor as commands run. Like the
// sink, the observer is node-local and never part of the state.

// KeyChangeObserver is an optional interface of the EventSink. Its
// methods are called on the goroutine executing commands, with the
// machine's owner holding its lock; they must not block and must copy
// what they keep.
type KeyChangeObserver interface {
	// KeyChanged reports that key of database db was created, modified or
	// removed (expired keys included).
	KeyChanged(db int, key string)
	// Flushed reports that every key of database db (-1: of every
	// database) was removed.
	Flushed(db int)
	// CommandDone reports the end of a command (of a whole transaction
	// for EXEC): the changes reported since belong to one command.
	CommandDone()
	// CommandOrigin reports the origin of the changes reported next (the
	// command's Cmd.Origin; the zero Origin for the clients a command
	// served after it, whose pops are theirs). Called only around
	// commands that carry one.
	CommandOrigin(o Origin)
	// ScriptReadKeys reports that a script of origin's client (one whose
	// Origin.ScriptReads is set) called a read-only command: its declared
	// keys are to be remembered for the client's CLIENT TRACKING. Called
	// once per script run, by reads too (under the owner's read lock), so
	// it must not rely on CommandOrigin's state.
	ScriptReadKeys(origin Origin, keys [][]byte)
}

func (m *Machine) keyChanged(db int, key string) {
	if o, ok := m.sink.(KeyChangeObserver); ok {
		o.KeyChanged(db, key)
	}
}

func (m *Machine) commandDone() {
	if o, ok := m.sink.(KeyChangeObserver); ok {
		o.CommandDone()
	}
}

func (m *Machine) commandOrigin(origin Origin) {
	if o, ok := m.sink.(KeyChangeObserver); ok {
		o.CommandOrigin(origin)
	}
}

func (m *Machine) scriptReadKeys(origin Origin, keys [][]byte) {
	if o, ok := m.sink.(KeyChangeObserver); ok {
		o.ScriptReadKeys(origin, keys)
	}
}

func (m *Machine) flushed(db int) {
	if o, ok := m.sink.(KeyChangeObserver); ok {
		o.Flushed(db)
	}
}
