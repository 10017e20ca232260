package kv

import "strings"

// Describing users the way ACL LIST, ACL GETUSER and the ACL file show
// them (Redis's ACLDescribeUser and ACLDescribeSelectorCommandRules). The
// command rules are rebuilt from the bitmap: +@all or -@all, then the
// categories that best fit what differs, then single commands. Redis visits
// single commands in its hash table's order, which changes from run to run;
// this build visits them in table order (by name), so the same user always
// reads the same.

func (k aclKeyPattern) String() string {
	switch k.perm {
	case aclKeyRead:
		return "%R~" + k.pattern
	case aclKeyWrite:
		return "%W~" + k.pattern
	}
	return "~" + k.pattern
}

// countCategory counts the commands of a category the selector allows (on)
// and denies (off), Redis's own only (see aclCommand.extra).
func (s *aclSelector) countCategory(bit uint32) (on, off int) {
	for _, c := range aclCommands().all {
		if c.cats&bit != 0 && !c.extra {
			if s.bit(c.id) {
				on++
			} else {
				off++
			}
		}
	}
	return on, off
}

// commandRules is ACLDescribeSelectorCommandRules.
func (s *aclSelector) commandRules() string {
	var b strings.Builder
	fake := newACLSelector(false)
	additive := !s.future
	if additive {
		b.WriteString("-@all ")
	} else {
		b.WriteString("+@all ")
		fake.setAll(true)
	}
	temp := &aclSelector{bits: append([]uint64(nil), s.bits...)}
	applied := make([]bool, len(aclCategoryNames))
	for {
		best, mindiff, maxsame := -1, int(^uint(0)>>1), 0
		for j := range aclCategoryNames {
			if applied[j] {
				continue
			}
			on, off := temp.countCategory(1 << j)
			diff, same := on, off
			if additive {
				diff, same = off, on
			}
			if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
				best, mindiff, maxsame = j, diff, same
			}
		}
		if best == -1 {
			break
		}
		sign, inv := "+@", "-@"
		if !additive {
			sign, inv = "-@", "+@"
		}
		fake.setCategory(1<<best, sign == "+@")
		temp.setCategory(1<<best, inv == "+@")
		b.WriteString(sign + aclCategoryNames[best] + " ")
		applied[best] = true
	}
	for _, c := range aclCommands().top {
		s.describeSingle(fake, c, &b)
	}
	out := b.String()
	return out[:len(out)-1]
}

func (s *aclSelector) describeSingle(fake *aclSelector, c *aclCommand, b *strings.Builder) {
	user := s.bit(c.id)
	if user != fake.bit(c.id) {
		if user {
			b.WriteString("+")
		} else {
			b.WriteString("-")
		}
		b.WriteString(c.name + " ")
		fake.changePerm(c, user)
	}
	for _, sub := range c.subsBy {
		s.describeSingle(fake, sub, b)
	}
	if !user {
		for _, a := range s.firstArgs[c.id] {
			b.WriteString("+" + c.name + "|" + a + " ")
		}
	}
}

// keysString is the "keys" field of ACL GETUSER.
func (s *aclSelector) keysString() string {
	if s.allKeys {
		return "~*"
	}
	parts := make([]string, len(s.keys))
	for i, k := range s.keys {
		parts[i] = k.String()
	}
	return strings.Join(parts, " ")
}

// channelsString is the "channels" field of ACL GETUSER.
func (s *aclSelector) channelsString() string {
	if s.allChannels {
		return "&*"
	}
	parts := make([]string, len(s.channels))
	for i, c := range s.channels {
		parts[i] = "&" + c
	}
	return strings.Join(parts, " ")
}

// describe is ACLDescribeSelector.
func (s *aclSelector) describe() string {
	var b strings.Builder
	if s.allKeys {
		b.WriteString("~* ")
	} else {
		for _, k := range s.keys {
			b.WriteString(k.String() + " ")
		}
	}
	if s.allChannels {
		b.WriteString("&* ")
	} else {
		b.WriteString("resetchannels ")
		for _, c := range s.channels {
			b.WriteString("&" + c + " ")
		}
	}
	b.WriteString(s.commandRules())
	return b.String()
}

// describe is ACLDescribeUser: the rules that recreate the user, as ACL
// LIST shows them after "user <name> ".
func (u *aclUser) describe() string {
	var b strings.Builder
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			b.WriteString(f.name + " ")
		}
	}
	for _, p := range u.passwords {
		b.WriteString("#" + p + " ")
	}
	for _, s := range u.selectors {
		if s.root {
			b.WriteString(s.describe())
		} else {
			b.WriteString(" (" + s.describe() + ")")
		}
	}
	return b.String()
}

// flagNames lists the user's flags in order (ACL GETUSER "flags").
func (u *aclUser) flagNames() []string {
	var out []string
	for _, f := range aclUserFlagNames {
		if u.flags&f.f != 0 {
			out = append(out, f.name)
		}
	}
	return out
}
