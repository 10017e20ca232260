package resp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/kv/local"
)

// blockingServer is an edge over kv/local with its timeout loop running.
func blockingServer(t *testing.T) (*testServer, *redis.Client) {
	ts := startServer(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ts.exec.RunExpiry(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, PoolSize: 16})
	t.Cleanup(func() { rdb.Close() })
	return ts, rdb
}

// waitBlocked polls INFO until n clients are blocked.
func waitBlockedClients(t *testing.T, rdb *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r", n)
	waitFor(t, want, func() bool {
		s, err := rdb.Info(context.Background(), "clients").Result()
		return err == nil && strings.Contains(s, want)
	})
}

// Three clients blocked on one key are served in the order they blocked;
// one LPUSH of three elements serves all three.
func TestGoRedisBlockingFIFO(t *testing.T) {
	_, rdb := blockingServer(t)
	ctx := context.Background()
	type res struct {
		who int
		val []string
		err error
	}
	out := make(chan res, 3)
	for i := 0; i < 3; i++ {
		go func(i int) {
			v, err := rdb.BLPop(ctx, 0, "q").Result()
			out <- res{i, v, err}
		}(i)
		waitBlockedClients(t, rdb, i+1) // registration order is the FIFO order
	}
	// LPUSH a b c leaves c at the head: waiters get c, b, a in turn.
	if err := rdb.LPush(ctx, "q", "a", "b", "c").Err(); err != nil {
		t.Fatal(err)
	}
	got := map[int]string{}
	for i := 0; i < 3; i++ {
		r := <-out
		if r.err != nil || len(r.val) != 2 || r.val[0] != "q" {
			t.Fatalf("waiter %d: %v %v", r.who, r.val, r.err)
		}
		got[r.who] = r.val[1]
	}
	if got[0] != "c" || got[1] != "b" || got[2] != "a" {
		t.Fatalf("served %v, want 0:c 1:b 2:a", got)
	}
	if n, _ := rdb.Exists(ctx, "q").Result(); n != 0 {
		t.Fatal("q left behind")
	}
}

func TestGoRedisBlockingCommands(t *testing.T) {
	_, rdb := blockingServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() (any, error) // the blocking call
		feed func() error        // makes it return
		want string
	}{
		{"BLPOP", func() (any, error) { return rdb.BLPop(ctx, 0, "l1", "l2").Result() },
			func() error { return rdb.RPush(ctx, "l2", "x").Err() }, "[l2 x]"},
		{"BRPOP", func() (any, error) { return rdb.BRPop(ctx, 0, "l3").Result() },
			func() error { return rdb.RPush(ctx, "l3", "a", "b").Err() }, "[l3 b]"},
		{"BLMOVE", func() (any, error) { return rdb.BLMove(ctx, "s1", "d1", "LEFT", "RIGHT", 0).Result() },
			func() error { return rdb.RPush(ctx, "s1", "m").Err() }, "m"},
		{"BRPOPLPUSH", func() (any, error) { return rdb.BRPopLPush(ctx, "s2", "d2", 0).Result() },
			func() error { return rdb.RPush(ctx, "s2", "n").Err() }, "n"},
		{"BLMPOP", func() (any, error) {
			k, v, err := rdb.BLMPop(ctx, 0, "right", 2, "m1", "m2").Result()
			return fmt.Sprintf("%v %v", k, v), err
		}, func() error { return rdb.RPush(ctx, "m2", "1", "2", "3").Err() }, "m2 [3 2]"},
		{"BZPOPMIN", func() (any, error) {
			z, err := rdb.BZPopMin(ctx, 0, "z1").Result()
			return fmt.Sprintf("%v %v %v", z.Key, z.Member, z.Score), err
		}, func() error {
			return rdb.ZAdd(ctx, "z1", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"}).Err()
		}, "z1 a 1"},
		{"BZPOPMAX", func() (any, error) {
			z, err := rdb.BZPopMax(ctx, 0, "z2").Result()
			return fmt.Sprintf("%v %v %v", z.Key, z.Member, z.Score), err
		}, func() error {
			return rdb.ZAdd(ctx, "z2", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"}).Err()
		}, "z2 b 2"},
		{"BZMPOP", func() (any, error) {
			k, z, err := rdb.BZMPop(ctx, 0, "min", 3, "z3").Result()
			return fmt.Sprintf("%v %v", k, z), err
		}, func() error {
			return rdb.ZAdd(ctx, "z3", redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 1, Member: "a"}).Err()
		}, "z3 [{1 a} {2 b}]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type res struct {
				v   any
				err error
			}
			out := make(chan res, 1)
			go func() { v, err := tc.run(); out <- res{v, err} }()
			waitBlockedClients(t, rdb, 1)
			if err := tc.feed(); err != nil {
				t.Fatal(err)
			}
			r := <-out
			if r.err != nil || fmt.Sprint(r.v) != tc.want {
				t.Fatalf("got %v %v, want %s", r.v, r.err, tc.want)
			}
			waitBlockedClients(t, rdb, 0)
		})
	}
}

func TestGoRedisBlockingTimeoutAndUnblock(t *testing.T) {
	_, rdb := blockingServer(t)
	ctx := context.Background()
	start := time.Now()
	if _, err := rdb.Do(ctx, "BLPOP", "none", "0.1").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("BLPOP timeout: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Fatalf("timed out after %v", d)
	}
	if _, err := rdb.Do(ctx, "BLMOVE", "none", "d", "LEFT", "LEFT", "0.05").Result(); !errors.Is(err, redis.Nil) {
		t.Fatalf("BLMOVE timeout: %v", err)
	}
	if err := rdb.Do(ctx, "BLPOP", "k", "-1").Err(); err == nil || err.Error() != "ERR timeout is negative" {
		t.Fatalf("negative: %v", err)
	}
	if err := rdb.Do(ctx, "BLPOP", "k", "x").Err(); err == nil || err.Error() != "ERR timeout is not a float or out of range" {
		t.Fatalf("not a float: %v", err)
	}
	// Inside MULTI a blocking command answers at once.
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.BLPop(ctx, 0, "none")
		return nil
	})
	if !errors.Is(err, redis.Nil) || len(cmds) != 1 {
		t.Fatalf("MULTI BLPOP: %v %v", cmds, err)
	}

	for _, mode := range []string{"TIMEOUT", "ERROR"} {
		blocked := rdb.Conn()
		id, err := blocked.ClientID(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		out := make(chan error, 1)
		go func() { out <- blocked.BRPop(ctx, 0, "none").Err() }()
		waitBlockedClients(t, rdb, 1)
		if n, err := rdb.Do(ctx, "CLIENT", "UNBLOCK", id, mode).Int(); err != nil || n != 1 {
			t.Fatalf("CLIENT UNBLOCK: %d %v", n, err)
		}
		err = <-out
		if mode == "TIMEOUT" && !errors.Is(err, redis.Nil) ||
			mode == "ERROR" && (err == nil || err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK") {
			t.Fatalf("%s: %v", mode, err)
		}
		if n, _ := rdb.Do(ctx, "CLIENT", "UNBLOCK", id).Int(); n != 0 {
			t.Fatalf("second CLIENT UNBLOCK: %d", n)
		}
		blocked.Close()
	}
}

// A client that closes its connection while blocked leaves no waiter: the
// next element goes to the next client.
func TestGoRedisBlockingClosedClient(t *testing.T) {
	ts, rdb := blockingServer(t)
	ctx := context.Background()
	c := ts.dial()
	c.send(respCmd("BLPOP", "q", "0"))
	waitBlockedClients(t, rdb, 1)
	c.nc.Close()
	waitBlockedClients(t, rdb, 0)
	waitFor(t, "waiter cancelled", func() bool {
		n := 0
		ts.exec.Machine(func(m *kv.Machine) { n = m.Waiters() })
		return n == 0
	})
	if err := rdb.RPush(ctx, "q", "v").Err(); err != nil {
		t.Fatal(err)
	}
	if n, _ := rdb.LLen(ctx, "q").Result(); n != 1 {
		t.Fatalf("element taken by a closed client: len %d", n)
	}
}

// Commands pipelined after a blocking command run once it is answered, in
// order; RESP2 replies.
func TestBlockingPipelineAndRESP2(t *testing.T) {
	ts, rdb := blockingServer(t)
	ctx := context.Background()
	c := ts.dial()
	c.send(respCmd("BZPOPMAX", "z", "0") + respCmd("PING") + respCmd("BLMOVE", "none", "d", "LEFT", "LEFT", "0.01"))
	waitBlockedClients(t, rdb, 1)
	if list, err := rdb.ClientList(ctx).Result(); err != nil || !strings.Contains(list, "flags=b ") || !strings.Contains(list, "cmd=bzpopmax ") {
		t.Fatalf("CLIENT LIST of a blocked client: %q %v", list, err)
	}
	if err := rdb.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "m"}).Err(); err != nil {
		t.Fatal(err)
	}
	// The BLMOVE timed out after blocking: a null array, as Redis.
	want := "*3\r\n$1\r\nz\r\n$1\r\nm\r\n$3\r\n1.5\r\n+PONG\r\n*-1\r\n"
	if got := c.readN(len(want), 5*time.Second); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Inside MULTI BLMOVE does not block and answers a null bulk string.
	c.send(respCmd("MULTI") + respCmd("BLMOVE", "none", "d", "LEFT", "LEFT", "0") + respCmd("EXEC"))
	want = "+OK\r\n+QUEUED\r\n*1\r\n$-1\r\n"
	if got := c.readN(len(want), 5*time.Second); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// recordingExec is kv/local recording every command it executes; with
// uncertain set it answers redraft.block with the replicated executor's
// indefinite error after running it (a leader lost after the proposal).
type recordingExec struct {
	*local.Executor
	mu        sync.Mutex
	names     []string
	uncertain bool
}

func (e *recordingExec) Execute(ctx context.Context, cmds []*kv.Cmd, w *kv.Writer) {
	e.mu.Lock()
	uncertain := e.uncertain
	for _, c := range cmds {
		e.names = append(e.names, strings.ToLower(string(c.Args[0])))
	}
	e.mu.Unlock()
	if uncertain && len(cmds) == 1 && strings.EqualFold(string(cmds[0].Args[0]), "redraft.block") {
		e.Executor.Execute(ctx, cmds, kv.NewWriter(nil, int(cmds[0].Proto)))
		w.Error("UNCERTAIN outcome unknown: the command may or may not have been executed")
		return
	}
	e.Executor.Execute(ctx, cmds, w)
}

func (e *recordingExec) count(name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, s := range e.names {
		if s == name {
			n++
		}
	}
	return n
}

// A blocking command's own error (the machine ran it and registered no
// waiter) is answered as it is; only the executor's indefinite error makes
// the edge cancel a waiter that may have been registered. Before, every
// error but a listed few (NOGROUP among those missing) went through that
// cancellation and a wait of up to two seconds for a served reply.
func TestBlockingErrorsNeedNoCancellation(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ex := &recordingExec{Executor: local.New()}
	srv := New(ex, Config{})
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	// No retries: go-redis retries CLUSTERDOWN replies.
	rdb := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	if err := rdb.Set(ctx, "str", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "s", ID: "1-1", Values: []string{"f", "v"}}).Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "s", ">"}, "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"},
		{[]any{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "0", "STREAMS", "missing", ">"}, "NOGROUP No such key 'missing' or consumer group 'g' in XREADGROUP with GROUP option"},
		{[]any{"XREAD", "BLOCK", "0", "STREAMS", "s", "x-y"}, "ERR Invalid stream ID specified as stream command argument"},
		{[]any{"XREAD", "BLOCK", "0", "STREAMS", "str", "$"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"BLPOP", "str", "0"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
		{[]any{"BZPOPMIN", "str", "0"}, "WRONGTYPE Operation against a key holding the wrong kind of value"},
	} {
		if err := rdb.Do(ctx, tc.args...).Err(); err == nil || err.Error() != tc.want {
			t.Fatalf("%v: %v, want %s", tc.args, err, tc.want)
		}
	}
	if n := ex.count("redraft.unblock"); n != 0 {
		t.Fatalf("%d cancellations proposed for command errors", n)
	}

	// The indefinite error: the waiter the command registered is cancelled
	// and the client told, for certain, that nothing was popped.
	ex.mu.Lock()
	ex.uncertain = true
	ex.mu.Unlock()
	err = rdb.Do(ctx, "BLPOP", "empty", "0").Err()
	if err == nil || err.Error() != strings.TrimSuffix(strings.TrimPrefix(errNotRegistered, "-"), "\r\n") {
		t.Fatalf("BLPOP after UNCERTAIN: %v", err)
	}
	if n := ex.count("redraft.unblock"); n != 1 {
		t.Fatalf("%d cancellations proposed after UNCERTAIN, want 1", n)
	}
	n := -1
	ex.Machine(func(m *kv.Machine) { n = m.Waiters() })
	if n != 0 {
		t.Fatalf("%d waiters left", n)
	}
}
