package kv

import (
	"encoding/binary"
	"sort"
	"strconv"
)

// setIntsetEntries is Redis 7.0's default set-max-intset-entries: the most
// members a set may have and stay an intset.
const setIntsetEntries = 512

// Set is the value of a Redis set key.
//
// It mirrors Redis 7.0's two set encodings. A set whose members are all
// integers (in string2ll's canonical form, see ParseInt) starts as an
// "intset": sorted int64s, iterated in ascending numeric order, exactly as
// Redis iterates an intset, so SMEMBERS, SSCAN, SPOP/SUNION/SDIFF results of
// small integer sets match Redis byte for byte. Adding a non-integer member
// or a member beyond setIntsetEntries converts it for good into a
// "hashtable": an indexed omap in insertion order (the intset's members
// first, ascending, as Redis's conversion inserts them). Redis's hashtables
// are unordered; ours keep insertion order and SSCAN pages through them with
// stable cursors.
type Set struct {
	ints []int64         // intset encoding (m == nil): sorted ascending, no duplicates
	m    *omap[struct{}] // hashtable encoding
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.m != nil {
		return s.m.Len()
	}
	return len(s.ints)
}

// intset reports whether the set is in Redis's intset encoding.
func (s *Set) intset() bool { return s.m == nil }

// findInt returns the position of v in the intset, or where it would go.
func (s *Set) findInt(v int64) (int, bool) {
	i := sort.Search(len(s.ints), func(i int) bool { return s.ints[i] >= v })
	return i, i < len(s.ints) && s.ints[i] == v
}

// Contains reports whether member is in the set.
func (s *Set) Contains(member []byte) bool {
	if s.m != nil {
		return s.m.find(bstr(member)) >= 0
	}
	v, ok := ParseInt(member)
	if !ok {
		return false
	}
	_, found := s.findInt(v)
	return found
}

// Add adds member (copied) and reports whether it was new, with the default
// encoding thresholds.
func (s *Set) Add(member []byte) bool { return s.add(member, &defaultEncodingLimits) }

// add is Add under the thresholds lim (encoding.go). It follows Redis's
// setTypeAdd: a non-integer member converts an intset before it is added,
// an integer that makes the intset too big converts it after.
func (s *Set) add(member []byte, lim *encodingLimits) bool {
	if s.m != nil {
		if s.m.find(bstr(member)) >= 0 {
			return false
		}
		s.m.add(string(member), struct{}{})
		return true
	}
	v, ok := ParseInt(member)
	if !ok {
		s.convert()
		s.m.add(string(member), struct{}{})
		return true
	}
	i, found := s.findInt(v)
	if found {
		return false
	}
	s.ints = append(s.ints, 0)
	copy(s.ints[i+1:], s.ints[i:])
	s.ints[i] = v
	if len(s.ints) > lim.setIntsetEntries {
		s.convert()
	}
	return true
}

// convert turns an intset into a hashtable, inserting the members in
// ascending order (as Redis's setTypeConvert does).
func (s *Set) convert() {
	m := &omap[struct{}]{live: len(s.ints)}
	for _, v := range s.ints {
		m.keys.push(strconv.FormatInt(v, 10))
		m.vals.push(struct{}{})
	}
	m.makeIndexed()
	s.m, s.ints = m, nil
}

// Remove deletes member and reports whether it was present. An intset stays
// an intset and a hashtable stays a hashtable, as in Redis.
func (s *Set) Remove(member []byte) bool {
	if s.m != nil {
		return s.m.remove(bstr(member))
	}
	v, ok := ParseInt(member)
	if !ok {
		return false
	}
	i, found := s.findInt(v)
	if !found {
		return false
	}
	s.ints = append(s.ints[:i], s.ints[i+1:]...)
	return true
}

// each calls fn for every member in iteration order until fn returns false.
// The bytes handed to fn are valid only during the call and must not be
// modified.
func (s *Set) each(fn func(member []byte) bool) {
	if s.m != nil {
		s.m.each(func(k string, _ struct{}) bool { return fn(collBytes(k)) })
		return
	}
	var buf [20]byte
	for _, v := range s.ints {
		if !fn(strconv.AppendInt(buf[:0], v, 10)) {
			return
		}
	}
}

// at returns the member of rank r (0 <= r < Len) in iteration order,
// formatted into buf for an intset (the result must not be modified).
func (s *Set) at(r int, buf []byte) []byte {
	if s.m != nil {
		return collBytes(s.m.keys.at(s.m.at(r)))
	}
	return strconv.AppendInt(buf[:0], s.ints[r], 10)
}

// clone returns a deep copy (COPY, snapshots).
func (s *Set) clone() *Set {
	if s.m != nil {
		m := s.m.clone()
		return &Set{m: &m}
	}
	return &Set{ints: append([]int64(nil), s.ints...)}
}

// Snapshot encoding:
//
//	mode u8 (setModeIntset | setModeTable)
//	intset: count uvarint (1..512), members as varints, strictly ascending
//	table:  an indexed omap (see appendIndexedSnapshot) with empty values
const (
	setModeIntset = 0
	setModeTable  = 1
	// setSnapMemberMax bounds a member in a snapshot: Redis's
	// proto-max-bulk-len default, the most a client can send.
	setSnapMemberMax = 512 << 20
)

// appendSnapshot appends the value's snapshot encoding to dst.
func (s *Set) appendSnapshot(dst []byte) []byte {
	if s.m != nil {
		dst = append(dst, setModeTable)
		return s.m.appendIndexedSnapshot(dst, func(b []byte, _ struct{}) []byte { return b })
	}
	dst = append(dst, setModeIntset)
	dst = binary.AppendUvarint(dst, uint64(len(s.ints)))
	for _, v := range s.ints {
		dst = snapRoom(dst, 0)
		dst = binary.AppendVarint(dst, v)
	}
	return dst
}

// decodeSetSnapshot decodes what appendSnapshot wrote. It validates
// everything and returns an error (never panics) on corrupt input.
func decodeSetSnapshot(b []byte) (*Set, error) {
	r := &collSnapReader{b: b}
	s := &Set{}
	switch mode := r.byte(); {
	case r.err != nil:
	case mode == setModeIntset:
		n := r.count(encodingEntriesMax, 1)
		if r.err != nil {
			break
		}
		s.ints = make([]int64, 0, n)
		for i := 0; i < n && r.err == nil; i++ {
			v := r.varint()
			if r.err == nil && i > 0 && v <= s.ints[i-1] {
				r.fail("intset not strictly ascending")
			}
			s.ints = append(s.ints, v)
		}
	case mode == setModeTable:
		m := decodeIndexedSnapshot(r, setSnapMemberMax, 2, func(*collSnapReader) struct{} { return struct{}{} })
		s.m = &m
	default:
		r.fail("unknown set mode %d", mode)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return s, nil
}
