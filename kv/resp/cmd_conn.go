package resp

import (
	"strconv"
	"strings"

	"redraft/kv"
)

// Connection commands: AUTH, HELLO, SELECT, QUIT, RESET and CLIENT.

// Version is the Redis version the edge reports (HELLO, INFO server). The
// edge and the state machine model Redis 7.0's behaviour; clients that gate
// features on the version see a 7.0 server.
const Version = "7.0.0"

const (
	errAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errHelloNoAuth    = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	errNoProto        = "NOPROTO unsupported protocol version"
	errProtoVersion   = "ERR Protocol version is not an integer or out of range"
	errClientName     = "ERR Client names cannot contain spaces, newlines or special characters."
	errDBIndex        = "ERR DB index is out of range"
)

// authenticate is ACLAuthenticateUser: on success the connection runs as
// user; a failure goes to the ACL log.
func (c *conn) authenticate(user, pass []byte) bool {
	// The users are replicated state: a follower first catches up with
	// the leader, so that a user created, changed or disabled through it
	// a moment ago is what AUTH checks (cmd_info.go's LocalSyncer).
	c.syncLocal()
	if !c.srv.aclState().Authenticate(user, pass, c.srv.getRequirePass()) {
		c.logACL(kv.ACLDeniedAuth, string(c.curArgs[0]), string(user), "")
		return false
	}
	c.authed = true
	c.setUser(string(user))
	return true
}

func (c *conn) cmdAuth(args [][]byte) {
	if len(args) > 3 {
		c.w.Error(kv.ErrSyntax)
		return
	}
	user, pass := []byte("default"), args[1]
	if len(args) == 2 {
		if c.srv.aclState().DefaultNoPass(c.srv.getRequirePass()) {
			c.w.Error(errAuthNoPassword)
			return
		}
	} else {
		user, pass = args[1], args[2]
	}
	if !c.authenticate(user, pass) {
		c.w.Error(kv.ErrWrongPass)
		return
	}
	c.w.OK()
}

func (c *conn) cmdHello(args [][]byte) {
	ver := int64(c.proto)
	if len(args) >= 2 {
		v, ok := kv.ParseInt(args[1])
		if !ok {
			c.w.Error(errProtoVersion)
			return
		}
		if v < 2 || v > 3 {
			c.w.Error(errNoProto)
			return
		}
		ver = v
	}
	var user, pass, name []byte
	setName := false
	for j := 2; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case kv.EqualFold(args[j], "AUTH") && more >= 2:
			user, pass = args[j+1], args[j+2]
			j += 2
		case kv.EqualFold(args[j], "SETNAME") && more >= 1:
			if !validClientName(args[j+1]) {
				c.w.Error(errClientName)
				return
			}
			name, setName = args[j+1], true
			j++
		default:
			c.w.Error("ERR Syntax error in HELLO option '" + string(args[j]) + "'")
			return
		}
	}
	if user != nil {
		if !c.authenticate(user, pass) {
			c.w.Error(kv.ErrWrongPass)
			return
		}
	}
	if !c.authed {
		c.w.Error(errHelloNoAuth)
		return
	}
	if setName {
		c.setName(name)
	}
	c.setProto(uint8(ver))
	c.w.Proto = int(c.proto)
	mapV(
		bulkV("server"), bulkV("redis"),
		bulkV("version"), bulkV(Version),
		bulkV("proto"), intV(ver),
		bulkV("id"), intV(c.id),
		bulkV("mode"), bulkV("standalone"),
		bulkV("role"), bulkV("master"),
		bulkV("modules"), arrayV(),
	).write(&c.w)
}

func (c *conn) setProto(p uint8) {
	c.proto = p
	c.protoA.Store(int32(p))
}

// validClientName is Redis's validateClientName: printable ASCII without
// spaces; the empty name is allowed (it clears the name).
func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

func (c *conn) setName(b []byte) {
	if len(b) == 0 {
		c.name.Store(nil)
		return
	}
	s := string(b)
	c.name.Store(&s)
}

// cmdSelect changes the connection's database: the commands it sends next
// carry the index (kv.Cmd.DB). Inside MULTI, SELECT is queued and runs in
// the transaction (see cmdExec).
func (c *conn) cmdSelect(args [][]byte) {
	db, errText := kv.ParseDB(args[1])
	if errText != "" {
		c.w.Error(errText)
		return
	}
	c.setDB(db)
	c.w.OK()
}

func (c *conn) setDB(db int) {
	c.db = db
	c.dbA.Store(int32(db))
}

func (c *conn) cmdQuit(args [][]byte) {
	c.w.OK()
	c.quit = true
}

// cmdReset is Redis's RESET: the connection goes back to its initial state
// (RESP2, database 0, no name, no transaction or watches, not authenticated when a
// password is required).
func (c *conn) cmdReset(args [][]byte) {
	c.discardTx()
	c.setDB(0)
	c.forgetSubscriptions()
	c.stopMonitor()
	c.srv.trk.disable(c)
	c.setProto(2)
	c.name.Store(nil)
	c.noEvict = false
	c.noEvictA.Store(false)
	c.authed = c.srv.aclState().DefaultNoPass(c.srv.getRequirePass())
	c.setUser("default")
	c.w.Proto = 2
	c.w.Simple("RESET")
}

func (c *conn) cmdClientID(args [][]byte) { c.w.Int(c.id) }

func (c *conn) cmdClientSetName(args [][]byte) {
	if !validClientName(args[2]) {
		c.w.Error(errClientName)
		return
	}
	c.setName(args[2])
	c.w.OK()
}

func (c *conn) cmdClientGetName(args [][]byte) {
	if n := c.name.Load(); n != nil {
		c.w.BulkString(*n)
		return
	}
	c.w.Null()
}

func (c *conn) cmdClientInfo(args [][]byte) {
	c.lastCmd.Store(c.last)
	c.w.Verbatim(c.infoString(c) + "\n")
}

func (c *conn) cmdClientList(args [][]byte) {
	c.lastCmd.Store(c.last)
	var sb strings.Builder
	switch {
	case len(args) > 3 && kv.EqualFold(args[2], "TYPE"):
		switch strings.ToLower(string(args[3])) {
		case "normal", "pubsub":
			pubsubOnly := strings.EqualFold(string(args[3]), "pubsub")
			for _, o := range c.srv.liveConns() {
				if (o.subsA.Load() > 0) != pubsubOnly || o.peer() {
					continue
				}
				sb.WriteString(o.infoString(c))
				sb.WriteByte('\n')
			}
		case "slave", "replica", "master":
		default:
			c.w.Error("ERR Unknown client type '" + string(args[3]) + "'")
			return
		}
	case len(args) > 3 && kv.EqualFold(args[2], "ID"):
		byID := map[int64]*conn{}
		for _, o := range c.srv.liveConns() {
			byID[o.id] = o
		}
		for _, a := range args[3:] {
			id, ok := kv.ParseInt(a)
			if !ok {
				c.w.Error("ERR Invalid client ID")
				return
			}
			if o := byID[id]; o != nil {
				sb.WriteString(o.infoString(c))
				sb.WriteByte('\n')
			}
		}
	case len(args) != 2:
		c.w.Error(kv.ErrSyntax)
		return
	default:
		for _, o := range c.srv.liveConns() {
			sb.WriteString(o.infoString(c))
			sb.WriteByte('\n')
		}
	}
	c.w.Verbatim(sb.String())
}

// infoString is one client's line of CLIENT LIST, in Redis 7.0's format.
// self is the connection asking (clientmem.go).
func (c *conn) infoString(self *conn) string {
	now := c.srv.now.Load()
	name := ""
	if n := c.name.Load(); n != nil {
		name = *n
	}
	flags := ""
	if c.monitorA.Load() {
		flags += "O"
	}
	if c.subsA.Load() > 0 {
		flags += "P"
	}
	multi := c.multiA.Load()
	if multi >= 0 {
		flags += "x"
	}
	if c.blockedA.Load() {
		flags += "b"
	}
	flags += c.srv.trk.clientFlags(c)
	if c.noEvictA.Load() {
		flags += "e"
	}
	if flags == "" {
		flags = "N"
	}
	cmd := "NULL"
	if p := c.lastCmd.Load(); p != nil {
		cmd = *p
	}
	events := "r"
	if c.writeSince.Load() != 0 {
		events = "rw"
	}
	b := make([]byte, 0, 256)
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="+c.addr+" laddr="+c.laddr+" fd="...)
	b = strconv.AppendInt(b, int64(c.fd), 10)
	b = append(b, " name="+name+" age="...)
	b = strconv.AppendInt(b, (now-c.createdNs)/1e9, 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, (now-c.lastActive.Load())/1e9, 10)
	b = append(b, " flags="+flags+" db="...)
	b = strconv.AppendInt(b, int64(c.dbA.Load()), 10)
	b = append(b, " sub="...)
	b = strconv.AppendInt(b, int64(c.chanA.Load()), 10)
	b = append(b, " psub="...)
	b = strconv.AppendInt(b, int64(c.patA.Load()), 10)
	b = append(b, " ssub="...)
	b = strconv.AppendInt(b, int64(c.shardA.Load()), 10)
	b = append(b, " multi="...)
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, c.qbufA.Load(), 10)
	b = c.appendMemFields(b, self)
	b = append(b, " events="+events+" cmd="+cmd+" user="+c.userName()+" redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(c.protoA.Load()), 10)
	return string(b)
}

func (c *conn) cmdClientNoEvict(args [][]byte) {
	switch {
	case kv.EqualFold(args[2], "ON"):
		c.noEvict = true
	case kv.EqualFold(args[2], "OFF"):
		c.noEvict = false
	default:
		c.w.Error(kv.ErrSyntax)
		return
	}
	c.noEvictA.Store(c.noEvict)
	c.w.OK()
}

func (c *conn) cmdClientHelp(args [][]byte) {
	writeHelp(&c.w, "CLIENT",
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	)
}

// writeHelp writes a HELP reply the way Redis's addReplyHelp does.
func writeHelp(w *kv.Writer, cmd string, lines ...string) {
	w.Array(len(lines) + 3)
	w.Simple(cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}
