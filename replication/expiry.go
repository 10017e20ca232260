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
// Every database with keys that expire is sampled; a round proposes one
// entry with a redraft.expire per database (in that database).
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
			// One redraft.expire per database holding expired keys, all in
			// one entry; each runs in its database (Cmd.DB).
			var cmds []*kv.Cmd
			dense := false
			n.fsm.Read(func(m *kv.Machine) {
				for _, db := range m.ExpiringDBs() {
					keys := m.SampleExpired(db, now, seed, expirySample)
					if len(keys) == 0 {
						continue
					}
					dense = dense || len(keys) >= expirySample/4
					args := append([][]byte{[]byte("redraft.expire")}, keys...)
					cmds = append(cmds, &kv.Cmd{Args: args, Proto: 2, DB: db})
				}
			})
			if len(cmds) == 0 || n.raft.State() != raft.Leader {
				break
			}
			ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
			res := n.prop.propose(ctx, cmds)
			cancel()
			if res.err != nil || !dense {
				break // sparse: wait for the next cycle (Redis repeats above 25%)
			}
		}
	}
}
