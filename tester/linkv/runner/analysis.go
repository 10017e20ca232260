package runner

import (
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/latency"
	"redraft/tester/stats"
	"redraft/tester/verdict"
)

// FStats is jepsen.checker/stats for one f (or all): the counts
// (tester/stats) and whether there is an ok.
type FStats struct {
	Valid bool `json:"valid?"`
	stats.Counts
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

	Latency    latency.Quantiles
	LatencyByF map[string]latency.Quantiles
}

// Analyze checks the history and computes the statistics. checkTimeout
// bounds porcupine; a timeout makes the verdict unknown.
func Analyze(res *Result, checkTimeout time.Duration) *Analysis {
	a := &Analysis{ByF: map[string]FStats{}, LatencyByF: map[string]latency.Quantiles{}, Keys: map[string]string{}}
	var answered, bound int
	lat := map[string][]time.Duration{}
	for i := range res.Ops {
		o := &res.Ops[i]
		s := a.ByF[o.F]
		s.Add(o.Outcome.String())
		a.ByF[o.F] = s
		a.Stats.Add(o.Outcome.String())
		if o.Outcome == checker.Ok {
			lat[o.F] = append(lat[o.F], o.Latency())
			lat[""] = append(lat[""], o.Latency())
		}
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
		s.Valid = s.Ok > 0
		a.ByF[f] = s
		a.StatsValid = a.StatsValid && s.Valid
		a.LatencyByF[f] = latency.Of(lat[f])
	}
	a.Stats.Valid = a.StatsValid
	a.Latency = latency.Of(lat[""])
	if n := len(res.Ops); n > 0 {
		a.OkFraction = float64(a.Stats.Ok) / float64(n)
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
	a.Linearizable = verdict.FromChecker(a.Check.Verdict)
	for k, v := range a.Check.Keys {
		a.Keys[k] = verdict.FromChecker(v)
	}
	a.Valid = verdict.Merge(verdict.Of(a.StatsValid), a.Linearizable)
	return a
}

// ExitCode is Maelstrom's: 0 valid, 1 invalid, 2 unknown; 255 (a crash) is
// decided by the caller.
func (a *Analysis) ExitCode() int { return verdict.ExitCode(a.Valid) }
