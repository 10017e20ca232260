package snapshot

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/objstore"
)

var flagBenchBytes = flag.Int("snapshot.benchbytes", 64<<20, "snapshot benchmarks: snapshot size in bytes")

// benchWriteBytes is the size of each Write, like a bufio.Writer's flushes
// in an FSM's Persist.
const benchWriteBytes = 64 << 10

var (
	benchOnce sync.Once
	benchData []byte
)

// recordLikeData is a snapshot-shaped stream: length-prefixed key/value
// records with sequential keys and random values of 16..256 bytes.
func recordLikeData(n int) []byte {
	benchOnce.Do(func() {
		r := rand.New(rand.NewPCG(1, 2))
		b := make([]byte, 0, n+512)
		for i := 0; len(b) < n; i++ {
			key := fmt.Appendf(nil, "key:%010d", i)
			val := make([]byte, 16+r.IntN(241))
			for j := range val {
				val[j] = byte(r.Uint32())
			}
			b = binary.AppendUvarint(b, uint64(len(key)))
			b = append(b, key...)
			b = binary.AppendUvarint(b, uint64(len(val)))
			b = append(b, val...)
		}
		benchData = b[:n]
	})
	return benchData
}

// benchStore is a snapshot store under test, in a fresh directory.
type benchStore struct {
	name string
	open func(b *testing.B, dir string) raft.SnapshotStore
}

func benchStores() []benchStore {
	seg := func(skipReadBack bool) func(*testing.B, string) raft.SnapshotStore {
		return func(b *testing.B, dir string) raft.SnapshotStore {
			d, err := objstore.OpenDir(dir)
			if err != nil {
				b.Fatal(err)
			}
			s, err := New(d, Options{Retain: 1, SkipSegmentReadBack: skipReadBack, ManualGC: true})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}
	}
	return []benchStore{
		{"segments-dir", seg(false)},
		{"segments-dir-noreadback", seg(true)},
		{"raft-file", func(b *testing.B, dir string) raft.SnapshotStore {
			s, err := raft.NewFileSnapshotStore(dir, 1, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			return s
		}},
	}
}

// benchTrans encodes peers for FileSnapshotStore's deprecated Peers field.
var _, benchTrans = raft.NewInmemTransport("bench")

func persist(s raft.SnapshotStore, data []byte) (string, error) {
	k, err := s.Create(1, 100, 1, testConf, 1, benchTrans)
	if err != nil {
		return "", err
	}
	for p := data; len(p) > 0; {
		n := min(len(p), benchWriteBytes)
		if _, err := k.Write(p[:n]); err != nil {
			k.Cancel()
			return "", err
		}
		p = p[n:]
	}
	return k.ID(), k.Close()
}

// BenchmarkSnapshotWrite: persist one snapshot (durably: every store
// fsyncs) into an empty directory per iteration. MB/s is snapshot bytes.
func BenchmarkSnapshotWrite(b *testing.B) {
	data := recordLikeData(*flagBenchBytes)
	for _, st := range benchStores() {
		b.Run(fmt.Sprintf("%s/%dMiB", st.name, len(data)>>20), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				dir := filepath.Join(b.TempDir(), fmt.Sprint(i))
				s := st.open(b, dir)
				b.StartTimer()
				if _, err := persist(s, data); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if c, ok := s.(io.Closer); ok {
					c.Close()
				}
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkSnapshotRestore: open and read one snapshot whole (page cache
// warm, as right after it was written), verifying checksums on the way.
func BenchmarkSnapshotRestore(b *testing.B) {
	data := recordLikeData(*flagBenchBytes)
	for _, st := range benchStores() {
		b.Run(fmt.Sprintf("%s/%dMiB", st.name, len(data)>>20), func(b *testing.B) {
			s := st.open(b, b.TempDir())
			id, err := persist(s, data)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				_, rc, err := s.Open(id)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != int64(len(data)) {
					b.Fatalf("read %d bytes, %v; want %d", n, err, len(data))
				}
			}
		})
	}
}
