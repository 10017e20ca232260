package jepsen

import (
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/elle"
	"redraft/tester/latency"
	"redraft/tester/stats"
	"redraft/tester/verdict"
)

// Analysis is every checker's result.
type Analysis struct {
	Valid string `json:"valid?"`

	Stats      stats.Counts            `json:"stats"` // Jepsen's stats checker (tester/stats)
	ByF        map[string]stats.Counts `json:"stats-by-f"`
	StatsValid bool                    `json:"stats-valid?"` // every f of the workload has an ok
	OkFraction float64                 `json:"ok-fraction"`
	// Availability over the ops of the time limit (final reads left out):
	// answered (ok, or CAS's NOKEY/CASFAIL) and the structural bound (the
	// op's node could be served at all, Op.Bound).
	AnsweredFraction  float64           `json:"answered-fraction"`
	StructuralBound   float64           `json:"structural-bound"`
	AnsweredOverBound float64           `json:"answered-over-bound"`
	Latency           latency.Quantiles `json:"latency"`

	// Register: porcupine per key.
	Linearizable string            `json:"linearizable,omitempty"`
	Keys         map[string]string `json:"keys,omitempty"`
	Check        *checker.Result   `json:"-"`
	// Set.
	Set *SetCheck `json:"set,omitempty"`
	// List-append: Elle's checker.
	Elle *elle.Result `json:"elle,omitempty"`
	// Queue.
	Queue *QueueCheck `json:"queue,omitempty"`
}

// workloadFs are the fs the stats checker wants an ok of.
var workloadFs = map[string][]string{
	WorkloadRegister: {"read", "write", "cas"},
	WorkloadSet:      {"add", "read"},
	// list-append: txn (a final read of every key is required by Elle's
	// lost-append check, which says unknown without one).
	WorkloadListAppend: {"txn"},
	WorkloadQueue:      {"enqueue", "dequeue", "move"},
}

// Analyze checks the history. checkTimeout bounds porcupine; past it the
// verdict is unknown.
func Analyze(res *Result, checkTimeout time.Duration) *Analysis {
	a := &Analysis{ByF: map[string]stats.Counts{}}
	var lat []time.Duration
	for i := range res.Ops {
		o := &res.Ops[i]
		s := a.ByF[o.F]
		s.Add(o.Type)
		a.ByF[o.F] = s
		a.Stats.Add(o.Type)
		if o.Type == TypeOk {
			lat = append(lat, o.Latency())
		}
	}
	if a.Stats.Count > 0 {
		a.OkFraction = float64(a.Stats.Ok) / float64(a.Stats.Count)
	}
	var timed, answered, bound int
	for i := range res.Ops {
		o := &res.Ops[i]
		if o.Final {
			continue
		}
		timed++
		if o.Answered() {
			answered++
		}
		if o.Bound {
			bound++
		}
	}
	if timed > 0 {
		a.AnsweredFraction = float64(answered) / float64(timed)
		a.StructuralBound = float64(bound) / float64(timed)
	}
	if a.StructuralBound > 0 {
		a.AnsweredOverBound = a.AnsweredFraction / a.StructuralBound
	}
	a.Latency = latency.Of(lat)
	a.StatsValid = true
	for _, f := range workloadFs[res.Config.Workload] {
		a.StatsValid = a.StatsValid && a.ByF[f].Ok > 0
	}
	statsV := verdict.Of(a.StatsValid)
	switch res.Config.Workload {
	case WorkloadSet:
		a.Set = CheckSet(res.Ops)
		a.Valid = verdict.Merge(statsV, a.Set.Valid)
	case WorkloadListAppend:
		a.Elle = elle.Check(ElleTxns(res.Ops))
		a.Valid = verdict.Merge(statsV, a.Elle.Valid)
	case WorkloadQueue:
		a.Queue = CheckQueue(res.Ops)
		a.Valid = verdict.Merge(statsV, a.Queue.Valid)
	default:
		a.Check = checker.Check(RegisterOps(res.Ops), checkTimeout)
		a.Linearizable = verdict.FromChecker(a.Check.Verdict)
		a.Keys = map[string]string{}
		for k, v := range a.Check.Keys {
			a.Keys[k] = verdict.FromChecker(v)
		}
		a.Valid = verdict.Merge(statsV, a.Linearizable)
	}
	return a
}

// missingValue stands for "the key does not exist" in the register model:
// the workload writes only 0..4, so it is unambiguous.
const missingValue = "nil"

// RegisterOps converts register ops for maelstrom/checker. The workload's
// keys are new, so every key starts missing: each key gets a synthetic ok
// write of missingValue before the test, and a GET of a missing key reads
// missingValue. A read of a missing key then matches only a register
// nobody has written yet, where knossos' nil (which maelstrom/checker
// keeps for Maelstrom) would match any state.
func RegisterOps(ops []Op) []checker.Op {
	out := make([]checker.Op, 0, len(ops))
	seen := map[string]bool{}
	for i := range ops {
		o := &ops[i]
		if o.F != "read" && o.F != "write" && o.F != "cas" {
			continue
		}
		if !seen[o.Key] {
			seen[o.Key] = true
			v := missingValue
			out = append(out, checker.Op{Process: -1, Kind: checker.Write, Key: o.Key, Value: &v, Outcome: checker.Ok,
				Call: -2 * time.Millisecond, Return: -time.Millisecond})
		}
		c := checker.Op{Process: o.Process, Key: o.Key, Call: o.Invoke, Return: o.End}
		switch o.Type {
		case TypeOk:
			c.Outcome = checker.Ok
		case TypeFail:
			c.Outcome = checker.Fail
		default:
			c.Outcome = checker.Info
		}
		switch o.F {
		case "read":
			c.Kind, c.Value = checker.Read, o.Read
			if o.Read == nil {
				v := missingValue
				c.Value = &v
			}
		case "write":
			v := o.Value
			c.Kind, c.Value = checker.Write, &v
		case "cas":
			c.Kind, c.From, c.To = checker.CAS, o.From, o.To
		}
		out = append(out, c)
	}
	return out
}

// ExitCode is Maelstrom's: 0 valid, 1 invalid, 2 unknown; 255 (a crash) is
// the caller's.
func (a *Analysis) ExitCode() int { return verdict.ExitCode(a.Valid) }
