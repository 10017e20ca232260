package kv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// ACL users and their rules, as Redis 7.0's acl.c models them: a user has
// flags (on/off, nopass, payload sanitizing), a list of SHA-256 password
// hashes, and selectors; the first selector is the root one (the rules
// given outside parentheses), the others are added with "(...)". A selector
// holds a command bitmap (aclTable IDs), allowed first arguments of
// otherwise denied commands (+select|0), key patterns with read/write
// permissions (~, %R~, %W~) and channel patterns (&).
//
// Users are values: a change builds a modified copy (aclUser.clone) that
// replaces the original, so a user another goroutine holds (the RESP edge
// checking a command) never changes under it.

// User flags, in the order ACL GETUSER and ACL LIST show them.
const (
	aclUserOn uint8 = 1 << iota
	aclUserOff
	aclUserNoPass
	aclUserSkipSanitize
	aclUserSanitize
)

var aclUserFlagNames = []struct {
	f    uint8
	name string
}{
	{aclUserOn, "on"}, {aclUserOff, "off"}, {aclUserNoPass, "nopass"},
	{aclUserSkipSanitize, "skip-sanitize-payload"}, {aclUserSanitize, "sanitize-payload"},
}

// Key pattern permissions.
const (
	aclKeyRead  uint8 = 1
	aclKeyWrite uint8 = 2
	aclKeyAll         = aclKeyRead | aclKeyWrite
)

type aclKeyPattern struct {
	pattern string
	perm    uint8
}

type aclSelector struct {
	root        bool
	bits        []uint64 // allowed commands by aclCommand.id
	allCommands bool     // SELECTOR_FLAG_ALLCOMMANDS: every command, bitmap not consulted
	future      bool     // +@all was the base: commands added later are allowed (describes as +@all)
	firstArgs   map[int][]string
	allKeys     bool
	keys        []aclKeyPattern
	allChannels bool
	channels    []string
}

type aclUser struct {
	name      string
	flags     uint8
	passwords []string // SHA-256, lower-case hex
	selectors []*aclSelector
	// unrestricted caches "any command on any key and channel" (the
	// default user's usual state) so checks can skip everything.
	unrestricted bool
}

// Errors of a rule, with Redis's texts (ACLSetUserStringError).
var (
	errACLUnknown       = errors.New("Unknown command or category name in ACL")
	errACLSyntax        = errors.New("Syntax error")
	errACLKeysAfterAll  = errors.New("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
	errACLChansAfterAll = errors.New("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels")
	errACLNoSuchPass    = errors.New("The password you are trying to remove from the user does not exist")
	errACLBadHash       = errors.New("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters")
	errACLSubFirstArg   = errors.New("Allowing first-arg of a subcommand is not supported")
	errACLDuplicateUser = errors.New("Duplicate user found. A user can only be defined once in config files")
)

// aclBitWords sizes every command bitmap. It does not depend on the table
// (aclCommands), so a machine can be made before every package registered
// its commands (at init); buildACLTable checks the table fits.
const aclBitWords = 1024 / 64 // Redis's USER_COMMAND_BITS_COUNT

func newACLSelector(root bool) *aclSelector {
	// acl-pubsub-default is resetchannels in Redis 7.0: no channels.
	return &aclSelector{root: root, bits: make([]uint64, aclBitWords)}
}

// newACLUser is Redis's ACLCreateUser: off, no passwords, a root selector
// that allows nothing.
func newACLUser(name string) *aclUser {
	return &aclUser{name: name, flags: aclUserOff, selectors: []*aclSelector{newACLSelector(true)}}
}

// newDefaultACLUser is Redis's default user: on nopass ~* &* +@all.
func newDefaultACLUser() *aclUser {
	u := newACLUser("default")
	for _, op := range []string{"+@all", "~*", "&*", "on", "nopass"} {
		if err := u.apply(op); err != nil {
			panic("kv: default ACL user: " + err.Error())
		}
	}
	u.finish()
	return u
}

func (s *aclSelector) clone() *aclSelector {
	c := *s
	c.bits = append([]uint64(nil), s.bits...)
	c.keys = append([]aclKeyPattern(nil), s.keys...)
	c.channels = append([]string(nil), s.channels...)
	if s.firstArgs != nil {
		c.firstArgs = make(map[int][]string, len(s.firstArgs))
		for id, l := range s.firstArgs {
			c.firstArgs[id] = append([]string(nil), l...)
		}
	}
	return &c
}

func (u *aclUser) clone(name string) *aclUser {
	c := &aclUser{name: name, flags: u.flags, passwords: append([]string(nil), u.passwords...)}
	for _, s := range u.selectors {
		c.selectors = append(c.selectors, s.clone())
	}
	c.unrestricted = u.unrestricted
	return c
}

// finish recomputes the cached fields after changes.
func (u *aclUser) finish() {
	u.unrestricted = false
	for _, s := range u.selectors {
		if s.allCommands && s.allKeys && s.allChannels {
			u.unrestricted = true
		}
	}
}

func (s *aclSelector) bit(id int) bool { return s.bits[id/64]&(1<<(id%64)) != 0 }

func (s *aclSelector) setBit(id int, on bool) {
	if on {
		s.bits[id/64] |= 1 << (id % 64)
		return
	}
	s.bits[id/64] &^= 1 << (id % 64)
	s.allCommands = false
}

// changePerm is ACLChangeSelectorPerm: a command's bit, and its
// subcommands' when it is a container; its first args are forgotten.
func (s *aclSelector) changePerm(c *aclCommand, allow bool) {
	s.setBit(c.id, allow)
	delete(s.firstArgs, c.id)
	for _, sub := range c.subsBy {
		s.setBit(sub.id, allow)
	}
}

// setCategory is ACLSetSelectorCommandBitsForCategory.
func (s *aclSelector) setCategory(bit uint32, allow bool) {
	for _, c := range aclCommands().top {
		if c.cats&bit != 0 {
			s.changePerm(c, allow)
		}
		for _, sub := range c.subsBy {
			if sub.cats&bit != 0 {
				s.changePerm(sub, allow)
			}
		}
	}
}

func (s *aclSelector) setAll(allow bool) {
	for i := range s.bits {
		if allow {
			s.bits[i] = ^uint64(0)
		} else {
			s.bits[i] = 0
		}
	}
	s.allCommands, s.future, s.firstArgs = allow, allow, nil
}

func hasSpaceOrNul(s string) bool { return strings.ContainsAny(s, " \x00") }

// apply is ACLSetSelector: one rule about commands, keys or channels.
func (s *aclSelector) apply(op string) error {
	if op == "" {
		return errACLSyntax // Redis: an empty rule in a selector is no known rule
	}
	lop := strings.ToLower(op)
	switch {
	case lop == "allkeys" || op == "~*":
		s.allKeys, s.keys = true, nil
	case lop == "resetkeys":
		s.allKeys, s.keys = false, nil
	case lop == "allchannels" || op == "&*":
		s.allChannels, s.channels = true, nil
	case lop == "resetchannels":
		s.allChannels, s.channels = false, nil
	case lop == "allcommands" || lop == "+@all":
		s.setAll(true)
	case lop == "nocommands" || lop == "-@all":
		s.setAll(false)
	case op[0] == '~' || op[0] == '%':
		if s.allKeys {
			return errACLKeysAfterAll
		}
		perm, off := aclKeyAll, 1
		if op[0] == '%' {
			perm = 0
			for ; off < len(op); off++ {
				switch {
				case (op[off] == 'R' || op[off] == 'r') && perm&aclKeyRead == 0:
					perm |= aclKeyRead
				case (op[off] == 'W' || op[off] == 'w') && perm&aclKeyWrite == 0:
					perm |= aclKeyWrite
				case op[off] == '~':
					off++
					goto done
				default:
					return errACLSyntax
				}
			}
		done:
		}
		if off > len(op) {
			off = len(op)
		}
		pat := op[off:]
		if hasSpaceOrNul(pat) {
			return errACLSyntax
		}
		if perm == 0 {
			// "%" alone or "%~" without R or W: Redis stores a pattern with
			// no permission and panics describing it; refuse it instead.
			return errACLSyntax
		}
		found := false
		for i := range s.keys {
			if s.keys[i].pattern == pat {
				s.keys[i].perm |= perm
				found = true
				break
			}
		}
		if !found {
			s.keys = append(s.keys, aclKeyPattern{pattern: pat, perm: perm})
		}
		s.allKeys = false
	case op[0] == '&':
		if s.allChannels {
			return errACLChansAfterAll
		}
		pat := op[1:]
		if hasSpaceOrNul(pat) {
			return errACLSyntax
		}
		found := false
		for _, p := range s.channels {
			if p == pat {
				found = true
			}
		}
		if !found {
			s.channels = append(s.channels, pat)
		}
		s.allChannels = false
	case op[0] == '+' && (len(op) < 2 || op[1] != '@'):
		t := aclCommands()
		name := op[1:]
		i := strings.LastIndexByte(name, '|')
		if i < 0 {
			c := t.lookupName(name)
			if c == nil {
				return errACLUnknown
			}
			s.changePerm(c, true)
			return nil
		}
		c := t.lookupName(name[:i])
		if c == nil {
			return errACLUnknown
		}
		if c.parent != nil {
			return errACLSubFirstArg
		}
		sub := name[i+1:]
		if sub == "" {
			return errACLSyntax
		}
		if c.subs == nil && hasSpaceOrNul(sub) {
			// Redis accepts it but cannot describe it so that it reads
			// back (ACL LIST, the ACL file); neither could a snapshot.
			return errACLSyntax
		}
		if c.subs != nil {
			sc := t.lookupName(name)
			if sc == nil {
				return errACLUnknown
			}
			s.changePerm(sc, true)
			return nil
		}
		if s.firstArgs == nil {
			s.firstArgs = map[int][]string{}
		}
		for _, a := range s.firstArgs[c.id] {
			if strings.EqualFold(a, sub) {
				return nil
			}
		}
		s.firstArgs[c.id] = append(s.firstArgs[c.id], sub)
	case op[0] == '-' && (len(op) < 2 || op[1] != '@'):
		c := aclCommands().lookupName(op[1:])
		if c == nil {
			return errACLUnknown
		}
		s.changePerm(c, false)
	case (op[0] == '+' || op[0] == '-') && op[1] == '@':
		bit := aclCategoryBit(op[2:])
		if bit == 0 {
			return errACLUnknown
		}
		s.setCategory(bit, op[0] == '+')
	default:
		return errACLSyntax
	}
	return nil
}

// hashPassword is Redis's ACLHashPassword: SHA-256 in lower-case hex.
func hashPassword(p []byte) string {
	h := sha256.Sum256(p)
	return hex.EncodeToString(h[:])
}

func validPasswordHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// apply is ACLSetUser: one rule of ACL SETUSER.
func (u *aclUser) apply(op string) error {
	if op == "" {
		return nil
	}
	lop := strings.ToLower(op)
	switch {
	case lop == "on":
		u.flags = u.flags&^aclUserOff | aclUserOn
	case lop == "off":
		u.flags = u.flags&^aclUserOn | aclUserOff
	case lop == "skip-sanitize-payload":
		u.flags = u.flags&^aclUserSanitize | aclUserSkipSanitize
	case lop == "sanitize-payload":
		u.flags = u.flags&^aclUserSkipSanitize | aclUserSanitize
	case lop == "nopass":
		u.flags |= aclUserNoPass
		u.passwords = nil
	case lop == "resetpass":
		u.flags &^= aclUserNoPass
		u.passwords = nil
	case op[0] == '>' || op[0] == '#':
		var h string
		if op[0] == '>' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validPasswordHash(op[1:]) {
				return errACLBadHash
			}
			h = op[1:]
		}
		found := false
		for _, p := range u.passwords {
			if p == h {
				found = true
			}
		}
		if !found {
			u.passwords = append(u.passwords, h)
		}
		u.flags &^= aclUserNoPass
	case op[0] == '<' || op[0] == '!':
		var h string
		if op[0] == '<' {
			h = hashPassword([]byte(op[1:]))
		} else {
			if !validPasswordHash(op[1:]) {
				return errACLBadHash
			}
			h = op[1:]
		}
		for i, p := range u.passwords {
			if p == h {
				u.passwords = append(u.passwords[:i:i], u.passwords[i+1:]...)
				return nil
			}
		}
		return errACLNoSuchPass
	case op[0] == '(' && op[len(op)-1] == ')':
		s := newACLSelector(false)
		for _, sop := range splitSelectorOps(op[1 : len(op)-1]) {
			if err := s.apply(sop); err != nil {
				return err
			}
		}
		u.selectors = append(u.selectors, s)
	case lop == "clearselectors":
		u.selectors = u.selectors[:1]
	case lop == "reset":
		for _, r := range []string{"resetpass", "resetkeys", "resetchannels", "off", "sanitize-payload", "clearselectors", "-@all"} {
			if err := u.apply(r); err != nil {
				panic("kv: ACL reset: " + err.Error())
			}
		}
	default:
		return u.selectors[0].apply(op)
	}
	return nil
}

// splitSelectorOps splits the inside of a selector "(...)" into rules the
// way Redis does (sdssplitargs on the trimmed text): on spaces, with
// quotes. Quoting inside a selector is rare; a bad quote makes an empty
// list, which Redis also accepts as an empty selector.
func splitSelectorOps(s string) []string {
	args, ok := splitArgsQuoted(s)
	if !ok {
		return nil
	}
	return args
}

// splitArgsQuoted is a small sdssplitargs: words separated by spaces,
// "double" and 'single' quotes with Redis's escapes in double quotes.
func splitArgsQuoted(s string) ([]string, bool) {
	var out []string
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			i++
		}
		if i >= len(s) {
			return out, true
		}
		var cur []byte
		inq, insq := false, false
		for ; ; i++ {
			if inq {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, s[i])
					}
				} else if s[i] == '"' {
					if i+1 < len(s) && s[i+1] != ' ' {
						return nil, false
					}
					inq = false
					i++
					break
				} else {
					cur = append(cur, s[i])
				}
			} else if insq {
				if i >= len(s) {
					return nil, false
				}
				if s[i] == '\\' && i+1 < len(s) && s[i+1] == '\'' {
					i++
					cur = append(cur, '\'')
				} else if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] != ' ' {
						return nil, false
					}
					insq = false
					i++
					break
				} else {
					cur = append(cur, s[i])
				}
			} else {
				if i >= len(s) || s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t' {
					break
				}
				switch s[i] {
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, s[i])
				}
			}
		}
		out = append(out, string(cur))
	}
}

// mergeSelectorArgs is ACLMergeSelectorArguments: rules that open a
// selector with "(" and close it in a later argument are joined with
// spaces. It returns the index of an unclosed selector's first argument.
func mergeSelectorArgs(args []string) (merged []string, unclosed int) {
	open := -1
	var cur string
	for j, op := range args {
		if len(op) > 0 && op[0] == '(' && op[len(op)-1] != ')' {
			cur, open = op, j
			continue
		}
		if open != -1 {
			cur += " " + op
			if len(op) > 0 && op[len(op)-1] == ')' {
				open = -1
				merged = append(merged, cur)
			}
			continue
		}
		merged = append(merged, op)
	}
	if open != -1 {
		return nil, open
	}
	return merged, -1
}

// setUserRules is ACLStringSetUser: applies rules to a copy of u (a new
// user when u is nil) and returns it, or Redis's error text (without the
// "ERR " prefix) and nil when a rule is invalid.
func setUserRules(u *aclUser, name string, rules []string) (*aclUser, string) {
	merged, bad := mergeSelectorArgs(rules)
	if bad >= 0 {
		return nil, "Unmatched parenthesis in acl selector starting at '" + rules[bad] + "'."
	}
	var nu *aclUser
	if u != nil {
		nu = u.clone(name)
	} else {
		nu = newACLUser(name)
	}
	for _, op := range merged {
		if err := nu.apply(op); err != nil {
			return nil, "Error in ACL SETUSER modifier '" + op + "': " + err.Error()
		}
	}
	nu.finish()
	return nu, ""
}
