// Command kv is the Redraft node.
//
//	kv                         Maelstrom mode (JSON on stdin/stdout; not built yet)
//	kv serve --resp HOST:PORT --standalone [flags]
//	                           serve RESP from an in-process state machine
//
// Run "kv serve -h" for every flag.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	reexecTuned() // returns unless it re-executes the binary; see tune_unix.go
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}
