package replication

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"redraft/kv"
	"redraft/kv/script"
)

// TestScriptsAreReplicatedState: EVAL runs through the log on every node
// (math.random and SPOP from the entry's seed), the script cache and the
// libraries are in every node's machine, EVALSHA and FCALL work on the new
// leader after a failover, replicas end with byte-identical snapshots, and
// read-only scripts are served without a log entry.
func TestScriptsAreReplicatedState(t *testing.T) {
	c := startCluster(t, 3, false)
	body := "local r = math.random(1000000) redis.call('SET', KEYS[1], r) redis.call('SADD', KEYS[2], 'a', 'b', 'c', 'd') return redis.call('SPOP', KEYS[2])"
	sha := script.Sha1Hex([]byte(body))
	if got := c.doLeader("EVAL", body, "2", "r", "s"); !strings.HasPrefix(got, "$1\r\n") {
		t.Fatalf("EVAL: %q", got)
	}
	lib := "#!lua name=l\nredis.register_function('bump', function(keys) return redis.call('INCR', keys[1]) end)"
	if got := c.doLeader("FUNCTION", "LOAD", lib); got != "$1\r\nl\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	if got := c.doLeader("FCALL", "bump", "1", "n"); got != ":1\r\n" {
		t.Fatalf("FCALL: %q", got)
	}

	// A read-only script is a read: no log entry.
	l := c.leader()
	before := l.AppliedIndex()
	if got := do(l, "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "n"); got != "$1\r\n1\r\n" {
		t.Fatalf("EVAL_RO: %q", got)
	}
	if got := do(l, "EVAL", "#!lua flags=no-writes\nreturn redis.call('EXISTS', KEYS[1])", "1", "n"); got != ":1\r\n" {
		t.Fatalf("no-writes EVAL: %q", got)
	}
	if after := l.AppliedIndex(); after != before {
		t.Fatalf("read-only scripts went through the log: applied %d -> %d", before, after)
	}

	// Every node holds the same state, byte for byte.
	waitConverged(t, c)

	// Fail the leader over: the cache and libraries are on the new one.
	for i, n := range c.nodes {
		if n == l {
			n.Close()
			c.nodes[i] = nil
		}
	}
	if got := c.doLeader("EVALSHA", sha, "2", "r2", "s2"); !strings.HasPrefix(got, "$1\r\n") {
		t.Fatalf("EVALSHA after failover: %q", got)
	}
	if got := c.doLeader("FCALL", "bump", "1", "n"); got != ":2\r\n" {
		t.Fatalf("FCALL after failover: %q", got)
	}
	waitConverged(t, c)
}

// waitConverged waits until every live node applied the same index and
// then compares their snapshots.
func waitConverged(t *testing.T, c *cluster) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var idx []uint64
		for _, n := range c.nodes {
			if n != nil {
				idx = append(idx, n.AppliedIndex())
			}
		}
		same := true
		for _, i := range idx {
			same = same && i == idx[0]
		}
		if same {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("nodes did not converge: %v", idx)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var first []byte
	for _, n := range c.nodes {
		if n == nil {
			continue
		}
		var b bytes.Buffer
		n.fsm.Read(func(m *kv.Machine) {
			if err := m.Snapshot(&b); err != nil {
				t.Fatal(err)
			}
		})
		if first == nil {
			first = b.Bytes()
		} else if !bytes.Equal(first, b.Bytes()) {
			t.Fatal("replicas' snapshots differ")
		}
	}
}

// TestReadOnlyScriptsRunConcurrently runs read-only scripts from many
// goroutines on the leader (they share the machine's read lock and a pool
// of engines) while writes go through the log; run with -race.
func TestReadOnlyScriptsRunConcurrently(t *testing.T) {
	c := startCluster(t, 3, false)
	lib := "#!lua name=ro\nredis.register_function{function_name='get2', callback=function(keys) return {redis.call('GET', keys[1]), cjson.encode({math.random(10)})} end, flags={'no-writes'}}"
	if got := c.doLeader("FUNCTION", "LOAD", lib); got != "$2\r\nro\r\n" {
		t.Fatalf("FUNCTION LOAD: %q", got)
	}
	c.set("k", "v")
	l := c.leader()
	done := make(chan string, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			for i := 0; i < 50; i++ {
				var got string
				switch (g + i) % 3 {
				case 0:
					got = do(l, "EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "k")
				case 1:
					got = do(l, "FCALL_RO", "get2", "1", "k")
				default:
					got = do(l, "EVAL", "return redis.call('INCR', KEYS[1])", "1", "n")
				}
				if strings.HasPrefix(got, "-") && !strings.HasPrefix(got, "-UNCERTAIN") && !strings.HasPrefix(got, "-NOTLEADER") && !strings.HasPrefix(got, "-CLUSTERDOWN") {
					done <- got
					return
				}
			}
			done <- ""
		}(g)
	}
	for g := 0; g < 8; g++ {
		if msg := <-done; msg != "" {
			t.Fatalf("script failed: %q", msg)
		}
	}
	waitConverged(t, c)
}
