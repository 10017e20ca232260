package kv

// redraft.keyversions key [key ...] replies the modification version of
// each key in the command's database (Machine.KeyVersion at the command's time; 0 for a missing key).
// WATCH uses it: the executor runs it with its read consistency, on the
// leader or forwarded to it, and EXEC carries the versions in Cmd.Tx.
func redraftKeyVersionsSpec() *Spec {
	return &Spec{Name: "redraft.keyversions", Arity: -2, Flags: FlagReadOnly, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "server", Since: "1.0.0",
		Summary: "Redraft internal: the modification versions of the given keys (for WATCH)",
		Run:     runRedraftKeyVersions}
}

func runRedraftKeyVersions(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		c.W.Int(int64(c.m.KeyVersion(c.DB(), k, c.NowMs)))
	}
}
