package kv

// The state-machine half of MIGRATE. MIGRATE itself is answered at the RESP
// edge (kv/resp/cmd_migrate.go): network I/O never runs inside the
// machine. The edge reads what it sends with redraft.migrate-dump (one
// read, so every key comes from the same state) and, unless COPY, deletes
// the keys the target acknowledged with redraft.migrate-del (one write,
// through the log on a replicated node).
//
// Between the two, another client may change a key. redraft.migrate-del
// therefore deletes a key only if it still has the modification version
// redraft.migrate-dump saw: a value written after the dump, which the target
// never received, stays. (Redis runs MIGRATE inside its single thread, so
// nothing can come between its read and its delete.)

func init() {
	// FlagEdge: clients cannot send them (the edge refuses FlagEdge
	// commands it has no handler for); FlagNoScript: nor can scripts.
	Register(&Spec{Name: "redraft.migrate-dump", Arity: -2, Flags: FlagReadOnly | FlagEdge | FlagNoScript | FlagNoMulti,
		FirstKey: 1, LastKey: -1, Step: 1, Group: "server", Since: "redraft",
		Summary: "Internal (MIGRATE): version, remaining TTL and DUMP payload of each key", Run: runMigrateDump})
	Register(&Spec{Name: "redraft.migrate-del", Arity: -3, Flags: FlagWrite | FlagEdge | FlagNoScript | FlagNoMulti,
		FirstKey: 1, LastKey: -1, Step: 2, Group: "server", Since: "redraft",
		Summary: "Internal (MIGRATE): delete each key that still has the given version", Run: runMigrateDel})
}

// runMigrateDump: redraft.migrate-dump key [key ...] replies, per key, a
// null when it does not exist, else [version, ttl, payload] with ttl the
// remaining milliseconds (0: no expiry; at least 1 otherwise) and payload
// its DUMP serialization.
func runMigrateDump(c *Ctx) {
	c.W.Array(len(c.Args) - 1)
	for _, k := range c.Args[1:] {
		e := c.Lookup(k)
		if e == nil {
			c.W.NullArray()
			continue
		}
		var ttl int64
		if e.expireAt != 0 {
			ttl = max(e.expireAt-c.NowMs, 1)
		}
		c.W.Array(3)
		c.W.Int(int64(e.version))
		c.W.Int(ttl)
		c.W.Bulk(dumpPayload(e))
	}
}

// runMigrateDel: redraft.migrate-del key version [key version ...] deletes
// every key whose version is still the given one and replies how many it
// deleted.
func runMigrateDel(c *Ctx) {
	if (len(c.Args)-1)%2 != 0 {
		c.W.Error(ErrSyntax)
		return
	}
	var n int64
	for i := 1; i+1 < len(c.Args); i += 2 {
		v, ok := ParseInt(c.Args[i+1])
		if !ok {
			c.W.Error(ErrNotInteger)
			return
		}
		e := c.LookupWrite(c.Args[i])
		if e == nil || e.version != uint64(v) {
			continue
		}
		c.DeleteEntry(e)
		n++
	}
	c.W.Int(n)
}
