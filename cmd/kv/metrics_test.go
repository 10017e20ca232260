package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// kv serve --metrics-addr serves the edge's, the Raft node's and the Go
// runtime's metrics in Prometheus text format.
func TestServeMetricsAddr(t *testing.T) {
	var stderr syncBuffer
	addr := startServeArgs(t, &stderr, "--resp", "127.0.0.1:0", "--raft", "127.0.0.1:0",
		"--data", filepath.Join(t.TempDir(), "data"), "--metrics-addr", "127.0.0.1:0")
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	for i := 0; i < 3; i++ {
		if err := rdb.Set(ctx, "k", i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	m := regexp.MustCompile(`msg="kv: serving metrics" addr=(\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no metrics address logged: %s", stderr.String())
	}
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get("http://" + m[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body = string(b)
		if strings.Contains(body, "\nredraft_commands_total{cmd=\"set\",result=\"ok\"} 3\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no SET count in:\n%s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{
		"# TYPE redraft_raft_term gauge\n", "redraft_raft_state{state=\"leader\"} 1\n",
		"# TYPE redraft_raft_log_append_seconds histogram\n", "redraft_connected_clients 1\n",
		"# TYPE go_goroutines gauge\n", "# TYPE process_open_fds gauge\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
