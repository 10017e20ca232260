package replication

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
