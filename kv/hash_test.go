package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// hsHashFields returns the hash's field/value pairs in iteration order.
func hsHashFields(h *Hash) []string {
	var out []string
	h.each(func(k, v string) bool { out = append(out, k+"="+v); return true })
	return out
}

func TestHashListpackConversion(t *testing.T) {
	long := strings.Repeat("x", hashListpackValue+1)
	max := strings.Repeat("x", hashListpackValue)
	for _, c := range []struct {
		name     string
		build    func(h *Hash)
		listpack bool
	}{
		{"hashListpackEntries fields", func(h *Hash) {
			for i := 0; i < hashListpackEntries; i++ {
				h.Set([]byte(fmt.Sprint("f", i)), []byte("v"))
			}
		}, true},
		{"hashListpackEntries+1 fields", func(h *Hash) {
			for i := 0; i <= hashListpackEntries; i++ {
				h.Set([]byte(fmt.Sprint("f", i)), []byte("v"))
			}
		}, false},
		{"64-byte field and value", func(h *Hash) { h.Set([]byte(max), []byte(max)) }, true},
		{"65-byte field", func(h *Hash) { h.Set([]byte(long), []byte("v")) }, false},
		{"65-byte value", func(h *Hash) { h.Set([]byte("f"), []byte(long)) }, false},
		{"65-byte value, then overwritten short", func(h *Hash) {
			h.Set([]byte("f"), []byte(long))
			h.Set([]byte("f"), []byte("v"))
		}, false},
		{"one field too many, then all but one deleted", func(h *Hash) {
			for i := 0; i <= hashListpackEntries; i++ {
				h.Set([]byte(fmt.Sprint("f", i)), []byte("v"))
			}
			for i := 0; i < hashListpackEntries; i++ {
				h.Delete([]byte(fmt.Sprint("f", i)))
			}
		}, false},
	} {
		h := &Hash{}
		c.build(h)
		if got := h.listpack(); got != c.listpack {
			t.Errorf("%s: listpack got %v, want %v", c.name, got, c.listpack)
		}
	}
}

// TestHashOrderSurvivesConversion: converting keeps the order and updates
// stay in place in both encodings.
func TestHashOrderSurvivesConversion(t *testing.T) {
	h := &Hash{}
	h.Set([]byte("a"), []byte("1"))
	h.Set([]byte("b"), []byte("2"))
	h.Set([]byte("c"), []byte("3"))
	h.Delete([]byte("a"))
	h.Set([]byte("b"), []byte(strings.Repeat("v", 100))) // converts, in place
	h.Set([]byte("a"), []byte("4"))
	h.Set([]byte("c"), []byte("5"))
	if h.listpack() {
		t.Fatal("want a hashtable")
	}
	want := []string{"b=" + strings.Repeat("v", 100), "c=5", "a=4"}
	if got := hsHashFields(h); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("order: got %v, want %v", got, want)
	}
}

// hsHashSamples returns hashes in every state a snapshot must preserve.
func hsHashSamples() map[string]*Hash {
	out := map[string]*Hash{}
	small := &Hash{}
	for i := 0; i < 5; i++ {
		small.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint("v", i)))
	}
	small.Delete([]byte("f1"))
	small.Set([]byte(""), []byte(""))
	out["listpack"] = small

	big := &Hash{}
	for i := 0; i < 300; i++ {
		big.Set([]byte(fmt.Sprint("f", i)), []byte(fmt.Sprint(i)))
	}
	for i := 0; i < 300; i += 7 {
		big.Delete([]byte(fmt.Sprint("f", i)))
	}
	big.Set([]byte("f299"), []byte("updated"))
	out["table with tombstones"] = big

	compacted := &Hash{}
	for i := 0; i < 400; i++ {
		compacted.Set([]byte(fmt.Sprint("f", i)), []byte("x"))
	}
	for i := 0; i < 399; i++ { // also deletes the newest: nextSeq runs ahead
		compacted.Delete([]byte(fmt.Sprint("f", i+1)))
	}
	out["table after compaction"] = compacted

	one := &Hash{}
	one.Set([]byte("k"), []byte(strings.Repeat("z", 70)))
	out["table of one"] = one
	return out
}

func TestHashSnapshotRoundTrip(t *testing.T) {
	for name, h := range hsHashSamples() {
		enc := h.appendSnapshot([]byte("prefix"))[len("prefix"):]
		got, err := decodeHashSnapshot(enc)
		if err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		got.m.checkInvariants()
		if got.listpack() != h.listpack() {
			t.Errorf("%s: listpack got %v, want %v", name, got.listpack(), h.listpack())
		}
		if a, b := fmt.Sprint(hsHashFields(got)), fmt.Sprint(hsHashFields(h)); a != b {
			t.Errorf("%s: fields got %v, want %v", name, a, b)
		}
		if re := got.appendSnapshot(nil); !bytes.Equal(re, enc) {
			t.Errorf("%s: re-encoding differs", name)
		}
		// The clone (COPY) is an equal state too.
		if re := h.clone().appendSnapshot(nil); !bytes.Equal(re, enc) {
			t.Errorf("%s: clone encodes differently", name)
		}
		if !h.listpack() {
			// Sequence numbers survive: same cursors, same next number.
			if got.m.nextSeq() != h.m.nextSeq() {
				t.Errorf("%s: nextSeq got %d, want %d", name, got.m.nextSeq(), h.m.nextSeq())
			}
			for r := 0; r < h.Len(); r++ {
				if a, b := got.m.seqOf(got.m.at(r)), h.m.seqOf(h.m.at(r)); a != b {
					t.Fatalf("%s: seq of rank %d: got %d, want %d", name, r, a, b)
				}
			}
		}
	}
}

// TestHashCloneIsDeep: modifying a clone leaves the original alone.
func TestHashCloneIsDeep(t *testing.T) {
	for name, h := range hsHashSamples() {
		before := h.appendSnapshot(nil)
		c := h.clone()
		c.Set([]byte("new"), []byte("v"))
		c.Delete([]byte("f2"))
		c.each(func(k, _ string) bool { c.Set([]byte(k), []byte("changed")); return true })
		if !bytes.Equal(h.appendSnapshot(nil), before) {
			t.Errorf("%s: modifying the clone changed the original", name)
		}
	}
}

func TestDecodeHashSnapshotRejects(t *testing.T) {
	valid := (&Hash{}).appendSnapshot(nil) // empty: itself invalid
	// Listpacks are bounded by the largest thresholds in effect (encoding.go).
	long := strings.Repeat("x", encodingValueMax+1)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"empty input", nil},
		{"empty hash", valid},
		{"unknown mode", []byte{7, 1, 1, 'a', 1, 'b'}},
		{"truncated", []byte{hashModeListpack, 2, 1, 'a', 1, 'b', 1, 'c'}},
		{"trailing bytes", []byte{hashModeListpack, 1, 1, 'a', 1, 'b', 0}},
		{"duplicate field", []byte{hashModeListpack, 2, 1, 'a', 1, 'b', 1, 'a', 1, 'c'}},
		{"listpack too many fields", append([]byte{hashModeListpack, 0x81, 0x04}, bytes.Repeat([]byte{0, 0}, 513)...)},
		{"listpack value too long", append(binary.AppendUvarint([]byte{hashModeListpack, 1, 1, 'a'}, uint64(len(long))), long...)},
		{"huge count", []byte{hashModeTable, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 1, 'a', 0, 1}},
		{"string past the end", []byte{hashModeTable, 1, 1, 0x7f, 'a', 0, 1}},
		{"zero sequence delta", []byte{hashModeTable, 1, 0, 1, 'a', 0, 1}},
		{"zero next delta", []byte{hashModeTable, 1, 1, 1, 'a', 0, 0}},
		{"missing next delta", []byte{hashModeTable, 1, 1, 1, 'a', 0}},
		{"table duplicate field", []byte{hashModeTable, 2, 1, 1, 'a', 0, 1, 1, 'a', 0, 1}},
		{"sequence overflow", []byte{hashModeTable, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 'a', 0, 1}},
		{"bad varint", []byte{hashModeTable, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	} {
		h, err := decodeHashSnapshot(c.in)
		if err == nil || h != nil {
			t.Errorf("%s: got %v, %v; want an error", c.name, h, err)
			continue
		}
		if !errors.Is(err, errCollSnapshot) {
			t.Errorf("%s: error %v does not wrap errCollSnapshot", c.name, err)
		}
	}
}

// FuzzDecodeHashSnapshot: decoding never panics; what decodes is a valid
// hash whose encoding decodes to the same state and re-encodes identically.
func FuzzDecodeHashSnapshot(f *testing.F) {
	for _, h := range hsHashSamples() {
		f.Add(h.appendSnapshot(nil))
	}
	f.Add([]byte{hashModeListpack, 1, 1, 'a', 1, 'b'})
	f.Add([]byte{hashModeTable, 2, 1, 1, 'a', 0, 3, 1, 'b', 1, 'x', 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHashSnapshot(b)
		if err != nil {
			return
		}
		h.m.checkInvariants()
		if h.Len() == 0 {
			t.Fatal("decoded an empty hash")
		}
		if h.listpack() {
			if h.Len() > hashListpackEntries {
				t.Fatal("listpack with too many fields")
			}
			h.each(func(k, v string) bool {
				if len(k) > hashListpackValue || len(v) > hashListpackValue {
					t.Fatal("listpack with a long field or value")
				}
				return true
			})
		}
		enc := h.appendSnapshot(nil)
		h2, err := decodeHashSnapshot(enc)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !bytes.Equal(h2.appendSnapshot(nil), enc) {
			t.Fatal("encoding is not stable")
		}
		// The decoded hash must be usable.
		h.Set([]byte("fuzz"), []byte("v"))
		h.Delete([]byte("fuzz"))
		h.m.checkInvariants()
	})
}
