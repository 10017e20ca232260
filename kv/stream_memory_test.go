package kv

import (
	"os"
	"strconv"
	"testing"
)

// streamMemoryEntriesEnv enables TestStreamMemoryPerEntry and gives its
// entry count (scripts/bench-stream-memory.sh sets it to 1000000); like
// TestMemoryPerKey it allocates hundreds of megabytes and is not part of a
// normal `go test`.
const streamMemoryEntriesEnv = "KV_STREAM_MEMORY_ENTRIES"

// TestStreamMemoryPerEntry measures the heap one stream needs per entry of
// two fields ("name" "value-%08d" "n" "%d"), added with XADD * at one
// entry per millisecond, and prints
//
//	kv_stream_memory entries=N heap_bytes=B bytes_per_entry=X
func TestStreamMemoryPerEntry(t *testing.T) {
	env := os.Getenv(streamMemoryEntriesEnv)
	if env == "" {
		t.Skipf("set %s=1000000 to measure memory per stream entry", streamMemoryEntriesEnv)
	}
	n, err := strconv.Atoi(env)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive entry count", streamMemoryEntriesEnv, env)
	}
	before := heapAlloc()
	m := NewMachine()
	w := NewWriter(nil, 2)
	args := [][]byte{[]byte("XADD"), []byte("s"), []byte("*"), []byte("name"), nil, []byte("n"), nil}
	for i := 0; i < n; i++ {
		args[4] = []byte("value-" + strconv.Itoa(100000000 + i)[1:])
		args[6] = strconv.AppendInt(nil, int64(i), 10)
		w.Reset()
		m.Exec(&Cmd{Args: args, NowMs: 1_700_000_000_000 + int64(i), Proto: 2}, w)
	}
	after := heapAlloc()
	s := m.dbs[0].get("s").obj.(*Stream)
	if s.Len() != n {
		t.Fatalf("%d entries, want %d", s.Len(), n)
	}
	t.Logf("kv_stream_memory entries=%d heap_bytes=%d bytes_per_entry=%.1f nodes=%d", n, after-before, float64(after-before)/float64(n), len(s.nodes))
}
