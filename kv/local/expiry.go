package local

import (
	"context"
	"time"

	"redraft/kv"
)

// Active expiry of the standalone node, as the replicated leader does it
// (replication/expiry.go) and Redis's active expire cycle: ten times a
// second, sample expired keys and remove them with redraft.expire (which
// removes a key only if it is still expired at the command's time), at
// most expirySample keys a round and expiryRounds rounds a cycle, repeating
// while a quarter or more of a sample was expired.
const (
	expiryInterval = 100 * time.Millisecond // Redis: hz 10
	expirySample   = 20                     // Redis: 20 keys per sample
	expiryRounds   = 16                     // bounds one cycle's work
)

// ActiveExpiry removes expired keys in the background until ctx is done.
func (x *Executor) ActiveExpiry(ctx context.Context) {
	t := time.NewTicker(expiryInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
		for round := 0; round < expiryRounds; round++ {
			if x.expireRound() < expirySample/4 {
				break
			}
		}
	}
}

// expireRound removes one sample of expired keys; it returns how many.
func (x *Executor) expireRound() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	now := x.clock()
	x.seed++
	keys := x.m.SampleExpired(now, x.seed*0x9E3779B97F4A7C15, expirySample)
	if len(keys) == 0 {
		return 0
	}
	x.seed++
	args := append([][]byte{[]byte("redraft.expire")}, keys...)
	x.m.Exec(&kv.Cmd{Args: args, NowMs: now, Seed: x.seed * 0x9E3779B97F4A7C15, Proto: 2}, kv.NewWriter(nil, 2))
	return len(keys)
}
