package netns

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// buildKV compiles the node binary into a temporary directory.
func buildKV(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kv")
	out, err := exec.Command("go", "build", "-o", bin, "redraft/cmd/kv").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// raftInfo asks a node for RAFT INFO; nil when it does not answer.
func raftInfo(ctx context.Context, addr string) map[string]string {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	defer c.Close()
	s, err := c.Do(ctx, "RAFT", "INFO").Text()
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m
}

// leaderSeenBy polls until every node in ids names one leader among ids,
// and returns it.
func leaderSeenBy(t *testing.T, c *Cluster, ids []string, not string) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		leader := ""
		agree := true
		for _, id := range ids {
			info := raftInfo(ctx, c.RESPAddr(id))
			if info == nil || info["leader_id"] == "" || info["leader_id"] == not || (leader != "" && info["leader_id"] != leader) {
				agree = false
				break
			}
			leader = info["leader_id"]
		}
		if agree {
			return leader
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("nodes %v never agreed on a leader other than %q", ids, not)
	return ""
}

// TestClusterPartitionKillTeardown runs a real 3-node cluster in
// namespaces: the nodes elect a leader, an isolated leader is replaced, a
// killed node restarts on its data, and Close leaves no namespace behind.
func TestClusterPartitionKillTeardown(t *testing.T) {
	if err := Available(); err != nil {
		t.Skipf("network namespaces unavailable, the real-network cluster test cannot run: %v", err)
	}
	bin := buildKV(t)
	dir := t.TempDir()
	ctx := context.Background()
	c, err := New(ctx, Config{Bin: bin, Nodes: 3, WorkDir: filepath.Join(dir, "data"), LogDir: filepath.Join(dir, "logs"),
		OnExit: func(id string, err error) { t.Errorf("%s exited by itself: %v", id, err) }})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			c.Close()
		}
	})
	for _, id := range c.Nodes() {
		if err := c.Start(id); err != nil {
			t.Fatal(err)
		}
	}
	leader := leaderSeenBy(t, c, c.Nodes(), "")

	// Isolate the leader: the other two elect another one.
	g := map[string]map[string]bool{leader: {}}
	var rest []string
	for _, id := range c.Nodes() {
		if id != leader {
			rest = append(rest, id)
			g[leader][id] = true
			g[id] = map[string]bool{leader: true}
		}
	}
	if err := c.Partition(ctx, g); err != nil {
		t.Fatal(err)
	}
	rules, err := c.Rules(ctx, leader)
	if err != nil || !strings.Contains(rules, c.Addr(rest[0]).String()) {
		t.Fatalf("leader's ruleset lacks %s (err %v):\n%s", c.Addr(rest[0]), err, rules)
	}
	second := leaderSeenBy(t, c, rest, leader)
	if err := c.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	// Total packet loss on the leader's links works as isolation; back to
	// no loss, everyone agrees on a leader again.
	lossy := leaderSeenBy(t, c, c.Nodes(), "")
	if err := c.SetLoss(ctx, lossy, 100); err != nil {
		t.Fatal(err)
	}
	if rules, err := c.Rules(ctx, lossy); err != nil || !strings.Contains(rules, lossTable) {
		t.Fatalf("the lossy node's ruleset lacks its loss rule (err %v):\n%s", err, rules)
	}
	var others []string
	for _, id := range c.Nodes() {
		if id != lossy {
			others = append(others, id)
		}
	}
	leaderSeenBy(t, c, others, lossy)
	if err := c.SetLoss(ctx, lossy, 0); err != nil {
		t.Fatal(err)
	}
	if rules, _ := c.Rules(ctx, lossy); strings.Contains(rules, lossTable) {
		t.Fatalf("loss 0 left the table:\n%s", rules)
	}
	leaderSeenBy(t, c, c.Nodes(), "")

	// kill -9 and restart on the same data directory.
	if err := c.Kill(second); err != nil {
		t.Fatal(err)
	}
	if got := len(c.Running()); got != 2 {
		t.Fatalf("%d nodes running after a kill, want 2", got)
	}
	if err := c.Start(second); err != nil {
		t.Fatal(err)
	}
	leaderSeenBy(t, c, c.Nodes(), "")

	// Membership: remove a node, wipe it, rejoin it with --join.
	leader = leaderSeenBy(t, c, c.Nodes(), "")
	gone := c.Nodes()[0]
	if gone == leader {
		gone = c.Nodes()[1]
	}
	if err := c.Wipe(gone); err == nil {
		t.Fatal("Wipe of a running node succeeded")
	}
	rc := redis.NewClient(&redis.Options{Addr: c.RESPAddr(leader), MaxRetries: -1})
	defer rc.Close()
	// An election can start right after the nodes agreed (the default
	// timers on a loaded machine): a definite refusal is asked again, as
	// a client would.
	for deadline := time.Now().Add(20 * time.Second); ; {
		err := rc.Do(ctx, "RAFT", "REMOVE", gone).Err()
		if err == nil {
			break
		}
		if msg := err.Error(); time.Now().After(deadline) || !strings.HasPrefix(msg, "CLUSTERDOWN") && !strings.HasPrefix(msg, "NOTLEADER") {
			t.Fatalf("RAFT REMOVE %s: %v", gone, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.Kill(gone); err != nil {
		t.Fatal(err)
	}
	if err := c.Wipe(gone); err != nil {
		t.Fatal(err)
	}
	if err := c.Join(gone, c.RESPAddr(leader)); err != nil {
		t.Fatal(err)
	}
	leaderSeenBy(t, c, c.Nodes(), "")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		info := raftInfo(ctx, c.RESPAddr(gone))
		if info != nil && info["applied_index"] != "0" && info["applied_index"] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("rejoined %s never applied the log: %v", gone, info)
		}
	}

	ns := c.Namespace("n1")
	closed = true
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); err == nil {
		t.Fatalf("namespace %s survived Close", ns)
	}
	if out, _ := exec.Command("ip", "link", "show", bridgeName(c.pid)).CombinedOutput(); !strings.Contains(string(out), "does not exist") {
		t.Fatalf("bridge survived Close: %s", out)
	}
}
