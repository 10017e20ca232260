package maelstrom

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

func raftAppendRequest() raft.AppendEntriesRequest {
	return raft.AppendEntriesRequest{Term: 2, Entries: []*raft.Log{{Index: 1, Term: 2, Data: []byte("x")}}}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{`1`, `1`},
		{` 1.0 `, `1.0`},
		{`-0`, `-0`},
		{`"a\u0041<&>"`, `"aA<&>"`},
		{`{"b":1, "a":{"d":[1, 2],"c":null}}`, `{"a":{"c":null,"d":[1,2]},"b":1}`},
		{`[true,false,null]`, `[true,false,null]`},
		{`12345678901234567890123`, `12345678901234567890123`},
	}
	for _, tc := range tests {
		got, err := canonical(json.RawMessage(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("canonical(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{``, `{`, `1 2`, `[1,]`, `nul`} {
		if got, err := canonical(json.RawMessage(bad)); err == nil {
			t.Errorf("canonical(%q) = %s, want an error", bad, got)
		}
	}
}

func TestReplyFor(t *testing.T) {
	read := &clientOp{typ: "read", msgID: 7}
	write := &clientOp{typ: "write", msgID: 7}
	cas := &clientOp{typ: "cas", msgID: 7}
	tests := []struct {
		op   *clientOp
		resp string
		want string
	}{
		{read, "$3\r\n[1]\r\n", `{"type":"read_ok","in_reply_to":7,"value":[1]}`},
		{read, "$-1\r\n", `{"type":"error","in_reply_to":7,"code":20,"text":"key does not exist"}`},
		{read, "$3\r\nabc\r\n", `{"type":"error","in_reply_to":7,"code":13,"text":"stored value is not JSON"}`},
		{write, "+OK\r\n", `{"type":"write_ok","in_reply_to":7}`},
		{cas, "+OK\r\n", `{"type":"cas_ok","in_reply_to":7}`},
		{cas, "-" + kv.ErrCASNoKey + "\r\n", `{"type":"error","in_reply_to":7,"code":20,"text":"NOKEY no such key"}`},
		{cas, "-" + kv.ErrCASMismatch + "\r\n", `{"type":"error","in_reply_to":7,"code":22,"text":"CASFAIL current value differs from the expected value"}`},
		{write, "-CLUSTERDOWN no leader\r\n", `{"type":"error","in_reply_to":7,"code":11,"text":"CLUSTERDOWN no leader"}`},
		{cas, "-NOTLEADER x\r\n", `{"type":"error","in_reply_to":7,"code":11,"text":"NOTLEADER x"}`},
		{read, "-SHUTDOWN x\r\n", `{"type":"error","in_reply_to":7,"code":11,"text":"SHUTDOWN x"}`},
		{write, "-UNCERTAIN outcome unknown\r\n", `{"type":"error","in_reply_to":7,"code":13,"text":"UNCERTAIN outcome unknown"}`},
		{write, "-WRONGTYPE x\r\n", `{"type":"error","in_reply_to":7,"code":13,"text":"WRONGTYPE x"}`},
		{read, "", `{"type":"error","in_reply_to":7,"code":13,"text":"empty reply from the state machine"}`},
		{read, ":1\r\n", `{"type":"error","in_reply_to":7,"code":13,"text":"unexpected reply from the state machine: :1"}`},
	}
	for _, tc := range tests {
		line := marshalLine("n0", "c1", replyFor(tc.op, []byte(tc.resp)))
		want := `{"src":"n0","dest":"c1","body":` + tc.want + "}\n"
		if string(line) != want {
			t.Errorf("%s %q:\n got %s want %s", tc.op.typ, tc.resp, line, want)
		}
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 300)
	in := "a\n\r\nb\r\n" + long + "\nc\n" + strings.Repeat("y", 100) + "\nlast"
	lr := newLineReader(strings.NewReader(in), 150)
	lr.r.Reset(strings.NewReader(in)) // small reads are fine; the buffer is 64 KiB
	type line struct {
		s       string
		tooLong bool
	}
	var got []line
	for {
		l, _, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line{string(l), tooLong})
	}
	want := []line{{"a", false}, {"", false}, {"b", false}, {"", true}, {"c", false}, {strings.Repeat("y", 100), false}, {"last", false}}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestLineReaderLongerThanBuffer(t *testing.T) {
	long := strings.Repeat("z", 3*readBufferBytes)
	lr := newLineReader(strings.NewReader(long+"\nok\n"), 4*readBufferBytes)
	l, _, tooLong, err := lr.next()
	if err != nil || tooLong || string(l) != long {
		t.Fatalf("long line: %d bytes, tooLong %v, %v", len(l), tooLong, err)
	}
	if l, _, _, _ := lr.next(); string(l) != "ok" {
		t.Errorf("next line %q", l)
	}
}

func TestAssembler(t *testing.T) {
	var a assembler
	now := time.Now()
	id := int64(5)
	part := func(i, n int, p string) *body {
		return &body{MsgID: &id, Part: i, Parts: n, P: b64(p)}
	}
	// Out of order, with a duplicate.
	for _, b := range []*body{part(2, 3, "cc"), part(0, 3, "aa"), part(2, 3, "cc")} {
		if p, err := a.add("n1", b, now); p != nil || err != nil {
			t.Fatalf("early completion: %q %v", p, err)
		}
	}
	p, err := a.add("n1", part(1, 3, "bb"), now)
	if err != nil || string(p) != "aabbcc" {
		t.Fatalf("assembled %q, %v", p, err)
	}
	if a.bytes != 0 || len(a.bufs) != 0 {
		t.Errorf("assembler holds %d bytes in %d buffers after completion", a.bytes, len(a.bufs))
	}
	// Bad parts are refused; stale partial payloads are dropped.
	for _, b := range []*body{part(3, 3, "x"), part(-1, 3, "x"), {Part: 0, Parts: 2}, part(0, assemblyBytesMax, "x")} {
		if _, err := a.add("n1", b, now); err == nil {
			t.Errorf("accepted part %d of %d", b.Part, b.Parts)
		}
	}
	a.add("n2", part(0, 2, "half"), now)
	a.add("n3", part(0, 2, "x"), now.Add(2*assemblyTTL))
	if _, ok := a.bufs[asmKey{src: "n2", id: 5}]; ok || a.bytes != 1 {
		t.Errorf("stale partial payload kept (%d bytes)", a.bytes)
	}
}

func TestLimitedWriter(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(0, 0)
	lw := newLimitedWriter(&out, 2, 3)
	lw.now = func() time.Time { return now }
	for i := 0; i < 10; i++ {
		lw.Write([]byte("line\n"))
	}
	if got := strings.Count(out.String(), "line\n"); got != 3 {
		t.Errorf("%d lines passed a burst of 3", got)
	}
	now = now.Add(time.Second)
	lw.Write([]byte("line\n"))
	if !strings.Contains(out.String(), "7 log lines suppressed") {
		t.Errorf("no suppression summary in %q", out.String())
	}
}

func TestDataDir(t *testing.T) {
	log := discardLogger()
	if got := resolveDataDir(MemoryDataDir, "n0", log); got != "" {
		t.Errorf("memory: %q", got)
	}
	if got := resolveDataDir("/base", "n1", log); got != "/base/n1" {
		t.Errorf("explicit base: %q", got)
	}
	if _, ok := procStart(os.Getpid()); !ok {
		t.Skip("no /proc")
	}
	if k := runKey(os.Getpid()); !strings.HasPrefix(k, "run-") || strings.Count(k, "-") != 2 {
		t.Errorf("runKey = %q", k)
	}
	// A run directory whose process is gone is removed; a live one is kept.
	base := t.TempDir()
	live := runKey(os.Getpid())
	for _, d := range []string{live, "run-999999999-1", "other"} {
		os.MkdirAll(base+"/"+d+"/n0", 0o755)
	}
	removeStaleRuns(base, "", log)
	for d, want := range map[string]bool{live: true, "run-999999999-1": false, "other": true} {
		if _, err := os.Stat(base + "/" + d); (err == nil) != want {
			t.Errorf("%s exists: %v, want %v", d, err == nil, want)
		}
	}
	for id, ok := range map[string]bool{"n0": true, "c-1.x": true, "": false, "..": false, "a/b": false, `a\b`: false} {
		if validNodeID(id) != ok {
			t.Errorf("validNodeID(%q) = %v", id, !ok)
		}
	}
}

// FuzzDispatchBeforeInit: no input line crashes the reader or makes it
// write anything but an init reply.
func FuzzDispatchBeforeInit(f *testing.F) {
	for _, s := range []string{
		`{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n5","node_ids":["n0"]}}`,
		`{"src":"c1","dest":"n0","body":{"type":"read","msg_id":2,"key":1}}`,
		`{"src":"c1","dest":"n0","body":{"type":"read","msg_id":3,"key":1,"text":5}}`,
		`{"src":"c1","body":"x"}`, `garbage`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		var m message
		if json.Unmarshal(line, &m) == nil && m.Body != nil && m.Body.Type == "init" {
			return // a valid init starts a node; covered by the transcripts
		}
		var out bytes.Buffer
		s := &server{log: discardLogger(), out: newOutbox(&out, discardLogger()), opts: Options{DataDir: MemoryDataDir}}
		if err := s.dispatch(line); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
		s.out.close()
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if l != "" && !strings.Contains(l, `"code":12`) {
				t.Errorf("wrote %q before init", l)
			}
		}
	})
}

// FuzzParseClientOp: request bodies never crash the lin-kv parser, and
// what it accepts has canonical arguments.
func FuzzParseClientOp(f *testing.F) {
	f.Add([]byte(`{"type":"cas","msg_id":1,"key":{"b":1,"a":2},"from":[1],"to":"x"}`))
	f.Add([]byte(`{"type":"write","msg_id":1,"key":1,"value":null}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		var b body
		if json.Unmarshal(raw, &b) != nil {
			return
		}
		op, err := parseClientOp("c1", 1, &b)
		if err != nil {
			return
		}
		for _, a := range op.cmd.Args[1:] {
			c, err := canonical(a)
			if err != nil || !bytes.Equal(c, a) {
				t.Errorf("argument %q is not canonical (%q, %v)", a, c, err)
			}
		}
	})
}

// FuzzDecodeRequest: raft payloads from the network never crash the decoder.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(typeAppend, encodeMsgpack(&raftAppendSeed))
	f.Add(typeSnapshot, []byte{3, 0x80, 0, 0})
	f.Fuzz(func(t *testing.T, typ string, payload []byte) {
		rpc, err := decodeRequest(typ, payload)
		if err == nil && typ == typeSnapshot && rpc.Reader == nil {
			t.Errorf("snapshot without reader")
		}
	})
}

var raftAppendSeed = raftAppendRequest()

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestRunContextCancel: cancelling the context stops a running node (stdin
// is closed when it can be) and RunWith returns.
func TestRunContextCancel(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	var out, errs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunWith(ctx, inR, &out, &errs, Options{DataDir: MemoryDataDir}) }()
	io.WriteString(inW, `{"src":"c0","dest":"n0","body":{"type":"init","msg_id":1,"node_id":"n0","node_ids":["n0"]}}`+"\n")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "init_ok") {
		if time.Now().After(deadline) {
			t.Fatalf("no init_ok: %s", errs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunWith: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("RunWith did not return after cancel")
	}
}
