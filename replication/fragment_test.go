package replication

import (
	"errors"
	"math/rand"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// smallParts lowers the part sizes for one test (not parallel).
func smallParts(t *testing.T, above, size int) {
	oa, ob := fragmentAbove, fragmentBytes
	fragmentAbove, fragmentBytes = above, size
	t.Cleanup(func() { fragmentAbove, fragmentBytes = oa, ob })
}

// TestBigEntryGoesInParts: a SET whose entry is over fragmentAbove goes
// through a three-node cluster in parts (RAFT INFO's proposed_parts), is
// acknowledged once, and every node holds the whole value; a snapshot
// afterwards is taken as usual.
func TestBigEntryGoesInParts(t *testing.T) {
	smallParts(t, 64<<10, 16<<10)
	c := startCluster(t, 3, true)
	val := make([]byte, 300<<10)
	rand.New(rand.NewSource(3)).Read(val)
	if got := c.doLeader("SET", "big", string(val)); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if got := c.doLeader("APPEND", "big", "!"); got != ":307201\r\n" {
		t.Fatalf("APPEND: %q", got)
	}
	l := c.leader()
	parts := ""
	for _, f := range l.Info() {
		if f.Name == "proposed_parts" {
			parts = f.Value
		}
	}
	if parts != "19" { // 300 KiB and the entry's header in 16 KiB parts
		t.Errorf("proposed_parts %q, want 19", parts)
	}
	want := "$307201\r\n" + string(val) + "!\r\n"
	for i, n := range c.nodes {
		waitFor(t, "node to apply", func() bool { return n.AppliedIndex() >= l.AppliedIndex() })
		var got string
		n.fsm.Read(func(m *kv.Machine) { got = execOn(m, "GET", "big") })
		if got != want {
			t.Errorf("n%d holds %d bytes, not the value written", i, len(got))
		}
	}
	if err := l.TakeSnapshot(); err != nil {
		t.Fatalf("snapshot after the big write: %v", err)
	}
}

// TestGatheringRules: the state machine applies a big entry only from its
// parts in order, in one term; anything else drops the gathering, the same
// way on every node, and no snapshot is taken while one is in progress.
func TestGatheringRules(t *testing.T) {
	smallParts(t, 64, 16)
	entry := encodeEntry(nil, "other", []*kv.Cmd{{Args: [][]byte{[]byte("SET"), []byte("k"), []byte(strings.Repeat("v", 100))}}})
	parts := encodeFragments(entry, 7)
	if len(parts) < 4 {
		t.Fatalf("%d parts", len(parts))
	}
	index := uint64(0)
	apply := func(f *FSM, term uint64, data []byte) any {
		index++
		return f.Apply(&raft.Log{Index: index, Term: term, Type: raft.LogCommand, Data: data})
	}
	get := func(f *FSM) string {
		var s string
		f.Read(func(m *kv.Machine) { s = execOn(m, "GET", "k") })
		return s
	}
	lost := func(r any) bool {
		res, _ := r.(*applyResult)
		return res != nil && errors.Is(res.err, errFragmentLost)
	}
	other := encodeEntry(nil, "other", []*kv.Cmd{{Args: [][]byte{[]byte("SET"), []byte("x"), []byte("1")}}})

	cases := []struct {
		name  string
		steps func(f *FSM) bool // reports whether the results were as expected
		value bool              // k holds the value afterwards
	}{
		{"in order, other entries between", func(f *FSM) bool {
			for i, p := range parts {
				if r := apply(f, 1, p); i < len(parts)-1 && r != nil && r.(*applyResult) != nil {
					return false
				}
				apply(f, 1, other)
			}
			return true
		}, true},
		{"a part skipped", func(f *FSM) bool {
			apply(f, 1, parts[0])
			return lost(apply(f, 1, parts[2]))
		}, false},
		{"a part of a later term", func(f *FSM) bool {
			apply(f, 1, parts[0])
			apply(f, 1, parts[1])
			return lost(apply(f, 2, parts[2]))
		}, false},
		{"another entry of a later term", func(f *FSM) bool {
			apply(f, 1, parts[0])
			apply(f, 2, other)
			return lost(apply(f, 2, parts[1]))
		}, false},
		{"an abort", func(f *FSM) bool {
			apply(f, 1, parts[0])
			apply(f, 1, fragmentAbort)
			return lost(apply(f, 1, parts[1]))
		}, false},
		{"a new first part restarts", func(f *FSM) bool {
			apply(f, 1, parts[0])
			apply(f, 1, parts[1])
			for _, p := range parts {
				apply(f, 1, p)
			}
			return true
		}, true},
	}
	for _, c := range cases {
		f := newFSM("self")
		index = 0
		if !c.steps(f) {
			t.Errorf("%s: a part's result was not as expected", c.name)
		}
		if got := get(f) != "$-1\r\n"; got != c.value {
			t.Errorf("%s: value applied %v, want %v", c.name, got, c.value)
		}
		if f.frag != nil {
			t.Errorf("%s: a gathering is left", c.name)
		}
	}

	f := newFSM("self")
	index = 0
	apply(f, 1, parts[0])
	if _, err := f.Snapshot(); !errors.Is(err, errSnapshotFragment) {
		t.Errorf("snapshot during a gathering: %v", err)
	}
	for _, p := range parts[1:] {
		apply(f, 1, p)
	}
	if _, err := f.Snapshot(); err != nil {
		t.Errorf("snapshot after it: %v", err)
	}
}
