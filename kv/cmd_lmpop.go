package kv

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], as Redis 7.0's
// lmpopGenericCommand and mpopGenericCommand. Parsing (parseLMPop) and
// popping (listMPop) are separate so that a blocking BLMPOP can parse its
// arguments the same way and retry the pop when a key is pushed to.

func lmpopCommands() []*Spec {
	return []*Spec{
		{Name: "lmpop", Arity: -4, Flags: FlagWrite, FirstKey: 2, LastKey: 2, Step: 1,
			Group: "list", Since: "7.0.0", Summary: "Pop elements from a list", Run: runLMPop,
			KeysFunc: func(args [][]byte) [][]byte { return numkeysKeys(args, 1) }},
	}
}

// numkeysKeys returns the keys of a "numkeys key [key ...]" command whose
// numkeys is args[idx]; nil when numkeys is not a valid count.
func numkeysKeys(args [][]byte, idx int) [][]byte {
	n, ok := ParseInt(args[idx])
	if !ok || n < 1 || n > int64(len(args)-idx-1) {
		return nil
	}
	return args[idx+1 : idx+1+int(n)]
}

// lmpopArgs is a parsed LMPOP (or BLMPOP, whose numkeys comes after the timeout).
type lmpopArgs struct {
	keys  [][]byte
	front bool
	count int64
}

// parseLMPop parses the arguments from numkeysIdx on; it writes the error
// reply and returns ok == false when they are invalid.
func parseLMPop(c *Ctx, numkeysIdx int) (a lmpopArgs, ok bool) {
	numkeys, isInt := ParseInt(c.Args[numkeysIdx])
	if !isInt || numkeys < 1 {
		c.W.Error(errZNumkeys)
		return a, false
	}
	if numkeys >= int64(len(c.Args)-numkeysIdx-1) {
		c.W.Error(ErrSyntax)
		return a, false
	}
	whereIdx := numkeysIdx + int(numkeys) + 1
	front, isEnd := listEndArg(c.Args[whereIdx])
	if !isEnd {
		c.W.Error(ErrSyntax)
		return a, false
	}
	count := int64(-1)
	for j := whereIdx + 1; j < len(c.Args); j++ {
		more := len(c.Args) - 1 - j
		if count == -1 && cstrEq(c.Args[j], "COUNT") && more > 0 {
			j++
			v, isInt := ParseInt(c.Args[j])
			if !isInt || v < 1 {
				c.W.Error(errZCount)
				return a, false
			}
			count = v
			continue
		}
		c.W.Error(ErrSyntax)
		return a, false
	}
	if count == -1 {
		count = 1
	}
	return lmpopArgs{keys: c.Args[numkeysIdx+1 : whereIdx], front: front, count: count}, true
}

// listEndArg parses LEFT (front) or RIGHT, case-insensitively.
func listEndArg(b []byte) (front, ok bool) {
	switch {
	case cstrEq(b, "LEFT"):
		return true, true
	case cstrEq(b, "RIGHT"):
		return false, true
	}
	return false, false
}

// listMPop pops up to a.count elements from the first non-empty list of
// a.keys and replies [key, [elements...]]. It reports whether it replied:
// false means every key was missing and nothing was written (LMPOP then
// answers a null array; a blocking variant would wait). A key of another
// type is a WRONGTYPE reply (replied == true).
func listMPop(c *Ctx, a *lmpopArgs) (replied bool) {
	for _, key := range a.keys {
		e, ok := c.LookupType(key, TypeList)
		if !ok {
			return true
		}
		if e == nil {
			continue
		}
		l := listAt(e)
		n := int(min(a.count, int64(l.Len())))
		c.W.Array(2)
		c.W.Bulk(key)
		c.W.Array(n)
		for i := 0; i < n; i++ {
			var s string
			if a.front {
				s, _ = l.PopFront()
			} else {
				s, _ = l.PopBack()
			}
			c.W.BulkString(s)
		}
		listRemoved(c, e)
		return true
	}
	return false
}

func runLMPop(c *Ctx) {
	a, ok := parseLMPop(c, 1)
	if !ok {
		return
	}
	if !listMPop(c, &a) {
		c.W.NullArray()
	}
}
