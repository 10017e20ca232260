package elle

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"redraft/tester/verdict"
)

func ap(k string, v int64) Mop { return Mop{F: Append, Key: k, Value: v} }

func rd(k string, vs ...int64) Mop { return Mop{F: Read, Key: k, List: vs} }

// tx builds transaction id with an outcome and times in milliseconds.
func tx(id int, typ string, invokeMs, completeMs int, mops ...Mop) Txn {
	return Txn{ID: id, Process: id, Type: typ, Mops: mops, Invoke: time.Duration(invokeMs) * time.Millisecond, Complete: time.Duration(completeMs) * time.Millisecond}
}

// final is a final read of the keys it reads.
func final(id int, atMs int, mops ...Mop) Txn {
	t := tx(id, Ok, atMs, atMs+1, mops...)
	t.Final = true
	return t
}

func TestCheckAnomalies(t *testing.T) {
	for _, tc := range []struct {
		name string
		txns []Txn
		want string // the anomaly kind that must be reported ("" valid)
		// txns: the transactions the anomaly must name.
		txnsNamed []int
	}{
		{"valid concurrent", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1), rd("y")),
			tx(2, Ok, 0, 100, ap("y", 1), rd("x", 1)),
			tx(3, Ok, 200, 300, rd("x", 1), rd("y", 1)),
			final(4, 400, rd("x", 1), rd("y", 1)),
		}, "", nil},
		{"valid with unknown and failed txns", []Txn{
			tx(1, Info, 0, 100, ap("x", 1)),
			tx(2, Fail, 0, 100, ap("x", 2)),
			tx(3, Info, 0, 100, ap("x", 3), rd("x", 7, 7)), // an info read is unknown
			tx(4, Ok, 150, 200, rd("x", 1)),
			final(5, 400, rd("x", 1)),
		}, "", nil},
		{"G0 write cycle", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1), ap("y", 2)),
			tx(2, Ok, 0, 100, ap("x", 2), ap("y", 1)),
			tx(3, Ok, 0, 100, rd("x", 1, 2)),
			tx(4, Ok, 0, 100, rd("y", 1, 2)),
		}, G0, []int{1, 2}},
		{"G1c circular information flow", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1), rd("y", 1)),
			tx(2, Ok, 0, 100, ap("y", 1), rd("x", 1)),
		}, G1c, []int{1, 2}},
		{"G-single read skew", []Txn{
			tx(1, Ok, 0, 100, rd("x"), rd("y", 1)),
			tx(2, Ok, 0, 100, ap("x", 1), ap("y", 1)),
			tx(3, Ok, 0, 100, rd("x", 1)),
		}, GSingle, []int{1, 2}},
		{"G2 write skew", []Txn{
			tx(1, Ok, 0, 100, rd("x"), ap("y", 1)),
			tx(2, Ok, 0, 100, rd("y"), ap("x", 1)),
			tx(3, Ok, 0, 100, rd("x", 1), rd("y", 1)),
		}, G2, []int{1, 2}},
		{"G0-realtime: appends applied against real time", []Txn{
			tx(1, Ok, 0, 10, ap("x", 1)),
			tx(2, Ok, 20, 30, ap("x", 2)),
			tx(3, Ok, 40, 50, rd("x", 2, 1)),
		}, G0Realtime, []int{1, 2}},
		{"G1c-realtime: a read of an append invoked later", []Txn{
			tx(1, Ok, 0, 10, ap("x", 1), rd("y", 1)),
			tx(2, Ok, 20, 30, ap("y", 1)),
		}, G1cRealtime, []int{1, 2}},
		{"G-single-realtime: a stale read", []Txn{
			tx(1, Ok, 0, 10, ap("x", 1)),
			tx(2, Ok, 20, 30, rd("x")),
			tx(3, Ok, 40, 50, rd("x", 1)),
		}, GSingleRealtime, []int{1, 2}},
		{"G2-realtime", []Txn{
			tx(1, Ok, 20, 100, rd("x")),            // A -rw-> B
			tx(2, Ok, 0, 100, ap("x", 1)),          // B -wr-> C
			tx(3, Ok, 0, 100, rd("x", 1), rd("y")), // C -rw-> D
			tx(4, Ok, 0, 10, ap("y", 1)),           // D -rt-> A
			tx(5, Ok, 0, 100, rd("y", 1)),
		}, G2Realtime, []int{1, 2, 3, 4}},
		{"G1a aborted read", []Txn{
			tx(1, Fail, 0, 10, ap("x", 1)),
			tx(2, Ok, 20, 30, rd("x", 1)),
		}, G1a, []int{1, 2}},
		{"G1b intermediate read", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1), ap("x", 2)),
			tx(2, Ok, 0, 100, rd("x", 1)),
		}, G1b, []int{1, 2}},
		{"internal: a read misses the txn's own append", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1), rd("x")),
		}, Internal, []int{1}},
		{"internal: a second read disagrees with the first", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1)),
			tx(2, Ok, 0, 100, rd("x"), rd("x", 1)),
		}, Internal, []int{2}},
		{"incompatible order", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1)),
			tx(2, Ok, 0, 100, ap("x", 2)),
			tx(3, Ok, 0, 100, rd("x", 1, 2)),
			tx(4, Ok, 0, 100, rd("x", 2, 1)),
		}, IncompatibleOrder, []int{3, 4}},
		{"duplicate element", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1)),
			tx(2, Ok, 0, 100, rd("x", 1, 1)),
		}, Duplicate, []int{2}},
		{"garbage", []Txn{
			tx(1, Ok, 0, 100, ap("x", 1)),
			tx(2, Ok, 0, 100, rd("x", 1, 9)),
		}, Garbage, []int{2}},
		{"lost append", []Txn{
			tx(1, Ok, 0, 10, ap("x", 1)),
			tx(2, Ok, 0, 10, ap("x", 2)),
			final(3, 100, rd("x", 2)),
		}, Lost, []int{1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Check(tc.txns)
			if tc.want == "" {
				if res.Valid != verdict.True {
					t.Fatalf("valid? %s, anomalies %v %+v", res.Valid, res.AnomalyTypes, res.Anomalies)
				}
				return
			}
			if res.Valid != verdict.False {
				t.Fatalf("valid? %s, want false (%s)", res.Valid, tc.want)
			}
			as := res.Anomalies[tc.want]
			if len(as) == 0 {
				t.Fatalf("no %s reported; got %v: %+v", tc.want, res.AnomalyTypes, res.Anomalies)
			}
			got := slices.Clone(as[0].Txns)
			slices.Sort(got)
			if !slices.Equal(got, tc.txnsNamed) {
				t.Errorf("%s names txns %v, want %v\n%s", tc.want, got, tc.txnsNamed, as[0].Explanation)
			}
			for _, id := range tc.txnsNamed {
				if !strings.Contains(as[0].Explanation, "T"+strconv.Itoa(id)+" ") {
					t.Errorf("explanation does not spell out T%d:\n%s", id, as[0].Explanation)
				}
			}
		})
	}
}

func TestNoFinalReadIsUnknown(t *testing.T) {
	res := Check([]Txn{tx(1, Ok, 0, 10, ap("x", 1)), tx(2, Ok, 20, 30, rd("x", 1))})
	if res.Valid != verdict.Unknown {
		t.Fatalf("valid? %s, want unknown", res.Valid)
	}
}

func TestNonUniqueAppendIsUnknown(t *testing.T) {
	res := Check([]Txn{tx(1, Ok, 0, 10, ap("x", 1)), tx(2, Ok, 0, 10, ap("x", 1)), final(3, 20, rd("x", 1))})
	if res.Valid != verdict.Unknown || len(res.Notes) == 0 {
		t.Fatalf("valid? %s notes %v, want unknown with a note", res.Valid, res.Notes)
	}
}

func TestRealtimeFrontierKeepsPaths(t *testing.T) {
	// A completes, then B runs, then C: A -> C is dropped but implied.
	s := &state{txns: []Txn{tx(1, Ok, 0, 10), tx(2, Ok, 20, 30), tx(3, Ok, 40, 50), tx(4, Ok, 5, 45)}}
	g := &graph{in: map[int]bool{0: true, 1: true, 2: true, 3: true}, out: map[int]map[int]uint8{}, why: map[edgeKey]func() string{}, nodes: []int{0, 1, 2, 3}}
	s.realtime(g)
	for _, e := range []struct {
		from, to int
		want     bool
	}{{0, 1, true}, {1, 2, true}, {0, 2, false}, {3, 2, false}, {0, 3, false}} {
		if got := g.out[e.from][e.to]&rt != 0; got != e.want {
			t.Errorf("edge T%d -> T%d: %v, want %v", e.from+1, e.to+1, got, e.want)
		}
	}
}

func TestCycleExplanationNamesEdges(t *testing.T) {
	res := Check([]Txn{
		tx(1, Ok, 0, 10, ap("x", 1)),
		tx(2, Ok, 20, 30, rd("x")),
		tx(3, Ok, 40, 50, rd("x", 1)),
		final(4, 60, rd("x", 1)),
	})
	as := res.Anomalies[GSingleRealtime]
	if len(as) != 1 {
		t.Fatalf("anomalies %v", res.AnomalyTypes)
	}
	steps := strings.Join(as[0].Steps, "\n")
	for _, want := range []string{
		`T2 -rw-> T1: T2 read "x" as [], without 1, the next element, which T1 appended`,
		`T1 -realtime-> T2: T1 completed at 0.010 s, before T2 was invoked at 0.020 s`,
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("steps lack %q:\n%s", want, steps)
		}
	}
}

func TestBriefList(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "[]"},
		{3, "[1 2 3]"},
		{briefListMax, "[1 2 3 4 5 6 7 8]"},
		{20, "[... 17 18 19 20] (20 elements)"},
	} {
		l := make([]int64, tc.n)
		for i := range l {
			l[i] = int64(i + 1)
		}
		if got := briefList(l); got != tc.want {
			t.Errorf("briefList(%d elements) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
