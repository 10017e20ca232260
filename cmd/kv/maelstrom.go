package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"

	"redraft/kv/resp"
	"redraft/maelstrom"
	"redraft/replication"
)

// respPortBaseEnv, when set in Maelstrom mode, makes node n<i> also serve
// RESP on 127.0.0.1:<base+i>, so a user can watch a running test with
// redis-cli.
const respPortBaseEnv = "KV_RESP_PORT_BASE"

// runMaelstrom is "kv" with no arguments: Maelstrom's JSON protocol on
// stdin/stdout (see package maelstrom), logs on stderr.
func runMaelstrom(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := maelstrom.OptionsFromEnv()
	if err != nil {
		return usageError{"kv: " + err.Error()}
	}
	if v := os.Getenv(respPortBaseEnv); v != "" {
		base, err := strconv.Atoi(v)
		if err != nil || base <= 0 || base > 65000 {
			return usageError{fmt.Sprintf("kv: %s=%q: want a port number", respPortBaseEnv, v)}
		}
		log := slog.New(slog.NewTextHandler(stderr, nil))
		o.Configure = func(cfg *replication.Config, index int) {
			cfg.ClientAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(base+index))
		}
		o.OnNode = func(n *replication.Node, index int) func() {
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(base+index))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				log.Warn("kv: RESP port not opened", "addr", addr, "err", err)
				return func() {}
			}
			srv := resp.New(replicatedExecutor{n}, resp.Config{Logger: log})
			done := make(chan struct{})
			go func() { srv.Serve(ln); close(done) }()
			log.Info("kv: serving RESP beside Maelstrom", "addr", addr)
			return func() { srv.Close(); <-done }
		}
	}
	return maelstrom.RunWith(ctx, stdin, stdout, stderr, o)
}
