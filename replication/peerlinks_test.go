package replication

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv/resp"
)

// clientCounts reads INFO clients' connected_clients and
// cluster_connections on conn.
func clientCounts(t *testing.T, conn *redis.Conn) (clients, peers int) {
	t.Helper()
	info, err := conn.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Fatal(err)
	}
	clients, peers = -1, -1
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "connected_clients:"); ok {
			clients, _ = strconv.Atoi(v)
		}
		if v, ok := strings.CutPrefix(l, "cluster_connections:"); ok {
			peers, _ = strconv.Atoi(v)
		}
	}
	return clients, peers
}

// peerLinkIDs returns the ids of CLIENT LIST's peer links (the connections
// whose last command is REDRAFT.FORWARD).
func peerLinkIDs(t *testing.T, conn *redis.Conn) []string {
	t.Helper()
	list, err := conn.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, l := range strings.Split(list, "\n") {
		if strings.Contains(l, " cmd=redraft.forward ") {
			ids = append(ids, strings.TrimPrefix(strings.Fields(l)[0], "id="))
		}
	}
	return ids
}

// The leader's term probes reach a follower on the follower's client port.
// Those links are the cluster's own, not clients: INFO counts them as
// cluster_connections, and CLIENT KILL SKIPME yes (the filters that pick
// clients by kind) leaves them, so the read that follows a kill does not
// dial a new link that the next count would take for a client. Redis's own
// test "CLIENT KILL SKIPME YES/NO will kill all clients" failed now and
// then through a follower for that reason (4 clients counted for 3).
// Killing a link by ID still closes it, and the leader dials a new one.
func TestPeerLinksAreNotClients(t *testing.T) {
	c, addrs := startRESPClusterWith(t, 3, func(i int, cfg *Config) {
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = time.Second, time.Second, 500*time.Millisecond
	}, resp.Config{})
	fs := c.followers(c.leader())
	f := fs[0]
	// With the other follower gone, every probe of the leader's read
	// barriers goes to f.
	c.stop(fs[1])

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addrs[f], MaxRetries: -1})
	defer rdb.Close()
	me := rdb.Conn()
	defer me.Close()
	read := func() {
		t.Helper()
		if err := me.Get(ctx, "k").Err(); err != redis.Nil {
			t.Fatalf("GET through the follower: %v", err)
		}
	}
	var links []string
	deadline := time.Now().Add(10 * time.Second)
	for len(links) == 0 {
		read()
		links = peerLinkIDs(t, me)
		if time.Now().After(deadline) {
			t.Fatal("CLIENT LIST shows no peer link from the leader after 10s of reads")
		}
	}
	if clients, peers := clientCounts(t, me); clients != 1 || peers != len(links) {
		t.Fatalf("connected_clients = %d, cluster_connections = %d with one client and peer links %v; want 1 and %d",
			clients, peers, links, len(links))
	}

	open := func() *redis.Conn {
		t.Helper()
		cn := rdb.Conn()
		if err := cn.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		return cn
	}
	rd1, rd2 := open(), open()
	defer rd1.Close()
	defer rd2.Close()
	if clients, _ := clientCounts(t, me); clients != 3 {
		t.Fatalf("connected_clients = %d, want 3", clients)
	}
	if n, err := me.ClientKillByFilter(ctx, "SKIPME", "yes").Result(); err != nil || n != 2 {
		t.Fatalf("CLIENT KILL SKIPME yes = %d, %v; want the 2 other clients", n, err)
	}
	rd3, rd4 := open(), open()
	defer rd3.Close()
	defer rd4.Close()
	for i := 0; i < 20; i++ {
		read()
		if clients, _ := clientCounts(t, me); clients != 3 {
			t.Fatalf("after the kill, two new clients and %d reads: connected_clients = %d, want 3", i+1, clients)
		}
	}
	after := peerLinkIDs(t, me)
	for _, id := range links {
		if !strings.Contains(" "+strings.Join(after, " ")+" ", " "+id+" ") {
			t.Fatalf("peer link %s gone after CLIENT KILL SKIPME yes (links before %v, after %v)", id, links, after)
		}
	}

	// Named, a link is closed; the leader's next probe dials a new one.
	id, _ := strconv.ParseInt(links[0], 10, 64)
	if n, err := me.ClientKillByFilter(ctx, "ID", strconv.FormatInt(id, 10)).Result(); err != nil || n != 1 {
		t.Fatalf("CLIENT KILL ID %d = %d, %v; want 1", id, n, err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		read()
		now := peerLinkIDs(t, me)
		if len(now) > 0 && !strings.Contains(" "+strings.Join(now, " ")+" ", " "+links[0]+" ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new peer link after killing %s: %v", links[0], now)
		}
	}

	// The idle timeout closes idle clients, not peer links: with
	// timeout 1 s and nothing sent for 2.5 s, every client is gone and
	// the link the leader dialed last is still there.
	links = peerLinkIDs(t, me)
	if err := me.ConfigSet(ctx, "timeout", "1").Err(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2500 * time.Millisecond)
	fresh := redis.NewClient(&redis.Options{Addr: addrs[f], MaxRetries: -1})
	defer fresh.Close()
	me = fresh.Conn()
	defer me.Close()
	if err := me.ConfigSet(ctx, "timeout", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if clients, _ := clientCounts(t, me); clients != 1 {
		t.Fatalf("connected_clients = %d after the idle timeout, want 1 (the new client)", clients)
	}
	after = peerLinkIDs(t, me)
	for _, id := range links {
		if !strings.Contains(" "+strings.Join(after, " ")+" ", " "+id+" ") {
			t.Fatalf("peer link %s closed by the idle timeout (links before %v, after %v)", id, links, after)
		}
	}

	// A client that sends REDRAFT.FORWARD and is refused stays a client.
	bad := open()
	defer bad.Close()
	if err := bad.Do(ctx, ForwardCommand, "\x00garbage").Err(); err == nil {
		t.Fatal("REDRAFT.FORWARD with a malformed batch succeeded")
	}
	if clients, _ := clientCounts(t, me); clients != 2 {
		t.Fatalf("connected_clients = %d after a refused REDRAFT.FORWARD, want 2 (a client and it)", clients)
	}
}
