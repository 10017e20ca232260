package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// IDs from `*` take their milliseconds from the command's stamped time
// and never go back, even when the stamp does (a new leader whose clock
// is behind).
func TestStreamAutoIDFromStampedTime(t *testing.T) {
	x := newTM(t)
	x.now = 1000
	steps := []struct {
		now  int64
		args []string
		want string
	}{
		{1000, cmd("XADD", "s", "*", "f", "v"), "$6\r\n1000-0\r\n"},
		{1000, cmd("XADD", "s", "*", "f", "v"), "$6\r\n1000-1\r\n"},
		{1005, cmd("XADD", "s", "*", "f", "v"), "$6\r\n1005-0\r\n"},
		{900, cmd("XADD", "s", "*", "f", "v"), "$6\r\n1005-1\r\n"}, // clock behind
		{900, cmd("XADD", "s", "1005-*", "f", "v"), "$6\r\n1005-2\r\n"},
		{900, cmd("XADD", "s", "2000-*", "f", "v"), "$6\r\n2000-0\r\n"},
		{1500, cmd("XADD", "s", "*", "f", "v"), "$6\r\n2000-1\r\n"},
		{2001, cmd("XADD", "s", "*", "f", "v"), "$6\r\n2001-0\r\n"},
	}
	for _, s := range steps {
		x.now = s.now
		if got := x.do(s.args...); got != s.want {
			t.Errorf("now %d %q: got %q, want %q", s.now, s.args, got, s.want)
		}
	}
}

// Delivery and seen times come from the stamped time: XPENDING's idle,
// XINFO CONSUMERS' idle and XCLAIM's IDLE/TIME and min-idle-time.
func TestStreamGroupTimes(t *testing.T) {
	x := newTM(t)
	x.now = 10_000
	x.run([]step{
		{cmd("XADD", "s", "1-1", "f", "v"), "$3\r\n1-1\r\n"},
		{cmd("XADD", "s", "2-1", "f", "v"), "$3\r\n2-1\r\n"},
		{cmd("XGROUP", "CREATE", "s", "g", "0"), "+OK\r\n"},
		{cmd("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">"), "*1\r\n*2\r\n$1\r\ns\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
	})
	x.now = 10_250
	x.run([]step{
		{cmd("XPENDING", "s", "g", "-", "+", "10"), "*2\r\n*4\r\n$3\r\n1-1\r\n$5\r\nalice\r\n:250\r\n:1\r\n*4\r\n$3\r\n2-1\r\n$5\r\nalice\r\n:250\r\n:1\r\n"},
		{cmd("XPENDING", "s", "g", "IDLE", "300", "-", "+", "10"), "*0\r\n"},
		{cmd("XINFO", "CONSUMERS", "s", "g"), "*1\r\n*6\r\n$4\r\nname\r\n$5\r\nalice\r\n$7\r\npending\r\n:2\r\n$4\r\nidle\r\n:250\r\n"},
		// min-idle-time 300 > 250: nothing claimed.
		{cmd("XCLAIM", "s", "g", "bob", "300", "1-1", "JUSTID"), "*0\r\n"},
		{cmd("XCLAIM", "s", "g", "bob", "200", "1-1", "IDLE", "50", "RETRYCOUNT", "7", "JUSTID"), "*1\r\n$3\r\n1-1\r\n"},
		{cmd("XPENDING", "s", "g", "-", "+", "10", "bob"), "*1\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:50\r\n:7\r\n"},
		{cmd("XCLAIM", "s", "g", "bob", "0", "2-1", "TIME", "10000"), "*1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
		{cmd("XPENDING", "s", "g", "-", "+", "10"), "*2\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:50\r\n:7\r\n*4\r\n$3\r\n2-1\r\n$3\r\nbob\r\n:250\r\n:2\r\n"},
		{cmd("XAUTOCLAIM", "s", "g", "carol", "100", "0", "JUSTID"), "*3\r\n$3\r\n0-0\r\n*1\r\n$3\r\n2-1\r\n*0\r\n"},
		{cmd("XINFO", "STREAM", "s", "FULL"), "*18\r\n$6\r\nlength\r\n:2\r\n$15\r\nradix-tree-keys\r\n:1\r\n$16\r\nradix-tree-nodes\r\n:2\r\n$17\r\nlast-generated-id\r\n$3\r\n2-1\r\n$20\r\nmax-deleted-entry-id\r\n$3\r\n0-0\r\n$13\r\nentries-added\r\n:2\r\n$23\r\nrecorded-first-entry-id\r\n$3\r\n1-1\r\n$7\r\nentries\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n$6\r\ngroups\r\n*1\r\n*14\r\n$4\r\nname\r\n$1\r\ng\r\n$17\r\nlast-delivered-id\r\n$3\r\n2-1\r\n$12\r\nentries-read\r\n:2\r\n$3\r\nlag\r\n:0\r\n$9\r\npel-count\r\n:2\r\n$7\r\npending\r\n*2\r\n*4\r\n$3\r\n1-1\r\n$3\r\nbob\r\n:10200\r\n:7\r\n*4\r\n$3\r\n2-1\r\n$5\r\ncarol\r\n:10250\r\n:2\r\n$9\r\nconsumers\r\n*3\r\n*8\r\n$4\r\nname\r\n$5\r\nalice\r\n$9\r\nseen-time\r\n:10000\r\n$9\r\npel-count\r\n:0\r\n$7\r\npending\r\n*0\r\n*8\r\n$4\r\nname\r\n$3\r\nbob\r\n$9\r\nseen-time\r\n:10250\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n1-1\r\n:10200\r\n:7\r\n*8\r\n$4\r\nname\r\n$5\r\ncarol\r\n$9\r\nseen-time\r\n:10250\r\n$9\r\npel-count\r\n:1\r\n$7\r\npending\r\n*1\r\n*3\r\n$3\r\n2-1\r\n:10250\r\n:2\r\n"},
	})
}

// Nodes split where Redis's listpacks split (100 entries, or about 4 KB),
// so approximate trimming removes what Redis removes.
func TestStreamNodesSplitAsRedis(t *testing.T) {
	x := newTM(t)
	for i := 1; i <= 250; i++ {
		x.do("XADD", "s", fmt.Sprintf("%d-0", i), "f", "v")
	}
	s := x.m.dbs[0].get("s").obj.(*Stream)
	if got := len(s.nodes); got != 3 {
		t.Fatalf("250 small entries: %d nodes, want 3", got)
	}
	x.run([]step{
		{cmd("XTRIM", "s", "MAXLEN", "~", "120"), ":100\r\n"},
		{cmd("XLEN", "s"), ":150\r\n"},
		{cmd("XTRIM", "s", "MINID", "~", "240"), ":100\r\n"},
		{cmd("XTRIM", "s", "MAXLEN", "=", "10"), ":40\r\n"},
		{cmd("XRANGE", "s", "-", "+", "COUNT", "1"), "*1\r\n*2\r\n$5\r\n241-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n"},
	})
	// Big values: a node is closed once its listpack would pass 4 KB.
	big := strings.Repeat("x", 1000)
	for i := 1; i <= 10; i++ {
		x.do("XADD", "b", fmt.Sprintf("%d-0", i), "f", big)
	}
	if got := len(x.m.dbs[0].get("b").obj.(*Stream).nodes); got != 3 {
		t.Errorf("10 entries of 1000 bytes: %d nodes, want 3 (as redis-server 7.0.15)", got)
	}
}

// streamFixture builds a stream with deleted entries, several nodes,
// groups, consumers and pending entries.
func streamFixture(t *testing.T) *tm {
	x := newTM(t)
	for i := 1; i <= 230; i++ {
		f := "f"
		if i%7 == 0 {
			f = "other"
		}
		x.do("XADD", "s", fmt.Sprintf("%d-%d", i, i%3), f, fmt.Sprint(i), "g", "w")
	}
	x.do("XDEL", "s", "5-2", "150-0", "1-1")
	x.do("XGROUP", "CREATE", "s", "g1", "0")
	x.do("XGROUP", "CREATE", "s", "g0", "$")
	x.do("XREADGROUP", "GROUP", "g1", "c2", "COUNT", "10", "STREAMS", "s", ">")
	x.now += 100
	x.do("XREADGROUP", "GROUP", "g1", "c1", "COUNT", "5", "STREAMS", "s", ">")
	x.do("XACK", "s", "g1", "3-0")
	x.do("XCLAIM", "s", "g1", "c3", "0", "4-1", "9-0")
	x.do("XGROUP", "CREATECONSUMER", "s", "g0", "idle")
	x.do("XADD", "e", "1-1", "a", "b")
	x.do("XDEL", "e", "1-1")
	x.do("XGROUP", "CREATE", "m", "g", "$", "MKSTREAM")
	return x
}

func streamObserve(x *tm, key string) string {
	var b strings.Builder
	for _, c := range [][]string{
		{"XRANGE", key, "-", "+"}, {"XREVRANGE", key, "+", "-"}, {"XINFO", "STREAM", key, "FULL", "COUNT", "0"},
		{"XINFO", "GROUPS", key}, {"XPENDING", key, "g1"}, {"XPENDING", key, "g1", "-", "+", "100"},
		{"XINFO", "STREAM", key},
	} {
		b.WriteString(x.do(c...))
	}
	return b.String()
}

// A snapshot of a stream restores to a stream that answers alike and
// snapshots to the same bytes; COPY makes an independent equal stream.
func TestStreamSnapshotRoundTrip(t *testing.T) {
	x := streamFixture(t)
	b := snap(t, x.m)
	y := newTM(t)
	y.now = x.now
	y.m = restored(t, b)
	for _, k := range []string{"s", "e", "m"} {
		if got, want := streamObserve(y, k), streamObserve(x, k); got != want {
			t.Errorf("%s after restore:\n got %q\nwant %q", k, got, want)
		}
	}
	if b2 := snap(t, y.m); !bytes.Equal(b, b2) {
		t.Error("snapshot of the restored machine differs")
	}
	sameNodes(t, x.m.dbs[0].get("s").obj.(*Stream), y.m.dbs[0].get("s").obj.(*Stream))
	// Both go on alike.
	for _, m := range []*tm{x, y} {
		m.do("XADD", "s", "*", "f", "new")
		m.do("XREADGROUP", "GROUP", "g1", "c9", "STREAMS", "s", ">")
		m.do("XTRIM", "s", "MAXLEN", "~", "50")
	}
	if got, want := streamObserve(y, "s"), streamObserve(x, "s"); got != want {
		t.Errorf("after more commands:\n got %q\nwant %q", got, want)
	}
	if !bytes.Equal(snap(t, x.m), snap(t, y.m)) {
		t.Error("snapshots differ after the same commands")
	}

	if got := x.do("COPY", "s", "s2"); got != ":1\r\n" {
		t.Fatalf("COPY: %q", got)
	}
	if got, want := streamObserve(x, "s2"), streamObserve(x, "s"); got != want {
		t.Errorf("copy differs:\n got %q\nwant %q", got, want)
	}
	x.do("XADD", "s2", "*", "only", "copy")
	x.do("XREADGROUP", "GROUP", "g1", "c1", "STREAMS", "s2", ">")
	if got, want := streamObserve(x, "s"), streamObserve(y, "s"); got != want {
		t.Errorf("changing the copy changed the original")
	}
}

// sameNodes checks that b's nodes are a's, derived fields included.
func sameNodes(t *testing.T, a, b *Stream) {
	t.Helper()
	if len(a.nodes) != len(b.nodes) {
		t.Fatalf("%d nodes, want %d", len(b.nodes), len(a.nodes))
	}
	for i, n := range a.nodes {
		m := b.nodes[i]
		if n.master != m.master || n.last != m.last || n.live != m.live || n.deleted != m.deleted ||
			n.lpBytes != m.lpBytes || n.entries != m.entries || n.lastPos != m.lastPos || !bytes.Equal(n.buf, m.buf) {
			t.Fatalf("node %d differs: %+v, want %+v", i, *m, *n)
		}
	}
}

func TestStreamSnapshotCorrupt(t *testing.T) {
	x := streamFixture(t)
	e := x.m.dbs[0].get("s")
	val := e.obj.(*Stream).appendSnapshot(nil)
	if _, err := decodeStreamSnapshot(val); err != nil {
		t.Fatalf("valid value: %v", err)
	}
	for i := range val {
		for _, delta := range []byte{1, 0x80, 0xff} {
			c := bytes.Clone(val)
			c[i] += delta
			s, err := decodeStreamSnapshot(c)
			if err == nil {
				// A change that still decodes must give a usable stream.
				s.appendSnapshot(nil)
				it := s.iter(streamID{}, maxStreamID, false)
				for it.next() {
				}
			}
		}
		if _, err := decodeStreamSnapshot(val[:i]); err == nil {
			t.Fatalf("truncated at %d decoded", i)
		}
	}
}

func TestStreamKeyCommands(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("XADD", "s", "1-1", "a", "1"), "$3\r\n1-1\r\n"},
		{cmd("XGROUP", "CREATE", "s", "g", "0"), "+OK\r\n"},
		{cmd("COPY", "s", "c"), ":1\r\n"},
		{cmd("XADD", "c", "2-1", "b", "2"), "$3\r\n2-1\r\n"},
		{cmd("XLEN", "s"), ":1\r\n"},
		{cmd("XLEN", "c"), ":2\r\n"},
		{cmd("XREADGROUP", "GROUP", "g", "x", "STREAMS", "c", ">"), "*1\r\n*2\r\n$1\r\nc\r\n*2\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\n2-1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n"},
		{cmd("XPENDING", "s", "g"), "*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"},
		{cmd("RENAME", "c", "r"), "+OK\r\n"},
		{cmd("XPENDING", "r", "g"), "*4\r\n:2\r\n$3\r\n1-1\r\n$3\r\n2-1\r\n*1\r\n*2\r\n$1\r\nx\r\n$1\r\n2\r\n"},
		{cmd("MOVE", "r", "1"), ":1\r\n"},
		{cmd("TYPE", "r"), "+none\r\n"},
		{cmd("SCAN", "0", "TYPE", "stream"), "*2\r\n$1\r\n0\r\n*1\r\n$1\r\ns\r\n"},
		{cmd("DEL", "s"), ":1\r\n"},
		{cmd("EXISTS", "s"), ":0\r\n"},
		{cmd("XGROUP", "CREATE", "e", "g", "$", "MKSTREAM"), "+OK\r\n"},
		{cmd("XLEN", "e"), ":0\r\n"},
		{cmd("TYPE", "e"), "+stream\r\n"},
	})
	x.db = 1
	x.run([]step{
		{cmd("XLEN", "r"), ":2\r\n"},
	})
}

// stream-node-max-entries and -bytes are machine state: nodes split where
// they say, and a snapshot written before they existed reads as defaults.
func TestStreamNodeLimitsConfig(t *testing.T) {
	x := newTM(t)
	x.run([]step{
		{cmd("redraft.config-encoding", "stream-node-max-entries", "10"), "+OK\r\n"},
	})
	for i := 1; i <= 35; i++ {
		x.do("XADD", "s", fmt.Sprintf("%d-0", i), "f", "v")
	}
	if got := len(x.m.dbs[0].get("s").obj.(*Stream).nodes); got != 4 {
		t.Errorf("35 entries, 10 per node: %d nodes", got)
	}
	x.run([]step{
		// LIMIT bounds the entries removed; only whole nodes go.
		{cmd("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "25"), ":20\r\n"},
		{cmd("XADD", "s", "MAXLEN", "~", "0", "LIMIT", "5", "36-0", "f", "v"), "$4\r\n36-0\r\n"},
		{cmd("XLEN", "s"), ":16\r\n"},
		{cmd("redraft.config-encoding", "stream-node-max-entries", "0", "stream-node-max-bytes", "100"), "+OK\r\n"},
	})
	if v, _ := x.m.EncodingParam("stream-node-max-bytes"); v != 100 {
		t.Errorf("stream-node-max-bytes: %d", v)
	}
	var old []byte
	for _, v := range defaultEncodingLimits.raw[:encodingParamsV1] {
		old = binary.AppendUvarint(old, uint64(v+1))
	}
	l, err := decodeEncodingItem(old)
	if err != nil || l.raw[encStreamNodeEntries] != streamNodeMaxEntries || l.raw[encStreamNodeBytes] != streamNodeMaxBytes {
		t.Errorf("item without stream parameters: %v, %v", l, err)
	}
}

// MEMORY USAGE of streams, as redis-server 7.0.15 answers for the same
// commands (checked against it).
func TestStreamMemoryUsage(t *testing.T) {
	x := newTM(t)
	x.do("XADD", "a", "1-0", "f", "v")
	for i := 1; i <= 250; i++ {
		x.do("XADD", "b", fmt.Sprintf("%d-0", i), "f", fmt.Sprintf("v%d", i))
	}
	for i := 1; i < 2000; i++ {
		x.do("XADD", "c", fmt.Sprintf("%d-%d", i, i%3), "f", fmt.Sprintf("v%d", i), "g", strings.Repeat("x", i%50))
	}
	x.run([]step{
		{cmd("MEMORY", "USAGE", "a"), ":4728\r\n"},
		{cmd("MEMORY", "USAGE", "b"), ":9296\r\n"},
		{cmd("MEMORY", "USAGE", "c"), ":103248\r\n"},
		{cmd("MEMORY", "USAGE", "c", "SAMPLES", "0"), ":101216\r\n"},
		{cmd("XGROUP", "CREATE", "c", "g", "0"), "+OK\r\n"},
		{cmd("XGROUP", "CREATECONSUMER", "c", "g", "c2"), ":1\r\n"},
	})
	x.do("XREADGROUP", "GROUP", "g", "c1", "COUNT", "300", "STREAMS", "c", ">")
	x.run([]step{
		{cmd("MEMORY", "USAGE", "c"), ":415136\r\n"},
		{cmd("XGROUP", "CREATE", "e", "g", "0", "MKSTREAM"), "+OK\r\n"},
		{cmd("MEMORY", "USAGE", "e"), ":656\r\n"},
	})
}

// Keyspace events of the stream commands, as redis-server 7.0.15 publishes
// them for the same commands (captured with notify-keyspace-events EAn).
func TestStreamNotifyEvents(t *testing.T) {
	x := newTM(t)
	sink := &recordSink{flags: NotifyAll | NotifyNew | NotifyKeyevent}
	x.m.SetEventSink(sink)
	for _, c := range [][]string{
		{"XADD", "s", "1-0", "f", "v"}, {"XADD", "s", "MAXLEN", "1", "2-0", "f", "v"}, {"XADD", "s", "MAXLEN", "5", "3-0", "f", "v"},
		{"XDEL", "s", "1-0", "3-0"}, {"XDEL", "s", "9-0"}, {"XTRIM", "s", "MAXLEN", "0"}, {"XTRIM", "s", "MAXLEN", "0"},
		{"XSETID", "s", "5-0"}, {"XGROUP", "CREATE", "s", "g", "0"}, {"XGROUP", "CREATE", "m", "g", "$", "MKSTREAM"},
		{"XADD", "s", "6-0", "f", "v"}, {"XREADGROUP", "GROUP", "g", "c1", "STREAMS", "s", ">"},
		{"XGROUP", "CREATECONSUMER", "s", "g", "c2"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c2"},
		{"XCLAIM", "s", "g", "c3", "0", "6-0"}, {"XAUTOCLAIM", "s", "g", "c4", "0", "0"}, {"XGROUP", "SETID", "s", "g", "0"},
		{"XGROUP", "DELCONSUMER", "s", "g", "c1"}, {"XACK", "s", "g", "6-0"}, {"XGROUP", "DESTROY", "s", "g"}, {"DEL", "s"},
	} {
		x.do(c...)
	}
	got := keyevents(sink, 0)
	want := []string{"new s", "xadd s", "xadd s", "xtrim s", "xadd s", "xdel s", "xtrim s", "xsetid s", "xgroup-create s",
		"new m", "xgroup-create m", "xadd s", "xgroup-createconsumer s", "xgroup-createconsumer s", "xgroup-createconsumer s",
		"xgroup-createconsumer s", "xgroup-setid s", "xgroup-delconsumer s", "xgroup-destroy s", "del s"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
}
