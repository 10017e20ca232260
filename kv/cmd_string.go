package kv

// String commands. This file shows the pattern every family follows: a list
// of Specs, and one run function per command that parses its arguments in
// Redis's order, executes, and writes exactly Redis's reply.

func stringCommands() []*Spec {
	return []*Spec{
		{Name: "get", Arity: 2, Flags: FlagReadOnly | FlagFast, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: "1.0.0", Summary: "Returns the string value of a key.", Run: runGet},
		{Name: "set", Arity: -3, Flags: FlagWrite | FlagDenyOOM, FirstKey: 1, LastKey: 1, Step: 1,
			Group: "string", Since: "1.0.0", Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Run: runSet},
	}
}

func runGet(c *Ctx) {
	e, ok := c.LookupType(c.Args[1], TypeString)
	if !ok {
		return
	}
	if e == nil {
		c.W.Null()
		return
	}
	c.W.Bulk(e.str)
}

// runSet is a minimal SET (no options yet); the strings family completes it.
func runSet(c *Ctx) {
	if len(c.Args) != 3 {
		c.W.Error(ErrSyntax)
		return
	}
	c.SetString(c.Args[1], c.Args[2], false)
	c.W.OK()
}
