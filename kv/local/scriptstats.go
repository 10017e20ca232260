package local

import "redraft/kv"

// ScriptStats implements the RESP edge's ScriptStatsProvider (INFO memory).
func (x *Executor) ScriptStats() kv.ScriptStats {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m.ScriptStats()
}

// IsWrite implements the RESP edge's WriteClassifier.
func (x *Executor) IsWrite(args [][]byte) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.m.IsWrite(args)
}
