package replication

import (
	"math/rand/v2"

	"redraft/kv"
)

// execReads runs commands that change no state (the read path: after the
// read barrier, or a vouched batch) on the local machine m. They are not in
// the log, so they need not be deterministic across replicas: each gets this
// node's clock as its time and a seed from a local random source, so
// SRANDMEMBER, RANDOMKEY, HRANDFIELD and ZRANDMEMBER are random from call to
// call as in Redis. (A forwarded batch arrives with the seed its follower
// left at zero; without a fresh one every call drew the same member.) Only
// commands that change state take their time and seed from the log entry.
//
// applied is the index of the last entry m has applied, the reply of
// redraft.appliedindex (kv/appliedindex.go).
func execReads(m *kv.Machine, applied uint64, cmds []*kv.Cmd, nowMs int64, w *kv.Writer) {
	for _, c := range cmds {
		if len(c.Args) == 1 && kv.EqualFold(c.Args[0], appliedIndexCommand) {
			w.Int(int64(applied))
			continue
		}
		c.NowMs = nowMs
		c.Seed = rand.Uint64()
		m.Exec(c, w)
	}
}

// appliedIndexCommand is the read SyncLocal forwards to the leader.
const appliedIndexCommand = "REDRAFT.APPLIEDINDEX"
