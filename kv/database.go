package kv

import "math"

// Numbered databases. A Machine holds Databases keyspaces, as a Redis server
// holds `databases` of them. Every command runs in one database, the one
// its client selected: the edge keeps the selection per connection and puts
// it in Cmd.DB, so the index travels through the log, forwarding and MULTI
// with the command, and every replica runs the command in the same database.
//
// The number is fixed at Databases (16, Redis's default `databases`) for
// every node: a command's meaning depends on it (SELECT 15, SWAPDB 0 15), so
// replicas that disagreed on it would diverge. CONFIG GET databases reports
// it; like Redis's, it cannot be changed at run time.

// Databases is the number of databases of every Machine (Redis's default
// `databases`, which Redis's own test suite assumes).
const Databases = 16

// ErrDBIndex is Redis's reply to a database index out of range.
const ErrDBIndex = "ERR DB index is out of range"

// errDBIntRange is getIntFromObjectOrReply's reply to an integer that does
// not fit an int.
const errDBIntRange = "ERR value is out of range, value must between -2147483648 and 2147483647"

// database is one keyspace and its expiry counter.
type database struct {
	*dict
	// expires counts entries with an expiry time (INFO keyspace, active expiry).
	expires int
}

func newDatabase() *database { return &database{dict: newDict()} }

// flush empties the database. It gets a new table rather than clearing its
// own: a snapshot being streamed may still be reading the old one
// (snapcut.go), which nothing changes any more. The new table is laid out
// exactly as a cleared one.
func (d *database) flush() {
	d.dict = newDict()
	d.expires = 0
}

// ParseDB parses a database index as Redis's SELECT does
// (getIntFromObjectOrReply, then selectDb). It returns the index, or the
// error reply when b is not an integer, does not fit an int, or is not a
// database of this machine. The edge uses it for SELECT; the machine for
// SELECT inside MULTI, MOVE and COPY ... DB.
func ParseDB(b []byte) (int, string) {
	v, ok := ParseInt(b)
	if !ok {
		return 0, ErrNotInteger
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, errDBIntRange
	}
	if v < 0 || v >= Databases {
		return 0, ErrDBIndex
	}
	return int(v), ""
}

// txSelect runs a SELECT queued in a transaction: it answers as SELECT does
// and returns the database the following commands run in.
func txSelect(db int, args [][]byte, w *Writer) int {
	if len(args) != 2 {
		w.Error(ErrArity("select"))
		return db
	}
	n, errText := ParseDB(args[1])
	if errText != "" {
		w.Error(errText)
		return db
	}
	w.OK()
	return n
}

// DB returns the index of the database the command runs in.
func (c *Ctx) DB() int { return c.dbIndex }

// InDB runs fn with the context switched to database db (an index checked
// with ParseDB): every keyspace method (Lookup, LookupWrite, Add, Delete,
// DBSize, ...) called inside fn works on db. MOVE and COPY ... DB use it to
// reach their destination; the context returns to its own database after.
func (c *Ctx) InDB(db int, fn func()) {
	if db < 0 || db >= Databases {
		panic("kv: InDB with a database index out of range")
	}
	saved, savedIndex := c.db, c.dbIndex
	c.db, c.dbIndex = c.m.dbs[db], db
	defer func() { c.db, c.dbIndex = saved, savedIndex }()
	fn()
}

// FlushAll removes every key of every database.
func (c *Ctx) FlushAll() {
	c.mustWrite()
	for i := range c.m.dbs {
		c.m.signalStreamsGone(i)
	}
	for _, d := range c.m.dbs {
		d.flush()
	}
	c.m.flushed(-1)
}

// SwapDB exchanges the contents of databases a and b (indexes checked).
// Entries keep their versions: a WATCHed key whose database now holds
// another entry (or none) sees another version, which is how Redis's SWAPDB
// touches watched keys, and a key absent or expired on both sides keeps
// version 0, which is how it does not.
func (c *Ctx) SwapDB(a, b int) {
	c.mustWrite()
	m := c.m
	m.dbs[a], m.dbs[b] = m.dbs[b], m.dbs[a]
	// The context follows its index, not the keyspace it used to hold.
	c.db = m.dbs[c.dbIndex]
	m.signalDBs(a, b)
}

// KeyspaceInfo describes one non-empty database for INFO keyspace.
type KeyspaceInfo struct {
	DB, Keys, Expires int
}

// Keyspace returns one KeyspaceInfo per database holding at least one key
// (expired ones not yet removed included, as Redis counts them), in index
// order.
func (m *Machine) Keyspace() []KeyspaceInfo {
	var out []KeyspaceInfo
	for i, d := range m.dbs {
		if d.len() > 0 {
			out = append(out, KeyspaceInfo{DB: i, Keys: d.len(), Expires: d.expires})
		}
	}
	return out
}
