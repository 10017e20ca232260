package jepsen

import (
	"fmt"
	"slices"
	"strconv"

	"redraft/tester/verdict"
)

// QueueCheck is the queue workload's verdict. Every enqueued element is
// unique, so each element's fate can be followed:
//   - taken from the queue at most once: by an acknowledged dequeue or an
//     acknowledged move, and then no longer in the queue at the end
//     (duplicated otherwise); likewise taken from the moved list at most
//     once, and then not in it at the end; never both dequeued from the
//     queue and found in the moved list;
//   - nothing delivered or left that was never enqueued, or delivered
//     before its enqueue was invoked (unexpected), or
//     whose enqueue definitely failed (fail-present); nothing in the moved
//     list that no move returned, beyond the moves of unknown outcome
//     (unexpected too);
//   - an acknowledged enqueue's element is delivered, moved, or in one of
//     the lists at the end (lost otherwise), and an acknowledged move's
//     element is in the moved list at the end or dequeued from it
//     (lost-moved otherwise), except that consumers of unknown outcome may
//     have taken some: the elements missing from a list's consumers may be
//     at most the dequeues of unknown outcome on it;
//   - every node's final read of a list returns the same list (divergent
//     otherwise).
//
// Valid is "unknown" when no final read answered.
type QueueCheck struct {
	Valid         string `json:"valid?"`
	Attempts      int    `json:"enqueue-count"`
	Acked         int    `json:"enqueue-acknowledged-count"`
	Dequeued      int    `json:"dequeued-count"`
	Moved         int    `json:"moved-count"`
	MovedDequeued int    `json:"moved-dequeued-count"`
	FinalReads    int    `json:"final-read-count"`
	FinalQueued   int    `json:"final-queued-count"`
	FinalMoved    int    `json:"final-moved-count"`
	// UnknownTakers: consumers of unknown outcome, by what they are
	// ("dequeue queue0", "move queue0", "dequeue queue0-moved").
	UnknownTakers map[string]int `json:"unknown-takers"`

	Lost        []int64  `json:"lost"`
	LostMoved   []int64  `json:"lost-moved"`
	Duplicated  []int64  `json:"duplicated"`
	Unexpected  []int64  `json:"unexpected"`
	FailPresent []int64  `json:"fail-present"`
	Divergent   []string `json:"divergent"`
	// Missing: acknowledged elements absent everywhere but covered by
	// consumers of unknown outcome (not anomalies).
	Missing  []int64  `json:"missing-covered"`
	Examples []string `json:"examples"`
}

// CheckQueue checks a queue history.
func CheckQueue(ops []Op) *QueueCheck {
	qc := &QueueCheck{UnknownTakers: map[string]int{}}
	example := func(format string, args ...any) {
		if len(qc.Examples) < setExamplesMax {
			qc.Examples = append(qc.Examples, fmt.Sprintf(format, args...))
		}
	}
	enq := map[int64]*Op{}
	// takenQ: acknowledged dequeues and moves from the queue per element;
	// takenM: acknowledged dequeues from the moved list.
	takenQ, takenM := map[int64][]*Op{}, map[int64][]*Op{}
	finals := map[string][]*Op{}
	for i := range ops {
		o := &ops[i]
		switch {
		case o.F == "enqueue":
			qc.Attempts++
			if o.Type == TypeOk {
				qc.Acked++
			}
			if e, err := strconv.ParseInt(o.Value, 10, 64); err == nil {
				enq[e] = o
			}
		case o.F == "dequeue" || o.F == "move":
			if o.Type == TypeInfo {
				qc.UnknownTakers[o.F+" "+o.Key]++
			}
			if o.Type != TypeOk || o.Read == nil {
				continue
			}
			e, err := strconv.ParseInt(*o.Read, 10, 64)
			if err != nil || e < 0 {
				e = malformedElement
			}
			switch {
			case o.F == "move":
				qc.Moved++
				takenQ[e] = append(takenQ[e], o)
			case o.Key == queueKey:
				qc.Dequeued++
				takenQ[e] = append(takenQ[e], o)
			default:
				qc.MovedDequeued++
				takenM[e] = append(takenM[e], o)
			}
		case o.F == "read" && o.Final && o.Type == TypeOk:
			finals[o.Key] = append(finals[o.Key], o)
		}
	}
	// The final lists: the first answer of each; the others must agree.
	finalQ, finalM := map[int64]bool{}, map[int64]bool{}
	for key, set := range map[string]map[int64]bool{queueKey: finalQ, queueMovedKey: finalM} {
		rs := finals[key]
		if len(rs) == 0 {
			continue
		}
		qc.FinalReads += len(rs)
		for _, e := range rs[0].Elements {
			set[e] = true
		}
		for _, r := range rs[1:] {
			if !slices.Equal(r.Elements, rs[0].Elements) {
				qc.Divergent = append(qc.Divergent, key)
				example("divergent: the final read of %s on %s (%d elements) differs from the one on %s (%d elements)", key, r.Node, len(r.Elements), rs[0].Node, len(rs[0].Elements))
				break
			}
		}
		if key == queueKey {
			qc.FinalQueued = len(rs[0].Elements)
		} else {
			qc.FinalMoved = len(rs[0].Elements)
		}
	}
	slices.Sort(qc.Divergent)

	dup, unexpected, failPresent := map[int64]bool{}, map[int64]bool{}, map[int64]bool{}
	seen := map[int64]bool{}
	for e := range takenQ {
		seen[e] = true
	}
	for e := range takenM {
		seen[e] = true
	}
	for e := range finalQ {
		seen[e] = true
	}
	for e := range finalM {
		seen[e] = true
	}
	dequeuedQ := func(e int64) bool { // taken from the queue by BRPOP (not moved)
		return slices.ContainsFunc(takenQ[e], func(o *Op) bool { return o.F == "dequeue" })
	}
	for _, e := range keys(seen) {
		switch a, ok := enq[e]; {
		case !ok:
			unexpected[e] = true
			example("unexpected: element %d was delivered or left in a list, but no client enqueued it", e)
		case a.Type == TypeFail:
			failPresent[e] = true
			example("fail-present: enqueue %d failed definitely (%s, %s, %.3f-%.3f s) yet it was delivered or left in a list", e, a.Error, a.Node, a.Invoke.Seconds(), a.End.Seconds())
		default:
			// Delivered before anyone asked to enqueue it.
			for _, o := range append(slices.Clone(takenQ[e]), takenM[e]...) {
				if o.End < a.Invoke {
					unexpected[e] = true
					example("unexpected: element %d was delivered (%s) before its enqueue was invoked at %.3f s", e, describeOps([]*Op{o}), a.Invoke.Seconds())
					break
				}
			}
		}
		q, m := len(takenQ[e]), len(takenM[e])
		switch {
		case q > 1:
			dup[e] = true
			example("duplicated: element %d was taken from %s %d times: %s", e, queueKey, q, describeOps(takenQ[e]))
		case q == 1 && finalQ[e]:
			dup[e] = true
			example("duplicated: element %d was taken from %s (%s) and is still in it at the end", e, queueKey, describeOps(takenQ[e]))
		case m > 1:
			dup[e] = true
			example("duplicated: element %d was taken from %s %d times: %s", e, queueMovedKey, m, describeOps(takenM[e]))
		case m == 1 && finalM[e]:
			dup[e] = true
			example("duplicated: element %d was taken from %s (%s) and is still in it at the end", e, queueMovedKey, describeOps(takenM[e]))
		case finalQ[e] && finalM[e]:
			dup[e] = true
			example("duplicated: element %d is in both %s and %s at the end", e, queueKey, queueMovedKey)
		case dequeuedQ(e) && (finalM[e] || m > 0):
			dup[e] = true
			example("duplicated: element %d was dequeued from %s (%s) and yet reached %s", e, queueKey, describeOps(takenQ[e]), queueMovedKey)
		}
	}

	// Only a move puts an element in the moved list: those found there
	// (at the end, or dequeued from it) that no acknowledged move
	// returned are at most the moves of unknown outcome.
	var unmoved []int64
	for _, e := range keys(seen) {
		moved := slices.ContainsFunc(takenQ[e], func(o *Op) bool { return o.F == "move" })
		if !moved && (finalM[e] || len(takenM[e]) > 0) {
			unmoved = append(unmoved, e)
		}
	}
	if unknownMoves := qc.UnknownTakers["move "+queueKey]; len(unmoved) > unknownMoves {
		for _, e := range unmoved {
			unexpected[e] = true
			example("unexpected: element %d reached %s, but no acknowledged move returned it (%d such elements, %d moves of unknown outcome)", e, queueMovedKey, len(unmoved), unknownMoves)
		}
	}

	// Lost: acknowledged enqueues found nowhere; acknowledged moves whose
	// element is not in the moved list nor dequeued from it.
	var missingQ, missingM []int64
	if qc.FinalReads > 0 {
		for e, a := range enq {
			if a.Type == TypeOk && len(takenQ[e]) == 0 && len(takenM[e]) == 0 && !finalQ[e] && !finalM[e] {
				missingQ = append(missingQ, e)
			}
		}
		for e, os := range takenQ {
			if slices.ContainsFunc(os, func(o *Op) bool { return o.F == "move" }) && len(takenM[e]) == 0 && !finalM[e] {
				missingM = append(missingM, e)
			}
		}
		slices.Sort(missingQ)
		slices.Sort(missingM)
	}
	// Consumers of unknown outcome may account for missing elements, one
	// each: an element moved and then missing needs an unknown dequeue of
	// the moved list; one enqueued and then missing needs an unknown
	// dequeue of the queue, or an unknown move followed by an unknown
	// dequeue of the moved list (a move alone leaves it in the moved list).
	dq, mv, dm := qc.UnknownTakers["dequeue "+queueKey], qc.UnknownTakers["move "+queueKey], qc.UnknownTakers["dequeue "+queueMovedKey]
	if len(missingM) > dm {
		qc.LostMoved = missingM
		for _, e := range missingM {
			example("lost-moved: element %d was moved to %s (%s) but is neither there at the end nor dequeued from it (%d dequeues of it of unknown outcome)", e, queueMovedKey, describeOps(takenQ[e]), dm)
		}
		dm = 0
	} else {
		qc.Missing = append(qc.Missing, missingM...)
		dm -= len(missingM)
	}
	if capacity := dq + min(mv, dm); len(missingQ) > capacity {
		qc.Lost = missingQ
		for _, e := range missingQ {
			a := enq[e]
			example("lost: enqueue %d acknowledged on %s at %.3f s; never delivered and in neither list at the end (%d elements missing; consumers of unknown outcome could take %d: %d dequeues of %s, %d moves then dequeues of %s)", e, a.Node, a.End.Seconds(), len(missingQ), capacity, dq, queueKey, min(mv, dm), queueMovedKey)
		}
	} else {
		qc.Missing = append(qc.Missing, missingQ...)
	}
	slices.Sort(qc.Missing)
	qc.Duplicated, qc.Unexpected, qc.FailPresent = keys(dup), keys(unexpected), keys(failPresent)
	switch {
	case len(qc.Lost)+len(qc.LostMoved)+len(qc.Duplicated)+len(qc.Unexpected)+len(qc.FailPresent)+len(qc.Divergent) > 0:
		qc.Valid = verdict.False
	case len(finals[queueKey]) == 0 || len(finals[queueMovedKey]) == 0:
		qc.Valid = verdict.Unknown
		example("no final read of both lists answered: lost elements cannot be ruled out")
	default:
		qc.Valid = verdict.True
	}
	return qc
}

func describeOps(os []*Op) string {
	s := ""
	for i, o := range os {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s %s on %s %.3f-%.3f s by process %d", o.F, o.Key, o.Node, o.Invoke.Seconds(), o.End.Seconds(), o.Process)
	}
	return s
}
