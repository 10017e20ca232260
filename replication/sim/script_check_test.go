package sim

import (
	"strings"
	"testing"
)

// TestCheckScripts runs the script checker on small histories, each with
// one defect or none.
func TestCheckScripts(t *testing.T) {
	tr := func(id, from, to string, amount, pos int64, o Outcome, call, ret int64) *Op {
		return &Op{Kind: Transfer, Value: id, Keys: []string{from, to}, Amount: amount, N: pos, Outcome: o, Call: call, Return: ret}
	}
	audit := func(a0, a1, a2, n string, call, ret int64) *Op {
		return &Op{Kind: Audit, List: []string{a0, a1, a2, n}, Outcome: Ok, Call: call, Return: ret}
	}
	t1 := tr("t1", "a0", "a1", 5, 1, Ok, 1, 2)
	t2 := tr("t2", "a1", "a2", 3, 2, Ok, 3, 4)
	bal := func(a0, a1, a2 int64) map[string]int64 { return map[string]int64{"a0": a0, "a1": a1, "a2": a2} }
	for _, tc := range []struct {
		name   string
		ops    []*Op
		final  map[string]int64
		ledger []string
		want   string
	}{
		{"clean", []*Op{t1, t2, audit("-5", "5", "0", "1", 3, 5), audit("-5", "2", "3", "2", 6, 7)}, bal(-5, 2, 3), strs("t1", "t2"), ""},
		{"unknown applied", []*Op{t1, tr("t3", "a2", "a0", 1, 0, Info, 5, 6)}, bal(-4, 5, -1), strs("t1", "t3"), ""},
		{"unknown not applied", []*Op{t1, tr("t3", "a2", "a0", 1, 0, Info, 5, 6)}, bal(-5, 5, 0), strs("t1"), ""},
		{"applied twice", []*Op{t1}, bal(-10, 10, 0), strs("t1", "t1"), "twice in the ledger"},
		{"acknowledged lost", []*Op{t1, t2}, bal(-5, 5, 0), strs("t1"), "missing from the ledger"},
		{"wrong position", []*Op{t1, t2}, bal(-5, 2, 3), strs("t2", "t1"), "at ledger position 2 but its script returned 1"},
		{"partly applied", []*Op{t1}, bal(-5, 0, 0), strs("t1"), "sum to -5"},
		{"failed applied", []*Op{tr("t1", "a0", "a1", 5, 0, Fail, 1, 2)}, bal(-5, 5, 0), strs("t1"), "is no transfer that was sent"},
		{"torn audit", []*Op{t1, audit("-5", "0", "0", "1", 3, 4)}, bal(-5, 5, 0), strs("t1"), "not an atomic prefix"},
		{"stale audit", []*Op{t1, audit("0", "0", "0", "0", 3, 4)}, bal(-5, 5, 0), strs("t1"), "stale audit"},
		{"audit went back", []*Op{tr("t1", "a0", "a1", 5, 1, Info, 1, 2), audit("-5", "5", "0", "1", 3, 4), audit("0", "0", "0", "0", 5, 6)}, bal(-5, 5, 0), strs("t1"), "went back"},
		{"noscript after eval", []*Op{t1, {Kind: Transfer, Sha: true, Refused: "NOSCRIPT", Outcome: Fail, Value: "t9", Keys: []string{"a0", "a1"}, Call: 5, Return: 6}}, bal(-5, 5, 0), strs("t1"), "NOSCRIPT after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails := checkScripts(tc.ops, tc.final, tc.ledger)
			switch {
			case tc.want == "" && len(fails) > 0:
				t.Errorf("unexpected failures: %v", fails)
			case tc.want != "" && !strings.Contains(strings.Join(fails, "\n"), tc.want):
				t.Errorf("failures %v do not say %q", fails, tc.want)
			}
		})
	}
}
