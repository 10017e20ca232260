package kv

import "strconv"

// Server and connection commands that the machine answers: PING, ECHO,
// TIME (from the command's clock, so every replica agrees), DBSIZE of the
// command's database and the flushes (FLUSHDB: the command's database,
// FLUSHALL: all). AUTH, HELLO, SELECT, CLIENT, CONFIG, INFO, COMMAND and the
// transaction commands belong to the RESP edge.

func serverCommands() []*Spec {
	return []*Spec{
		{Name: "ping", Arity: -1, Flags: FlagReadOnly | FlagFast,
			Group: "connection", Since: "1.0.0", Summary: "Ping the server", Run: runPing},
		{Name: "echo", Arity: 2, Flags: FlagReadOnly | FlagLoading | FlagStale | FlagFast,
			Group: "connection", Since: "1.0.0", Summary: "Echo the given string", Run: runEcho},
		{Name: "time", Arity: 1, Flags: FlagReadOnly | FlagLoading | FlagStale | FlagFast,
			Group: "server", Since: "2.6.0", Summary: "Return the current server time", Run: runTime},
		{Name: "dbsize", Arity: 1, Flags: FlagReadOnly | FlagFast,
			Group: "server", Since: "1.0.0", Summary: "Return the number of keys in the selected database", Run: runDBSize},
		{Name: "flushdb", Arity: -1, Flags: FlagWrite,
			Group: "server", Since: "1.0.0", Summary: "Remove all keys from the current database", Run: runFlush},
		{Name: "flushall", Arity: -1, Flags: FlagWrite,
			Group: "server", Since: "1.0.0", Summary: "Remove all keys from all databases", Run: runFlushAll},
		redraftExpireSpec(),
		redraftKeyVersionsSpec(),
		redraftAppliedIndexSpec(),
	}
}

func runPing(c *Ctx) {
	switch len(c.Args) {
	case 1:
		c.W.Simple("PONG")
	case 2:
		c.W.Bulk(c.Args[1])
	default:
		c.W.Error(ErrArity(c.Name()))
	}
}

func runEcho(c *Ctx) { c.W.Bulk(c.Args[1]) }

// runTime answers the command's clock as Redis's TIME does: Unix seconds
// and the microseconds within that second, both as bulk strings.
func runTime(c *Ctx) {
	sec, ms := c.NowMs/1000, c.NowMs%1000
	if ms < 0 {
		sec, ms = sec-1, ms+1000
	}
	c.W.Array(2)
	c.W.BulkString(strconv.FormatInt(sec, 10))
	c.W.BulkString(strconv.FormatInt(ms*1000, 10))
}

// runDBSize counts every key, including expired ones not yet removed, as
// Redis's dictSize does.
func runDBSize(c *Ctx) { c.W.Int(int64(c.DBSize())) }

// runFlush serves FLUSHDB: the command's database is emptied. An optional
// ASYNC or SYNC makes no difference here.
func runFlush(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	c.Flush()
	c.W.OK()
}

// runFlushAll serves FLUSHALL: every database is emptied.
func runFlushAll(c *Ctx) {
	if !flushArgsOK(c) {
		return
	}
	c.FlushAll()
	c.W.OK()
}

// flushArgsOK checks the optional ASYNC|SYNC of the flushes, writing
// Redis's syntax error otherwise.
func flushArgsOK(c *Ctx) bool {
	if len(c.Args) > 2 || len(c.Args) == 2 && !cstrEq(c.Args[1], "SYNC") && !cstrEq(c.Args[1], "ASYNC") {
		c.W.Error(ErrSyntax)
		return false
	}
	return true
}
