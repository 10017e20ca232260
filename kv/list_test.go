package kv

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// listElems returns the elements head to tail, walking the chunks.
func listElems(l *List) []string {
	out := []string{}
	for it := l.front(); it.valid(); it.next() {
		out = append(out, it.value())
	}
	return out
}

// listElemsBackward returns the elements tail to head.
func listElemsBackward(l *List) []string {
	out := []string{}
	for it := l.back(); it.valid(); it.prev() {
		out = append(out, it.value())
	}
	return out
}

// checkList verifies the structural invariants documented on List.
func checkList(t testing.TB, l *List) {
	t.Helper()
	if (l.head == nil) != (l.n == 0) || (l.tail == nil) != (l.n == 0) {
		t.Fatalf("n = %d but head %p tail %p", l.n, l.head, l.tail)
	}
	total := 0
	var prev *listChunk
	for k := l.head; k != nil; k = k.next {
		if k.prev != prev {
			t.Fatalf("chunk prev link broken")
		}
		if k.len() <= 0 || k.len() > listChunkMax {
			t.Fatalf("chunk length %d out of (0,%d]", k.len(), listChunkMax)
		}
		if k.lo < 0 || k.hi > len(k.buf) {
			t.Fatalf("chunk window [%d,%d) outside array of %d", k.lo, k.hi, len(k.buf))
		}
		for i, s := range k.buf {
			if (i < k.lo || i >= k.hi) && s != "" {
				t.Fatalf("stale slot %d = %q outside window [%d,%d)", i, s, k.lo, k.hi)
			}
		}
		total += k.len()
		prev = k
	}
	if prev != l.tail {
		t.Fatalf("tail is not the last chunk")
	}
	if total != l.n {
		t.Fatalf("chunks hold %d elements, n = %d", total, l.n)
	}
}

func listOfStrings(ss ...string) *List {
	l := &List{}
	for _, s := range ss {
		l.PushBack(s)
	}
	return l
}

func TestListPushPopBothEnds(t *testing.T) {
	l := &List{}
	const n = 1000
	for i := 0; i < n; i++ {
		l.PushBack(strconv.Itoa(i))
		l.PushFront(strconv.Itoa(-i - 1))
	}
	checkList(t, l)
	if got, want := l.Len(), 2*n; got != want {
		t.Fatalf("Len: got %d, want %d", got, want)
	}
	for i := n - 1; i >= 0; i-- {
		got, ok := l.PopBack()
		if want := strconv.Itoa(i); !ok || got != want {
			t.Fatalf("PopBack: got %q %v, want %q", got, ok, want)
		}
	}
	for i := 0; i < n; i++ {
		got, ok := l.PopFront()
		if want := strconv.Itoa(-n + i); !ok || got != want {
			t.Fatalf("PopFront: got %q %v, want %q", got, ok, want)
		}
	}
	checkList(t, l)
	if _, ok := l.PopFront(); ok {
		t.Fatal("PopFront on an empty list succeeded")
	}
	if _, ok := l.PopBack(); ok {
		t.Fatal("PopBack on an empty list succeeded")
	}
}

func TestListIndexSetInsertAcrossChunks(t *testing.T) {
	var model []string
	l := &List{}
	for i := 0; i < 3*listChunkMax+7; i++ {
		s := strconv.Itoa(i)
		l.PushBack(s)
		model = append(model, s)
	}
	// Insert at every chunk boundary and around it: splits and neighbours.
	for _, i := range []int{0, 1, listChunkMax - 1, listChunkMax, listChunkMax + 1, 2 * listChunkMax, len(model)} {
		s := "ins" + strconv.Itoa(i)
		l.Insert(i, s)
		model = slices.Insert(model, i, s)
		checkList(t, l)
	}
	for i := range model {
		if got := l.Index(i); got != model[i] {
			t.Fatalf("Index(%d): got %q, want %q", i, got, model[i])
		}
		l.Set(i, model[i]+"!")
		model[i] += "!"
	}
	if got := listElems(l); !slices.Equal(got, model) {
		t.Fatalf("got %q, want %q", got, model)
	}
	back := listElemsBackward(l)
	slices.Reverse(back)
	if !slices.Equal(back, model) {
		t.Fatalf("backward walk: got %q, want %q", back, model)
	}
}

func TestListTrim(t *testing.T) {
	for _, tc := range []struct{ n, front, back int }{
		{10, 0, 0}, {10, 3, 2}, {10, 10, 0}, {10, 0, 10}, {10, 4, 6},
		{1000, 129, 0}, {1000, 0, 257}, {1000, 500, 499}, {1000, 128, 128}, {1000, 1, 999},
	} {
		l := &List{}
		var model []string
		for i := 0; i < tc.n; i++ {
			l.PushBack(strconv.Itoa(i))
			model = append(model, strconv.Itoa(i))
		}
		l.TrimFront(tc.front)
		l.TrimBack(tc.back)
		checkList(t, l)
		want := model[tc.front : tc.n-tc.back]
		if got := listElems(l); !slices.Equal(got, want) {
			t.Errorf("%+v: got %d elements, want %d", tc, len(got), len(want))
		}
	}
}

func TestListRemove(t *testing.T) {
	for _, tc := range []struct {
		in       []string
		val      string
		fromTail bool
		limit    int
		want     []string
		removed  int
	}{
		{[]string{"a", "b", "a", "c", "a"}, "a", false, 0, []string{"b", "c"}, 3},
		{[]string{"a", "b", "a", "c", "a"}, "a", false, 2, []string{"b", "c", "a"}, 2},
		{[]string{"a", "b", "a", "c", "a"}, "a", true, 2, []string{"a", "b", "c"}, 2},
		{[]string{"a", "b", "a", "c", "a"}, "a", true, 0, []string{"b", "c"}, 3},
		{[]string{"a", "b"}, "z", false, 0, []string{"a", "b"}, 0},
		{[]string{"a", "a"}, "a", false, 0, []string{}, 2},
	} {
		l := listOfStrings(tc.in...)
		removed := l.Remove(tc.val, tc.fromTail, tc.limit)
		checkList(t, l)
		if got := listElems(l); removed != tc.removed || !slices.Equal(got, tc.want) {
			t.Errorf("Remove(%q, %v, %d) on %q: got %q (%d), want %q (%d)",
				tc.val, tc.fromTail, tc.limit, tc.in, got, removed, tc.want, tc.removed)
		}
	}
}

// TestListRemoveMergesChunks: removing most elements of a long list must
// not leave it as a chain of tiny chunks.
func TestListRemoveMergesChunks(t *testing.T) {
	for _, fromTail := range []bool{false, true} {
		l := &List{}
		for i := 0; i < 100*listChunkMax; i++ {
			if i%16 == 0 {
				l.PushBack("keep")
			} else {
				l.PushBack("x")
			}
		}
		l.Remove("x", fromTail, 0)
		checkList(t, l)
		chunks := 0
		for k := l.head; k != nil; k = k.next {
			chunks++
		}
		if maxChunks := 2*l.Len()/listMergeMax + 2; chunks > maxChunks {
			t.Errorf("fromTail %v: %d elements in %d chunks, want at most %d", fromTail, l.Len(), chunks, maxChunks)
		}
	}
}

func TestListInsertNearIterator(t *testing.T) {
	l := listOfStrings("a", "b", "c")
	it := l.iterAt(1)
	l.insertNear(it, "B<", false)
	it = l.iterAt(2)
	l.insertNear(it, ">b", true)
	if got, want := listElems(l), []string{"a", "B<", "b", ">b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestListAgainstModel runs thousands of random operations on a List and on
// a plain slice and compares them after every step.
func TestListAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 8; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { listModelRun(t, seed, 6*listModelPhase) })
	}
}

// listModelPhase is the length of the growth and shrink phases, long enough
// for the list to span several chunks.
const listModelPhase = 1500

func listModelRun(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, 0x6c697374))
	l := &List{}
	var model []string
	val := func() string { return strconv.Itoa(rng.IntN(6)) } // few values: Remove finds matches
	maxLen := 0
	defer func() { t.Logf("max length %d", maxLen) }()
	fail := func(step int, op string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d step %d %s%v: list %q, model %q", seed, step, op, args, listElems(l), model)
	}
	for step := 0; step < ops; step++ {
		// Phases of growth and shrinkage so the list crosses many chunk sizes.
		grow := (step/listModelPhase)%3 != 2
		op := rng.IntN(14)
		if grow && rng.IntN(2) == 0 {
			op = rng.IntN(4) // a push
		}
		switch {
		case op < 2 || (grow && op < 5):
			s := val()
			l.PushFront(s)
			model = slices.Insert(model, 0, s)
		case op < 4 || (grow && op < 7):
			s := val()
			l.PushBack(s)
			model = append(model, s)
		case op == 7:
			got, ok := l.PopFront()
			if ok != (len(model) > 0) || ok && got != model[0] {
				fail(step, "PopFront", got, ok)
			}
			if ok {
				model = model[1:]
			}
		case op == 8:
			got, ok := l.PopBack()
			if ok != (len(model) > 0) || ok && got != model[len(model)-1] {
				fail(step, "PopBack", got, ok)
			}
			if ok {
				model = model[:len(model)-1]
			}
		case op == 9:
			i := rng.IntN(len(model) + 1)
			s := val()
			l.Insert(i, s)
			model = slices.Insert(model, i, s)
		case op == 10 && len(model) > 0:
			i := rng.IntN(len(model))
			if got := l.Index(i); got != model[i] {
				fail(step, "Index", i, got)
			}
			s := val()
			l.Set(i, s)
			model[i] = s
		case op == 11 && len(model) > 0:
			limit := 8 // LTRIM-like: usually a few elements, sometimes many
			if !grow && rng.IntN(20) == 0 {
				limit = len(model)/2 + 1
			}
			front, back := min(rng.IntN(limit), len(model)), rng.IntN(limit)
			if front+back > len(model) {
				back = len(model) - front
			}
			l.TrimFront(front)
			l.TrimBack(back)
			model = model[front : len(model)-back]
		case op == 12 && !grow:
			s, fromTail, limit := val(), rng.IntN(2) == 0, rng.IntN(4)
			got := l.Remove(s, fromTail, limit)
			want := listModelRemove(&model, s, fromTail, limit)
			if got != want {
				fail(step, "Remove", s, fromTail, limit, got, want)
			}
		case op == 13 && len(model) > 0:
			// LINSERT-style insertion next to the first occurrence of a value.
			pivot, after, s := val(), rng.IntN(2) == 0, val()
			if i := slices.Index(model, pivot); i >= 0 {
				for it := l.front(); it.valid(); it.next() {
					if it.value() == pivot {
						l.insertNear(it, s, after)
						break
					}
				}
				if after {
					i++
				}
				model = slices.Insert(model, i, s)
			}
		}
		maxLen = max(maxLen, len(model))
		if l.Len() != len(model) {
			fail(step, "Len", l.Len())
		}
		if step%7 == 0 || step == ops-1 {
			checkList(t, l)
			if got := listElems(l); !slices.Equal(got, model) {
				fail(step, "compare")
			}
		}
	}
}

func listModelRemove(model *[]string, s string, fromTail bool, limit int) int {
	m := *model
	removed := 0
	out := make([]string, 0, len(m))
	if !fromTail {
		for _, x := range m {
			if x == s && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			out = append(out, x)
		}
	} else {
		for i := len(m) - 1; i >= 0; i-- {
			if m[i] == s && (limit == 0 || removed < limit) {
				removed++
				continue
			}
			out = append(out, m[i])
		}
		slices.Reverse(out)
	}
	*model = out
	return removed
}

func TestListCloneIsDeep(t *testing.T) {
	l := &List{}
	for i := 0; i < 300; i++ {
		l.PushBack(strconv.Itoa(i))
	}
	c := l.clone()
	checkList(t, c)
	if got, want := listElems(c), listElems(l); !slices.Equal(got, want) {
		t.Fatalf("clone: got %q, want %q", got, want)
	}
	c.Set(0, "changed")
	c.PushBack("more")
	l.PopFront()
	if got := l.Index(0); got != "1" {
		t.Fatalf("original changed by its clone: Index(0) = %q", got)
	}
	if got, want := c.Len(), 301; got != want {
		t.Fatalf("clone changed by its original: Len() = %d, want %d", got, want)
	}
	if got := (&List{}).clone(); got.Len() != 0 {
		t.Fatal("clone of an empty list is not empty")
	}
}

func TestListSnapshotRoundTrip(t *testing.T) {
	big := make([]string, 1000)
	for i := range big {
		big[i] = strconv.Itoa(i)
	}
	for _, in := range [][]string{
		{}, {""}, {"a"}, {"a", "", "bc"}, {string(bytes.Repeat([]byte{0xff}, 300)), "\x00\r\n"}, big,
	} {
		l := listOfStrings(in...)
		enc := l.appendSnapshot([]byte("prefix"))
		if !bytes.HasPrefix(enc, []byte("prefix")) {
			t.Fatal("appendSnapshot did not append")
		}
		got, err := decodeListSnapshot(enc[len("prefix"):])
		if err != nil {
			t.Fatalf("decode %d elements: %v", len(in), err)
		}
		checkList(t, got)
		if !slices.Equal(listElems(got), in) {
			t.Fatalf("round trip of %d elements differs", len(in))
		}
		// A list built another way (pushes from the front, so a different
		// chunk layout) encodes to the same bytes.
		other := &List{}
		for i := len(in) - 1; i >= 0; i-- {
			other.PushFront(in[i])
		}
		if !bytes.Equal(other.appendSnapshot(nil), enc[len("prefix"):]) {
			t.Fatalf("equal lists of %d elements encode differently", len(in))
		}
	}
	if got, want := listOfStrings("a", "bc").appendSnapshot(nil), []byte{2, 1, 'a', 2, 'b', 'c'}; !bytes.Equal(got, want) {
		t.Fatalf("encoding: got %x, want %x", got, want)
	}
}

func TestListSnapshotRejectsCorruptInput(t *testing.T) {
	for _, b := range [][]byte{
		nil,                               // no count
		{0x80},                            // truncated varint
		{1},                               // count without elements
		{2, 1, 'a'},                       // second element missing
		{1, 2, 'a'},                       // element truncated
		{1, 1, 'a', 'x'},                  // trailing byte
		{0x80, 0x00},                      // non-minimal count
		{1, 0x81, 0x00, 'a'},              // non-minimal length
		{0xff, 0xff, 0xff, 0xff, 0x0f, 0}, // huge count
		{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},    // huge length
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // varint overflow
	} {
		l, err := decodeListSnapshot(b)
		if err == nil || l != nil {
			t.Errorf("decode %x: got %v, %v; want an error", b, l, err)
			continue
		}
		if !errors.Is(err, errListSnapshot) {
			t.Errorf("decode %x: error %v does not wrap errListSnapshot", b, err)
		}
	}
}

func FuzzDecodeListSnapshot(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(listOfStrings("a", "", "bc").appendSnapshot(nil))
	f.Add([]byte{1, 0x81, 0x00, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := decodeListSnapshot(b)
		if err != nil {
			return
		}
		checkList(t, l)
		// The encoding is canonical: what decodes re-encodes to the same bytes.
		if got := l.appendSnapshot(nil); !bytes.Equal(got, b) {
			t.Fatalf("re-encoding: got %x, want %x", got, b)
		}
	})
}

func BenchmarkListPushPop(b *testing.B) {
	l := &List{}
	for i := 0; i < 1000; i++ {
		l.PushBack("x")
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			l.PushBack("element")
			l.PopFront()
		} else {
			l.PushFront("element")
			l.PopBack()
		}
	}
}

func BenchmarkListPushGrowth(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		l := &List{}
		for i := 0; i < 10000; i++ {
			l.PushBack("element")
		}
	}
}
