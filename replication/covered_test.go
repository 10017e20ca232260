package replication

import (
	"fmt"
	"io"
	"slices"
	"testing"

	"github.com/hashicorp/raft"
)

// listedSnapshots is a raft.SnapshotStore that only lists.
type listedSnapshots []*raft.SnapshotMeta

func (l listedSnapshots) List() ([]*raft.SnapshotMeta, error) { return l, nil }
func (listedSnapshots) Create(raft.SnapshotVersion, uint64, uint64, raft.Configuration, uint64, raft.Transport) (raft.SnapshotSink, error) {
	return nil, fmt.Errorf("not implemented")
}
func (listedSnapshots) Open(string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	return nil, nil, fmt.Errorf("not implemented")
}

func TestCoveredSnapshots(t *testing.T) {
	snaps := listedSnapshots{{ID: "c", Index: 400}, {ID: "b", Index: 300}, {ID: "a", Index: 100}}
	for _, tc := range []struct {
		ranges [][2]uint64 // the log's entries
		want   []string
	}{
		{nil, []string{"c"}},                                // nothing continues: the newest only
		{[][2]uint64{{395, 420}}, []string{"c"}},            // compacted past both older ones
		{[][2]uint64{{301, 420}}, []string{"c", "b"}},       // continues from b
		{[][2]uint64{{250, 420}}, []string{"c", "b"}},       // covers b, not a
		{[][2]uint64{{1, 420}}, []string{"c", "b", "a"}},    // the whole log
		{[][2]uint64{{90, 310}, {401, 420}}, []string{"c"}}, // old entries kept below an installed snapshot, then a gap
		{[][2]uint64{{90, 399}, {401, 420}}, []string{"c"}}, // a gap at the newest snapshot's index
	} {
		logs := raft.NewInmemStore()
		for _, r := range tc.ranges {
			for i := r[0]; i <= r[1]; i++ {
				logs.StoreLog(&raft.Log{Index: i, Term: 1})
			}
		}
		got, err := coveredSnapshots{SnapshotStore: snaps, logs: logs}.List()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("log %v: listed %v, want %v", tc.ranges, ids, tc.want)
		}
	}
}
