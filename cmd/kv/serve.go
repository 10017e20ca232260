package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"redraft/kv/local"
	"redraft/kv/resp"
	"redraft/replication"
)

// serveFlags are the flags of "kv serve", in groups: the RESP edge, the
// node (standalone now; the replication flags --id --raft --data
// --bootstrap --join will join this group) and diagnostics. Each group
// registers its flags and validates them.
type serveFlags struct {
	edge edgeFlags
	node nodeFlags
	diag diagFlags
	conf confFlags     // --config (config_file.go)
	sec  securityFlags // TLS and cluster authentication (tlsflags.go)
}

type edgeFlags struct {
	resp            string
	requirePass     string
	maxClients      int
	protoMaxBulkLen string
	timeoutSec      int
	aclFile         string
}

type nodeFlags struct {
	standalone      bool
	id              string
	raft            string
	data            string
	bootstrap       string
	join            string
	readConsistency string
	readConfirm     string
	redirect        bool
	noFsync         bool
	maxInflight     int
	batchLinger     time.Duration
	commitWait      time.Duration
	snapshotStore   string
	logStore        string
	// Raft timing (see replication.Config).
	heartbeat, election, lease time.Duration
	// snapshotThreshold and trailingLogs tune raft's log compaction (0: raft's
	// defaults); tests lower them to exercise InstallSnapshot.
	snapshotThreshold uint64
	trailingLogs      uint64
	// gcEarly: start GC cycles at this fraction of the heap goal (gcpace.go);
	// 0: the runtime's pacing alone.
	gcEarly float64
	// testClockFile: the test-only clock offset (testclock.go).
	testClockFile string
	// testFaults: test-only contract violations (replication.TestFaults).
	testFaults string
}

type diagFlags struct {
	addrFile    string
	metricsAddr string
	cpuProfile  string
	logLevel    string
}

func (f *edgeFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.resp, "resp", "", "`HOST:PORT` to serve RESP (Redis protocol) on; port 0 picks a free port (see --addr-file)")
	fs.StringVar(&f.requirePass, "requirepass", "", "`password` clients must AUTH with (Redis's requirepass); empty: none")
	fs.IntVar(&f.maxClients, "maxclients", resp.DefaultMaxClients, "most client connections at once (Redis's maxclients)")
	fs.StringVar(&f.protoMaxBulkLen, "proto-max-bulk-len", "512mb", "longest bulk string a client may send, in `bytes` (units k, kb, m, mb, g, gb; at least 1mb)")
	fs.IntVar(&f.timeoutSec, "timeout", 0, "close clients idle for this many `seconds`; 0: never (Redis's timeout)")
	fs.StringVar(&f.aclFile, "aclfile", "", "`file` ACL SAVE writes and ACL LOAD reads (Redis's aclfile; users are replicated, LOAD proposes the file's users through the log: docs/acl.md)")
}

func (f *edgeFlags) config() (resp.Config, error) {
	bulk, ok := resp.ParseMemory(f.protoMaxBulkLen)
	if !ok || bulk < resp.MinProtoMaxBulkLen {
		return resp.Config{}, usageError{fmt.Sprintf("kv serve: --proto-max-bulk-len %q: want a memory value of at least 1mb", f.protoMaxBulkLen)}
	}
	if f.maxClients < 1 {
		return resp.Config{}, usageError{"kv serve: --maxclients must be at least 1"}
	}
	if f.timeoutSec < 0 {
		return resp.Config{}, usageError{"kv serve: --timeout must not be negative"}
	}
	return resp.Config{
		RequirePass:     f.requirePass,
		MaxClients:      f.maxClients,
		ProtoMaxBulkLen: bulk,
		IdleTimeout:     time.Duration(f.timeoutSec) * time.Second,
		ACLFile:         f.aclFile,
	}, nil
}

func (f *nodeFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.standalone, "standalone", false, "run a single unreplicated node (in-process state machine, no Raft, nothing on disk)")
	fs.StringVar(&f.id, "id", "n1", "this node's `ID` in the Raft cluster")
	fs.StringVar(&f.raft, "raft", "", "`HOST:PORT` for Raft traffic between nodes (default: the --resp host, port + 10000)")
	fs.StringVar(&f.data, "data", "", "`DIR` for the Raft log, stable store and snapshots (default data/<id>)")
	fs.StringVar(&f.testClockFile, "test-clock-offset-file", "", "TEST ONLY: poll this `file` for a clock offset in ms added to the node's wall clock (the Jepsen tester's clock nemesis; off when empty)")
	fs.StringVar(&f.testFaults, "test-fault", "", "TEST ONLY: break the consistency contract on purpose, to show the Jepsen-style checkers notice: a comma-separated `LIST` of split-multi (MULTI/EXEC applied in two log entries), ack-before-commit (SET and SADD answered before Raft commits them) and probe-any-term (a linearizable read's leadership check accepts a later term); never use otherwise")
	fs.StringVar(&f.bootstrap, "bootstrap", "", "initial voters `ID=RAFTADDR,...`, the same list on every node; used only when --data holds no Raft state (without --bootstrap or --join, a new node bootstraps a one-node cluster)")
	fs.StringVar(&f.join, "join", "", "join an existing cluster through the RESP `ADDR` of any member (with cluster authentication: its Raft address); added as non-voter, promoted once caught up")
	fs.StringVar(&f.readConfirm, "read-confirm", "probe", "how a linearizable read's leader confirms its leadership: `HOW` probe (ask the other voters' terms; heartbeat when that fails) or heartbeat (raft's VerifyLeader)")
	fs.StringVar(&f.readConsistency, "read-consistency", "linearizable", "`LEVEL` of reads: linearizable, lease (leader-local within its lease; clock-dependent) or stale (any node's local state)")
	fs.BoolVar(&f.redirect, "redirect", false, "followers answer -MOVED 0 <leader-addr> instead of forwarding commands to the leader")
	fs.IntVar(&f.maxInflight, "max-inflight", 1, "log entries in flight at once (group-commit window; each entry carries every command waiting)")
	fs.DurationVar(&f.batchLinger, "batch-linger", 300*time.Microsecond, "longest wait of a new log entry for the commands the clients answered by the previous entry are expected to send next (group commit; 0 disables)")
	fs.DurationVar(&f.commitWait, "commit-wait", replication.DefaultCommitWait, "how long the leader keeps a write's client waiting for its commit while it stays leader (the back-pressure on a client that writes faster than the cluster commits); past it the reply is -UNCERTAIN")
	fs.DurationVar(&f.heartbeat, "heartbeat-timeout", 400*time.Millisecond, "a follower that hears nothing from the leader for this long (randomised up to twice it) starts an election; the leader sends heartbeats ten times as often, and every Raft RPC must answer within two thirds of it")
	fs.DurationVar(&f.election, "election-timeout", 400*time.Millisecond, "how long a candidate waits for votes before it tries again (>= --heartbeat-timeout)")
	fs.DurationVar(&f.lease, "lease-timeout", 300*time.Millisecond, "a leader that has not heard from a quorum for this long steps down; also the lease of --read-consistency lease (<= --heartbeat-timeout)")
	fs.StringVar(&f.snapshotStore, "snapshot-store", "", "where Raft snapshots go (segments and manifests, object names prefixed with the node ID): a directory, file:///DIR, or s3://BUCKET?endpoint=URL&region=R&use_path_style=true[&prefix=P] (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); default DATA/objects")
	registerLogStore(fs, &f.logStore)
	fs.BoolVar(&f.noFsync, "no-fsync", false, "do not fsync the Raft log (unsafe: acknowledged writes can be lost on a crash; benchmarks only)")
	fs.Uint64Var(&f.snapshotThreshold, "snapshot-threshold", 0, "snapshot after this many new log `entries` (0: raft's default, 8192; tuning and tests)")
	fs.Float64Var(&f.gcEarly, "gc-early", 0.8, "start a garbage collection cycle once the heap reaches this `fraction` of the runtime's goal, for heaps of 256 MiB and more (0 < f < 1; 0: leave it to the runtime); keeps mutator assists from stalling Raft's goroutines on big datasets (docs/replication.md, \"Whole-node stalls\")")
	fs.Uint64Var(&f.trailingLogs, "trailing-logs", 0, "log `entries` kept after a snapshot for slow followers (0: raft's default, 10240; tuning and tests)")
}

func (f *nodeFlags) validate() error {
	if f.gcEarly != 0 && !(f.gcEarly > 0 && f.gcEarly < 1) {
		return usageError{"kv serve: --gc-early must be 0 (off) or a fraction between 0 and 1"}
	}
	if f.standalone && (f.bootstrap != "" || f.join != "") {
		return usageError{"kv serve: --standalone cannot be combined with --bootstrap or --join"}
	}
	if f.bootstrap != "" && f.join != "" {
		return usageError{"kv serve: use either --bootstrap or --join, not both"}
	}
	if _, err := parseLogStore("serve", f.logStore); err != nil {
		return err
	}
	if _, err := replication.ParseTestFaults(f.testFaults); err != nil {
		return usageError{"kv serve: --test-fault: " + err.Error()}
	}
	if _, ok := replication.ParseReadConfirm(f.readConfirm); !ok {
		return usageError{fmt.Sprintf("kv serve: --read-confirm %q: want probe or heartbeat", f.readConfirm)}
	}
	if _, ok := replication.ParseReadConsistency(f.readConsistency); !ok {
		return usageError{fmt.Sprintf("kv serve: --read-consistency %q: want linearizable, lease or stale", f.readConsistency)}
	}
	if f.maxInflight < 1 || f.maxInflight > 1024 {
		return usageError{"kv serve: --max-inflight must be between 1 and 1024"}
	}
	if f.heartbeat < minRaftTimeout || f.election < f.heartbeat || f.lease < minRaftTimeout || f.lease > f.heartbeat {
		return usageError{fmt.Sprintf("kv serve: want %s <= --lease-timeout <= --heartbeat-timeout <= --election-timeout", minRaftTimeout)}
	}
	if f.batchLinger < 0 || f.batchLinger > maxBatchLinger {
		return usageError{fmt.Sprintf("kv serve: --batch-linger must be between 0 and %s", maxBatchLinger)}
	}
	if f.commitWait < minCommitWait || f.commitWait > maxCommitWait {
		return usageError{fmt.Sprintf("kv serve: --commit-wait must be between %s and %s", minCommitWait, maxCommitWait)}
	}
	if _, err := f.peers(); err != nil {
		return err
	}
	return nil
}

// peers parses --bootstrap.
func (f *nodeFlags) peers() ([]replication.Peer, error) {
	if f.bootstrap == "" {
		return nil, nil
	}
	var out []replication.Peer
	seen := map[string]bool{}
	for _, p := range strings.Split(f.bootstrap, ",") {
		id, addr, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || id == "" || addr == "" {
			return nil, usageError{fmt.Sprintf("kv serve: --bootstrap entry %q: want ID=HOST:PORT", p)}
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, usageError{fmt.Sprintf("kv serve: --bootstrap entry %q: %v", p, err)}
		}
		if seen[id] {
			return nil, usageError{fmt.Sprintf("kv serve: --bootstrap lists %q twice", id)}
		}
		seen[id] = true
		out = append(out, replication.Peer{ID: id, Addr: addr})
	}
	if !seen[f.id] {
		return nil, usageError{fmt.Sprintf("kv serve: --bootstrap does not list this node's --id %q", f.id)}
	}
	return out, nil
}

// raftAddr returns --raft or its default derived from the RESP address.
func (f *nodeFlags) raftAddr(respAddr string) (string, error) {
	if f.raft != "" {
		return f.raft, nil
	}
	host, port, err := net.SplitHostPort(respAddr)
	if err != nil {
		return "", usageError{fmt.Sprintf("kv serve: --resp %q: %v", respAddr, err)}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p+10000 > 65535 {
		return "", usageError{"kv serve: cannot derive --raft from --resp; give --raft HOST:PORT"}
	}
	if p == 0 {
		return net.JoinHostPort(host, "0"), nil
	}
	return net.JoinHostPort(host, strconv.Itoa(p+10000)), nil
}

func (f *diagFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addrFile, "addr-file", "", "write the RESP listener's address to this `file` once listening (useful with port 0)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile to this `file` until shutdown")
	fs.StringVar(&f.logLevel, "log-level", "info", "log `level`: debug, info, warn or error (logs go to stderr; debug also turns on raft's debug log)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve Prometheus metrics at http://`HOST:PORT`/metrics (docs/operations.md); empty: none")
}

func (f *diagFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, usageError{fmt.Sprintf("kv serve: --log-level %q: want debug, info, warn or error", f.logLevel)}
	}
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})), nil
}

const serveUsage = `usage: kv serve --resp HOST:PORT [--id ID --raft HOST:PORT --data DIR] [--bootstrap ID=ADDR,... | --join RESPADDR] [flags]
       kv serve --resp HOST:PORT --standalone [flags]

Serve the Redis protocol (RESP2/RESP3, inline commands) from a node of a Raft
cluster (a one-node cluster under data/<id> when no peers are given), or,
with --standalone, from an unreplicated in-process state machine.
SIGINT or SIGTERM shuts it down cleanly.

flags:
`

// parseServeFlags parses the arguments of "kv serve".
func parseServeFlags(args []string, stdout io.Writer) (*serveFlags, error) {
	var f serveFlags
	fs := flag.NewFlagSet("kv serve", flag.ContinueOnError)
	var errBuf strings.Builder
	fs.SetOutput(&errBuf)
	f.edge.register(fs)
	f.node.register(fs)
	f.diag.register(fs)
	f.conf.register(fs)
	f.sec.register(fs)
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, serveUsage)
			printFlags(stdout, fs)
			return nil, errHelp
		}
		return nil, usageError{fmt.Sprintf("kv serve: %v (see kv serve -h)", err)}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("kv serve: unexpected argument %q (see kv serve -h)", fs.Arg(0))}
	}
	if err := f.conf.load(fs); err != nil {
		return nil, err
	}
	return &f, nil
}

// printFlags documents every flag, GNU style (--name), as the scripts use them.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// serve runs "kv serve" until ctx is cancelled.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseServeFlags(args, stdout)
	if err != nil {
		return err
	}
	if err := f.node.validate(); err != nil {
		return err
	}
	if err := f.sec.validate(&f.edge, &f.node); err != nil {
		return err
	}
	cfg, err := f.edge.config()
	if err != nil {
		return err
	}
	log, err := f.diag.logger(stderr)
	if err != nil {
		return err
	}
	cfg.Logger = log

	if f.diag.cpuProfile != "" {
		pf, err := os.Create(f.diag.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if f.node.gcEarly > 0 {
		gp := startGCPacer(f.node.gcEarly, gcPacerMinGoal)
		defer gp.Stop()
	}

	ln, tlsLn, clientAddr, err := f.sec.listen(f.edge.resp)
	if err != nil {
		return err
	}
	closeListeners := func() {
		for _, l := range []net.Listener{ln, tlsLn} {
			if l != nil {
				l.Close()
			}
		}
	}
	auth, err := f.sec.clusterAuth(log)
	if err != nil {
		closeListeners()
		return err
	}
	var exec resp.Executor
	var node *replication.Node
	var srvRef atomic.Pointer[resp.Server]
	mode := "standalone"
	if f.node.standalone {
		lx := local.New()
		exec = lx
		// Active expiry (the replicated node's leader proposes it instead).
		expiryCtx, cancelExpiry := context.WithCancel(ctx)
		expiryDone := make(chan struct{})
		go func() { defer close(expiryDone); lx.RunExpiry(expiryCtx) }()
		defer func() { cancelExpiry(); <-expiryDone }()
	} else {
		mode = "replicated"
		// Forwarding to the leader's client port authenticates with
		// this node's requirepass, as CONFIG SET leaves it.
		node, err = startNode(ctx, &f.node, &f.sec, auth, clientAddr, func() string {
			if s := srvRef.Load(); s != nil {
				return s.RequirePass()
			}
			return cfg.RequirePass
		}, log)
		if err != nil {
			closeListeners()
			return err
		}
		exec = replicatedExecutor{node}
	}
	srv := resp.New(exec, cfg)
	srvRef.Store(srv)
	if err := f.conf.applyRuntime(srv, node != nil, log); err != nil {
		closeListeners()
		srv.Close()
		if node != nil {
			node.Close()
		}
		return err
	}
	if tlsLn != nil {
		if err := srv.EnableTLS(f.sec.tls); err != nil {
			closeListeners()
			srv.Close()
			if node != nil {
				node.Close()
			}
			return usageError{"kv serve: TLS: " + err.Error()}
		}
	}
	errc := make(chan error, 2)
	serving := 0
	stop := func() {
		srv.Close()
		for i := 0; i < serving; i++ {
			<-errc
		}
		if node != nil {
			if err := node.Close(); err != nil {
				log.Warn("kv: raft shutdown", "err", err)
			}
		}
	}
	if f.diag.metricsAddr != "" {
		_, stopMetrics, err := startMetrics(f.diag.metricsAddr, srv, node, log) // metrics.go
		if err != nil {
			closeListeners() // not served yet
			stop()
			return err
		}
		defer stopMetrics()
	}
	if node != nil && node.Loading() {
		// The node's own snapshot loads while raft runs
		// (replication/ownload.go); clients are accepted once the state
		// is there and wait in the listen backlog meanwhile, as they did
		// while the restore held up the node's start.
		log.Info("kv: waiting for the node's snapshot to load before accepting clients")
		if err := node.AwaitState(ctx); err != nil {
			closeListeners() // not served yet
			stop()
			if ctx.Err() != nil {
				log.Info("kv: stopped")
				return nil
			}
			return err
		}
		log.Info("kv: the node's state is loaded")
	}
	if ln != nil {
		serving++
		go func() { errc <- srv.Serve(ln) }()
		log.Info("kv: serving RESP", "addr", ln.Addr().String(), "mode", mode)
	}
	if tlsLn != nil {
		serving++
		go func() { errc <- srv.ServeTLS(tlsLn) }()
		log.Info("kv: serving RESP over TLS", "addr", tlsLn.Addr().String(), "mode", mode)
	}
	stopReload := reloadOnSIGHUP(ctx, log, srv, auth)
	defer stopReload()
	if f.diag.addrFile != "" {
		if err := writeFileAtomic(f.diag.addrFile, clientAddr+"\n"); err != nil {
			stop()
			return err
		}
	}
	if node != nil && f.node.join != "" {
		if err := joinCluster(ctx, node, &f.node, auth, clientAddr, srv.RequirePass(), log); err != nil {
			stop()
			return err
		}
	}

	select {
	case <-ctx.Done():
		log.Info("kv: shutting down")
		stop()
		log.Info("kv: stopped")
		return nil
	case err := <-errc:
		srv.Close()
		if node != nil {
			node.Close()
		}
		return err
	}
}

// writeFileAtomic writes data to a temporary file and renames it to path,
// so that a reader never sees a partial file.
func writeFileAtomic(path, data string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".addr-*")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// maxBatchLinger bounds --batch-linger: longer waits only add latency.
const maxBatchLinger = 10 * time.Millisecond

// minCommitWait and maxCommitWait bound --commit-wait: below a second
// ordinary fsync hiccups turn into -UNCERTAIN; past ten minutes a client
// is better told.
const (
	minCommitWait = time.Second
	maxCommitWait = 10 * time.Minute
)

// minRaftTimeout is raft's lower bound on its timeouts (ValidateConfig).
const minRaftTimeout = 5 * time.Millisecond
