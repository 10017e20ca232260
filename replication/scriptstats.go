package replication

import "redraft/kv"

// ScriptStats implements the RESP edge's ScriptStatsProvider (INFO memory):
// this node's machine's script cache and libraries (the same on every
// node that applied the same log).
func (n *Node) ScriptStats() (s kv.ScriptStats) {
	n.fsm.Read(func(m *kv.Machine) { s = m.ScriptStats() })
	return s
}
