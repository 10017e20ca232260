package kv

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"testing"
)

// TestSnapRoom: snapRoom leaves room for the element and its fields, keeps
// the buffer's contents, and does not grow a buffer that has the room.
func TestSnapRoom(t *testing.T) {
	for _, l := range []int{0, 100, 3 << 20} {
		for _, n := range []int{0, 10, 1 << 20} {
			b := make([]byte, l)
			for i := range b {
				b[i] = byte(i * 7)
			}
			want := bytes.Clone(b)
			g := snapRoom(b, n)
			if !bytes.Equal(g, want) || cap(g)-len(g) < n+snapRoomSlack {
				t.Fatalf("len %d, element %d: contents equal %v, room %d", l, n, bytes.Equal(g, want), cap(g)-len(g))
			}
			if h := snapRoom(g, n); &h[:cap(h)][cap(h)-1] != &g[:cap(g)][cap(g)-1] {
				t.Fatalf("len %d, element %d: grown again with room", l, n)
			}
		}
	}
}

// BenchmarkStopDuringBigEncode: the longest GC stop-the-world wait while a
// goroutine encodes a 2M-member sorted set's snapshot record (a ~40 MiB
// buffer grown from nothing) and a 100 MiB SET's log encoding, each into
// a fresh buffer, as a snapshot and a proposal do, and streams a snapshot
// cut of a machine holding a 2M-element sorted set or hash, and DUMPs the
// sorted set and a 100 MiB string of incompressible bytes
// (`go test ./kv -run '^$' -bench StopDuringBigEncode -benchtime 20x`).
func BenchmarkStopDuringBigEncode(b *testing.B) {
	z := newZSet(false)
	for i := range 2_000_000 {
		z.insert("member:"+strconv.Itoa(i), float64(i))
	}
	e := &entry{key: "z", obj: z}
	value := make([]byte, 100<<20)
	set := &Cmd{Args: [][]byte{[]byte("SET"), []byte("k"), value}, Proto: 2}
	b.Run("zset-record", func(b *testing.B) {
		benchStopDuring(b, func() {
			if _, err := appendRecord(nil, e); err != nil {
				b.Error(err)
			}
		})
	})
	b.Run("set-command", func(b *testing.B) {
		benchStopDuring(b, func() { set.AppendEncode(nil) })
	})
	// A snapshot cut, as a node's snapshot streams it while applies go on:
	// a big sorted set or hash is encoded piece by piece into its record.
	b.Run("zset-dump", func(b *testing.B) {
		benchStopDuring(b, func() { dumpPayload(e) })
	})
	noise := make([]byte, 100<<20)
	r := NewRand(3)
	for i := 0; i+8 <= len(noise); i += 8 {
		binary.LittleEndian.PutUint64(noise[i:], r.Uint64())
	}
	str := &entry{key: "s", str: noise}
	b.Run("string-dump", func(b *testing.B) {
		benchStopDuring(b, func() { dumpPayload(str) })
	})
	for _, typ := range []string{"zset", "hash"} {
		m := bigMachine(typ, 2_000_000)
		b.Run(typ+"-cut", func(b *testing.B) {
			benchStopDuring(b, func() {
				c := m.BeginSnapshot()
				if err := c.WriteTo(io.Discard, nil); err != nil {
					b.Error(err)
				}
				c.Release()
			})
		})
	}
}
