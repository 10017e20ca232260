package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// usageError is a command-line mistake: it exits with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// errHelp reports that help was printed: exit status 0.
var errHelp = errors.New("help requested")

const usage = `usage:
  kv                    run in Maelstrom mode (JSON messages on stdin/stdout)
  kv serve [flags]      run a node serving RESP (see "kv serve -h")
  kv restore [flags]    seed a new node's data directory from a snapshot in an object store (see "kv restore -h")
`

// run is the whole program: main only adds signals and the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return runMaelstrom(ctx, stdin, stdout, stderr)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "restore":
		return restore(ctx, args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("kv: unknown command %q\n%s", args[0], usage)}
}

// exitCode maps run's error to the process exit status, printing it.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, ue.msg)
		return 2
	default:
		fmt.Fprintln(stderr, "kv:", err)
		return 1
	}
}
