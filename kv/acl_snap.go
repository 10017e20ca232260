package kv

import (
	"fmt"
	"strings"
)

// ACL users in snapshots: after the script items, one item per user, by
// name, laid out like a script item with kind 'A' (snapshotKindACLUser):
// its bytes are NUL-separated parts: the user's name, then the rules of
// the user and its root selector (flags, password hashes, patterns,
// commands: what ACL LIST shows before the first selector), then one part
// per further selector holding its rules without the parentheses. Rules
// are separated by spaces; neither rules nor names contain NUL or spaces,
// and selectors are not parsed from parentheses, so a pattern holding ')'
// (which ACL LIST cannot show unambiguously, in Redis too) restores
// exactly. The default user is written
// only once it was changed through the log (ACLState.defaultSet), so a
// machine whose users were never touched writes no ACL item and its
// snapshot is what earlier versions wrote; a snapshot without ACL items
// restores the initial users. A reader that predates ACL items refuses a
// snapshot holding one (ErrSnapshotBadKind) instead of dropping users.

const snapshotKindACLUser = 'A'

// aclSnapshotItems returns the ACL items of st.
func aclSnapshotItems(st *ACLState) [][]byte {
	var out [][]byte
	for _, n := range st.names {
		if n == "default" && !st.defaultSet {
			continue
		}
		out = append(out, st.users[n].snapshotItem())
	}
	return out
}

// snapshotItem is the user's ACL item body.
func (u *aclUser) snapshotItem() []byte {
	var b strings.Builder
	b.WriteString(u.name)
	b.WriteByte(0)
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			b.WriteString(f.name + " ")
		}
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	b.WriteString(u.selectors[0].describe())
	for _, s := range u.selectors[1:] {
		b.WriteByte(0)
		b.WriteString(s.describe())
	}
	return []byte(b.String())
}

// restoreACL rebuilds the users from the ACL items Restore read.
func restoreACL(items [][]byte) (*ACLState, error) {
	st := newACLState()
	if len(items) == 0 {
		return st, nil
	}
	st.users = map[string]*aclUser{"default": st.users["default"]}
	prev := ""
	for i, b := range items {
		parts := strings.Split(string(b), "\x00")
		name := parts[0]
		if len(parts) < 2 || name == "" || hasSpaceOrNul(name) {
			return nil, fmt.Errorf("%w: ACL item %d has no user name", ErrSnapshotBadRecord, i)
		}
		if i > 0 && name <= prev {
			return nil, fmt.Errorf("%w: ACL user %q after %q", ErrSnapshotKeyOrder, name, prev)
		}
		prev = name
		u := newACLUser(name)
		for _, op := range strings.Split(parts[1], " ") {
			if len(op) > 0 && op[0] == '(' {
				return nil, fmt.Errorf("%w: ACL user %q: selector among the root rules", ErrSnapshotBadRecord, name)
			}
			if err := u.apply(op); err != nil {
				return nil, fmt.Errorf("%w: ACL user %q: rule %q: %v", ErrSnapshotBadRecord, name, op, err)
			}
		}
		for _, part := range parts[2:] {
			s := newACLSelector(false)
			for _, op := range strings.Split(part, " ") {
				if err := s.apply(op); err != nil {
					return nil, fmt.Errorf("%w: ACL user %q: selector rule %q: %v", ErrSnapshotBadRecord, name, op, err)
				}
			}
			u.selectors = append(u.selectors, s)
		}
		u.finish()
		st.users[name] = u
		if name == "default" {
			st.defaultSet = true
		}
	}
	st.sortNames()
	return st, nil
}
