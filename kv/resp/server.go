package resp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"redraft/kv/blocked"
	"redraft/kv/pubsub"
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("resp: server closed")

// errMaxClients is Redis's reply to a connection beyond maxclients.
const errMaxClients = "-ERR max number of clients reached\r\n"

// Server serves the RESP protocol over the listeners handed to Serve,
// running keyspace commands through an Executor.
type Server struct {
	exec Executor
	info InfoProvider // nil when the executor adds no INFO sections
	edge EdgeHandler  // nil when the executor answers no edge commands
	hub  *pubsub.Hub  // the node's subscriptions (the executor's, see PubSubProvider)
	// blocking is the executor's registry of blocked connections (nil:
	// blocking commands never block; see blocking.go).
	blocking *blocked.Registry
	// edgeTx is held (shared) by an EXEC whose transaction has edge
	// commands from before the machine runs it until its edge commands
	// ran; a served blocking command passes it before it is logged and
	// answered (blocking.go).
	edgeTx sync.RWMutex
	cfg    Config // the settings that never change after New
	log    *slog.Logger

	// Settings CONFIG SET may change while connections run.
	requirePass     atomic.Pointer[string]
	maxClients      atomic.Int64
	protoMaxBulkLen atomic.Int64
	idleTimeout     atomic.Int64                            // nanoseconds, 0 = none
	closeCheck      atomic.Int64                            // a blocked connection's closeCheckInterval (tests lengthen it)
	outLimits       atomic.Pointer[[numClasses]outputLimit] // client-output-buffer-limit
	scripts         busyScripts                             // running script commands, busy-reply-threshold (busy.go)
	stored          storedConfig                            // parameters CONFIG SET only stores (config_stored.go)
	confFile        atomic.Pointer[configFile]              // the file CONFIG REWRITE writes (config_file.go)

	ctx    context.Context // cancelled by Close; parent of every Execute
	cancel context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[*conn]struct{}
	nextID    int64
	port      int // first listener's port, for INFO and CONFIG GET
	host      string

	wg       sync.WaitGroup // Serve loops, connections, cron
	cronOnce sync.Once
	cronStop chan struct{}

	// now is a coarse clock (Unix ns) the cron goroutine advances; hot paths
	// read it instead of calling time.Now.
	now     atomic.Int64
	started time.Time
	runID   string
	stats   stats
	// cmdStats are INFO commandstats and errorstats (cmdstats.go).
	cmdStats cmdStats
	mon      monitors     // MONITOR connections (monitor.go)
	trk      tracking     // CLIENT TRACKING (tracking.go)
	tls      tlsState     // client TLS (tls.go)
	lastSave atomic.Int64 // Unix seconds of the last SAVE/BGSAVE (LASTSAVE)
	// savedChanges is the hub's change count when the last SAVE/BGSAVE
	// started (INFO's rdb_changes_since_last_save, cmd_save.go).
	savedChanges atomic.Int64
	bgsave       atomic.Bool  // a BGSAVE is running
	migrate      migrateCache // MIGRATE's cached connections to targets (cmd_migrate.go)
	acls         aclLog       // the node's ACL LOG (acl.go)
}

// stats are the counters INFO stats reports. commands, netIn and netOut
// hold the counts of closed connections; live connections count their own
// (see totals).
type stats struct {
	connsReceived atomic.Int64
	rejected      atomic.Int64
	commands      atomic.Int64
	netIn         atomic.Int64
	netOut        atomic.Int64
	peakMemory    atomic.Uint64

	// Instantaneous ops/sec, as Redis computes it: the average of the last
	// opsSamples samples taken every cronInterval.
	opsMu      sync.Mutex
	opsSamples [16]float64
	opsIdx     int
	opsLastCmd int64
	opsLastT   time.Time
}

// New returns a server running keyspace commands through exec.
func New(exec Executor, cfg Config) *Server {
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		exec:      exec,
		cfg:       cfg,
		log:       cfg.Logger,
		ctx:       ctx,
		cancel:    cancel,
		listeners: map[net.Listener]struct{}{},
		conns:     map[*conn]struct{}{},
		cronStop:  make(chan struct{}),
		started:   time.Now(),
		runID:     randomHex(20),
	}
	s.closeCheck.Store(int64(closeCheckInterval))
	if p, ok := exec.(InfoProvider); ok {
		s.info = p
	}
	if h, ok := exec.(EdgeHandler); ok {
		s.edge = h
	}
	if p, ok := exec.(BlockingProvider); ok {
		s.blocking = p.Blocking()
		if s.blocking != nil {
			s.blocking.OnServe(s.trk.holdFor) // tracking_hold.go
		}
	}
	if l, ok := exec.(LocalExecutor); ok {
		s.trk.local = l.ExecutesLocally()
	}
	if p, ok := exec.(PubSubProvider); ok {
		s.hub = p.PubSub()
	} else {
		s.hub = pubsub.New()
	}
	s.hub.SetScriptObserver(s.scriptCommand)
	s.trk.init()
	s.hub.SetKeyObserver(&s.trk)
	s.outLimits.Store(&defaultOutputLimits)
	pass := cfg.RequirePass
	s.requirePass.Store(&pass)
	s.maxClients.Store(int64(cfg.MaxClients))
	s.protoMaxBulkLen.Store(cfg.ProtoMaxBulkLen)
	s.idleTimeout.Store(int64(cfg.IdleTimeout))
	s.scripts.limit.Store(defaultBusyReplyThreshold)
	s.now.Store(time.Now().UnixNano())
	s.lastSave.Store(s.started.Unix())
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Serve accepts connections on ln until Close (then it returns
// ErrServerClosed) or until ln fails. Serve may be called for several
// listeners. ln is closed when Serve returns.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	if s.port == 0 {
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			s.port = a.Port
			s.host = a.IP.String()
		}
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	s.cronOnce.Do(func() {
		s.wg.Add(1)
		go s.cron()
	})

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if isTemporary(err) {
				// Out of file descriptors and similar: wait and retry,
				// as net/http does.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("resp: accept failed; retrying", "err", err, "delay", backoff)
				select {
				case <-time.After(backoff):
				case <-s.ctx.Done():
				}
				continue
			}
			return err
		}
		backoff = 0
		s.accept(nc)
	}
}

// isTemporary reports a transient accept failure (EMFILE, ENFILE,
// ECONNABORTED...): syscall.Errno still answers Temporary.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// accept registers a new connection and starts its goroutine, or refuses it
// when the server is full or closed.
func (s *Server) accept(nc net.Conn) {
	s.stats.connsReceived.Add(1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if int64(len(s.conns)) >= s.maxClients.Load() {
		s.mu.Unlock()
		s.stats.rejected.Add(1)
		// Best effort, as Redis: the client may not read it.
		_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = nc.Write([]byte(errMaxClients))
		nc.Close()
		return
	}
	s.nextID++
	c := newConn(s, nc, s.nextID)
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go c.serve()
}

// remove unregisters a closed connection, keeping its counts.
func (s *Server) remove(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.stats.commands.Add(c.cmdsDone.Load())
	s.stats.netIn.Add(c.netIn.Load())
	s.stats.netOut.Add(c.netOut.Load())
	s.mu.Unlock()
}

// totals returns the commands processed and the bytes read and written,
// over closed and live connections.
func (s *Server) totals() (cmds, in, out int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmds, in, out = s.stats.commands.Load(), s.stats.netIn.Load(), s.stats.netOut.Load()
	for c := range s.conns {
		cmds += c.cmdsDone.Load()
		in += c.netIn.Load()
		out += c.netOut.Load()
	}
	return cmds, in, out
}

// resetTotals zeroes the counts totals sums (CONFIG RESETSTAT).
func (s *Server) resetTotals() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.commands.Store(0)
	s.stats.netIn.Store(0)
	s.stats.netOut.Store(0)
	for c := range s.conns {
		c.cmdsDone.Store(0)
		c.netIn.Store(0)
		c.netOut.Store(0)
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close stops the server: listeners and connections are closed, running
// Execute calls see their context cancelled, and Close returns once every
// goroutine the server started has ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	// Cancelled first: closing a connection waits for its serve loop to
	// leave the read callback, which a command waiting in the executor or
	// a blocked command does only once told to.
	s.cancel()
	for _, c := range conns {
		c.kill()
	}
	s.migrate.closeAll()
	close(s.cronStop)
	s.wg.Wait()
	return nil
}

// Addrs returns the addresses of the listeners being served.
func (s *Server) Addrs() []net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []net.Addr
	for ln := range s.listeners {
		out = append(out, ln.Addr())
	}
	return out
}

// snapshotConns returns the live connections sorted by id.
func (s *Server) snapshotConns() []*conn {
	s.mu.Lock()
	out := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		out = append(out, c)
	}
	s.mu.Unlock()
	sortConns(out)
	return out
}

// liveConns is snapshotConns without the connections being closed or
// closed by their clients, which Redis would have freed already but whose
// serve loops have not ended yet: the clients CLIENT LIST and CLIENT KILL
// see. It peeks at each connection's socket.
func (s *Server) liveConns() []*conn {
	all := s.snapshotConns()
	out := all[:0]
	for _, c := range all {
		if !c.gone() {
			out = append(out, c)
		}
	}
	return out
}

// numConns is INFO's connected_clients and cluster_connections: the live
// connections, as liveConns counts them, apart from the peer links, and
// the live peer links.
func (s *Server) numConns() (clients, peers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		switch {
		case c.gone():
		case c.peer():
			peers++
		default:
			clients++
		}
	}
	return clients, peers
}

// cron is the housekeeping goroutine: it advances the coarse clock, samples
// the command rate, and closes idle clients and clients that stopped
// reading their replies.
func (s *Server) cron() {
	defer s.wg.Done()
	t := time.NewTicker(cronInterval)
	defer t.Stop()
	for {
		select {
		case <-s.cronStop:
			return
		case now := <-t.C:
			s.now.Store(now.UnixNano())
			s.sampleOps(now)
			s.closeStuckClients(now.UnixNano())
			s.migrate.closeIdle(now)
			s.aclCron()
		}
	}
}

func (s *Server) sampleOps(now time.Time) {
	st := &s.stats
	st.opsMu.Lock()
	defer st.opsMu.Unlock()
	cmds, _, _ := s.totals()
	if !st.opsLastT.IsZero() {
		dt := now.Sub(st.opsLastT).Seconds()
		if dt > 0 {
			st.opsSamples[st.opsIdx] = float64(cmds-st.opsLastCmd) / dt
			st.opsIdx = (st.opsIdx + 1) % len(st.opsSamples)
		}
	}
	st.opsLastCmd, st.opsLastT = cmds, now
}

func (s *Server) instantaneousOps() int64 {
	st := &s.stats
	st.opsMu.Lock()
	defer st.opsMu.Unlock()
	var sum float64
	for _, v := range st.opsSamples {
		sum += v
	}
	return int64(sum / float64(len(st.opsSamples)))
}

// closeStuckClients enforces the idle timeout and the output stall timeout.
func (s *Server) closeStuckClients(now int64) {
	idle := s.idleTimeout.Load()
	stall := int64(s.cfg.OutputStallTimeout)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if w := c.writeSince.Load(); w != 0 && stall > 0 && now-w > stall {
			s.log.Info("resp: closing client that stopped reading its replies", "id", c.id, "addr", c.addr)
			c.kill()
			continue
		}
		// As in Redis, the idle timeout spares blocked clients (their
		// command has its own timeout), subscribed ones and the links of
		// the cluster (peer links here, replication links there).
		if idle > 0 && now-c.lastActive.Load() > idle && !c.blockedA.Load() && c.subsA.Load() == 0 && !c.peer() {
			s.log.Debug("resp: closing idle client", "id", c.id, "addr", c.addr)
			c.kill()
		}
	}
}

func (s *Server) getRequirePass() string { return *s.requirePass.Load() }

// RequirePass returns the password clients must AUTH with ("" for none),
// as CONFIG SET requirepass last set it.
func (s *Server) RequirePass() string { return s.getRequirePass() }
