package replication

import (
	"strings"
	"testing"
	"time"

	"redraft/kv/script"
)

// TestEvalShaNoWritesIsARead: on a 3-node cluster, EVALSHA of a cached
// script whose shebang says no-writes is served as a read, through the
// leader and through a follower, and creates no log entry; EVALSHA_RO too;
// EVALSHA of a write script still goes through the log.
func TestEvalShaNoWritesIsARead(t *testing.T) {
	c, _ := startRESPCluster(t, 3)
	ro := "#!lua flags=no-writes\nreturn redis.call('GET', KEYS[1])"
	rw := "return redis.call('INCR', KEYS[1])"
	roSha, rwSha := script.Sha1Hex([]byte(ro)), script.Sha1Hex([]byte(rw))
	if got := c.doLeader("SET", "k", "v"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	for _, body := range []string{ro, rw} {
		if got := c.doLeader("SCRIPT", "LOAD", body); !strings.HasPrefix(got, "$40\r\n") {
			t.Fatalf("SCRIPT LOAD: %q", got)
		}
	}
	l := c.leader()
	var f *Node
	for _, n := range c.nodes {
		if n != l {
			f = n
		}
	}
	// The follower has applied the loads (it decides the routing with its
	// own cache; without them it would forward the EVALSHA as a write,
	// which the leader would still serve as a read).
	deadline := time.Now().Add(10 * time.Second)
	for f.AppliedIndex() < l.AppliedIndex() {
		if time.Now().After(deadline) {
			t.Fatal("follower did not catch up")
		}
		time.Sleep(5 * time.Millisecond)
	}
	before := l.AppliedIndex()
	for i := 0; i < 5; i++ {
		for _, n := range []*Node{l, f} {
			for _, cmd := range []string{"EVALSHA", "EVALSHA_RO", "evalsha"} {
				sha := roSha
				if cmd == "evalsha" {
					sha = strings.ToUpper(roSha)
				}
				if got := do(n, cmd, sha, "1", "k"); got != "$1\r\nv\r\n" {
					t.Fatalf("%s of the no-writes script: %q", cmd, got)
				}
			}
		}
	}
	if after := l.AppliedIndex(); after != before {
		t.Fatalf("EVALSHA of a no-writes script went through the log: applied %d -> %d", before, after)
	}
	// A write script's EVALSHA is a log entry; its result is everywhere.
	if got := do(f, "EVALSHA", rwSha, "1", "n"); got != ":1\r\n" {
		t.Fatalf("EVALSHA of the write script: %q", got)
	}
	if after := l.AppliedIndex(); after == before {
		t.Fatal("EVALSHA of a write script created no log entry")
	}
	// An unknown sha is NOSCRIPT, a write by the table's flags (the log
	// answers it).
	if got := do(f, "EVALSHA", strings.Repeat("0", 40), "0"); !strings.HasPrefix(got, "-NOSCRIPT") {
		t.Fatalf("EVALSHA of an unknown sha: %q", got)
	}
	waitConverged(t, c)
}
