package replication

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv"
	"redraft/kv/resp"
)

// ACL users are replicated state: a user created through a follower (the
// command forwarded to the leader and applied from the log everywhere) can
// authenticate on every node; its restrictions are enforced on the node it
// talks to and, for commands a follower forwards, on the leader, which
// checks the user the forwarded batch carries; and the users survive a
// snapshot and its restore.
func TestACLReplicated(t *testing.T) {
	c, addrs := startRESPClusterWith(t, 3, nil, resp.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	leader := c.leader()
	li, fi := -1, -1
	for i, n := range c.nodes {
		if n == leader {
			li = i
		} else if fi < 0 {
			fi = i
		}
	}
	admin := redis.NewClient(&redis.Options{Addr: addrs[fi], MaxRetries: -1})
	defer admin.Close()
	doRetry := func(cl *redis.Client, args ...any) (any, error) {
		deadline := time.Now().Add(20 * time.Second)
		for {
			v, err := cl.Do(ctx, args...).Result()
			if err == nil || !definite(err) || time.Now().After(deadline) {
				return v, err
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if _, err := doRetry(admin, "ACL", "SETUSER", "alice", "on", ">pw", "~app:*", "+get", "+set", "+ping"); err != nil {
		t.Fatal(err)
	}

	// Every node learns alice from the log.
	for i, addr := range addrs {
		waitFor(t, "alice on node "+addrs[i], func() bool {
			cl := redis.NewClient(&redis.Options{Addr: addr, Username: "alice", Password: "pw", MaxRetries: -1})
			defer cl.Close()
			return cl.Ping(ctx).Err() == nil
		})
	}

	alice := redis.NewClient(&redis.Options{Addr: addrs[fi], Username: "alice", Password: "pw", MaxRetries: -1})
	defer alice.Close()
	if _, err := doRetry(alice, "SET", "app:1", "v"); err != nil {
		t.Fatalf("SET as alice through a follower: %v", err)
	}
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"DEL", "app:1"}, "NOPERM this user has no permissions to run the 'del' command"},
		{[]any{"SET", "other", "v"}, "NOPERM this user has no permissions to access one of the keys used as arguments"},
		{[]any{"GET", "other"}, "NOPERM this user has no permissions to access one of the keys used as arguments"},
		{[]any{"RAFT", "INFO"}, "NOPERM this user has no permissions to run the 'raft' command"},
		{[]any{ForwardCommand, "x"}, "NOPERM this user has no permissions to run the 'redraft.forward' command"},
	} {
		if _, err := alice.Do(ctx, tc.args...).Result(); err == nil || err.Error() != tc.want {
			t.Fatalf("%v as alice on a follower: %v, want %q", tc.args, err, tc.want)
		}
	}

	// The leader checks the user a forwarded batch carries, whatever the
	// follower decided: a batch claiming alice may not DEL.
	batch := EncodeForward([]*kv.Cmd{
		{Args: [][]byte{[]byte("DEL"), []byte("app:1")}, Proto: 2, User: "alice"},
		{Args: [][]byte{[]byte("GET"), []byte("app:1")}, Proto: 2, User: "alice"},
		{Args: [][]byte{[]byte("GET"), []byte("secret")}, Proto: 2, User: "alice"},
		{Args: [][]byte{[]byte("GET"), []byte("app:1")}, Proto: 2, User: "nobody"},
	})
	la := redis.NewClient(&redis.Options{Addr: addrs[li], MaxRetries: -1})
	defer la.Close()
	got, err := la.Do(ctx, ForwardCommand, batch).Text()
	if err != nil {
		t.Fatal(err)
	}
	want := "-NOPERM this user has no permissions to run the 'del' command\r\n$1\r\nv\r\n" +
		"-NOPERM this user has no permissions to access one of the keys used as arguments\r\n" +
		"-NOPERM this user has no permissions to run the 'get' command\r\n"
	if got != want {
		t.Fatalf("forwarded batch as alice: got %q, want %q", got, want)
	}

	if _, err := doRetry(admin, "ACL", "SETUSER", "bob", "on", "nopass", "+@all", "~*", "-flushall"); err != nil {
		t.Fatal(err)
	}
	// A user deleted through the leader loses her connection on a follower
	// once the follower applied the deletion.
	carol := redis.NewClient(&redis.Options{Addr: addrs[fi], Username: "carol", Password: "c", MaxRetries: -1, PoolSize: 1})
	defer carol.Close()
	if _, err := doRetry(la, "ACL", "SETUSER", "carol", "on", ">c", "+ping"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "carol on the follower", func() bool { return carol.Ping(ctx).Err() == nil })
	if _, err := doRetry(la, "ACL", "DELUSER", "carol"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "carol's connection closed", func() bool {
		err := carol.Do(ctx, "PING").Err()
		return err != nil && !strings.HasPrefix(err.Error(), "NOPERM")
	})

	// Snapshot and restore: the users come back exactly.
	if err := leader.TakeSnapshot(); err != nil {
		t.Fatal(err)
	}
	snap := snapshotBytes(t, leader.fsm)
	f := newFSM("restored")
	if err := f.Restore(io.NopCloser(bytes.NewReader(snap))); err != nil {
		t.Fatal(err)
	}
	list := func(f *FSM) string {
		w := kv.NewWriter(nil, 2)
		f.Read(func(m *kv.Machine) {
			m.Exec(&kv.Cmd{Args: [][]byte{[]byte("ACL"), []byte("LIST")}, Proto: 2}, w)
		})
		return string(w.Bytes())
	}
	before, after := list(leader.fsm), list(f)
	if before != after || !strings.Contains(after, "user alice on #") || !strings.Contains(after, "user bob on nopass") {
		t.Fatalf("ACL LIST after restore:\n%q\nbefore:\n%q", after, before)
	}
	if got := snapshotBytes(t, f); !bytes.Equal(got[bytes.Index(got, []byte("RKVS")):], snap[bytes.Index(snap, []byte("RKVS")):]) {
		t.Fatal("the restored machine's snapshot differs from the one it was restored from")
	}
}
