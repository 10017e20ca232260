package kv

import (
	"bytes"
	"testing"
)

func TestEncodingThresholds(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("redraft.config-encoding", "hash-max-listpack-entries", "2", "set-max-intset-entries", "1"), "+OK\r\n"},
		{cmd("HSET", "h", "a", "1", "b", "2"), ":2\r\n"},
		{cmd("OBJECT", "ENCODING", "h"), "$8\r\nlistpack\r\n"},
		{cmd("HSET", "h", "c", "3"), ":1\r\n"},
		{cmd("OBJECT", "ENCODING", "h"), "$9\r\nhashtable\r\n"},
		{cmd("SADD", "s", "1", "2"), ":2\r\n"},
		{cmd("OBJECT", "ENCODING", "s"), "$9\r\nhashtable\r\n"},
		{cmd("redraft.config-encoding", "zset-max-ziplist-value", "2"), "+OK\r\n"},
		{cmd("ZADD", "z", "1", "abc"), ":1\r\n"},
		{cmd("OBJECT", "ENCODING", "z"), "$8\r\nskiplist\r\n"},
		{cmd("redraft.config-encoding", "nosuch", "2"), "-ERR Invalid argument '2' for CONFIG SET 'nosuch'\r\n"},
		{cmd("redraft.config-encoding", "set-max-intset-entries", "-1"), "-ERR Invalid argument '-1' for CONFIG SET 'set-max-intset-entries'\r\n"},
		{cmd("redraft.config-encoding", "set-max-intset-entries"), "-ERR wrong number of arguments for 'redraft.config-encoding' command\r\n"},
	})
	if v, _ := x.m.EncodingParam("hash-max-ziplist-entries"); v != 2 {
		t.Errorf("hash-max-ziplist-entries = %d", v)
	}
	// A threshold past the cap is reported as set and works as the cap.
	x.do("redraft.config-encoding", "hash-max-listpack-value", "9223372036854775807")
	if v, _ := x.m.EncodingParam("hash-max-listpack-value"); v != 9223372036854775807 {
		t.Errorf("hash-max-listpack-value = %d", v)
	}
	if got := x.m.limits().hashValue; got != encodingValueMax {
		t.Errorf("effective hash value limit %d, want the cap %d", got, encodingValueMax)
	}

	// The thresholds travel in snapshots; a restored machine converts alike.
	var buf bytes.Buffer
	if err := x.m.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	y := newTM(t)
	if err := y.m.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hash-max-listpack-entries", "hash-max-listpack-value", "set-max-intset-entries", "zset-max-listpack-value", "zset-max-listpack-entries"} {
		a, _ := x.m.EncodingParam(name)
		b, _ := y.m.EncodingParam(name)
		if a != b {
			t.Errorf("%s: %d before the snapshot, %d after", name, a, b)
		}
	}
	y.run([]step{
		{cmd("HSET", "h2", "a", "1", "b", "2", "c", "3"), ":3\r\n"},
		{cmd("OBJECT", "ENCODING", "h2"), "$9\r\nhashtable\r\n"},
	})

	// Back at the defaults, the snapshot carries no thresholds item: it is
	// byte-identical to one of a machine that never changed them.
	x.do("redraft.config-encoding", "hash-max-listpack-entries", "512", "hash-max-listpack-value", "64",
		"set-max-intset-entries", "512", "zset-max-listpack-value", "64")
	if x.m.enc != nil {
		t.Fatalf("defaults restored but thresholds kept: %+v", x.m.enc)
	}
	var a, b bytes.Buffer
	x.m.Snapshot(&a)
	z := newTM(t)
	if err := z.m.Restore(bytes.NewReader(a.Bytes())); err != nil {
		t.Fatal(err)
	}
	z.m.Snapshot(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) || bytes.Contains(a.Bytes(), []byte{snapshotKindEncoding, 0, 0, 0}) {
		t.Errorf("default thresholds changed the snapshot")
	}
}

func TestDecodeEncodingItemRejects(t *testing.T) {
	for _, b := range [][]byte{
		nil,
		{1, 2, 3},
		{0x80, 0x04, 64, 128, 1, 64, 0x80, 0x04}, // the defaults
		{1, 2, 3, 4, 5, 6},                       // trailing byte
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 1, 1, 1}, // > MaxInt64
	} {
		if _, err := decodeEncodingItem(b); err == nil {
			t.Errorf("%x: decoded", b)
		}
	}
}
