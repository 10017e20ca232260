package resp

import (
	"strconv"

	"redraft/kv"
	"redraft/kv/script"
)

// ScriptStatsProvider is implemented by executors that can report their
// machine's script cache and libraries (INFO memory's script fields).
type ScriptStatsProvider interface {
	ScriptStats() kv.ScriptStats
}

// scriptMemoryFields renders INFO memory's script fields in Redis 7.0's
// order. The cache and library figures are the machine's (the same on
// every replica); the Lua VM figure is what one engine takes on this
// node's heap (script.EngineBytes). EVAL scripts and functions share the
// engines here, so the functions' VM is reported as 0 and the eval VM's
// figure is the total.
func (s *Server) scriptMemoryFields() [][2]string {
	var st kv.ScriptStats
	if p, ok := s.exec.(ScriptStatsProvider); ok {
		st = p.ScriptStats()
	}
	vmEval := script.EngineBytes()
	vmFunctions := int64(0)
	scripts := st.ScriptsBytes + st.FunctionsBytes
	i := func(n int64) string { return strconv.FormatInt(n, 10) }
	return [][2]string{
		{"used_memory_lua", i(vmEval)},
		{"used_memory_vm_eval", i(vmEval)},
		{"used_memory_lua_human", bytesToHuman(uint64(vmEval))},
		{"used_memory_scripts_eval", i(st.ScriptsBytes)},
		{"number_of_cached_scripts", strconv.Itoa(st.CachedScripts)},
		{"number_of_functions", strconv.Itoa(st.Functions)},
		{"number_of_libraries", strconv.Itoa(st.Libraries)},
		{"used_memory_vm_functions", i(vmFunctions)},
		{"used_memory_vm_total", i(vmEval + vmFunctions)},
		{"used_memory_vm_total_human", bytesToHuman(uint64(vmEval + vmFunctions))},
		{"used_memory_functions", i(st.FunctionsBytes)},
		{"used_memory_scripts", i(scripts)},
		{"used_memory_scripts_human", bytesToHuman(uint64(scripts))},
	}
}
