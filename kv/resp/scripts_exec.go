package resp

import (
	"strconv"

	"redraft/kv"
)

// ScriptStatsProvider is implemented by executors that can report their
// machine's script cache and libraries (INFO memory's script fields).
type ScriptStatsProvider interface {
	ScriptStats() kv.ScriptStats
}

// scriptMemoryFields renders INFO memory's script fields in Redis 7.0's
// order, from the machine's script cache and libraries (the same on every
// replica). The Lua VM fields (used_memory_lua, used_memory_vm_eval,
// used_memory_vm_functions, used_memory_vm_total) are left out, as INFO
// leaves out what the node cannot know: gopher-lua has no allocator hook,
// and its preallocated registry and stacks say nothing of what scripts
// keep.
func (s *Server) scriptMemoryFields() [][2]string {
	var st kv.ScriptStats
	if p, ok := s.exec.(ScriptStatsProvider); ok {
		st = p.ScriptStats()
	}
	scripts := st.ScriptsBytes + st.FunctionsBytes
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	return [][2]string{
		{"used_memory_scripts_eval", i(st.ScriptsBytes)},
		{"number_of_cached_scripts", strconv.Itoa(st.CachedScripts)},
		{"number_of_functions", strconv.Itoa(st.Functions)},
		{"number_of_libraries", strconv.Itoa(st.Libraries)},
		{"used_memory_functions", i(st.FunctionsBytes)},
		{"used_memory_scripts", i(scripts)},
		{"used_memory_scripts_human", bytesToHuman(uint64(scripts))},
	}
}

// WriteClassifier is implemented by executors whose machine can tell
// whether a command whose nature depends on the state (EVALSHA of a
// no-writes script, kv.WriteDependsOnState) is a write.
type WriteClassifier interface {
	IsWrite(args [][]byte) bool
}

// isWrite reports whether a command may change the state: the command
// table's answer, refined by the executor for state-dependent commands
// (a read-only EVALSHA is then one SCRIPT KILL can stop).
func (s *Server) isWrite(spec *kv.Spec, args [][]byte) bool {
	if !spec.IsWriteArgs(args) {
		return false
	}
	if wc, ok := s.exec.(WriteClassifier); ok && kv.WriteDependsOnState(spec) {
		return wc.IsWrite(args)
	}
	return true
}
