package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"redraft/kv/resp"
	"redraft/replication"
)

// securityFlags are the flags of client TLS (Redis's names: --tls-port,
// --tls-cert-file, ...) and of cluster authentication (--cluster-tls-*,
// --cluster-secret-file, --insecure-cluster). docs/security.md explains
// them.
type securityFlags struct {
	tlsPort string
	tls     resp.TLSSettings

	clusterCert, clusterKey, clusterCA string
	clusterSecretFile                  string
	clusterVerifyID                    bool
	insecureCluster                    bool
}

func (f *securityFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.tlsPort, "tls-port", "", "`[HOST:]PORT` to serve RESP over TLS on (a bare port takes the --resp host, or 127.0.0.1); port 0 picks a free port. With it, --resp \"\" turns the plaintext port off")
	fs.StringVar(&f.tls.CertFile, "tls-cert-file", "", "PEM certificate `file` (chain) served to TLS clients")
	fs.StringVar(&f.tls.KeyFile, "tls-key-file", "", "PEM private key `file` of --tls-cert-file")
	fs.StringVar(&f.tls.CAFile, "tls-ca-cert-file", "", "PEM `file` of the CAs client certificates must chain to")
	fs.StringVar(&f.tls.AuthClients, "tls-auth-clients", "yes", "client certificates: `yes` (required), optional (checked when given) or no")
	fs.StringVar(&f.tls.Protocols, "tls-protocols", "", "TLS `versions` accepted from clients, e.g. \"TLSv1.3\" (default: \"TLSv1.2 TLSv1.3\")")
	fs.StringVar(&f.tls.Ciphers, "tls-ciphers", "", "TLS 1.2 cipher `suites`, OpenSSL names separated by ':' (default: Go's)")
	fs.StringVar(&f.tls.CipherSuites, "tls-ciphersuites", "", "TLS 1.3 `suites` separated by ':' (checked; Go always offers all three)")
	fs.StringVar(&f.clusterCert, "cluster-tls-cert-file", "", "this node's PEM certificate `file` for mutual TLS between members (Raft, forwarding, joins); needs --cluster-tls-key-file and --cluster-tls-ca-cert-file")
	fs.StringVar(&f.clusterKey, "cluster-tls-key-file", "", "PEM private key `file` of --cluster-tls-cert-file")
	fs.StringVar(&f.clusterCA, "cluster-tls-ca-cert-file", "", "PEM `file` of the cluster CA every member's certificate must chain to")
	fs.BoolVar(&f.clusterVerifyID, "cluster-tls-verify-node-id", false, "with --cluster-tls-*: a member's certificate must also name its node ID (common name or DNS name), checked against the Raft configuration")
	fs.StringVar(&f.clusterSecretFile, "cluster-secret-file", "", "`file` holding a secret shared by all members (at least 16 bytes): authenticates member connections without encrypting them (loopback and test clusters)")
	fs.BoolVar(&f.insecureCluster, "insecure-cluster", false, "allow a Raft port on a non-loopback address without cluster authentication (anyone who reaches it can rewrite the data)")
}

// validate checks the combination of flags with the edge's and the node's.
func (f *securityFlags) validate(edge *edgeFlags, node *nodeFlags) error {
	if edge.resp == "" && f.tlsPort == "" {
		return usageError{"kv serve: --resp HOST:PORT is required (or --tls-port, with --resp \"\" for TLS only)"}
	}
	if f.tlsPort != "" && (f.tls.CertFile == "" || f.tls.KeyFile == "") {
		return usageError{"kv serve: --tls-port needs --tls-cert-file and --tls-key-file"}
	}
	tlsSet := f.clusterCert != "" || f.clusterKey != "" || f.clusterCA != ""
	if tlsSet && (f.clusterCert == "" || f.clusterKey == "" || f.clusterCA == "") {
		return usageError{"kv serve: --cluster-tls-cert-file, --cluster-tls-key-file and --cluster-tls-ca-cert-file go together"}
	}
	if f.clusterVerifyID && !tlsSet {
		return usageError{"kv serve: --cluster-tls-verify-node-id needs --cluster-tls-*"}
	}
	if tlsSet && f.clusterSecretFile != "" {
		return usageError{"kv serve: use either --cluster-tls-* or --cluster-secret-file, not both"}
	}
	if node.standalone && (tlsSet || f.clusterSecretFile != "") {
		return usageError{"kv serve: --standalone has no cluster to authenticate"}
	}
	if edge.resp == "" && !node.standalone && !tlsSet && f.clusterSecretFile == "" {
		// Followers forward to the leader's plaintext client port unless
		// member traffic goes over the authenticated Raft port.
		return usageError{"kv serve: a replicated node without a plaintext --resp port needs cluster authentication (--cluster-tls-* or --cluster-secret-file)"}
	}
	return nil
}

// clusterAuth returns the cluster authentication the flags ask for (nil: none).
func (f *securityFlags) clusterAuth(log *slog.Logger) (*replication.ClusterAuth, error) {
	switch {
	case f.clusterCert != "":
		a, err := replication.NewTLSClusterAuth(f.clusterCert, f.clusterKey, f.clusterCA, log)
		if err == nil && f.clusterVerifyID {
			a.VerifyNodeIDs()
		}
		return a, err
	case f.clusterSecretFile != "":
		secret, err := os.ReadFile(f.clusterSecretFile)
		if err != nil {
			return nil, err
		}
		return replication.NewSecretClusterAuth(secret, log)
	}
	return nil, nil
}

// checkClusterExposure refuses a Raft port on a non-loopback address
// without cluster authentication, unless --insecure-cluster.
func (f *securityFlags) checkClusterExposure(raftAddr string, auth *replication.ClusterAuth) error {
	if auth != nil || f.insecureCluster {
		return nil
	}
	host, _, err := net.SplitHostPort(raftAddr)
	if err != nil {
		return usageError{fmt.Sprintf("kv serve: Raft address %q: %v", raftAddr, err)}
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usageError{fmt.Sprintf("kv serve: the Raft port %s is not on a loopback address: give --cluster-tls-cert-file/--cluster-tls-key-file/--cluster-tls-ca-cert-file or --cluster-secret-file (or --insecure-cluster to accept unauthenticated members)", raftAddr)}
}

// tlsAddr resolves --tls-port: HOST:PORT, or a port on the --resp host.
func (f *securityFlags) tlsAddr(respAddr string) (string, error) {
	if _, _, err := net.SplitHostPort(f.tlsPort); err == nil {
		return f.tlsPort, nil
	}
	if _, err := strconv.Atoi(f.tlsPort); err != nil {
		return "", usageError{fmt.Sprintf("kv serve: --tls-port %q: want PORT or HOST:PORT", f.tlsPort)}
	}
	host := "127.0.0.1"
	if h, _, err := net.SplitHostPort(respAddr); err == nil {
		host = h
	}
	return net.JoinHostPort(host, f.tlsPort), nil
}

// listen opens the plaintext RESP listener (unless --resp "") and the TLS
// one (with --tls-port). clientAddr is the address members register for
// clients: the plaintext one when there is one.
func (f *securityFlags) listen(respAddr string) (plain, tlsLn net.Listener, clientAddr string, err error) {
	if respAddr != "" {
		if plain, err = net.Listen("tcp", respAddr); err != nil {
			return nil, nil, "", err
		}
		clientAddr = plain.Addr().String()
	}
	if f.tlsPort != "" {
		addr, err := f.tlsAddr(respAddr)
		if err == nil {
			tlsLn, err = net.Listen("tcp", addr)
		}
		if err != nil {
			if plain != nil {
				plain.Close()
			}
			return nil, nil, "", err
		}
		if clientAddr == "" {
			clientAddr = tlsLn.Addr().String()
		}
	}
	return plain, tlsLn, clientAddr, nil
}

// reloadOnSIGHUP rereads the client and cluster certificates on each SIGHUP
// until ctx ends; a failed reload keeps the files in force and is logged.
// SIGHUP never stops the node (redis-server ignores it too).
func reloadOnSIGHUP(ctx context.Context, log *slog.Logger, srv *resp.Server, auth *replication.ClusterAuth) (stop func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		defer close(done)
		for {
			select {
			case <-hup:
				certs := srv.TLSEnabled() || auth != nil && auth.Mode() == "tls"
				err := srv.ReloadTLS()
				if auth != nil {
					err = errors.Join(err, auth.Reload())
				}
				if !certs {
					// As redis-server, which ignores SIGHUP.
					log.Info("kv: SIGHUP: no certificates to reload")
					continue
				}
				if err != nil {
					log.Warn("kv: SIGHUP: certificate reload failed; the previous ones stay in force", "err", err)
				} else {
					log.Info("kv: SIGHUP: certificates reloaded")
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		signal.Stop(hup)
		cancel()
		<-done
	}
}
