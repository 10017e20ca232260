package kv

// Commands across databases: MOVE and SWAPDB (SELECT belongs to the edge,
// which keeps the selection per connection, and to transactions: see
// Machine.execTx; FLUSHDB, FLUSHALL and DBSIZE are with the server
// commands; COPY ... DB with the key commands).

func dbCommands() []*Spec {
	return []*Spec{
		{Name: "move", Arity: 3, Flags: FlagWrite | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "generic", Since: "1.0.0", Summary: "Move a key to another database", Run: runMove},
		{Name: "swapdb", Arity: 3, Flags: FlagWrite | FlagFast,
			Group: "server", Since: "4.0.0", Summary: "Swaps two Redis databases", Run: runSwapDB},
	}
}

// runMove is Redis's moveCommand: the key goes, with its value, expiry
// and version bumped, to database db unless it is absent here or present
// there (0).
func runMove(c *Ctx) {
	dst, errText := ParseDB(c.Args[2])
	if errText != "" {
		c.W.Error(errText)
		return
	}
	if dst == c.DB() {
		c.W.Error(errKeySameObject)
		return
	}
	key := c.Args[1]
	e := c.LookupWrite(key)
	if e == nil {
		c.W.Int(0)
		return
	}
	exists := false
	c.InDB(dst, func() { exists = c.LookupWrite(key) != nil })
	if exists {
		c.W.Int(0)
		return
	}
	c.DeleteEntry(e)
	c.InDB(dst, func() { c.addEntry(e) })
	c.Notify(NotifyGeneric, "move_from", key)
	c.InDB(dst, func() { c.Notify(NotifyGeneric, "move_to", key) })
	c.W.Int(1)
}

// runSwapDB is Redis's swapdbCommand.
func runSwapDB(c *Ctx) {
	a, ok := dbIndexArg(c, 1, "ERR invalid first DB index")
	if !ok {
		return
	}
	b, ok := dbIndexArg(c, 2, "ERR invalid second DB index")
	if !ok {
		return
	}
	if a < 0 || a >= Databases || b < 0 || b >= Databases {
		c.W.Error(ErrDBIndex)
		return
	}
	if a != b {
		c.SwapDB(a, b)
	}
	c.W.OK()
}

// dbIndexArg parses argument i as getIntFromObjectOrReply with a message:
// msg is the reply both for a non-integer and for one that does not fit an int.
func dbIndexArg(c *Ctx, i int, msg string) (int, bool) {
	v, ok := ParseInt(c.Args[i])
	if !ok || v < -1<<31 || v > 1<<31-1 {
		c.W.Error(msg)
		return 0, false
	}
	return int(v), true
}

// addEntry puts a removed entry, with its value and expiry, into the
// context's database under its own key (which must be absent there) and
// marks it modified.
func (c *Ctx) addEntry(e *entry) {
	c.mustWrite()
	if e.next != nil || c.db.get(e.key) != nil {
		panic("kv: addEntry of an entry still linked or a key present")
	}
	c.db.add(e)
	if e.expireAt != 0 {
		c.db.expires++
	}
	c.Dirty(e)
	c.signalReady(e.key, e.obj)
	c.notifyString(NotifyNew, "new", e.key)
}
