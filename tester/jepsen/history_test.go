package jepsen

import (
	"strings"
	"testing"
	"time"

	"redraft/tester/elle"
	"redraft/tester/history"
	"redraft/tester/verdict"
)

func TestWriteHistory(t *testing.T) {
	v := "3"
	ops := []Op{
		{Process: 0, F: "write", Key: "r0", Value: "3", Type: TypeOk, Invoke: ms1(1), End: ms1(2)},
		{Process: 1, F: "read", Key: "r0", Read: &v, Type: TypeOk, Invoke: ms1(3), End: ms1(4)},
		{Process: 2, F: "cas", Key: "r0", From: "3", To: "4", Type: TypeInfo, Error: ":timeout", Invoke: ms1(5), End: ms1(9)},
		{Process: 1 << 20, F: "read", Key: setKey, Elements: []int64{1, 2}, Final: true, Type: TypeOk, Invoke: ms1(10), End: ms1(11)},
	}
	nem := []history.NemesisOp{{F: "kill", Value: ":one", Result: `{"n1" :killed}`, Invoke: ms1(6), End: ms1(7)}}
	var b strings.Builder
	if err := WriteHistory(&b, ops, nem); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"0\t:invoke\t:write\t[\"r0\" 3]",
		"0\t:ok\t:write\t[\"r0\" 3]",
		"1\t:ok\t:read\t[\"r0\" 3]",
		"2\t:invoke\t:cas\t[\"r0\" [3 4]]",
		":nemesis\t:info\t:kill\t:one",
		":nemesis\t:info\t:kill\t{\"n1\" :killed}",
		"2\t:info\t:cas\t[\"r0\" [3 4]]\t\":timeout\"",
		"1048576\t:ok\t:final-read\t[\"set0\" #{1 2}]",
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d lines, want 10:\n%s", len(lines), b.String())
	}
	at := 0
	for _, w := range want {
		for at < len(lines) && !strings.HasSuffix(lines[at], "\t"+w) {
			at++
		}
		if at == len(lines) {
			t.Fatalf("line %q missing or out of order in\n%s", w, b.String())
		}
	}
}

func ms1(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// TestAnalyzeBites: a register history with a stale read is invalid
// (exit 1), the same history without it valid; a set history with a lost
// add is invalid.
func TestAnalyzeBites(t *testing.T) {
	one, two := "1", "2"
	ops := []Op{
		{Process: 0, F: "write", Key: "r0", Value: "1", Type: TypeOk, Invoke: ms1(0), End: ms1(1)},
		{Process: 0, F: "cas", Key: "r0", From: "1", To: "2", Type: TypeOk, Invoke: ms1(2), End: ms1(3)},
		{Process: 1, F: "read", Key: "r0", Read: &two, Type: TypeOk, Invoke: ms1(4), End: ms1(5)},
		{Process: 2, F: "write", Key: "r1", Value: "0", Type: TypeFail, Invoke: ms1(4), End: ms1(5)},
	}
	res := &Result{Config: Config{Workload: WorkloadRegister}, Ops: ops}
	if a := Analyze(res, time.Minute); a.Valid != verdict.True || a.ExitCode() != 0 {
		t.Fatalf("valid history judged %s", a.Valid)
	}
	res.Ops = append(ops, Op{Process: 1, F: "read", Key: "r0", Read: &one, Type: TypeOk, Invoke: ms1(6), End: ms1(7)})
	a := Analyze(res, time.Minute)
	if a.Valid != verdict.False || a.ExitCode() != 1 || a.Keys["r0"] != verdict.False {
		t.Fatalf("stale read judged %s (keys %v)", a.Valid, a.Keys)
	}

	// A GET of a missing key after an acknowledged write is a lost write;
	// before any write it is what a new key holds.
	res.Ops = []Op{
		{Process: 1, F: "read", Key: "r5", Type: TypeOk, Invoke: ms1(0), End: ms1(1)},
		{Process: 0, F: "write", Key: "r5", Value: "1", Type: TypeOk, Invoke: ms1(2), End: ms1(3)},
		{Process: 0, F: "read", Key: "r5", Read: &one, Type: TypeOk, Invoke: ms1(4), End: ms1(5)},
	}
	if a := Analyze(res, time.Minute); a.Linearizable != verdict.True {
		t.Fatalf("a missing key read before the first write judged %s", a.Linearizable)
	}
	res.Ops = append(res.Ops, Op{Process: 1, F: "read", Key: "r5", Type: TypeOk, Invoke: ms1(6), End: ms1(7)})
	if a := Analyze(res, time.Minute); a.Linearizable != verdict.False {
		t.Fatalf("a missing key read after an acknowledged write judged %s", a.Linearizable)
	}

	set := &Result{Config: Config{Workload: WorkloadSet}, Ops: []Op{
		add(1, TypeOk, 0, 1), add(2, TypeOk, 0, 1), read(true, 5, 6, 1),
	}}
	if a := Analyze(set, time.Minute); a.Valid != verdict.False || a.ExitCode() != 1 {
		t.Fatalf("lost add judged %s", a.Valid)
	}

	// What kv serve --test-fault split-multi allows: a transaction applied
	// in two log entries is seen half done by another (process 1 reads its
	// append to list0 but not the one to list1, which a later read shows).
	ap := func(k string, v int64) elle.Mop { return elle.Mop{F: elle.Append, Key: k, Value: v} }
	rd := func(k string, vs ...int64) elle.Mop { return elle.Mop{F: elle.Read, Key: k, List: vs} }
	txns := []Op{
		{Process: 0, F: "txn", Txn: []elle.Mop{ap("list0", 1), ap("list1", 1)}, Type: TypeOk, Invoke: ms1(0), End: ms1(10)},
		{Process: 1, F: "txn", Txn: []elle.Mop{rd("list0", 1), rd("list1")}, Type: TypeOk, Invoke: ms1(2), End: ms1(4)},
		{Process: 2, F: "txn", Txn: []elle.Mop{rd("list0", 1), rd("list1", 1)}, Type: TypeOk, Invoke: ms1(20), End: ms1(21), Final: true},
	}
	la := &Result{Config: Config{Workload: WorkloadListAppend}, Ops: []Op{txns[0], txns[2]}}
	if a := Analyze(la, time.Minute); a.Valid != verdict.True {
		t.Fatalf("the transaction alone judged %s: %v", a.Valid, a.Elle.AnomalyTypes)
	}
	la.Ops = txns
	if a := Analyze(la, time.Minute); a.Valid != verdict.False || a.ExitCode() != 1 || a.Elle.Counts[elle.GSingle] == 0 {
		t.Fatalf("a transaction seen half done judged %s: %v", a.Valid, a.Elle.AnomalyTypes)
	}
}
