package resp

import (
	"sort"
	"strings"

	"redraft/kv"
)

// COMMAND and its subcommands. Edge commands are described by Redis's own
// replies (commands.resp); keyspace commands by their kv.Spec: name, arity,
// flags, key positions, ACL categories derived as Redis derives them, one
// key specification built from the key positions, and docs holding summary,
// since and group.

// aclCategories is Redis's ACL category table, in its order (COMMAND INFO
// lists a command's categories in this order).
var aclCategories = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
}

// groupCategory maps a COMMAND DOCS group to the ACL category its commands carry.
var groupCategory = map[string]string{
	"generic": "keyspace", "string": "string", "list": "list", "set": "set",
	"sorted-set": "sortedset", "hash": "hash", "bitmap": "bitmap", "hyperloglog": "hyperloglog",
	"geo": "geo", "stream": "stream", "pubsub": "pubsub", "connection": "connection",
	"transactions": "transaction", "scripting": "scripting",
}

// specCategories derives a keyspace command's ACL categories as Redis's
// setImplicitACLCategories does, plus the category of its group.
func specCategories(s *kv.Spec) []string {
	has := map[string]bool{groupCategory[s.Group]: true}
	if s.Flags&kv.FlagWrite != 0 {
		has["write"] = true
	}
	if s.Flags&kv.FlagReadOnly != 0 {
		has["read"] = true
	}
	if s.Flags&kv.FlagAdmin != 0 {
		has["admin"], has["dangerous"] = true, true
	}
	if s.Flags&kv.FlagFast != 0 {
		has["fast"] = true
	} else {
		has["slow"] = true
	}
	var out []string
	for _, c := range aclCategories {
		if has[c] {
			out = append(out, "@"+c)
		}
	}
	return out
}

// commandInfo returns the COMMAND INFO entry of a command.
func commandInfo(s *kv.Spec) value {
	if e := edgeBySpec[s]; e != nil {
		return e.info
	}
	if m := kvMetaBySpec[s]; m != nil {
		return m.info
	}
	flags := setV()
	for _, f := range s.Flags.Names() {
		flags.add(simpleV(f))
	}
	cats := setV()
	for _, c := range specCategories(s) {
		cats.add(simpleV(c))
	}
	keySpecs := setV()
	if s.FirstKey > 0 {
		access := setV(simpleV("RO"), simpleV("access"))
		if s.Flags&kv.FlagWrite != 0 {
			access = setV(simpleV("RW"), simpleV("update"))
		}
		last := int64(s.LastKey)
		if last >= 0 {
			last -= int64(s.FirstKey)
		}
		step := int64(max(s.Step, 1))
		keySpecs.add(mapV(
			bulkV("flags"), access,
			bulkV("begin_search"), mapV(bulkV("type"), bulkV("index"), bulkV("spec"), mapV(bulkV("index"), intV(int64(s.FirstKey)))),
			bulkV("find_keys"), mapV(bulkV("type"), bulkV("range"), bulkV("spec"),
				mapV(bulkV("lastkey"), intV(last), bulkV("keystep"), intV(step), bulkV("limit"), intV(0))),
		))
	}
	return arrayV(
		bulkV(s.Name), intV(int64(s.Arity)), flags,
		intV(int64(s.FirstKey)), intV(int64(s.LastKey)), intV(int64(s.Step)),
		cats, setV(), keySpecs, setV(),
	)
}

// commandDocs returns the COMMAND DOCS entry of a command.
func commandDocs(s *kv.Spec) value {
	if e := edgeBySpec[s]; e != nil {
		return e.docs
	}
	if m := kvMetaBySpec[s]; m != nil {
		return m.docs
	}
	return mapV(
		bulkV("summary"), bulkV(s.Summary),
		bulkV("since"), bulkV(s.Since),
		bulkV("group"), bulkV(s.Group),
	)
}

// lookupFullName finds a command by name or a subcommand of an edge
// container by "container|sub" (COMMAND INFO/DOCS accept both).
func lookupFullName(name []byte) (*kv.Spec, *subCmd) {
	n := string(name)
	if i := strings.IndexByte(n, '|'); i >= 0 {
		spec := kv.Lookup([]byte(n[:i]))
		if spec == nil {
			return nil, nil
		}
		sub := containerSubs(spec)[strings.ToLower(n[i+1:])]
		if sub == nil {
			return nil, nil
		}
		return spec, sub
	}
	return kv.Lookup(name), nil
}

// subInfo returns the COMMAND INFO entry of a subcommand.
func subInfo(spec *kv.Spec, sub *subCmd) value { return subInfoOf(spec, sub) }

// subInfoOf returns the COMMAND INFO entry of a container's subcommand.
func subInfoOf(spec *kv.Spec, sub *subCmd) value {
	for _, si := range commandInfo(spec).elems[9].elems {
		if si.elems[0].str == sub.full {
			return si
		}
	}
	panic("resp: subcommand without info: " + sub.full)
}

// subDocs returns the COMMAND DOCS entry of a subcommand.
func subDocs(spec *kv.Spec, sub *subCmd) value {
	if subs := commandDocs(spec).get("subcommands"); subs != nil {
		if d := subs.get(sub.full); d != nil {
			return *d
		}
	}
	panic("resp: subcommand without docs: " + sub.full)
}

func (c *conn) cmdCommand(args [][]byte) {
	cmds := kv.Commands()
	c.w.Array(len(cmds))
	for _, s := range cmds {
		commandInfo(s).write(&c.w)
	}
}

func (c *conn) cmdCommandCount(args [][]byte) { c.w.Int(int64(len(kv.Commands()))) }

func (c *conn) cmdCommandInfo(args [][]byte) {
	if len(args) == 2 {
		c.cmdCommand(args)
		return
	}
	c.w.Array(len(args) - 2)
	for _, name := range args[2:] {
		spec, sub := lookupFullName(name)
		switch {
		case spec == nil:
			c.w.Null()
		case sub != nil:
			subInfo(spec, sub).write(&c.w)
		default:
			commandInfo(spec).write(&c.w)
		}
	}
}

func (c *conn) cmdCommandDocs(args [][]byte) {
	out := mapV()
	if len(args) == 2 {
		for _, s := range kv.Commands() {
			out.add(bulkV(s.Name), commandDocs(s))
		}
	} else {
		for _, name := range args[2:] {
			spec, sub := lookupFullName(name)
			switch {
			case spec == nil:
			case sub != nil:
				out.add(bulkV(sub.full), subDocs(spec, sub))
			default:
				out.add(bulkV(spec.Name), commandDocs(spec))
			}
		}
	}
	out.write(&c.w)
}

// allCommandNames returns every command and edge subcommand full name.
func allCommandNames() []string {
	var names []string
	for _, s := range kv.Commands() {
		names = append(names, s.Name)
		for _, sub := range containerSubs(s) {
			names = append(names, sub.full)
		}
	}
	sort.Strings(names)
	return names
}

func (c *conn) cmdCommandList(args [][]byte) {
	var filter func(name string) bool
	for i := 2; i < len(args); i++ {
		if !kv.EqualFold(args[i], "FILTERBY") || len(args)-1-i != 2 {
			c.w.Error(kv.ErrSyntax)
			return
		}
		arg := string(args[i+2])
		switch {
		case kv.EqualFold(args[i+1], "MODULE"):
			filter = func(string) bool { return false }
		case kv.EqualFold(args[i+1], "ACLCAT"):
			filter = func(name string) bool { return hasCategory(name, arg) }
		case kv.EqualFold(args[i+1], "PATTERN"):
			pat := []byte(strings.ToLower(arg))
			filter = func(name string) bool { return kv.MatchGlob(pat, []byte(name)) }
		default:
			c.w.Error(kv.ErrSyntax)
			return
		}
		i += 2
	}
	var out []string
	for _, n := range allCommandNames() {
		if filter == nil || filter(n) {
			out = append(out, n)
		}
	}
	c.w.Array(len(out))
	for _, n := range out {
		c.w.BulkString(n)
	}
}

// hasCategory reports whether the command (or subcommand) named full has
// the ACL category cat.
func hasCategory(full, cat string) bool {
	spec, sub := lookupFullName([]byte(full))
	if spec == nil {
		return false
	}
	info := commandInfo(spec)
	if sub != nil {
		info = subInfo(spec, sub)
	}
	for _, c := range info.elems[6].elems {
		if strings.EqualFold(c.str, "@"+cat) {
			return true
		}
	}
	return false
}

func (c *conn) cmdCommandHelp(args [][]byte) {
	writeHelp(&c.w, "COMMAND",
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	)
}
