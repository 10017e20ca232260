package resp

import (
	"strings"
	"testing"
)

// TestCommandStats: INFO commandstats and errorstats count calls, commands
// refused before running (rejected) and commands that replied an error
// (failed), inside pipelines and transactions too; CONFIG RESETSTAT zeroes
// them. The same sequence gives the same lines on redis-server 7.0.15
// (usec aside).
func TestCommandStats(t *testing.T) {
	ts := startServer(t, Config{})
	c := ts.dial()
	c.do(respCmd("CONFIG", "RESETSTAT"))
	// A pipeline: two SETs, a GET with a wrong type error (failed), an
	// INCR of a non-number (failed), a GET with too many arguments
	// (rejected) and an unknown command.
	c.send(respCmd("SET", "a", "1") + respCmd("SET", "s", "x") + respCmd("LPUSH", "l", "v") + respCmd("GET", "l") +
		respCmd("INCR", "s") + respCmd("GET", "a", "b") + respCmd("NOSUCH"))
	c.expect("+OK\r\n+OK\r\n:1\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n" +
		"-ERR value is not an integer or out of range\r\n-ERR wrong number of arguments for 'get' command\r\n" +
		"-ERR unknown command 'NOSUCH', with args beginning with: \r\n")
	c.send(respCmd("MULTI") + respCmd("SET", "b", "2") + respCmd("EXEC"))
	c.expect("+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n")
	info := c.do(respCmd("INFO", "commandstats"))
	for _, want := range []string{
		"cmdstat_set:calls=3,", "cmdstat_lpush:calls=1,",
		"cmdstat_get:calls=1,", ",rejected_calls=1,failed_calls=1\r\n",
		"cmdstat_incr:calls=1,", "cmdstat_multi:calls=1,", "cmdstat_exec:calls=1,",
		"cmdstat_config|resetstat:calls=1,",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO commandstats lacks %q:\n%s", want, info)
		}
	}
	errs := c.do(respCmd("INFO", "errorstats"))
	for _, want := range []string{"errorstat_ERR:count=3\r\n", "errorstat_WRONGTYPE:count=1\r\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("INFO errorstats lacks %q:\n%s", want, errs)
		}
	}
	if all := c.do(respCmd("INFO", "all")); !strings.Contains(all, "rejected_calls") || !strings.Contains(all, "total_error_replies:4\r\n") {
		t.Errorf("INFO all lacks commandstats or total_error_replies:\n%s", all)
	}
	if def := c.do(respCmd("INFO")); strings.Contains(def, "rejected_calls") {
		t.Errorf("INFO (default) has commandstats")
	}
	c.do(respCmd("CONFIG", "RESETSTAT"))
	if info := c.do(respCmd("INFO", "commandstats")); strings.Contains(info, "cmdstat_set") {
		t.Errorf("after CONFIG RESETSTAT: %s", info)
	}
}
