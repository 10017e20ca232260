// Command linkv runs Maelstrom's lin-kv workload against a node binary and
// writes a report; see docs/linkv.md.
//
//	linkv test -w lin-kv --bin bin/kv --node-count 3 --concurrency 2n \
//	    --time-limit 20 --rate 100 --nemesis partition
//
// Exit codes are Maelstrom's: 0 valid, 1 invalid, 2 unknown, 255 crash; 254
// for a usage error (as Jepsen's CLI).
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var e *exitError
	switch {
	case err == nil:
	case errors.As(err, &e):
		os.Exit(e.code)
	default:
		os.Stderr.WriteString("linkv: " + err.Error() + "\n")
		os.Exit(exitCrash)
	}
}
