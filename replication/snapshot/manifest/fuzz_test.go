package manifest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"
)

// FuzzDecode: Decode never panics, and whatever it accepts re-encodes to
// exactly the input (no unchecked byte).
func FuzzDecode(f *testing.F) {
	for _, m := range []*Manifest{testManifest(), {Version: 1, ID: "x"}} {
		b, err := Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Decode(data)
		if err != nil {
			return
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded manifest does not encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("accepted bytes that are not the encoding of what they decode to")
		}
		if _, err := m.Meta(); err != nil {
			t.Fatalf("accepted manifest without metadata: %v", err)
		}
	})
}

// FuzzDecodeBody fuzzes the body behind a valid header and checksum, which
// FuzzDecode's random bytes seldom get past.
func FuzzDecodeBody(f *testing.F) {
	for _, m := range []*Manifest{testManifest(), {Version: 1, ID: "x"}} {
		b, err := Encode(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[headerBytes : len(b)-crcBytes])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := make([]byte, headerBytes, headerBytes+len(body)+crcBytes)
		copy(b, Magic)
		binary.BigEndian.PutUint16(b[4:], Format)
		binary.BigEndian.PutUint32(b[8:], uint32(len(body)))
		b = append(b, body...)
		b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
		m, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Encode(m)
		if err != nil {
			t.Fatalf("decoded manifest does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("accepted bytes that are not the encoding of what they decode to")
		}
	})
}
