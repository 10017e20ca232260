package runner

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"redraft/tester/netsim"
)

// Sentinel errors of configuration and runs.
var (
	ErrConfig = errors.New("runner: invalid configuration")
	ErrInit   = errors.New("runner: node init failed")
)

// Faults a --nemesis list may name. Maelstrom knows only partition; kill
// and pause are this runner's additions.
const (
	FaultPartition = "partition"
	FaultKill      = "kill"
	FaultPause     = "pause"
)

// Config is one lin-kv test.
type Config struct {
	Bin             string // node binary, run with no arguments
	NodeCount       int
	Concurrency     int // resolved thread count (ParseConcurrency)
	TimeLimit       time.Duration
	Rate            float64 // ops per second, over all threads
	Latency         netsim.Latency
	Nemesis         []string // subset of partition, kill, pause
	NemesisInterval time.Duration
	Seed            uint64
	// Dir receives node-logs/; node working directories are temporary.
	Dir string
	// CheckerTimeout bounds porcupine over all keys; past it: unknown.
	CheckerTimeout time.Duration
	// Progress, when set, receives a status line several times a second.
	Progress func(Progress)
}

// Progress is a snapshot for the terminal.
type Progress struct {
	Elapsed, Total time.Duration
	Ok, Fail, Info int
	Nemesis        string
}

// Limits of the lin-kv workload, as Maelstrom's generator sets them.
const (
	// initTimeout is the temporary init client's timeout.
	initTimeout = 10 * time.Second
	// processLimit retires a key once more than this many distinct
	// processes used it (jepsen's gen/process-limit 20).
	processLimit = 20
	// minClientTimeout is the floor of the client timeout,
	// max(10 x mean latency, 1 s).
	minClientTimeout = time.Second
)

// ClientTimeout is how long a client waits for a reply.
func (c Config) ClientTimeout() time.Duration {
	return max(10*c.Latency.Mean, minClientTimeout)
}

// ParseConcurrency resolves Maelstrom's --concurrency: an integer, or
// "<k>n" meaning k times the node count.
func ParseConcurrency(s string, nodes int) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	if strings.HasSuffix(s, "n") {
		s = strings.TrimSuffix(s, "n")
		mult = nodes
		if s == "" {
			s = "1"
		}
	}
	k, err := strconv.Atoi(s)
	if err != nil || k <= 0 {
		return 0, fmt.Errorf("%w: --concurrency must be a positive integer or <k>n, got %q", ErrConfig, s)
	}
	return k * mult, nil
}

// ParseNemesis splits a comma-separated --nemesis list.
func ParseNemesis(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" || f == "none" {
			continue
		}
		switch f {
		case FaultPartition, FaultKill, FaultPause:
		default:
			return nil, fmt.Errorf("%w: unknown nemesis %q (want partition, kill or pause)", ErrConfig, f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// Validate checks the configuration as Maelstrom's CLI and the lin-kv
// generator would.
func (c Config) Validate() error {
	if c.Bin == "" {
		return fmt.Errorf("%w: --bin is required", ErrConfig)
	}
	if c.NodeCount < 1 {
		return fmt.Errorf("%w: --node-count must be at least 1", ErrConfig)
	}
	if per := 2 * c.NodeCount; c.Concurrency%per != 0 {
		return fmt.Errorf("%w: --concurrency %d is not a multiple of 2n = %d: lin-kv gives every key 2n threads (n readers, n writers); use --concurrency 2n (or a multiple of %d)",
			ErrConfig, c.Concurrency, per, per)
	}
	if c.TimeLimit <= 0 {
		return fmt.Errorf("%w: --time-limit must be positive", ErrConfig)
	}
	if c.Rate <= 0 {
		return fmt.Errorf("%w: --rate must be positive", ErrConfig)
	}
	if c.Latency.Mean < 0 {
		return fmt.Errorf("%w: --latency must not be negative", ErrConfig)
	}
	if len(c.Nemesis) > 0 && c.NemesisInterval <= 0 {
		return fmt.Errorf("%w: --nemesis-interval must be positive", ErrConfig)
	}
	if c.Dir == "" {
		return fmt.Errorf("%w: no output directory", ErrConfig)
	}
	return nil
}

// NemesisName is the nemesis list for file names: "partition+kill", or "none".
func (c Config) NemesisName() string {
	if len(c.Nemesis) == 0 {
		return "none"
	}
	return strings.Join(c.Nemesis, "+")
}
