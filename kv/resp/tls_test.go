package resp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"redraft/kv/resp/tlstest"
)

// tlsServer is an edge serving TLS only, with a server certificate from ca.
type tlsServer struct {
	*testServer
	ca     *tlstest.CA
	server tlstest.Pair
}

func startTLSServer(t *testing.T, auth string) *tlsServer {
	t.Helper()
	ca := tlstest.NewCA(t, "clients")
	server := ca.Issue("server", "localhost")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, addr: ln.Addr().String(), done: make(chan error, 1)}
	ts.srv = New(localExec(), Config{})
	if err := ts.srv.EnableTLS(TLSSettings{CertFile: server.CertFile, KeyFile: server.KeyFile, CAFile: ca.CertFile, AuthClients: auth}); err != nil {
		ln.Close()
		t.Fatal(err)
	}
	go func() { ts.done <- ts.srv.ServeTLS(ln) }()
	t.Cleanup(ts.close)
	return &tlsServer{testServer: ts, ca: ca, server: server}
}

// TestTLSClientAuth checks tls-auth-clients yes, optional and no with
// go-redis: which clients complete the handshake, with and without a
// certificate, and with one from another CA.
func TestTLSClientAuth(t *testing.T) {
	other := tlstest.NewCA(t, "other")
	cases := []struct {
		auth                          string
		noCert, goodCert, foreignCert bool // want success
	}{
		{"yes", false, true, false},
		{"optional", true, true, false},
		{"no", true, true, true},
	}
	for _, c := range cases {
		t.Run(c.auth, func(t *testing.T) {
			ts := startTLSServer(t, c.auth)
			client := ts.ca.Issue("client", "client").TLS
			foreign := other.Issue("client", "client").TLS
			check := func(what string, want bool, certs ...tls.Certificate) {
				t.Helper()
				cfg := &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"}
				// Sent even when the server names other CAs (Go's client
				// would otherwise leave a foreign certificate out).
				cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
					if len(certs) == 0 {
						return &tls.Certificate{}, nil
					}
					return &certs[0], nil
				}
				rdb := redis.NewClient(&redis.Options{Addr: ts.addr, MaxRetries: -1, PoolSize: 1, TLSConfig: cfg})
				defer rdb.Close()
				ctx := context.Background()
				err := rdb.Set(ctx, "k", what, 0).Err()
				if want && err != nil {
					t.Fatalf("%s: SET over TLS: %v", what, err)
				}
				if !want && err == nil {
					t.Fatalf("%s: SET over TLS succeeded, want the handshake refused", what)
				}
				if want {
					if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != what {
						t.Fatalf("%s: GET: %q %v", what, got, err)
					}
				}
			}
			check("no certificate", c.noCert)
			check("certificate from the CA", c.goodCert, client)
			check("certificate from another CA", c.foreignCert, foreign)
		})
	}
}

// TestTLSServerCertChecked: a client that trusts another CA refuses the
// server, and a plaintext client gets no reply from the TLS port.
func TestTLSServerCertChecked(t *testing.T) {
	ts := startTLSServer(t, "no")
	other := tlstest.NewCA(t, "other")
	var uerr *tls.CertificateVerificationError
	if c, err := tls.Dial("tcp", ts.addr, &tls.Config{RootCAs: other.Pool(), ServerName: "localhost"}); !errors.As(err, &uerr) {
		if c != nil {
			c.Close()
		}
		t.Fatalf("dial trusting another CA: %v, want a certificate verification error", err)
	}
	plain := ts.dial()
	plain.send("PING\r\n")
	plain.expectClosed()
}

// TestTLSConfigSetReload: CONFIG SET tls-cert-file/tls-key-file (together)
// makes new connections see the new certificate; a bad file is refused
// with Redis's error and the old certificate stays; ReloadTLS (SIGHUP)
// rereads files replaced in place. CONFIG GET tls-* reports the settings.
func TestTLSConfigSetReload(t *testing.T) {
	ts := startTLSServer(t, "no")
	ctx := context.Background()
	serverSerial := func() string {
		t.Helper()
		conn, err := tls.Dial("tcp", ts.addr, &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
	}
	rdb := redis.NewClient(&redis.Options{Addr: ts.addr, PoolSize: 1,
		TLSConfig: &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"}})
	defer rdb.Close()

	got, err := rdb.ConfigGet(ctx, "tls-*").Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"tls-cert-file": ts.server.CertFile, "tls-key-file": ts.server.KeyFile,
		"tls-ca-cert-file": ts.ca.CertFile, "tls-auth-clients": "no", "tls-protocols": "",
		"tls-ciphers": "", "tls-ciphersuites": "", "tls-port": ts.addr[strings.LastIndex(ts.addr, ":")+1:]}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("CONFIG GET %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("CONFIG GET tls-*: %v", got)
	}

	if s := serverSerial(); s != ts.server.Serial().String() {
		t.Fatalf("serial %s, want the first certificate's %s", s, ts.server.Serial())
	}
	// A new pair in new files, set together.
	next := ts.ca.Issue("server2", "localhost")
	if err := rdb.ConfigSet(ctx, "tls-cert-file", next.CertFile).Err(); err == nil {
		t.Fatal("CONFIG SET tls-cert-file alone (key mismatch) succeeded")
	} else if want := "ERR CONFIG SET failed (possibly related to argument 'tls-cert-file') - " + errTextTLSUpdate; err.Error() != want {
		t.Fatalf("mismatched cert: %q, want %q", err, want)
	}
	if s := serverSerial(); s != ts.server.Serial().String() {
		t.Fatal("a refused CONFIG SET changed the certificate")
	}
	if v := rdb.ConfigGet(ctx, "tls-cert-file").Val()["tls-cert-file"]; v != ts.server.CertFile {
		t.Fatalf("a refused CONFIG SET changed tls-cert-file to %q", v)
	}
	if err := rdb.Do(ctx, "CONFIG", "SET", "tls-cert-file", next.CertFile, "tls-key-file", next.KeyFile).Err(); err != nil {
		t.Fatal(err)
	}
	if s := serverSerial(); s != next.Serial().String() {
		t.Fatalf("after CONFIG SET: serial %s, want %s", s, next.Serial())
	}
	// The connection that ran CONFIG SET still works.
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Files replaced in place: CONFIG SET with the same path, or ReloadTLS.
	again := ts.ca.Issue("server2", "localhost")
	if err := rdb.ConfigSet(ctx, "tls-cert-file", next.CertFile).Err(); err != nil {
		t.Fatal(err)
	}
	if s := serverSerial(); s != again.Serial().String() {
		t.Fatalf("after CONFIG SET of the same path: serial %s, want %s", s, again.Serial())
	}
	third := ts.ca.Issue("server2", "localhost")
	if err := ts.srv.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if s := serverSerial(); s != third.Serial().String() {
		t.Fatalf("after ReloadTLS: serial %s, want %s", s, third.Serial())
	}
	// A reload that fails keeps the certificate in force.
	os.WriteFile(next.KeyFile, []byte("garbage"), 0o600)
	if err := ts.srv.ReloadTLS(); err == nil {
		t.Fatal("ReloadTLS with a broken key succeeded")
	}
	if s := serverSerial(); s != third.Serial().String() {
		t.Fatal("a failed reload changed the certificate")
	}

	// Policy: tls-auth-clients yes now demands a client certificate.
	if err := rdb.ConfigSet(ctx, "tls-auth-clients", "maybe").Err(); err == nil ||
		err.Error() != "ERR CONFIG SET failed (possibly related to argument 'tls-auth-clients') - argument(s) must be one of the following: no, yes, optional" {
		t.Fatalf("tls-auth-clients maybe: %v", err)
	}
	if err := rdb.ConfigSet(ctx, "tls-protocols", "TLSv9").Err(); err == nil {
		t.Fatal("tls-protocols TLSv9 accepted")
	}
	if err := rdb.ConfigSet(ctx, "tls-port", "1").Err(); err == nil || !strings.Contains(err.Error(), "can't set immutable config") {
		t.Fatalf("tls-port: %v", err)
	}
}

// TestTLSProtocolsAndCiphers: tls-protocols TLSv1.3 refuses a TLS 1.2-only
// client; tls-ciphers limits TLS 1.2 suites.
func TestTLSProtocolsAndCiphers(t *testing.T) {
	ts := startTLSServer(t, "no")
	ctx := context.Background()
	dial := func(cfg *tls.Config) (*tls.Conn, error) {
		cfg.RootCAs, cfg.ServerName = ts.ca.Pool(), "localhost"
		return tls.Dial("tcp", ts.addr, cfg)
	}
	admin := redis.NewClient(&redis.Options{Addr: ts.addr, PoolSize: 1,
		TLSConfig: &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"}})
	defer admin.Close()

	if err := admin.ConfigSet(ctx, "tls-protocols", "TLSv1.3").Err(); err != nil {
		t.Fatal(err)
	}
	if c, err := dial(&tls.Config{MaxVersion: tls.VersionTLS12}); err == nil {
		c.Close()
		t.Fatal("TLS 1.2 client accepted with tls-protocols TLSv1.3")
	}
	if err := admin.Do(ctx, "CONFIG", "SET", "tls-protocols", "TLSv1.2", "tls-ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384").Err(); err != nil {
		t.Fatal(err)
	}
	c, err := dial(&tls.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st := c.ConnectionState()
	c.Close()
	if st.Version != tls.VersionTLS12 || st.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 {
		t.Fatalf("negotiated %s %s", tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite))
	}
	if err := admin.ConfigSet(ctx, "tls-ciphers", "NOT-A-CIPHER").Err(); err == nil {
		t.Fatal("unknown tls-ciphers accepted")
	}
	if err := admin.ConfigSet(ctx, "tls-ciphersuites", "TLS_AES_128_GCM_SHA256").Err(); err != nil {
		t.Fatal(err)
	}
}

// TestTLSRedisCLI: redis-cli --tls with a CA and a client certificate.
func TestTLSRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed")
	}
	if out, _ := exec.Command(cli, "--help").CombinedOutput(); !strings.Contains(string(out), "--tls") {
		t.Skip("redis-cli built without TLS")
	}
	ts := startTLSServer(t, "yes")
	client := ts.ca.Issue("client", "client")
	host, port, _ := net.SplitHostPort(ts.addr)
	run := func(withCert bool, args ...string) (string, error) {
		base := []string{"--tls", "--cacert", ts.ca.CertFile, "-h", host, "-p", port}
		if withCert {
			base = append(base, "--cert", client.CertFile, "--key", client.KeyFile)
		}
		out, err := exec.Command(cli, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := run(true, "set", "k", "over tls"); err != nil || out != "OK\n" {
		t.Fatalf("SET: %q %v", out, err)
	}
	if out, err := run(true, "get", "k"); err != nil || out != "over tls\n" {
		t.Fatalf("GET: %q %v", out, err)
	}
	if out, _ := run(false, "get", "k"); strings.Contains(out, "over tls") {
		t.Fatalf("without a client certificate: %q", out)
	}
}

// TestTLSMaxClients: a TLS client beyond maxclients gets Redis's refusal
// over TLS, then the connection closes.
func TestTLSMaxClients(t *testing.T) {
	ts := startTLSServer(t, "no")
	ctx := context.Background()
	first := redis.NewClient(&redis.Options{Addr: ts.addr, PoolSize: 1,
		TLSConfig: &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"}})
	defer first.Close()
	if err := first.ConfigSet(ctx, "maxclients", "1").Err(); err != nil {
		t.Fatal(err)
	}
	c, err := tls.Dial("tcp", ts.addr, &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	got, _ := io.ReadAll(c)
	if string(got) != errMaxClients {
		t.Fatalf("second client read %q, want %q", got, errMaxClients)
	}
}

// TestTLSTrackingRedirectTarget: a RESP3 redirection target on TLS, idle
// in read, is woken for its first invalidation and reads on after it
// (tracking_redirect.go's deadline wake-up on a TLS connection).
func TestTLSTrackingRedirectTarget(t *testing.T) {
	ts := startTLSServer(t, "no")
	dial := func() *client {
		nc, err := tls.Dial("tcp", ts.addr, &tls.Config{RootCAs: ts.ca.Pool(), ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		return &client{t: t, nc: nc}
	}
	e, c, w := dial(), dial(), dial()
	e.do("HELLO 3\r\n")
	eid := strings.TrimSuffix(strings.TrimPrefix(e.do("CLIENT ID\r\n"), ":"), "\r\n")
	if got := c.do("CLIENT TRACKING on REDIRECT " + eid + "\r\n"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	for _, k := range []string{"k1", "k2"} {
		c.do("GET " + k + "\r\n")
		w.do("SET " + k + " 1\r\n")
		e.expect(">2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\n" + k + "\r\n")
		if got := e.do("PING\r\n"); got != "+PONG\r\n" {
			t.Fatalf("PING after the push: %q", got)
		}
	}
}
