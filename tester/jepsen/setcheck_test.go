package jepsen

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"redraft/tester/verdict"
)

func msT(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func add(e int, typ string, from, to int) Op {
	return Op{F: "add", Key: setKey, Value: strconv.Itoa(e), Type: typ, Invoke: msT(from), End: msT(to), Node: "n1"}
}

func read(final bool, from, to int, es ...int64) Op {
	return Op{F: "read", Key: setKey, Elements: es, Final: final, Type: TypeOk, Invoke: msT(from), End: msT(to), Node: "n2"}
}

func TestCheckSet(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ops   []Op
		valid string
		field func(*SetCheck) []int64
		want  []int64
	}{
		{"all present", []Op{add(1, TypeOk, 0, 1), add(2, TypeOk, 0, 2), read(true, 10, 11, 1, 2)}, verdict.True, nil, nil},
		{"lost", []Op{add(1, TypeOk, 0, 1), add(2, TypeOk, 0, 2), read(true, 10, 11, 1)}, verdict.False, func(s *SetCheck) []int64 { return s.Lost }, []int64{2}},
		{"concurrent add may be missing", []Op{add(1, TypeOk, 0, 20), read(false, 10, 11), read(true, 30, 31, 1)}, verdict.True, nil, nil},
		{"stale mid-run read", []Op{add(1, TypeOk, 0, 1), read(false, 5, 6), read(true, 30, 31, 1)}, verdict.False, func(s *SetCheck) []int64 { return s.Stale }, []int64{1}},
		{"unexpected", []Op{add(1, TypeOk, 0, 1), read(true, 10, 11, 1, 7)}, verdict.False, func(s *SetCheck) []int64 { return s.Unexpected }, []int64{7}},
		{"malformed member", []Op{read(true, 10, 11, malformedElement)}, verdict.False, func(s *SetCheck) []int64 { return s.Unexpected }, []int64{malformedElement}},
		{"failed add present", []Op{add(1, TypeFail, 0, 1), read(true, 10, 11, 1)}, verdict.False, func(s *SetCheck) []int64 { return s.FailPresent }, []int64{1}},
		{"unknown add may appear", []Op{add(1, TypeInfo, 0, 1), read(true, 10, 11, 1)}, verdict.True, nil, nil},
		{"unknown add may not", []Op{add(1, TypeInfo, 0, 1), read(true, 10, 11)}, verdict.True, nil, nil},
		{"vanished", []Op{add(1, TypeInfo, 0, 1), read(false, 5, 6, 1), read(true, 10, 11)}, verdict.False, func(s *SetCheck) []int64 { return s.Vanished }, []int64{1}},
		{"no final read", []Op{add(1, TypeOk, 0, 1), read(false, 5, 6, 1)}, verdict.Unknown, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckSet(tc.ops)
			if got.Valid != tc.valid {
				t.Fatalf("valid %s, want %s; %+v", got.Valid, tc.valid, got)
			}
			if tc.field != nil && !slices.Equal(tc.field(got), tc.want) {
				t.Fatalf("got %v, want %v; examples %q", tc.field(got), tc.want, got.Examples)
			}
			if got.Valid == verdict.False && len(got.Examples) == 0 {
				t.Fatal("an invalid set history without an explained anomaly")
			}
		})
	}
}
