package maelstrom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
)

// Transport is a raft.Transport over Maelstrom messages. A node's raft
// address is its Maelstrom node id.
//
// Outbound: every RPC is a request message (payload: msgpack of the raft
// request, the codec raft's own NetworkTransport uses) and waits for the
// reply matched by in_reply_to, up to a deadline below the heartbeat
// timeout (snapshots: snapshotTimeout). A reply that comes after the
// deadline is dropped. AppendEntries that carry the log (not heartbeats) are
// re-sent while the peer stays silent, for up to appendRetry: see
// AppendEntries.
//
// Inbound: the stdin reader decodes a request and offers it to raft's
// consumer channel without waiting; when the channel is full the sender
// gets error 11 at once. A goroutine per accepted request waits for raft's
// response and sends the reply.
//
// The heartbeat fast path is not used (hashicorp/raft#695): heartbeats go
// through the consumer channel like every RPC. Pipelining is not supported.
type Transport struct {
	self  string
	peers *peers
	log   *slog.Logger

	rpcTimeout      time.Duration
	snapshotTimeout time.Duration
	appendRetry     time.Duration
	// heartbeatGap is the shortest gap raft's heartbeat timer leaves
	// between heartbeats to one peer (a tenth of the heartbeat timeout);
	// hbDone holds when the last heartbeat call to each peer returned. Both
	// only classify heartbeats for msgCounts.
	heartbeatGap time.Duration
	hbMu         sync.Mutex
	hbDone       map[raft.ServerAddress]time.Time
	// Holding heartbeats (hold.go): reads is nil when it is off; aeReply
	// holds when each peer last answered an AppendEntries with entries or
	// commit news (under hbMu).
	reads            *readGate
	heartbeatRide    time.Duration
	heartbeatHoldMax time.Duration
	aeReply          map[raft.ServerAddress]time.Time

	consumer chan raft.RPC
	// termSeen is the highest term in any raft message sent or received:
	// once it passes a retried AppendEntries' term, that request is stale.
	termSeen atomic.Uint64

	mu     sync.Mutex // guards closed and wg.Add
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

var (
	_ raft.Transport   = (*Transport)(nil)
	_ raft.WithPreVote = (*Transport)(nil)
	_ raft.WithClose   = (*Transport)(nil)
)

const (
	// consumerMax bounds RPCs accepted and not yet taken by raft.
	consumerMax = 256
	// snapshotBytesMax bounds a snapshot sent or received in one RPC (it is
	// held in memory at both ends while in flight).
	snapshotBytesMax = assemblyBytesMax - fragBytes
)

var errTransportClosed = errors.New("maelstrom: raft transport closed")

// msgpackHandle is the codec of raft payloads (raft's NetworkTransport uses
// msgpack too; time.Time travels in msgpack's own time format).
var msgpackHandle = &codec.MsgpackHandle{}

func encodeMsgpack(v any) []byte {
	var buf []byte
	if err := codec.NewEncoderBytes(&buf, msgpackHandle).Encode(v); err != nil {
		panic("maelstrom: msgpack encode: " + err.Error()) // raft's types always encode
	}
	return buf
}

func decodeMsgpack(b []byte, v any) error {
	return codec.NewDecoderBytes(b, msgpackHandle).Decode(v)
}

// newTransport makes the transport of node self; reads, when not nil,
// turns on holding heartbeats (hold.go).
func newTransport(self string, p *peers, t Timing, reads *readGate, log *slog.Logger) *Transport {
	return &Transport{
		self: self, peers: p, log: log,
		rpcTimeout:       t.RPC,
		snapshotTimeout:  t.Snapshot,
		appendRetry:      t.AppendRetry,
		heartbeatGap:     t.Heartbeat / 10,
		hbDone:           map[raft.ServerAddress]time.Time{},
		reads:            reads,
		heartbeatRide:    t.HeartbeatRide,
		heartbeatHoldMax: t.HeartbeatHold,
		aeReply:          map[raft.ServerAddress]time.Time{},
		consumer:         make(chan raft.RPC, consumerMax),
		stop:             make(chan struct{}),
	}
}

// Consumer implements raft.Transport.
func (t *Transport) Consumer() <-chan raft.RPC { return t.consumer }

// LocalAddr implements raft.Transport.
func (t *Transport) LocalAddr() raft.ServerAddress { return raft.ServerAddress(t.self) }

// AppendEntriesPipeline implements raft.Transport: not supported.
func (t *Transport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}

// SetHeartbeatHandler implements raft.Transport and ignores the handler
// (hashicorp/raft#695: heartbeats processed off raft's main goroutine can
// let logs diverge after a partition heals).
func (t *Transport) SetHeartbeatHandler(func(raft.RPC)) {}

// EncodePeer implements raft.Transport.
func (t *Transport) EncodePeer(_ raft.ServerID, addr raft.ServerAddress) []byte { return []byte(addr) }

// DecodePeer implements raft.Transport.
func (t *Transport) DecodePeer(b []byte) raft.ServerAddress { return raft.ServerAddress(b) }

// isHeartbeat reports raft's heartbeat shape (as NetworkTransport detects it).
func isHeartbeat(a *raft.AppendEntriesRequest) bool {
	return a.Term != 0 && a.PrevLogEntry == 0 && a.PrevLogTerm == 0 && len(a.Entries) == 0 && a.LeaderCommitIndex == 0
}

// AppendEntries implements raft.Transport.
//
// A heartbeat fails at its deadline: raft caps the heartbeat back-off at
// half the heartbeat timeout. An AppendEntries that carries the log is sent
// again (same msg_id: a reply to any copy completes it) each time its
// deadline passes without a reply, for up to appendRetry or until a newer
// term is seen. Raft backs off exponentially (up to ~10 s) after each
// failed AppendEntries and cannot be woken early, so a follower cut off by
// a partition would lag for seconds after it heals; resending here makes
// raft see one slow call instead of a run of failures. Resending is safe:
// AppendEntries is idempotent (the follower checks term and previous entry).
func (t *Transport) AppendEntries(_ raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	t.seeTerm(args.Term)
	payload := encodeMsgpack(args)
	var until time.Time
	heartbeat := isHeartbeat(args)
	if heartbeat {
		t.holdHeartbeat(target, args.Term)
		t.countHeartbeat(target)
		defer t.heartbeatDone(target)
	} else {
		until = time.Now().Add(t.appendRetry)
		if len(args.Entries) > 0 {
			t.peers.out.counts.add("append.entries")
		} else {
			t.peers.out.counts.add("append.empty")
		}
	}
	giveUp := func() bool { return t.termSeen.Load() > args.Term || t.isClosed() }
	p, err := t.roundTripRetry(target, typeAppend, payload, t.deadline(len(payload)), until, giveUp)
	if err != nil {
		return err
	}
	*resp = raft.AppendEntriesResponse{} // raft reuses resp: no stale fields
	if err := decodeMsgpack(p, resp); err != nil {
		return err
	}
	t.seeTerm(resp.Term)
	if !heartbeat && resp.Term == args.Term {
		t.appendReplied(target)
	}
	return nil
}

// countHeartbeat counts a heartbeat call to target, as quick when it came
// sooner after the previous one than raft's timer would send it.
func (t *Transport) countHeartbeat(target raft.ServerAddress) {
	c := t.peers.out.counts
	c.add("append.heartbeat")
	t.hbMu.Lock()
	last, ok := t.hbDone[target]
	t.hbMu.Unlock()
	if ok && time.Since(last) < t.heartbeatGap {
		c.add("append.heartbeat.quick")
	}
}

func (t *Transport) heartbeatDone(target raft.ServerAddress) {
	t.hbMu.Lock()
	t.hbDone[target] = time.Now()
	t.hbMu.Unlock()
}

// payloadBytesPerMs is the throughput assumed when a deadline is stretched
// for a large payload (parts are encoded, queued, decoded one by one).
const payloadBytesPerMs = 16 << 10

// deadline is the per-RPC deadline for a payload of n bytes.
func (t *Transport) deadline(n int) time.Duration {
	return t.rpcTimeout + time.Duration(n/payloadBytesPerMs)*time.Millisecond
}

// RequestVote implements raft.Transport.
func (t *Transport) RequestVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	t.seeTerm(args.Term)
	p, err := t.roundTrip(target, typeVote, encodeMsgpack(args), t.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = raft.RequestVoteResponse{}
	if err := decodeMsgpack(p, resp); err != nil {
		return err
	}
	t.seeTerm(resp.Term)
	return nil
}

// RequestPreVote implements raft.WithPreVote.
func (t *Transport) RequestPreVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	p, err := t.roundTrip(target, typePreVote, encodeMsgpack(args), t.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = raft.RequestPreVoteResponse{}
	return decodeMsgpack(p, resp)
}

// TimeoutNow implements raft.Transport.
func (t *Transport) TimeoutNow(_ raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	p, err := t.roundTrip(target, typeTimeoutNow, encodeMsgpack(args), t.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = raft.TimeoutNowResponse{}
	return decodeMsgpack(p, resp)
}

// InstallSnapshot implements raft.Transport. The payload is
//
//	len(request) uvarint | msgpack(request) | exactly args.Size snapshot bytes
//
// sent in parts of fragBytes; the receiver reassembles it (bounded by
// assemblyBytesMax) and hands raft a reader of exactly Size bytes.
func (t *Transport) InstallSnapshot(_ raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	if args.Size < 0 || args.Size > snapshotBytesMax {
		return fmt.Errorf("maelstrom: snapshot of %d bytes exceeds the transport's %d", args.Size, snapshotBytesMax)
	}
	t.seeTerm(args.Term)
	head := encodeMsgpack(args)
	payload := binary.AppendUvarint(make([]byte, 0, binary.MaxVarintLen64+len(head)+int(args.Size)), uint64(len(head)))
	payload = append(payload, head...)
	n := len(payload)
	payload = payload[:n+int(args.Size)]
	if _, err := io.ReadFull(data, payload[n:]); err != nil {
		return fmt.Errorf("maelstrom: read snapshot: %w", err)
	}
	p, err := t.roundTrip(target, typeSnapshot, payload, t.snapshotTimeout+t.deadline(len(payload)))
	if err != nil {
		return err
	}
	*resp = raft.InstallSnapshotResponse{}
	if err := decodeMsgpack(p, resp); err != nil {
		return err
	}
	t.seeTerm(resp.Term)
	return nil
}

// roundTrip sends one request and returns the reply's payload.
func (t *Transport) roundTrip(target raft.ServerAddress, typ string, payload []byte, timeout time.Duration) ([]byte, error) {
	return t.roundTripRetry(target, typ, payload, timeout, time.Time{}, nil)
}

func (t *Transport) roundTripRetry(target raft.ServerAddress, typ string, payload []byte, timeout time.Duration, until time.Time, giveUp func() bool) ([]byte, error) {
	if t.isClosed() {
		return nil, errTransportClosed
	}
	b, err := t.peers.callRetry(string(target), peerBody{Type: typ}, payload, timeout, until, giveUp)
	if err != nil {
		return nil, fmt.Errorf("%s to %s: %w", typ, target, err)
	}
	switch b.Type {
	case typeRaftOK:
		return b.P, nil
	case "error":
		return nil, fmt.Errorf("%s to %s: peer replied error %d: %s", typ, target, derefInt(b.Code), b.Text)
	}
	return nil, fmt.Errorf("%s to %s: unexpected reply type %q", typ, target, b.Type)
}

func derefInt(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func (t *Transport) seeTerm(term uint64) {
	for {
		cur := t.termSeen.Load()
		if term <= cur || t.termSeen.CompareAndSwap(cur, term) {
			return
		}
	}
}

func (t *Transport) isClosed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// isRaftType reports the request types handled by handle.
func isRaftType(typ string) bool {
	switch typ {
	case typeAppend, typeVote, typePreVote, typeTimeoutNow, typeSnapshot:
		return true
	}
	return false
}

// handle decodes an inbound raft request and offers it to raft without
// waiting. It runs on the stdin reader; it returns an error code and text
// to answer with when the request is refused (0 when accepted).
func (t *Transport) handle(src string, msgID int64, typ string, payload []byte) (int, string) {
	rpc, err := decodeRequest(typ, payload)
	if err != nil {
		return codeMalformed, err.Error()
	}
	switch c := rpc.Command.(type) {
	case *raft.AppendEntriesRequest:
		t.seeTerm(c.Term)
	case *raft.RequestVoteRequest:
		t.seeTerm(c.Term)
	case *raft.InstallSnapshotRequest:
		t.seeTerm(c.Term)
	}
	respCh := make(chan raft.RPCResponse, 1) // raft must never block responding
	rpc.RespChan = respCh

	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return codeUnavailable, "raft transport closed"
	}
	select {
	case t.consumer <- rpc:
	default:
		return codeUnavailable, "raft is busy"
	}
	t.wg.Add(1)
	go t.respond(src, msgID, respCh)
	return 0, ""
}

// decodeRequest builds the raft.RPC of an inbound request.
func decodeRequest(typ string, payload []byte) (raft.RPC, error) {
	var rpc raft.RPC
	var err error
	switch typ {
	case typeAppend:
		req := &raft.AppendEntriesRequest{}
		err, rpc.Command = decodeMsgpack(payload, req), req
	case typeVote:
		req := &raft.RequestVoteRequest{}
		err, rpc.Command = decodeMsgpack(payload, req), req
	case typePreVote:
		req := &raft.RequestPreVoteRequest{}
		err, rpc.Command = decodeMsgpack(payload, req), req
	case typeTimeoutNow:
		req := &raft.TimeoutNowRequest{}
		err, rpc.Command = decodeMsgpack(payload, req), req
	case typeSnapshot:
		n, k := binary.Uvarint(payload)
		if k <= 0 || n > uint64(len(payload)-k) {
			return rpc, errors.New("malformed snapshot payload")
		}
		req := &raft.InstallSnapshotRequest{}
		if err := decodeMsgpack(payload[k:k+int(n)], req); err != nil {
			return rpc, fmt.Errorf("malformed snapshot request: %w", err)
		}
		data := payload[k+int(n):]
		if req.Size != int64(len(data)) {
			return rpc, fmt.Errorf("snapshot carries %d bytes, request says %d", len(data), req.Size)
		}
		rpc.Command, rpc.Reader = req, bytes.NewReader(data)
	default:
		return rpc, fmt.Errorf("unknown raft message type %q", typ)
	}
	if err != nil {
		return rpc, fmt.Errorf("malformed %s: %w", typ, err)
	}
	return rpc, nil
}

// respond waits for raft's response to one request and sends it back.
func (t *Transport) respond(src string, msgID int64, ch <-chan raft.RPCResponse) {
	defer t.wg.Done()
	var r raft.RPCResponse
	select {
	case r = <-ch:
	case <-t.stop:
		return
	}
	var err error
	if r.Error != nil {
		err = t.peers.out.send(marshalLine(t.self, src, errorBody{Type: "error", InReplyTo: msgID, Code: codeUnavailable, Text: r.Error.Error()}), t.rpcTimeout)
	} else {
		err = t.peers.reply(src, msgID, typeRaftOK, encodeMsgpack(r.Response), t.rpcTimeout)
	}
	if err != nil {
		t.log.Debug("raft reply not sent", "to", src, "err", err)
	}
}

// Close implements raft.WithClose: outbound RPCs fail from now on, and the
// goroutines waiting for raft's responses stop.
func (t *Transport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	close(t.stop)
	t.mu.Unlock()
	t.wg.Wait()
	return nil
}
