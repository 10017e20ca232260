// Package verdict is a checker's verdict as Jepsen spells it (true, false
// or unknown) and how verdicts combine, for both test runners (the
// Maelstrom lin-kv runner, tester/linkv, and the TCP-cluster runner,
// tester/jepsen) and their checkers (tester/elle, the set and queue
// checkers).
//
// A verdict is a plain string so that the checkers' results marshal to
// the same JSON as Jepsen's; JSON renders it as results.json's valid?.
package verdict

import "redraft/maelstrom/checker"

// The verdicts.
const (
	True    = "true"
	False   = "false"
	Unknown = "unknown" // the checker could not decide (no final read, a search that ran out of time)
)

// Merge combines verdicts with priority false > unknown > true, as
// Jepsen's checker/compose does. No verdicts merge to true.
func Merge(vs ...string) string {
	out := True
	for _, v := range vs {
		switch v {
		case False:
			return False
		case Unknown:
			out = Unknown
		}
	}
	return out
}

// Of is True when ok holds, else False.
func Of(ok bool) string {
	if ok {
		return True
	}
	return False
}

// FromChecker converts porcupine's verdict (maelstrom/checker).
func FromChecker(v checker.Verdict) string {
	switch v {
	case checker.Valid:
		return True
	case checker.Invalid:
		return False
	}
	return Unknown
}

// JSON is a verdict as results.json (and Maelstrom's results.edn) spell
// valid?: the booleans true and false, or the string "unknown".
func JSON(v string) any {
	switch v {
	case True:
		return true
	case False:
		return false
	}
	return Unknown
}

// Word is the one-word outcome for people: valid, INVALID or unknown, and
// CRASHED for a crashed run whatever the verdict.
func Word(v string, crashed bool) string {
	switch {
	case crashed:
		return "CRASHED"
	case v == True:
		return "valid"
	case v == False:
		return "INVALID"
	}
	return "unknown"
}

// ExitCode is Maelstrom's exit status for a verdict: 0 valid, 1 invalid,
// 2 unknown; 255 (a crash) is the caller's to decide.
func ExitCode(v string) int {
	switch v {
	case True:
		return 0
	case False:
		return 1
	}
	return 2
}
