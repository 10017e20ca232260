package resp

import (
	"strings"
	"sync"

	"redraft/kv"
)

// The key finder of ACL checks (kv.SetACLKeyFinder): a command's keys with
// the access Redis's key specifications give them (access: read; insert,
// delete, update: write), found as COMMAND GETKEYSANDFLAGS finds them. Key
// specifications are decoded once per command and cached.

func init() { kv.SetACLKeyFinder(aclKeysOf) }

type aclKeyInfo struct {
	specs                []keySpec
	name                 string
	hasKeySpec, varFlags bool
	known                bool // Redis describes the command (COMMAND INFO)
}

var aclKeyInfos sync.Map // full command name -> *aclKeyInfo

func aclKeyInfoOf(spec *kv.Spec, args [][]byte) *aclKeyInfo {
	var info *value
	name := spec.Name
	if e := edgeBySpec[spec]; e != nil {
		info = &e.info
	} else if m := kvMetaBySpec[spec]; m != nil {
		info = &m.info
	}
	var sub *subCmd
	if subs := containerSubs(spec); subs != nil && len(args) >= 2 {
		if sub = subs[strings.ToLower(string(args[1]))]; sub != nil {
			name = sub.full
		}
	}
	if ki, ok := aclKeyInfos.Load(name); ok {
		return ki.(*aclKeyInfo)
	}
	if sub != nil {
		si := subInfoOf(spec, sub)
		info = &si
	}
	ki := &aclKeyInfo{name: name, known: info != nil}
	if info != nil {
		ki.specs = decodeKeySpecs(*info)
		for i := range ki.specs {
			if !ki.specs[i].has("not_key") {
				ki.hasKeySpec = true
			}
			if ki.specs[i].has("variable_flags") {
				ki.varFlags = true
			}
		}
	}
	aclKeyInfos.Store(name, ki)
	return ki
}

// aclKeysOf returns args' keys and their access; ok is false for commands
// Redis does not describe (kv then uses the spec's key positions).
func aclKeysOf(args [][]byte) ([]kv.ACLKey, bool) {
	spec := kv.Lookup(args[0])
	if spec == nil {
		return nil, true
	}
	ki := aclKeyInfoOf(spec, args)
	if !ki.known {
		return nil, false
	}
	var refs []keyRef
	ok := false
	if ki.hasKeySpec && !ki.varFlags {
		refs, ok = keysBySpecs(ki.specs, args)
	}
	if !ok {
		if r, handled := getKeysProc(ki.name, args); handled {
			refs = r
		} else if ki.hasKeySpec {
			refs, _ = keysBySpecs(ki.specs, args)
		}
	}
	out := make([]kv.ACLKey, 0, len(refs))
	for _, r := range refs {
		if r.pos <= 0 || r.pos >= len(args) {
			continue
		}
		k := kv.ACLKey{Pos: r.pos}
		for _, f := range r.flags {
			switch f {
			case "access":
				k.Read = true
			case "insert", "delete", "update":
				k.Write = true
			}
		}
		out = append(out, k)
	}
	return out, true
}
