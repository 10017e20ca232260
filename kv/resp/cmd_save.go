package resp

import (
	"time"

	"redraft/kv"
)

// SAVE, BGSAVE, LASTSAVE and SHUTDOWN. Redraft has no RDB file: a node's
// durable state is its Raft log and snapshots. SAVE and BGSAVE take a Raft
// snapshot (which compacts the log) when the executor can (Snapshotter:
// the replicated node); a standalone node keeps nothing on disk and
// answers them as a successful save. LASTSAVE is the Unix time of the last
// successful SAVE or BGSAVE through this node (its start before any).
// SHUTDOWN is refused: a node is stopped with SIGTERM or SIGINT, which
// shuts it down cleanly. Like Redis, SAVE, BGSAVE and SHUTDOWN are not
// allowed inside MULTI.

// Snapshotter is implemented by executors that can persist their state on
// demand (replication.Node: a Raft snapshot).
type Snapshotter interface {
	TakeSnapshot() error
}

// saveCommands are edge commands beyond commands.resp's, with their own
// handlers (runEdge falls back to them after the executor's EdgeHandler).
var saveCommands = map[string]handler{
	"save":     (*conn).cmdSave,
	"bgsave":   (*conn).cmdBgsave,
	"lastsave": (*conn).cmdLastsave,
	"shutdown": (*conn).cmdShutdown,
}

var localEdge = map[*kv.Spec]handler{}

func init() {
	for _, s := range []*kv.Spec{
		{Name: "save", Arity: 1, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagNoMulti, Group: "server", Since: "1.0.0",
			Summary: "Synchronously save the dataset to disk"},
		{Name: "bgsave", Arity: -1, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagNoMulti, Group: "server", Since: "1.0.0",
			Summary: "Asynchronously save the dataset to disk"},
		{Name: "lastsave", Arity: 1, Flags: kv.FlagEdge | kv.FlagLoading | kv.FlagStale | kv.FlagFast, Group: "server", Since: "1.0.0",
			Summary: "Get the UNIX time stamp of the last successful save to disk"},
		{Name: "shutdown", Arity: -1, Flags: kv.FlagEdge | kv.FlagAdmin | kv.FlagNoMulti | kv.FlagLoading | kv.FlagStale, Group: "server", Since: "1.0.0",
			Summary: "Synchronously save the dataset to disk and then shut down the server"},
	} {
		kv.Register(s)
		localEdge[s] = saveCommands[s.Name]
		describeLocalEdge(s)
	}
}

// snapshot persists the executor's state; it reports Redis's error text.
func (c *conn) snapshot() string {
	changes := c.srv.hub.Changes() // the snapshot holds at least these
	if sn, ok := c.srv.exec.(Snapshotter); ok {
		if err := sn.TakeSnapshot(); err != nil {
			return "ERR " + err.Error()
		}
	}
	c.srv.saved(changes)
	return ""
}

// saved records a successful SAVE or BGSAVE that covers the first changes
// key changes: LASTSAVE's time, and the count INFO's
// rdb_changes_since_last_save starts from. A node counts the changes its
// state machine applies (one per key a command changes, one per flush; on
// a cluster, every member the same, in log order) since then: Redis
// counts per command (an MSET of three keys counts three, a SETBIT that
// changes no bit none, as here), and after a restart the entries the
// node replays from its log count again, being the changes its latest
// snapshot lacks. raft's own automatic snapshots do not reset it.
func (s *Server) saved(changes int64) {
	s.savedChanges.Store(changes)
	s.lastSave.Store(time.Now().Unix())
}

// changesSinceSave is INFO's rdb_changes_since_last_save.
func (s *Server) changesSinceSave() int64 {
	return max(s.hub.Changes()-s.savedChanges.Load(), 0)
}

func (c *conn) cmdSave(args [][]byte) {
	if e := c.snapshot(); e != "" {
		c.w.Error(e)
		return
	}
	c.w.OK()
}

// BGSAVE [SCHEDULE]
func (c *conn) cmdBgsave(args [][]byte) {
	if len(args) > 2 || len(args) == 2 && !kv.EqualFold(args[1], "SCHEDULE") {
		c.w.Error(kv.ErrSyntax)
		return
	}
	if _, ok := c.srv.exec.(Snapshotter); !ok {
		c.srv.saved(c.srv.hub.Changes())
		c.w.Simple("Background saving started")
		return
	}
	if !c.srv.bgsave.CompareAndSwap(false, true) {
		c.w.Error("ERR Background save already in progress")
		return
	}
	c.srv.wg.Add(1)
	go func() {
		defer c.srv.wg.Done()
		defer c.srv.bgsave.Store(false)
		if e := c.snapshot(); e != "" {
			c.srv.log.Warn("resp: BGSAVE failed", "err", e)
		}
	}()
	c.w.Simple("Background saving started")
}

func (c *conn) cmdLastsave(args [][]byte) { c.w.Int(c.srv.lastSave.Load()) }

func (c *conn) cmdShutdown(args [][]byte) {
	c.w.Error("ERR SHUTDOWN is not supported: stop the node with SIGTERM or SIGINT (a clean shutdown)")
}
