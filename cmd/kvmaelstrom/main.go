package main

import (
	"context"
	"os"

	"redraft/maelstrom"
)

func main() {
	if err := maelstrom.Run(context.Background(), os.Stdin, os.Stdout, os.Stderr); err != nil {
		os.Exit(1)
	}
}
