package replication

import (
	"errors"
	"sync"
	"testing"

	"github.com/hashicorp/raft"
)

func TestAnchoredLogGetLog(t *testing.T) {
	entry := func(i, term uint64) *raft.Log { return &raft.Log{Index: i, Term: term, Type: raft.LogCommand} }
	tests := []struct {
		name     string
		stored   []*raft.Log
		anchor   [2]uint64 // index, term; 0: none
		applied  uint64    // raft's applied index
		get      uint64
		wantErr  bool
		wantTerm uint64
		wantType raft.LogType
	}{
		{"no anchor, missing entry", []*raft.Log{entry(114, 3)}, [2]uint64{}, 113, 113, true, 0, 0},
		{"restored log: S missing, S-1 missing", []*raft.Log{entry(114, 3), entry(115, 3)}, [2]uint64{113, 2}, 113, 113, false, 2, raft.LogNoop},
		{"empty log", nil, [2]uint64{113, 2}, 113, 113, false, 2, raft.LogNoop},
		{"S held with the snapshot's term", []*raft.Log{entry(113, 2), entry(114, 3)}, [2]uint64{113, 2}, 113, 113, false, 2, raft.LogCommand},
		{"S held with another term, S-1 missing", []*raft.Log{entry(113, 1), entry(114, 3)}, [2]uint64{113, 2}, 113, 113, false, 2, raft.LogNoop},
		{"S missing but S-1 held: raft's own answer", []*raft.Log{entry(112, 2), entry(114, 3)}, [2]uint64{113, 2}, 113, 113, true, 0, 0},
		{"S conflicting and S-1 held: raft's own answer", []*raft.Log{entry(112, 2), entry(113, 1)}, [2]uint64{113, 2}, 113, 113, false, 1, raft.LogCommand},
		{"other index missing", []*raft.Log{entry(114, 3)}, [2]uint64{113, 2}, 113, 112, true, 0, 0},
		{"other index held", []*raft.Log{entry(114, 3)}, [2]uint64{113, 2}, 113, 114, false, 3, raft.LogCommand},
		{"snapshot persisted, not applied (a failed restore)", []*raft.Log{entry(114, 3)}, [2]uint64{113, 2}, 100, 113, true, 0, 0},
		{"applied past the snapshot", []*raft.Log{entry(115, 3)}, [2]uint64{113, 2}, 115, 113, false, 2, raft.LogNoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := raft.NewInmemStore()
			if len(tt.stored) > 0 {
				if err := st.StoreLogs(tt.stored); err != nil {
					t.Fatal(err)
				}
			}
			l := &anchoredLog{LogStore: st}
			l.setAnchor(tt.anchor[0], tt.anchor[1])
			l.setApplied(func() uint64 { return tt.applied })
			var got raft.Log
			err := l.GetLog(tt.get, &got)
			if tt.wantErr {
				if !errors.Is(err, raft.ErrLogNotFound) {
					t.Fatalf("GetLog(%d) = %+v, %v; want log not found", tt.get, got, err)
				}
				return
			}
			if err != nil || got.Index != tt.get || got.Term != tt.wantTerm || got.Type != tt.wantType {
				t.Fatalf("GetLog(%d) = index %d term %d type %v, %v; want term %d type %v",
					tt.get, got.Index, got.Term, got.Type, err, tt.wantTerm, tt.wantType)
			}
		})
	}
}

// TestAnchorFollowsSnapshots: a snapshot becomes the anchor when its sink
// is closed, not when it is created or cancelled.
func TestAnchorFollowsSnapshots(t *testing.T) {
	logs := raft.NewInmemStore()
	a := &anchoredLog{LogStore: logs}
	a.setApplied(func() uint64 { return 100 })
	snaps := coveredSnapshots{SnapshotStore: raft.NewInmemSnapshotStore(), logs: logs, anchor: a}
	var got raft.Log
	sink, err := snaps.Create(raft.SnapshotVersionMax, 50, 4, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.GetLog(50, &got) == nil {
		t.Fatal("anchored before the snapshot was closed")
	}
	if err := sink.Cancel(); err != nil {
		t.Fatal(err)
	}
	if a.GetLog(50, &got) == nil {
		t.Fatal("anchored at a cancelled snapshot")
	}
	sink, err = snaps.Create(raft.SnapshotVersionMax, 60, 5, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.GetLog(60, &got); err != nil || got.Term != 5 {
		t.Fatalf("GetLog(60) after the snapshot closed = term %d, %v; want term 5", got.Term, err)
	}
}

// replyLost delivers the first AppendEntries that carries entries to one
// peer, the first it sends entries to, and then reports the call failed,
// as an RPC whose reply timed out on a loaded machine; raft sends the same
// request again. Pipelining is off so that every AppendEntries goes
// through it; pre-vote stays on, as on the TCP transport (without it the
// wedged follower's elections would depose the leader and end the wedge).
type replyLost struct {
	raft.Transport
	mu     sync.Mutex
	victim raft.ServerID
	n      int
}

var (
	_ raft.WithPreVote = (*replyLost)(nil)
	_ raft.WithClose   = (*replyLost)(nil)
)

func (r *replyLost) RequestPreVote(id raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	return r.Transport.(raft.WithPreVote).RequestPreVote(id, target, args, resp)
}

var errReplyLost = errors.New("test: reply lost")

func (r *replyLost) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

func (r *replyLost) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if err := r.Transport.AppendEntries(id, target, args, resp); err != nil || len(args.Entries) == 0 {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.victim != "" {
		return nil
	}
	r.victim = id
	r.n++
	return errReplyLost
}

func (r *replyLost) Close() error {
	if c, ok := r.Transport.(raft.WithClose); ok {
		return c.Close()
	}
	return nil
}

// TestRestoredClusterReplyLost reproduces the restored cluster that never
// caught up (anchor.go): a new leader's first AppendEntries with entries
// reaches one follower and the reply is lost. Before the log was anchored
// the retransmission was rejected forever ("failed to get previous log" on
// the follower, "log not found" for the entry before the snapshot on the
// leader) while the leader kept its quorum through the other follower, and
// this test failed waiting for the wedged follower to apply the write.
func TestRestoredClusterReplyLost(t *testing.T) {
	shared, from, want := restoreSource(t)
	var wrapped []*replyLost
	restoreAndCheck(t, shared, from, want, func(tr raft.Transport) raft.Transport {
		r := &replyLost{Transport: tr}
		wrapped = append(wrapped, r)
		return r
	})
	n := 0
	for _, r := range wrapped {
		r.mu.Lock()
		n += r.n
		r.mu.Unlock()
	}
	if n == 0 {
		t.Fatal("no reply was lost: the test did not exercise the retransmission")
	}
}
