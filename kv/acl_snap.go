package kv

import (
	"fmt"
	"strings"
)

// ACL users in snapshots: after the script items, one item per user, by
// name, laid out like a script item with kind 'A' (snapshotKindACLUser):
// its bytes are the user's name, a space, and the rules that recreate it
// (what ACL LIST shows after "user <name> "). The default user is written
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
		out = append(out, []byte(n+" "+st.users[n].describe()))
	}
	return out
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
		text := string(b)
		sp := strings.IndexByte(text, ' ')
		if sp <= 0 {
			return nil, fmt.Errorf("%w: ACL item %d has no user name", ErrSnapshotBadRecord, i)
		}
		name := text[:sp]
		if i > 0 && name <= prev {
			return nil, fmt.Errorf("%w: ACL user %q after %q", ErrSnapshotKeyOrder, name, prev)
		}
		prev = name
		merged, bad := mergeSelectorArgs(strings.Split(text[sp+1:], " "))
		if bad >= 0 {
			return nil, fmt.Errorf("%w: ACL user %q: unmatched parenthesis", ErrSnapshotBadRecord, name)
		}
		u := newACLUser(name)
		for _, op := range merged {
			if err := u.apply(op); err != nil {
				return nil, fmt.Errorf("%w: ACL user %q: rule %q: %v", ErrSnapshotBadRecord, name, op, err)
			}
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
