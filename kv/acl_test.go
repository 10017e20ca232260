package kv

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func aclExec(m *Machine, user string, args ...string) string {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: b, Proto: 2, User: user}, w)
	return string(w.Bytes())
}

// reparse rebuilds a user from its description, as a snapshot restore
// does.
func reparse(t testing.TB, u *aclUser) *aclUser {
	st, err := restoreACL([][]byte{u.snapshotItem()})
	if err != nil {
		t.Fatalf("restoring %q: %v", u.describe(), err)
	}
	return st.users[u.name]
}

// sameUser compares what decides permissions and descriptions.
func sameUser(a, b *aclUser) bool {
	if a.flags != b.flags || !slices.Equal(a.passwords, b.passwords) || len(a.selectors) != len(b.selectors) || a.unrestricted != b.unrestricted {
		return false
	}
	for i, s := range a.selectors {
		o := b.selectors[i]
		if !slices.Equal(s.bits, o.bits) || s.allCommands != o.allCommands || s.future != o.future ||
			s.allKeys != o.allKeys || s.allChannels != o.allChannels ||
			!slices.Equal(s.keys, o.keys) || !slices.Equal(s.channels, o.channels) {
			return false
		}
		// First arguments matter (and are described) only for commands
		// the bitmap denies, as in Redis.
		for _, c := range aclCommands().all {
			if !s.bit(c.id) && !slices.Equal(s.firstArgs[c.id], o.firstArgs[c.id]) {
				return false
			}
		}
	}
	return true
}

// A user's description recreates exactly that user (bitmap, first args,
// patterns, flags, passwords): snapshots store users as descriptions.
func TestACLDescribeRoundTrip(t *testing.T) {
	for _, rules := range []string{
		"on >p ~* &* +@all",
		"off nopass -@all +get +set|x +config|get -config|set %R~r:* %W~w:* ~rw:*",
		"+@all -@dangerous +flushall -@write +set resetchannels &a &b",
		"-@all +select|0 +select|1 +debug|object +@hash -hset (~x +get) (%R~y +@read -keys &c)",
		"reset on #" + strings.Repeat("ab", 32) + " skip-sanitize-payload allkeys allchannels allcommands -client|kill",
		"+@all -@all +@string -@fast +acl|whoami -acl",
	} {
		u, msg := setUserRules(nil, "u", strings.Split(rules, " "))
		if msg != "" {
			t.Fatalf("%q: %s", rules, msg)
		}
		if r := reparse(t, u); !sameUser(u, r) || r.describe() != u.describe() {
			t.Fatalf("%q: described as %q, which recreates %q", rules, u.describe(), r.describe())
		}
	}
}

// FuzzACLRules: any rule list is either refused or makes a user whose
// description recreates it; nothing panics.
func FuzzACLRules(f *testing.F) {
	for _, s := range []string{"on >p ~* +@all", "-@all +get|x (~a +set) %RW~k &c", "+@all -@read +get reset", "(~a", "%R", "+select|"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rules string) {
		if len(rules) > 4096 {
			return
		}
		u, msg := setUserRules(nil, "u", strings.Split(rules, " "))
		if msg != "" {
			return
		}
		if r := reparse(t, u); !sameUser(u, r) {
			t.Fatalf("%q: described as %q, which recreates %q", rules, u.describe(), r.describe())
		}
	})
}

// The machine checks the user each command carries: commands, keys,
// channels, first arguments, selectors, inside transactions (the EXEC-time
// text) and in scripts (against the caller).
func TestACLMachineChecks(t *testing.T) {
	m := NewMachine()
	if got := aclExec(m, "", "ACL", "SETUSER", "u", "on", "nopass", "~app:*", "&news", "+get", "+set", "+publish", "+eval", "+select|0", "(%R~ro:* +get)"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", "app:1", "v"}, "+OK\r\n"},
		{[]string{"GET", "ro:1"}, "$-1\r\n"},
		{[]string{"SET", "ro:1", "v"}, "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n"},
		{[]string{"DEL", "app:1"}, "-NOPERM this user has no permissions to run the 'del' command\r\n"},
		{[]string{"PUBLISH", "news", "m"}, ":0\r\n"},
		{[]string{"PUBLISH", "other", "m"}, "-NOPERM this user has no permissions to access one of the channels used as arguments\r\n"},
		{[]string{"EVAL", "return redis.call('get', 'nope')", "0"}, ""}, // checked below
		{[]string{"ACL", "WHOAMI"}, "-NOPERM this user has no permissions to run the 'acl|whoami' command\r\n"},
	} {
		got := aclExec(m, "u", tc.args...)
		if tc.args[0] == "EVAL" {
			// The script's SHA is the body's; only the text around it matters here.
			if !strings.HasPrefix(got, "-ERR The user executing the script can't access at least one of the keys") {
				t.Fatalf("%v: %q", tc.args, got)
			}
			continue
		}
		if got != tc.want {
			t.Fatalf("%v: got %q, want %q", tc.args, got, tc.want)
		}
	}
	for _, tc := range []struct{ script, want string }{
		{"return redis.acl_check_cmd('get', 'app:1')", ":1\r\n"},
		{"return redis.acl_check_cmd('get', 'zz')", "$-1\r\n"},
		{"return redis.acl_check_cmd('del', 'app:1')", "$-1\r\n"},
	} {
		if got := aclExec(m, "u", "EVAL", tc.script, "0"); got != tc.want {
			t.Fatalf("%s: got %q, want %q", tc.script, got, tc.want)
		}
	}
	if got := aclExec(m, "nobody", "GET", "app:1"); got != "-NOPERM this user has no permissions to run the 'get' command\r\n" {
		t.Fatalf("unknown user: %q", got)
	}
	// EXEC: the rules changed after queueing.
	w := NewWriter(nil, 2)
	m.Exec(&Cmd{Args: [][]byte{[]byte("EXEC")}, Proto: 2, User: "u", Tx: &Tx{Cmds: [][][]byte{
		{[]byte("GET"), []byte("app:1")}, {[]byte("DEL"), []byte("app:1")}}}}, w)
	want := "*2\r\n$1\r\nv\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n"
	if got := string(w.Bytes()); got != want {
		t.Fatalf("EXEC: got %q, want %q", got, want)
	}
}

// Users survive a snapshot; a snapshot of a machine whose users were never
// changed holds no ACL item and restores the initial users.
func TestACLSnapshot(t *testing.T) {
	m := NewMachine()
	var plain bytes.Buffer
	if err := m.Snapshot(&plain); err != nil {
		t.Fatal(err)
	}
	aclExec(m, "", "ACL", "SETUSER", "b", "on", ">pw", "~k*", "-@all", "+@read", "(+set ~s)")
	aclExec(m, "", "ACL", "SETUSER", "a", "off")
	aclExec(m, "", "ACL", "SETUSER", "default", "resetpass", ">x")
	var snap bytes.Buffer
	if err := m.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}
	r := NewMachine()
	if err := r.Restore(bytes.NewReader(snap.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got, want := aclExec(r, "", "ACL", "LIST"), aclExec(m, "", "ACL", "LIST"); got != want {
		t.Fatalf("ACL LIST after restore:\n%q\nwant\n%q", got, want)
	}
	var again bytes.Buffer
	if err := r.Snapshot(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), snap.Bytes()) {
		t.Fatal("the restored machine's snapshot differs")
	}
	if !r.ACL().Authenticate([]byte("b"), []byte("pw"), "") || r.ACL().Authenticate([]byte("default"), []byte(""), "") {
		t.Fatal("passwords after restore")
	}
	// The plain snapshot resets the users.
	if err := r.Restore(bytes.NewReader(plain.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got := aclExec(r, "", "ACL", "LIST"); got != "*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n" {
		t.Fatalf("ACL LIST after restoring a snapshot without users: %q", got)
	}
	if bytes.Contains(plain.Bytes(), []byte("user default")) || bytes.Contains(plain.Bytes(), []byte("default on")) {
		t.Fatal("a machine with untouched users wrote an ACL item")
	}
}

// A command's user travels in its encoding (version 3); a command without
// one encodes as version 2, as before.
func TestCmdEncodingUser(t *testing.T) {
	c := &Cmd{Args: [][]byte{[]byte("GET"), []byte("k")}, Proto: 3, DB: 2, NowMs: 5, Seed: 9, User: "alice"}
	b := c.AppendEncode(nil)
	if b[0] != cmdEncodingUser {
		t.Fatalf("version %d", b[0])
	}
	d, rest, err := DecodeCmd(b)
	if err != nil || len(rest) != 0 || d.User != "alice" || d.DB != 2 || string(d.Args[1]) != "k" {
		t.Fatalf("decoded %+v, %v", d, err)
	}
	c.User = "default"
	b = c.AppendEncode(nil)
	if d, _, err := DecodeCmd(b); err != nil || d.User != "default" || len(b) != len((&Cmd{Args: c.Args, Proto: 3, DB: 2, NowMs: 5, Seed: 9}).AppendEncode(nil))+1 {
		t.Fatalf("the default user: %+v %v, %d bytes", d, err, len(b))
	}
	c.User = ""
	if b := c.AppendEncode(nil); b[0] != cmdEncodingVersion {
		t.Fatalf("without a user: version %d", b[0])
	}
}
