package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"redraft/maelstrom/checker"
	"redraft/tester/history"
	"redraft/tester/netsim"
	"redraft/tester/verdict"
	"redraft/tester/window"
)

func TestConcurrencyMustBeMultipleOf2n(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		nodes int
		want  int
		ok    bool
	}{
		{"2n", 3, 6, true},
		{"4n", 3, 12, true},
		{"12", 3, 12, true},
		{"1n", 3, 3, false},
		{"n", 3, 3, false},
		{"5", 3, 5, false},
		{"2n", 1, 2, true},
	} {
		got, err := ParseConcurrency(tc.spec, tc.nodes)
		if err != nil || got != tc.want {
			t.Fatalf("%s with %d nodes: got %d, %v; want %d", tc.spec, tc.nodes, got, err, tc.want)
		}
		cfg := Config{Bin: "x", NodeCount: tc.nodes, Concurrency: got, TimeLimit: time.Second, Rate: 1, Dir: "."}
		err = cfg.Validate()
		if (err == nil) != tc.ok {
			t.Fatalf("%s with %d nodes: Validate = %v, want ok=%v", tc.spec, tc.nodes, err, tc.ok)
		}
		if err != nil && (!errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "not a multiple of 2n")) {
			t.Fatalf("unclear error: %v", err)
		}
	}
	if _, err := ParseConcurrency("x", 3); err == nil {
		t.Fatal("accepted x")
	}
	if _, err := ParseNemesis("partition,crash"); err == nil {
		t.Fatal("accepted crash")
	}
}

func TestNemesisScheduleIsSeededAndAlternates(t *testing.T) {
	nodes := []string{"n0", "n1", "n2"}
	cfg := Config{Nemesis: []string{FaultPartition, FaultKill}, NemesisInterval: time.Second, TimeLimit: 60 * time.Second, Seed: 42}
	a, err := NemesisSchedule(cfg, nodes)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NemesisSchedule(cfg, nodes)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("same seed, different schedules")
	}
	cfg.Seed = 43
	c, _ := NemesisSchedule(cfg, nodes)
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Fatal("different seeds, same schedule")
	}
	for _, fault := range cfg.Nemesis {
		var last time.Duration
		start := true
		n := 0
		for _, e := range a {
			if e.Fault != fault {
				continue
			}
			if n == 0 && e.At != 0 {
				t.Fatalf("%s: first start at %s, want 0", fault, e.At)
			}
			if e.Start != start {
				t.Fatalf("%s: start and stop do not alternate at %s", fault, e.At)
			}
			if gap := e.At - last; gap < 0 || gap > 2*cfg.NemesisInterval {
				t.Fatalf("%s: gap %s outside [0, 2*interval]", fault, gap)
			}
			if e.At >= cfg.TimeLimit {
				t.Fatalf("%s: event after the time limit", fault)
			}
			last, start = e.At, !start
			n++
		}
		if n < 20 {
			t.Fatalf("%s: only %d events in 60 s with a 1 s interval", fault, n)
		}
	}
}

func testWorkload(nodes, concurrency int) *workload {
	var ids []string
	for i := 0; i < nodes; i++ {
		ids = append(ids, fmt.Sprintf("n%d", i))
	}
	clients := make([]*client, concurrency)
	for i := range clients {
		clients[i] = &client{id: fmt.Sprintf("c%d", i+1)}
	}
	return newWorkload(Config{Concurrency: concurrency, Seed: 1}, ids, clients)
}

func TestThreadsReadersAndNodes(t *testing.T) {
	w := testWorkload(3, 12)
	for _, th := range w.threads {
		if want := fmt.Sprintf("n%d", th.idx%3); th.node != want {
			t.Fatalf("thread %d talks to %s, want %s", th.idx, th.node, want)
		}
		if want := th.idx%6 < 3; th.reader != want {
			t.Fatalf("thread %d reader=%v, want %v", th.idx, th.reader, want)
		}
		op := w.next(th)
		if th.reader != (op.F == "read") {
			t.Fatalf("thread %d (reader=%v) got %s", th.idx, th.reader, op.F)
		}
		if want := int64(th.idx / 6); op.Key != want {
			t.Fatalf("thread %d got key %d, want %d", th.idx, op.Key, want)
		}
	}
	// Writers mix write:cas:cas with values 0-4.
	counts := map[string]int{}
	for i := 0; i < 3000; i++ {
		op := w.next(w.threads[3])
		counts[op.F]++
		for _, v := range []string{op.Value, op.From, op.To} {
			if v != "" && (len(v) != 1 || v[0] < '0' || v[0] > '4') {
				t.Fatalf("value %q outside 0-4", v)
			}
		}
	}
	if counts["write"] < 800 || counts["write"] > 1200 || counts["cas"] < 1800 {
		t.Fatalf("mix %v, want about 1:2", counts)
	}
}

func TestKeyRetiresAfterTwentyProcesses(t *testing.T) {
	w := testWorkload(3, 6)
	writer := w.threads[3]
	// 6 processes to start with; every info adds one. The 21st distinct
	// process retires key 0.
	if op := w.next(writer); op.Key != 0 {
		t.Fatalf("first op on key %d", op.Key)
	}
	for i := 0; i < 14; i++ {
		w.crashed(writer, 6)
		if op := w.next(writer); op.Key != 0 {
			t.Fatalf("after %d infos: key %d, want 0", i+1, op.Key)
		}
	}
	w.crashed(writer, 6)
	op := w.next(writer)
	if op.Key != 1 {
		t.Fatalf("after 15 infos (21 processes): key %d, want 1", op.Key)
	}
	if op.Process != 3+15*6 {
		t.Fatalf("process %d, want %d", op.Process, 3+15*6)
	}
}

func raw(s string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		panic(err)
	}
	return m
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		f     string
		reply string
		err   error
		want  checker.Outcome
		read  string // for ok reads: the canonical value, "nil" for null
	}{
		{"read", `{"type":"read_ok","value":3,"in_reply_to":1}`, nil, checker.Ok, "3"},
		{"read", `{"type":"read_ok","value":null,"in_reply_to":1,"msg_id":4}`, nil, checker.Ok, "nil"},
		{"read", `{"type":"read_ok","value":{"b":1,"a":2},"in_reply_to":1}`, nil, checker.Ok, `{"a":2,"b":1}`},
		{"read", `{"type":"read_ok","in_reply_to":1}`, nil, checker.Info, ""},
		{"read", `{"type":"read_ok","value":1,"node":"n0","in_reply_to":1}`, nil, checker.Info, ""},
		{"read", `{"type":"read_ok","value":1,"msg_id":"1","in_reply_to":1}`, nil, checker.Info, ""},
		{"read", `{"type":"error","code":13,"in_reply_to":1}`, nil, checker.Fail, ""},
		{"read", ``, errTimeout, checker.Fail, ""},
		{"write", ``, errTimeout, checker.Info, ""},
		{"write", `{"type":"write_ok","in_reply_to":1}`, nil, checker.Ok, ""},
		{"write", `{"type":"write_ok","value":1,"in_reply_to":1}`, nil, checker.Info, ""},
		{"write", `{"type":"cas_ok","in_reply_to":1}`, nil, checker.Info, ""},
		{"write", `{"type":"error","code":11,"text":"no leader","in_reply_to":1}`, nil, checker.Fail, ""},
		{"write", `{"type":"error","code":13,"in_reply_to":1}`, nil, checker.Info, ""},
		{"write", `{"type":"error","code":0,"in_reply_to":1}`, nil, checker.Info, ""},
		{"write", `{"type":"error","code":1000,"in_reply_to":1}`, nil, checker.Info, ""},
		{"cas", `{"type":"error","code":22,"in_reply_to":1}`, nil, checker.Fail, ""},
		{"cas", `{"type":"error","code":20,"in_reply_to":1}`, nil, checker.Fail, ""},
		{"cas", `{"type":"error","code":30,"in_reply_to":1}`, nil, checker.Fail, ""},
		{"cas", `{"type":"cas_ok","in_reply_to":1}`, nil, checker.Ok, ""},
	} {
		op := ClientOp{F: tc.f, Code: NoCode}
		var fields map[string]json.RawMessage
		if tc.reply != "" {
			fields = raw(tc.reply)
		}
		classify(&op, fields, tc.err)
		if op.Outcome != tc.want || op.Type != tc.want.String() {
			t.Errorf("%s %s %v: got %s, want %s (%s)", tc.f, tc.reply, tc.err, op.Type, tc.want, op.Error)
			continue
		}
		if tc.read != "" {
			got := "nil"
			if op.Read != nil {
				got = *op.Read
			}
			if got != tc.read {
				t.Errorf("%s: read %s, want %s", tc.reply, got, tc.read)
			}
		}
	}
}

func TestAnsweredCountsDefiniteAppErrors(t *testing.T) {
	for _, tc := range []struct {
		out  checker.Outcome
		code int
		want bool
	}{
		{checker.Ok, NoCode, true}, {checker.Fail, 20, true}, {checker.Fail, 22, true},
		{checker.Fail, 11, false}, {checker.Fail, 0, false}, {checker.Info, NoCode, false},
	} {
		o := ClientOp{Outcome: tc.out, Code: tc.code}
		if got := o.Answered(); got != tc.want {
			t.Errorf("%s code %d: answered %v, want %v", tc.out, tc.code, got, tc.want)
		}
	}
}

func TestStructuralBound(t *testing.T) {
	nodes := []string{"n0", "n1", "n2"}
	r := &run{nodes: nodes, net: netsim.New(netsim.Latency{}, 1), killed: map[string]bool{}, paused: map[string]bool{}}
	defer r.net.Close()
	all := func() []bool {
		var out []bool
		for _, n := range nodes {
			out = append(out, r.bound(n))
		}
		return out
	}
	if got := all(); !slices.Equal(got, []bool{true, true, true}) {
		t.Fatalf("healthy: %v", got)
	}
	// n0 isolated: n1 and n2 form a majority.
	r.net.SetGrudge(netsim.Grudge{"n0": {"n1": true, "n2": true}, "n1": {"n0": true}, "n2": {"n0": true}})
	if got := all(); !slices.Equal(got, []bool{false, true, true}) {
		t.Fatalf("n0 isolated: %v", got)
	}
	// Asymmetric ring: no round trip anywhere, nobody can be served.
	r.net.SetGrudge(netsim.Grudge{"n1": {"n0": true}, "n2": {"n1": true}, "n0": {"n2": true}})
	if got := all(); !slices.Equal(got, []bool{false, false, false}) {
		t.Fatalf("ring: %v", got)
	}
	// Bridge: n0-n1 and n1-n2 linked, n0-n2 cut. n1 has a majority; n0 and
	// n2 reach it.
	r.net.SetGrudge(netsim.Grudge{"n0": {"n2": true}, "n2": {"n0": true}})
	if got := all(); !slices.Equal(got, []bool{true, true, true}) {
		t.Fatalf("bridge: %v", got)
	}
	r.net.SetGrudge(nil)
	r.killed["n1"] = true
	r.paused["n2"] = true
	if got := all(); !slices.Equal(got, []bool{false, false, false}) {
		t.Fatalf("n1 killed, n2 paused: %v", got)
	}
}

func TestHistoryFormat(t *testing.T) {
	three := "3"
	ops := []ClientOp{
		{Process: 0, F: "read", Key: 0, Read: &three, Type: "ok", Outcome: checker.Ok, Invoke: 10, End: 20},
		{Process: 4, F: "cas", Key: 0, From: "1", To: "2", Type: "fail", Outcome: checker.Fail, Error: `[22 "mismatch"]`, Invoke: 15, End: 30},
		{Process: 3, F: "write", Key: 1, Value: "4", Type: "info", Outcome: checker.Info, Error: ":net-timeout", Invoke: 16, End: 40},
	}
	nem := []history.NemesisOp{{F: "start-partition", Value: ":one", Result: `[:isolated {"n0" #{"n1"}}]`, Invoke: 0, End: 1}}
	var b strings.Builder
	if err := WriteHistory(&b, ops, nem); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		":nemesis\t:info\t:start-partition\t:one",
		":nemesis\t:info\t:start-partition\t[:isolated {\"n0\" #{\"n1\"}}]",
		"0\t:invoke\t:read\t[0 nil]",
		"4\t:invoke\t:cas\t[0 [1 2]]",
		"3\t:invoke\t:write\t[1 4]",
		"0\t:ok\t:read\t[0 3]",
		"4\t:fail\t:cas\t[0 [1 2]]\t[22 \"mismatch\"]",
		"3\t:info\t:write\t[1 4]\t:net-timeout",
	}, "\n") + "\n"
	if got := b.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCheckerTimeoutIsUnknownNeverValid(t *testing.T) {
	one := "1"
	res := &Result{Ops: []ClientOp{
		{F: "write", Value: "1", Type: "ok", Outcome: checker.Ok, Code: NoCode, Invoke: 1, End: 2},
		{F: "read", Read: &one, Type: "ok", Outcome: checker.Ok, Code: NoCode, Invoke: 3, End: 4},
		{F: "cas", From: "1", To: "2", Type: "ok", Outcome: checker.Ok, Code: NoCode, Invoke: 5, End: 6},
	}}
	if a := Analyze(res, time.Minute); a.Valid != verdict.True || a.ExitCode() != 0 {
		t.Fatalf("valid history: %s", describe(a))
	}
	a := Analyze(res, 0)
	if a.Valid != verdict.Unknown || a.ExitCode() != 2 {
		t.Fatalf("timed-out checker: %s, exit %d", describe(a), a.ExitCode())
	}
	// false wins over unknown; a missing ok for cas makes stats false.
	res.Ops = res.Ops[:2]
	if a := Analyze(res, 0); a.Valid != verdict.False || a.ExitCode() != 1 {
		t.Fatalf("no ok cas: %s", describe(a))
	}
}

// TestMissedInBound: ops within the bound that were not answered are
// counted by reply, node and time since the last nemesis change; answered
// ops and ops outside the bound are not.
func TestMissedInBound(t *testing.T) {
	s := time.Second
	res := &Result{
		Windows: []window.Window{{Fault: "partition", Detail: `majorities-ring {"n0" #{"n1"}}`, Start: 10 * s, End: 20 * s}, {Fault: "kill", Detail: `{"n2" :killed}`, Start: 9 * s, End: 11 * s}},
		Ops: []ClientOp{
			{Node: "n0", Bound: true, Outcome: checker.Fail, Type: "fail", Code: 11, Error: errText(11, "CLUSTERDOWN no leader"), Invoke: 5 * s},
			{Node: "n1", Bound: true, Outcome: checker.Fail, Type: "fail", Code: 11, Error: errText(11, "NOTLEADER x"), Invoke: 10*s + 200*time.Millisecond},
			{Node: "n1", Bound: true, Outcome: checker.Info, Type: "info", Code: 0, Error: ":net-timeout", Invoke: 20*s + 700*time.Millisecond},
			{Node: "n2", Bound: true, Outcome: checker.Info, Type: "info", Code: 13, Error: errText(13, "UNCERTAIN outcome"), Invoke: 25 * s},
			{Node: "n2", Bound: true, Outcome: checker.Fail, Type: "fail", Code: 22, Error: errText(22, "CASFAIL"), Invoke: 26 * s}, // answered
			{Node: "n2", Bound: false, Outcome: checker.Fail, Type: "fail", Code: 11, Error: errText(11, "CLUSTERDOWN"), Invoke: 11 * s},
			{Node: "n0", Bound: true, Outcome: checker.Ok, Type: "ok", Code: NoCode, Invoke: 12 * s},
		},
	}
	got := missed(res)
	want := Missed{
		Count:         4,
		ByError:       map[string]int{"11 CLUSTERDOWN": 1, "11 NOTLEADER": 1, "timeout": 1, "13 UNCERTAIN": 1},
		ByNode:        map[string]int{"n0": 1, "n1": 2, "n2": 1},
		BySinceChange: map[string]int{"no change": 1, "< 0.5 s": 1, "0.5-1 s": 1, ">= 2 s": 1},
		ByFault:       map[string]int{"none": 3, "kill + partition majorities-ring": 1},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}
