package kv

import "sort"

// Set commands, as Redis 7.0's t_set.c executes them. Where Redis's reply
// order comes from an encoding, ours comes from the same emulated encoding
// (see Set): results built as new sets (SUNION, SDIFF, the *STORE
// variants, SPOP of a whole set) go through Set.Add, so all-integer results
// of up to 512 members come out sorted as from Redis's intsets.

// Error replies of the set family not shared with other families.
const (
	errSetNumKeys       = "ERR numkeys should be greater than 0"
	errSetNumKeysArgs   = "ERR Number of keys can't be greater than number of args"
	errSetLimitNegative = "ERR LIMIT can't be negative"
)

// spopMoveStrategyMul is Redis's SPOP_MOVE_STRATEGY_MUL: SPOP with a count
// pops elements one by one while size-count > count/5, and otherwise keeps
// size-count random elements in a new set and returns the rest.
const spopMoveStrategyMul = 5

func setCommands() []*Spec {
	const g = "set"
	return []*Spec{
		{Name: "sadd", Arity: -3, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Add one or more members to a set", Run: runSAdd},
		{Name: "srem", Arity: -3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Remove one or more members from a set", Run: runSRem},
		{Name: "smembers", Arity: 2, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Get all the members in a set", Run: func(c *Ctx) { setInter(c, c.Args[1:], nil, false, 0) }},
		{Name: "sismember", Arity: 3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Determine if a given value is a member of a set", Run: runSIsMember},
		{Name: "smismember", Arity: -3, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "6.2.0",
			Summary: "Returns the membership associated with the given elements for a set", Run: runSMIsMember},
		{Name: "scard", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Get the number of members in a set", Run: runSCard},
		{Name: "spop", Arity: -2, Flags: FlagWrite | FlagFast | FlagRandom, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Remove and return one or multiple random members from a set", Run: runSPop},
		{Name: "srandmember", Arity: -2, Flags: FlagReadOnly | FlagRandom, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Get one or multiple random members from a set", Run: runSRandMember},
		{Name: "sinter", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Intersect multiple sets", Run: func(c *Ctx) { setInter(c, c.Args[1:], nil, false, 0) }},
		{Name: "sintercard", Arity: -3, Flags: FlagReadOnly, FirstKey: 0, LastKey: 0, Step: 0, Group: g, Since: "7.0.0",
			Summary: "Intersect multiple sets and return the cardinality of the result", Run: runSInterCard},
		{Name: "sinterstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Intersect multiple sets and store the resulting set in a key", Run: func(c *Ctx) { setInter(c, c.Args[2:], c.Args[1], false, 0) }},
		{Name: "sunion", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Add multiple sets", Run: func(c *Ctx) { setUnionDiff(c, c.Args[1:], nil, false) }},
		{Name: "sunionstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Add multiple sets and store the resulting set in a key", Run: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Args[1], false) }},
		{Name: "sdiff", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Subtract multiple sets", Run: func(c *Ctx) { setUnionDiff(c, c.Args[1:], nil, true) }},
		{Name: "sdiffstore", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: -1, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Subtract multiple sets and store the resulting set in a key", Run: func(c *Ctx) { setUnionDiff(c, c.Args[2:], c.Args[1], true) }},
		{Name: "smove", Arity: 4, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 2, Step: 1, Group: g, Since: "1.0.0",
			Summary: "Move a member from one set to another", Run: runSMove},
		{Name: "sscan", Arity: -3, Flags: FlagReadOnly, FirstKey: 1, LastKey: 1, Step: 1, Group: g, Since: "2.8.0",
			Summary: "Incrementally iterate Set elements", Run: runSScan},
	}
}

// lookupSet returns the set at key (nil when absent); ok is false after a
// WRONGTYPE reply.
func lookupSet(c *Ctx, key []byte) (*entry, *Set, bool) {
	e, ok := c.LookupType(key, TypeSet)
	if !ok || e == nil {
		return nil, nil, ok
	}
	return e, e.obj.(*Set), true
}

// SADD key member [member ...]
func runSAdd(c *Ctx) {
	e, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		s = &Set{}
	}
	added := 0
	for _, m := range c.Args[2:] {
		if s.add(m, c.lim()) {
			added++
		}
	}
	switch {
	case e == nil:
		c.Add(c.Args[1], nil, s)
	case added > 0:
		c.Dirty(e)
	}
	if added > 0 {
		c.Notify(NotifySet, "sadd", c.Args[1])
	}
	c.W.Int(int64(added))
}

// SREM key member [member ...]
func runSRem(c *Ctx) {
	e, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	deleted := 0
	for _, m := range c.Args[2:] {
		if s.Remove(m) {
			deleted++
			if s.Len() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		c.Notify(NotifySet, "srem", c.Args[1])
	}
	setDone(c, e, s, deleted > 0)
	c.W.Int(int64(deleted))
}

// setDone finishes a modification of the set s at e: the key goes when the
// set is empty, otherwise it is marked modified if changed.
func setDone(c *Ctx, e *entry, s *Set, changed bool) {
	switch {
	case s.Len() == 0:
		c.DeleteEntry(e)
		c.notifyString(NotifyGeneric, "del", e.key)
	case changed:
		c.Dirty(e)
	}
}

// SISMEMBER key member
func runSIsMember(c *Ctx) {
	_, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s != nil && s.Contains(c.Args[2]) {
		c.W.Int(1)
	} else {
		c.W.Int(0)
	}
}

// SMISMEMBER key member [member ...]
func runSMIsMember(c *Ctx) {
	_, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	c.W.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.Contains(m) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
	}
}

// SCARD key
func runSCard(c *Ctx) {
	_, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(s.Len()))
}

// writeSetMembers writes s as a Set reply (an array in RESP2).
func writeSetMembers(w *Writer, s *Set) {
	w.Set(s.Len())
	s.each(func(m []byte) bool { w.Bulk(m); return true })
}

// SPOP key [count]
func runSPop(c *Ctx) {
	if len(c.Args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	if len(c.Args) == 3 {
		spopCount(c)
		return
	}
	e, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil {
		c.W.Null()
		return
	}
	var buf [20]byte
	m := s.at(c.Rand().Intn(s.Len()), buf[:])
	c.W.Bulk(m)
	s.Remove(m)
	c.Notify(NotifySet, "spop", c.Args[1])
	setDone(c, e, s, true)
}

// spopCount is SPOP key count.
func spopCount(c *Ctx) {
	l, ok := ParseInt(c.Args[2])
	if !ok || l < 0 {
		c.W.Error(ErrPositive)
		return
	}
	e, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil || l == 0 {
		c.W.Set(0)
		return
	}
	size := s.Len()
	c.Notify(NotifySet, "spop", c.Args[1])
	if l >= int64(size) {
		// Redis replies with SUNION of the set (a rebuilt set: an
		// all-integer one comes out sorted) and deletes the key.
		writeSetMembers(c.W, setUnionOf([]*Set{s}, c.lim()))
		c.DeleteEntry(e)
		c.Notify(NotifyGeneric, "del", c.Args[1])
		return
	}
	count := int(l)
	remaining := size - count
	rnd := c.Rand()
	var buf [20]byte
	if remaining*spopMoveStrategyMul > count {
		// Pop count random members, replying in pop order.
		c.W.Set(count)
		for i := 0; i < count; i++ {
			m := s.at(rnd.Intn(s.Len()), buf[:])
			c.W.Bulk(m)
			s.Remove(m)
		}
		c.Dirty(e)
		return
	}
	// Move the members that stay into a new set (which, as in Redis, starts
	// over as an intset when they are integers), return what is left of the
	// old one and make the new one the key's value, keeping its TTL.
	kept := &Set{}
	for i := 0; i < remaining; i++ {
		m := s.at(rnd.Intn(s.Len()), buf[:])
		kept.add(m, c.lim())
		s.Remove(m)
	}
	writeSetMembers(c.W, s)
	c.Replace(e, nil, kept, true)
}

// SRANDMEMBER key [count]
func runSRandMember(c *Ctx) {
	if len(c.Args) > 3 {
		c.W.Error(ErrSyntax)
		return
	}
	var buf [20]byte
	if len(c.Args) == 2 {
		_, s, ok := lookupSet(c, c.Args[1])
		if !ok {
			return
		}
		if s == nil {
			c.W.Null()
			return
		}
		c.W.Bulk(s.at(c.Rand().Intn(s.Len()), buf[:]))
		return
	}
	l, ok := parseCollRandCount(c, 2)
	if !ok {
		return
	}
	_, s, ok := lookupSet(c, c.Args[1])
	if !ok {
		return
	}
	if s == nil || l == 0 {
		c.W.Array(0)
		return
	}
	size := s.Len()
	if l < 0 || l == 1 {
		count, ok := collRepeatCount(c, l)
		if !ok {
			return
		}
		c.W.Array(count)
		for i := 0; i < count; i++ {
			c.W.Bulk(s.at(c.Rand().Intn(size), buf[:]))
		}
		return
	}
	if l >= int64(size) {
		c.W.Array(size)
		s.each(func(m []byte) bool { c.W.Bulk(m); return true })
		return
	}
	count := int(l)
	c.W.Array(count)
	collPickDistinct(c.Rand(), size, count, false, func(r int) { c.W.Bulk(s.at(r, buf[:])) })
}

// setLoadAll looks up every key as a set (nil for a missing key). It returns
// false after a WRONGTYPE reply; like Redis it checks every key, so a wrong
// type anywhere is reported even when an earlier key is missing.
func setLoadAll(c *Ctx, keys [][]byte) ([]*Set, bool) {
	sets := make([]*Set, len(keys))
	for i, k := range keys {
		_, s, ok := lookupSet(c, k)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setStore makes dst hold res (replacing any value and TTL) and replies
// with its cardinality; an empty result deletes dst instead.
func setStore(c *Ctx, dst []byte, res *Set) {
	if res.Len() == 0 {
		if c.Delete(dst) {
			c.Notify(NotifyGeneric, "del", dst)
		}
		c.W.Int(0)
		return
	}
	if e := c.LookupWrite(dst); e != nil {
		c.Replace(e, nil, res, false)
	} else {
		c.Add(dst, nil, res)
	}
	// The event is the command's name: sinterstore, sunionstore, sdiffstore.
	c.Notify(NotifySet, c.Name(), dst)
	c.W.Int(int64(res.Len()))
}

// setInter serves SMEMBERS, SINTER, SINTERSTORE (dst != nil) and
// SINTERCARD (cardOnly, stopping at limit when limit > 0), following
// Redis's sinterGenericCommand: the smallest set is walked in its own order
// and each member is tested against the others.
func setInter(c *Ctx, keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, ok := setLoadAll(c, keys)
	if !ok {
		return
	}
	for _, s := range sets {
		if s == nil {
			switch {
			case dst != nil:
				if c.Delete(dst) {
					c.Notify(NotifyGeneric, "del", dst)
				}
				c.W.Int(0)
			case cardOnly:
				c.W.Int(0)
			default:
				c.W.Set(0)
			}
			return
		}
	}
	// Smallest first; stable, like glibc's merge-sort qsort, for equal sizes.
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Len() < sets[j].Len() })
	var (
		card int64
		res  *Set
		out  *Writer
	)
	switch {
	case dst != nil:
		res = &Set{}
	case !cardOnly:
		out = NewWriter(nil, c.W.Proto)
	}
	sets[0].each(func(m []byte) bool {
		for _, o := range sets[1:] {
			if o != sets[0] && !o.Contains(m) {
				return true
			}
		}
		card++
		switch {
		case cardOnly:
			return limit == 0 || card < limit
		case res != nil:
			res.add(m, c.lim())
		default:
			out.Bulk(m)
		}
		return true
	})
	switch {
	case cardOnly:
		c.W.Int(card)
	case res != nil:
		setStore(c, dst, res)
	default:
		c.W.Set(int(card))
		c.W.Raw(out.Bytes())
	}
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
func runSInterCard(c *Ctx) {
	n, ok := ParseInt(c.Args[1])
	if !ok || n < 1 {
		c.W.Error(errSetNumKeys)
		return
	}
	if n > int64(len(c.Args)-2) {
		c.W.Error(errSetNumKeysArgs)
		return
	}
	numKeys := int(n)
	var limit int64
	for j := 2 + numKeys; j < len(c.Args); j++ {
		if c.ArgIs(j, "LIMIT") && j+1 < len(c.Args) {
			j++
			l, ok := ParseInt(c.Args[j])
			if !ok || l < 0 {
				c.W.Error(errSetLimitNegative)
				return
			}
			limit = l
			continue
		}
		c.W.Error(ErrSyntax)
		return
	}
	setInter(c, c.Args[2:2+numKeys], nil, true, limit)
}

// setUnionOf builds the union of sets (nil ones are empty) as Redis does: a
// new set, members added set by set in iteration order.
func setUnionOf(sets []*Set, lim *encodingLimits) *Set {
	res := &Set{}
	for _, s := range sets {
		if s != nil {
			s.each(func(m []byte) bool { res.add(m, lim); return true })
		}
	}
	return res
}

// setDiffOf builds sets[0] minus the others as Redis's sunionDiffGenericCommand
// does, including its choice between two algorithms: the result's
// encoding, hence its order, can depend on it (algorithm 2 adds all of the
// first set before removing, so a non-integer member that is removed later
// still converts the result to a hashtable).
func setDiffOf(sets []*Set, lim *encodingLimits) *Set {
	res := &Set{}
	first := sets[0]
	if first == nil {
		return res
	}
	var one, two int64
	for j, s := range sets {
		if s == nil {
			continue
		}
		if j > 0 && s == first {
			return res // the first key again: the result is empty
		}
		one += int64(first.Len())
		two += int64(s.Len())
	}
	if one/2 <= two {
		first.each(func(m []byte) bool {
			for _, o := range sets[1:] {
				if o != nil && o.Contains(m) {
					return true
				}
			}
			res.add(m, lim)
			return true
		})
		return res
	}
	first.each(func(m []byte) bool { res.add(m, lim); return true })
	for _, o := range sets[1:] {
		if o == nil {
			continue
		}
		o.each(func(m []byte) bool {
			res.Remove(m)
			return res.Len() > 0
		})
		if res.Len() == 0 {
			break
		}
	}
	return res
}

// setUnionDiff serves SUNION, SDIFF and their *STORE variants (dst != nil).
func setUnionDiff(c *Ctx, keys [][]byte, dst []byte, diff bool) {
	sets, ok := setLoadAll(c, keys)
	if !ok {
		return
	}
	var res *Set
	if diff {
		res = setDiffOf(sets, c.lim())
	} else {
		res = setUnionOf(sets, c.lim())
	}
	if dst != nil {
		setStore(c, dst, res)
		return
	}
	writeSetMembers(c.W, res)
}

// SMOVE source destination member
func runSMove(c *Ctx) {
	src := c.LookupWrite(c.Args[1])
	dst := c.LookupWrite(c.Args[2])
	member := c.Args[3]
	if src == nil {
		c.W.Int(0)
		return
	}
	if src.Type() != TypeSet || (dst != nil && dst.Type() != TypeSet) {
		c.W.Error(ErrWrongType)
		return
	}
	ss := src.obj.(*Set)
	if src == dst {
		if ss.Contains(member) {
			c.W.Int(1)
		} else {
			c.W.Int(0)
		}
		return
	}
	if !ss.Remove(member) {
		c.W.Int(0)
		return
	}
	c.Notify(NotifySet, "srem", c.Args[1])
	setDone(c, src, ss, true)
	if dst == nil {
		ds := &Set{}
		ds.add(member, c.lim())
		c.Add(c.Args[2], nil, ds)
		c.Notify(NotifySet, "sadd", c.Args[2])
	} else if dst.obj.(*Set).add(member, c.lim()) {
		c.Dirty(dst)
		c.Notify(NotifySet, "sadd", c.Args[2])
	}
	c.W.Int(1)
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
func runSScan(c *Ctx) {
	cursor, s, o, ok := startCollScan(c, lookupSet)
	if !ok {
		return
	}
	var out []string
	if s.intset() {
		// Redis returns an intset whole, whatever the cursor and COUNT.
		cursor = 0
		s.each(func(m []byte) bool {
			if o.match(bstr(m)) {
				out = append(out, string(m))
			}
			return true
		})
	} else {
		cursor = s.m.scan(cursor, o.count, o.visitMax(), func(k string, _ struct{}) {
			if o.match(k) {
				out = append(out, k)
			}
		})
	}
	writeCollScan(c.W, cursor, out)
}
