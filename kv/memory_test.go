package kv

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"unsafe"
)

// memoryKeysEnv names the environment variable that enables
// TestMemoryPerKey and gives its key count (scripts/bench-memory.sh sets it
// to 1000000). The measurement allocates hundreds of megabytes, so it is not
// part of a normal `go test`.
const memoryKeysEnv = "KV_MEMORY_KEYS"

// heapAlloc returns the live heap after two full collections.
func heapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemoryPerKey measures the heap a Machine needs per string key: n keys
// "key:%012d" with 64-byte values "val:%060d" (appendTestKey), loaded with
// SET through Exec, then the same state rebuilt by Restore. It prints one
// line per measurement that scripts/bench-memory.sh parses:
//
//	kv_memory how=set keys=N heap_bytes=B bytes_per_key=X
//
// plus the expected breakdown from the data structures' sizes.
func TestMemoryPerKey(t *testing.T) {
	env := os.Getenv(memoryKeysEnv)
	if env == "" {
		t.Skipf("set %s=1000000 to measure memory per key", memoryKeysEnv)
	}
	n, err := strconv.Atoi(env)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive key count", memoryKeysEnv, env)
	}

	before := heapAlloc()
	m := NewMachine()
	loadStrings(m, n)
	after := heapAlloc()
	report(t, "set", n, after-before)
	processMemory()
	if m.Len() != n {
		t.Fatalf("loaded %d keys, want %d", m.Len(), n)
	}

	// The same state as a restored snapshot (a follower after InstallSnapshot).
	var buf bytes.Buffer
	if err := m.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("kv_snapshot keys=%d snapshot_bytes=%d\n", n, buf.Len())
	m = nil
	before = heapAlloc() // the snapshot buffer stays live in both readings
	r := NewMachine()
	if err := r.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	after = heapAlloc()
	report(t, "restore", n, after-before)
	runtime.KeepAlive(buf.Bytes())

	// Where the bytes should go, from the sizes of the structures (Go rounds
	// each allocation up to its size class; these sizes are exact classes).
	entryBytes := unsafe.Sizeof(entry{})
	key, val := appendTestKey(nil, nil, 0)
	bucketBytes := float64(r.dbs[0].buckets.len()) * float64(unsafe.Sizeof((*entry)(nil))) / float64(n)
	fmt.Printf("kv_breakdown entry_struct=%d key=%d value=%d buckets_per_key=%.1f sum=%.1f\n",
		entryBytes, len(key), len(val), bucketBytes,
		float64(entryBytes)+float64(len(key))+float64(len(val))+bucketBytes)
	runtime.KeepAlive(r)
}

// processMemory prints what the process holds beyond the live heap: the
// heap's spans, everything obtained from the OS, and the resident set
// (Linux), to compare with Redis's used_memory_rss. With the default
// GOGC=100 the heap may grow to twice the live data before a collection.
func processMemory() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := "unknown"
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range bytes.Split(b, []byte("\n")) {
			if v, ok := bytes.CutPrefix(l, []byte("VmRSS:")); ok {
				rss = string(bytes.Join(bytes.Fields(v), nil))
			}
		}
	}
	fmt.Printf("kv_process heap_inuse=%d heap_sys=%d sys=%d rss=%s\n", ms.HeapInuse, ms.HeapSys, ms.Sys, rss)
}

func report(t *testing.T, how string, n int, heap uint64) {
	t.Helper()
	line := fmt.Sprintf("kv_memory how=%s keys=%d heap_bytes=%d bytes_per_key=%.1f",
		how, n, heap, float64(heap)/float64(n))
	fmt.Println(line)
	t.Log(line)
}
