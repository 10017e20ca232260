package netsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// Dist is a latency distribution, as Maelstrom's --latency-dist.
type Dist string

const (
	Constant    Dist = "constant"    // every message takes exactly the mean
	Uniform     Dist = "uniform"     // uniform in [0, 2*mean]
	Exponential Dist = "exponential" // exponential with the mean
)

// ParseDist checks a --latency-dist value.
func ParseDist(s string) (Dist, error) {
	switch d := Dist(s); d {
	case Constant, Uniform, Exponential:
		return d, nil
	}
	return "", fmt.Errorf("netsim: unknown latency distribution %q (want constant, uniform or exponential)", s)
}

// Latency is the delay of a message between two servers.
type Latency struct {
	Mean time.Duration
	Dist Dist
}

// Sample draws one delay.
func (l Latency) Sample(rng *rand.Rand) time.Duration {
	if l.Mean <= 0 {
		return 0
	}
	switch l.Dist {
	case Uniform:
		return time.Duration(rng.Float64() * 2 * float64(l.Mean))
	case Exponential:
		// 1-U is in (0, 1]: the logarithm is finite.
		return time.Duration(-math.Log(1-rng.Float64()) * float64(l.Mean))
	default:
		return l.Mean
	}
}
