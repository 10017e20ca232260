package resp

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestRedisBenchmarkCompletes runs redis-benchmark's default suite (short)
// against the edge, plain and pipelined, and requires every test to report
// a rate and no error reply to appear.
func TestRedisBenchmarkCompletes(t *testing.T) {
	bench, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Skip("redis-benchmark not installed")
	}
	ts := startServer(t, Config{})
	host, port, _ := net.SplitHostPort(ts.addr)
	for _, pipeline := range []string{"1", "16"} {
		out, err := exec.Command(bench, "-h", host, "-p", port, "-q", "-n", "2000", "-c", "10", "-P", pipeline,
			"-t", "ping,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,zpopmin,lrange,mset").CombinedOutput()
		text := strings.ReplaceAll(string(out), "\r", "\n")
		if err != nil {
			t.Fatalf("redis-benchmark -P %s: %v\n%s", pipeline, err, text)
		}
		for _, bad := range []string{"ERR", "Error", "WRONGTYPE", "error"} {
			if strings.Contains(text, bad) {
				t.Fatalf("redis-benchmark -P %s reported %q:\n%s", pipeline, bad, text)
			}
		}
		for _, test := range []string{"PING_INLINE", "PING_MBULK", "SET", "GET", "INCR", "LPUSH", "RPUSH", "LPOP", "RPOP",
			"SADD", "HSET", "SPOP", "ZADD", "ZPOPMIN", "LRANGE_100", "LRANGE_600", "MSET"} {
			if !strings.Contains(text, test+":") && !strings.Contains(text, test+" ") {
				t.Errorf("redis-benchmark -P %s: no result for %s:\n%s", pipeline, test, text)
			}
		}
	}
}
