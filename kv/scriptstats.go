package kv

// ScriptStats are the script cache's and the function libraries' sizes,
// as INFO memory reports them (number_of_cached_scripts,
// used_memory_scripts_eval, number_of_functions, number_of_libraries,
// used_memory_functions). They are a pure function of the state: every
// replica reports the same.
type ScriptStats struct {
	CachedScripts  int   // scripts in the EVAL cache
	ScriptsBytes   int64 // their bodies and SHA-1 names
	Functions      int   // functions registered by the libraries
	Libraries      int
	FunctionsBytes int64 // the libraries' code and the names of the libraries and functions
}

// ScriptStats returns the sizes of the script cache and the libraries.
// Safe under the machine owner's read lock.
func (m *Machine) ScriptStats() ScriptStats {
	st := m.scripts
	s := ScriptStats{CachedScripts: len(st.cache), Libraries: len(st.libs), Functions: len(st.funcs)}
	for sha, sc := range st.cache {
		s.ScriptsBytes += int64(len(sha) + len(sc.Body))
	}
	for name, lib := range st.libs {
		s.FunctionsBytes += int64(len(name) + len(lib.Code))
		for _, f := range lib.Funcs {
			s.FunctionsBytes += int64(len(f.Name) + len(f.Description))
		}
	}
	return s
}
