// Command kv is the Redraft node.
//
//	kv                         Maelstrom mode (JSON on stdin/stdout, Raft over Maelstrom messages)
//	kv serve --resp HOST:PORT [--id --raft --data --bootstrap|--join ...]
//	                           a node of a Raft cluster over TCP serving RESP
//	kv serve --resp HOST:PORT --standalone
//	                           serve RESP from an in-process state machine
//	kv restore --from URL --id ID --bootstrap ID=RAFTADDR,... [--data DIR]
//	                           seed a new node from the newest snapshot in an object store
//
// Run "kv serve -h" or "kv restore -h" for every flag.
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
