package kv

import "redraft/kv/script"

// Routing of script commands whose read/write nature depends on the
// machine's state.
//
// EVAL's own text says whether it is a no-writes script (Spec.ReadsOnly
// reads its shebang), but EVALSHA names a script in the cache. A sha
// names one body, hence one set of flags, for ever: if the cache holds a
// no-writes script under that sha now, an EVALSHA of it later either runs
// that same script or finds nothing (SCRIPT FLUSH) and answers NOSCRIPT;
// it never writes. So the executor may route it as a read after asking
// the machine (IsWrite), and the machine runs it as one (exec).
//
// FCALL is not routed this way: FUNCTION LOAD REPLACE can give a function
// name a new body with other flags between the routing and the
// execution, so FCALL stays a write whatever its function's flags (use
// FCALL_RO, a read by its flags).

// WriteDependsOnState reports whether spec's read/write nature depends on
// the machine's state beyond its arguments (EVALSHA), so that an executor
// must ask Machine.IsWrite rather than Spec.IsWriteArgs.
func WriteDependsOnState(spec *Spec) bool { return spec.Name == "evalsha" }

// IsWrite reports whether the command args (name first) may change the
// state, given the machine's current state: the command table's answer
// (Spec.IsWriteArgs), except that EVALSHA of a cached no-writes script is
// a read. Unknown commands are reported as writes (the log answers their
// error like any other). Safe under the machine owner's read lock.
func (m *Machine) IsWrite(args [][]byte) bool {
	if len(args) == 0 {
		return true
	}
	spec := Lookup(args[0])
	if spec == nil {
		return true
	}
	return m.isWriteArgs(spec, args)
}

func (m *Machine) isWriteArgs(spec *Spec, args [][]byte) bool {
	if !spec.IsWriteArgs(args) {
		return false
	}
	if WriteDependsOnState(spec) && len(args) >= 2 && len(args[1]) == 40 {
		var sha [40]byte
		for i, ch := range args[1] {
			if ch >= 'A' && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			sha[i] = ch
		}
		if s := m.scripts.cache[string(sha[:])]; s != nil && noWritesScript(s) {
			return false
		}
	}
	return true
}

// noWritesScript reports a script that declares no-writes in its shebang.
func noWritesScript(s *script.Script) bool {
	return s.Flags&script.FlagCompat == 0 && s.Flags&script.FlagNoWrites != 0
}
