package sim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// checkStreams checks the stream workload (stream.go) against the final
// XRANGE (final: id, value, ...; nil when no stream client ran or the final
// read failed, which the violations report):
//   - the final IDs increase and each value appears once;
//   - every acknowledged XADD is there, with the ID its reply gave; every
//     value there was appended by some XADD that did not fail;
//   - an XADD acknowledged before another was invoked has the smaller ID;
//   - every entry a read or claim returned is the final stream's entry;
//   - no entry is handed out twice by ">" reads (only XAUTOCLAIM may give
//     an entry again);
//   - the group's cursor moves forward in real time: every entry of a ">"
//     read that completed before another was invoked is below all of that
//     other read's entries.
func checkStreams(ops []*Op, final []string) (fails []string) {
	if final == nil {
		return nil
	}
	byID := map[string]string{}
	byValue := map[string]string{}
	var prev streamID
	for i := 0; i+1 < len(final); i += 2 {
		id, val := final[i], final[i+1]
		sid, ok := parseStreamID(id)
		if !ok {
			fails = append(fails, fmt.Sprintf("stream: final entry with a malformed ID %q", id))
			continue
		}
		if i > 0 && !prev.less(sid) {
			fails = append(fails, fmt.Sprintf("stream: final IDs out of order: %s after %s", id, prev))
		}
		prev = sid
		if other, dup := byValue[val]; dup {
			fails = append(fails, fmt.Sprintf("stream: value %s appended twice (%s and %s)", val, other, id))
		}
		byValue[val], byID[id] = id, val
	}
	attempted := map[string]bool{}
	var adds, reads []*Op
	for _, op := range ops {
		switch op.Kind {
		case XAdd:
			if op.Outcome != Fail {
				attempted[op.Value] = true
			}
			if op.Outcome == Ok {
				adds = append(adds, op)
				if id, ok := byValue[op.Value]; !ok {
					fails = append(fails, fmt.Sprintf("stream: acknowledged append lost: %s", op))
				} else if id != op.Got {
					fails = append(fails, fmt.Sprintf("stream: %s is in the stream as %s", op, id))
				}
			}
		case XGroupRead, XClaim:
			if op.Outcome != Ok {
				continue
			}
			for i := 0; i+1 < len(op.List); i += 2 {
				if v, ok := byID[op.List[i]]; !ok || v != op.List[i+1] {
					fails = append(fails, fmt.Sprintf("stream: %s returned %s=%s, the stream has %q", op, op.List[i], op.List[i+1], v))
				}
			}
			if op.Kind == XGroupRead && len(op.List) > 0 {
				reads = append(reads, op)
			}
		}
	}
	for val, id := range byValue {
		if !attempted[val] {
			fails = append(fails, fmt.Sprintf("stream: %s=%s in the stream, appended by no XADD that could have run", id, val))
		}
	}
	fails = append(fails, checkAddOrder(adds)...)
	fails = append(fails, checkGroupReads(reads)...)
	sort.Strings(fails)
	return fails
}

// checkAddOrder: an append acknowledged before another was invoked has the
// smaller ID.
func checkAddOrder(adds []*Op) (fails []string) {
	sort.Slice(adds, func(i, j int) bool { return adds[i].Return < adds[j].Return })
	// For each add in order of invocation, every add that returned before
	// its invocation must have a smaller ID: keep the maximum seen.
	byCall := append([]*Op(nil), adds...)
	sort.Slice(byCall, func(i, j int) bool { return byCall[i].Call < byCall[j].Call })
	var maxID streamID
	var maxOp *Op
	k := 0
	for _, b := range byCall {
		for ; k < len(adds) && adds[k].Return < b.Call; k++ {
			if id, ok := parseStreamID(adds[k].Got); ok && (maxOp == nil || maxID.less(id)) {
				maxID, maxOp = id, adds[k]
			}
		}
		if id, ok := parseStreamID(b.Got); ok && maxOp != nil && !maxID.less(id) {
			fails = append(fails, fmt.Sprintf("stream: %s got an ID not above %s, which was acknowledged before it was sent", b, maxOp))
		}
	}
	return fails
}

// checkGroupReads: no entry handed out twice by ">" reads, and the
// group's cursor moves forward in real time.
func checkGroupReads(reads []*Op) (fails []string) {
	given := map[string]*Op{}
	for _, op := range reads {
		for i := 0; i < len(op.List); i += 2 {
			if other, ok := given[op.List[i]]; ok {
				fails = append(fails, fmt.Sprintf("stream: entry %s handed to two consumers: %s and %s", op.List[i], other, op))
			}
			given[op.List[i]] = op
		}
	}
	bounds := func(op *Op) (lo, hi streamID) {
		for i := 0; i < len(op.List); i += 2 {
			id, _ := parseStreamID(op.List[i])
			if i == 0 || id.less(lo) {
				lo = id
			}
			if i == 0 || hi.less(id) {
				hi = id
			}
		}
		return lo, hi
	}
	byReturn := append([]*Op(nil), reads...)
	sort.Slice(byReturn, func(i, j int) bool { return byReturn[i].Return < byReturn[j].Return })
	byCall := append([]*Op(nil), reads...)
	sort.Slice(byCall, func(i, j int) bool { return byCall[i].Call < byCall[j].Call })
	var maxHi streamID
	var maxOp *Op
	k := 0
	for _, b := range byCall {
		for ; k < len(byReturn) && byReturn[k].Return < b.Call; k++ {
			if _, hi := bounds(byReturn[k]); maxOp == nil || maxHi.less(hi) {
				maxHi, maxOp = hi, byReturn[k]
			}
		}
		if lo, _ := bounds(b); maxOp != nil && !maxHi.less(lo) {
			fails = append(fails, fmt.Sprintf("stream: %s handed out an entry not above those of %s, which completed before it was sent", b, maxOp))
		}
	}
	return fails
}

// streamID is a stream entry ID, ms-seq.
type streamID struct{ ms, seq uint64 }

func (a streamID) less(b streamID) bool { return a.ms < b.ms || a.ms == b.ms && a.seq < b.seq }

func (a streamID) String() string { return fmt.Sprintf("%d-%d", a.ms, a.seq) }

func parseStreamID(s string) (streamID, bool) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, false
	}
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	return streamID{a, b}, err1 == nil && err2 == nil
}
