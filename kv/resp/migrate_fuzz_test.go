package resp

import (
	"bytes"
	"testing"
)

// FuzzParseMigrateDump: the decoder of redraft.migrate-dump's reply never
// panics, and what it accepts keeps the keys asked for, in order.
func FuzzParseMigrateDump(f *testing.F) {
	f.Add([]byte("*2\r\n*3\r\n:7\r\n:0\r\n$3\r\nabc\r\n*-1\r\n"), uint8(2))
	f.Add([]byte("-CLUSTERDOWN no leader\r\n"), uint8(1))
	f.Add([]byte("*1\r\n*3\r\n:1\r\n:5\r\n$99\r\nx\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, n uint8) {
		keys := make([][]byte, n%8)
		for i := range keys {
			keys[i] = []byte{'k', byte('0' + i)}
		}
		items, msg := parseMigrateDump(b, keys)
		if msg != "" {
			if items != nil {
				t.Fatalf("error %q with items", msg)
			}
			return
		}
		j := 0
		for _, it := range items {
			for j < len(keys) && !bytes.Equal(keys[j], it.key) {
				j++
			}
			if j == len(keys) {
				t.Fatalf("item for key %q not asked for, or out of order", it.key)
			}
			j++
		}
	})
}
