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
		first, last uint64 // the log's range; 0, 0: empty
		want        []string
	}{
		{0, 0, []string{"c"}},             // nothing continues: the newest only
		{395, 420, []string{"c"}},         // compacted past both older ones
		{301, 420, []string{"c", "b"}},    // continues from b
		{250, 420, []string{"c", "b"}},    // covers b, not a
		{1, 420, []string{"c", "b", "a"}}, // the whole log
	} {
		logs := raft.NewInmemStore()
		for i := tc.first; i != 0 && i <= tc.last; i++ {
			logs.StoreLog(&raft.Log{Index: i, Term: 1})
		}
		got, err := coveredSnapshots{snaps, logs}.List()
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range got {
			ids = append(ids, m.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("log %d-%d: listed %v, want %v", tc.first, tc.last, ids, tc.want)
		}
	}
}
