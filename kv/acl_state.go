package kv

import (
	"crypto/subtle"
	"sort"
	"strings"
)

// ACLState is the set of ACL users: machine state, changed only by ACL
// commands applied from the log (ACL SETUSER, DELUSER, LOAD) and restored
// from snapshots. An ACLState is immutable once the machine publishes it
// (Machine.ACL): a change builds a new one, so the RESP edge reads users
// and checks commands from any goroutine without locks.
type ACLState struct {
	users map[string]*aclUser
	names []string // sorted
	// defaultSet: the default user was changed through the log. Until then
	// a node's requirepass, when set, is the default user's password there
	// (see Authenticate); snapshots store the default user only once set.
	defaultSet bool
}

func newACLState() *ACLState {
	return &ACLState{users: map[string]*aclUser{"default": newDefaultACLUser()}, names: []string{"default"}}
}

// with returns a copy of st with u added or replaced.
func (st *ACLState) with(u *aclUser) *ACLState {
	n := &ACLState{users: make(map[string]*aclUser, len(st.users)+1), defaultSet: st.defaultSet}
	for k, v := range st.users {
		n.users[k] = v
	}
	n.users[u.name] = u
	if u.name == "default" {
		n.defaultSet = true
	}
	n.sortNames()
	return n
}

func (st *ACLState) sortNames() {
	st.names = st.names[:0]
	for k := range st.users {
		st.names = append(st.names, k)
	}
	sort.Strings(st.names)
}

// ACL check results, Redis's ACL_OK and ACL_DENIED_* (the values order
// them as Redis does when it picks the error of a user with selectors).
const (
	ACLOK            = 0
	ACLDeniedCommand = 1
	ACLDeniedKey     = 2
	ACLDeniedAuth    = 3
	ACLDeniedChannel = 4
)

// ACLKey is a key argument as the ACL check sees it: its position in the
// command and whether the command reads it or writes it (from the key
// specification's access, insert, delete and update flags).
type ACLKey struct {
	Pos         int
	Read, Write bool
}

// aclKeyFinder locates a command's keys with their access flags. The RESP
// edge installs one built from Redis's key specifications
// (SetACLKeyFinder); without it the spec's key positions are used, every
// key read and, for a write command, written.
var aclKeyFinder func(args [][]byte) ([]ACLKey, bool)

// SetACLKeyFinder installs the key finder of ACL checks. Call it at init:
// every replica must use the same one.
func SetACLKeyFinder(f func(args [][]byte) ([]ACLKey, bool)) { aclKeyFinder = f }

func aclKeys(spec *Spec, args [][]byte) []ACLKey {
	if aclKeyFinder != nil {
		if keys, ok := aclKeyFinder(args); ok {
			return keys
		}
	}
	if spec == nil || spec.FirstKey <= 0 {
		return nil
	}
	last := spec.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := max(spec.Step, 1)
	var out []ACLKey
	for i := spec.FirstKey; i <= last && i < len(args); i += step {
		out = append(out, ACLKey{Pos: i, Read: true, Write: spec.IsWrite()})
	}
	return out
}

// aclChannels returns the positions of a command's channel arguments that
// ACL rules check (publish and subscribe; unsubscribing is never refused),
// and whether they are patterns.
func aclChannels(name string, args [][]byte) (from, to int, pattern bool) {
	switch name {
	case "publish", "spublish":
		return 1, 2, false
	case "subscribe", "ssubscribe":
		return 1, len(args), false
	case "psubscribe":
		return 1, len(args), true
	}
	return 0, 0, false
}

// checkKey is ACLSelectorCheckKey.
func (s *aclSelector) checkKey(key []byte, k ACLKey) bool {
	if s.allKeys {
		return true
	}
	var need uint8
	if k.Read {
		need |= aclKeyRead
	}
	if k.Write {
		need |= aclKeyWrite
	}
	for _, p := range s.keys {
		if p.perm&need != need {
			continue
		}
		if MatchGlob([]byte(p.pattern), key) {
			return true
		}
	}
	return false
}

// checkChannel is ACLCheckChannelAgainstList.
func (s *aclSelector) checkChannel(ch []byte, pattern bool) bool {
	if s.allChannels {
		return true
	}
	for _, p := range s.channels {
		if pattern && p == string(ch) || !pattern && MatchGlob([]byte(p), ch) {
			return true
		}
	}
	return false
}

// checkCmd is ACLSelectorCheckCmd: ACLOK or why the selector refuses.
func (s *aclSelector) checkCmd(c *aclCommand, spec *Spec, args [][]byte, keys *[]ACLKey, keysDone *bool) (int, int) {
	if !s.allCommands && !c.noAuth && !s.bit(c.id) {
		idx := 1
		if c.parent != nil {
			idx = 2
		}
		allowed := false
		if len(args) > idx {
			for _, a := range s.firstArgs[c.id] {
				if strings.EqualFold(a, string(args[idx])) {
					allowed = true
					break
				}
			}
		}
		if !allowed {
			return ACLDeniedCommand, 0
		}
	}
	if !s.allKeys {
		if !*keysDone {
			*keys, *keysDone = aclKeys(spec, args), true
		}
		for _, k := range *keys {
			if !s.checkKey(args[k.Pos], k) {
				return ACLDeniedKey, k.Pos
			}
		}
	}
	if !s.allChannels {
		from, to, pattern := aclChannels(c.name, args)
		for i := from; i < to && i < len(args); i++ {
			if !s.checkChannel(args[i], pattern) {
				return ACLDeniedChannel, i
			}
		}
	}
	return ACLOK, 0
}

// check is ACLCheckAllUserCommandPerm: ACLOK, or the reason of the
// refusal and the position of the key or channel refused.
func (u *aclUser) check(args [][]byte) (reason, pos int, c *aclCommand) {
	if len(args) == 0 {
		return ACLOK, 0, nil
	}
	c = aclCommands().lookupArgs(args)
	if c == nil {
		if Lookup(args[0]) == nil {
			// Unknown commands are refused as unknown, not by ACL rules.
			return ACLOK, 0, nil
		}
		// Registered after the table was built (a broken init order):
		// only a selector allowing every command may run it.
		c = &aclCommand{id: -1, name: strings.ToLower(string(args[0]))}
		for _, s := range u.selectors {
			if s.allCommands {
				return ACLOK, 0, c
			}
		}
		return ACLDeniedCommand, 0, c
	}
	if u.unrestricted {
		return ACLOK, 0, c
	}
	spec := Lookup(args[0])
	var keys []ACLKey
	keysDone := false
	reason, pos = ACLDeniedCommand, 0
	for _, s := range u.selectors {
		r, p := s.checkCmd(c, spec, args, &keys, &keysDone)
		if r == ACLOK {
			return ACLOK, 0, c
		}
		if r > reason || r == reason && p > pos {
			reason, pos = r, p
		}
	}
	return reason, pos, c
}

// ACLDenial describes a refused command: why, the argument refused (a key
// or channel) and the command's full name ("config|set").
type ACLDenial struct {
	Reason  int
	Pos     int
	Command string
}

// Check reports whether user may run args (name first), as Redis checks a
// command before running it. A user that does not exist may run nothing.
func (st *ACLState) Check(user string, args [][]byte) (ACLDenial, bool) {
	u := st.users[user]
	if u == nil {
		name := ""
		if len(args) > 0 {
			name = strings.ToLower(string(args[0]))
		}
		return ACLDenial{Reason: ACLDeniedCommand, Command: name}, false
	}
	r, p, c := u.check(args)
	if r == ACLOK {
		return ACLDenial{}, true
	}
	return ACLDenial{Reason: r, Pos: p, Command: c.name}, false
}

// Unrestricted reports whether user may run any command on any key and
// channel (the edge then skips the check).
func (st *ACLState) Unrestricted(user string) bool {
	u := st.users[user]
	return u != nil && u.unrestricted
}

// Error is the NOPERM error of a refused command (without the leading
// '-'), Redis's processCommand texts.
func (d ACLDenial) Error() string {
	switch d.Reason {
	case ACLDeniedKey:
		return "NOPERM this user has no permissions to access one of the keys used as arguments"
	case ACLDeniedChannel:
		return "NOPERM this user has no permissions to access one of the channels used as arguments"
	}
	return "NOPERM this user has no permissions to run the '" + d.Command + "' command"
}

// txError is the error of a queued command refused at EXEC (Redis's
// execCommand: the rules changed after it was queued).
func (d ACLDenial) txError() string {
	reason := "no permission to execute the command or subcommand"
	switch d.Reason {
	case ACLDeniedKey:
		reason = "no permission to touch the specified keys"
	case ACLDeniedChannel:
		reason = "no permission to access one of the channels used as arguments"
	}
	return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
}

// scriptError is the error redis.call raises for a refused command
// (Redis's scriptVerifyACL with getAclErrorMessage).
func (d ACLDenial) scriptError() string {
	msg := "lacking the permissions for the command"
	switch d.Reason {
	case ACLDeniedCommand:
		msg = "can't run this command or subcommand"
	case ACLDeniedKey:
		msg = "can't access at least one of the keys mentioned in the command arguments"
	case ACLDeniedChannel:
		msg = "can't publish to the channel mentioned in the command"
	}
	return "The user executing the script " + msg
}

// ChannelAllowed reports whether user may use channel ch (pattern: a
// PSUBSCRIBE pattern, matched literally), Redis's ACLUserCheckChannelPerm.
func (st *ACLState) ChannelAllowed(user string, ch []byte, pattern bool) bool {
	u := st.users[user]
	if u == nil {
		return false
	}
	for _, s := range u.selectors {
		if s.checkChannel(ch, pattern) {
			return true
		}
	}
	return false
}

// HasUser reports whether the user exists.
func (st *ACLState) HasUser(name string) bool { return st.users[name] != nil }

// defaultOverlay reports whether nodePass stands for the default user's
// passwords: the node has a requirepass and the default user was never
// changed through the log.
func (st *ACLState) defaultOverlay(user, nodePass string) bool {
	return user == "default" && nodePass != "" && !st.defaultSet
}

// Authenticate is ACLCheckUserCredentials: the user exists, is on, and
// has nopass or a password whose SHA-256 is among its hashes. nodePass is
// the node's requirepass (see ACLState.defaultSet).
func (st *ACLState) Authenticate(user, pass []byte, nodePass string) bool {
	u := st.users[string(user)]
	if u == nil || u.flags&aclUserOff != 0 {
		return false
	}
	if st.defaultOverlay(u.name, nodePass) {
		return subtle.ConstantTimeCompare(pass, []byte(nodePass)) == 1
	}
	if u.flags&aclUserNoPass != 0 {
		return true
	}
	h := hashPassword(pass)
	ok := false
	for _, p := range u.passwords {
		if subtle.ConstantTimeCompare([]byte(h), []byte(p)) == 1 {
			ok = true
		}
	}
	return ok
}

// DefaultNoPass reports whether a new connection is authenticated as the
// default user at once (Redis: the default user is on and nopass).
func (st *ACLState) DefaultNoPass(nodePass string) bool {
	u := st.users["default"]
	if u == nil || u.flags&aclUserOff != 0 || u.flags&aclUserNoPass == 0 {
		return false
	}
	return !st.defaultOverlay("default", nodePass)
}
