package replication

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

// TestCheckLogStoreKind: which kind a data directory opens as, by what it
// holds and what was asked.
func TestCheckLogStoreKind(t *testing.T) {
	cases := []struct {
		holds []string // files created in the directory
		ask   LogStoreKind
		want  LogStoreKind
		err   error
	}{
		{nil, LogStoreAuto, DefaultLogStore, nil},
		{nil, LogStoreBolt, LogStoreBolt, nil},
		{nil, LogStoreWAL, LogStoreWAL, nil},
		{[]string{"raft.db"}, LogStoreAuto, LogStoreBolt, nil},
		{[]string{"raft.db"}, LogStoreBolt, LogStoreBolt, nil},
		{[]string{"raft.db"}, LogStoreWAL, "", ErrLogStoreMismatch},
		{[]string{"wal/wal-meta.db"}, LogStoreAuto, LogStoreWAL, nil},
		{[]string{"wal/wal-meta.db"}, LogStoreWAL, LogStoreWAL, nil},
		{[]string{"wal/wal-meta.db"}, LogStoreBolt, "", ErrLogStoreMismatch},
		{[]string{"raft.db", "wal/wal-meta.db"}, LogStoreAuto, "", ErrLogStoreMismatch},
		{[]string{"raft.db", "wal/wal-meta.db"}, LogStoreBolt, "", ErrLogStoreMismatch},
		// A wal directory without its meta file (a crash while it was
		// created) holds no log yet.
		{[]string{"wal/LOCK"}, LogStoreAuto, DefaultLogStore, nil},
		{[]string{"raft.db", "wal/LOCK"}, LogStoreAuto, LogStoreBolt, nil},
	}
	for _, c := range cases {
		dir := t.TempDir()
		for _, f := range c.holds {
			p := filepath.Join(dir, f)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := checkLogStoreKind(dir, c.ask)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("holds %v, ask %q: got %q, %v; want %q, %v", c.holds, c.ask, got, err, c.want, c.err)
		}
	}
	for _, s := range []string{"", "auto", "bolt", "wal"} {
		if _, ok := ParseLogStore(s); !ok {
			t.Errorf("ParseLogStore(%q) refused", s)
		}
	}
	if _, ok := ParseLogStore("rocks"); ok {
		t.Errorf("ParseLogStore(rocks) accepted")
	}
}

// TestLogStoreCompaction: after raft's compaction (DeleteRange of a prefix)
// neither store serves the entries it removed, so that raft sends a lagging
// follower the snapshot, as TrailingLogs says (raft-wal alone still serves
// them from the segment that holds them: walStore).
func TestLogStoreCompaction(t *testing.T) {
	for _, kind := range []LogStoreKind{LogStoreBolt, LogStoreWAL} {
		t.Run(string(kind), func(t *testing.T) {
			logs, _, c, _, err := openLogStore(t.TempDir(), logStoreOptions{kind: kind, logOut: os.Stderr})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := logs.StoreLogs(benchLogs(1, 300)); err != nil {
				t.Fatal(err)
			}
			if err := logs.DeleteRange(1, 200); err != nil {
				t.Fatal(err)
			}
			first, _ := logs.FirstIndex()
			last, _ := logs.LastIndex()
			if first != 201 || last != 300 {
				t.Errorf("log %d-%d after compaction, want 201-300", first, last)
			}
			var e raft.Log
			if err := logs.GetLog(100, &e); !errors.Is(err, raft.ErrLogNotFound) {
				t.Errorf("GetLog(100) after compaction: %v, want %v", err, raft.ErrLogNotFound)
			}
			if err := logs.GetLog(201, &e); err != nil || e.Index != 201 {
				t.Errorf("GetLog(201): %v, index %d", err, e.Index)
			}
		})
	}
}
