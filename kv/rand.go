package kv

// Rand is the deterministic generator a command's random choices come from:
// splitmix64 seeded from Cmd.Seed. Same seed, same choices, on every replica.
type Rand struct{ s uint64 }

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) *Rand { return &Rand{s: seed} }

// Uint64 returns the next value.
func (r *Rand) Uint64() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// CommandSeed returns the seed a stamping source (the leader's proposer,
// the standalone executor) gives the n-th command it stamps. A Rand seeded
// with s runs splitmix64's sequence from state s, so seeds that are
// consecutive multiples of its increment (n * 0x9E3779B97F4A7C15, what the
// sources handed out before) start each command's stream one step after
// the previous command's: the draws of consecutive commands overlap, and
// repeated SRANDMEMBER key 8 failed Redis's chi-square test of its
// distribution now and then. Mixing n through splitmix64's output function
// puts each command's stream at an unrelated point of the cycle. Followers
// and replicas never call this: they use the seed in the log entry, so
// nodes of different versions still apply an entry alike.
func CommandSeed(n uint64) uint64 { return NewRand(n).Uint64() }

// Intn returns a value in [0, n); n must be > 0.
func (r *Rand) Intn(n int) int {
	if n <= 0 {
		panic("kv: Rand.Intn with n <= 0")
	}
	return int(r.Uint64() % uint64(n))
}

// Float64 returns a value in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }
