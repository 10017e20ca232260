package jepsen

import (
	"fmt"
	"slices"
	"sort"

	"redraft/tester/verdict"
)

// SetCheck is the set workload's verdict. Elements are only ever added,
// so with linearizable reads:
//   - every read contains every element whose add was acknowledged (ok)
//     before the read was invoked; a mid-run read that lacks one is stale,
//     a final read that lacks one has lost it;
//   - no read contains an element nobody tried to add (unexpected), or one
//     whose add definitely failed (fail-present);
//   - an element a read returned is in every read invoked after that read
//     completed (vanished otherwise).
//
// Unknown adds (info) may appear or not. Valid is "unknown" when no final
// read answered: lost elements cannot be ruled out.
type SetCheck struct {
	Valid      string  `json:"valid?"`
	Attempts   int     `json:"attempt-count"`
	Acked      int     `json:"acknowledged-count"`
	FinalReads int     `json:"final-read-count"`
	Final      []int64 `json:"-"`
	// Lost: acknowledged adds missing from a final read.
	Lost []int64 `json:"lost"`
	// Stale: acknowledged before a mid-run read began, missing from it.
	Stale []int64 `json:"stale"`
	// Unexpected: read but never attempted.
	Unexpected []int64 `json:"unexpected"`
	// FailPresent: read although their add definitely failed.
	FailPresent []int64 `json:"fail-present"`
	// Vanished: read by one read, missing from a later one.
	Vanished []int64 `json:"vanished"`
	// Recovered: unknown adds present in the final reads.
	Recovered int `json:"recovered-count"`
	// NeverRead: unknown adds absent from the final reads (did not happen).
	NeverRead int `json:"never-read-count"`
	// Examples explain the first anomalies with their ops.
	Examples []string `json:"examples"`
}

// setExamplesMax bounds the explained anomalies in a report.
const setExamplesMax = 20

// CheckSet checks a set history.
func CheckSet(ops []Op) *SetCheck {
	sc := &SetCheck{}
	adds := map[int64]*Op{}
	var reads []*Op
	for i := range ops {
		o := &ops[i]
		switch {
		case o.F == "add":
			var v int64
			if _, err := fmt.Sscan(o.Value, &v); err == nil {
				adds[v] = o
			}
			sc.Attempts++
			if o.Type == TypeOk {
				sc.Acked++
			}
		case o.F == "read" && o.Type == TypeOk:
			reads = append(reads, o)
		}
	}
	sort.SliceStable(reads, func(i, j int) bool { return reads[i].Invoke < reads[j].Invoke })
	// acked sorted by completion, so "acknowledged before t" is a prefix.
	var acked []*Op
	for _, a := range adds {
		if a.Type == TypeOk {
			acked = append(acked, a)
		}
	}
	sort.Slice(acked, func(i, j int) bool { return acked[i].End < acked[j].End })

	lost, stale, unexpected, failPresent, vanished := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	example := func(format string, args ...any) {
		if len(sc.Examples) < setExamplesMax {
			sc.Examples = append(sc.Examples, fmt.Sprintf(format, args...))
		}
	}
	// seen: element -> the earliest completion of a read that returned it.
	seen := map[int64]*Op{}
	final := map[int64]bool{}
	for _, r := range reads {
		in := map[int64]bool{}
		for _, e := range r.Elements {
			in[e] = true
			a, ok := adds[e]
			switch {
			case !ok:
				if !unexpected[e] {
					example("unexpected: %s on %s at %.3f s returned %d, which no client added", r.F, r.Node, r.End.Seconds(), e)
				}
				unexpected[e] = true
			case a.Type == TypeFail:
				if !failPresent[e] {
					example("fail-present: add %d failed definitely (%s, %s, %.3f-%.3f s) yet a read on %s at %.3f s returned it", e, a.Error, a.Node, a.Invoke.Seconds(), a.End.Seconds(), r.Node, r.End.Seconds())
				}
				failPresent[e] = true
			}
			if s, ok := seen[e]; !ok || r.End < s.End {
				seen[e] = r
			}
			if r.Final {
				final[e] = true
			}
		}
		if r.Final {
			sc.FinalReads++
		}
		for _, a := range acked {
			if a.End >= r.Invoke {
				break
			}
			e := mustInt(a.Value)
			if in[e] {
				continue
			}
			if r.Final {
				if !lost[e] {
					example("lost: add %d acknowledged on %s at %.3f s; the final read on %s (%.3f s) lacks it", e, a.Node, a.End.Seconds(), r.Node, r.Invoke.Seconds())
				}
				lost[e] = true
			} else {
				if !stale[e] {
					example("stale: add %d acknowledged on %s at %.3f s; the read on %s invoked at %.3f s lacks it", e, a.Node, a.End.Seconds(), r.Node, r.Invoke.Seconds())
				}
				stale[e] = true
			}
		}
		for e, s := range seen {
			if s.End < r.Invoke && !in[e] {
				if !vanished[e] {
					example("vanished: %d read on %s (done at %.3f s) is missing from the read on %s invoked at %.3f s", e, s.Node, s.End.Seconds(), r.Node, r.Invoke.Seconds())
				}
				vanished[e] = true
			}
		}
	}
	for e, a := range adds {
		if a.Type == TypeInfo {
			if final[e] {
				sc.Recovered++
			} else {
				sc.NeverRead++
			}
		}
	}
	sc.Lost, sc.Stale, sc.Unexpected, sc.FailPresent, sc.Vanished = keys(lost), keys(stale), keys(unexpected), keys(failPresent), keys(vanished)
	sc.Final = keys(final)
	switch {
	case len(lost)+len(stale)+len(unexpected)+len(failPresent)+len(vanished) > 0:
		sc.Valid = verdict.False
	case sc.FinalReads == 0:
		sc.Valid = verdict.Unknown
		example("no final read answered: lost adds cannot be ruled out")
	default:
		sc.Valid = verdict.True
	}
	return sc
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func mustInt(s string) int64 {
	var v int64
	fmt.Sscan(s, &v)
	return v
}
