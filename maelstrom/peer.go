package maelstrom

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Limits of node-to-node messaging.
const (
	// fragBytes bounds the raw payload of one message: base64 makes it
	// 32 KiB, so with the envelope every message stays far below the 64 KiB
	// line limit of demo/go-style readers.
	fragBytes = 24 << 10
	// assemblyBytesMax bounds the payload bytes being reassembled from all
	// senders together; it also caps one payload (a snapshot or an
	// AppendEntries batch).
	assemblyBytesMax = 64 << 20
	// assemblyTTL drops a partial payload whose remaining parts never came
	// (a partition cut them): its sender's call has long timed out.
	assemblyTTL = 10 * time.Second
	// resendWaitMax caps the wait between copies of a resent request: the
	// longest a peer that becomes reachable waits for the next copy.
	resendWaitMax = 500 * time.Millisecond
	// pendingMax bounds calls waiting for replies.
	pendingMax = 16384
)

var (
	// errNotSent: no part of the request was queued for stdout.
	errNotSent = errors.New("maelstrom: request not sent")
	// errNoReply: the request went out and no reply came in time (the
	// network may have dropped either; the request may have been processed).
	errNoReply = errors.New("maelstrom: no reply in time")
	// errClosed: the node is shutting down.
	errClosed = errors.New("maelstrom: node closed")
)

// peers sends requests to other nodes and matches their replies by
// in_reply_to. A call owns its msg_id until it returns; a reply that comes
// later finds no caller and is dropped.
type peers struct {
	self string
	out  *outbox
	log  *slog.Logger

	mu      sync.Mutex
	next    int64
	pending map[int64]chan *body
	closed  bool
}

func newPeers(self string, out *outbox, log *slog.Logger) *peers {
	return &peers{self: self, out: out, log: log, pending: map[int64]chan *body{}}
}

// call sends a request with head's type (and t and term, passed along)
// and payload to dest, and waits up to timeout for the reply; it sets
// head's msg_id. Errors: errNotSent, errNoReply, errClosed (wrapped), or nil
// with the reply.
func (p *peers) call(dest string, head peerBody, payload []byte, timeout time.Duration) (*body, error) {
	return p.callRetry(dest, head, payload, timeout, time.Time{}, nil)
}

// callRetry is call that sends the request again, with the same msg_id,
// when no reply came in time, until the time until or until giveUp reports
// true. The wait doubles after each copy, up to max(timeout,
// resendWaitMax): a peer behind a partition gets a copy now and then, not
// a flood. A reply to any of the copies completes the call, so a reply
// that only missed a deadline still counts.
func (p *peers) callRetry(dest string, head peerBody, payload []byte, timeout time.Duration, until time.Time, giveUp func() bool) (*body, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", errNotSent, errClosed)
	}
	if len(p.pending) >= pendingMax {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: too many calls in flight", errNotSent)
	}
	p.next++
	id := p.next
	ch := make(chan *body, 1)
	p.pending[id] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.pending, id)
		p.mu.Unlock()
	}()

	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for attempt := 0; ; attempt++ {
		head.MsgID = id
		if sent, err := p.send(dest, head, payload, timeout); err != nil {
			if sent == 0 && attempt == 0 {
				return nil, fmt.Errorf("%w: %w", errNotSent, err)
			}
			return nil, fmt.Errorf("%w: %w", errNoReply, err)
		}
		select {
		case b, ok := <-ch:
			if !ok {
				return nil, fmt.Errorf("%w: %w", errNoReply, errClosed)
			}
			return b, nil
		case <-timer.C:
		}
		if !time.Now().Before(until) || giveUp != nil && giveUp() {
			return nil, errNoReply
		}
		if timeout < resendWaitMax {
			timeout = min(2*timeout, resendWaitMax)
		}
		timer.Reset(timeout)
		p.out.counts.add("resend")
	}
}

// reply answers request msgID from dest with payload.
func (p *peers) reply(dest string, msgID int64, typ string, payload []byte, timeout time.Duration) error {
	_, err := p.send(dest, peerBody{Type: typ, InReplyTo: msgID}, payload, timeout)
	return err
}

// send queues head with payload, split into parts of at most fragBytes.
// It returns how many parts were queued.
func (p *peers) send(dest string, head peerBody, payload []byte, timeout time.Duration) (int, error) {
	if len(payload) <= fragBytes {
		head.P = payload
		return 0, p.sendOne(dest, head, timeout)
	}
	if len(payload) > assemblyBytesMax {
		return 0, fmt.Errorf("maelstrom: payload of %d bytes exceeds %d", len(payload), assemblyBytesMax)
	}
	head.Parts = (len(payload) + fragBytes - 1) / fragBytes
	deadline := time.Now().Add(timeout)
	for i := 0; i < head.Parts; i++ {
		b := head
		b.Part = i
		b.P = payload[i*fragBytes : min((i+1)*fragBytes, len(payload))]
		if err := p.out.sendBulk(marshalLine(p.self, dest, b), time.Until(deadline)); err != nil {
			return i, err
		}
	}
	return head.Parts, nil
}

func (p *peers) sendOne(dest string, b peerBody, timeout time.Duration) error {
	return p.out.send(marshalLine(p.self, dest, b), timeout)
}

// deliver hands a reply to its caller; false when nobody waits for it.
func (p *peers) deliver(b *body) bool {
	p.mu.Lock()
	ch, ok := p.pending[*b.InReplyTo]
	if ok {
		delete(p.pending, *b.InReplyTo) // one reply per call, the first
	}
	p.mu.Unlock()
	if ok {
		ch <- b // buffered(1), and only this reply is ever sent on it
	}
	return ok
}

// close fails every waiting call at once and refuses new ones.
func (p *peers) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	for id, ch := range p.pending {
		close(ch)
		delete(p.pending, id)
	}
}

// assembler puts fragmented payloads back together. It is used by the stdin
// reader goroutine only. Parts may arrive in any order (latency
// distributions reorder messages); a payload is complete when all Parts
// arrived.
type assembler struct {
	bufs      map[asmKey]*asmBuf
	bytes     int // held across all partial payloads, <= assemblyBytesMax
	lastSweep time.Time
}

type asmKey struct {
	src   string
	reply bool
	id    int64
}

type asmBuf struct {
	parts   [][]byte
	got     int
	bytes   int
	started time.Time
}

var errAssembly = errors.New("maelstrom: bad message part")

// add records one part of b. It returns the whole payload once every part
// arrived (and nil, nil until then).
func (a *assembler) add(src string, b *body, now time.Time) ([]byte, error) {
	if a.bufs == nil {
		a.bufs = map[asmKey]*asmBuf{}
	}
	a.sweep(now)
	k := asmKey{src: src}
	switch {
	case b.InReplyTo != nil:
		k.reply, k.id = true, *b.InReplyTo
	case b.MsgID != nil:
		k.id = *b.MsgID
	default:
		return nil, fmt.Errorf("%w: no msg_id", errAssembly)
	}
	if b.Parts > assemblyBytesMax/fragBytes+1 || b.Part < 0 || b.Part >= b.Parts || len(b.P) > fragBytes {
		return nil, fmt.Errorf("%w: part %d of %d, %d bytes", errAssembly, b.Part, b.Parts, len(b.P))
	}
	buf := a.bufs[k]
	if buf == nil {
		buf = &asmBuf{parts: make([][]byte, b.Parts), started: now}
		a.bufs[k] = buf
	}
	if len(buf.parts) != b.Parts {
		a.drop(k, buf)
		return nil, fmt.Errorf("%w: part count changed", errAssembly)
	}
	if buf.parts[b.Part] != nil {
		return nil, nil // duplicate (Maelstrom never duplicates; ignore)
	}
	if a.bytes+len(b.P) > assemblyBytesMax {
		a.drop(k, buf)
		return nil, fmt.Errorf("%w: reassembly buffer full", errAssembly)
	}
	p := b.P
	if p == nil {
		p = []byte{}
	}
	buf.parts[b.Part] = p
	buf.got++
	buf.bytes += len(p)
	a.bytes += len(p)
	if buf.got < len(buf.parts) {
		return nil, nil
	}
	a.drop(k, buf)
	out := make([]byte, 0, buf.bytes)
	for _, part := range buf.parts {
		out = append(out, part...)
	}
	return out, nil
}

func (a *assembler) drop(k asmKey, buf *asmBuf) {
	a.bytes -= buf.bytes
	delete(a.bufs, k)
}

// sweep drops partial payloads older than assemblyTTL, at most once a second.
func (a *assembler) sweep(now time.Time) {
	if now.Sub(a.lastSweep) < time.Second {
		return
	}
	a.lastSweep = now
	for k, buf := range a.bufs {
		if now.Sub(buf.started) > assemblyTTL {
			a.drop(k, buf)
		}
	}
}
