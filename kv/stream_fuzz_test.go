package kv

import (
	"math"
	"strconv"
	"testing"
)

// FuzzStreamID checks the ID parser: it never panics, what it accepts
// prints back to an ID it parses again to the same value, and a canonical
// <ms>-<seq> is always accepted as itself.
func FuzzStreamID(f *testing.F) {
	for _, s := range []string{"0-0", "1", "1-*", "-", "+", "(5-3", "18446744073709551615-18446744073709551615",
		"18446744073709551616", " 7-1", "+3", "-3", "1--1", "1-", "-1-2", "5-+3", "1\x002", "00012-0"} {
		f.Add([]byte(s), uint64(0), false, true)
	}
	f.Fuzz(func(t *testing.T, arg []byte, missingSeq uint64, strict, autoSeq bool) {
		id, seqGiven, ok := parseStreamID(arg, missingSeq, strict, autoSeq)
		if !ok {
			return
		}
		if strict && len(arg) == 1 && (arg[0] == '-' || arg[0] == '+') {
			t.Fatalf("strict parse accepted %q", arg)
		}
		if !seqGiven && !autoSeq {
			t.Fatalf("%q: sequence missing without autoSeq", arg)
		}
		text := id.appendText(nil)
		back, _, ok := parseStreamID(text, 0, true, false)
		if !ok || back != id {
			t.Fatalf("%q -> %s -> %v %v", arg, text, back, ok)
		}
		if inc, ok := id.incr(); ok {
			if dec, _ := inc.decr(); dec != id {
				t.Fatalf("incr/decr of %s", id)
			}
		} else if id != maxStreamID {
			t.Fatalf("incr of %s failed", id)
		}
	})
}

// FuzzStreamIDCanonical: every <ms>-<seq> in decimal parses as itself.
func FuzzStreamIDCanonical(f *testing.F) {
	f.Add(uint64(0), uint64(1))
	f.Add(uint64(math.MaxUint64), uint64(math.MaxUint64))
	f.Fuzz(func(t *testing.T, ms, seq uint64) {
		s := strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq, 10)
		id, seqGiven, ok := parseStreamID([]byte(s), 7, true, true)
		if !ok || !seqGiven || id != (streamID{ms, seq}) {
			t.Fatalf("%s: %v %v %v", s, id, seqGiven, ok)
		}
	})
}

// FuzzStreamSnapshot feeds the stream snapshot decoder arbitrary bytes: it
// must return an error or a stream that iterates, re-encodes stably and
// keeps its PELs consistent, never panic.
func FuzzStreamSnapshot(f *testing.F) {
	m := NewMachine()
	for _, c := range [][]string{
		{"XADD", "s", "1-1", "a", "1", "b", "2"}, {"XADD", "s", "2-0", "a", "x", "b", "y"},
		{"XADD", "s", "3-5", "other", "z"}, {"XDEL", "s", "2-0"}, {"XGROUP", "CREATE", "s", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
	} {
		execAt(m, 1000, 1, c...)
	}
	f.Add(m.dbs[0].get("s").obj.(*Stream).appendSnapshot(nil))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStreamSnapshot(b)
		if err != nil {
			return
		}
		// Varints may come non-minimal; what is written back is the
		// canonical form, which decodes to a stream written alike.
		enc := s.appendSnapshot(nil)
		s2, err := decodeStreamSnapshot(enc)
		if err != nil {
			t.Fatalf("re-encoded stream does not decode: %v", err)
		}
		if again := s2.appendSnapshot(nil); string(again) != string(enc) {
			t.Fatalf("re-encoding differs:\n%x\n%x", again, enc)
		}
		n := 0
		for it := s.iter(streamID{}, maxStreamID, false); it.next(); n++ {
		}
		for it := s.iter(streamID{}, maxStreamID, true); it.next(); {
		}
		if uint64(n) != s.length {
			t.Fatalf("%d entries iterate, length %d", n, s.length)
		}
		for _, g := range s.groups {
			g.pel.each(streamID{}, func(id streamID, nack *streamNACK) bool {
				if _, ok := nack.consumer.pel.get(id); !ok {
					t.Fatalf("pending %s missing from its consumer", id)
				}
				return true
			})
		}
	})
}
