package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// freeLoopbackPorts returns n distinct free ports on 127.0.0.1.
func freeLoopbackPorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

// TestRandomReadsThroughTheCluster: SRANDMEMBER, RANDOMKEY, HRANDFIELD and
// ZRANDMEMBER are reads, served outside the log (at the leader after the
// read barrier, forwarded there from a follower); each call must draw anew,
// as in Redis, and not repeat one member forever (they once all drew from
// seed 0 on the read path).
func TestRandomReadsThroughTheCluster(t *testing.T) {
	ports := freeLoopbackPorts(t, 6)
	var boot []string
	for i := 0; i < 3; i++ {
		boot = append(boot, fmt.Sprintf("n%d=127.0.0.1:%d", i, ports[3+i]))
	}
	dir := t.TempDir()
	var clients []*redis.Client
	for i := 0; i < 3; i++ {
		p := startServe(t, "--id", fmt.Sprint("n", i), "--resp", fmt.Sprintf("127.0.0.1:%d", ports[i]),
			"--raft", fmt.Sprintf("127.0.0.1:%d", ports[3+i]), "--data", filepath.Join(dir, fmt.Sprint("n", i)),
			"--bootstrap", strings.Join(boot, ","), "--heartbeat-timeout", "1s", "--election-timeout", "1s", "--lease-timeout", "500ms")
		cl := redis.NewClient(&redis.Options{Addr: p.addr, Protocol: 2, MaxRetries: -1, DisableIdentity: true})
		t.Cleanup(func() { cl.Close() })
		clients = append(clients, cl)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Writes through node 0 until a leader accepted them (CLUSTERDOWN
	// while the election runs, NOTLEADER or UNCERTAIN when leadership
	// moves on a loaded machine; the writes are idempotent).
	setup := func(cl *redis.Client) error {
		if err := cl.SAdd(ctx, "s", "a", "b", "c").Err(); err != nil {
			return err
		}
		if err := cl.HSet(ctx, "h", "a", 1, "b", 2, "c", 3).Err(); err != nil {
			return err
		}
		return cl.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}).Err()
	}
	for err := setup(clients[0]); err != nil; err = setup(clients[0]) {
		if retryable := strings.HasPrefix(err.Error(), "CLUSTERDOWN") || strings.HasPrefix(err.Error(), "NOTLEADER") ||
			strings.HasPrefix(err.Error(), "UNCERTAIN"); !retryable || ctx.Err() != nil {
			t.Fatalf("setup: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	draws := []struct {
		name string
		want []string
		draw func(cl *redis.Client) (string, error)
	}{
		{"SRANDMEMBER", []string{"a", "b", "c"}, func(cl *redis.Client) (string, error) { return cl.SRandMember(ctx, "s").Result() }},
		{"RANDOMKEY", []string{"s", "h", "z"}, func(cl *redis.Client) (string, error) { return cl.RandomKey(ctx).Result() }},
		{"HRANDFIELD", []string{"a", "b", "c"}, func(cl *redis.Client) (string, error) {
			v, err := cl.HRandField(ctx, "h", 1).Result()
			return strings.Join(v, ","), err
		}},
		{"ZRANDMEMBER", []string{"a", "b", "c"}, func(cl *redis.Client) (string, error) {
			v, err := cl.ZRandMember(ctx, "z", 1).Result()
			return strings.Join(v, ","), err
		}},
	}
	// 60 draws from 3 miss one member with probability 3*(2/3)^60 < 1e-10.
	const calls = 60
	for i, cl := range clients {
		for _, d := range draws {
			seen := map[string]int{}
			for j := 0; j < calls; j++ {
				v, err := d.draw(cl)
				if err != nil {
					t.Fatalf("node %d %s: %v", i, d.name, err)
				}
				seen[v]++
			}
			for _, w := range d.want {
				if seen[w] == 0 {
					t.Errorf("node %d: %s drew %v in %d calls, never %q", i, d.name, seen, calls, w)
				}
			}
		}
	}
}
