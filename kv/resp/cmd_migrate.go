package resp

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"redraft/kv"
)

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
// [AUTH password] [AUTH2 username password] [KEYS key [key ...]], as Redis
// 7.0's migrateCommand: the node serializes the keys (DUMP payloads),
// connects as a client to the target, sends one RESTORE per key (REPLACE
// and the remaining TTL included) and, unless COPY, deletes the keys the
// target acknowledged.
//
// The network I/O happens here, on the client's connection goroutine,
// never inside the state machine: the keys are read with one
// redraft.migrate-dump (a read, behind the executor's read barrier, so they
// all come from one state) and deleted with one redraft.migrate-del (a
// write, through the log on a replicated node), which deletes only the keys
// still holding the version that was sent (kv/cmd_migrate.go). While it
// talks to the target only this client waits (Redis's whole server does).
//
// Connections to targets are cached per host:port as in Redis (at most
// migrateCacheMax, closed after migrateIdleMax unused; INFO stats reports
// migrate_cached_sockets), and remember the database they last SELECTed.
// One MIGRATE at a time uses a cached connection; another one to the same
// target meanwhile opens its own, uncached.

const (
	// migrateCacheMax is Redis's MIGRATE_SOCKET_CACHE_ITEMS.
	migrateCacheMax = 64
	// migrateIdleMax is Redis's MIGRATE_SOCKET_CACHE_TTL: a cached
	// connection unused for longer is closed by the cron.
	migrateIdleMax = 10 * time.Second
	// migrateDefaultTimeout replaces a timeout <= 0, as in Redis.
	migrateDefaultTimeout = 1000 * time.Millisecond
	// migrateWriteChunk is the size of each write to the target (Redis
	// writes its buffer in 64 KiB pieces, each under the timeout).
	migrateWriteChunk = 64 << 10
)

// MIGRATE error replies (Redis 7.0's texts).
const (
	errMigrateKeysArg  = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
	errMigrateConnect  = "IOERR error or timeout connecting to the client"
	errMigrateWriting  = "IOERR error or timeout writing to target instance"
	errMigrateReading  = "IOERR error or timeout reading to target instance"
	errMigrateTargetFm = "ERR Target instance replied with error: "
)

func init() {
	s := &kv.Spec{Name: "migrate", Arity: -6, Flags: kv.FlagEdge | kv.FlagWrite,
		FirstKey: 3, LastKey: 3, Step: 1, Group: "generic", Since: "2.6.0",
		Summary:  "Atomically transfer a key from a Redis instance to another one.",
		KeysFunc: migrateKeys}
	kv.Register(s)
	localEdge[s] = (*conn).cmdMigrate
	describeLocalEdge(s)
}

// migrateKeys locates MIGRATE's keys: the key argument, or the ones after
// KEYS (getKeysProc: AUTH's and AUTH2's arguments are not keywords).
func migrateKeys(args [][]byte) [][]byte {
	refs, _ := getKeysProc("migrate", args)
	keys := make([][]byte, 0, len(refs))
	for _, r := range refs {
		if len(args[r.pos]) > 0 {
			keys = append(keys, args[r.pos])
		}
	}
	return keys
}

// migrateReq is a parsed MIGRATE.
type migrateReq struct {
	host, port         string
	db                 int64
	timeout            time.Duration
	copy, replace      bool
	username, password []byte
	auth, auth2        bool
	keys               [][]byte
}

// parseMigrate validates args as Redis does, in its order; it returns the
// error text on failure.
func parseMigrate(args [][]byte) (migrateReq, string) {
	r := migrateReq{host: string(args[1]), port: string(args[2]), keys: args[3:4]}
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch a := args[j]; {
		case kv.EqualFold(a, "COPY"):
			r.copy = true
		case kv.EqualFold(a, "REPLACE"):
			r.replace = true
		case kv.EqualFold(a, "AUTH"):
			if more < 1 {
				return r, kv.ErrSyntax
			}
			j++
			r.auth, r.password = true, args[j]
		case kv.EqualFold(a, "AUTH2"):
			if more < 2 {
				return r, kv.ErrSyntax
			}
			r.auth2, r.username, r.password = true, args[j+1], args[j+2]
			j += 2
		case kv.EqualFold(a, "KEYS"):
			if len(args[3]) != 0 {
				return r, errMigrateKeysArg
			}
			r.keys = args[j+1:]
			j = len(args)
		default:
			return r, kv.ErrSyntax
		}
	}
	timeout, ok := kv.ParseInt(args[5])
	if !ok {
		return r, kv.ErrNotInteger
	}
	db, ok := kv.ParseInt(args[4])
	if !ok {
		return r, kv.ErrNotInteger
	}
	r.db = db
	if timeout <= 0 {
		r.timeout = migrateDefaultTimeout
	} else {
		r.timeout = time.Duration(min(timeout, int64(time.Duration(1<<62)/time.Millisecond))) * time.Millisecond
	}
	return r, ""
}

// migrateItem is one key to send, as redraft.migrate-dump read it.
type migrateItem struct {
	key     []byte
	version int64
	ttlMs   int64
	payload []byte
}

func (c *conn) cmdMigrate(args [][]byte) {
	req, msg := parseMigrate(args)
	if msg != "" {
		c.w.Error(msg)
		return
	}
	items, msg := c.migrateDump(req.keys)
	if msg != "" {
		c.w.Error(msg)
		return
	}
	if len(items) == 0 {
		c.w.Simple("NOKEY")
		return
	}
	acked, reply := c.srv.migrate.transfer(&req, items)
	if !req.copy && len(acked) > 0 {
		if msg := c.migrateDelete(acked); msg != "" {
			c.w.Error(msg)
			return
		}
	}
	if reply != "" {
		c.w.Error(reply)
		return
	}
	c.w.OK()
}

// migrateDump reads the keys that exist with redraft.migrate-dump.
func (c *conn) migrateDump(keys [][]byte) ([]migrateItem, string) {
	args := append([][]byte{[]byte("redraft.migrate-dump")}, keys...)
	w := kv.NewWriter(nil, 2)
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{{Args: args, Proto: 2, DB: c.db}}, w)
	return parseMigrateDump(w.Bytes(), keys)
}

// parseMigrateDump decodes redraft.migrate-dump's reply; an error reply
// (the executor's: CLUSTERDOWN, UNCERTAIN...) is returned as the text.
func parseMigrateDump(b []byte, keys [][]byte) ([]migrateItem, string) {
	r := bufio.NewReader(bytes.NewReader(b))
	bad := "ERR internal error reading the keys to migrate"
	line := func() (byte, string, bool) {
		l, err := r.ReadString('\n')
		if err != nil || len(l) < 3 {
			return 0, "", false
		}
		return l[0], strings.TrimSuffix(l[1:], "\r\n"), true
	}
	num := func(want byte) (int64, bool) {
		t, s, ok := line()
		if !ok || t != want {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	t, s, ok := line()
	if ok && t == '-' {
		return nil, s
	}
	if !ok || t != '*' || s != strconv.Itoa(len(keys)) {
		return nil, bad
	}
	var items []migrateItem
	for _, k := range keys {
		n, ok := num('*')
		if !ok {
			return nil, bad
		}
		if n < 0 {
			continue
		}
		it := migrateItem{key: k}
		var ok1, ok2 bool
		it.version, ok1 = num(':')
		it.ttlMs, ok2 = num(':')
		size, ok3 := num('$')
		if n != 3 || !ok1 || !ok2 || !ok3 || size < 0 {
			return nil, bad
		}
		it.payload = make([]byte, size+2)
		if _, err := io.ReadFull(r, it.payload); err != nil {
			return nil, bad
		}
		it.payload = it.payload[:size]
		items = append(items, it)
	}
	return items, ""
}

// migrateDelete deletes the acknowledged keys that still hold the version
// that was sent; it returns the executor's error text, if any.
func (c *conn) migrateDelete(acked []migrateItem) string {
	args := [][]byte{[]byte("redraft.migrate-del")}
	for _, it := range acked {
		args = append(args, it.key, strconv.AppendInt(nil, it.version, 10))
	}
	w := kv.NewWriter(nil, 2)
	c.srv.exec.Execute(c.srv.ctx, []*kv.Cmd{{Args: args, Proto: 2, DB: c.db}}, w)
	if b := w.Bytes(); len(b) > 0 && b[0] == '-' {
		return strings.TrimRight(string(b[1:]), "\r\n")
	}
	return ""
}

// migrateConn is a connection to a target.
type migrateConn struct {
	name    string
	nc      net.Conn
	br      *bufio.Reader
	lastDB  int64 // the database last SELECTed successfully; -1: unknown
	lastUse time.Time
	busy    bool // a MIGRATE is using it
}

// migrateCache holds the cached connections to targets.
type migrateCache struct {
	mu     sync.Mutex
	conns  map[string]*migrateConn
	closed bool
}

// size is INFO's migrate_cached_sockets.
func (m *migrateCache) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.conns)
}

// get returns the cached connection to name, marked busy, or a new one
// (cached when there is room and no other MIGRATE uses the cached one).
func (m *migrateCache) get(name string, timeout time.Duration) (*migrateConn, bool) {
	m.mu.Lock()
	if mc := m.conns[name]; mc != nil && !mc.busy {
		mc.busy, mc.lastUse = true, time.Now()
		m.mu.Unlock()
		return mc, true
	}
	m.mu.Unlock()
	nc, err := net.DialTimeout("tcp", name, timeout)
	if err != nil {
		return nil, false
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	mc := &migrateConn{name: name, nc: nc, br: bufio.NewReader(nc), lastDB: -1, lastUse: time.Now(), busy: true}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		nc.Close()
		return nil, false
	}
	if m.conns == nil {
		m.conns = map[string]*migrateConn{}
	}
	if _, taken := m.conns[name]; !taken {
		if len(m.conns) >= migrateCacheMax {
			m.evictLocked()
		}
		if len(m.conns) < migrateCacheMax {
			m.conns[name] = mc
		}
	}
	return mc, true
}

// evictLocked closes the least recently used idle connection (Redis drops a
// random one).
func (m *migrateCache) evictLocked() {
	var victim *migrateConn
	for _, mc := range m.conns {
		if !mc.busy && (victim == nil || mc.lastUse.Before(victim.lastUse)) {
			victim = mc
		}
	}
	if victim != nil {
		victim.nc.Close()
		delete(m.conns, victim.name)
	}
}

// put hands mc back: kept if it is the cached one and ok, closed otherwise.
func (m *migrateCache) put(mc *migrateConn, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mc.busy = false
	mc.lastUse = time.Now()
	cached := m.conns[mc.name] == mc
	if ok && cached && !m.closed {
		return
	}
	if cached {
		delete(m.conns, mc.name)
	}
	mc.nc.Close()
}

// closeIdle closes the cached connections unused for migrateIdleMax (the
// server's cron calls it).
func (m *migrateCache) closeIdle(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, mc := range m.conns {
		if !mc.busy && now.Sub(mc.lastUse) > migrateIdleMax {
			mc.nc.Close()
			delete(m.conns, name)
		}
	}
}

// closeAll closes every cached connection (Server.Close); a connection in
// use is closed when its MIGRATE hands it back.
func (m *migrateCache) closeAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	for name, mc := range m.conns {
		if !mc.busy {
			mc.nc.Close()
		}
		delete(m.conns, name)
	}
}

// transfer sends the items to the target and returns the ones it
// acknowledged and the error reply ("" for +OK), retrying once on a fresh
// connection when the cached one turns out to be closed, as Redis does.
func (m *migrateCache) transfer(req *migrateReq, items []migrateItem) ([]migrateItem, string) {
	name := net.JoinHostPort(req.host, req.port)
	for attempt := 0; ; attempt++ {
		mc, ok := m.get(name, req.timeout)
		if !ok {
			return nil, errMigrateConnect
		}
		acked, reply, ioErr, retry := m.send(mc, req, items)
		m.put(mc, ioErr == nil)
		if ioErr == nil || !retry || attempt > 0 || isTimeout(ioErr) {
			return acked, reply
		}
	}
}

// send runs one attempt on mc. ioErr is the socket error, if any; retry
// reports whether nothing reached the target so that the attempt may be
// repeated.
func (m *migrateCache) send(mc *migrateConn, req *migrateReq, items []migrateItem) (acked []migrateItem, reply string, ioErr error, retry bool) {
	var buf []byte
	if req.auth2 {
		buf = appendCommand(buf, []byte("AUTH"), req.username, req.password)
	} else if req.auth {
		buf = appendCommand(buf, []byte("AUTH"), req.password)
	}
	selectDB := mc.lastDB != req.db
	if selectDB {
		buf = appendCommand(buf, []byte("SELECT"), strconv.AppendInt(nil, req.db, 10))
	}
	for _, it := range items {
		ttl := strconv.AppendInt(nil, it.ttlMs, 10)
		if req.replace {
			buf = appendCommand(buf, []byte("RESTORE"), it.key, ttl, it.payload, []byte("REPLACE"))
		} else {
			buf = appendCommand(buf, []byte("RESTORE"), it.key, ttl, it.payload)
		}
	}
	for len(buf) > 0 {
		chunk := buf[:min(len(buf), migrateWriteChunk)]
		mc.nc.SetWriteDeadline(time.Now().Add(req.timeout))
		n, err := mc.nc.Write(chunk)
		if err != nil || n != len(chunk) {
			return nil, errMigrateWriting, err, true
		}
		buf = buf[n:]
	}
	readLine := func() (string, error) {
		mc.nc.SetReadDeadline(time.Now().Add(req.timeout))
		b, err := ReadReply(mc.br)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	var authReply, selectReply string
	if req.auth || req.auth2 {
		if authReply, ioErr = readLine(); ioErr != nil {
			return nil, errMigrateReading, ioErr, true
		}
	}
	if selectDB {
		if selectReply, ioErr = readLine(); ioErr != nil {
			return nil, errMigrateReading, ioErr, true
		}
	}
	for j, it := range items {
		r, err := readLine()
		if err != nil {
			// Retry only when no reply came at all.
			return acked, errMigrateReading, err, j == 0 && reply == ""
		}
		var errLine string
		switch {
		case strings.HasPrefix(authReply, "-"):
			errLine = authReply
		case strings.HasPrefix(selectReply, "-"):
			errLine = selectReply
		case strings.HasPrefix(r, "-"):
			errLine = r
		}
		if errLine != "" {
			if reply == "" {
				mc.lastDB = -1
				reply = errMigrateTargetFm + errLine[1:]
			}
			continue
		}
		acked = append(acked, it)
	}
	if reply == "" {
		mc.lastDB = req.db
	}
	return acked, reply, nil, false
}

// appendCommand appends args as a RESP array of bulk strings.
func appendCommand(dst []byte, args ...[]byte) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, "\r\n"...)
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, "\r\n"...)
		dst = append(dst, a...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
