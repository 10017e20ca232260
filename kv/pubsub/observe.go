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
