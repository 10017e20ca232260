package maelstrom

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// transportPair connects two Transports (a, b) through their outboxes, the
// way two nodes' stdin readers would: requests go to the peer's handle,
// replies to its pending calls. cut drops everything while set.
type transportPair struct {
	a, b     *Transport
	down     bool
	maxLine  int
	linesMu  sync.Mutex
	wg       sync.WaitGroup
	pipes    []*io.PipeWriter
	outboxes []*outbox
}

func newTransportPair(t *testing.T, timing Timing) *transportPair {
	t.Helper()
	timing = timing.withDefaults()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := &transportPair{}
	mk := func(self string) (*Transport, *io.PipeReader) {
		r, w := io.Pipe()
		out := newOutbox(w, log)
		p.pipes = append(p.pipes, w)
		p.outboxes = append(p.outboxes, out)
		return newTransport(self, newPeers(self, out, log), timing, nil, log), r
	}
	var ra, rb *io.PipeReader
	p.a, ra = mk("a")
	p.b, rb = mk("b")
	pump := func(r io.Reader, to *Transport) {
		defer p.wg.Done()
		lr := newLineReader(r, 1<<30)
		var asm assembler
		for {
			line, _, _, err := lr.next()
			if err != nil {
				return
			}
			p.linesMu.Lock()
			p.maxLine = max(p.maxLine, len(line))
			down := p.down
			p.linesMu.Unlock()
			if down {
				continue
			}
			var m message
			if err := json.Unmarshal(line, &m); err != nil {
				t.Errorf("bad line %q", line)
				continue
			}
			b := m.Body
			if b.Parts > 1 {
				payload, err := asm.add(m.Src, b, time.Now())
				if err != nil || payload == nil {
					continue
				}
				b.P = payload
			}
			if b.InReplyTo != nil {
				to.peers.deliver(b)
				continue
			}
			if code, text := to.handle(m.Src, *b.MsgID, b.Type, b.P); code != 0 {
				to.peers.out.send(marshalLine(to.self, m.Src, errorBody{Type: "error", InReplyTo: *b.MsgID, Code: code, Text: text}), time.Second)
			}
		}
	}
	p.wg.Add(2)
	go pump(ra, p.b)
	go pump(rb, p.a)
	t.Cleanup(func() {
		p.a.peers.close()
		p.b.peers.close()
		p.a.Close()
		p.b.Close()
		for _, o := range p.outboxes {
			o.close()
		}
		for _, w := range p.pipes {
			w.Close()
		}
		p.wg.Wait()
	})
	return p
}

func (p *transportPair) setDown(down bool) {
	p.linesMu.Lock()
	p.down = down
	p.linesMu.Unlock()
}

// serve answers every RPC b's raft would get with fn's response.
func serve(t *testing.T, tr *Transport, fn func(rpc raft.RPC) (any, error)) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case rpc := <-tr.Consumer():
				resp, err := fn(rpc)
				rpc.Respond(resp, err)
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done })
}

func TestTransportAppendEntriesRoundTrip(t *testing.T) {
	p := newTransportPair(t, Timing{})
	var got *raft.AppendEntriesRequest
	serve(t, p.b, func(rpc raft.RPC) (any, error) {
		got = rpc.Command.(*raft.AppendEntriesRequest)
		return &raft.AppendEntriesResponse{RPCHeader: raft.RPCHeader{ProtocolVersion: 3, ID: []byte("b"), Addr: []byte("b")}, Term: 7, LastLog: 12, Success: true}, nil
	})
	req := &raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: 3, ID: []byte("a"), Addr: []byte("a")},
		Term:      7, PrevLogEntry: 10, PrevLogTerm: 6, LeaderCommitIndex: 10,
		Entries: []*raft.Log{
			{Index: 11, Term: 7, Type: raft.LogCommand, Data: []byte("set k v"), AppendedAt: time.Unix(1700000000, 123000000).UTC()},
			{Index: 12, Term: 7, Type: raft.LogNoop},
		},
	}
	// raft reuses the response struct: stale fields must not survive.
	resp := &raft.AppendEntriesResponse{NoRetryBackoff: true, LastLog: 99, Success: false}
	if err := p.a.AppendEntries("b", "b", req, resp); err != nil {
		t.Fatal(err)
	}
	want := raft.AppendEntriesResponse{RPCHeader: raft.RPCHeader{ProtocolVersion: 3, ID: []byte("b"), Addr: []byte("b")}, Term: 7, LastLog: 12, Success: true}
	if !reflect.DeepEqual(*resp, want) {
		t.Errorf("response %+v, want %+v", *resp, want)
	}
	if got.Term != 7 || len(got.Entries) != 2 || string(got.Entries[0].Data) != "set k v" ||
		!got.Entries[0].AppendedAt.Equal(req.Entries[0].AppendedAt) || string(got.Addr) != "a" || got.Entries[1].Type != raft.LogNoop {
		t.Errorf("request arrived as %+v", got)
	}
}

func TestTransportVotesAndTimeoutNow(t *testing.T) {
	p := newTransportPair(t, Timing{})
	serve(t, p.b, func(rpc raft.RPC) (any, error) {
		switch c := rpc.Command.(type) {
		case *raft.RequestVoteRequest:
			if !c.LeadershipTransfer {
				return nil, errors.New("LeadershipTransfer lost")
			}
			return &raft.RequestVoteResponse{Term: c.Term, Granted: true}, nil
		case *raft.RequestPreVoteRequest:
			return &raft.RequestPreVoteResponse{Term: c.Term, Granted: true}, nil
		case *raft.TimeoutNowRequest:
			return &raft.TimeoutNowResponse{RPCHeader: c.RPCHeader}, nil
		}
		return nil, errors.New("unexpected")
	})
	var rv raft.RequestVoteResponse
	if err := p.a.RequestVote("b", "b", &raft.RequestVoteRequest{Term: 3, LeadershipTransfer: true}, &rv); err != nil || !rv.Granted || rv.Term != 3 {
		t.Errorf("RequestVote: %+v %v", rv, err)
	}
	var pv raft.RequestPreVoteResponse
	if err := p.a.RequestPreVote("b", "b", &raft.RequestPreVoteRequest{Term: 4}, &pv); err != nil || !pv.Granted {
		t.Errorf("RequestPreVote: %+v %v", pv, err)
	}
	var tn raft.TimeoutNowResponse
	if err := p.a.TimeoutNow("b", "b", &raft.TimeoutNowRequest{RPCHeader: raft.RPCHeader{ID: []byte("a")}}, &tn); err != nil || string(tn.ID) != "a" {
		t.Errorf("TimeoutNow: %+v %v", tn, err)
	}
	if _, err := p.a.AppendEntriesPipeline("b", "b"); !errors.Is(err, raft.ErrPipelineReplicationNotSupported) {
		t.Errorf("pipeline: %v", err)
	}
}

// TestTransportRPCError: an error raft returns reaches the caller.
func TestTransportRPCError(t *testing.T) {
	p := newTransportPair(t, Timing{})
	serve(t, p.b, func(rpc raft.RPC) (any, error) { return nil, errors.New("no such thing") })
	var tn raft.TimeoutNowResponse
	if err := p.a.TimeoutNow("b", "b", &raft.TimeoutNowRequest{RPCHeader: raft.RPCHeader{ID: []byte("a")}}, &tn); err == nil || !strings.Contains(err.Error(), "no such thing") {
		t.Errorf("err = %v", err)
	}
}

func TestTransportInstallSnapshotInParts(t *testing.T) {
	p := newTransportPair(t, Timing{})
	snap := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 000 bytes: 14 parts
	var got []byte
	serve(t, p.b, func(rpc raft.RPC) (any, error) {
		req := rpc.Command.(*raft.InstallSnapshotRequest)
		if rpc.Reader == nil {
			return nil, errors.New("nil reader")
		}
		b, err := io.ReadAll(rpc.Reader)
		if err != nil || int64(len(b)) != req.Size {
			return nil, errors.New("short snapshot")
		}
		got = b
		return &raft.InstallSnapshotResponse{Term: req.Term, Success: true}, nil
	})
	var resp raft.InstallSnapshotResponse
	req := &raft.InstallSnapshotRequest{Term: 9, LastLogIndex: 100, LastLogTerm: 8, Size: int64(len(snap)), SnapshotVersion: 1}
	if err := p.a.InstallSnapshot("b", "b", req, &resp, bytes.NewReader(snap)); err != nil || !resp.Success {
		t.Fatalf("InstallSnapshot: %+v %v", resp, err)
	}
	if !bytes.Equal(got, snap) {
		t.Errorf("snapshot arrived with %d bytes, want %d", len(got), len(snap))
	}
	if p.maxLine >= 40<<10 {
		t.Errorf("largest message %d bytes, want < 40 KiB", p.maxLine)
	}
	// A reader shorter than Size is refused before anything is sent.
	req.Size++
	if err := p.a.InstallSnapshot("b", "b", req, &resp, bytes.NewReader(snap)); err == nil {
		t.Errorf("short reader accepted")
	}
}

// TestTransportDeadlines: a heartbeat to a silent peer fails at the RPC
// deadline; an AppendEntries with entries is resent until the peer answers.
func TestTransportDeadlines(t *testing.T) {
	p := newTransportPair(t, Timing{RPC: 30 * time.Millisecond, AppendRetry: 5 * time.Second})
	serve(t, p.b, func(rpc raft.RPC) (any, error) {
		return &raft.AppendEntriesResponse{Term: 2, Success: true}, nil
	})
	p.setDown(true)
	hb := &raft.AppendEntriesRequest{RPCHeader: raft.RPCHeader{Addr: []byte("a")}, Term: 2}
	start := time.Now()
	var resp raft.AppendEntriesResponse
	if err := p.a.AppendEntries("b", "b", hb, &resp); !errors.Is(err, errNoReply) {
		t.Errorf("heartbeat to a silent peer: %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("heartbeat failed after %v, want about the 30ms deadline", d)
	}

	done := make(chan error, 1)
	go func() {
		var resp raft.AppendEntriesResponse
		done <- p.a.AppendEntries("b", "b", &raft.AppendEntriesRequest{Term: 2, PrevLogEntry: 1, PrevLogTerm: 1, Entries: []*raft.Log{{Index: 2, Term: 2}}}, &resp)
	}()
	time.Sleep(200 * time.Millisecond) // several deadlines pass while the link is down
	p.setDown(false)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("AppendEntries after the link came back: %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("AppendEntries not completed after the link came back")
	}

	// A newer term seen ends the resending at once.
	p.setDown(true)
	go func() {
		var resp raft.AppendEntriesResponse
		done <- p.a.AppendEntries("b", "b", &raft.AppendEntriesRequest{Term: 2, PrevLogEntry: 1, PrevLogTerm: 1, Entries: []*raft.Log{{Index: 2, Term: 2}}}, &resp)
	}()
	p.a.seeTerm(3)
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("stale AppendEntries succeeded over a cut link")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("stale AppendEntries still resent")
	}
}

// TestTransportBusy: a full consumer channel refuses at once (11), the
// stdin reader never waits for raft.
func TestTransportBusy(t *testing.T) {
	p := newTransportPair(t, Timing{})
	payload := encodeMsgpack(&raft.TimeoutNowRequest{})
	for i := 0; i < consumerMax; i++ {
		if code, text := p.b.handle("a", int64(i+1), typeTimeoutNow, payload); code != 0 {
			t.Fatalf("request %d refused: %d %s", i, code, text)
		}
	}
	start := time.Now()
	if code, _ := p.b.handle("a", 9999, typeTimeoutNow, payload); code != codeUnavailable {
		t.Errorf("full consumer: code %d, want 11", code)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Errorf("handle waited on a full consumer")
	}
	if code, _ := p.b.handle("a", 10000, typeAppend, []byte{0xc1}); code != codeMalformed {
		t.Errorf("undecodable request: code %d, want 12", code)
	}
}
