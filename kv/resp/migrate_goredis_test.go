package resp

import (
	"context"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MIGRATE through go-redis: from a node to a second node and to a real
// redis-server, and back from redis-server to a node.

func goredisClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

func TestMigrateBetweenNodes(t *testing.T) {
	ctx := context.Background()
	src, dst := startServer(t, Config{}), startServer(t, Config{})
	a, b := goredisClient(t, src.addr), goredisClient(t, dst.addr)
	host, port := hostPort(t, dst.addr)
	migrate := func(args ...any) (string, error) {
		return a.Do(ctx, append([]any{"MIGRATE", host, port}, args...)...).Text()
	}

	a.Set(ctx, "s", "hello", 0)
	a.HSet(ctx, "h", "f1", "v1", "f2", "v2")
	a.PExpire(ctx, "h", 100*time.Second)
	a.RPush(ctx, "l", "x", "y", "z")
	a.ZAdd(ctx, "z", redis.Z{Score: 1.5, Member: "m"})

	cases := []struct {
		name    string
		args    []any
		want    string // reply, or error text
		wantErr bool
	}{
		{"one key", []any{"s", 0, 1000}, "OK", false},
		{"missing key", []any{"s", 0, 1000}, "NOKEY", false},
		{"keys option into db 3", []any{"", 3, 1000, "KEYS", "h", "nosuch", "l"}, "OK", false},
		{"copy", []any{"z", 0, 1000, "COPY"}, "OK", false},
		{"busy key", []any{"z", 0, 1000, "COPY"}, "ERR Target instance replied with error: BUSYKEY Target key name already exists.", true},
		{"replace", []any{"z", 0, 1000, "COPY", "REPLACE"}, "OK", false},
		{"keys with a key argument", []any{"z", 0, 1000, "KEYS", "z"}, "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string", true},
		{"bad db", []any{"z", "x", 1000}, "ERR value is not an integer or out of range", true},
		{"bad timeout", []any{"z", 0, "x"}, "ERR value is not an integer or out of range", true},
		{"bad option", []any{"z", 0, 1000, "NOPE"}, "ERR syntax error", true},
		{"auth without password", []any{"z", 0, 1000, "AUTH"}, "ERR syntax error", true},
		{"db out of range", []any{"z", 99, 1000, "COPY"}, "ERR Target instance replied with error: ERR DB index is out of range", true},
	}
	for _, tc := range cases {
		got, err := migrate(tc.args...)
		if tc.wantErr {
			if err == nil || err.Error() != tc.want {
				t.Errorf("%s: got %q, %v; want error %q", tc.name, got, err, tc.want)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("%s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}

	if n := a.Exists(ctx, "s", "h", "l").Val(); n != 0 {
		t.Errorf("migrated keys still on the source: %d", n)
	}
	if v := b.Get(ctx, "s").Val(); v != "hello" {
		t.Errorf("target s = %q", v)
	}
	if v := a.ZScore(ctx, "z", "m").Val(); v != 1.5 {
		t.Errorf("COPY removed the source: %v", v)
	}
	b3 := redis.NewClient(&redis.Options{Addr: dst.addr, DB: 3, Protocol: 2, DisableIdentity: true})
	defer b3.Close()
	if v := b3.HGetAll(ctx, "h").Val(); v["f1"] != "v1" || v["f2"] != "v2" || len(v) != 2 {
		t.Errorf("target h = %v", v)
	}
	if ttl := b3.PTTL(ctx, "h").Val(); ttl <= 90*time.Second || ttl > 100*time.Second {
		t.Errorf("target h ttl = %v, want about 100s", ttl)
	}
	if v := b3.LRange(ctx, "l", 0, -1).Val(); strings.Join(v, ",") != "x,y,z" {
		t.Errorf("target l = %v", v)
	}

	// The connection to the target is cached, then released by the cron
	// once idle.
	if info := a.Info(ctx, "stats").Val(); !strings.Contains(info, "migrate_cached_sockets:1\r\n") {
		t.Errorf("INFO stats after MIGRATE lacks migrate_cached_sockets:1")
	}
	src.srv.migrate.closeIdle(time.Now().Add(migrateIdleMax + time.Second))
	if info := a.Info(ctx, "stats").Val(); !strings.Contains(info, "migrate_cached_sockets:0\r\n") {
		t.Errorf("idle cached connection not released")
	}
	// A closed target connection is reopened transparently (Redis retries
	// once on a fresh connection).
	if got, err := migrate("z", 0, 1000, "COPY", "REPLACE"); err != nil || got != "OK" {
		t.Fatalf("MIGRATE: %q %v", got, err)
	}
	src.srv.migrate.mu.Lock()
	for _, mc := range src.srv.migrate.conns {
		mc.nc.Close() // as if the target had closed it
	}
	src.srv.migrate.mu.Unlock()
	if got, err := migrate("z", 0, 1000, "COPY", "REPLACE"); err != nil || got != "OK" {
		t.Errorf("MIGRATE over a closed cached connection: %q %v", got, err)
	}
}

// A target that does not answer, and one that does not exist.
func TestMigrateIOErrors(t *testing.T) {
	ctx := context.Background()
	src := startServer(t, Config{})
	a := goredisClient(t, src.addr)
	a.Set(ctx, "k", "v", 0)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan net.Conn, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c // read nothing, answer nothing
		}
	}()
	defer func() {
		ln.Close()
		for c := range accepted {
			c.Close()
		}
	}()
	host, port := hostPort(t, ln.Addr().String())
	start := time.Now()
	_, err = a.Do(ctx, "MIGRATE", host, port, "k", 0, 200).Result()
	if err == nil || err.Error() != "IOERR error or timeout reading to target instance" {
		t.Errorf("silent target: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("silent target: answered after %v, want about the 200 ms timeout", d)
	}
	if v := a.Get(ctx, "k").Val(); v != "v" {
		t.Errorf("key deleted although the target never acknowledged it: %q", v)
	}

	// A port nobody listens on.
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dh, dp := hostPort(t, dead.Addr().String())
	dead.Close()
	if _, err := a.Do(ctx, "MIGRATE", dh, dp, "k", 0, 200).Result(); err == nil || err.Error() != "IOERR error or timeout connecting to the client" {
		t.Errorf("closed port: %v", err)
	}
}

// startRedisServer starts redis-server on a free loopback port, stopped at
// the end of the test; the test is skipped without the binary (unless CI
// is set).
func startRedisServer(t *testing.T, extra ...string) string {
	t.Helper()
	const path = "/usr/bin/redis-server"
	if _, err := os.Stat(path); err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatalf("CI is set but %s is missing", path)
		}
		t.Skipf("%s not found", path)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close()
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--dir", t.TempDir()}, extra...)
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := "127.0.0.1:" + port
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, Password: passwordOf(extra)})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("redis-server on %s not answering", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return addr
}

func passwordOf(args []string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "--requirepass" {
			return args[i+1]
		}
	}
	return ""
}

func TestMigrateWithRedisServer(t *testing.T) {
	ctx := context.Background()
	raddr := startRedisServer(t, "--requirepass", "sekret")
	src := startServer(t, Config{})
	a := goredisClient(t, src.addr)
	r := redis.NewClient(&redis.Options{Addr: raddr, Password: "sekret", Protocol: 2, DisableIdentity: true})
	defer r.Close()
	rh, rp := hostPort(t, raddr)

	a.SAdd(ctx, "set", 1, 2, 3)
	a.SAdd(ctx, "set2", "a", "b")
	a.ZAdd(ctx, "zs", redis.Z{Score: 2, Member: "two"}, redis.Z{Score: 1, Member: "one"})
	a.Set(ctx, "str", strings.Repeat("x", 100000), time.Minute)

	if _, err := a.Do(ctx, "MIGRATE", rh, rp, "set", 0, 1000).Result(); err == nil ||
		!strings.HasPrefix(err.Error(), "ERR Target instance replied with error: NOAUTH") {
		t.Errorf("without AUTH: %v", err)
	}
	if _, err := a.Do(ctx, "MIGRATE", rh, rp, "set", 0, 1000, "AUTH", "wrong").Result(); err == nil ||
		err.Error() != "ERR Target instance replied with error: WRONGPASS invalid username-password pair or user is disabled." {
		t.Errorf("wrong password: %v", err)
	}
	if got, err := a.Do(ctx, "MIGRATE", rh, rp, "", 0, 1000, "AUTH2", "default", "sekret", "KEYS", "set", "set2", "zs", "str").Text(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE to redis-server: %q %v", got, err)
	}
	if v := r.SMembers(ctx, "set").Val(); strings.Join(v, ",") != "1,2,3" {
		t.Errorf("redis-server set = %v", v)
	}
	if v := r.ZRangeWithScores(ctx, "zs", 0, -1).Val(); len(v) != 2 || v[0].Member != "one" || v[1].Score != 2 {
		t.Errorf("redis-server zs = %v", v)
	}
	if v := r.StrLen(ctx, "str").Val(); v != 100000 {
		t.Errorf("redis-server str length = %d", v)
	}
	if ttl := r.PTTL(ctx, "str").Val(); ttl <= 50*time.Second {
		t.Errorf("redis-server str ttl = %v", ttl)
	}
	if n := a.Exists(ctx, "set", "set2", "zs", "str").Val(); n != 0 {
		t.Errorf("%d keys left on the source", n)
	}

	// And back: redis-server migrates to the node.
	h, p := hostPort(t, src.addr)
	if got, err := r.Do(ctx, "MIGRATE", h, p, "", 0, 1000, "KEYS", "set2", "zs").Text(); err != nil || got != "OK" {
		t.Fatalf("MIGRATE from redis-server: %q %v", got, err)
	}
	if v := a.SMembers(ctx, "set2").Val(); len(v) != 2 {
		t.Errorf("node set2 = %v", v)
	}
	if v := a.ZScore(ctx, "zs", "two").Val(); v != 2 {
		t.Errorf("node zs two = %v", v)
	}
}
