package replication

import (
	"context"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// Active expiry: keys are logically gone at their expiry time on every
// read (the machine checks NowMs), but their memory is reclaimed only by a
// write. The leader samples expired keys from its local state and proposes
// `redraft.expire key...`, which every replica applies, removing each key
// only if it is still expired at the entry's timestamp (a key re-set with a
// new TTL since the sample survives). Like Redis's active expiry cycle the
// work per round is bounded and a round repeats while samples stay dense.
const (
	expiryInterval = 100 * time.Millisecond // Redis: 10 cycles per second (hz 10)
	expirySample   = 20                     // keys proposed per entry at most (Redis: 20 per sample)
	expiryRounds   = 16                     // entries per cycle at most
)

func (n *Node) expiryLoop() {
	defer n.wg.Done()
	t := time.NewTicker(expiryInterval)
	defer t.Stop()
	var seed uint64
	for {
		select {
		case <-t.C:
		case <-n.stop:
			return
		}
		if !n.IsLeader() {
			continue
		}
		for round := 0; round < expiryRounds; round++ {
			seed++
			now := n.cfg.Clock()
			var keys [][]byte
			n.fsm.Read(func(m *kv.Machine) { keys = m.SampleExpired(now, seed, expirySample) })
			if len(keys) == 0 || n.raft.State() != raft.Leader {
				break
			}
			args := append([][]byte{[]byte("redraft.expire")}, keys...)
			ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
			res := n.prop.propose(ctx, []*kv.Cmd{{Args: args, Proto: 2}})
			cancel()
			if res.err != nil || len(keys) < expirySample/4 {
				break // sparse: wait for the next cycle (Redis repeats above 25%)
			}
		}
	}
}
