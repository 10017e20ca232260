package kv

import (
	"encoding/hex"
	"strconv"
	"strings"
)

// ACL, the command: users are machine state, so ACL SETUSER, ACL DELUSER
// and the internal form of ACL LOAD go through the log and change every
// replica alike; ACL GETUSER, LIST, USERS, CAT, DRYRUN and WHOAMI read the
// state at the read barrier. GENPASS, LOG, SAVE, LOAD and HELP need the node
// (its random source, its ACL log, its file); the RESP edge answers them
// before they reach the machine, which answers them itself only inside
// MULTI (GENPASS from the command's seed; the others with an error).
//
// The internal ACL LOAD form carries the file: ACL LOAD <filename>
// <contents>. Clients cannot send it (ACL LOAD's arity is 2; the edge
// refuses more arguments); the edge sends it after reading the file.

func aclCommandsSpecs() []*Spec {
	return []*Spec{
		{Name: "acl", Arity: -2, Flags: FlagWrite | FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
			Group: "server", Since: "6.0.0", Summary: "A container for Access List Control commands",
			Run: runACL, ReadsOnly: aclReadsOnly},
	}
}

// aclSubArity holds the subcommands and their arities (Redis's).
var aclSubArity = map[string]int{
	"cat": -2, "deluser": -3, "dryrun": -4, "genpass": -2, "getuser": 3, "help": 2, "list": 2,
	"load": 2, "log": -2, "save": 2, "setuser": -3, "users": 2, "whoami": 2,
}

// ACLSubArity returns the arity of an ACL subcommand (lower case).
func ACLSubArity(sub string) (int, bool) {
	a, ok := aclSubArity[sub]
	return a, ok
}

func aclReadsOnly(args [][]byte) bool {
	if len(args) < 2 {
		return true
	}
	switch strings.ToLower(string(args[1])) {
	case "setuser", "deluser", "load":
		return false
	}
	return true
}

// ACLFileNotConfigured is ACL LOAD's and SAVE's error without --aclfile.
const ACLFileNotConfigured = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

// ACL returns the ACL users as last applied. Safe from any goroutine.
func (m *Machine) ACL() *ACLState { return m.acl.Load() }

func runACL(c *Ctx) {
	sub := strings.ToLower(string(c.Args[1]))
	a, ok := aclSubArity[sub]
	if !ok {
		c.W.Error(ErrUnknownSubcommand(c.Args[1], "acl"))
		return
	}
	internalLoad := sub == "load" && len(c.Args) == 4
	if !internalLoad && ((a > 0 && len(c.Args) != a) || (a < 0 && len(c.Args) < -a)) {
		c.W.Error(ErrArity("acl|" + sub))
		return
	}
	st := c.m.ACL()
	switch sub {
	case "setuser":
		c.mustWrite()
		name := string(c.Args[2])
		if hasSpaceOrNul(name) {
			c.W.Error("ERR Usernames can't contain spaces or null characters")
			return
		}
		rules := make([]string, len(c.Args)-3)
		for i, r := range c.Args[3:] {
			rules[i] = string(r)
		}
		u, msg := setUserRules(st.users[name], name, rules)
		if msg != "" {
			c.W.Error("ERR " + msg)
			return
		}
		c.m.acl.Store(st.with(u))
		c.W.OK()
	case "deluser":
		c.mustWrite()
		for _, n := range c.Args[2:] {
			if string(n) == "default" {
				c.W.Error("ERR The 'default' user cannot be removed")
				return
			}
		}
		n := &ACLState{users: make(map[string]*aclUser, len(st.users)), defaultSet: st.defaultSet}
		for k, v := range st.users {
			n.users[k] = v
		}
		deleted := 0
		for _, name := range c.Args[2:] {
			if n.users[string(name)] != nil {
				delete(n.users, string(name))
				deleted++
			}
		}
		if deleted > 0 {
			n.sortNames()
			c.m.acl.Store(n)
		}
		c.W.Int(int64(deleted))
	case "getuser":
		u := st.users[string(c.Args[2])]
		if u == nil {
			c.W.Null()
			return
		}
		writeACLUser(c.W, u)
	case "list", "users":
		c.W.Array(len(st.names))
		for _, n := range st.names {
			if sub == "users" {
				c.W.BulkString(n)
			} else {
				c.W.BulkString("user " + n + " " + st.users[n].describe())
			}
		}
	case "whoami":
		c.W.BulkString(c.userName())
	case "cat":
		if len(c.Args) == 2 {
			c.W.Array(len(aclCategoryNames))
			for _, n := range aclCategoryNames {
				c.W.BulkString(n)
			}
			return
		}
		if len(c.Args) != 3 {
			c.W.Error(ErrArity("acl|cat"))
			return
		}
		bit := aclCategoryBit(string(c.Args[2]))
		if bit == 0 {
			name := string(c.Args[2])
			if len(name) > 128 {
				name = name[:128]
			}
			c.W.Error("ERR Unknown category '" + name + "'")
			return
		}
		names := aclCommands().inCategory(bit)
		c.W.Array(len(names))
		for _, n := range names {
			c.W.BulkString(n)
		}
	case "dryrun":
		aclDryRun(c.W, st, c.Args[2:])
	case "genpass":
		bits, msg := ACLGenPassBits(c.Args)
		if msg != "" {
			c.W.Error(msg)
			return
		}
		raw := make([]byte, (bits+7)/8+1)
		r := c.Rand()
		for i := range raw {
			raw[i] = byte(r.Uint64())
		}
		c.W.BulkString(hex.EncodeToString(raw)[:(bits+3)/4])
	case "load":
		if !internalLoad {
			c.W.Error(ACLFileNotConfigured)
			return
		}
		c.mustWrite()
		n, errs := loadACLFile(string(c.Args[2]), string(c.Args[3]), st)
		if errs != "" {
			c.W.Error("ERR " + errs)
			return
		}
		c.m.acl.Store(n)
		c.W.OK()
	case "save":
		c.W.Error(ACLFileNotConfigured)
	case "log":
		c.W.Error("ERR ACL LOG is kept by the node a client is connected to; it cannot run inside MULTI")
	case "help":
		WriteACLHelp(c.W)
	}
}

// userName is the name the command runs as ("default" for commands that
// carry no user).
func (c *Ctx) userName() string {
	if c.user != nil {
		return c.user.name
	}
	return "default"
}

// ACLGenPassBits parses ACL GENPASS's optional bit count (args: ACL GENPASS
// [bits]) and returns it or Redis's error.
func ACLGenPassBits(args [][]byte) (int, string) {
	bits := int64(256)
	if len(args) == 3 {
		v, ok := ParseInt(args[2])
		if !ok {
			return 0, ErrNotInteger
		}
		bits = v
	} else if len(args) > 3 {
		return 0, ErrArity("acl|genpass")
	}
	if bits <= 0 || bits > 4096 {
		return 0, "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
	}
	return int(bits), ""
}

// writeACLUser writes ACL GETUSER's reply.
func writeACLUser(w *Writer, u *aclUser) {
	w.Map(6)
	w.BulkString("flags")
	flags := u.flagNames()
	w.Set(len(flags))
	for _, f := range flags {
		w.BulkString(f)
	}
	w.BulkString("passwords")
	w.Array(len(u.passwords))
	for _, p := range u.passwords {
		w.BulkString(p)
	}
	writeACLSelector(w, u.selectors[0])
	w.BulkString("selectors")
	w.Array(len(u.selectors) - 1)
	for _, s := range u.selectors[1:] {
		w.Map(3)
		writeACLSelector(w, s)
	}
}

func writeACLSelector(w *Writer, s *aclSelector) {
	w.BulkString("commands")
	w.BulkString(s.commandRules())
	w.BulkString("keys")
	w.BulkString(s.keysString())
	w.BulkString("channels")
	w.BulkString(s.channelsString())
}

// aclDryRun answers ACL DRYRUN user command [arg ...].
func aclDryRun(w *Writer, st *ACLState, args [][]byte) {
	u := st.users[string(args[0])]
	if u == nil {
		w.Error("ERR User '" + string(args[0]) + "' not found")
		return
	}
	cmd := args[1:]
	t := aclCommands()
	c := t.byName[strings.ToLower(string(cmd[0]))]
	if c != nil && c.subs != nil && len(cmd) > 1 {
		c = c.subs[strings.ToLower(string(cmd[1]))]
	}
	if c == nil {
		w.Error("ERR Command '" + string(cmd[0]) + "' not found")
		return
	}
	if (c.arity > 0 && c.arity != len(cmd)) || len(cmd) < -c.arity {
		w.Error("ERR wrong number of arguments for '" + c.name + "' command")
		return
	}
	reason, pos, _ := u.check(cmd)
	switch reason {
	case ACLOK:
		w.OK()
	case ACLDeniedCommand:
		w.BulkString("This user has no permissions to run the '" + c.name + "' command")
	case ACLDeniedKey:
		w.BulkString("This user has no permissions to access the '" + string(cmd[pos]) + "' key")
	default:
		w.BulkString("This user has no permissions to access the '" + string(cmd[pos]) + "' channel")
	}
}

// loadACLFile is ACLLoadFromFile on text already read: every line "user
// <name> <rules...>" (split on single spaces, as Redis does). It returns
// the new state, or Redis's error text and nil when any line is wrong (then
// nothing changes). A file without a default user gets the initial one.
func loadACLFile(filename, text string, old *ACLState) (*ACLState, string) {
	n := &ACLState{users: map[string]*aclUser{}, defaultSet: true}
	var errs strings.Builder
	for i, line := range strings.Split(text, "\n") {
		linenum := i + 1
		line = strings.Trim(line, " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		if argv[0] != "user" || len(argv) < 2 {
			errs.WriteString(filename + ":" + strconv.Itoa(linenum) + " should start with user keyword followed by the username. ")
			continue
		}
		name := argv[1]
		if hasSpaceOrNul(name) {
			errs.WriteString("'" + filename + ":" + strconv.Itoa(linenum) + ": username '" + name + "' contains invalid characters. ")
			continue
		}
		if n.users[name] != nil {
			errs.WriteString("WARNING: Duplicate user '" + name + "' found on line " + strconv.Itoa(linenum) + ". ")
			continue
		}
		u := newACLUser(name)
		n.users[name] = u
		merged, bad := mergeSelectorArgs(argv[2:])
		if bad >= 0 {
			errs.WriteString(filename + ":" + strconv.Itoa(linenum) + ": Unmatched parenthesis in selector definition.")
		}
		syntaxErr := false
		for _, op := range merged {
			op = strings.Trim(op, "\t\r\n")
			if err := u.apply(op); err != nil {
				if err == errACLUnknown {
					errs.WriteString(filename + ":" + strconv.Itoa(linenum) + ": Error in applying operation '" + op + "': " + err.Error() + ". ")
				} else if !syntaxErr {
					errs.WriteString(filename + ":" + strconv.Itoa(linenum) + ": " + err.Error() + ". ")
					syntaxErr = true
				}
			}
		}
		u.finish()
	}
	if errs.Len() != 0 {
		errs.WriteString("WARNING: ACL errors detected, no change to the previously active ACL rules was performed")
		return nil, errs.String()
	}
	if n.users["default"] == nil {
		n.users["default"] = newDefaultACLUser()
	}
	n.sortNames()
	return n, ""
}

// ACLFileText is what ACL SAVE writes: one "user <name> <rules>" line per
// user, by name.
func (st *ACLState) ACLFileText() string {
	var b strings.Builder
	for _, n := range st.names {
		b.WriteString("user " + n + " " + st.users[n].describe() + "\n")
	}
	return b.String()
}

// WriteACLHelp writes ACL HELP's reply.
func WriteACLHelp(w *Writer) {
	lines := []string{
		"CAT [<category>]",
		"    List all commands that belong to <category>, or all command categories",
		"    when no category is specified.",
		"DELUSER <username> [<username> ...]",
		"    Delete a list of users.",
		"DRYRUN <username> <command> [<arg> ...]",
		"    Returns whether the user can execute the given command without executing the command.",
		"GETUSER <username>",
		"    Get the user's details.",
		"GENPASS [<bits>]",
		"    Generate a secure 256-bit user password. The optional `bits` argument can",
		"    be used to specify a different size.",
		"LIST",
		"    Show users details in config file format.",
		"LOAD",
		"    Reload users from the ACL file.",
		"LOG [<count> | RESET]",
		"    Show the ACL log entries.",
		"SAVE",
		"    Save the current config to the ACL file.",
		"SETUSER <username> <attribute> [<attribute> ...]",
		"    Create or modify a user with the specified attributes.",
		"USERS",
		"    List all the registered usernames.",
		"WHOAMI",
		"    Return the current connection username.",
	}
	w.Array(len(lines) + 3)
	w.Simple("ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}
