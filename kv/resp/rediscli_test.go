package resp

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestRedisCLI drives the edge with redis-cli, in argument form, from stdin
// and in RESP3 mode. The expected output is what redis-cli 7.0.15 prints for
// redis-server 7.0.15 (errors are followed by an empty line).
func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	ts := startServer(t, Config{RequirePass: "pw"})
	host, port, _ := net.SplitHostPort(ts.addr)
	run := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(cli, append([]string{"-h", host, "-p", port, "--no-auth-warning", "-a", "pw"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %q: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cases := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"set", "a", "hello world"}, "OK\n"},
		{"", []string{"get", "a"}, "hello world\n"},
		{"", []string{"get", "missing"}, "\n"},
		{"", []string{"-3", "get", "a"}, "hello world\n"},
		{"", []string{"nope", "x"}, "ERR unknown command 'nope', with args beginning with: 'x' \n\n"},
		{"", []string{"client", "setname", "cli"}, "OK\n"},
		{"", []string{"config", "get", "maxclients"}, "maxclients\n10000\n"},
		{"", []string{"-3", "config", "get", "maxclients"}, "maxclients 10000\n"},
		{"set b 2\nget b\nget \"a\"\n", nil, "OK\n2\nhello world\n"},
	}
	for _, c := range cases {
		if got := run(c.stdin, c.args...); got != c.want {
			t.Errorf("redis-cli %q (stdin %q): got %q, want %q", c.args, c.stdin, got, c.want)
		}
	}
	if got := run("", "info", "server"); !strings.Contains(got, "redis_version:7.0.0") {
		t.Errorf("info server: %q", got)
	}
	if got := run("", "command", "count"); got == "0\n" || strings.Contains(got, "ERR") {
		t.Errorf("command count: %q", got)
	}
	// Without the password.
	cmd := exec.Command(cli, "-h", host, "-p", port, "get", "a")
	out, _ := cmd.CombinedOutput()
	if got := string(out); got != "NOAUTH Authentication required.\n\n" {
		t.Errorf("without password: %q", got)
	}
}
