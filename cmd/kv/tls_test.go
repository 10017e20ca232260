package main

import (
	"context"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv/resp/tlstest"
)

// redisToolWithTLS returns the path of redis-cli or redis-benchmark when it
// is installed with TLS support.
func redisToolWithTLS(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skip(name + " not installed")
	}
	if out, _ := exec.Command(path, "--help").CombinedOutput(); !strings.Contains(string(out), "--tls") {
		t.Skip(name + " built without TLS")
	}
	return path
}

// A standalone node serving RESP over TLS only (--resp ""), requiring
// client certificates: redis-cli --tls and redis-benchmark --tls work with
// one, redis-cli without one is refused, and SIGHUP makes new connections
// see a certificate replaced on disk.
func TestServeTLSWithRedisTools(t *testing.T) {
	cli := redisToolWithTLS(t, "redis-cli")
	bench := redisToolWithTLS(t, "redis-benchmark")
	ca := tlstest.NewCA(t, "clients")
	server := ca.Issue("server", "localhost")
	client := ca.Issue("client", "client")
	p := startServe(t, "--standalone", "--resp", "", "--tls-port", "127.0.0.1:0",
		"--tls-cert-file", server.CertFile, "--tls-key-file", server.KeyFile, "--tls-ca-cert-file", ca.CertFile)
	host, port := splitAddr(t, p.addr)
	tlsArgs := []string{"--tls", "--cacert", ca.CertFile, "--cert", client.CertFile, "--key", client.KeyFile, "-h", host, "-p", port}
	runCLI := func(args ...string) string {
		out, _ := exec.Command(cli, args...).CombinedOutput()
		return string(out)
	}
	if got := runCLI(append(tlsArgs, "set", "k", "tls")...); got != "OK\n" {
		t.Fatalf("redis-cli --tls SET: %q", got)
	}
	if got := runCLI(append(tlsArgs, "get", "k")...); got != "tls\n" {
		t.Fatalf("redis-cli --tls GET: %q", got)
	}
	if got := runCLI(append(tlsArgs, "config", "get", "tls-auth-clients")...); got != "tls-auth-clients\nyes\n" {
		t.Fatalf("CONFIG GET tls-auth-clients: %q", got)
	}
	if got := runCLI("--tls", "--cacert", ca.CertFile, "-h", host, "-p", port, "get", "k"); strings.Contains(got, "tls\n") {
		t.Fatalf("redis-cli without a client certificate: %q", got)
	}
	if got := runCLI("-h", host, "-p", port, "get", "k"); strings.Contains(got, "tls\n") {
		t.Fatalf("plaintext redis-cli on the TLS port: %q", got)
	}
	out, err := exec.Command(bench, append(tlsArgs, "-n", "2000", "-c", "4", "-t", "set,get", "-q")...).CombinedOutput()
	if err != nil || !regexp.MustCompile(`SET: [0-9.]+ requests per second`).Match(out) ||
		!regexp.MustCompile(`GET: [0-9.]+ requests per second`).Match(out) {
		t.Fatalf("redis-benchmark --tls: %v\n%s", err, out)
	}

	serial := func() string {
		conn, err := tls.Dial("tcp", p.addr, &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: []tls.Certificate{client.TLS}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	if got := serial(); got != server.Serial().String() {
		t.Fatalf("serial %s, want %s", got, server.Serial())
	}
	next := ca.Issue("server", "localhost") // same files, new certificate
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for serial() != next.Serial().String() {
		if time.Now().After(deadline) {
			t.Fatalf("SIGHUP did not reload the certificate; stderr: %s", p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func splitAddr(t *testing.T, addr string) (string, string) {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		t.Fatalf("address %q", addr)
	}
	return addr[:i], addr[i+1:]
}

var raftAddrLog = regexp.MustCompile(`raft node started.* raft=(\S+)`)

// raftAddrOf reads a node's Raft address from its log.
func raftAddrOf(t *testing.T, p *serveProc) string {
	t.Helper()
	m := raftAddrLog.FindStringSubmatch(p.stderr.String())
	if m == nil {
		t.Fatalf("no Raft address in the log: %s", p.stderr.String())
	}
	return m[1]
}

// Two real nodes with mutual TLS between members and TLS-only client
// ports: n2 joins through n1's Raft port (--join with cluster
// authentication), a write through either node (n2 forwards to the leader
// over the authenticated peer channel) is read through the other, and
// INFO raft reports the mode.
func TestServeClusterTLSJoin(t *testing.T) {
	clients := tlstest.NewCA(t, "clients")
	members := tlstest.NewCA(t, "members")
	server := clients.Issue("server", "localhost")
	node := func(id string, extra ...string) *serveProc {
		m := members.Issue(id, id)
		args := []string{"--id", id, "--data", filepath.Join(t.TempDir(), id), "--resp", "", "--tls-port", "127.0.0.1:0", "--raft", "127.0.0.1:0",
			"--tls-cert-file", server.CertFile, "--tls-key-file", server.KeyFile, "--tls-auth-clients", "no",
			"--cluster-tls-cert-file", m.CertFile, "--cluster-tls-key-file", m.KeyFile, "--cluster-tls-ca-cert-file", members.CertFile}
		return startServe(t, append(args, extra...)...)
	}
	n1 := node("n1", "--cluster-tls-verify-node-id")
	n2 := node("n2", "--cluster-tls-verify-node-id", "--join", raftAddrOf(t, n1))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(p *serveProc) *redis.Client {
		return redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: 20,
			TLSConfig: &tls.Config{RootCAs: clients.Pool(), ServerName: "localhost"}})
	}
	c1, c2 := dial(n1), dial(n2)
	defer c1.Close()
	defer c2.Close()
	retry := func(what string, op func() error) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			err := op()
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v\nn1: %s\nn2: %s", what, err, n1.stderr.String(), n2.stderr.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	retry("SET through n2", func() error { return c2.Set(ctx, "a", "via n2", 0).Err() })
	retry("SET through n1", func() error { return c1.Set(ctx, "b", "via n1", 0).Err() })
	for _, c := range []*redis.Client{c1, c2} {
		for k, want := range map[string]string{"a": "via n2", "b": "via n1"} {
			retry("GET "+k, func() error {
				got, err := c.Get(ctx, k).Result()
				if err == nil && got != want {
					t.Fatalf("GET %s: %q, want %q", k, got, want)
				}
				return err
			})
		}
	}
	info, err := c2.Info(ctx, "raft").Result()
	if err != nil || !strings.Contains(info, "cluster_auth:tls") || !strings.Contains(info, "cluster_auth_failures:0") {
		t.Fatalf("INFO raft: %v\n%s", err, info)
	}
}

// A node whose Raft port is not on a loopback address refuses to start
// without cluster authentication; with it (or --insecure-cluster) it gets
// past that check (and then fails on 0.0.0.0, which raft cannot
// advertise, without serving).
func TestServeRefusesExposedRaftPort(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("a-cluster-secret-for-tests\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := []string{"serve", "--resp", "127.0.0.1:0", "--data", t.TempDir()}
	cases := []struct {
		extra    []string
		code     int
		contains string
	}{
		{[]string{"--raft", "0.0.0.0:0"}, 2, "is not on a loopback address"},
		{[]string{"--raft", "192.0.2.1:0"}, 2, "is not on a loopback address"},
		{[]string{"--raft", "0.0.0.0:0", "--cluster-secret-file", secret}, 1, "not advertisable"},
		{[]string{"--raft", "0.0.0.0:0", "--insecure-cluster"}, 1, "advertisable"},
		{[]string{"--cluster-secret-file", secret, "--cluster-tls-ca-cert-file", secret}, 2, "go together"},
		{[]string{"--resp", ""}, 2, "--resp HOST:PORT is required"},
		{[]string{"--cluster-tls-verify-node-id"}, 2, "needs --cluster-tls-*"},
		{[]string{"--resp", "", "--tls-port", "0", "--tls-cert-file", secret, "--tls-key-file", secret}, 2, "needs cluster authentication"},
		{[]string{"--tls-port", "0"}, 2, "--tls-port needs --tls-cert-file"},
		{[]string{"--tls-port", "0", "--tls-cert-file", secret, "--tls-key-file", secret}, 2, "kv serve: TLS:"},
	}
	for _, c := range cases {
		var stdout, stderr syncBuffer
		err := run(context.Background(), append(append([]string(nil), base...), c.extra...), nil, &stdout, &stderr)
		code := exitCode(err, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.contains) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d containing %q", c.extra, code, stderr.String(), c.code, c.contains)
		}
	}
}
