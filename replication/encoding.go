package replication

import "redraft/kv"

// EncodingParam implements resp.EncodingConfig: the encoding thresholds
// (kv/encoding.go) as this node's machine has applied them. They change
// only through the log, so every node reports the same values once it has
// caught up; CONFIG GET reads them without a read barrier, as it reads
// every other parameter.
func (n *Node) EncodingParam(name string) (v int64, ok bool) {
	n.fsm.Read(func(m *kv.Machine) { v, ok = m.EncodingParam(name) })
	return v, ok
}
