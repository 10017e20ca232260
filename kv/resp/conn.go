package resp

import (
	"errors"
	"io"
	"net"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"redraft/kv"
	"redraft/kv/pubsub"
)

// conn is one client connection. A single goroutine (serve) owns everything
// but the atomic fields, which CLIENT LIST and the cron goroutine read.
//
// The loop: read whatever the socket has, parse every complete command in
// the buffer, hand each run of keyspace commands to the executor as one
// group, answer edge commands in between, and write all replies with one
// write. Arguments alias the read buffer until the batch is done.
type conn struct {
	srv       *Server
	nc        net.Conn
	id        int64
	addr      string
	laddr     string
	fd        int
	createdNs int64

	r        *sockReader
	p        *reqParser
	w        kv.Writer
	cmds     []kv.Cmd  // storage for the pending group
	pending  []*kv.Cmd // keyspace commands parsed but not yet executed
	groupMax int       // the most commands in one group (see groupReplyBytes)
	last     *string   // full name of the last command dispatched
	dead     bool      // a write failed; stop
	quit     bool      // close after the replies are written (QUIT)
	// killed is closed, and killedA set, once the connection is being
	// closed (kill): it no longer counts as a client, and a blocked
	// command stops waiting.
	killed  chan struct{}
	killedA atomic.Bool
	tmpW    *kv.Writer // scratch for EXEC with queued edge commands
	curArgs [][]byte   // the command being dispatched (for its statistics)
	// statCache maps the commands this connection ran to their counters.
	statCache map[*kv.Spec]*cmdStat

	// Pub/sub (pubsub.go): the output queue once the client subscribed,
	// its subscription counts, and whether EXEC is running queued commands.
	ps     *psOut
	subs   pubsub.Counts
	inExec bool
	// psA is ps for other goroutines (tracking's queuePush); pushEarly
	// and pushWanted serve a redirection target that has no queue yet
	// (tracking_redirect.go).
	psA        atomic.Pointer[psOut]
	pushEarly  []byte
	pushWanted atomic.Bool

	// CLIENT REPLY (reply.go).
	replyOff, replySkip, replySkipNext, silenced bool
	replyOnRan                                   bool // CLIENT REPLY ON ran in the silenced command (reply.go)

	proto   uint8 // 2 or 3
	db      int   // the SELECTed database, carried by every kv.Cmd
	authed  bool  // Redis's c->authenticated
	noEvict bool

	// MULTI/WATCH state.
	inMulti     bool
	txDirty     bool // a command failed to queue: EXEC aborts
	queued      [][][]byte
	queuedSpecs []*kv.Spec
	watches     []kv.Watch

	// Read by other goroutines.
	name       atomic.Pointer[string]
	lastCmd    atomic.Pointer[string]
	lastActive atomic.Int64 // coarse Unix ns of the last input
	writeSince atomic.Int64 // coarse Unix ns a pending write started, 0 when none
	protoA     atomic.Int32
	dbA        atomic.Int32 // db, for CLIENT LIST
	multiA     atomic.Int32 // queued commands, -1 outside MULTI
	noEvictA   atomic.Bool
	monitorA   atomic.Bool  // a MONITOR connection (monitor.go)
	peerA      atomic.Bool  // a peer link: a kv.FlagPeer command succeeded on it
	blockedA   atomic.Bool  // waiting for a blocking command's reply (blocking.go)
	noloopA    atomic.Bool  // tracks with NOLOOP: its commands carry its kv.Origin (tracking.go)
	subsA      atomic.Int32 // subscriptions of every kind
	chanA      atomic.Int32
	patA       atomic.Int32
	shardA     atomic.Int32
	qbufA      atomic.Int64 // query buffer bytes from the running command on (CLIENT LIST qbuf)
	// Counters for INFO stats, per connection so that the hot path touches
	// no shared cache line (Server.totals sums them).
	cmdsDone atomic.Int64
	netIn    atomic.Int64
	netOut   atomic.Int64
	mem      clientMem // CLIENT LIST's memory fields (clientmem.go)

	// The ACL user (acl.go): every kv.Cmd carries it; userA is its copy
	// for CLIENT LIST.
	user  string
	userA atomic.Pointer[string]
}

func newConn(s *Server, nc net.Conn, id int64) *conn {
	c := &conn{
		srv:       s,
		nc:        nc,
		id:        id,
		addr:      nc.RemoteAddr().String(),
		laddr:     nc.LocalAddr().String(),
		fd:        -1,
		killed:    make(chan struct{}),
		createdNs: s.now.Load(),
		r:         newSockReader(nc),
		p:         newReqParser(readBufferSize),
		proto:     2,
		groupMax:  initialGroupCmds,
		authed:    s.aclState().DefaultNoPass(s.getRequirePass()),
		user:      "default",
	}
	if sc, ok := nc.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			_ = raw.Control(func(fd uintptr) { c.fd = int(fd) })
		}
	}
	c.w = *kv.NewWriter(make([]byte, 0, readBufferSize), 2)
	c.protoA.Store(2)
	c.multiA.Store(-1)
	c.lastActive.Store(c.createdNs)
	c.noteBuffers()
	return c
}

// kill closes the connection from any goroutine: it stops counting as a
// client at once (INFO, CLIENT LIST, CLIENT KILL), a blocked command stops
// waiting, and the serve loop ends at its next read or write.
func (c *conn) kill() {
	if c.killedA.CompareAndSwap(false, true) {
		close(c.killed)
	}
	_ = c.nc.Close()
}

// gone reports whether the connection is being closed or its client has
// closed its side (the serve loop may not have noticed yet).
func (c *conn) gone() bool { return c.killedA.Load() || peerClosed(c.fd) }

// peer reports whether the connection is another cluster member's link
// (kv.FlagPeer): the cluster's own traffic, such as the leader's term
// probes and a follower's forwarded batches, not a client. INFO counts
// peer links apart (cluster_connections), filtered CLIENT KILLs pass them
// over and the idle timeout spares them, as Redis does with its
// replication links; CLIENT LIST shows them (cmd=redraft.forward) and
// CLIENT KILL ID or ADDR closes one, which the member then dials again.
func (c *conn) peer() bool { return c.peerA.Load() }

func sortConns(cs []*conn) { sort.Slice(cs, func(i, j int) bool { return cs[i].id < cs[j].id }) }

// serve runs the connection until the client leaves, misbehaves or the
// server closes.
func (c *conn) serve() {
	defer c.srv.wg.Done()
	defer func() {
		c.stopTracking()
		c.psFinish()
		c.kill()
		c.srv.remove(c)
	}()
	err := c.r.readLoop(c.p.free, c.received)
	for c.pushQueueWanted(err) {
		err = c.r.readLoop(c.p.free, c.received)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.srv.log.Debug("resp: read failed", "id", c.id, "addr", c.addr, "err", err)
	}
}

// received handles n new bytes at the end of the read buffer: it runs the
// commands, writes the replies and makes room for the next read. It
// reports false when the connection must close.
func (c *conn) received(n int) bool {
	c.p.end += n
	c.netIn.Add(int64(n))
	c.lastActive.Store(c.srv.now.Load())
	stop := c.process()
	if c.w.Len() > 0 {
		c.flush()
	}
	if stop || c.dead {
		return false
	}
	c.p.resetArgs()
	if err := c.p.compact(c.srv.cfg.QueryBufferMax); err != nil {
		c.srv.log.Warn("resp: closing client that reached max query buffer length",
			"id", c.id, "addr", c.addr, "pending_bytes", c.p.pending())
		return false
	}
	c.noteBuffers()
	c.lastActive.Store(c.srv.now.Load())
	return true
}

// process parses and runs every complete command in the read buffer. It
// reports whether the connection must close once the replies are written.
func (c *conn) process() (stop bool) {
	p := c.p
	p.maxBulk = c.srv.protoMaxBulkLen.Load()
	n := 0
	defer func() {
		c.cmdsDone.Add(int64(n))
		if c.last != nil {
			c.lastCmd.Store(c.last)
		}
	}()
	for {
		p.unauth = c.authRequired()
		begin := p.start // the next command's first byte
		args, err := p.next()
		if err != nil {
			c.flushGroup()
			c.w.Error("ERR " + err.Error())
			c.srv.log.Debug("resp: protocol error", "id", c.id, "addr", c.addr, "err", err)
			return true
		}
		if args == nil {
			break
		}
		n++
		c.qbufA.Store(int64(p.end - begin))
		c.dispatch(args)
		if c.quit {
			c.flushGroup()
			return true
		}
		if len(c.pending) >= c.groupMax {
			c.flushGroup()
		}
		if c.w.Len() >= flushBytes {
			if !c.flush() {
				return true
			}
		}
	}
	c.flushGroup()
	c.qbufA.Store(0)
	return false
}

// authRequired is Redis's authRequired: a password is set and the client
// has not authenticated.
func (c *conn) authRequired() bool {
	return !c.authed && !c.srv.aclState().DefaultNoPass(c.srv.getRequirePass())
}

// dispatch validates one command as Redis's processCommand does (existence,
// subcommand, arity, authentication, MULTI queueing) and then queues it,
// adds it to the pending group, or runs it at the edge.
func (c *conn) dispatch(args [][]byte) {
	if c.replyOff || c.replySkip {
		c.dispatchSilenced(args)
	} else {
		c.dispatchCmd(args)
	}
	if c.replySkipNext {
		c.replySkipNext, c.replySkip = false, true
	}
}

func (c *conn) dispatchCmd(args [][]byte) {
	c.curArgs = args
	spec := kv.Lookup(args[0])
	if spec == nil {
		c.last = nil
		c.reject(nil, kv.ErrUnknownCommand(args[0], args[1:]))
		return
	}
	c.last = &spec.Name
	isEdge := spec.Flags&kv.FlagEdge != 0
	if edge := edgeBySpec[spec]; isEdge && edge != nil {
		if edge.subs != nil && len(args) >= 2 {
			sub := edge.subs[lowerASCII(args[1])]
			if sub == nil {
				c.reject(spec, kv.ErrUnknownSubcommand(args[1], spec.Name))
				return
			}
			c.last = &sub.full
			if !arityOK(sub.arity, len(args)) {
				c.reject(spec, kv.ErrArity(sub.full))
				return
			}
		}
	}
	if !spec.CheckArity(len(args)) {
		c.reject(spec, kv.ErrArity(spec.Name))
		return
	}
	if spec.Name == "acl" {
		if msg := aclArity(args); msg != "" {
			c.reject(spec, msg)
			return
		}
	}
	if c.authRequired() && spec.Flags&kv.FlagNoAuth == 0 {
		c.reject(spec, kv.ErrNoAuth)
		return
	}
	if !c.inMulti && (spec.Name == "script" || spec.Name == "function") && c.killCommand(spec, args) {
		return
	}
	if !c.inMulti && spec.Name == "function" && len(args) == 2 && kv.EqualFold(args[1], "STATS") && c.functionStats() {
		return
	}
	if c.srv.scripts.n.Load() != 0 && !allowedWhileBusy(spec, args) {
		if msg := c.srv.scripts.wait(c, c.srv.ctx.Done()); msg != "" {
			c.reject(spec, msg)
			return
		}
	}
	if c.inMulti && spec.Flags&kv.FlagNoMulti != 0 {
		c.reject(spec, "ERR Command not allowed inside a transaction")
		return
	}
	if msg, closed := c.aclCheck(args); closed {
		return
	} else if msg != "" {
		c.reject(spec, msg)
		return
	}
	if !c.inMulti && spec.Name == "acl" && c.aclAtEdge(args) {
		return
	}
	if c.subscribedRESP2() {
		if !allowedSubscribed(spec) {
			c.reject(spec, errSubscribedText(*c.last))
			return
		}
		if spec.Name == "ping" {
			c.flushGroup()
			c.subscribedPing(args)
			return
		}
	}
	if c.inMulti && !isTxControl(spec) {
		c.queue(args, spec)
		return
	}
	if !isEdge && spec.IsBlockingArgs(args) && c.runBlocking(args) {
		return
	}
	if !isEdge {
		c.cmds = append(c.cmds, kv.Cmd{Args: args, Proto: c.proto, DB: c.db, User: c.user, Origin: c.origin()})
		c.pending = append(c.pending, &c.cmds[len(c.cmds)-1])
		return
	}
	c.flushGroup()
	c.runEdge(spec, args)
}

// runEdge runs a validated edge command, its reply going after everything
// before it: the edge's own commands here, others (kv.FlagEdge commands
// registered by another package, such as the replicated node's RAFT) by the
// executor when it implements EdgeHandler.
func (c *conn) runEdge(spec *kv.Spec, args [][]byte) {
	c.w.Proto = int(c.proto)
	before, start := c.w.Len(), time.Now()
	defer func() {
		// A subscribed connection's edge commands move the output to its
		// queue (pubsub.go): then the reply is not in c.w to inspect.
		var reply []byte
		if out := c.w.Bytes(); len(out) >= before {
			reply = out[before:]
		}
		c.countEdge(spec, args, reply, time.Since(start).Microseconds())
		// A peer command answers a bulk string when it succeeds (an
		// error is '-', or '!' in RESP3).
		if spec.Flags&kv.FlagPeer != 0 && len(reply) > 0 && reply[0] == '$' && !c.peerA.Load() {
			c.peerA.Store(true)
		}
		if c.srv.mon.active() {
			c.monitorCmd(spec, args, c.db)
		}
	}()
	if e := edgeBySpec[spec]; e != nil {
		if e.subs != nil && len(args) >= 2 {
			e.subs[lowerASCII(args[1])].run(c, args)
			return
		}
		e.run(c, args)
		return
	}
	if c.srv.edge != nil && c.srv.edge.HandleEdge(c.srv.ctx, args, &c.w) {
		return
	}
	if h := localEdge[spec]; h != nil {
		h(c, args)
		return
	}
	c.w.Error("ERR command '" + spec.Name + "' is not allowed here")
}

// reject answers a command that failed validation. Inside MULTI the
// transaction is flagged so that EXEC aborts; a rejected EXEC aborts it at
// once, as Redis's execCommandAbort does.
func (c *conn) reject(spec *kv.Spec, msg string) {
	c.flushGroup()
	c.countRejected(spec, c.curArgs, msg)
	if spec != nil && spec.Name == "exec" {
		c.discardTx()
		c.w.Error("EXECABORT Transaction discarded because of: " + trimERR(msg))
		return
	}
	if c.inMulti {
		c.txDirty = true
	}
	c.w.Error(msg)
}

// flushGroup executes the pending keyspace commands.
func (c *conn) flushGroup() {
	if len(c.pending) == 0 {
		return
	}
	if c.srv.mon.active() {
		c.flushGroupMonitored()
		return
	}
	if c.ps != nil {
		c.flushGroupSubscribed()
		return
	}
	c.execGroup(c.pending)
	c.pending = c.pending[:0]
	c.cmds = c.cmds[:0]
}

// execGroup sends a group of keyspace commands to the executor.
func (c *conn) execGroup(pending []*kv.Cmd) {
	before, start := c.w.Len(), time.Now()
	script, function := false, false
	var scriptArgs [][]byte
	for _, p := range pending {
		// Only scripts SCRIPT KILL can stop make other clients BUSY:
		// read-only ones (as the executor classifies them: EVALSHA of a
		// no-writes script is one), and write ones on an executor without
		// replicas (busy.go). A write script that runs in the log cannot be
		// killed; other clients wait for it instead.
		if s, f := scriptKind(strings.ToLower(string(p.Args[0]))); s {
			if spec := kv.Lookup(p.Args[0]); spec != nil && (!c.srv.isWrite(spec, p.Args) || c.srv.writeScriptsKillable()) {
				if !script {
					scriptArgs = p.Args
				}
				script, function = true, f
			}
		}
	}
	if script {
		c.srv.scripts.begin(c, function, scriptArgs)
		defer c.srv.scripts.end(c)
	}
	c.srv.exec.Execute(c.srv.ctx, pending, &c.w)
	c.countGroup(pending, c.w.Bytes()[before:], time.Since(start))
	if avg := (c.w.Len() - before) / len(pending); avg > 0 {
		c.groupMax = min(max(groupReplyBytes/avg, 1), maxGroupCmds)
	}
}

// flush writes the pending replies. It reports false, and marks the
// connection dead, when the client is gone or has too much output pending.
func (c *conn) flush() bool {
	if c.ps != nil {
		ok := c.ps.write(c.w.Bytes())
		c.w.Reset()
		if !ok {
			c.dead = true
		}
		return ok
	}
	b := c.w.Bytes()
	if int64(len(b)) > c.srv.cfg.OutputBufferMax {
		c.srv.log.Warn("resp: closing client that reached its output buffer limit",
			"id", c.id, "addr", c.addr, "pending_bytes", len(b))
		c.dead = true
		return false
	}
	total := len(b)
	for len(b) > 0 {
		chunk := min(len(b), writeChunk)
		c.writeSince.Store(c.srv.now.Load())
		n, err := c.nc.Write(b[:chunk])
		b = b[n:]
		if err != nil {
			c.writeSince.Store(0)
			c.dead = true
			return false
		}
	}
	c.writeSince.Store(0)
	c.netOut.Add(int64(total))
	if cap(c.w.Bytes()) > writeBufferKeep {
		c.w.SetBuffer(make([]byte, 0, readBufferSize))
	} else {
		c.w.Reset()
	}
	return true
}

func arityOK(arity, argc int) bool {
	if arity >= 0 {
		return argc == arity
	}
	return argc >= -arity
}

// trimERR drops the generic "ERR " code, as Redis does when it quotes an
// error inside another one.
func trimERR(msg string) string {
	if len(msg) > 4 && msg[:4] == "ERR " {
		return msg[4:]
	}
	return msg
}

// lowerASCII returns b in lower case as a string (subcommand lookup).
func lowerASCII(b []byte) string {
	var buf [32]byte
	if len(b) > len(buf) {
		return string(b) // never a subcommand name
	}
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			ch += 32
		}
		buf[i] = ch
	}
	return string(buf[:len(b)])
}
