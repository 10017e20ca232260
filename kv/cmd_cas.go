package kv

// CAS is Redraft's compare-and-set for the Maelstrom lin-kv workload:
//
//	CAS key expected new
//
// sets key to new when it currently holds the string expected, keeping its
// TTL, and replies +OK. A missing key replies ErrCASNoKey, a key of another
// type WRONGTYPE, a different value ErrCASMismatch; nothing changes then.
// It is a single write command, so it is atomic and linearizable through
// the log like any other.

func casCommands() []*Spec {
	return []*Spec{
		{Name: "cas", Arity: 4, Flags: FlagWrite | FlagDenyOOM | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: "1.0.0",
			Summary: "Redraft extension: set the string value of a key to new only if it currently equals expected (keeps the TTL); NOKEY when the key is missing, CASFAIL when the value differs",
			Run:     runCAS},
	}
}

func runCAS(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Error(ErrCASNoKey)
		return
	}
	if string(e.str) != string(c.Args[2]) {
		c.W.Error(ErrCASMismatch)
		return
	}
	c.Replace(e, c.Args[3], nil, true)
	c.Notify(NotifyString, "set", c.Args[1]) // as SET would
	c.W.OK()
}
