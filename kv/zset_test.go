package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// zsetEqual reports whether a and b hold the same elements (score bits
// included) in the same encoding.
func zsetEqual(a, b *ZSet) bool {
	if a.Len() != b.Len() || a.listpack != b.listpack {
		return false
	}
	x, y := a.zsl.first(), b.zsl.first()
	for ; x != 0; x, y = a.next(x), b.next(y) {
		if a.memberOf(x) != b.memberOf(y) || math.Float64bits(a.scoreOf(x)) != math.Float64bits(b.scoreOf(y)) {
			return false
		}
	}
	return true
}

func TestZSetAddSemantics(t *testing.T) {
	z := newZSet(true)
	for _, tc := range []struct {
		member string
		score  float64
		flags  int
		out    int
		newS   float64
		ok     bool
	}{
		{"a", 1, 0, zaddAdded, 1, true},
		{"a", 1, 0, 0, 1, true}, // same score: neither added nor updated
		{"a", 2, zaddNX, zaddNop, 0, true},
		{"b", 2, zaddXX, zaddNop, 0, true},
		{"a", 5, zaddXX | zaddGT, zaddUpdated, 5, true},
		{"a", 4, zaddGT, zaddNop, 0, true},
		{"a", 5, zaddGT, zaddNop, 0, true},
		{"a", 6, zaddLT, zaddNop, 0, true},
		{"a", 3, zaddLT, zaddUpdated, 3, true},
		{"a", 2, zaddIncr, zaddUpdated, 5, true},
		{"a", -1, zaddIncr | zaddGT, zaddNop, 0, true},
		{"a", 0, zaddIncr, 0, 5, true},
		{"c", 7, zaddIncr, zaddAdded, 7, true},
		{"c", math.NaN(), 0, 0, 0, false},
		{"d", math.Inf(1), 0, zaddAdded, math.Inf(1), true},
		{"d", math.Inf(-1), zaddIncr, 0, 0, false},
	} {
		out, ns, ok := z.add([]byte(tc.member), tc.score, tc.flags)
		if out != tc.out || ok != tc.ok || (ok && ns != tc.newS) {
			t.Errorf("add(%q, %v, %b): got %b %v %v, want %b %v %v", tc.member, tc.score, tc.flags, out, ns, ok, tc.out, tc.newS, tc.ok)
		}
	}
	checkZSet(t, z)
	if s, _ := z.score([]byte("d")); !math.IsInf(s, 1) {
		t.Fatalf("d scored %v after a NaN increment, want +inf", s)
	}
}

func TestZSetListpackConversionAndNegativeZero(t *testing.T) {
	z := newZSet(true)
	z.add([]byte("a"), math.Copysign(0, -1), 0)
	if s, _ := z.score([]byte("a")); math.Signbit(s) {
		t.Fatal("a listpack kept -0")
	}
	for i := 0; i < zsetListpackEntries-1; i++ {
		z.add([]byte(fmt.Sprint("m", i)), float64(i), 0)
	}
	if !z.listpack || z.Len() != zsetListpackEntries {
		t.Fatalf("len %d listpack %v, want %d true", z.Len(), z.listpack, zsetListpackEntries)
	}
	z.add([]byte("one more"), 1, 0)
	if z.listpack || z.encoding() != "skiplist" {
		t.Fatal("129 elements still a listpack")
	}
	// A skiplist keeps -0, and never converts back.
	z.add([]byte("neg"), math.Copysign(0, -1), 0)
	if s, _ := z.score([]byte("neg")); !math.Signbit(s) {
		t.Fatal("a skiplist lost -0")
	}
	for i := 0; i < zsetListpackEntries; i++ {
		z.remove([]byte(fmt.Sprint("m", i)))
	}
	if z.listpack {
		t.Fatal("skiplist converted back")
	}
	checkZSet(t, z)

	long := newZSet(true)
	long.add([]byte(strings.Repeat("x", zsetListpackValue)), 1, 0)
	if !long.listpack {
		t.Fatal("a 64-byte member converted the listpack")
	}
	long.add([]byte(strings.Repeat("x", zsetListpackValue+1)), 1, 0)
	if long.listpack {
		t.Fatal("a 65-byte member did not convert the listpack")
	}
}

func sampleZSets() []*ZSet {
	small := newZSet(true)
	for i, m := range []string{"a", "b", "", "\x00\xff", "c"} {
		small.add([]byte(m), float64(i%3)-0.5, 0)
	}
	big := newZSet(false)
	for i := 0; i < 500; i++ {
		big.add([]byte(fmt.Sprint("member:", i)), float64(i%17)*1.25, 0)
	}
	big.add([]byte("negzero"), math.Copysign(0, -1), 0)
	big.add([]byte("inf"), math.Inf(1), 0)
	big.add([]byte("-inf"), math.Inf(-1), 0)
	big.add([]byte(strings.Repeat("L", 300)), 1e-310, 0)
	shrunk := newZSet(false)
	shrunk.add([]byte("x"), 1, 0)
	return []*ZSet{small, big, shrunk}
}

func TestZSetSnapshotRoundTrip(t *testing.T) {
	for i, z := range sampleZSets() {
		b := z.appendSnapshot([]byte("prefix"))
		if !bytes.HasPrefix(b, []byte("prefix")) {
			t.Fatalf("set %d: appendSnapshot dropped dst", i)
		}
		got, err := decodeZSetSnapshot(b[len("prefix"):])
		if err != nil {
			t.Fatalf("set %d: %v", i, err)
		}
		checkZSet(t, got)
		if !zsetEqual(got, z) {
			t.Fatalf("set %d: restore(snapshot(z)) != z", i)
		}
		if again := got.appendSnapshot(nil); !bytes.Equal(again, b[len("prefix"):]) {
			t.Fatalf("set %d: re-encoding differs", i)
		}
		c := z.clone()
		checkZSet(t, c)
		if !zsetEqual(c, z) || !bytes.Equal(c.appendSnapshot(nil), again(z)) {
			t.Fatalf("set %d: clone differs", i)
		}
		// The clone is deep.
		c.add([]byte("only in clone"), 1, 0)
		if z.find([]byte("only in clone")) != 0 {
			t.Fatalf("set %d: clone shares storage", i)
		}
	}
}

func again(z *ZSet) []byte { return z.appendSnapshot(nil) }

// TestZSetSnapshotCanonical: the same elements reached by different
// histories encode to the same bytes.
func TestZSetSnapshotCanonical(t *testing.T) {
	a, b := newZSet(false), newZSet(false)
	for i := 0; i < 300; i++ {
		a.add([]byte(fmt.Sprint(i)), float64(i%7), 0)
	}
	for i := 299; i >= 0; i-- {
		b.add([]byte(fmt.Sprint(i)), 100, 0)
		b.add([]byte(fmt.Sprint(i)), float64(i%7), 0)
	}
	b.add([]byte("gone"), 1, 0)
	b.remove([]byte("gone"))
	if !bytes.Equal(a.appendSnapshot(nil), b.appendSnapshot(nil)) {
		t.Fatal("equal sets encode differently")
	}
}

func zsnap(listpack bool, elems ...zsetElem) []byte {
	var flags byte
	if listpack {
		flags = zsetSnapListpack
	}
	b := []byte{flags}
	b = binary.AppendUvarint(b, uint64(len(elems)))
	for _, e := range elems {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(e.score))
		b = binary.AppendUvarint(b, uint64(len(e.member)))
		b = append(b, e.member...)
	}
	return b
}

func TestZSetSnapshotRejectsCorruption(t *testing.T) {
	good := zsnap(true, zsetElem{"a", 1}, zsetElem{"b", 2})
	if _, err := decodeZSetSnapshot(good); err != nil {
		t.Fatalf("valid snapshot refused: %v", err)
	}
	negZero := math.Copysign(0, -1)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty input", nil, errZSetSnapTruncated},
		{"flags only", []byte{0}, errZSetSnapTruncated},
		{"unknown flag", append([]byte{2}, good[1:]...), errZSetSnapCorrupt},
		{"zero elements", zsnap(false), errZSetSnapCorrupt},
		{"count beyond input", []byte{0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 0}, errZSetSnapCorrupt},
		{"huge count", []byte{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, errZSetSnapCorrupt},
		{"truncated member", good[:len(good)-1], errZSetSnapTruncated},
		{"non-minimal count", []byte("\x00\x81\x0000000000\x00"), errZSetSnapTruncated},
		{"non-minimal length", []byte("\x00\x01\x00\x00\x00\x00\x00\x00\xf0\x3f\x81\x00a"), errZSetSnapTruncated},
		{"trailing byte", append(append([]byte{}, good...), 0), errZSetSnapCorrupt},
		{"NaN", zsnap(false, zsetElem{"a", math.NaN()}), errZSetSnapCorrupt},
		{"out of order", zsnap(false, zsetElem{"b", 1}, zsetElem{"a", 1}), errZSetSnapCorrupt},
		{"score out of order", zsnap(false, zsetElem{"a", 2}, zsetElem{"b", 1}), errZSetSnapCorrupt},
		{"duplicate adjacent", zsnap(false, zsetElem{"a", 1}, zsetElem{"a", 1}), errZSetSnapCorrupt},
		{"duplicate apart", zsnap(false, zsetElem{"a", 1}, zsetElem{"b", 2}, zsetElem{"a", 3}), errZSetSnapCorrupt},
		{"-0 and 0 same member", zsnap(false, zsetElem{"a", negZero}, zsetElem{"a", 0}), errZSetSnapCorrupt},
		{"listpack -0", zsnap(true, zsetElem{"a", negZero}), errZSetSnapCorrupt},
		{"listpack long member", zsnap(true, zsetElem{strings.Repeat("x", encodingValueMax+1), 1}), errZSetSnapCorrupt},
		{"listpack too long", zsnap(true, manyElems(encodingEntriesMax+1)...), errZSetSnapCorrupt},
	} {
		_, err := decodeZSetSnapshot(tc.b)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := decodeZSetSnapshot(zsnap(false, manyElems(129)...)); err != nil {
		t.Fatalf("129-element skiplist refused: %v", err)
	}
	if _, err := decodeZSetSnapshot(zsnap(false, zsetElem{"a", negZero}, zsetElem{"b", 0})); err != nil {
		t.Fatalf("skiplist with -0 refused: %v", err)
	}
}

func manyElems(n int) []zsetElem {
	var out []zsetElem
	for i := 0; i < n; i++ {
		out = append(out, zsetElem{fmt.Sprintf("%04d", i), 1})
	}
	return out
}

func FuzzDecodeZSetSnapshot(f *testing.F) {
	for _, z := range sampleZSets() {
		f.Add(z.appendSnapshot(nil))
	}
	f.Add(zsnap(true, zsetElem{"a", 1}, zsetElem{"b", 2}))
	f.Add([]byte{0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		z, err := decodeZSetSnapshot(b)
		if err != nil {
			return
		}
		checkZSet(t, z)
		if got := z.appendSnapshot(nil); !bytes.Equal(got, b) {
			t.Fatalf("accepted input does not re-encode to itself")
		}
	})
}

func TestCStrtod(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		in       string
		v        float64
		n        int
		rangeErr bool
	}{
		{"1", 1, 1, false},
		{"  -1.5e3xyz", -1500, 8, false},
		{"\t\n+.5", 0.5, 5, false},
		{"5.", 5, 2, false},
		{".", 0, 0, false},
		{"", 0, 0, false},
		{"   ", 0, 0, false},
		{"-", 0, 0, false},
		{"1e", 1, 1, false},
		{"1e+", 1, 1, false},
		{"1E-2", 0.01, 4, false},
		{"inf", inf, 3, false},
		{"-Infinity", -inf, 9, false},
		{"infinit", inf, 3, false},
		{"INFx", inf, 3, false},
		{"nan", math.NaN(), 3, false},
		{"nan(abc_1)", math.NaN(), 10, false},
		{"nan(abc", math.NaN(), 3, false},
		{"0x10", 16, 4, false},
		{"0x1p-2", 0.25, 6, false},
		{"-0X1.8P1", -3, 8, false},
		{"0x.8", 0.5, 4, false},
		{"0x1p", 1, 3, false},
		{"0x", 0, 1, false},
		{"0xg", 0, 1, false},
		{"1e400", inf, 5, true},
		{"-1e400", -inf, 6, true},
		{"1e-400", 0, 6, true},
		{"0e-400", 0, 6, false},
		{"1e-310", 1e-310, 6, false},
		{"0x1p99999", inf, 9, true},
		{"1\x002", 1, 1, false},
		{"12345678901234567890123", 12345678901234567890123, 23, false},
	} {
		v, n, rerr := cStrtod([]byte(tc.in))
		same := v == tc.v || (math.IsNaN(v) && math.IsNaN(tc.v))
		if !same || n != tc.n || rerr != tc.rangeErr {
			t.Errorf("cStrtod(%q) = %v, %d, %v; want %v, %d, %v", tc.in, v, n, rerr, tc.v, tc.n, tc.rangeErr)
		}
	}
}

func TestParseZScoreAndBounds(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
		v  float64
	}{
		{"1.5", true, 1.5}, {"-inf", true, math.Inf(-1)}, {"0x10", true, 16},
		{"", false, 0}, {" 1", false, 0}, {"1 ", false, 0}, {"nan", false, 0},
		{"1e400", false, 0}, {"1e-400", false, 0}, {"1e-310", true, 1e-310}, {"1\x00", false, 0},
	} {
		v, ok := parseZScore([]byte(tc.in))
		if ok != tc.ok || (ok && v != tc.v) {
			t.Errorf("parseZScore(%q) = %v, %v; want %v, %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
	for _, tc := range []struct {
		in     string
		ok, ex bool
		v      float64
	}{
		{"(1", true, true, 1}, {"1", true, false, 1}, {"", true, false, 0}, {"(", true, true, 0},
		{" 1", true, false, 1}, {"1 ", false, false, 0}, {"1e999", true, false, math.Inf(1)},
		{"1\x00junk", true, false, 1}, {"\x00", true, false, 0}, {"nan", false, false, 0},
		{"((1", false, false, 0}, {"x", false, false, 0},
	} {
		v, ex, ok := parseScoreBound([]byte(tc.in))
		if ok != tc.ok || (ok && (v != tc.v || ex != tc.ex)) {
			t.Errorf("parseScoreBound(%q) = %v, %v, %v; want %v, %v, %v", tc.in, v, ex, ok, tc.v, tc.ex, tc.ok)
		}
	}
	for _, tc := range []struct {
		in string
		ok bool
		b  zlexBound
		ex bool
	}{
		{"-", true, zlexBound{inf: -1}, true}, {"+", true, zlexBound{inf: 1}, true},
		{"+\x00x", true, zlexBound{inf: 1}, true}, {"+x", false, zlexBound{}, false},
		{"[a", true, zlexBound{s: "a"}, false}, {"(a", true, zlexBound{s: "a"}, true},
		{"[", true, zlexBound{}, false}, {"", false, zlexBound{}, false}, {"a", false, zlexBound{}, false},
	} {
		b, ex, ok := parseLexBound([]byte(tc.in))
		if ok != tc.ok || (ok && (b != tc.b || ex != tc.ex)) {
			t.Errorf("parseLexBound(%q) = %+v, %v, %v; want %+v, %v, %v", tc.in, b, ex, ok, tc.b, tc.ex, tc.ok)
		}
	}
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in string
		v  uint64
		ok bool
	}{
		{"0", 0, true}, {"", 0, true}, {"17", 17, true}, {"+5", 5, true},
		{"-1", math.MaxUint64, true}, {"18446744073709551615", math.MaxUint64, true},
		{"18446744073709551616", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"x", 0, false}, {"+", 0, false}, {"1\x00x", 1, true}, {"\x00", 0, true},
	} {
		v, ok := parseScanCursor([]byte(tc.in))
		if ok != tc.ok || (ok && v != tc.v) {
			t.Errorf("parseScanCursor(%q) = %v, %v; want %v, %v", tc.in, v, ok, tc.v, tc.ok)
		}
	}
}

// TestZSetLexOnMixedScoresIsLayoutIndependent: lex ranges over unequal
// scores (undefined in Redis) give the same answers on a set and on its
// restored copy, whose skiplist heights differ.
func TestZSetLexOnMixedScoresIsLayoutIndependent(t *testing.T) {
	z := newZSet(false)
	r := NewRand(3)
	for i := 0; i < 400; i++ {
		z.add([]byte(fmt.Sprintf("%c%d", 'a'+r.Intn(26), r.Intn(100))), float64(r.Intn(10)), 0)
	}
	restored, err := decodeZSetSnapshot(z.appendSnapshot(nil))
	if err != nil {
		t.Fatal(err)
	}
	bounds := []string{"-", "+", "[a", "(b5", "[m", "(z", "[k1"}
	for _, lo := range bounds {
		for _, hi := range bounds {
			rg, ok := parseLexRange([]byte(lo), []byte(hi))
			if !ok {
				t.Fatal(lo, hi)
			}
			names := func(z *ZSet, x zref) string {
				if x == 0 {
					return "<nil>"
				}
				return z.memberOf(x)
			}
			if a, b := z.lexCount(&rg), restored.lexCount(&rg); a != b {
				t.Fatalf("[%s %s] lexCount %d vs %d", lo, hi, a, b)
			}
			if a, b := names(z, z.firstInLex(&rg)), names(restored, restored.firstInLex(&rg)); a != b {
				t.Fatalf("[%s %s] first %s vs %s", lo, hi, a, b)
			}
			if a, b := names(z, z.lastInLex(&rg)), names(restored, restored.lastInLex(&rg)); a != b {
				t.Fatalf("[%s %s] last %s vs %s", lo, hi, a, b)
			}
		}
	}
}

// TestZSetLexOrderedFastPathMatchesWalk: with equal scores the skiplist
// search gives what the listpack walk gives.
func TestZSetLexOrderedFastPathMatchesWalk(t *testing.T) {
	z := newZSet(false)
	for i := 0; i < 300; i++ {
		z.add([]byte(fmt.Sprintf("m%03d", i*7%300)), 0, 0)
	}
	bounds := []string{"-", "+", "[m000", "(m000", "[m150", "(m150", "[m299", "(m299", "[m3", "[", "(", "[z"}
	for _, lo := range bounds {
		for _, hi := range bounds {
			rg, _ := parseLexRange([]byte(lo), []byte(hi))
			// The walk, as zzlFirstInLexRange and ZLEXCOUNT do it on a listpack.
			var first zref
			n := 0
			if z.lexInRange(&rg) {
				for x := z.zsl.first(); x != 0; x = z.next(x) {
					if rg.gteMin(z.memberOf(x)) {
						if rg.lteMax(z.memberOf(x)) {
							first = x
						}
						break
					}
				}
				for x := first; x != 0 && rg.lteMax(z.memberOf(x)); x = z.next(x) {
					n++
				}
			}
			if got := z.firstInLex(&rg); got != first {
				t.Fatalf("[%s %s] first differs", lo, hi)
			}
			if got := z.lexCount(&rg); got != n {
				t.Fatalf("[%s %s] count %d, want %d", lo, hi, got, n)
			}
		}
	}
}
