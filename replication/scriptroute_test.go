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
	// Under load the cluster may elect a new leader in the middle: an
	// attempt that meets a refusal (CLUSTERDOWN, NOTLEADER) starts over.
	var l, f *Node
	var before uint64
	clean := false
	for attempt := 0; attempt < 5 && !clean; attempt++ {
		l = c.leader()
		for _, n := range c.nodes {
			if n != l {
				f = n
			}
		}
		// The follower has applied the loads (it decides the routing
		// with its own cache; without them it would forward the EVALSHA
		// as a write, which the leader would still serve as a read).
		deadline := time.Now().Add(10 * time.Second)
		for f.AppliedIndex() < l.AppliedIndex() {
			if time.Now().After(deadline) {
				t.Fatal("follower did not catch up")
			}
			time.Sleep(5 * time.Millisecond)
		}
		before = l.AppliedIndex()
		clean = true
		for i := 0; i < 5 && clean; i++ {
			for _, n := range []*Node{l, f} {
				for _, cmd := range []string{"EVALSHA", "EVALSHA_RO", "evalsha"} {
					sha := roSha
					if cmd == "evalsha" {
						sha = strings.ToUpper(roSha)
					}
					got := do(n, cmd, sha, "1", "k")
					if strings.HasPrefix(got, "-CLUSTERDOWN") || strings.HasPrefix(got, "-NOTLEADER") {
						clean = false
						continue
					}
					if got != "$1\r\nv\r\n" {
						t.Fatalf("%s of the no-writes script: %q", cmd, got)
					}
				}
			}
		}
		if clean && !l.IsLeader() {
			clean = false
		}
	}
	if !clean {
		t.Fatal("no attempt ran without a leader change")
	}
	if after := l.AppliedIndex(); after != before {
		t.Fatalf("EVALSHA of a no-writes script went through the log: applied %d -> %d", before, after)
	}
	// A write script's EVALSHA is a log entry; its result is everywhere.
	if got := c.doLeader("EVALSHA", rwSha, "1", "n"); got != ":1\r\n" {
		t.Fatalf("EVALSHA of the write script: %q", got)
	}
	if after := c.leader().AppliedIndex(); after <= before {
		t.Fatal("EVALSHA of a write script created no log entry")
	}
	// An unknown sha is NOSCRIPT, a write by the table's flags (the log
	// answers it).
	if got := c.doLeader("EVALSHA", strings.Repeat("0", 40), "0"); !strings.HasPrefix(got, "-NOSCRIPT") {
		t.Fatalf("EVALSHA of an unknown sha: %q", got)
	}
	waitConverged(t, c)
}
