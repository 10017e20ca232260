package main

import (
	"flag"
	"fmt"

	"redraft/replication"
)

// logStoreUsage documents --log-store (kv serve and kv restore).
const logStoreUsage = "`KIND` of Raft log store in --data: bolt (raft-boltdb, DATA/raft.db), wal (raft-wal, DATA/wal/) or auto (the kind DATA holds; a new directory gets " + string(replication.DefaultLogStore) + "); a data directory keeps the kind it was created with, and naming the other is refused"

// registerLogStore registers --log-store on fs.
func registerLogStore(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "log-store", "auto", logStoreUsage)
}

// parseLogStore checks a --log-store value for command cmd.
func parseLogStore(cmd, s string) (replication.LogStoreKind, error) {
	k, ok := replication.ParseLogStore(s)
	if !ok {
		return "", usageError{fmt.Sprintf("kv %s: --log-store %q: want bolt, wal or auto", cmd, s)}
	}
	return k, nil
}
