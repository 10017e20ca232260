package kv

import (
	"strings"
	"sync/atomic"
	"unsafe"

	"redraft/wire"
)

// Machine is the deterministic state machine: Databases keyspaces (Redis's
// numbered databases, SELECT) and the counters that travel with them. See
// the package doc for the rules.
type Machine struct {
	dbs [Databases]*database
	// scripts is the script cache and the FUNCTION libraries (cmd_script.go).
	scripts *scriptState
	// running registers the scripts being executed, for KillScript
	// (scriptkill.go); never replaced, so KillScript may read it any time.
	running *runningScripts
	// version counts executed write commands; an entry's version is the
	// value at its last modification. WATCH compares versions. It is one
	// counter for every database, so no two live entries of the same key
	// in different databases share a version (SWAPDB relies on it).
	version uint64
	// sink receives PUBLISH messages at apply (events.go); node-local,
	// never part of the state.
	sink EventSink
	// notifyBuf is reused to build keyspace notification channels on the
	// apply path (notify.go); scratch, never part of the state.
	notifyBuf []byte
	// blk holds the blocked clients' wait queues (block.go): state.
	blk blockState
	// bsink receives waiter replies (block.go); node-local like sink.
	bsink BlockSink
	// snap is the snapshot being streamed, if any (snapcut.go): the write
	// path hands it the entries of the cut before changing them. Never
	// part of the state.
	snap *SnapshotCut
	// enc holds the encoding thresholds when they differ from Redis's
	// defaults (encoding.go): state.
	enc *encodingLimits
	// fnCounts mirrors the number of FUNCTION libraries (high 32 bits)
	// and functions (low 32 bits) for FunctionCounts, which the edge calls
	// while a function holds the machine (FUNCTION STATS). Never state.
	fnCounts atomic.Uint64
	// acl holds the ACL users (acl_state.go): state. An immutable value
	// replaced on every change, so the edge may read it any time.
	acl atomic.Pointer[ACLState]
	// loading marks a placeholder that stands in for the state while a
	// snapshot replaces it (loading.go); never part of the state.
	loading bool
}

// NewMachine returns an empty machine.
func NewMachine() *Machine {
	m := &Machine{scripts: newScriptState(), running: &runningScripts{}}
	m.acl.Store(newACLState())
	for i := range m.dbs {
		m.dbs[i] = newDatabase()
	}
	return m
}

// Exec executes one command and appends its reply to w, rendered for
// cmd.Proto. Unknown commands and wrong arity are answered with Redis's
// errors (the edge normally rejects them first; the machine re-checks because
// a log may hold anything). The command runs in database cmd.DB; an index
// out of range is answered with Redis's SELECT error.
func (m *Machine) Exec(cmd *Cmd, w *Writer) {
	if cmd.OnRun != nil {
		cmd.OnRun()
	}
	if cmd.Proto == 3 {
		w.Proto = 3
	} else {
		w.Proto = 2
	}
	if cmd.DB < 0 || cmd.DB >= Databases {
		w.Error(ErrDBIndex)
		return
	}
	// A command that carries a user is checked against that user's ACL
	// rules here, on the node that runs it (acl_state.go); one without
	// (internal commands, the Maelstrom edge) runs unchecked.
	var u *aclUser
	if cmd.User != "" {
		if u = m.ACL().users[cmd.User]; u == nil {
			name := ""
			if len(cmd.Args) > 0 {
				name = strings.ToLower(string(cmd.Args[0]))
			}
			w.Error(ACLDenial{Reason: ACLDeniedCommand, Command: name}.Error())
			m.commandDone()
			return
		}
	}
	origin := cmd.Origin != (Origin{})
	if origin {
		m.commandOrigin(cmd.Origin)
	}
	if m.loading && cmd.Tx != nil {
		w.Error(ErrLoading)
	} else if cmd.Tx != nil {
		m.execTx(cmd, u, w)
	} else {
		m.exec(cmd.DB, cmd.Args, cmd.NowMs, cmd.Seed, u, false, cmd.Origin, w)
	}
	if origin {
		m.commandOrigin(Origin{})
	}
	// Serve the clients blocked on keys the command made ready, after it
	// (after the whole transaction for EXEC), as Redis does.
	m.serveReady(cmd.NowMs, cmd.Seed)
	m.commandDone()
}

func (m *Machine) exec(db int, args [][]byte, nowMs int64, seed uint64, u *aclUser, inTx bool, origin Origin, w *Writer) {
	if len(args) == 0 {
		w.Error("ERR empty command")
		return
	}
	spec := Lookup(args[0])
	if spec == nil {
		w.Error(ErrUnknownCommand(args[0], args[1:]))
		return
	}
	if !spec.CheckArity(len(args)) {
		w.Error(ErrArity(spec.Name))
		return
	}
	if spec.Run == nil {
		w.Error("ERR command '" + spec.Name + "' is not allowed here")
		return
	}
	if u != nil && !u.unrestricted {
		if r, p, ac := u.check(args); r != ACLOK {
			d := ACLDenial{Reason: r, Pos: p, Command: ac.name}
			if inTx {
				w.Error(d.txError())
			} else {
				w.Error(d.Error())
			}
			return
		}
	}
	if m.loading && spec.Flags&FlagLoading == 0 { // transactions: Exec
		w.Error(ErrLoading)
		return
	}
	c := Ctx{m: m, db: m.dbs[db], dbIndex: db, W: w, Args: args, NowMs: nowMs, seed: seed, spec: spec, readOnly: !m.isWriteArgs(spec, args), user: u, origin: origin}
	if !c.readOnly {
		m.version++
	}
	spec.Run(&c)
}

// execTx runs a MULTI/EXEC transaction: if any watched key changed version
// the reply is a null array and nothing runs; otherwise every queued command
// runs in order, each with its own reply inside one array. The transaction
// starts in database cmd.DB; a queued SELECT changes the database of the
// commands after it, as in Redis (the edge follows it for the connection).
func (m *Machine) execTx(cmd *Cmd, u *aclUser, w *Writer) {
	for _, wt := range cmd.Tx.Watches {
		if m.KeyVersion(wt.DB, wt.Key, cmd.NowMs) != wt.Version {
			w.NullArray()
			return
		}
	}
	db := cmd.DB
	w.Array(len(cmd.Tx.Cmds))
	for i, args := range cmd.Tx.Cmds {
		if len(args) > 0 && cstrEq(args[0], "SELECT") {
			db = txSelect(db, args, w)
			continue
		}
		// Each queued command gets its own seed so two SPOPs differ.
		m.exec(db, args, cmd.NowMs, cmd.Seed+uint64(i)*0x9E3779B97F4A7C15, u, true, cmd.Origin, w)
	}
}

// KeyVersion returns the modification version of key in database db at
// nowMs, 0 when the key does not exist (or has expired, or db is out of
// range). WATCH records it; EXEC compares it.
func (m *Machine) KeyVersion(db int, key []byte, nowMs int64) uint64 {
	if db < 0 || db >= Databases {
		return 0
	}
	e := m.dbs[db].get(bstr(key))
	if e == nil || e.expired(nowMs) {
		return 0
	}
	return e.version
}

// Len returns the number of keys in every database, expired-but-not-removed
// ones included.
func (m *Machine) Len() int {
	n := 0
	for _, d := range m.dbs {
		n += d.len()
	}
	return n
}

// Expires returns the number of keys with an expiry time in every database.
func (m *Machine) Expires() int {
	n := 0
	for _, d := range m.dbs {
		n += d.expires
	}
	return n
}

// Version returns the write-command counter.
func (m *Machine) Version() uint64 { return m.version }

// Ctx is the execution context of one command inside the machine.
type Ctx struct {
	m        *Machine
	db       *database // the database the command runs in
	dbIndex  int
	W        *Writer  // the reply goes here
	Args     [][]byte // name and arguments, borrowed: copy what you keep
	NowMs    int64    // the command's clock (Unix ms)
	seed     uint64
	rnd      *Rand
	spec     *Spec
	readOnly bool
	// inScript: called by a script (redis.call), Redis's CLIENT_SCRIPT.
	inScript bool
	// user is the ACL user the command runs as; nil: unchecked.
	user *aclUser
	// block names the waiter a blocking command registers when its keys
	// are empty (redraft.block); nil: it answers as timed out (MULTI,
	// scripts, a bare command in the log).
	block *WaiterRef
	// origin is the command's Cmd.Origin (a script reports its keys to
	// it: scriptHost.Call).
	origin Origin
}

// Rand returns the command's deterministic random generator.
func (c *Ctx) Rand() *Rand {
	if c.rnd == nil {
		c.rnd = NewRand(c.seed)
	}
	return c.rnd
}

// Name returns the command's name as registered (lower case).
func (c *Ctx) Name() string { return c.spec.Name }

// Machine returns the machine the command runs in.
func (c *Ctx) Machine() *Machine { return c.m }

// mustWrite asserts that a mutation happens inside a write command.
func (c *Ctx) mustWrite() {
	if c.readOnly {
		panic("kv: read-only command " + c.spec.Name + " tried to modify the keyspace")
	}
}

// bstr views b as a string without copying; only for lookups, never stored.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Lookup returns the live entry for key, or nil if it is absent or expired.
// It never modifies anything, so read-only commands use it.
func (c *Ctx) Lookup(key []byte) *entry {
	e := c.db.get(bstr(key))
	if e == nil || e.expired(c.NowMs) {
		if c.readOnly {
			c.Notify(NotifyKeyMiss, "keymiss", key)
		}
		return nil
	}
	return e
}

// lookupQuiet is Lookup without the keymiss event (Redis's
// LOOKUP_NONOTIFY: OBJECT, MEMORY USAGE).
func (c *Ctx) lookupQuiet(key []byte) *entry {
	e := c.db.get(bstr(key))
	if e == nil || e.expired(c.NowMs) {
		return nil
	}
	return e
}

// LookupWrite is Lookup for write commands: an expired key it finds is
// removed for good (deterministic: every replica has the same NowMs).
func (c *Ctx) LookupWrite(key []byte) *entry {
	c.mustWrite()
	e := c.db.get(bstr(key))
	if e == nil {
		return nil
	}
	c.snapTouch(e)
	if e.expired(c.NowMs) {
		c.removeEntry(e)
		c.Notify(NotifyExpired, "expired", key)
		return nil
	}
	return e
}

// LookupType returns the live entry for key when it holds type t. When the key
// holds another type it writes WRONGTYPE and returns ok == false; when it is
// absent it returns (nil, true). For writes it behaves like LookupWrite.
func (c *Ctx) LookupType(key []byte, t Type) (e *entry, ok bool) {
	if c.readOnly {
		e = c.Lookup(key)
	} else {
		e = c.LookupWrite(key)
	}
	if e != nil && e.typ() != t {
		c.W.Error(ErrWrongType)
		return nil, false
	}
	return e, true
}

// Add creates key, which must not exist (call LookupWrite first), holding obj
// (nil for a string, whose bytes are copied from str).
func (c *Ctx) Add(key []byte, str []byte, obj any) *entry {
	c.mustWrite()
	e := &entry{key: string(key), obj: obj, version: c.m.version}
	if obj == nil {
		e.str = cloneBytes(str)
	}
	c.db.add(e)
	c.m.keyChanged(c.dbIndex, e.key)
	c.signalReady(e.key, obj)
	c.Notify(NotifyNew, "new", key)
	return e
}

// SetString makes key a string holding val (copied), creating or replacing
// it. The expiry is cleared unless keepTTL.
func (c *Ctx) SetString(key, val []byte, keepTTL bool) *entry {
	e := c.LookupWrite(key)
	if e == nil {
		return c.Add(key, val, nil)
	}
	c.streamGone(e)
	e.obj = nil
	c.snapBytes(e.str, 0, len(val)) // reuseBytes may overwrite them
	e.str = reuseBytes(e.str, val)
	if !keepTTL {
		c.SetExpire(e, 0)
	}
	c.Dirty(e)
	return e
}

// Replace makes an existing entry hold obj (or a copy of str when obj is
// nil), clearing its expiry unless keepTTL.
func (c *Ctx) Replace(e *entry, str []byte, obj any, keepTTL bool) {
	c.mustWrite()
	c.snapTouch(e)
	c.streamGone(e)
	e.obj = obj
	if obj == nil {
		c.snapBytes(e.str, 0, len(str))
		e.str = reuseBytes(e.str, str)
	} else {
		e.str = nil
	}
	if !keepTTL {
		c.SetExpire(e, 0)
	}
	c.Dirty(e)
	c.signalReady(e.key, obj)
}

// Delete removes key if it exists and is live; it reports whether it did.
func (c *Ctx) Delete(key []byte) bool {
	e := c.LookupWrite(key)
	if e == nil {
		return false
	}
	c.removeEntry(e)
	return true
}

// DeleteEntry removes a live entry found with LookupWrite/LookupType.
func (c *Ctx) DeleteEntry(e *entry) {
	c.mustWrite()
	c.removeEntry(e)
}

func (c *Ctx) removeEntry(e *entry) {
	c.snapTouch(e)
	c.streamGone(e)
	if c.db.remove(e.key) != e {
		panic("kv: removing an entry that is not in the keyspace")
	}
	if e.expireAt != 0 {
		c.db.expires--
	}
	c.m.keyChanged(c.dbIndex, e.key)
}

// Dirty records that e was modified (Redis's signalModifiedKey): it bumps
// the entry's version so that a WATCH on it fires.
func (c *Ctx) Dirty(e *entry) {
	c.mustWrite()
	// No snapshot hook here: Dirty follows the change, and MOVE calls it
	// on an entry it has just put into another database (snapcut.go).
	e.version = c.m.version
	c.m.keyChanged(c.dbIndex, e.key)
}

// SetExpire sets e's absolute expiry (Unix ms; 0 removes it).
func (c *Ctx) SetExpire(e *entry, atMs int64) {
	c.mustWrite()
	c.snapTouch(e)
	switch {
	case e.expireAt == 0 && atMs != 0:
		c.db.expires++
	case e.expireAt != 0 && atMs == 0:
		c.db.expires--
	}
	e.expireAt = atMs
}

// Flush removes every key of the command's database (FLUSHDB).
func (c *Ctx) Flush() {
	c.mustWrite()
	c.m.signalStreamsGone(c.dbIndex)
	c.db.flush()
	c.m.flushed(c.dbIndex)
}

// Keyspace access for commands that iterate (KEYS, SCAN, RANDOMKEY, DBSIZE).

// DBSize returns the number of keys of the command's database, expired ones
// not yet removed included
// (Redis's DBSIZE counts them too).
func (c *Ctx) DBSize() int { return c.db.len() }

// ScanKeys visits the bucket at cursor and returns the next cursor (see dict.scan).
// fn receives every entry of the bucket, expired ones included.
func (c *Ctx) ScanKeys(cursor uint64, fn func(e *entry)) uint64 {
	return c.db.scan(cursor, fn)
}

// EachKey visits every entry in table order until fn returns false.
func (c *Ctx) EachKey(fn func(e *entry) bool) { c.db.each(fn) }

// RandomEntry returns a random entry (possibly expired) or nil.
func (c *Ctx) RandomEntry() *entry { return c.db.random(c.Rand()) }

// Entry accessors for command implementations.

// Key returns the entry's key.
func (e *entry) Key() string { return e.key }

// Type returns the entry's data type.
func (e *entry) Type() Type { return e.typ() }

// ExpireAt returns the absolute expiry (Unix ms), 0 when none.
func (e *entry) ExpireAt() int64 { return e.expireAt }

func cloneBytes(b []byte) []byte {
	out := make([]byte, len(b))
	wire.CopyLarge(out, b) // a big value in pieces (wire.CopyPiece says why)
	return out
}

// reuseBytes copies src into dst's storage when it fits without wasting
// more than half of it, otherwise into a new exact-size slice.
func reuseBytes(dst, src []byte) []byte {
	if cap(dst) >= len(src) && cap(dst) <= 2*len(src)+16 {
		dst = dst[:len(src)]
		wire.CopyLarge(dst, src)
		return dst
	}
	return cloneBytes(src)
}
