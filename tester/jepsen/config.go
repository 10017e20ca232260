package jepsen

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrConfig is a configuration the runner refuses.
var ErrConfig = errors.New("jepsen: invalid configuration")

// Workloads.
const (
	WorkloadRegister   = "register"
	WorkloadSet        = "set"
	WorkloadListAppend = "list-append"
	WorkloadQueue      = "queue"
)

// Workloads lists every workload, for usage and validation.
var Workloads = []string{WorkloadRegister, WorkloadSet, WorkloadListAppend, WorkloadQueue}

// Faults a --nemesis list may name. Not built: netem (tc netem latency,
// jitter, reordering; this machine's kernel has no sch_netem). Packet loss
// is built without it, from nftables (FaultLoss).
const (
	FaultPartition = "partition"
	FaultKill      = "kill"
	FaultPause     = "pause"
	FaultMember    = "member" // RAFT REMOVE a node, wipe it, rejoin it with --join
	FaultClock     = "clock"  // bump or strobe nodes' clocks (the node's test-only clock offset)
	FaultLoss      = "loss"   // drop a share of the packets between nodes (nftables, random per packet)
)

// faultOrder is the order faults are drawn in (each from its own stream:
// a new fault goes at the end so that older ones keep their schedules).
var faultOrder = []string{FaultPartition, FaultKill, FaultPause, FaultMember, FaultClock, FaultLoss}

// Config is one test.
type Config struct {
	Workload        string
	NodeCount       int
	Concurrency     int           // client threads; thread i talks to node i mod n
	TimeLimit       time.Duration // of the workload, before the final phase
	Rate            float64       // ops per second over all threads
	Nemesis         []string
	NemesisInterval time.Duration // mean time between a fault's start and stop
	Seed            uint64
	// ClientTimeout bounds one command; past it the op is info.
	ClientTimeout time.Duration
	// RecoveryTime bounds the final phase's wait for a healed cluster to
	// answer (set: final reads).
	RecoveryTime time.Duration
	// CheckerTimeout bounds porcupine over all keys; past it: unknown.
	CheckerTimeout time.Duration
	// Schedule, when set, is the nemesis schedule instead of the one
	// drawn from the seed (tests, and the hook for replaying a report's
	// schedule).
	Schedule []Event
	// Progress, when set, receives a line at each nemesis action and
	// every few seconds.
	Progress func(string)
}

// Defaults.
const (
	DefaultClientTimeout = 5 * time.Second // above the node's leader wait (1 s) plus apply timeout (2 s)
	DefaultRecoveryTime  = 60 * time.Second
	DefaultInterval      = 10 * time.Second
	DefaultRate          = 50
	DefaultCheckerTime   = 5 * time.Minute
)

// ParseNemesis splits a comma-separated --nemesis list; "all" is every
// fault.
func ParseNemesis(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		var fs []string
		switch f {
		case "", "none":
		case "all":
			fs = faultOrder
		case FaultPartition, FaultKill, FaultPause, FaultMember, FaultClock, FaultLoss:
			fs = []string{f}
		case "netem":
			return nil, fmt.Errorf("%w: nemesis %q is not built yet (see docs/jepsen.md)", ErrConfig, f)
		default:
			return nil, fmt.Errorf("%w: unknown nemesis %q (want partition, kill, pause, member, clock, loss or all)", ErrConfig, f)
		}
		for _, f := range fs {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// NemesisName is the nemesis list for file names: "partition+kill", or
// "none".
func (c Config) NemesisName() string {
	if len(c.Nemesis) == 0 {
		return "none"
	}
	return strings.Join(c.Nemesis, "+")
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case !slices.Contains(Workloads, c.Workload):
		return fmt.Errorf("%w: workload %q (want %s)", ErrConfig, c.Workload, strings.Join(Workloads, ", "))
	case c.NodeCount < 1:
		return fmt.Errorf("%w: --node-count must be at least 1", ErrConfig)
	case c.Concurrency < 1:
		return fmt.Errorf("%w: --concurrency must be at least 1", ErrConfig)
	case c.TimeLimit <= 0:
		return fmt.Errorf("%w: --time-limit must be positive", ErrConfig)
	case c.Rate <= 0:
		return fmt.Errorf("%w: --rate must be positive", ErrConfig)
	case slices.Contains(c.Nemesis, FaultMember) && c.NodeCount < 3:
		return fmt.Errorf("%w: the member nemesis needs at least 3 nodes (one leaves, a majority of the rest must remain)", ErrConfig)
	case len(c.Nemesis) > 0 && c.NemesisInterval <= 0:
		return fmt.Errorf("%w: --nemesis-interval must be positive", ErrConfig)
	case c.ClientTimeout <= 0 || c.RecoveryTime <= 0 || c.CheckerTimeout <= 0:
		return fmt.Errorf("%w: timeouts must be positive", ErrConfig)
	}
	return nil
}
