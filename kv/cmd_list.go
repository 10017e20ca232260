package kv

// List commands, as Redis 7.0's t_list.c implements them: arguments are
// parsed in Redis's order (some commands parse before looking the key up,
// some after, and that order decides which error a client sees), every
// modification signals the key (Dirty) where Redis calls signalModifiedKey,
// and a list whose last element goes is deleted. Blocking variants (BLPOP,
// BLMOVE, ...) and LMPOP are in cmd_block.go.

// Error texts specific to the list family (Redis 7.0, byte for byte).
const (
	errLposRankZero  = "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"
	errLposCountNeg  = "ERR COUNT can't be negative"
	errLposMaxlenNeg = "ERR MAXLEN can't be negative"
)

func listCommands() []*Spec {
	// one: the key is argument 1; two: arguments 1 and 2 (source, destination).
	one := func(name string, arity int, flags Flags, since, summary string, run func(*Ctx)) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "list", Since: since, Summary: summary, Run: run}
	}
	two := func(name string, arity int, flags Flags, since, summary string, run func(*Ctx)) *Spec {
		s := one(name, arity, flags, since, summary, run)
		s.LastKey = 2
		return s
	}
	const (
		wdf = FlagWrite | FlagDenyOOM | FlagFast
		wd  = FlagWrite | FlagDenyOOM
		wf  = FlagWrite | FlagFast
		w   = FlagWrite
		r   = FlagReadOnly
		rf  = FlagReadOnly | FlagFast
	)
	return []*Spec{
		one("lpush", -3, wdf, "1.0.0", "Prepend one or multiple elements to a list",
			func(c *Ctx) { runListPush(c, true, false) }),
		one("rpush", -3, wdf, "1.0.0", "Append one or multiple elements to a list",
			func(c *Ctx) { runListPush(c, false, false) }),
		one("lpushx", -3, wdf, "2.2.0", "Prepend an element to a list, only if the list exists",
			func(c *Ctx) { runListPush(c, true, true) }),
		one("rpushx", -3, wdf, "2.2.0", "Append an element to a list, only if the list exists",
			func(c *Ctx) { runListPush(c, false, true) }),
		one("lpop", -2, wf, "1.0.0", "Remove and get the first elements in a list",
			func(c *Ctx) { runListPop(c, true) }),
		one("rpop", -2, wf, "1.0.0", "Remove and get the last elements in a list",
			func(c *Ctx) { runListPop(c, false) }),
		one("llen", 2, rf, "1.0.0", "Get the length of a list", runLlen),
		one("lrange", 4, r, "1.0.0", "Get a range of elements from a list", runLrange),
		one("lindex", 3, r, "1.0.0", "Get an element from a list by its index", runLindex),
		one("lset", 4, wd, "1.0.0", "Set the value of an element in a list by its index", runLset),
		one("linsert", 5, wd, "2.2.0", "Insert an element before or after another element in a list", runLinsert),
		one("lrem", 4, w, "1.0.0", "Remove elements from a list", runLrem),
		one("ltrim", 4, w, "1.0.0", "Trim a list to the specified range", runLtrim),
		one("lpos", -3, r, "6.0.6", "Return the index of matching elements on a list", runLpos),
		two("lmove", 5, wd, "6.2.0", "Pop an element from a list, push it to another list and return it", runLmove),
		two("rpoplpush", 3, wd, "1.2.0", "Remove the last element in a list, prepend it to another list and return it",
			func(c *Ctx) { runListMove(c, false, true) }),
	}
}

// listAt returns the list of a live list entry.
func listAt(e *entry) *List { return e.obj.(*List) }

// listArgNonNegative parses argument i as Redis's getPositiveLongFromObjectOrReply
// with an explicit message: msg is the reply both for a value that is not an
// integer and for a negative one.
func listArgNonNegative(c *Ctx, i int, msg string) (int64, bool) {
	v, ok := ParseInt(c.Args[i])
	if !ok || v < 0 {
		c.W.Error(msg)
		return 0, false
	}
	return v, true
}

// listRemoved finishes a command that took elements out of e's list: the key
// goes when the list is empty, otherwise it is signalled as modified.
func listRemoved(c *Ctx, e *entry) {
	if listAt(e).Len() == 0 {
		c.DeleteEntry(e)
		c.notifyString(NotifyGeneric, "del", e.key)
		return
	}
	c.Dirty(e)
}

// runListPush is LPUSH/RPUSH (xx false) and LPUSHX/RPUSHX (xx true).
func runListPush(c *Ctx, front, xx bool) {
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		if xx {
			c.W.Int(0)
			return
		}
		e = c.Add(c.Args[1], nil, &List{})
	}
	l := listAt(e)
	for _, a := range c.Args[2:] {
		if front {
			l.PushFront(string(a))
		} else {
			l.PushBack(string(a))
		}
	}
	c.Dirty(e)
	c.Notify(NotifyList, pushEvent(front), c.Args[1])
	c.W.Int(int64(l.Len()))
}

// runListPop is LPOP/RPOP key [count]. Without count the reply is one bulk
// string (null when the key is missing); with count it is an array (a null
// array when the key is missing, empty for count 0).
func runListPop(c *Ctx, front bool) {
	if len(c.Args) > 3 {
		c.W.Error(ErrArity(c.Name()))
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = listArgNonNegative(c, 2, ErrPositive); !ok {
			return
		}
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		if hasCount {
			c.W.NullArray()
		} else {
			c.W.Null()
		}
		return
	}
	l := listAt(e)
	pop := l.PopBack
	if front {
		pop = l.PopFront
	}
	if !hasCount {
		s, _ := pop()
		c.W.BulkString(s)
		c.Notify(NotifyList, popEvent(front), c.Args[1])
		listRemoved(c, e)
		return
	}
	if count == 0 {
		c.W.Array(0)
		return
	}
	n := int(min(count, int64(l.Len())))
	c.W.Array(n)
	for i := 0; i < n; i++ {
		s, _ := pop()
		c.W.BulkString(s)
	}
	c.Notify(NotifyList, popEvent(front), c.Args[1])
	listRemoved(c, e)
}

func runLlen(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	c.W.Int(int64(listAt(e).Len()))
}

// listRange converts Redis's start/stop (negative counts from the end) into
// a first index and a length, empty when the range is.
func listRange(start, stop int64, n int) (first, count int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop - start + 1)
}

// runLrange parses both indexes before looking the key up, as Redis does.
func runLrange(c *Ctx) {
	start, ok := c.ArgInt(2)
	if !ok {
		return
	}
	stop, ok := c.ArgInt(3)
	if !ok {
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Array(0)
		return
	}
	l := listAt(e)
	first, n := listRange(start, stop, l.Len())
	c.W.Array(n)
	if n == 0 {
		return
	}
	for it := l.iterAt(first); n > 0; n-- {
		c.W.BulkString(it.value())
		it.next()
	}
}

// listIndex converts a possibly negative index into a position, ok false
// when it is out of range.
func listIndex(idx int64, n int) (int, bool) {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return 0, false
	}
	return int(idx), true
}

// runLindex looks the key up before parsing the index, as Redis does.
func runLindex(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	idx, ok := c.ArgInt(2)
	if !ok {
		return
	}
	l := listAt(e)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		c.W.Null()
		return
	}
	c.W.BulkString(l.Index(i))
}

// runLset looks the key up before parsing the index, as Redis does.
func runLset(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Error(ErrNoSuchKey)
		return
	}
	idx, ok := c.ArgInt(2)
	if !ok {
		return
	}
	l := listAt(e)
	i, ok := listIndex(idx, l.Len())
	if !ok {
		c.W.Error(ErrIndexOutOfRange)
		return
	}
	l.Set(i, string(c.Args[3]))
	c.Dirty(e)
	c.Notify(NotifyList, "lset", c.Args[1])
	c.W.OK()
}

// runLinsert is LINSERT key BEFORE|AFTER pivot element: the first pivot
// from the head wins; -1 when there is none, 0 when the key is missing.
func runLinsert(c *Ctx) {
	var after bool
	switch {
	case c.ArgIs(2, "AFTER"):
		after = true
	case c.ArgIs(2, "BEFORE"):
	default:
		c.W.Error(ErrSyntax)
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	l := listAt(e)
	pivot := bstr(c.Args[3])
	for it := l.front(); it.valid(); it.next() {
		if it.value() == pivot {
			l.insertNear(it, string(c.Args[4]), after)
			c.Dirty(e)
			c.Notify(NotifyList, "linsert", c.Args[1])
			c.W.Int(int64(l.Len()))
			return
		}
	}
	c.W.Int(-1)
}

// runLrem is LREM key count element: count > 0 removes from the head,
// count < 0 from the tail, 0 removes all. As in Redis, a count of LONG_MIN
// (whose negation overflows) removes every match.
func runLrem(c *Ctx) {
	count, ok := c.ArgInt(2)
	if !ok {
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.Int(0)
		return
	}
	fromTail := count < 0
	if fromTail {
		count = -count // wraps for LONG_MIN, which then means "no limit"
	}
	limit := 0
	if count > 0 {
		limit = int(count)
	}
	l := listAt(e)
	removed := l.Remove(bstr(c.Args[3]), fromTail, limit)
	if removed > 0 {
		c.Notify(NotifyList, "lrem", c.Args[1])
		listRemoved(c, e)
	}
	c.W.Int(int64(removed))
}

// runLtrim parses both indexes before looking the key up, and signals the
// key even when nothing was trimmed, as Redis does.
func runLtrim(c *Ctx) {
	start, ok := c.ArgInt(2)
	if !ok {
		return
	}
	stop, ok := c.ArgInt(3)
	if !ok {
		return
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		c.W.OK()
		return
	}
	l := listAt(e)
	n := l.Len()
	first, keep := listRange(start, stop, n)
	l.TrimBack(n - first - keep)
	l.TrimFront(first)
	c.Notify(NotifyList, "ltrim", c.Args[1])
	listRemoved(c, e)
	c.W.OK()
}

// runLpos is LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
// Options are parsed before the key is looked up. The arithmetic follows
// Redis's C code with two's-complement wrap-around, so RANK LONG_MIN (which
// Redis 7.0 accepts) behaves as it does there: matching from the tail with
// every match counted and COUNT never reached.
func runLpos(c *Ctx) {
	rank, count, maxlen := int64(1), int64(-1), int64(0) // count -1: option absent
	for j := 3; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		switch {
		case c.ArgIs(j, "RANK") && more > 0:
			j++
			v, ok := c.ArgInt(j)
			if !ok {
				return
			}
			if v == 0 {
				c.W.Error(errLposRankZero)
				return
			}
			rank = v
		case c.ArgIs(j, "COUNT") && more > 0:
			j++
			v, ok := listArgNonNegative(c, j, errLposCountNeg)
			if !ok {
				return
			}
			count = v
		case c.ArgIs(j, "MAXLEN") && more > 0:
			j++
			v, ok := listArgNonNegative(c, j, errLposMaxlenNeg)
			if !ok {
				return
			}
			maxlen = v
		default:
			c.W.Error(ErrSyntax)
			return
		}
	}
	fromTail := false
	if rank < 0 {
		rank = -rank
		fromTail = true
	}
	e, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if e == nil {
		if count != -1 {
			c.W.Array(0)
		} else {
			c.W.Null()
		}
		return
	}
	l := listAt(e)
	llen := int64(l.Len())
	ele := bstr(c.Args[2])
	it := l.front()
	if fromTail {
		it = l.back()
	}
	pos := func(index int64) int64 {
		if fromTail {
			return llen - index - 1
		}
		return index
	}
	var found []int64
	var index, matches int64
	for ; it.valid() && (maxlen == 0 || index < maxlen); index++ {
		if it.value() == ele {
			matches++
			if matches >= rank {
				found = append(found, pos(index))
				if count == -1 || (count != 0 && matches-rank+1 >= count) {
					break
				}
			}
		}
		if fromTail {
			it.prev()
		} else {
			it.next()
		}
	}
	if count != -1 {
		c.W.Array(len(found))
		for _, p := range found {
			c.W.Int(p)
		}
		return
	}
	if len(found) == 0 {
		c.W.Null()
		return
	}
	c.W.Int(found[0])
}

// runLmove is LMOVE source destination LEFT|RIGHT LEFT|RIGHT.
func runLmove(c *Ctx) {
	fromFront, ok := listEnd(c, 3)
	if !ok {
		return
	}
	toFront, ok := listEnd(c, 4)
	if !ok {
		return
	}
	runListMove(c, fromFront, toFront)
}

// listEnd parses LEFT (true) or RIGHT (false).
func listEnd(c *Ctx, i int) (front, ok bool) {
	switch {
	case c.ArgIs(i, "RIGHT"):
		return false, true
	case c.ArgIs(i, "LEFT"):
		return true, true
	}
	c.W.Error(ErrSyntax)
	return false, false
}

// runListMove pops from the source list and pushes onto the destination
// (LMOVE, RPOPLPUSH). The destination's type is checked before anything is
// popped; source and destination may be the same key (a rotation), in which
// case a one-element list is popped and pushed back, never deleted.
func runListMove(c *Ctx, fromFront, toFront bool) {
	src, ok := c.LookupType(c.Args[1], TypeList)
	if !ok {
		return
	}
	if src == nil {
		c.W.Null()
		return
	}
	dst, ok := c.LookupType(c.Args[2], TypeList)
	if !ok {
		return
	}
	sl := listAt(src)
	var s string
	if fromFront {
		s, _ = sl.PopFront()
	} else {
		s, _ = sl.PopBack()
	}
	if dst == nil {
		dst = c.Add(c.Args[2], nil, &List{})
	}
	if dl := listAt(dst); toFront {
		dl.PushFront(s)
	} else {
		dl.PushBack(s)
	}
	c.Dirty(dst)
	c.Notify(NotifyList, pushEvent(toFront), c.Args[2])
	c.W.BulkString(s)
	c.Notify(NotifyList, popEvent(fromFront), c.Args[1])
	listRemoved(c, src)
}

// pushEvent and popEvent name a list event by the end it works on.
func pushEvent(front bool) string {
	if front {
		return "lpush"
	}
	return "rpush"
}

func popEvent(front bool) string {
	if front {
		return "lpop"
	}
	return "rpop"
}
