package resp

import "testing"

// CLUSTER answers as a redis-server without cluster-enabled, with the
// arity Redis checks first; scripts cannot call it.
func TestClusterDisabled(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	for _, tc := range []struct{ cmd, want string }{
		{respCmd("CLUSTER", "INFO"), "-" + errClusterDisabled + "\r\n"},
		{respCmd("cluster", "slots"), "-" + errClusterDisabled + "\r\n"},
		{respCmd("CLUSTER", "RESET", "HARD"), "-" + errClusterDisabled + "\r\n"},
		{respCmd("CLUSTER"), "-ERR wrong number of arguments for 'cluster' command\r\n"},
		{respCmd("CLUSTER", "NOSUCH"), "-ERR unknown subcommand 'NOSUCH'. Try CLUSTER HELP.\r\n"},
		{respCmd("EVAL", "return redis.call('cluster', 'reset', 'hard')", "0"),
			"-ERR This Redis command is not allowed from script script: 2f652605b43a0cb0db77a1f3fd70d798a811612a, on @user_script:1.\r\n"},
	} {
		if got := c.do(tc.cmd); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.cmd, got, tc.want)
		}
	}
}
