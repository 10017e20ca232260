package replication

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"redraft/kv"
)

// inProcessForwarder hands a follower's batch straight to the leader node's
// HandleForward, as Maelstrom mode's forwarder does over its messages: the
// batch travels in its encoded form, so what reaches the leader is what
// the Cmd encoding carries.
type inProcessForwarder struct{ c **cluster }

func (f inProcessForwarder) Forward(ctx context.Context, leaderID string, payload []byte) ([]byte, error) {
	c := *f.c
	c.mu.Lock()
	var l *Node
	for _, n := range c.nodes {
		if n != nil && n.cfg.ID == leaderID {
			l = n
		}
	}
	c.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("%w: no node %s", ErrForwardNotSent, leaderID)
	}
	return l.HandleForward(ctx, payload)
}

// execDB runs one command in database db on node n.
func execDB(n *Node, db int, cmd *kv.Cmd) string {
	cmd.DB = db
	cmd.Proto = 2
	w := kv.NewWriter(nil, 2)
	n.Execute(context.Background(), []*kv.Cmd{cmd}, w)
	return string(w.Bytes())
}

func argv(args ...string) [][]byte {
	a := make([][]byte, len(args))
	for i, s := range args {
		a[i] = []byte(s)
	}
	return a
}

// TestSelectedWritesOnAFollowerLandInTheirDatabase: writes sent to a
// follower in a SELECTed database (plain and in a MULTI that SELECTs) are
// forwarded with their database index, and every node applies them there;
// WATCH through the follower reads the version in the right database; and
// active expiry removes expired keys from every database on every node.
func TestSelectedWritesOnAFollowerLandInTheirDatabase(t *testing.T) {
	var c *cluster
	c = startClusterWith(t, 3, false, func(cfg *Config) { cfg.Forwarder = inProcessForwarder{&c} })
	l := c.leader()
	var f *Node
	for _, n := range c.nodes {
		if n != l {
			f = n
			break
		}
	}
	retry := func(db int, mk func() *kv.Cmd, want string) {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			got := execDB(f, db, mk())
			if got == want {
				return
			}
			if strings.HasPrefix(got, "-CLUSTERDOWN") || strings.HasPrefix(got, "-NOTLEADER") || strings.HasPrefix(got, "-UNCERTAIN") {
				if time.Now().Before(deadline) {
					time.Sleep(20 * time.Millisecond)
					continue
				}
			}
			t.Fatalf("db %d %q: got %q, want %q", db, mk().Args, got, want)
		}
	}
	retry(5, func() *kv.Cmd { return &kv.Cmd{Args: argv("SET", "k", "five")} }, "+OK\r\n")
	retry(0, func() *kv.Cmd { return &kv.Cmd{Args: argv("SET", "k", "zero")} }, "+OK\r\n")
	retry(9, func() *kv.Cmd { return &kv.Cmd{Args: argv("SET", "gone", "x", "PX", "50")} }, "+OK\r\n")
	retry(2, func() *kv.Cmd {
		return &kv.Cmd{Args: argv("EXEC"), Tx: &kv.Tx{Cmds: [][][]byte{argv("SET", "t", "two"), argv("SELECT", "12"), argv("SET", "t", "twelve")}}}
	}, "*3\r\n+OK\r\n+OK\r\n+OK\r\n")

	// WATCH through the follower: versions of k in databases 5 and 3.
	v, err := f.Watch(context.Background(), 5, [][]byte{[]byte("k")})
	if err != nil || v[0] == 0 {
		t.Fatalf("Watch db 5: %v %v", v, err)
	}
	v3, err := f.Watch(context.Background(), 3, [][]byte{[]byte("k")})
	if err != nil || v3[0] != 0 {
		t.Fatalf("Watch db 3: %v %v", v3, err)
	}
	// A transaction watching k in database 5 runs after a write to k in
	// database 0 and fails after one in database 5.
	tx := func() *kv.Cmd {
		return &kv.Cmd{Args: argv("EXEC"), Tx: &kv.Tx{Watches: []kv.Watch{{DB: 5, Key: []byte("k"), Version: v[0]}}, Cmds: [][][]byte{argv("GET", "k")}}}
	}
	retry(0, func() *kv.Cmd { return &kv.Cmd{Args: argv("SET", "k", "zero!")} }, "+OK\r\n")
	retry(5, tx, "*1\r\n$4\r\nfive\r\n")
	retry(5, func() *kv.Cmd { return &kv.Cmd{Args: argv("SET", "k", "five!")} }, "+OK\r\n")
	retry(5, tx, "*-1\r\n")

	want := map[int]string{0: "zero!", 5: "five!", 2: "", 12: ""}
	wantT := map[int]string{2: "two", 12: "twelve"}
	for _, n := range c.nodes {
		deadline := time.Now().Add(10 * time.Second)
		for {
			var got []kv.KeyspaceInfo
			var vals []string
			n.fsm.Read(func(m *kv.Machine) {
				got = m.Keyspace()
				vals = nil
				for _, db := range []int{0, 5, 2, 12} {
					w := kv.NewWriter(nil, 2)
					m.Exec(&kv.Cmd{Args: argv("MGET", "k", "t"), DB: db, NowMs: time.Now().UnixMilli()}, w)
					vals = append(vals, string(w.Bytes()))
				}
			})
			ok := len(got) == 4 // databases 0, 2, 5, 12: 9's key expired and was removed
			for i, db := range []int{0, 5, 2, 12} {
				if vals[i] != mget(want[db], wantT[db]) {
					ok = false
				}
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: keyspace %+v, values %q", n.cfg.ID, got, vals)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	// Every replica that applied the same log writes the same snapshot
	// bytes, databases included.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var snaps [][]byte
		for _, n := range c.nodes {
			var b bytes.Buffer
			n.fsm.Read(func(m *kv.Machine) {
				if err := m.Snapshot(&b); err != nil {
					t.Fatal(err)
				}
			})
			snaps = append(snaps, b.Bytes())
		}
		if bytes.Equal(snaps[0], snaps[1]) && bytes.Equal(snaps[0], snaps[2]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("snapshots differ across replicas: %d, %d, %d bytes", len(snaps[0]), len(snaps[1]), len(snaps[2]))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mget is the reply of MGET k t for the given values ("" for none).
func mget(k, t string) string {
	s := "*2\r\n"
	for _, v := range []string{k, t} {
		if v == "" {
			s += "$-1\r\n"
		} else {
			s += fmt.Sprintf("$%d\r\n%s\r\n", len(v), v)
		}
	}
	return s
}
