package kv

// Active expiry. A key past its expiry time is logically absent at once
// (every lookup checks NowMs), but its memory stays until something removes
// it. Replicas never remove keys on their own timers: the leader samples
// expired keys with SampleExpired (a read, no state change) and proposes
//
//	redraft.expire key [key ...]
//
// through the log, in the database it sampled (Cmd.DB). Applying it
// removes each listed key only if it is still expired at the command's
// NowMs, so a key re-set (with a new TTL or none) between sampling and
// apply survives, and every replica removes the same keys.

// Bounds of SampleExpired's work, per key it is asked for.
const (
	// sampleEntriesPerKey: entries inspected per requested key (Redis's
	// active expiry samples 20 keys per round as well).
	sampleEntriesPerKey = 20
	// sampleBucketsPerEntry: buckets visited per entry budgeted, so that a
	// sparse table (down to 10% full before it shrinks) costs bounded work too.
	sampleBucketsPerEntry = 2
)

// redraftExpireSpec describes redraft.expire (listed with the server commands).
func redraftExpireSpec() *Spec {
	return &Spec{Name: "redraft.expire", Arity: -2, Flags: FlagWrite, FirstKey: 1, LastKey: -1, Step: 1,
		Group: "server", Since: "1.0.0",
		Summary: "Redraft internal: remove the given keys that are expired at the command's time (active expiry proposed by the leader); replies the number removed",
		Run:     runRedraftExpire}
}

func runRedraftExpire(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if e := c.db.get(bstr(k)); e != nil && e.expired(c.NowMs) {
			c.DeleteEntry(e)
			c.Notify(NotifyExpired, "expired", k)
			n++
		}
	}
	c.W.Int(n)
}

// SampleExpired returns up to max keys (copies) of database db that are
// expired at nowMs, for the leader to propose in a redraft.expire command
// run in that database (Cmd.DB). It reads only:
// from a bucket chosen with seed it walks consecutive buckets, inspecting
// at most sampleEntriesPerKey*max entries and sampleBucketsPerEntry times
// as many buckets, so its cost is bounded whatever the keyspace size. Keys
// are distinct. It returns nil when max <= 0, db is out of range or no key
// of db has an expiry.
func (m *Machine) SampleExpired(db int, nowMs int64, seed uint64, max int) [][]byte {
	if max <= 0 || db < 0 || db >= Databases || m.dbs[db].expires == 0 {
		return nil
	}
	d := m.dbs[db].dict
	entriesLeft := sampleEntriesPerKey * max
	bucketsLeft := sampleBucketsPerEntry * entriesLeft
	start := NewRand(seed).Uint64()
	var out [][]byte
	var buf [8]*entry
	for i := uint64(0); i <= d.mask && bucketsLeft > 0 && entriesLeft > 0; i++ {
		bucketsLeft--
		for _, e := range d.bucketEntries((start+i)&d.mask, buf[:0]) {
			if entriesLeft == 0 {
				break
			}
			entriesLeft--
			if e.expired(nowMs) {
				out = append(out, []byte(e.key))
				if len(out) == max {
					return out
				}
			}
		}
	}
	return out
}

// ExpiringDBs returns the indexes of the databases holding at least one key
// with an expiry time, in order (the databases active expiry samples).
func (m *Machine) ExpiringDBs() []int {
	var out []int
	for i, d := range m.dbs {
		if d.expires > 0 {
			out = append(out, i)
		}
	}
	return out
}
