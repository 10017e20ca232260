package jepsen

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/tester/elle"
)

// startStandalone builds and starts `kv serve --standalone` on a free
// loopback port, stopped at the end of the test.
func startStandalone(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "kv")
	if out, err := exec.Command("go", "build", "-o", bin, "redraft/cmd/kv").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(bin, "serve", "--standalone", "--resp", "127.0.0.1:0", "--addr-file", addrFile)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatal("kv serve --standalone wrote no address")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWorkloadsAgainstTheNode runs the list-append and queue workloads'
// commands through the client the runner uses against a real node.
func TestWorkloadsAgainstTheNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds the node")
	}
	ctx := context.Background()
	c := newClient(startStandalone(t), 5*time.Second)
	defer c.Close()

	t.Run("list-append", func(t *testing.T) {
		w := &listWorkload{}
		o := Op{F: "txn", Txn: []elle.Mop{{F: elle.Read, Key: "l"}, {F: elle.Append, Key: "l", Value: 1}, {F: elle.Append, Key: "l", Value: 2}, {F: elle.Read, Key: "l"}, {F: elle.Read, Key: "m"}}}
		err := w.exec(ctx, c, &o)
		if typ, msg := Classify(err); typ != TypeOk {
			t.Fatalf("txn: %s %s", typ, msg)
		}
		if got := txnValue(o.Txn, true); got != `[[:r "l" []] [:append "l" 1] [:append "l" 2] [:r "l" [1 2]] [:r "m" []]]` {
			t.Fatalf("txn returned %s", got)
		}
		fin := Op{F: "read", Key: "l", Final: true}
		if err := w.exec(ctx, c, &fin); err != nil || !slices.Equal(fin.Txn[0].List, []int64{1, 2}) {
			t.Fatalf("final read: %v %v", err, fin.Txn)
		}
		// A command refused while queuing aborts the whole transaction:
		// EXECABORT, a definite failure.
		pipe := c.TxPipeline()
		pipe.RPush(ctx, "l", 3)
		pipe.Do(ctx, "NOSUCHCOMMAND")
		cmds, err := pipe.Exec(ctx)
		if typ, msg := Classify(txnError(cmds, err)); typ != TypeFail || !strings.HasPrefix(msg, "EXECABORT") {
			t.Fatalf("aborted txn classified %s %q", typ, msg)
		}
		if l, _ := lrange(ctx, c, "l"); !slices.Equal(l, []int64{1, 2}) {
			t.Fatalf("after EXECABORT the list is %v", l)
		}
	})

	t.Run("queue", func(t *testing.T) {
		w := queueWorkload{}
		run := func(o Op) Op {
			t.Helper()
			if err := w.exec(ctx, c, &o); err != nil && err != redis.Nil {
				t.Fatalf("%s: %v", o.F, err)
			}
			return o
		}
		run(Op{F: "enqueue", Key: queueKey, Value: "1"})
		run(Op{F: "enqueue", Key: queueKey, Value: "2"})
		if o := run(Op{F: "dequeue", Key: queueKey}); o.Read == nil || *o.Read != "1" {
			t.Fatalf("dequeue returned %v, want the oldest, 1", o.Read)
		}
		if o := run(Op{F: "move", Key: queueKey, To: queueMovedKey}); o.Read == nil || *o.Read != "2" {
			t.Fatalf("move returned %v, want 2", o.Read)
		}
		if o := run(Op{F: "dequeue", Key: queueKey}); o.Read != nil {
			t.Fatalf("dequeue of an empty queue returned %s", *o.Read)
		}
		if o := run(Op{F: "read", Key: queueMovedKey, Final: true}); !slices.Equal(o.Elements, []int64{2}) {
			t.Fatalf("final read of the moved list: %v", o.Elements)
		}
	})
}

func TestWriteHistoryListAppendAndQueue(t *testing.T) {
	two := "2"
	ops := []Op{
		{Process: 0, F: "txn", Txn: []elle.Mop{{F: elle.Append, Key: "list0", Value: 1}, {F: elle.Read, Key: "list0", List: []int64{1}}}, Type: TypeOk, Invoke: ms1(1), End: ms1(2)},
		{Process: 1, F: "txn", Txn: []elle.Mop{{F: elle.Read, Key: "list1"}}, Type: TypeInfo, Error: "UNCERTAIN", Invoke: ms1(3), End: ms1(4)},
		{Process: 2, F: "move", Key: queueKey, To: queueMovedKey, Read: &two, Type: TypeOk, Invoke: ms1(5), End: ms1(6)},
		{Process: 3, F: "read", Key: queueKey, Elements: []int64{3, 4}, Final: true, Type: TypeOk, Invoke: ms1(7), End: ms1(8)},
		{Process: 4, F: "read", Key: "list2", Txn: []elle.Mop{{F: elle.Read, Key: "list2", List: []int64{5}}}, Final: true, Type: TypeOk, Invoke: ms1(9), End: ms1(10)},
	}
	var b strings.Builder
	if err := WriteHistory(&b, ops, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"0\t:invoke\t:txn\t[[:append \"list0\" 1] [:r \"list0\" nil]]",
		"0\t:ok\t:txn\t[[:append \"list0\" 1] [:r \"list0\" [1]]]",
		"1\t:info\t:txn\t[[:r \"list1\" nil]]\t\"UNCERTAIN\"",
		"2\t:invoke\t:move\t[\"queue0\" \"queue0-moved\" nil]",
		"2\t:ok\t:move\t[\"queue0\" \"queue0-moved\" 2]",
		"3\t:ok\t:final-read\t[\"queue0\" [3 4]]",
		"4\t:invoke\t:final-read\t[[:r \"list2\" nil]]",
		"4\t:ok\t:final-read\t[[:r \"list2\" [5]]]",
	} {
		if !strings.Contains(b.String(), "\t"+want+"\n") {
			t.Errorf("history lacks %q:\n%s", want, b.String())
		}
	}
}
