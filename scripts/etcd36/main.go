// Command etcd36 is etcd v3.6's server (go.etcd.io/etcd/server/v3), built
// from the Go module proxy as a nested module of its own so that the root
// module never builds it: scripts/etcd-cluster.sh runs it with
// ETCD_BIN=bin/etcd36 (scripts/bench-etcd.sh builds it when missing).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
