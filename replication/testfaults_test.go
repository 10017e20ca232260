package replication

import (
	"context"
	"testing"
	"time"

	"redraft/kv"
)

func TestParseTestFaults(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    TestFaults
		wantErr bool
	}{
		{"", TestFaults{}, false},
		{"split-multi", TestFaults{SplitTransactions: true}, false},
		{"ack-before-commit", TestFaults{AckBeforeCommit: true}, false},
		{"split-multi, ack-before-commit", TestFaults{SplitTransactions: true, AckBeforeCommit: true}, false},
		{"probe-any-term", TestFaults{ProbeAnyTerm: true}, false},
		{"split", TestFaults{}, true},
		{"split-multi,", TestFaults{SplitTransactions: true}, true},
	} {
		got, err := ParseTestFaults(tc.in)
		if (err != nil) != tc.wantErr || err == nil && got != tc.want {
			t.Errorf("ParseTestFaults(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func execTx(n *Node, watches []kv.Watch, cmds ...[]string) string {
	tx := &kv.Tx{Watches: watches}
	for _, c := range cmds {
		a := make([][]byte, len(c))
		for i, s := range c {
			a[i] = []byte(s)
		}
		tx.Cmds = append(tx.Cmds, a)
	}
	w := kv.NewWriter(nil, 2)
	n.Execute(context.Background(), []*kv.Cmd{{Args: [][]byte{[]byte("EXEC")}, Proto: 2, Tx: tx}}, w)
	return string(w.Bytes())
}

// TestSplitTransactionsTakeTwoEntries: under SplitTransactions a MULTI/EXEC
// goes through the log as two entries, and its client still gets one EXEC
// reply with every command's reply, as without the fault (so only another
// client can tell); an aborted EXEC is answered as usual.
func TestSplitTransactionsTakeTwoEntries(t *testing.T) {
	for _, split := range []bool{false, true} {
		c := startClusterWith(t, 1, false, func(cfg *Config) { cfg.TestFaults.SplitTransactions = split })
		n := c.leader()
		c.set("warm", "up")
		before := n.prop.entries.Load()
		got := execTx(n, nil, []string{"RPUSH", "l", "a"}, []string{"RPUSH", "m", "b"}, []string{"LRANGE", "l", "0", "-1"}, []string{"INCR", "i"})
		if want := "*4\r\n:1\r\n:1\r\n*1\r\n$1\r\na\r\n:1\r\n"; got != want {
			t.Fatalf("split=%v: EXEC = %q, want %q", split, got, want)
		}
		entries := n.prop.entries.Load() - before
		if want := map[bool]uint64{false: 1, true: 2}[split]; entries != want {
			t.Fatalf("split=%v: the transaction took %d log entries, want %d", split, entries, want)
		}
		// A WATCHed key that changed aborts the transaction before either half.
		got = execTx(n, []kv.Watch{{Key: []byte("l"), Version: 1}}, []string{"RPUSH", "l", "c"}, []string{"RPUSH", "m", "d"})
		if got != "*-1\r\n" {
			t.Fatalf("split=%v: EXEC with a stale WATCH = %q, want a null array", split, got)
		}
		if got := do(n, "LLEN", "m"); got != ":1\r\n" {
			t.Fatalf("split=%v: LLEN m after the aborted EXEC = %q", split, got)
		}
	}
}

// TestAckBeforeCommitAnswersWithoutQuorum: under AckBeforeCommit a leader
// whose followers are gone still answers SET and SADD with success, for
// writes that have not been applied (and cannot commit); INCR, whose reply
// depends on the state, is not answered early. Without the fault the same
// SET is not acknowledged.
func TestAckBeforeCommitAnswersWithoutQuorum(t *testing.T) {
	for _, ack := range []bool{false, true} {
		c := startClusterWith(t, 3, false, func(cfg *Config) {
			cfg.TestFaults.AckBeforeCommit = ack
			cfg.ApplyTimeout = time.Second
		})
		c.set("warm", "up")
		n := c.leader()
		for _, f := range c.nodes {
			if f != n {
				f.Close()
			}
		}
		// executeLocal is what the leader runs for a write, whether it
		// still believes it leads or has just stepped down.
		run := func(args ...string) string {
			a := make([][]byte, len(args))
			for i, s := range args {
				a[i] = []byte(s)
			}
			w := kv.NewWriter(nil, 2)
			n.executeLocal(context.Background(), []*kv.Cmd{{Args: a, Proto: 2}}, true, w)
			return string(w.Bytes())
		}
		set, sadd, incr := run("SET", "lost", "1"), run("SADD", "s", "x", "y"), run("INCR", "i")
		applied := false
		n.fsm.Read(func(m *kv.Machine) { applied = execOn(m, "EXISTS", "lost") != ":0\r\n" })
		if applied {
			t.Fatalf("ack=%v: SET applied without a quorum", ack)
		}
		if ack && (set != "+OK\r\n" || sadd != ":2\r\n") {
			t.Fatalf("ack=true: SET = %q, SADD = %q; want them acknowledged", set, sadd)
		}
		if !ack && (set == "+OK\r\n" || sadd == ":2\r\n") {
			t.Fatalf("ack=false: SET = %q, SADD = %q acknowledged without a quorum", set, sadd)
		}
		if incr == ":1\r\n" {
			t.Fatalf("ack=%v: INCR answered %q without a quorum", ack, incr)
		}
	}
}
