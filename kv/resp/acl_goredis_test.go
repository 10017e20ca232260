package resp

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// ACL through go-redis against the RESP edge: users, AUTH and HELLO AUTH,
// command, key and channel permissions with Redis's NOPERM texts, MULTI,
// scripts, ACL LOG, GENPASS, WHOAMI, DRYRUN, and ACL SAVE/LOAD with an
// ACL file.
func TestACLGoRedis(t *testing.T) {
	dir := t.TempDir()
	aclFile := filepath.Join(dir, "users.acl")
	ts := startServer(t, Config{ACLFile: aclFile})
	ctx := context.Background()
	admin := redis.NewClient(&redis.Options{Addr: ts.addr, MaxRetries: -1})
	defer admin.Close()

	must := func(c *redis.Client, args ...any) any {
		t.Helper()
		v, err := c.Do(ctx, args...).Result()
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return v
	}
	wantErr := func(c *redis.Client, want string, args ...any) {
		t.Helper()
		err := c.Do(ctx, args...).Err()
		if err == nil || err.Error() != want {
			t.Fatalf("%v: got %v, want %q", args, err, want)
		}
	}

	must(admin, "ACL", "SETUSER", "alice", "on", ">alicepw", "~app:*", "&news.*", "+@read", "+set", "-debug", "+config|get", "+acl|whoami", "+@transaction")
	must(admin, "ACL", "SETUSER", "ro", "on", "nopass", "%R~*", "+@all")
	if got := must(admin, "ACL", "USERS"); strings.Join(toStrings(got), " ") != "alice default ro" {
		t.Fatalf("ACL USERS: %v", got)
	}

	wantErr(admin, "WRONGPASS invalid username-password pair or user is disabled.", "AUTH", "alice", "nope")
	alice := redis.NewClient(&redis.Options{Addr: ts.addr, Username: "alice", Password: "alicepw", MaxRetries: -1})
	defer alice.Close()
	if got := must(alice, "ACL", "WHOAMI"); got != "alice" {
		t.Fatalf("WHOAMI: %v", got)
	}
	must(alice, "SET", "app:1", "v")
	if got := must(alice, "GET", "app:1"); got != "v" {
		t.Fatalf("GET: %v", got)
	}
	wantErr(alice, "NOPERM this user has no permissions to access one of the keys used as arguments", "GET", "other")
	wantErr(alice, "NOPERM this user has no permissions to run the 'del' command", "DEL", "app:1")
	wantErr(alice, "NOPERM this user has no permissions to run the 'config|set' command", "CONFIG", "SET", "timeout", "0")
	must(alice, "CONFIG", "GET", "timeout")
	wantErr(alice, "NOPERM this user has no permissions to run the 'publish' command", "PUBLISH", "news.1", "x")
	must(admin, "ACL", "SETUSER", "alice", "+publish", "+subscribe")
	wantErr(alice, "NOPERM this user has no permissions to access one of the channels used as arguments", "PUBLISH", "sports", "x")
	must(alice, "PUBLISH", "news.1", "x")

	// SUBSCRIBE checks channels at the edge.
	sub := alice.Subscribe(ctx, "sports")
	if _, err := sub.Receive(ctx); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("SUBSCRIBE sports: %v", err)
	}
	sub.Close()
	// Revoking a channel closes a subscriber holding it, as Redis does.
	must(admin, "ACL", "SETUSER", "alice", "&news.2")
	raw := ts.dial()
	raw.send(respCmd("AUTH", "alice", "alicepw") + respCmd("SUBSCRIBE", "news.2"))
	raw.expect("+OK\r\n*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.2\r\n:1\r\n")
	must(admin, "ACL", "SETUSER", "alice", "resetchannels", "&news.*")
	raw.send(respCmd("SUBSCRIBE", "news.3"))
	raw.expect("*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.3\r\n:2\r\n")
	must(admin, "ACL", "SETUSER", "alice", "resetchannels", "&other")
	raw.expectClosed()

	// Read-only key patterns: %R~* lets GET through, not SET.
	ro := redis.NewClient(&redis.Options{Addr: ts.addr, Username: "ro", Password: "x", MaxRetries: -1})
	defer ro.Close()
	must(ro, "GET", "app:1")
	wantErr(ro, "NOPERM this user has no permissions to access one of the keys used as arguments", "SET", "app:1", "w")

	// MULTI: a refused command is refused when queued and EXEC aborts.
	pipe := alice.TxPipeline()
	pipe.Set(ctx, "app:2", "x", 0)
	pipe.Del(ctx, "app:2")
	_, err := pipe.Exec(ctx)
	if err == nil || !strings.Contains(err.Error(), "EXECABORT") {
		t.Fatalf("MULTI with a refused command: %v", err)
	}

	// Scripts: redis.call is checked against the caller.
	must(admin, "ACL", "SETUSER", "alice", "+eval")
	wantErr(alice, "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: e8fa856bbeb737d7c6e0cc648530e5e06b3524be, on @user_script:1.",
		"EVAL", "return redis.call('get', 'secret')", "0")

	// DRYRUN and CAT.
	if got := must(admin, "ACL", "DRYRUN", "alice", "GET", "x"); got != "This user has no permissions to access the 'x' key" {
		t.Fatalf("DRYRUN: %v", got)
	}
	if got := must(admin, "ACL", "DRYRUN", "alice", "GET", "app:x"); got != "OK" {
		t.Fatalf("DRYRUN: %v", got)
	}
	if got := toStrings(must(admin, "ACL", "CAT")); len(got) != 21 || got[0] != "keyspace" {
		t.Fatalf("ACL CAT: %v", got)
	}

	// The ACL log holds the refusals, newest first.
	logs := must(admin, "ACL", "LOG").([]any)
	if len(logs) == 0 {
		t.Fatal("ACL LOG is empty")
	}
	first := logs[0].(map[any]any)
	if first["count"] != int64(1) || first["username"] != "alice" || first["context"] != "multi" || first["object"] != "del" || first["reason"] != "command" ||
		!strings.Contains(first["client-info"].(string), " cmd=del user=alice ") {
		t.Fatalf("ACL LOG entry: %v", first)
	}
	must(admin, "ACL", "LOG", "RESET")
	if got := must(admin, "ACL", "LOG").([]any); len(got) != 0 {
		t.Fatalf("ACL LOG after RESET: %v", got)
	}

	// GENPASS at the edge.
	if p := must(admin, "ACL", "GENPASS").(string); len(p) != 64 {
		t.Fatalf("GENPASS: %q", p)
	}
	if p := must(admin, "ACL", "GENPASS", "5").(string); len(p) != 2 {
		t.Fatalf("GENPASS 5: %q", p)
	}

	// SAVE writes the file; LOAD reads it back (after a change it undoes).
	must(admin, "ACL", "SAVE")
	b, err := os.ReadFile(aclFile)
	if err != nil || !strings.Contains(string(b), "user alice on #") {
		t.Fatalf("ACL file: %q %v", b, err)
	}
	must(admin, "ACL", "DELUSER", "ro")
	must(admin, "ACL", "LOAD")
	if got := must(admin, "ACL", "USERS"); strings.Join(toStrings(got), " ") != "alice default ro" {
		t.Fatalf("ACL USERS after LOAD: %v", got)
	}
	os.WriteFile(aclFile, []byte("user bob on +nosuch\n"), 0o644)
	wantErr(admin, "ERR "+aclFile+":1: Error in applying operation '+nosuch': Unknown command or category name in ACL. WARNING: ACL errors detected, no change to the previously active ACL rules was performed", "ACL", "LOAD")
	wantErr(admin, "ERR wrong number of arguments for 'acl|load' command", "ACL", "LOAD", "x", "y")

	// CLIENT KILL USER picks the user's connections.
	if n := must(admin, "CLIENT", "KILL", "USER", "ro", "SKIPME", "yes"); n != int64(1) {
		t.Fatalf("CLIENT KILL USER ro: %v", n)
	}
	wantErr(admin, "ERR No such user 'nosuch'", "CLIENT", "KILL", "USER", "nosuch")

	// Deleting a user closes its connections: at once (the server's
	// housekeeping) for an idle one, seen here as EOF on a raw socket.
	raw = ts.dial()
	raw.send(respCmd("AUTH", "alice", "alicepw"))
	raw.expect("+OK\r\n")
	must(admin, "ACL", "DELUSER", "alice")
	raw.expectClosed()
	if err := alice.Do(ctx, "PING").Err(); err == nil {
		t.Fatal("a deleted user's connection still answers")
	}

	// HELLO AUTH, and the default user tied to requirepass.
	must(admin, "CONFIG", "SET", "requirepass", "pw")
	c2 := redis.NewClient(&redis.Options{Addr: ts.addr, Protocol: 3, Username: "default", Password: "pw", MaxRetries: -1})
	defer c2.Close()
	must(c2, "PING")
	gu := must(c2, "ACL", "GETUSER", "default").(map[any]any)
	if pw := gu["passwords"].([]any); len(pw) != 1 || pw[0] != "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4" {
		t.Fatalf("default user's passwords after CONFIG SET requirepass: %v", gu["passwords"])
	}
	bad := redis.NewClient(&redis.Options{Addr: ts.addr, MaxRetries: -1})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("PING without AUTH: %v", err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, e := range v.([]any) {
		out = append(out, e.(string))
	}
	return out
}
