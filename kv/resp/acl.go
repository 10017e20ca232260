package resp

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"redraft/kv"
	"redraft/kv/pubsub"
)

// ACL at the edge (docs/acl.md). The users are machine state
// (kv.ACLState); the edge reads them from its executor (ACLSource) to
// authenticate clients and to check every command before it runs or is
// queued, as Redis's processCommand does, with Redis's NOPERM texts. The
// machine checks keyspace commands again against the user each kv.Cmd
// carries, on the node that runs them (the leader for a command forwarded
// by a follower), so a rule change between the two checks is honoured.
//
// What belongs to the node stays here: the ACL log (refusals seen by this
// node's edge), ACL GENPASS (crypto/rand), ACL SAVE and ACL LOAD (the
// node's --aclfile; LOAD proposes the file's users through the log).

// ACLSource is implemented by executors whose machine holds ACL users
// (kv/local, the replicated node). Without it the edge has only Redis's
// initial default user.
type ACLSource interface {
	ACL() *kv.ACLState
}

var (
	initialACLOnce sync.Once
	initialACL     *kv.ACLState
)

// aclState returns the users the edge checks against.
func (s *Server) aclState() *kv.ACLState {
	if src, ok := s.exec.(ACLSource); ok {
		return src.ACL()
	}
	initialACLOnce.Do(func() { initialACL = kv.NewMachine().ACL() })
	return initialACL
}

// ACL log limits: Redis's acllog-max-len default, and the span within which
// a repeated refusal updates an entry instead of adding one.
const (
	aclLogMaxLen      = 128
	aclLogGroupMaxAge = 60 * time.Second
	aclLogMatchScan   = 10 // entries compared with a new one, as Redis does
)

// aclLogEntry is one ACL LOG entry.
type aclLogEntry struct {
	count    int64
	reason   int
	context  string // toplevel, multi
	object   string
	username string
	created  time.Time
	cinfo    string
}

// aclLog is the node's ACL log, newest first.
type aclLog struct {
	mu      sync.Mutex
	entries []*aclLogEntry
	// seen is the users the cron goroutine last looked at (aclCron);
	// only that goroutine touches it.
	seen *kv.ACLState
}

// aclCron closes, once per change of the users (the cron goroutine calls
// it every cronInterval), the connections of users that no longer exist,
// as Redis closes them on ACL DELUSER, and the subscribed connections
// holding a subscription their user may no longer have, as Redis's ACL
// SETUSER does (ACLKillPubsubClientsIfNeeded). A connection of a deleted
// user also finds out at its next command (aclCheck).
func (s *Server) aclCron() {
	st := s.aclState()
	if st == s.acls.seen {
		return
	}
	s.acls.seen = st
	for _, c := range s.snapshotConns() {
		user := c.userName()
		if !st.HasUser(user) || c.subsA.Load() > 0 && s.hub != nil && !c.subscriptionsAllowed(st, user) {
			c.kill()
		}
	}
}

// subscriptionsAllowed reports whether user may hold every subscription
// of c.
func (c *conn) subscriptionsAllowed(st *kv.ACLState, user string) bool {
	if st.Unrestricted(user) {
		return true
	}
	for _, k := range []pubsub.Kind{pubsub.Channel, pubsub.Shard, pubsub.Pattern} {
		for _, name := range c.srv.hub.Subscriptions(c, k) {
			if !st.ChannelAllowed(user, []byte(name), k == pubsub.Pattern) {
				return false
			}
		}
	}
	return true
}

func (l *aclLog) add(e *aclLogEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := 0; i < len(l.entries) && i < aclLogMatchScan; i++ {
		o := l.entries[i]
		d := e.created.Sub(o.created)
		if d < 0 {
			d = -d
		}
		if o.reason == e.reason && o.context == e.context && d <= aclLogGroupMaxAge && o.object == e.object && o.username == e.username {
			o.cinfo, o.created = e.cinfo, e.created
			o.count++
			copy(l.entries[1:i+1], l.entries[:i])
			l.entries[0] = o
			return
		}
	}
	l.entries = append(l.entries, nil)
	copy(l.entries[1:], l.entries)
	l.entries[0] = e
	if len(l.entries) > aclLogMaxLen {
		l.entries = l.entries[:aclLogMaxLen]
	}
}

func (s *Server) aclLog() *aclLog { return &s.acls }

func (c *conn) setUser(name string) {
	c.user = name
	c.userA.Store(&name)
}

// userName is the connection's user, from any goroutine.
func (c *conn) userName() string {
	if p := c.userA.Load(); p != nil {
		return *p
	}
	return "default"
}

// logACL records a refusal in the node's ACL log; full is the refused
// command's full name ("config|set") its client-info shows, "" for the
// command being dispatched.
func (c *conn) logACL(reason int, object, user, full string) {
	ctx := "toplevel"
	if c.inMulti {
		ctx = "multi"
	}
	if full != "" {
		c.lastCmd.Store(&full)
	} else {
		c.lastCmd.Store(c.last)
	}
	c.srv.aclLog().add(&aclLogEntry{count: 1, reason: reason, context: ctx, object: object,
		username: user, created: time.Now(), cinfo: c.infoString(c)})
}

// aclCheck checks a command against the connection's user. It returns the
// error to reply, or "" to go on. A connection whose user was deleted is
// closed, as Redis closes them on ACL DELUSER.
func (c *conn) aclCheck(args [][]byte) (msg string, closed bool) {
	st := c.srv.aclState()
	if st.Unrestricted(c.user) {
		return "", false
	}
	if !st.HasUser(c.user) {
		c.quit = true
		return "", true
	}
	d, ok := st.Check(c.user, args)
	if ok {
		return "", false
	}
	object := d.Command
	if d.Reason != kv.ACLDeniedCommand {
		object = string(args[d.Pos])
	}
	c.logACL(d.Reason, object, c.user, d.Command)
	return d.Error(), false
}

// aclArity validates an ACL subcommand's arity as Redis's command lookup
// does (the machine gives more arguments to LOAD a meaning clients must not
// reach).
func aclArity(args [][]byte) string {
	if len(args) < 2 {
		return ""
	}
	sub := strings.ToLower(string(args[1]))
	a, ok := kv.ACLSubArity(sub)
	if !ok {
		return kv.ErrUnknownSubcommand(args[1], "acl")
	}
	if !arityOK(a, len(args)) {
		return kv.ErrArity("acl|" + sub)
	}
	return ""
}

// aclAtEdge answers the ACL subcommands that belong to the node (GENPASS,
// LOG, SAVE, LOAD, HELP) outside MULTI. It reports whether it did.
func (c *conn) aclAtEdge(args [][]byte) bool {
	if len(args) < 2 {
		return false
	}
	sub := strings.ToLower(string(args[1]))
	switch sub {
	case "genpass", "log", "save", "load", "help":
	default:
		return false
	}
	c.flushGroup()
	c.w.Proto = int(c.proto)
	switch sub {
	case "genpass":
		bits, msg := kv.ACLGenPassBits(args)
		if msg != "" {
			c.w.Error(msg)
			return true
		}
		chars := (bits + 3) / 4
		raw := make([]byte, (chars+1)/2)
		if _, err := rand.Read(raw); err != nil {
			c.w.Error("ERR " + err.Error())
			return true
		}
		c.w.BulkString(hex.EncodeToString(raw)[:chars])
	case "log":
		c.cmdACLLog(args)
	case "save":
		c.cmdACLSave()
	case "load":
		c.cmdACLLoad()
	case "help":
		kv.WriteACLHelp(&c.w)
	}
	return true
}

func (c *conn) cmdACLLog(args [][]byte) {
	l := c.srv.aclLog()
	count := int64(10)
	if len(args) == 3 {
		if kv.EqualFold(args[2], "RESET") {
			l.mu.Lock()
			l.entries = nil
			l.mu.Unlock()
			c.w.OK()
			return
		}
		n, ok := kv.ParseInt(args[2])
		if !ok {
			c.w.Error(kv.ErrNotInteger)
			return
		}
		count = max(n, 0)
	}
	l.mu.Lock()
	entries := append([]*aclLogEntry(nil), l.entries...)
	copies := make([]aclLogEntry, len(entries))
	for i, e := range entries {
		copies[i] = *e
	}
	l.mu.Unlock()
	if count > int64(len(copies)) {
		count = int64(len(copies))
	}
	now := time.Now()
	reasons := map[int]string{kv.ACLDeniedCommand: "command", kv.ACLDeniedKey: "key",
		kv.ACLDeniedChannel: "channel", kv.ACLDeniedAuth: "auth"}
	c.w.Array(int(count))
	for _, e := range copies[:count] {
		c.w.Map(7)
		c.w.BulkString("count")
		c.w.Int(e.count)
		c.w.BulkString("reason")
		c.w.BulkString(reasons[e.reason])
		c.w.BulkString("context")
		c.w.BulkString(e.context)
		c.w.BulkString("object")
		c.w.BulkString(e.object)
		c.w.BulkString("username")
		c.w.BulkString(e.username)
		c.w.BulkString("age-seconds")
		c.w.Double(float64(now.Sub(e.created).Milliseconds()) / 1000)
		c.w.BulkString("client-info")
		c.w.BulkString(e.cinfo)
	}
}

// cmdACLSave writes this node's users (as applied here) to the ACL file:
// a temporary file, fsynced, renamed over it.
func (c *conn) cmdACLSave() {
	path := c.srv.cfg.ACLFile
	if path == "" {
		c.w.Error(kv.ACLFileNotConfigured)
		return
	}
	if err := writeFileAtomic(path, []byte(c.srv.aclState().ACLFileText())); err != nil {
		c.srv.log.Warn("resp: ACL SAVE failed", "file", path, "err", err)
		c.w.Error("ERR There was an error trying to save the ACLs. Please check the server logs for more information")
		return
	}
	c.w.OK()
}

// aclFileMax bounds the ACL file ACL LOAD reads (it travels in one log
// entry).
const aclFileMax = 16 << 20

// cmdACLLoad reads the ACL file and proposes its users through the log
// (the internal form ACL LOAD <filename> <contents>): every replica
// replaces its users, or none does when the file has an error.
func (c *conn) cmdACLLoad() {
	path := c.srv.cfg.ACLFile
	if path == "" {
		c.w.Error(kv.ACLFileNotConfigured)
		return
	}
	b, err := readFileMax(path, aclFileMax)
	if err != nil {
		c.w.Error("ERR Error loading ACLs, opening file '" + path + "': " + errnoText(err))
		return
	}
	cmd := &kv.Cmd{Args: [][]byte{[]byte("ACL"), []byte("LOAD"), []byte(path), b}, Proto: c.proto, DB: c.db, User: c.user}
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, &c.w)
}

func readFileMax(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, errFileTooLarge
	}
	return os.ReadFile(path)
}

type fileTooLarge struct{}

func (fileTooLarge) Error() string {
	return "file too large (limit " + strconv.Itoa(aclFileMax) + " bytes)"
}

var errFileTooLarge error = fileTooLarge{}

// errnoText is strerror's text for a file error ("No such file or
// directory").
func errnoText(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		s := pe.Err.Error()
		if s != "" {
			return strings.ToUpper(s[:1]) + s[1:]
		}
	}
	return err.Error()
}

// writeFileAtomic writes b to path crash-safely: temporary file, fsync,
// rename, fsync of the directory.
func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// configRequirePass makes CONFIG SET requirepass change the default user
// as Redis does (resetpass, then >password or nopass), through the log so
// every node's default user changes. It returns an error text, or "".
func (c *conn) configRequirePass(params []*configParam, args [][]byte) string {
	for i, p := range params {
		if p.name != "requirepass" {
			continue
		}
		v := args[3+2*i]
		rule := []byte("nopass")
		if len(v) > 0 {
			rule = append([]byte(">"), v...)
		}
		w := kv.NewWriter(nil, 2)
		cmd := &kv.Cmd{Args: [][]byte{[]byte("ACL"), []byte("SETUSER"), []byte("default"), []byte("resetpass"), rule}, Proto: 2, DB: c.db}
		c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{cmd}, w)
		if out := w.Bytes(); len(out) > 0 && out[0] == '-' {
			return strings.TrimRight(string(out[1:]), "\r\n")
		}
	}
	return ""
}
