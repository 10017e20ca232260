package replication

import "redraft/kv"

// ScriptStats implements the RESP edge's ScriptStatsProvider (INFO memory):
// this node's machine's script cache and libraries (the same on every
// node that applied the same log).
func (n *Node) ScriptStats() (s kv.ScriptStats) {
	n.fsm.Read(func(m *kv.Machine) { s = m.ScriptStats() })
	return s
}

// IsWrite implements the RESP edge's WriteClassifier with this node's
// machine (the routing's answer, see anyWrite).
func (n *Node) IsWrite(args [][]byte) (w bool) {
	n.fsm.Read(func(m *kv.Machine) { w = m.IsWrite(args) })
	return w
}
