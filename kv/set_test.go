package kv

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"testing"
)

// hsSetMembers returns the set's members in iteration order.
func hsSetMembers(s *Set) []string {
	var out []string
	s.each(func(m []byte) bool { out = append(out, string(m)); return true })
	return out
}

func hsNewSet(members ...string) *Set {
	s := &Set{}
	for _, m := range members {
		s.Add([]byte(m))
	}
	return s
}

func TestSetIntsetOrderAndConversion(t *testing.T) {
	for _, c := range []struct {
		name    string
		build   func() *Set
		intset  bool
		members string
	}{
		{"integers sort", func() *Set { return hsNewSet("5", "-3", "10", "0", "5") }, true, "[-3 0 5 10]"},
		{"int64 extremes", func() *Set { return hsNewSet("9223372036854775807", "-9223372036854775808") }, true,
			"[-9223372036854775808 9223372036854775807]"},
		{"non-canonical integer converts", func() *Set { return hsNewSet("5", "1", "07") }, false, "[1 5 07]"},
		{"minus zero converts", func() *Set { return hsNewSet("1", "-0") }, false, "[1 -0]"},
		{"plus sign converts", func() *Set { return hsNewSet("2", "1", "+3") }, false, "[1 2 +3]"},
		{"out of int64 converts", func() *Set { return hsNewSet("2", "9223372036854775808") }, false, "[2 9223372036854775808]"},
		{"string first", func() *Set { return hsNewSet("x", "3", "1") }, false, "[x 3 1]"},
		{"removing the string keeps the hashtable", func() *Set {
			s := hsNewSet("3", "x", "1")
			s.Remove([]byte("x"))
			return s
		}, false, "[3 1]"},
	} {
		s := c.build()
		if s.intset() != c.intset {
			t.Errorf("%s: intset got %v, want %v", c.name, s.intset(), c.intset)
		}
		if got := fmt.Sprint(hsSetMembers(s)); got != c.members {
			t.Errorf("%s: members got %s, want %s", c.name, got, c.members)
		}
	}
}

func TestSetIntsetLimit(t *testing.T) {
	s := &Set{}
	for i := setIntsetEntries; i >= 1; i-- {
		s.Add([]byte(strconv.Itoa(i)))
	}
	if !s.intset() || s.Len() != setIntsetEntries {
		t.Fatalf("512 integers: intset %v len %d, want true %d", s.intset(), s.Len(), setIntsetEntries)
	}
	if s.Add([]byte("7")) {
		t.Fatal("adding an existing member reported new")
	}
	s.Add([]byte("0")) // the 513th member: added, then converted, ascending
	if s.intset() {
		t.Fatal("513 integers: still an intset")
	}
	got := hsSetMembers(s)
	if got[0] != "0" || got[1] != "1" || got[512] != "512" {
		t.Fatalf("converted order: got %v..., want 0 1 ... 512", got[:3])
	}
	s.Add([]byte("-1"))
	if got := hsSetMembers(s); got[513] != "-1" {
		t.Fatalf("after conversion new members go last: got %v", got[510:])
	}
	for i := 0; i < 600; i++ {
		s.Remove([]byte(strconv.Itoa(i)))
	}
	if s.intset() || s.Len() != 1 {
		t.Fatalf("after removals: intset %v len %d, want false 1", s.intset(), s.Len())
	}
}

func TestSetContains(t *testing.T) {
	for _, s := range []*Set{hsNewSet("7", "-2"), hsNewSet("7", "-2", "x")} {
		for _, c := range []struct {
			m    string
			want bool
		}{{"7", true}, {"-2", true}, {"07", false}, {"7.0", false}, {"x", !s.intset()}, {"8", false}, {"", false}} {
			if got := s.Contains([]byte(c.m)); got != c.want {
				t.Errorf("intset=%v Contains(%q): got %v, want %v", s.intset(), c.m, got, c.want)
			}
		}
	}
}

// hsSetSamples returns sets in every state a snapshot must preserve.
func hsSetSamples() map[string]*Set {
	out := map[string]*Set{
		"intset":        hsNewSet("3", "-9223372036854775808", "9223372036854775807", "0"),
		"intset of one": hsNewSet("42"),
		"table":         hsNewSet("b", "a", "1", ""),
	}
	ints := &Set{}
	for i := 0; i < 700; i++ {
		ints.Add([]byte(strconv.Itoa(i * 3)))
	}
	for i := 0; i < 2100; i += 7 {
		ints.Remove([]byte(strconv.Itoa(i)))
	}
	out["converted integers with tombstones"] = ints
	shrunk := hsNewSet("x")
	for i := 0; i < 100; i++ {
		shrunk.Add([]byte(fmt.Sprint("m", i)))
	}
	for i := 0; i < 100; i++ {
		shrunk.Remove([]byte(fmt.Sprint("m", i)))
	}
	out["table after compaction"] = shrunk
	return out
}

func TestSetSnapshotRoundTrip(t *testing.T) {
	for name, s := range hsSetSamples() {
		enc := s.appendSnapshot([]byte("prefix"))[len("prefix"):]
		got, err := decodeSetSnapshot(enc)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if got.intset() != s.intset() {
			t.Errorf("%s: intset got %v, want %v", name, got.intset(), s.intset())
		}
		if a, b := fmt.Sprint(hsSetMembers(got)), fmt.Sprint(hsSetMembers(s)); a != b {
			t.Errorf("%s: members got %v, want %v", name, a, b)
		}
		if re := got.appendSnapshot(nil); !bytes.Equal(re, enc) {
			t.Errorf("%s: re-encoding differs", name)
		}
		if re := s.clone().appendSnapshot(nil); !bytes.Equal(re, enc) {
			t.Errorf("%s: clone encodes differently", name)
		}
		if !s.intset() {
			got.m.checkInvariants()
			if got.m.nextSeq() != s.m.nextSeq() {
				t.Errorf("%s: nextSeq got %d, want %d", name, got.m.nextSeq(), s.m.nextSeq())
			}
			var buf1, buf2 [20]byte
			for r := 0; r < s.Len(); r++ {
				if a, b := got.at(r, buf1[:]), s.at(r, buf2[:]); !bytes.Equal(a, b) {
					t.Fatalf("%s: rank %d: got %q, want %q", name, r, a, b)
				}
			}
		}
	}
}

func TestSetCloneIsDeep(t *testing.T) {
	for name, s := range hsSetSamples() {
		before := s.appendSnapshot(nil)
		c := s.clone()
		c.Add([]byte("99999"))
		c.Add([]byte("new"))
		c.Remove([]byte("3"))
		if !bytes.Equal(s.appendSnapshot(nil), before) {
			t.Errorf("%s: modifying the clone changed the original", name)
		}
	}
}

func TestDecodeSetSnapshotRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"empty input", nil},
		{"empty intset", []byte{setModeIntset, 0}},
		{"empty table", []byte{setModeTable, 0, 1}},
		{"unknown mode", []byte{2, 1, 2}},
		{"intset not ascending", []byte{setModeIntset, 2, 4, 2}},
		{"intset duplicate", []byte{setModeIntset, 2, 2, 2}},
		{"intset too big", append([]byte{setModeIntset, 0x81, 0x04}, bytes.Repeat([]byte{0}, 513)...)},
		{"intset truncated", []byte{setModeIntset, 2, 2}},
		{"intset bad varint", []byte{setModeIntset, 1, 0x80}},
		{"trailing bytes", []byte{setModeIntset, 1, 2, 0}},
		{"table duplicate", []byte{setModeTable, 2, 1, 1, 'a', 1, 1, 'a', 1}},
		{"table zero delta", []byte{setModeTable, 1, 0, 1, 'a', 1}},
		{"table zero next", []byte{setModeTable, 1, 1, 1, 'a', 0}},
		{"table truncated", []byte{setModeTable, 2, 1, 1, 'a'}},
		{"table huge count", []byte{setModeTable, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 1, 'a', 1}},
	} {
		s, err := decodeSetSnapshot(c.in)
		if err == nil || s != nil {
			t.Errorf("%s: got %v, %v; want an error", c.name, s, err)
			continue
		}
		if !errors.Is(err, errCollSnapshot) {
			t.Errorf("%s: error %v does not wrap errCollSnapshot", c.name, err)
		}
	}
}

// FuzzDecodeSetSnapshot: decoding never panics; what decodes is a valid set
// whose encoding decodes to the same state and re-encodes identically.
func FuzzDecodeSetSnapshot(f *testing.F) {
	for _, s := range hsSetSamples() {
		f.Add(s.appendSnapshot(nil))
	}
	f.Add([]byte{setModeIntset, 2, 1, 4})
	f.Add([]byte{setModeTable, 2, 1, 1, 'a', 2, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSetSnapshot(b)
		if err != nil {
			return
		}
		if s.Len() == 0 {
			t.Fatal("decoded an empty set")
		}
		if s.intset() {
			if s.Len() > setIntsetEntries {
				t.Fatal("intset too big")
			}
			for i := 1; i < len(s.ints); i++ {
				if s.ints[i] <= s.ints[i-1] {
					t.Fatal("intset not strictly ascending")
				}
			}
		} else {
			s.m.checkInvariants()
		}
		enc := s.appendSnapshot(nil)
		s2, err := decodeSetSnapshot(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !bytes.Equal(s2.appendSnapshot(nil), enc) {
			t.Fatal("encoding is not stable")
		}
		s.Add([]byte("fuzz"))
		s.Remove([]byte("fuzz"))
		if !s.intset() {
			s.m.checkInvariants()
		}
	})
}
