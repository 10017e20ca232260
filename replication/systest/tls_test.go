package systest

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"redraft/kv/resp/tlstest"
)

// TestMutualTLSCluster: three bin/kv processes with mutual TLS between
// members work end to end (writes through every node, read back through
// every node), and on a Raft port a plain TCP client sending the bytes of
// an AppendEntries RPC and a TLS client whose certificate comes from
// another CA are both refused and counted, with no effect on the term or
// the log (docs/security.md).
func TestMutualTLSCluster(t *testing.T) {
	ca := tlstest.NewCA(t, "members")
	member := ca.Issue("member", "member")
	c := newCluster(t, 3, "--cluster-tls-cert-file", member.CertFile, "--cluster-tls-key-file", member.KeyFile,
		"--cluster-tls-ca-cert-file", ca.CertFile)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range c.nodes {
		if err := c.setIdem(i, fmt.Sprint("k", i), fmt.Sprint("v", i)); err != nil {
			t.Fatalf("SET through %s: %v", c.nodes[i], err)
		}
	}
	for i := range c.nodes {
		for j := range c.nodes {
			var got string
			if err := retry(func() error { var err error; got, err = c.client(i).Get(ctx, fmt.Sprint("k", j)).Result(); return err }); err != nil || got != fmt.Sprint("v", j) {
				t.Fatalf("GET k%d through %s: %q, %v", j, c.nodes[i], got, err)
			}
		}
	}
	l := c.waitLeader()
	target := (l + 1) % 3 // a follower: a forged append would move its term
	raftInfo := func() (term, last, failures uint64) {
		t.Helper()
		in, err := c.info(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		num := func(k string) uint64 {
			v, err := strconv.ParseUint(in[k], 10, 64)
			if err != nil {
				t.Fatalf("RAFT INFO %s: %q", k, in[k])
			}
			return v
		}
		if in["cluster_auth"] != "tls" {
			t.Fatalf("cluster_auth %q, want tls", in["cluster_auth"])
		}
		return num("term"), num("last_log_index"), num("cluster_auth_failures")
	}
	term0, last0, fail0 := raftInfo()

	// A plain TCP client: the first bytes of an AppendEntries RPC (raft's
	// NetworkTransport: type byte 0, then a msgpack map) for a far later
	// term. The node must close the connection without answering.
	conn, err := net.DialTimeout("tcp", c.nodes[target].raft, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	forged := append([]byte{0, 0x81, 0xa4}, []byte("Term")...)
	forged = append(forged, 0xcd, 0x27, 0x10) // 10000
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	conn.Write(forged)
	if n, err := io.ReadFull(conn, make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("the Raft port answered a plain TCP client: %d bytes, %v", n, err)
	}
	conn.Close()

	// A member certificate from another CA.
	other := tlstest.NewCA(t, "intruders")
	intruder := other.Issue("intruder", "member")
	cert, err := tls.LoadX509KeyPair(intruder.CertFile, intruder.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	tc, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", c.nodes[target].raft,
		&tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: ca.Pool(), ServerName: "member"})
	if err == nil {
		tc.SetDeadline(time.Now().Add(10 * time.Second))
		tc.Write(forged)
		_, err = io.ReadFull(tc, make([]byte, 1))
		tc.Close()
		if err == nil {
			t.Fatal("the Raft port answered a client with a certificate from another CA")
		}
	}

	waitUntil(t, "both refusals to be counted", func() bool {
		_, _, f := raftInfo()
		return f >= fail0+2
	})
	term1, last1, _ := raftInfo()
	if term1 != term0 {
		t.Fatalf("the refused connections moved the term: %d -> %d", term0, term1)
	}
	if last1 < last0 {
		t.Fatalf("the log shrank: last index %d -> %d", last0, last1)
	}
	// The cluster still serves writes through that node.
	if err := c.setIdem(target, "after", "ok"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(c.nodes[target].logTail(200), "panic") {
		t.Fatalf("the node logged a panic:\n%s", c.nodes[target].logTail(200))
	}
}
