package resp

import (
	"flag"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"redraft/kv"
)

var againstRedisPass = flag.String("against-redis-pass", "", "run the requirepass transcripts against this redis-server (requirepass secret)")

var passTranscripts = []transcript{
	{name: "noauth", in: "GET a\r\nfoo\r\nGET\r\nHELLO\r\nHELLO 3\r\nAUTH x\r\nAUTH secret x y\r\nAUTH default secret\r\nGET t:none\r\n",
		out: "-NOAUTH Authentication required.\r\n-ERR unknown command 'foo', with args beginning with: \r\n" +
			"-ERR wrong number of arguments for 'get' command\r\n" + errHelloNoAuthR + errHelloNoAuthR +
			"-WRONGPASS invalid username-password pair or user is disabled.\r\n-ERR syntax error\r\n+OK\r\n$-1\r\n"},
	{name: "auth one arg", in: "AUTH secret\r\nGET t:none\r\n", out: "+OK\r\n$-1\r\n"},
	{name: "auth wrong user", in: "AUTH bob secret\r\nGET t:none\r\n", out: "-WRONGPASS invalid username-password pair or user is disabled.\r\n-NOAUTH Authentication required.\r\n"},
	{name: "hello wrong pass", in: "HELLO 3 AUTH default wrong\r\n", out: "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
	{name: "multi before auth", in: "MULTI\r\nGET a\r\nEXEC\r\nSELECT 0\r\nQUIT\r\n",
		out: "-NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n" +
			"-EXECABORT Transaction discarded because of: NOAUTH Authentication required.\r\n-NOAUTH Authentication required.\r\n+OK\r\n<EOF>"},
	{name: "unauthenticated multibulk", in: "*11\r\n", out: "-ERR Protocol error: unauthenticated multibulk length\r\n<EOF>"},
	{name: "unauthenticated bulk", in: "*2\r\n$16385\r\n", out: "-ERR Protocol error: unauthenticated bulk length\r\n<EOF>"},
	{name: "authenticated bulk", in: "AUTH secret\r\n*3\r\n$3\r\nSET\r\n$5\r\nt:big\r\n$16385\r\n" + strings.Repeat("x", 16385) + "\r\nGET t:none\r\n", out: "+OK\r\n+OK\r\n$-1\r\n"},
	{name: "reset deauthenticates", in: "RESET\r\nAUTH secret\r\nRESET\r\nGET a\r\n", out: "+RESET\r\n+OK\r\n+RESET\r\n-NOAUTH Authentication required.\r\n"},
}

const errHelloNoAuthR = "-" + errHelloNoAuth + "\r\n"

func TestTranscriptRequirePass(t *testing.T) {
	var ts *testServer
	if *againstRedisPass == "" {
		if *againstRedis != "" {
			t.Skip("needs -against-redis-pass")
		}
		ts = startServer(t, Config{RequirePass: "secret"})
	}
	for _, tc := range passTranscripts {
		t.Run(tc.name, func(t *testing.T) {
			var c *client
			if ts != nil {
				c = dialAddr(t, ts.addr)
			} else {
				c = dialAddr(t, *againstRedisPass)
			}
			c.send(tc.in)
			if strings.HasSuffix(tc.out, "<EOF>") {
				if got := c.readN(1<<30, 5*time.Second); got != tc.out {
					t.Fatalf("got  %q\nwant %q", got, tc.out)
				}
				return
			}
			c.expect(tc.out)
		})
	}
}

// helloReply is the exact HELLO reply for a client id and protocol.
func helloReply(id string, proto int) string {
	head := "*14\r\n"
	if proto == 3 {
		head = "%7\r\n"
	}
	return head + "$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:" + itoa(proto) + "\r\n" +
		"$2\r\nid\r\n:" + id + "\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
}

func TestHelloAndRESP3(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	id := strings.TrimSuffix(strings.TrimPrefix(c.do("CLIENT ID\r\n"), ":"), "\r\n")
	steps := []struct{ in, want string }{
		{"HELLO\r\n", helloReply(id, 2)},
		{"HELLO 3 SETNAME x\r\n", helloReply(id, 3)},
		{"GET t:none\r\n", "_\r\n"},
		{"INFO nosuch\r\n", "=4\r\ntxt:\r\n"},
		{"CONFIG GET timeout\r\n", "%1\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
		{"COMMAND INFO nosuch\r\n", "*1\r\n_\r\n"},
		{"COMMAND DOCS nosuch\r\n", "%0\r\n"},
		{"CLIENT LIST ID 999999\r\n", "=4\r\ntxt:\r\n"},
		{"CLIENT GETNAME\r\n", "$1\r\nx\r\n"},
		{"MULTI\r\n", "+OK\r\n"},
		{"GET t:none\r\n", "+QUEUED\r\n"},
		{"EXEC\r\n", "*1\r\n_\r\n"},
		{"WATCH t:w\r\n", "+OK\r\n"},
		{"SET t:w 1\r\n", "+OK\r\n"},
		{"MULTI\r\n", "+OK\r\n"},
		{"EXEC\r\n", "_\r\n"},
		{"HELLO 2\r\n", helloReply(id, 2)},
		{"GET t:none\r\n", "$-1\r\n"},
		{"HELLO 3\r\n", helloReply(id, 3)},
		{"RESET\r\n", "+RESET\r\n"},
		{"GET t:none\r\n", "$-1\r\n"},
		{"CLIENT GETNAME\r\n", "$-1\r\n"},
	}
	for _, s := range steps {
		if got := c.do(s.in); got != s.want {
			t.Fatalf("%q: got %q, want %q", s.in, got, s.want)
		}
	}
}

func TestHelloAuth(t *testing.T) {
	ts := startServer(t, Config{RequirePass: "secret"})
	c := ts.dial()
	want := regexp.MustCompile(`(?s)^%7\r\n.*\$5\r\nproto\r\n:3\r\n\$2\r\nid\r\n:\d+\r\n`)
	if got := c.do("HELLO 3 AUTH default secret SETNAME app\r\n"); !want.MatchString(got) {
		t.Fatalf("got %q", got)
	}
	if got := c.do("CLIENT GETNAME\r\n"); got != "$3\r\napp\r\n" {
		t.Fatalf("got %q", got)
	}
}

var clientLine = regexp.MustCompile(`^id=(\d+) addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=(\S*) age=\d+ idle=\d+ flags=(\w+) db=0 sub=0 psub=0 ssub=0 ` +
	`multi=(-?\d+) qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=\d+ rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=rw? cmd=(\S+) user=default redir=-1 resp=(\d)$`)

func TestClientListAndInfo(t *testing.T) {
	ts := startServer(t, Config{})
	a, b := ts.dial(), ts.dial()
	a.do("CLIENT SETNAME alpha\r\n")
	b.do("HELLO 3\r\n")
	b.do("MULTI\r\n")
	b.do("GET x\r\n")
	bulk := func(r string) []string {
		v, _, err := parseValue([]byte(r))
		if err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		return strings.Split(strings.TrimSuffix(v.str, "\n"), "\n")
	}
	info := bulk(a.do("CLIENT INFO\r\n"))
	m := clientLine.FindStringSubmatch(info[0])
	if len(info) != 1 || m == nil {
		t.Fatalf("CLIENT INFO: %q", info)
	}
	if m[2] != "alpha" || m[3] != "N" || m[4] != "-1" || m[5] != "client|info" || m[6] != "2" {
		t.Fatalf("CLIENT INFO fields: %q", m[1:])
	}
	list := bulk(a.do("CLIENT LIST\r\n"))
	if len(list) != 2 {
		t.Fatalf("CLIENT LIST: %q", list)
	}
	m = clientLine.FindStringSubmatch(list[1])
	if m == nil || m[2] != "" || m[3] != "x" || m[4] != "1" || m[5] != "get" || m[6] != "3" {
		t.Fatalf("CLIENT LIST second client: %q", list[1])
	}
	id := m[1]
	if got := bulk(a.do("CLIENT LIST ID " + id + " 12345\r\n")); len(got) != 1 || !strings.HasPrefix(got[0], "id="+id+" ") {
		t.Fatalf("CLIENT LIST ID: %q", got)
	}
	if got := bulk(a.do("CLIENT LIST TYPE normal\r\n")); len(got) != 2 {
		t.Fatalf("CLIENT LIST TYPE normal: %q", got)
	}
}

// infoExecutor adds INFO sections to the local executor.
type infoExecutor struct {
	Executor
}

func (infoExecutor) InfoSections() []InfoSection {
	return []InfoSection{
		{Name: "Replication", Fields: [][2]string{{"role", "master"}, {"raft_state", "leader"}}},
		{Name: "Raft", Fields: [][2]string{{"term", "7"}}},
	}
}

func TestInfo(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	c.do("SET a 1\r\n")
	c.do("SET b 2\r\n")
	text := func(r string) string {
		v, _, err := parseValue([]byte(r))
		if err != nil {
			t.Fatal(err)
		}
		return v.str
	}
	if got, want := text(c.do("INFO keyspace\r\n")), "# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	all := text(c.do("INFO\r\n"))
	var titles []string
	for _, line := range strings.Split(all, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			titles = append(titles, line[2:])
		}
	}
	if got, want := strings.Join(titles, ","), "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Errorstats,Cluster,Keyspace"; got != want {
		t.Fatalf("sections %s, want %s", got, want)
	}
	for _, f := range []string{"redis_version:7.0.0\r\n", "redis_mode:standalone\r\n", "tcp_port:" + ts.addr[strings.LastIndexByte(ts.addr, ':')+1:] + "\r\n",
		"connected_clients:1\r\n", "maxclients:10000\r\n", "used_memory:", "used_memory_human:", "maxmemory_policy:noeviction\r\n",
		"total_connections_received:1\r\n", "role:master\r\n", "used_cpu_user:", "cluster_enabled:0\r\n"} {
		if !strings.Contains(all, f) {
			t.Errorf("INFO lacks %q", f)
		}
	}
	stats := text(c.do("INFO STATS server\r\n"))
	if !strings.HasPrefix(stats, "# Server\r\n") || !strings.Contains(stats, "\r\n\r\n# Stats\r\n") || !strings.Contains(stats, "total_commands_processed:4\r\n") {
		t.Fatalf("INFO stats server: %q", stats)
	}
	c.do("CONFIG RESETSTAT\r\n")
	if s := text(c.do("INFO stats\r\n")); !strings.Contains(s, "total_commands_processed:1\r\n") {
		t.Fatalf("after RESETSTAT: %q", s)
	}
	c.do("HELLO 3\r\n")
	if got := c.do("INFO keyspace\r\n"); got != "=48\r\ntxt:# Keyspace\r\ndb0:keys=2,expires=0,avg_ttl=0\r\n\r\n" {
		t.Fatalf("RESP3 INFO: %q", got)
	}
}

func TestInfoProvider(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(infoExecutor{localExec()}, Config{})
	go func() { ts.done <- ts.srv.Serve(ln) }()
	t.Cleanup(ts.close)
	c := ts.dial()
	v, _, _ := parseValue([]byte(c.do("INFO replication raft keyspace\r\n")))
	if want := "# Replication\r\nrole:master\r\nraft_state:leader\r\n\r\n# Raft\r\nterm:7\r\n\r\n# Keyspace\r\n"; v.str != want {
		t.Fatalf("got %q, want %q", v.str, want)
	}
}

func TestWatchFiredByAnotherConnection(t *testing.T) {
	ts := startServer(t, Config{})
	a, b := ts.dial(), ts.dial()
	steps := []struct {
		c        *client
		in, want string
	}{
		{a, "SET k 1\r\n", "+OK\r\n"},
		{a, "WATCH k other\r\n", "+OK\r\n"},
		{b, "SET k 2\r\n", "+OK\r\n"},
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "SET k 3\r\n", "+QUEUED\r\n"},
		{a, "EXEC\r\n", "*-1\r\n"},
		{a, "GET k\r\n", "$1\r\n2\r\n"},
		// The watch is gone after EXEC: the next transaction runs.
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "SET k 3\r\n", "+QUEUED\r\n"},
		{a, "EXEC\r\n", "*1\r\n+OK\r\n"},
		// A watch on a key another client creates fires too.
		{a, "WATCH fresh\r\n", "+OK\r\n"},
		{b, "SET fresh x\r\n", "+OK\r\n"},
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "GET fresh\r\n", "+QUEUED\r\n"},
		{a, "EXEC\r\n", "*-1\r\n"},
		// UNWATCH and DISCARD forget watches.
		{a, "WATCH k\r\n", "+OK\r\n"},
		{b, "SET k 4\r\n", "+OK\r\n"},
		{a, "UNWATCH\r\n", "+OK\r\n"},
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "GET k\r\n", "+QUEUED\r\n"},
		{a, "EXEC\r\n", "*1\r\n$1\r\n4\r\n"},
		{a, "WATCH k\r\n", "+OK\r\n"},
		{b, "SET k 5\r\n", "+OK\r\n"},
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "DISCARD\r\n", "+OK\r\n"},
		{a, "MULTI\r\n", "+OK\r\n"},
		{a, "EXEC\r\n", "*0\r\n"},
	}
	for i, s := range steps {
		if got := s.c.do(s.in); got != s.want {
			t.Fatalf("step %d %q: got %q, want %q", i, s.in, got, s.want)
		}
	}
}

func TestMaxClients(t *testing.T) {
	ts := startServer(t, Config{MaxClients: 2})
	a, b := ts.dial(), ts.dial()
	a.do("GET x\r\n")
	b.do("GET x\r\n")
	c := ts.dial()
	if got := c.readN(1<<20, 5*time.Second); got != "-ERR max number of clients reached\r\n<EOF>" {
		t.Fatalf("third client got %q", got)
	}
	if got := a.do("CONFIG SET maxclients 3\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	d := ts.dial()
	if got := d.do("GET x\r\n"); got != "$-1\r\n" {
		t.Fatalf("after raising maxclients: %q", got)
	}
	v, _, _ := parseValue([]byte(a.do("INFO stats\r\n")))
	if !strings.Contains(v.str, "rejected_connections:1\r\n") || !strings.Contains(v.str, "total_connections_received:4\r\n") {
		t.Fatalf("INFO stats: %q", v.str)
	}
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, Config{IdleTimeout: 300 * time.Millisecond})
	idle := ts.dial()
	idle.do("GET x\r\n")
	start := time.Now()
	idle.expectClosed()
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("closed after %v, before the timeout", d)
	}
	// CONFIG SET timeout 0 disables it.
	c := ts.dial()
	if got := c.do("CONFIG SET timeout 0\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	time.Sleep(600 * time.Millisecond) // longer than the old timeout, on purpose
	if got := c.do("GET x\r\n"); got != "$-1\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestClientThatStopsReadingIsDisconnected(t *testing.T) {
	ts := startServer(t, Config{OutputStallTimeout: 300 * time.Millisecond})
	c := ts.dial()
	// A small fixed receive buffer: the kernel must not absorb the replies.
	c.nc.(*net.TCPConn).SetReadBuffer(4096)
	c.do(respCmd("SET", "big", strings.Repeat("v", 16<<10)))
	// 32 MB of replies, never read: more than the kernel's socket buffers.
	c.send(strings.Repeat("GET big\r\n", 2048))
	waitFor(t, "the stalled client to be closed", func() bool { n, _ := ts.srv.numConns(); return n == 0 })
}

func TestOutputBufferLimit(t *testing.T) {
	ts := startServer(t, Config{OutputBufferMax: 100 << 10})
	c := ts.dial()
	c.do(respCmd("SET", "big", strings.Repeat("v", 200<<10)))
	c.do(respCmd("SET", "small", strings.Repeat("v", 50<<10)))
	if got := c.do("GET small\r\n"); len(got) != 50<<10+10 {
		t.Fatalf("GET small: %d bytes", len(got))
	}
	c.send("GET big\r\n")
	c.expectClosed()
}

func TestProtoMaxBulkLen(t *testing.T) {
	ts := startServer(t, Config{ProtoMaxBulkLen: 1 << 20})
	c := ts.dial()
	c.send("*1\r\n$1048577\r\n")
	if got := c.readN(1<<20, 5*time.Second); got != "-ERR Protocol error: invalid bulk length\r\n<EOF>" {
		t.Fatalf("got %q", got)
	}
	c = ts.dial()
	c.do("CONFIG SET proto-max-bulk-len 2mb\r\n")
	if got := c.do(respCmd("SET", "k", strings.Repeat("x", 1<<20+1))); got != "+OK\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestQueryBufferLimit(t *testing.T) {
	ts := startServer(t, Config{QueryBufferMax: 1 << 20})
	c := ts.dial()
	c.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n")
	c.send(strings.Repeat("x", 1500000))
	c.expectClosed()
}

func TestLargeValuesAndBuffers(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	val := strings.Repeat("0123456789", 1<<20) // 10 MB
	req := respCmd("SET", "big", val)
	for i := 0; i < len(req); i += 100000 { // in pieces
		c.send(req[i:min(len(req), i+100000)])
	}
	if got := c.reply(); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := c.do("GET big\r\n"); got != "$10485760\r\n"+val+"\r\n" {
		t.Fatalf("GET: %d bytes", len(got))
	}
	if got := c.do("GET t:none\r\n"); got != "$-1\r\n" {
		t.Fatalf("after a large request: %q", got)
	}
}

func TestLongPipeline(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	var in, want strings.Builder
	for i := 0; i < 20000; i++ {
		k := fmt.Sprint("k", i%100)
		in.WriteString(respCmd("SET", k, fmt.Sprint(i)))
		in.WriteString("GET " + k + "\r\n")
		want.WriteString("+OK\r\n")
		want.WriteString(fmt.Sprintf("$%d\r\n%d\r\n", len(fmt.Sprint(i)), i))
	}
	go func() { c.nc.Write([]byte(in.String())) }()
	c.expect(want.String())
}

func TestServerGoesOnAfterGarbage(t *testing.T) {
	ts := startServer(t, Config{})
	for _, junk := range []string{"*x\r\n", "*1\r\n*\r\n", "\xff\xfe\r\n", "*2\r\n$1\r\na\r\n:1\r\n"} {
		c := ts.dial()
		c.send(junk)
		c.readN(1<<20, 2*time.Second)
	}
	if got := ts.dial().do("GET t:none\r\n"); got != "$-1\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestCloseWithBusyConnections(t *testing.T) {
	ts := startServer(t, Config{})
	var cs []*client
	for i := 0; i < 10; i++ {
		c := ts.dial()
		c.do("GET x\r\n")
		c.send("*3\r\n$3\r\nSET\r\n") // a command in progress
		cs = append(cs, c)
	}
	ts.srv.Close()
	for _, c := range cs {
		c.expectClosed()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.Serve(ln); err != ErrServerClosed {
		t.Fatalf("Serve after Close: %v", err)
	}
}

func TestEdgeCommandsRegistered(t *testing.T) {
	for _, name := range edgeCommandNames {
		s := kv.Lookup([]byte(name))
		if s == nil || s.Flags&kv.FlagEdge == 0 || s.Run != nil {
			t.Errorf("%s: not an edge command in the kv table", name)
		}
	}
	if s := kv.Lookup([]byte("watch")); s.FirstKey != 1 || s.LastKey != -1 || s.Step != 1 || s.Arity != -2 {
		t.Errorf("watch spec: %+v", s)
	}
	if s := kv.Lookup([]byte("auth")); s.Flags&kv.FlagNoAuth == 0 || s.Summary != "Authenticate to the server" || s.Group != "connection" {
		t.Errorf("auth spec: %+v", s)
	}
}

func TestManyArguments(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	args := []string{"DEL"}
	for i := 0; i < 200000; i++ {
		args = append(args, fmt.Sprint("k", i))
	}
	c.send(respCmd(args...))
	if got := c.reply(); got != ":0\r\n" {
		t.Fatalf("DEL of 200000 keys: %q", got)
	}
	if got := c.do("GET k1\r\n"); got != "$-1\r\n" {
		t.Fatalf("after: %q", got)
	}
}
