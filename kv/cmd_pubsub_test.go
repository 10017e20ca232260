package kv

import "testing"

// recordSink is an EventSink that records what it is handed and answers
// with a fixed receiver count per channel.
type recordSink struct {
	got       []string
	receivers map[string]int
	flags     int // keyspace notification classes (notify_test.go)
}

func (s *recordSink) KeyspaceEvents() int { return s.flags }

func (s *recordSink) Publish(channel, message []byte, shard bool) int {
	kind := "publish"
	if shard {
		kind = "spublish"
	}
	s.got = append(s.got, kind+" "+string(channel)+" "+string(message))
	return s.receivers[string(channel)]
}

func TestPublishGoesToTheSink(t *testing.T) {
	x := newTM(t)
	// Without a sink: nobody receives.
	x.run([]step{
		{cmd("publish", "ch", "m"), ":0\r\n"},
		{cmd("spublish", "ch", "m"), ":0\r\n"},
		{cmd("publish", "ch"), "-ERR wrong number of arguments for 'publish' command\r\n"},
	})
	sink := &recordSink{receivers: map[string]int{"ch": 3}}
	x.m.SetEventSink(sink)
	x.run([]step{
		{cmd("PUBLISH", "ch", "hello"), ":3\r\n"},
		{cmd("publish", "other", "x"), ":0\r\n"},
		{cmd("spublish", "ch", "s"), ":3\r\n"},
	})
	// A transaction publishes in its order, between its other commands.
	w := NewWriter(nil, 2)
	x.m.Exec(&Cmd{Args: [][]byte{[]byte("EXEC")}, Proto: 2, Tx: &Tx{Cmds: [][][]byte{
		{[]byte("publish"), []byte("ch"), []byte("tx1")},
		{[]byte("set"), []byte("k"), []byte("v")},
		{[]byte("publish"), []byte("ch"), []byte("tx2")},
	}}}, w)
	if got, want := string(w.Bytes()), "*3\r\n:3\r\n+OK\r\n:3\r\n"; got != want {
		t.Errorf("EXEC: got %q, want %q", got, want)
	}
	want := []string{"publish ch hello", "publish other x", "spublish ch s", "publish ch tx1", "publish ch tx2"}
	if len(sink.got) != len(want) {
		t.Fatalf("sink got %q, want %q", sink.got, want)
	}
	for i := range want {
		if sink.got[i] != want[i] {
			t.Errorf("event %d: got %q, want %q", i, sink.got[i], want[i])
		}
	}
	if spec := Lookup([]byte("publish")); spec == nil || !spec.IsWrite() || spec.Flags&FlagWrite != 0 {
		t.Fatalf("PUBLISH must go through the log without being a keyspace write: %+v", spec)
	}
}
