package snapshot

import (
	"fmt"
	"strconv"
	"strings"

	"redraft/replication/snapshot/manifest"
)

// Object names under the store's prefix:
//
//	manifest-<version, 20 digits>          manifest.Name
//	segment-<sink number, 20 digits>-<sequence, 8 digits>
//
// Manifest versions and sink numbers come from one counter (Store.next)
// that starts above every number in the store, so no name is ever used
// twice, across restarts too.
const (
	segmentPart  = "segment-"
	numberDigits = 20
	seqDigits    = 8
)

func (s *Store) segmentName(number uint64, seq int) string {
	return fmt.Sprintf("%s%s%0*d-%0*d", s.opt.Prefix, segmentPart, numberDigits, number, seqDigits, seq)
}

func (s *Store) segmentPrefix() string { return s.opt.Prefix + segmentPart }

// parseSegmentName returns the sink number of a segment name.
func (s *Store) parseSegmentName(name string) (number uint64, ok bool) {
	rest, found := strings.CutPrefix(name, s.segmentPrefix())
	if !found || len(rest) != numberDigits+1+seqDigits || rest[numberDigits] != '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(rest[:numberDigits], 10, 64)
	if err != nil {
		return 0, false
	}
	if _, err := strconv.ParseUint(rest[numberDigits+1:], 10, 64); err != nil {
		return 0, false
	}
	return n, true
}

func (s *Store) manifestName(version uint64) string { return manifest.Name(s.opt.Prefix, version) }

// snapshotID is raft's snapshot ID: term-index-number, like
// FileSnapshotStore's term-index-milliseconds but unique by construction.
func snapshotID(term, index, number uint64) string {
	return fmt.Sprintf("%d-%d-%d", term, index, number)
}
