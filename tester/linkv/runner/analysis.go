package runner

import (
	"sort"
	"time"

	"redraft/maelstrom/checker"
)

// Verdicts, merged with priority false > unknown > true as Jepsen's
// checker/compose does.
const (
	True    = "true"
	False   = "false"
	Unknown = "unknown"
)

func merge(vs ...string) string {
	out := True
	for _, v := range vs {
		switch {
		case v == False:
			return False
		case v == Unknown:
			out = Unknown
		}
	}
	return out
}

// FStats is jepsen.checker/stats for one f (or all).
type FStats struct {
	Valid     bool `json:"valid?"`
	Count     int  `json:"count"`
	OkCount   int  `json:"ok-count"`
	FailCount int  `json:"fail-count"`
	InfoCount int  `json:"info-count"`
}

// Quantiles are latencies of ok operations.
type Quantiles struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50-ns"`
	P90   time.Duration `json:"p90-ns"`
	P95   time.Duration `json:"p95-ns"`
	P99   time.Duration `json:"p99-ns"`
	Max   time.Duration `json:"max-ns"`
}

// NetStats is Maelstrom's net checker output.
type NetStats struct {
	Sends, Recvs, Unique int64
	MsgsPerOp            float64
}

// Analysis is every checker's result.
type Analysis struct {
	Valid string // merged verdict: true, false or unknown

	Stats      FStats            // all client ops
	ByF        map[string]FStats // read, write, cas
	StatsValid bool              // every f has an ok

	Linearizable string            // porcupine over all keys
	Keys         map[string]string // per key: true, false, unknown
	Check        *checker.Result

	OkFraction        float64 // Maelstrom's availability
	AnsweredFraction  float64 // ok + definite app errors 20/22, over all ops
	StructuralBound   float64 // fraction of ops whose node could be served
	AnsweredOverBound float64
	Missed            Missed // ops within the bound that were not answered

	NetAll, NetClients, NetServers NetStats

	Latency    Quantiles
	LatencyByF map[string]Quantiles
}

// Analyze checks the history and computes the statistics. checkTimeout
// bounds porcupine; a timeout makes the verdict unknown.
func Analyze(res *Result, checkTimeout time.Duration) *Analysis {
	a := &Analysis{ByF: map[string]FStats{}, LatencyByF: map[string]Quantiles{}, Keys: map[string]string{}}
	var answered, bound int
	lat := map[string][]time.Duration{}
	for i := range res.Ops {
		o := &res.Ops[i]
		s := a.ByF[o.F]
		s.Count++
		a.Stats.Count++
		switch o.Outcome {
		case checker.Ok:
			s.OkCount++
			a.Stats.OkCount++
			lat[o.F] = append(lat[o.F], o.Latency())
			lat[""] = append(lat[""], o.Latency())
		case checker.Fail:
			s.FailCount++
			a.Stats.FailCount++
		default:
			s.InfoCount++
			a.Stats.InfoCount++
		}
		a.ByF[o.F] = s
		if o.Answered() {
			answered++
		}
		if o.Bound {
			bound++
		}
	}
	a.StatsValid = true
	for _, f := range []string{"read", "write", "cas"} {
		s := a.ByF[f]
		s.Valid = s.OkCount > 0
		a.ByF[f] = s
		a.StatsValid = a.StatsValid && s.Valid
		a.LatencyByF[f] = quantiles(lat[f])
	}
	a.Stats.Valid = a.StatsValid
	a.Latency = quantiles(lat[""])
	if n := len(res.Ops); n > 0 {
		a.OkFraction = float64(a.Stats.OkCount) / float64(n)
		a.AnsweredFraction = float64(answered) / float64(n)
		a.StructuralBound = float64(bound) / float64(n)
	}
	if a.StructuralBound > 0 {
		a.AnsweredOverBound = a.AnsweredFraction / a.StructuralBound
	}
	a.Missed = missed(res)

	per := func(c int64) float64 {
		if len(res.Ops) == 0 {
			return 0
		}
		return float64(c) / float64(len(res.Ops))
	}
	n := res.Net
	a.NetAll = NetStats{n.All.Sends, n.All.Recvs, n.All.Unique, per(n.All.Unique)}
	a.NetClients = NetStats{n.Clients.Sends, n.Clients.Recvs, n.Clients.Unique, per(n.Clients.Unique)}
	a.NetServers = NetStats{n.Servers.Sends, n.Servers.Recvs, n.Servers.Unique, per(n.Servers.Unique)}

	a.Check = checker.Check(CheckerOps(res.Ops), checkTimeout)
	a.Linearizable = verdict(a.Check.Verdict)
	for k, v := range a.Check.Keys {
		a.Keys[k] = verdict(v)
	}
	statsV := True
	if !a.StatsValid {
		statsV = False
	}
	a.Valid = merge(statsV, a.Linearizable)
	return a
}

func verdict(v checker.Verdict) string {
	switch v {
	case checker.Valid:
		return True
	case checker.Invalid:
		return False
	}
	return Unknown
}

func quantiles(ds []time.Duration) Quantiles {
	q := Quantiles{Count: len(ds)}
	if len(ds) == 0 {
		return q
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) time.Duration {
		i := int(p * float64(len(ds)-1))
		return ds[i]
	}
	q.P50, q.P90, q.P95, q.P99, q.Max = at(0.5), at(0.9), at(0.95), at(0.99), ds[len(ds)-1]
	return q
}

// ExitCode is Maelstrom's: 0 valid, 1 invalid, 2 unknown; 255 (a crash) is
// decided by the caller.
func (a *Analysis) ExitCode() int {
	switch a.Valid {
	case True:
		return 0
	case False:
		return 1
	}
	return 2
}
