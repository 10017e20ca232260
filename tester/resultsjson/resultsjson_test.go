package resultsjson

import (
	"encoding/json"
	"testing"
	"time"

	"redraft/tester/verdict"
)

type ev string

func (e ev) String() string { return "  " + string(e) + " " }

func TestParts(t *testing.T) {
	for _, tc := range []struct {
		v       string
		crashed bool
		want    any
	}{{verdict.True, false, true}, {verdict.False, false, false}, {verdict.Unknown, false, "unknown"}, {verdict.True, true, "crashed"}} {
		if got := Valid(tc.v, tc.crashed); got != tc.want {
			t.Errorf("Valid(%q, %v) = %v, want %v", tc.v, tc.crashed, got, tc.want)
		}
	}
	if got := Ms(1234567 * time.Nanosecond); got != 1.234 {
		t.Errorf("Ms = %v, want 1.234", got)
	}
	if got := Schedule([]ev{"a", "b"}); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Schedule = %q", got)
	}
	m := Test{Workload: "set", Seed: 42, TimeLimit: 1500 * time.Millisecond, ClientTimeout: time.Second, Started: time.Unix(0, 0), Nemesis: []string{"kill"}}.Map()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"client-timeout-ms":1000,"command":"","commit":"","concurrency":0,"duration-s":0,"nemesis":["kill"],"nemesis-interval":0,"node-count":0,"nodes":null,"rate":0,"seed":"42","start-time":"1970-01-01T00:00:00Z","time-limit-s":1.5,"workload":"set"}`
	if string(b) != want {
		t.Errorf("Map:\n%s\nwant\n%s", b, want)
	}
}
