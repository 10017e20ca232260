package sim

import (
	"fmt"
	"sort"
	"strconv"
)

// checkScripts checks the script workload (script.go) against a model of
// the accounts, given the final balances and ledger:
//
//   - the ledger holds each transfer at most once, only transfers that did
//     not fail definitely, every acknowledged one exactly once and at the
//     position its script returned;
//   - the final balances are what the ledger's transfers make of zero
//     balances (so their sum is zero: every script applied whole);
//   - each audit saw the balances after the first n transfers of the
//     ledger, n the ledger length it read (a consistent, atomic prefix),
//     with n at least the position of every transfer acknowledged before
//     it began, and audits in real-time order never went back;
//   - EVALSHA never answered NOSCRIPT after an EVAL of the same script had
//     been acknowledged (the script cache is replicated state).
func checkScripts(ops []*Op, balances map[string]int64, ledger []string) (fails []string) {
	if ledger == nil && len(balances) == 0 {
		return []string{"scripts: no final state"}
	}
	byID := map[string]*Op{}
	var acked, audits []*Op
	var firstEval *Op
	for _, op := range ops {
		switch {
		case op.Kind == Transfer && op.Outcome != Fail:
			byID[op.Value] = op
			if op.Outcome == Ok {
				acked = append(acked, op)
				if !op.Sha && (firstEval == nil || op.Return < firstEval.Return) {
					firstEval = op
				}
			}
		case op.Kind == Audit && op.Outcome == Ok:
			audits = append(audits, op)
		}
	}
	pos := map[string]int{}
	// after[i] are the balances after the first i transfers of the ledger.
	cur := map[string]int64{}
	after := []map[string]int64{copyBalances(cur)}
	for i, id := range ledger {
		if j, dup := pos[id]; dup {
			fails = append(fails, fmt.Sprintf("scripts: transfer %s twice in the ledger, at %d and %d (applied twice)", id, j+1, i+1))
		}
		pos[id] = i
		op := byID[id]
		if op == nil {
			fails = append(fails, fmt.Sprintf("scripts: ledger entry %d, %s, is no transfer that was sent (or its transfer failed definitely)", i+1, id))
		} else {
			cur[op.Keys[0]] -= op.Amount
			cur[op.Keys[1]] += op.Amount
		}
		after = append(after, copyBalances(cur))
	}
	for _, op := range acked {
		i, in := pos[op.Value]
		switch {
		case !in:
			fails = append(fails, fmt.Sprintf("scripts: acknowledged transfer missing from the ledger: %s", op))
		case int64(i+1) != op.N:
			fails = append(fails, fmt.Sprintf("scripts: transfer %s at ledger position %d but its script returned %d: %s", op.Value, i+1, op.N, op))
		}
	}
	var sum int64
	for _, k := range accountKeys {
		sum += balances[k]
		if balances[k] != cur[k] {
			fails = append(fails, fmt.Sprintf("scripts: account %s ends at %d, its ledger says %d (a script applied in part, or a write outside the ledger)", k, balances[k], cur[k]))
		}
	}
	if sum != 0 {
		fails = append(fails, fmt.Sprintf("scripts: the balances sum to %d, not 0", sum))
	}
	sort.Slice(audits, func(i, j int) bool { return audits[i].Call < audits[j].Call })
	for _, a := range audits {
		n, _ := strconv.Atoi(a.List[len(accountKeys)])
		if n > len(ledger) {
			fails = append(fails, fmt.Sprintf("scripts: audit read a ledger of %d transfers, the final ledger has %d: %s", n, len(ledger), a))
			continue
		}
		for i, k := range accountKeys {
			if v, _ := strconv.ParseInt(a.List[i], 10, 64); v != after[n][k] {
				fails = append(fails, fmt.Sprintf("scripts: audit saw %s=%d with %d transfers in the ledger, which make it %d (not an atomic prefix): %s", k, v, n, after[n][k], a))
				break
			}
		}
		for _, p := range acked {
			if i, in := pos[p.Value]; in && p.Return < a.Call && i >= n {
				fails = append(fails, fmt.Sprintf("scripts: stale audit of %d transfers misses %s, acknowledged before it began: %s", n, p.Value, a))
				break
			}
		}
		for _, b := range audits {
			m, _ := strconv.Atoi(b.List[len(accountKeys)])
			if b.Return < a.Call && m > n {
				fails = append(fails, fmt.Sprintf("scripts: audit went back from %d to %d transfers: %s after %s", m, n, a, b))
				break
			}
		}
	}
	if firstEval != nil {
		for _, op := range ops {
			if op.Kind == Transfer && op.Refused == "NOSCRIPT" && op.Call > firstEval.Return {
				fails = append(fails, fmt.Sprintf("scripts: EVALSHA answered NOSCRIPT after an EVAL of the script was acknowledged (the script cache lost it): %s after %s", op, firstEval))
				break
			}
		}
	}
	return fails
}

func copyBalances(m map[string]int64) map[string]int64 {
	c := make(map[string]int64, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
