package local

import (
	"context"
	"time"

	"redraft/kv"
)

// Active expiry for the standalone node, as the replicated leader does it
// (replication/expiry.go) but without a log: expired keys are logically
// gone at once (every command checks its clock), and this sweep reclaims
// them, so DBSIZE and INFO keyspace drop as on Redis. Every database with
// keys that expire is sampled; the work per cycle is bounded and a cycle
// repeats while samples stay dense, like Redis's active expiry.
const (
	expiryInterval = 100 * time.Millisecond // Redis: 10 cycles per second (hz 10)
	expirySample   = 20                     // keys removed per database per round at most (Redis: 20 per sample)
	expiryRounds   = 16                     // rounds per cycle at most
)

// ExpireOnce runs one active-expiry cycle and returns the number of keys
// it removed. Each round takes the machine's lock once and runs one
// redraft.expire per database that has expired keys in its sample.
func (x *Executor) ExpireOnce() int {
	removed := 0
	w := kv.NewWriter(nil, 2)
	for round := 0; round < expiryRounds; round++ {
		dense := false
		x.mu.Lock()
		now := x.clock()
		for _, db := range x.m.ExpiringDBs() {
			x.seed++
			seed := kv.CommandSeed(x.seed)
			keys := x.m.SampleExpired(db, now, seed, expirySample)
			if len(keys) == 0 {
				continue
			}
			dense = dense || len(keys) >= expirySample/4
			args := append([][]byte{[]byte("redraft.expire")}, keys...)
			w.Reset()
			x.m.Exec(&kv.Cmd{Args: args, NowMs: now, Seed: seed, Proto: 2, DB: db}, w)
			removed += len(keys)
		}
		x.mu.Unlock()
		if !dense {
			break // sparse: wait for the next cycle (Redis repeats above 25%)
		}
	}
	return removed
}

// RunExpiry runs ExpireOnce every 100 ms, and times out blocked clients
// (ExpireWaiters) every 10 ms, until ctx is done.
func (x *Executor) RunExpiry(ctx context.Context) {
	t := time.NewTicker(expiryInterval)
	defer t.Stop()
	bt := time.NewTicker(blockTimeoutInterval)
	defer bt.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			x.ExpireOnce()
		case <-bt.C:
			x.ExpireWaiters()
		}
	}
}

// blockTimeoutInterval is how often blocked clients' deadlines are checked:
// the precision of BLPOP's timeout (Redis checks every 1000/hz ms and
// before each event loop sleep; 10 ms keeps short timeouts close).
const blockTimeoutInterval = 10 * time.Millisecond

// ExpireWaiters answers the blocked clients whose timeout passed, as the
// replicated leader's proposal of redraft.unblock-expired does, executed
// directly. It returns how many were timed out.
func (x *Executor) ExpireWaiters() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.clock()
	if d := x.m.NextBlockDeadline(); d == 0 || d > now {
		return 0
	}
	x.seed++
	w := kv.NewWriter(nil, 2)
	x.m.Exec(&kv.Cmd{Args: [][]byte{[]byte("redraft.unblock-expired")}, NowMs: now, Seed: kv.CommandSeed(x.seed), Proto: 2}, w)
	n, _ := kv.ParseInt(w.Bytes()[1 : w.Len()-2])
	return int(n)
}
