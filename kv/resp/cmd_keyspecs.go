package resp

import (
	_ "embed"
	"strings"

	"redraft/kv"
)

// Keyspace commands as COMMAND describes them. Their COMMAND INFO and
// COMMAND DOCS entries are Redis 7.0.15's own (kvcommands.resp, captured
// from a real redis-server with TestCaptureCommands): flags such as
// movablekeys and no_mandatory_keys, ACL categories, key specifications
// and documentation. Commands Redis does not have (CAS, RAFT, redraft.*)
// keep the description derived from their kv.Spec (cmd_command.go).
//
// COMMAND GETKEYS and GETKEYSANDFLAGS find keys the way Redis does: with
// the key specifications when they are complete, otherwise with the
// command's own key finder (getKeysProc below, the cases Redis codes by
// hand).

//go:embed kvcommands.resp
var kvCommandsRESP []byte

// kvMeta is a keyspace command's Redis description.
type kvMeta struct {
	info value
	docs value
	subs map[string]*subCmd // implemented subcommands of a container, by lower-case name
}

var kvMetaBySpec = map[*kv.Spec]*kvMeta{}

// kvSubcommands lists the subcommands the machine implements for each
// keyspace container command; COMMAND shows only these (a test checks
// each against the machine).
var kvSubcommands = map[string][]string{
	"acl":      {"cat", "deluser", "dryrun", "genpass", "getuser", "help", "list", "load", "log", "save", "setuser", "users", "whoami"},
	"object":   {"encoding", "freq", "help", "idletime", "refcount"},
	"memory":   {"help", "usage"},
	"script":   {"exists", "flush", "help", "kill", "load"},
	"function": {"delete", "dump", "flush", "help", "kill", "list", "load", "restore", "stats"},
	"xgroup":   {"create", "createconsumer", "delconsumer", "destroy", "help", "setid"},
	"xinfo":    {"consumers", "groups", "help", "stream"},
}

func init() {
	infoReply, docsReply := parseCapture("kvcommands.resp", kvCommandsRESP)
	for _, info := range infoReply.elems {
		if info.kind != '*' || len(info.elems) != 10 {
			panic("resp: kvcommands.resp: malformed entry")
		}
		name := info.elems[0].str
		spec := kv.Lookup([]byte(name))
		docs := docsReply.get(name)
		if spec == nil || docs == nil {
			// A command captured from Redis that the machine no
			// longer has: leave it out.
			continue
		}
		m := &kvMeta{info: info, docs: *docs}
		if subs := info.elems[9].elems; len(subs) > 0 {
			keep := map[string]bool{}
			for _, s := range kvSubcommands[name] {
				keep[name+"|"+s] = true
			}
			m.subs = map[string]*subCmd{}
			var keptInfo []value
			for _, si := range subs {
				full := si.elems[0].str
				if keep[full] {
					m.subs[full[len(name)+1:]] = &subCmd{full: full, arity: int(si.elems[1].num)}
					keptInfo = append(keptInfo, si)
				}
			}
			m.info.elems = append([]value(nil), info.elems...)
			m.info.elems[9].elems = keptInfo
			m.docs = filterSubDocs(*docs, keep)
		}
		kvMetaBySpec[spec] = m
	}
}

// containerSubs returns the implemented subcommands of a container command
// (edge or keyspace), nil for other commands.
func containerSubs(s *kv.Spec) map[string]*subCmd {
	if e := edgeBySpec[s]; e != nil {
		return e.subs
	}
	if m := kvMetaBySpec[s]; m != nil {
		return m.subs
	}
	return nil
}

// keyRef is a key argument found in a command: its position and Redis's
// key-spec flags for it.
type keyRef struct {
	pos   int
	flags []string
}

// keySpec is one decoded key specification.
type keySpec struct {
	flags []string
	// begin_search: index (pos) or keyword (keyword, startFrom); unknown
	// when neither.
	bsIndex   int
	bsKeyword string
	bsFrom    int
	// find_keys: range (lastKey, keyStep, limit) or keynum (keyNumIdx,
	// firstKey, keyStep).
	fkRange, fkKeynum       bool
	lastKey, keyStep, limit int
	keyNumIdx, firstKey     int
}

func (k *keySpec) has(flag string) bool {
	for _, f := range k.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// decodeKeySpecs decodes the key specifications of a COMMAND INFO entry.
func decodeKeySpecs(info value) []keySpec {
	var out []keySpec
	for _, ks := range info.elems[8].elems {
		var k keySpec
		if f := ks.get("flags"); f != nil {
			for _, e := range f.elems {
				k.flags = append(k.flags, e.str)
			}
		}
		if bs := ks.get("begin_search"); bs != nil {
			spec := bs.get("spec")
			switch t := bs.get("type"); {
			case t != nil && t.str == "index" && spec != nil:
				k.bsIndex = int(spec.get("index").num)
			case t != nil && t.str == "keyword" && spec != nil:
				k.bsKeyword = spec.get("keyword").str
				k.bsFrom = int(spec.get("startfrom").num)
			}
		}
		if fk := ks.get("find_keys"); fk != nil {
			spec := fk.get("spec")
			switch t := fk.get("type"); {
			case t != nil && t.str == "range" && spec != nil:
				k.fkRange = true
				k.lastKey = int(spec.get("lastkey").num)
				k.keyStep = int(spec.get("keystep").num)
				k.limit = int(spec.get("limit").num)
			case t != nil && t.str == "keynum" && spec != nil:
				k.fkKeynum = true
				k.keyNumIdx = int(spec.get("keynumidx").num)
				k.firstKey = int(spec.get("firstkey").num)
				k.keyStep = int(spec.get("keystep").num)
			}
		}
		out = append(out, k)
	}
	return out
}

// keysBySpecs finds the keys of args with the key specifications as
// Redis's getKeysUsingKeySpecs does; ok is false when a spec is invalid
// for these arguments or incomplete.
func keysBySpecs(specs []keySpec, args [][]byte) (keys []keyRef, ok bool) {
	argc := len(args)
	for i := range specs {
		k := &specs[i]
		if k.has("not_key") {
			continue
		}
		first := 0
		switch {
		case k.bsIndex > 0:
			first = k.bsIndex
		case k.bsKeyword != "":
			start, end := k.bsFrom, argc-1
			if k.bsFrom <= 0 {
				start, end = argc+k.bsFrom, 1
			}
			for j := start; j != end; {
				if j >= argc || j < 1 {
					break
				}
				if strings.EqualFold(string(args[j]), k.bsKeyword) {
					first = j + 1
					break
				}
				if start <= end {
					j++
				} else {
					j--
				}
			}
			if first == 0 {
				continue
			}
		default:
			return nil, false
		}
		var last, step int
		switch {
		case k.fkRange:
			step = k.keyStep
			switch {
			case k.lastKey >= 0:
				last = first + k.lastKey
			case k.limit == 0:
				last = argc + k.lastKey
			default:
				last = first + ((argc-first)/k.limit + k.lastKey)
			}
		case k.fkKeynum:
			step = k.keyStep
			if first+k.keyNumIdx >= argc {
				return nil, false
			}
			n, isInt := kv.ParseInt(args[first+k.keyNumIdx])
			if !isInt || n < 0 || n > int64(argc) {
				return nil, false
			}
			first += k.firstKey
			last = first + int(n) - 1
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		if step <= 0 {
			step = 1
		}
		for j := first; j <= last; j += step {
			keys = append(keys, keyRef{pos: j, flags: k.flags})
		}
		if k.has("incomplete") {
			return nil, false
		}
	}
	return keys, true
}

// Key-spec flag sets the hand-coded key finders report.
var (
	flagsROAccess       = []string{"RO", "access"}
	flagsOWUpdate       = []string{"OW", "update"}
	flagsRWAccessUpdate = []string{"RW", "access", "update"}
	flagsRWAccessDelete = []string{"RW", "access", "delete"}
)

// getKeysProc finds keys for the commands Redis gives a key-finding
// function (db.c's *GetKeys): those whose key specs are incomplete or
// have variable flags, and the numkeys commands. handled is false for a
// command without one.
func getKeysProc(name string, args [][]byte) (keys []keyRef, handled bool) {
	numkeys := func(countAt, firstAt int) []keyRef {
		if countAt >= len(args) {
			return nil
		}
		n, ok := kv.ParseInt(args[countAt])
		if !ok || n < 1 || n > int64((len(args)-firstAt)) {
			return nil
		}
		out := make([]keyRef, 0, n)
		for i := 0; i < int(n); i++ {
			out = append(out, keyRef{pos: firstAt + i})
		}
		return out
	}
	switch name {
	case "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro", "blmpop", "bzmpop":
		return numkeys(2, 3), true
	case "sintercard", "zunion", "zinter", "zdiff", "zintercard", "lmpop", "zmpop":
		return numkeys(1, 2), true
	case "zunionstore", "zinterstore", "zdiffstore":
		keys := numkeys(2, 3)
		if len(keys) > 0 {
			keys = append(keys, keyRef{pos: 1})
		}
		return keys, true
	case "sort_ro":
		return []keyRef{{pos: 1, flags: flagsROAccess}}, true
	case "sort":
		keys := []keyRef{{pos: 1, flags: flagsROAccess}}
		store := 0
		for i := 2; i < len(args); i++ {
			a := string(args[i])
			switch {
			case strings.EqualFold(a, "limit"):
				i += 2
			case strings.EqualFold(a, "get"), strings.EqualFold(a, "by"):
				i++
			case strings.EqualFold(a, "store") && i+1 < len(args):
				store = i + 1
			}
		}
		if store > 0 {
			keys = append(keys, keyRef{pos: store, flags: flagsOWUpdate})
		}
		return keys, true
	case "migrate":
		// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw]
		// [AUTH2 user pw] [KEYS key...]: the key argument, or the keys
		// after KEYS when it is empty (none when it is not).
		first, n := 3, 1
	options:
		for i := 6; i < len(args); i++ {
			switch a := string(args[i]); {
			case strings.EqualFold(a, "keys"):
				if len(args[3]) > 0 {
					return nil, true
				}
				first, n = i+1, len(args)-i-1
				break options
			case strings.EqualFold(a, "auth"):
				i++
			case strings.EqualFold(a, "auth2"):
				i += 2
			}
		}
		if first+n > len(args) {
			return nil, true
		}
		keys := make([]keyRef, n)
		for i := range keys {
			keys[i] = keyRef{pos: first + i, flags: flagsRWAccessDelete}
		}
		return keys, true
	case "georadius", "georadiusbymember":
		keys := []keyRef{{pos: 1}}
		for i := 5; i < len(args); i++ {
			a := string(args[i])
			if (strings.EqualFold(a, "store") || strings.EqualFold(a, "storedist")) && i+1 < len(args) {
				if len(keys) == 1 {
					keys = append(keys, keyRef{})
				}
				keys[1].pos = i + 1
				i++
			}
		}
		return keys, true
	case "set":
		for _, a := range args[min(3, len(args)):] {
			if strings.EqualFold(string(a), "get") {
				return []keyRef{{pos: 1, flags: flagsRWAccessUpdate}}, true
			}
		}
		return []keyRef{{pos: 1, flags: flagsOWUpdate}}, true
	case "bitfield":
		readonly := true
	loop:
		for i := 2; i < len(args); i++ {
			rem := len(args) - i - 1
			a := string(args[i])
			switch {
			case strings.EqualFold(a, "get") && rem >= 2:
				i += 2
			case (strings.EqualFold(a, "set") || strings.EqualFold(a, "incrby")) && rem >= 3:
				readonly = false
				break loop
			case strings.EqualFold(a, "overflow") && rem >= 1:
				i++
			default:
				readonly = false
				break loop
			}
		}
		if readonly {
			return []keyRef{{pos: 1, flags: flagsROAccess}}, true
		}
		return []keyRef{{pos: 1, flags: flagsRWAccessUpdate}}, true
	}
	return nil, false
}

// cmdCommandGetKeysAndFlags is COMMAND GETKEYSANDFLAGS; GETKEYS is the
// same without the flags.
func (c *conn) cmdCommandGetKeysAndFlags(args [][]byte) { c.getKeys(args, true) }

func (c *conn) cmdCommandGetKeys(args [][]byte) { c.getKeys(args, false) }

// getKeys answers COMMAND GETKEYS[ANDFLAGS] as Redis's
// getKeysSubcommandImpl does.
func (c *conn) getKeys(args [][]byte, withFlags bool) {
	target := args[2:]
	spec := kv.Lookup(target[0])
	if spec == nil {
		c.w.Error("ERR Invalid command specified")
		return
	}
	name, arity := spec.Name, spec.Arity
	var info *value
	if e := edgeBySpec[spec]; e != nil {
		info = &e.info
	} else if m := kvMetaBySpec[spec]; m != nil {
		info = &m.info
	}
	if subs := containerSubs(spec); subs != nil && len(target) >= 2 {
		sub := subs[strings.ToLower(string(target[1]))]
		if sub == nil {
			c.w.Error("ERR Invalid command specified")
			return
		}
		si := subInfoOf(spec, sub)
		info, name, arity = &si, sub.full, sub.arity
	}
	var specs []keySpec
	hasKeySpec, varFlags, noMandatory := false, false, false
	if info != nil {
		specs = decodeKeySpecs(*info)
		for i := range specs {
			if !specs[i].has("not_key") {
				hasKeySpec = true
			}
			if specs[i].has("variable_flags") {
				varFlags = true
			}
		}
		for _, f := range info.elems[2].elems {
			if f.str == "no_mandatory_keys" {
				noMandatory = true
			}
		}
	}
	_, hasProc := getKeysProc(name, target)
	if info == nil {
		// A command Redis does not have: its kv.Spec's key positions.
		hasKeySpec = spec.FirstKey > 0 || spec.KeysFunc != nil
	}
	if !hasKeySpec && !hasProc {
		c.w.Error("ERR The command has no key arguments")
		return
	}
	if (arity > 0 && arity != len(target)) || len(target) < -arity {
		c.w.Error("ERR Invalid number of arguments specified for command")
		return
	}
	var keys []keyRef
	ok := false
	switch {
	case info == nil:
		for _, k := range spec.Keys(target) {
			// Keys aliases target: recover the position.
			for i := range target {
				if len(k) > 0 && len(target[i]) > 0 && &target[i][0] == &k[0] {
					keys = append(keys, keyRef{pos: i})
					break
				}
			}
		}
	case hasKeySpec && !varFlags:
		keys, ok = keysBySpecs(specs, target)
		if ok {
			break
		}
		fallthrough
	default:
		keys, _ = getKeysProc(name, target)
	}
	if len(keys) == 0 {
		if noMandatory {
			c.w.Array(0)
		} else {
			c.w.Error("ERR Invalid arguments specified for command")
		}
		return
	}
	c.w.Array(len(keys))
	for _, k := range keys {
		if !withFlags {
			c.w.Bulk(target[k.pos])
			continue
		}
		c.w.Array(2)
		c.w.Bulk(target[k.pos])
		c.w.Set(len(k.flags))
		for _, f := range k.flags {
			c.w.Simple(f)
		}
	}
}

// Subcommands returns the implemented subcommands of a container command
// (CLIENT, CONFIG, OBJECT, SCRIPT, ...), sorted, nil for other commands
// (docs/commands.md lists them).
func Subcommands(spec *kv.Spec) []string {
	var out []string
	for name := range containerSubs(spec) {
		out = append(out, name)
	}
	sortStrings(out)
	return out
}
