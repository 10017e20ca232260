package kv

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The command table as ACL rules see it. Redis's ACL rules name commands,
// subcommands ("config|get") and categories ("@read"); a user's permissions
// are a bitmap over command IDs. The table holds every command of Redis
// 7.0.15 (aclcommands.txt, captured from a real redis-server with
// TestCaptureACLCommands), whether or not this build implements it, so that
// rules such as +debug are accepted and ACL GETUSER and ACL LIST describe
// users exactly as Redis does (the description depends on how many commands
// each category holds). Commands of this build that Redis does not have
// (CAS, ...) are added with categories derived from their flags and group,
// as COMMAND INFO derives them; internal ones (RAFT, REDRAFT.*) with none.
//
// IDs are assigned in table order: top-level commands by name, each followed
// by its subcommands by name. The order is the same on every replica of a
// build; IDs never reach a snapshot (users are stored as rule strings).

//go:embed aclcommands.txt
var aclCommandsTxt string

// aclCategoryNames is Redis's ACL category table, in its order (ACL CAT
// lists them in this order; ACL GETUSER's description tries them in it).
var aclCategoryNames = []string{
	"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
	"dangerous", "connection", "transaction", "scripting",
}

// aclCommand is one command or subcommand of the ACL table.
type aclCommand struct {
	id     int
	name   string // full name, lower case: "get", "config|get"
	cats   uint32 // bit i: aclCategoryNames[i]
	noAuth bool   // Redis's no_auth flag: never refused by the command bitmap
	arity  int    // Redis's convention (ACL DRYRUN checks it)
	// extra: a command of this build that Redis does not have. Its
	// categories grant it, but describing a user does not count it, so
	// that descriptions pick the categories Redis picks.
	extra  bool
	parent *aclCommand
	subs   map[string]*aclCommand // by lower-case subcommand name
	subsBy []*aclCommand          // sorted by name
}

// aclTable is the whole table: top-level commands by name and in order,
// and every command and subcommand by ID.
type aclTable struct {
	byName map[string]*aclCommand // top-level, lower case
	top    []*aclCommand          // top-level, sorted
	all    []*aclCommand          // by ID
	words  int                    // uint64 words of a command bitmap
}

var (
	aclTableOnce sync.Once
	aclTab       *aclTable
)

// aclCommands returns the table, built on first use: after init, when every
// package has registered its commands.
func aclCommands() *aclTable {
	aclTableOnce.Do(func() { aclTab = buildACLTable() })
	return aclTab
}

// aclGroupCategory maps a COMMAND DOCS group to the category of its
// commands (for the commands Redis does not have).
var aclGroupCategory = map[string]string{
	"generic": "keyspace", "string": "string", "list": "list", "set": "set",
	"sorted-set": "sortedset", "hash": "hash", "bitmap": "bitmap", "hyperloglog": "hyperloglog",
	"geo": "geo", "stream": "stream", "pubsub": "pubsub", "connection": "connection",
	"transactions": "transaction", "scripting": "scripting",
}

func aclCategoryBit(name string) uint32 {
	for i, c := range aclCategoryNames {
		if strings.EqualFold(c, name) {
			return 1 << i
		}
	}
	return 0
}

// derivedCategories are a spec's categories as Redis's
// setImplicitACLCategories derives them, plus its group's.
func derivedCategories(s *Spec) uint32 {
	cats := aclCategoryBit(aclGroupCategory[s.Group])
	if s.Flags&FlagWrite != 0 {
		cats |= aclCategoryBit("write")
	}
	if s.Flags&FlagReadOnly != 0 {
		cats |= aclCategoryBit("read")
	}
	if s.Flags&FlagAdmin != 0 {
		cats |= aclCategoryBit("admin") | aclCategoryBit("dangerous")
	}
	if s.Flags&FlagFast != 0 {
		cats |= aclCategoryBit("fast")
	} else {
		cats |= aclCategoryBit("slow")
	}
	return cats
}

func buildACLTable() *aclTable {
	t := &aclTable{byName: map[string]*aclCommand{}}
	var subs []*aclCommand
	for _, line := range strings.Split(aclCommandsTxt, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		c := &aclCommand{name: f[0]}
		if len(f) < 2 {
			panic("kv: aclcommands.txt: malformed line " + line)
		}
		c.arity, _ = strconv.Atoi(f[1])
		if len(f) > 2 {
			for _, cat := range strings.Split(f[2], ",") {
				c.cats |= aclCategoryBit(cat)
			}
		}
		c.noAuth = len(f) > 3 && f[3] == "no_auth"
		if strings.Contains(c.name, "|") {
			subs = append(subs, c)
			continue
		}
		t.byName[c.name] = c
	}
	for _, c := range subs {
		i := strings.IndexByte(c.name, '|')
		p := t.byName[c.name[:i]]
		if p == nil {
			panic("kv: aclcommands.txt: subcommand " + c.name + " without its command")
		}
		c.parent = p
		if p.subs == nil {
			p.subs = map[string]*aclCommand{}
		}
		p.subs[c.name[i+1:]] = c
	}
	for _, s := range Commands() {
		if t.byName[s.Name] == nil {
			c := &aclCommand{name: s.Name, arity: s.Arity, noAuth: s.Flags&FlagNoAuth != 0, extra: true}
			// Internal commands (REDRAFT.*, RAFT) are in no category:
			// only +@all, allcommands or their own name grant them.
			if !strings.HasPrefix(s.Name, "redraft.") && s.Name != "raft" {
				c.cats = derivedCategories(s)
			}
			t.byName[s.Name] = c
		}
	}
	for _, c := range t.byName {
		t.top = append(t.top, c)
	}
	sort.Slice(t.top, func(i, j int) bool { return t.top[i].name < t.top[j].name })
	for _, c := range t.top {
		c.id = len(t.all)
		t.all = append(t.all, c)
		for _, s := range c.subs {
			c.subsBy = append(c.subsBy, s)
		}
		sort.Slice(c.subsBy, func(i, j int) bool { return c.subsBy[i].name < c.subsBy[j].name })
		for _, s := range c.subsBy {
			s.id = len(t.all)
			t.all = append(t.all, s)
		}
	}
	t.words = (len(t.all) + 63) / 64
	if t.words > aclBitWords {
		panic("kv: the ACL command table outgrew its bitmaps (aclBitWords)")
	}
	return t
}

// lookupName finds a command or subcommand ("config|get") by name,
// case-insensitively, as Redis's ACLLookupCommand does.
func (t *aclTable) lookupName(name string) *aclCommand {
	name = strings.ToLower(name)
	if i := strings.IndexByte(name, '|'); i >= 0 {
		p := t.byName[name[:i]]
		if p == nil || p.subs == nil {
			return nil
		}
		return p.subs[name[i+1:]]
	}
	return t.byName[name]
}

// lookupArgs finds the command args invoke: a container's subcommand when
// args name one. A container called with an unknown subcommand (or none)
// is the container itself.
func (t *aclTable) lookupArgs(args [][]byte) *aclCommand {
	c := t.byName[strings.ToLower(string(args[0]))]
	if c == nil {
		return nil
	}
	if c.subs != nil && len(args) >= 2 && len(args[1]) <= 64 {
		if s := c.subs[strings.ToLower(string(args[1]))]; s != nil {
			return s
		}
	}
	return c
}

// inCategory lists the commands and subcommands of a category, in table
// order (ACL CAT <category>).
func (t *aclTable) inCategory(bit uint32) []string {
	var out []string
	for _, c := range t.all {
		if c.cats&bit != 0 {
			out = append(out, c.name)
		}
	}
	return out
}
