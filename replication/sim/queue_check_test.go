package sim

import (
	"strings"
	"testing"
)

// TestCheckQueues runs the queue checker on small histories, each with
// one defect or none.
func TestCheckQueues(t *testing.T) {
	push := func(k, e string, o Outcome) *Op { return &Op{Kind: QPush, Key: k, Value: e, Outcome: o} }
	pop := func(keys []string, from, e string, o Outcome) *Op {
		return &Op{Kind: QPop, Keys: keys, Key: from, Got: e, Found: e != "", Outcome: o}
	}
	move := func(k, e string, o Outcome) *Op {
		return &Op{Kind: QMove, Keys: []string{k}, Key: k, Got: e, Found: e != "", Outcome: o}
	}
	qs := []string{"q0", "q1"}
	final := func(q0, q1, qd []string) map[string][]string {
		return map[string][]string{"q0": q0, "q1": q1, "qd": qd}
	}
	for _, tc := range []struct {
		name  string
		ops   []*Op
		final map[string][]string
		want  string // "" for no failure
	}{
		{"clean", []*Op{push("q0", "a", Ok), push("q1", "b", Ok), push("q0", "c", Ok), pop(qs, "q0", "a", Ok), move("q1", "b", Ok), pop([]string{"qd"}, "qd", "b", Ok)},
			final(strs("c"), nil, nil), ""},
		{"left in lists", []*Op{push("q0", "a", Ok), move("q0", "a", Ok)}, final(nil, nil, strs("a")), ""},
		{"delivered twice", []*Op{push("q0", "a", Ok), pop(qs, "q0", "a", Ok), pop(qs, "q0", "a", Ok)}, final(nil, nil, nil), "delivered twice"},
		{"popped and left", []*Op{push("q0", "a", Ok), pop(qs, "q0", "a", Ok)}, final(strs("a"), nil, nil), "popped 1 times, left in [q0]"},
		{"acknowledged push lost", []*Op{push("q0", "a", Ok)}, final(nil, nil, nil), "acknowledged elements lost"},
		{"lost to an unknown pop", []*Op{push("q0", "a", Ok), pop(qs, "", "", Info)}, final(nil, nil, nil), ""},
		{"unknown push absent", []*Op{push("q0", "a", Info)}, final(nil, nil, nil), ""},
		{"unknown push popped", []*Op{push("q0", "a", Info), pop(qs, "q0", "a", Ok)}, final(nil, nil, nil), ""},
		{"failed push popped", []*Op{push("q0", "a", Fail), pop(qs, "q0", "a", Ok)}, final(nil, nil, nil), "never pushed"},
		{"moved element lost", []*Op{push("q0", "a", Ok), move("q0", "a", Ok)}, final(nil, nil, nil), "qd: 1 acknowledged elements lost"},
		{"moved twice", []*Op{push("q0", "a", Ok), move("q0", "a", Ok), move("q0", "a", Ok)}, final(nil, nil, strs("a")), "moved twice"},
		{"in qd unmoved", []*Op{push("q0", "a", Ok)}, final(nil, nil, strs("a")), "no BLMOVE moved it"},
		{"in qd by an unknown move", []*Op{push("q0", "a", Ok), move("q0", "", Info)}, final(nil, nil, strs("a")), ""},
		{"popped from the wrong key", []*Op{push("q0", "a", Ok), pop(qs, "q1", "a", Ok)}, final(nil, nil, nil), "was popped from q1"},
		{"twice at the end", []*Op{push("q0", "a", Ok), move("q0", "a", Ok)}, final(strs("a"), nil, strs("a")), "left in [q0 qd]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fails := checkQueues(tc.ops, tc.final)
			switch {
			case tc.want == "" && len(fails) > 0:
				t.Errorf("unexpected failures: %v", fails)
			case tc.want != "" && !strings.Contains(strings.Join(fails, "\n"), tc.want):
				t.Errorf("failures %v do not say %q", fails, tc.want)
			}
		})
	}
}

func strs(s ...string) []string { return s }
