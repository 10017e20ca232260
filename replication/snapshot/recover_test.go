package snapshot

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
)

// fakeLog holds entries first..last except those in holes.
type fakeLog struct {
	first, last uint64
	holes       map[uint64]bool
}

func (l fakeLog) FirstIndex() (uint64, error) { return l.first, nil }
func (l fakeLog) LastIndex() (uint64, error)  { return l.last, nil }
func (l fakeLog) GetLog(i uint64, out *raft.Log) error {
	if l.first == 0 || i < l.first || i > l.last || l.holes[i] {
		return raft.ErrLogNotFound
	}
	out.Index = i
	return nil
}

func TestRecover(t *testing.T) {
	const (
		none = iota
		good
		badSegment  // a segment of the newer snapshot damaged
		badManifest // the newer manifest undecodable
	)
	log := func(first, last uint64, holes ...uint64) fakeLog {
		l := fakeLog{first: first, last: last, holes: map[uint64]bool{}}
		for _, h := range holes {
			l.holes[h] = true
		}
		return l
	}
	for _, tc := range []struct {
		name       string
		older      bool // a complete snapshot at index 10
		newer      int  // a snapshot at index 20: none, good, or damaged
		log        fakeLog
		wantIndex  uint64 // chosen snapshot's index; 0: none
		wantErr    error
		wantSkip   int
		errMention string
	}{
		{name: "fresh", log: log(0, 0)},
		{name: "no snapshot, whole log", log: log(1, 30)},
		{name: "no snapshot, compacted log", log: log(5, 30), wantErr: ErrLogGap, errMention: "start at or before index 1; it starts at 5"},
		{name: "snapshot, empty log", older: true, log: log(0, 0), wantIndex: 10},
		{name: "snapshot, log continues", older: true, log: log(11, 30), wantIndex: 10},
		{name: "snapshot, log overlaps", older: true, log: log(3, 30), wantIndex: 10},
		{name: "snapshot, log gap", older: true, log: log(12, 30), wantErr: ErrLogGap, errMention: "start at or before index 11; it starts at 12"},
		{name: "newest good", older: true, newer: good, log: log(21, 30), wantIndex: 20},
		{name: "newest damaged, log covers", older: true, newer: badSegment, log: log(5, 30), wantIndex: 10, wantSkip: 1},
		{name: "newest damaged, log from older+1", older: true, newer: badSegment, log: log(11, 20), wantIndex: 10, wantSkip: 1},
		{name: "newest damaged, log starts late", older: true, newer: badSegment, log: log(12, 30), wantErr: ErrNewestDamaged, errMention: "it starts at 12"},
		{name: "newest damaged, log ends early", older: true, newer: badSegment, log: log(5, 19), wantErr: ErrNewestDamaged, errMention: "ends at 19"},
		{name: "newest damaged, log hole at its index", older: true, newer: badSegment, log: log(5, 30, 20), wantErr: ErrNewestDamaged, errMention: "lacks entry 20"},
		{name: "newest damaged, empty log", older: true, newer: badSegment, log: log(0, 0), wantErr: ErrNewestDamaged, errMention: "log is empty"},
		{name: "newest manifest damaged, log covers", older: true, newer: badManifest, log: log(11, 30), wantIndex: 10, wantSkip: 1},
		{name: "newest manifest damaged, log starts late", older: true, newer: badManifest, log: log(15, 30), wantErr: ErrNewestDamaged, errMention: "manifest-"},
		{name: "only snapshot damaged, whole log", newer: badSegment, log: log(1, 30), wantSkip: 1},
		{name: "only snapshot damaged, compacted log", newer: badSegment, log: log(2, 30), wantErr: ErrNewestDamaged, errMention: "no snapshot (index 0)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := objstore.NewMem()
			opt := smallOpts()
			opt.Retain = 5
			s := open(t, obj, opt)
			if tc.older {
				mustWrite(t, s, 10, 1, randomBytes(10, 1500))
			}
			var damagedObject string
			if tc.newer != none {
				mustWrite(t, s, 20, 1, randomBytes(20, 1500))
				m := s.manifests[s.manifestName(s.next-1)]
				switch tc.newer {
				case badSegment:
					damagedObject = m.Segments[1].Name
				case badManifest:
					damagedObject = s.manifestName(m.Version)
				}
				if damagedObject != "" {
					flipByte(t, obj, damagedObject, 30)
				}
			}
			s = open(t, obj, opt) // a fresh process
			rec, err := s.Recover(context.Background(), tc.log)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.errMention) {
					t.Fatalf("got %v, want %v mentioning %q", err, tc.wantErr, tc.errMention)
				}
				if damagedObject != "" && !strings.Contains(err.Error(), damagedObject) {
					t.Fatalf("error %q does not name the damaged object %q", err, damagedObject)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got uint64
			if rec.Snapshot != nil {
				got = rec.Snapshot.Index
			}
			if got != tc.wantIndex {
				t.Fatalf("chose index %d, want %d", got, tc.wantIndex)
			}
			if len(rec.Skipped) != tc.wantSkip {
				t.Fatalf("skipped %v, want %d", rec.Skipped, tc.wantSkip)
			}
			for _, e := range rec.Skipped {
				if !strings.Contains(e.Error(), damagedObject) {
					t.Fatalf("skipped %q does not name %q", e, damagedObject)
				}
			}
			// raft's restore takes List's first: the same snapshot.
			ids := listIDs(t, s)
			if (rec.Snapshot == nil) != (len(ids) == 0) || (rec.Snapshot != nil && ids[0] != rec.Snapshot.ID) {
				t.Fatalf("Recover chose %v, List starts with %v", rec.Snapshot, ids)
			}
		})
	}
}
