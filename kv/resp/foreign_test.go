package resp

import (
	"context"
	"net"
	"testing"

	"redraft/kv"
)

// Edge commands registered by another package (as replication registers
// RAFT) reach the executor's HandleEdge.
func init() {
	kv.Register(&kv.Spec{Name: "testedge", Arity: -2, Flags: kv.FlagEdge | kv.FlagNoMulti, Group: "server", Since: "redraft", Summary: "Test edge command."})
	kv.Register(&kv.Spec{Name: "testedge2", Arity: 1, Flags: kv.FlagEdge, Group: "server", Since: "redraft", Summary: "Test edge command."})
}

type edgeExecutor struct{ Executor }

func (edgeExecutor) HandleEdge(_ context.Context, args [][]byte, w *kv.Writer) bool {
	switch {
	case kv.EqualFold(args[0], "TESTEDGE"):
		w.Bulk(args[1])
	case kv.EqualFold(args[0], "TESTEDGE2"):
		w.Map(1)
		w.BulkString("proto")
		w.Int(int64(w.Proto))
	default:
		return false
	}
	return true
}

func TestForeignEdgeCommands(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(edgeExecutor{localExec()}, Config{})
	go func() { ts.done <- ts.srv.Serve(ln) }()
	t.Cleanup(ts.close)
	c := ts.dial()
	c.send("SET k v\r\nTESTEDGE hello\r\nGET k\r\nTESTEDGE\r\nMULTI\r\nTESTEDGE x\r\nEXEC\r\n" +
		"MULTI\r\nTESTEDGE2\r\nGET k\r\nTESTEDGE2\r\nEXEC\r\n")
	c.expect("+OK\r\n$5\r\nhello\r\n$1\r\nv\r\n-ERR wrong number of arguments for 'testedge' command\r\n" +
		"+OK\r\n-ERR Command not allowed inside a transaction\r\n-EXECABORT Transaction discarded because of previous errors.\r\n" +
		"+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n*2\r\n$5\r\nproto\r\n:2\r\n$1\r\nv\r\n*2\r\n$5\r\nproto\r\n:2\r\n")
	c.do("HELLO 3\r\n")
	if got := c.do("TESTEDGE2\r\n"); got != "%1\r\n$5\r\nproto\r\n:3\r\n" {
		t.Fatalf("RESP3: %q", got)
	}

	// Without an EdgeHandler the command is refused.
	plain := startServer(t, Config{})
	if got := plain.dial().do("TESTEDGE a\r\n"); got != "-ERR command 'testedge' is not allowed here\r\n" {
		t.Fatalf("got %q", got)
	}
}
