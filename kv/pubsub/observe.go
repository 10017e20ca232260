package pubsub

import "redraft/kv"

// The hub is the node's kv.EventSink; it also passes the commands scripts
// run (kv.ScriptCommandObserver) to the edge that registered for them
// (MONITOR, INFO commandstats).

var _ kv.ScriptCommandObserver = (*Hub)(nil)

// ScriptObserver receives the commands scripts run (see
// kv.ScriptCommandObserver for the rules).
type ScriptObserver func(db int, args [][]byte)

// SetScriptObserver makes fn receive the commands scripts run from now on
// (nil: nobody).
func (h *Hub) SetScriptObserver(fn ScriptObserver) {
	if fn == nil {
		h.scriptObs.Store(nil)
		return
	}
	h.scriptObs.Store(&fn)
}

// ScriptCommand implements kv.ScriptCommandObserver.
func (h *Hub) ScriptCommand(db int, args [][]byte) {
	if fn := h.scriptObs.Load(); fn != nil {
		(*fn)(db, args)
	}
}

var _ kv.KeyChangeObserver = (*Hub)(nil)

// KeyObserver receives the key changes of the node's machine (see
// kv.KeyChangeObserver for the rules).
type KeyObserver interface {
	KeyChanged(db int, key string)
	Flushed(db int)
	CommandDone()
	CommandOrigin(o kv.Origin)
	ScriptReadKeys(origin kv.Origin, keys [][]byte)
}

// SetKeyObserver makes o receive the key changes from now on (nil: nobody).
func (h *Hub) SetKeyObserver(o KeyObserver) {
	if o == nil {
		h.keyObs.Store(nil)
		return
	}
	h.keyObs.Store(&o)
}

// Changes is the number of key changes and flushes the node's machine
// reported so far (INFO's rdb_changes_since_last_save counts from it).
func (h *Hub) Changes() int64 { return h.changes.Load() }

// KeyChanged implements kv.KeyChangeObserver. A key counts once per
// command however many times the command reports it (a SETBIT that
// creates its key reports the creation and the change).
func (h *Hub) KeyChanged(db int, key string) {
	if !h.last.set.Load() || h.last.db != db || h.last.key != key {
		h.changes.Add(1)
		h.last.db, h.last.key = db, key
		h.last.set.Store(true)
	}
	if o := h.keyObs.Load(); o != nil {
		(*o).KeyChanged(db, key)
	}
}

// Flushed implements kv.KeyChangeObserver.
func (h *Hub) Flushed(db int) {
	h.changes.Add(1)
	if o := h.keyObs.Load(); o != nil {
		(*o).Flushed(db)
	}
}

// CommandDone implements kv.KeyChangeObserver.
func (h *Hub) CommandDone() {
	// Reads end with CommandDone too, several at once under the owner's
	// read lock: they find set false (a command that changed keys reset
	// it under the write lock) and write nothing.
	if h.last.set.Load() {
		h.last.set.Store(false)
	}
	if o := h.keyObs.Load(); o != nil {
		(*o).CommandDone()
	}
}

// CommandOrigin implements kv.KeyChangeObserver.
func (h *Hub) CommandOrigin(origin kv.Origin) {
	if o := h.keyObs.Load(); o != nil {
		(*o).CommandOrigin(origin)
	}
}

// ScriptReadKeys implements kv.KeyChangeObserver.
func (h *Hub) ScriptReadKeys(origin kv.Origin, keys [][]byte) {
	if o := h.keyObs.Load(); o != nil {
		(*o).ScriptReadKeys(origin, keys)
	}
}
