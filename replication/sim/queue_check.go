package sim

import (
	"fmt"
	"sort"
)

// checkQueues checks the queue workload (queue.go) against what a queue
// must do, element by element (every pushed element is unique):
//
//   - no element is delivered twice: popped by two BLPOP/BRPOPs, moved by
//     two BLMOVEs, or both popped and still in a list at the end, or in
//     two places at the end;
//   - every element delivered or left in a list was pushed (by a push that
//     did not fail), to the key it was popped from; an element taken from
//     moveDest, or left there, was moved there (an acknowledged BLMOVE
//     replied it, or one of unknown outcome may have);
//   - nothing acknowledged is lost: an acknowledged push's element, and
//     an acknowledged BLMOVE's, is popped, moved on, or in a list at the
//     end, unless a pop of unknown outcome on its key may have taken it:
//     per key, the elements missing are at most the unknown pops and moves
//     that could take from it.
//
// An unknown outcome (a crash while blocked, UNCERTAIN, a waiter that
// could not be cancelled) may have taken effect or not.
func checkQueues(ops []*Op, final map[string][]string) (fails []string) {
	type fate struct {
		push      *Op // the push (ok or unknown)
		pushFail  bool
		pops      []*Op // acknowledged pops that returned it
		moves     []*Op // acknowledged BLMOVEs that returned it
		finalKeys []string
	}
	els := map[string]*fate{}
	get := func(e string) *fate {
		f := els[e]
		if f == nil {
			f = &fate{}
			els[e] = f
		}
		return f
	}
	unknownTakers := map[string]int{} // key -> pops and moves of unknown outcome that could take from it
	for _, op := range ops {
		switch op.Kind {
		case QPush:
			if op.Outcome == Fail {
				get(op.Value).pushFail = true
			} else {
				get(op.Value).push = op
			}
		case QPop, QMove:
			switch {
			case op.Outcome == Info:
				for _, k := range op.Keys {
					unknownTakers[k]++
				}
			case op.Outcome == Ok && op.Found && op.Kind == QPop:
				get(op.Got).pops = append(get(op.Got).pops, op)
			case op.Outcome == Ok && op.Found:
				get(op.Got).moves = append(get(op.Got).moves, op)
			}
		}
	}
	keys := append(append([]string(nil), queueKeys...), moveDest)
	for _, k := range keys {
		l, ok := final[k]
		if !ok {
			fails = append(fails, fmt.Sprintf("queue %s: no final value", k))
			continue
		}
		for _, e := range l {
			get(e).finalKeys = append(get(e).finalKeys, k)
		}
	}
	unknownMoves := unknownTakers[queueKeys[0]] + unknownTakers[queueKeys[1]] // upper bound on unobserved moves
	missing := map[string][]string{}
	names := make([]string, 0, len(els))
	for e := range els {
		names = append(names, e)
	}
	sort.Strings(names)
	for _, e := range names {
		f := els[e]
		where := len(f.pops) + len(f.finalKeys)
		if len(f.pops) > 1 {
			fails = append(fails, fmt.Sprintf("queue: element %s delivered twice: %s and %s", e, f.pops[0], f.pops[1]))
		}
		if len(f.moves) > 1 {
			fails = append(fails, fmt.Sprintf("queue: element %s moved twice: %s and %s", e, f.moves[0], f.moves[1]))
		}
		if where > 1 {
			fails = append(fails, fmt.Sprintf("queue: element %s delivered twice: popped %d times, left in %v at the end", e, len(f.pops), f.finalKeys))
		}
		seen := where > 0 || len(f.moves) > 0
		if f.push == nil {
			if seen {
				fails = append(fails, fmt.Sprintf("queue: element %s was never pushed (or its push failed definitely), yet popped %d times, moved %d times, left in %v",
					e, len(f.pops), len(f.moves), f.finalKeys))
			}
			continue
		}
		src := f.push.Key
		inDest := false
		for _, p := range f.pops {
			if p.Key == moveDest {
				inDest = true
			} else if p.Key != src {
				fails = append(fails, fmt.Sprintf("queue: element %s pushed to %s was popped from %s: %s", e, src, p.Key, p))
			}
		}
		for _, k := range f.finalKeys {
			if k == moveDest {
				inDest = true
			} else if k != src {
				fails = append(fails, fmt.Sprintf("queue: element %s pushed to %s is in %s at the end", e, src, k))
			}
		}
		if inDest && len(f.moves) == 0 && unknownMoves == 0 {
			fails = append(fails, fmt.Sprintf("queue: element %s reached %s though no BLMOVE moved it", e, moveDest))
		}
		switch {
		case len(f.moves) > 0 && !inDest:
			missing[moveDest] = append(missing[moveDest], e) // moved, then neither popped from nor left in moveDest
		case len(f.moves) == 0 && where == 0 && f.push.Outcome == Ok:
			missing[src] = append(missing[src], e) // acknowledged, never seen again
		}
	}
	for _, k := range keys {
		if n := len(missing[k]); n > unknownTakers[k] {
			fails = append(fails, fmt.Sprintf("queue %s: %d acknowledged elements lost (neither delivered nor left in a list), only %d pops or moves of unknown outcome could have taken them: %v",
				k, n, unknownTakers[k], missing[k]))
		}
	}
	return fails
}
