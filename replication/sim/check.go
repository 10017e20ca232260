package sim

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// Checking a history happens after the run, outside the synctest bubble
// (porcupine's timeout must be wall-clock time).

// register is the model of one register key (GET/SET/CAS): the key starts
// absent; a read must see exactly the state (a missing key is nil, not
// "anything"); a CAS refused with NOKEY saw no key, with CASFAIL another
// value; an unknown CAS that finds its expected value applies (placed
// after every other operation it is the same as never happening).
var registerModel = porcupine.Model{
	Init: func() any { return regState{} },
	Step: func(state, input, _ any) (bool, any) {
		s, op := state.(regState), input.(*Op)
		switch op.Kind {
		case Get:
			return s.ok == op.Found && s.v == op.Got, s
		case Set:
			return true, regState{true, op.Value}
		case CAS:
			match := s.ok && s.v == op.From
			switch {
			case op.Outcome == Info:
				if match {
					return true, regState{true, op.Value}
				}
				return true, s
			case op.Refused == "NOKEY":
				return !s.ok, s
			case op.Refused != "":
				return s.ok && s.v != op.From, s
			default:
				return match, regState{true, op.Value}
			}
		}
		return false, s
	},
	DescribeOperation: func(input, _ any) string { return input.(*Op).String() },
	DescribeState: func(state any) string {
		s := state.(regState)
		if !s.ok {
			return "nil"
		}
		return strconv.Quote(s.v)
	},
}

type regState struct {
	ok bool
	v  string
}

// porcupineTimeout bounds the linearizability search per key; a timeout
// is reported as unknown, not as a failure.
const porcupineTimeout = 20 * time.Second

// checkRegisters checks every register key's history for linearizability.
// It returns failures, notes (unknown verdicts) and, for a failing key, the
// porcupine visualisation writer.
func checkRegisters(ops []*Op) (fails, notes []string, vis map[string]func(io.Writer) error) {
	byKey := map[string][]porcupine.Operation{}
	for _, op := range ops {
		if op.Kind != Get && op.Kind != Set && op.Kind != CAS {
			continue
		}
		if op.Outcome == Fail {
			continue // did not happen (a failed read constrains nothing)
		}
		ret := op.Return
		if op.Outcome == Info {
			ret = math.MaxInt64
		}
		byKey[op.Key] = append(byKey[op.Key], porcupine.Operation{ClientId: op.Client + 1, Input: op, Call: op.Call, Output: op, Return: ret})
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vis = map[string]func(io.Writer) error{}
	for _, k := range keys {
		res, info := porcupine.CheckOperationsVerbose(registerModel, byKey[k], porcupineTimeout)
		switch res {
		case porcupine.Illegal:
			fails = append(fails, fmt.Sprintf("register %s: history is not linearizable (%d operations)", k, len(byKey[k])))
			vis[k] = func(w io.Writer) error { return porcupine.Visualize(registerModel, info, w) }
		case porcupine.Unknown:
			notes = append(notes, fmt.Sprintf("register %s: linearizability check timed out after %s", k, porcupineTimeout))
		}
	}
	return fails, notes, vis
}

// checkCounters checks INCR counters against a reference model: every
// acknowledged increment happened exactly once, unknown ones at most once.
//
//   - acknowledged replies are distinct, and respect real time (an INCR
//     that returned before another was invoked got a smaller value);
//   - the final value V counts every acknowledged INCR and at most every
//     unknown one: acked <= V <= acked + unknown, and no reply exceeds V;
//   - a read sees every INCR acknowledged before it was invoked, no more
//     INCRs than were invoked before it returned, and reads in real-time
//     order never go back.
func checkCounters(ops []*Op, final map[string]int64) (fails []string) {
	for _, key := range counterKeys {
		var incs, reads []*Op
		unknown := 0
		for _, op := range ops {
			if op.Key != key || op.Outcome == Fail {
				continue
			}
			switch {
			case op.Kind == Incr && op.Outcome == Ok:
				incs = append(incs, op)
			case op.Kind == Incr:
				unknown++
			case op.Kind == ReadCtr:
				reads = append(reads, op)
			}
		}
		v, ok := final[key]
		if !ok {
			fails = append(fails, fmt.Sprintf("counter %s: no final value", key))
			continue
		}
		seen := map[int64]*Op{}
		for _, op := range incs {
			if prev := seen[op.N]; prev != nil {
				fails = append(fails, fmt.Sprintf("counter %s: two acknowledged INCRs replied %d (duplicated effect): %s and %s", key, op.N, prev, op))
			}
			seen[op.N] = op
			if op.N > v {
				fails = append(fails, fmt.Sprintf("counter %s: INCR replied %d above the final value %d: %s", key, op.N, v, op))
			}
		}
		if n := int64(len(incs)); v < n {
			fails = append(fails, fmt.Sprintf("counter %s: final value %d below the %d acknowledged INCRs (lost acknowledged increments)", key, v, n))
		} else if v > n+int64(unknown) {
			fails = append(fails, fmt.Sprintf("counter %s: final value %d above %d acknowledged + %d unknown INCRs (an effect applied twice)", key, v, n, unknown))
		}
		sort.Slice(incs, func(i, j int) bool { return incs[i].Return < incs[j].Return })
		// Real time: for each op, the largest value acknowledged by an INCR
		// that returned before it was invoked.
		maxBefore := func(call int64) (int64, *Op) {
			var m int64
			var who *Op
			for _, p := range incs {
				if p.Return >= call {
					break
				}
				if p.N > m {
					m, who = p.N, p
				}
			}
			return m, who
		}
		for _, op := range incs {
			if m, who := maxBefore(op.Call); m >= op.N {
				fails = append(fails, fmt.Sprintf("counter %s: INCR replied %d after an earlier INCR had replied %d: %s after %s", key, op.N, m, op, who))
			}
		}
		for _, r := range reads {
			if m, who := maxBefore(r.Call); r.N < m {
				fails = append(fails, fmt.Sprintf("counter %s: stale read %d after INCR %d was acknowledged: %s after %s", key, r.N, m, r, who))
			}
			invoked := int64(0)
			for _, op := range ops {
				if op.Key == key && op.Kind == Incr && op.Outcome != Fail && op.Call < r.Return {
					invoked++
				}
			}
			if r.N > invoked {
				fails = append(fails, fmt.Sprintf("counter %s: read %d but only %d INCRs had been invoked: %s", key, r.N, invoked, r))
			}
			for _, a := range reads {
				if a.Return < r.Call && r.N < a.N {
					fails = append(fails, fmt.Sprintf("counter %s: read went back from %d to %d: %s after %s", key, a.N, r.N, r, a))
					break
				}
			}
		}
	}
	return fails
}

// checkLists checks RPUSH lists against a reference model: the final list
// holds every acknowledged element exactly once, each at the position its
// reply announced (RPUSH replies the new length), unknown elements at most
// once, and nothing else; every read is a prefix of the final list that
// holds every element acknowledged before the read was invoked.
func checkLists(ops []*Op, final map[string][]string) (fails []string) {
	for _, key := range listKeys {
		l, ok := final[key]
		if !ok {
			fails = append(fails, fmt.Sprintf("list %s: no final value", key))
			continue
		}
		pos := map[string]int{}
		for i, e := range l {
			if j, dup := pos[e]; dup {
				fails = append(fails, fmt.Sprintf("list %s: element %s at positions %d and %d (duplicated effect)", key, e, j, i))
				continue
			}
			pos[e] = i
		}
		pushed := map[string]*Op{}
		var acked []*Op
		for _, op := range ops {
			if op.Key != key || op.Kind != Push || op.Outcome == Fail {
				continue
			}
			pushed[op.Value] = op
			if op.Outcome != Ok {
				continue
			}
			acked = append(acked, op)
			i, in := pos[op.Value]
			switch {
			case !in:
				fails = append(fails, fmt.Sprintf("list %s: acknowledged push lost: %s", key, op))
			case int64(i+1) != op.N:
				fails = append(fails, fmt.Sprintf("list %s: element %s at position %d but its RPUSH replied length %d: %s", key, op.Value, i, op.N, op))
			}
		}
		for _, e := range l {
			if pushed[e] == nil {
				fails = append(fails, fmt.Sprintf("list %s: element %s was never pushed (or its push failed definitely)", key, e))
			}
		}
		for _, r := range ops {
			if r.Key != key || r.Kind != ReadList || r.Outcome != Ok {
				continue
			}
			if len(r.List) > len(l) || strings.Join(r.List, "\x00") != strings.Join(l[:len(r.List)], "\x00") {
				fails = append(fails, fmt.Sprintf("list %s: read of %d elements is not a prefix of the final list: %s", key, len(r.List), r))
				continue
			}
			for _, p := range acked {
				if p.Return < r.Call {
					if i, in := pos[p.Value]; in && i >= len(r.List) {
						fails = append(fails, fmt.Sprintf("list %s: stale read of %d elements misses %s acknowledged before it: %s", key, len(r.List), p.Value, r))
						break
					}
				}
			}
		}
	}
	return fails
}
