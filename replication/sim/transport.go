package sim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"redraft/replication"
)

// Transport is one node incarnation's endpoint on the Network: a
// raft.Transport (with pre-vote, close and pipelining) and the node's
// replication.Forwarder, both subject to the network's faults. Closing it
// (a crash) makes every message to or from it vanish at once.
type Transport struct {
	net      *Network
	addr     raft.ServerAddress
	consumer chan raft.RPC

	closeCh   chan struct{}
	closeOnce sync.Once

	// node is this endpoint's node once it runs: forwarded batches run on
	// it, and with vouch its term goes into each batch it forwards.
	node  atomic.Pointer[replication.Node]
	vouch bool
}

var (
	_ raft.Transport        = (*Transport)(nil)
	_ raft.WithPreVote      = (*Transport)(nil)
	_ raft.WithClose        = (*Transport)(nil)
	_ replication.Forwarder = (*Transport)(nil)
)

// consumerQueueMax bounds RPCs queued for the node's raft goroutine
// (raft's in-memory transport uses the same); senders wait, with their
// timeout, when it is full.
const consumerQueueMax = 16

var (
	errTimeout = errors.New("sim: rpc timed out")
	errClosed  = errors.New("sim: transport closed")
)

// NewTransport attaches a new endpoint for addr to the network, replacing
// (and closing) the previous incarnation's. With vouch, a batch it
// forwards carries its node's current term, read when it is sent, and the
// leader runs it with HandleForwardVouched (Maelstrom mode's forwarding);
// otherwise with HandleForward (the TCP forwarder's).
func (n *Network) NewTransport(addr raft.ServerAddress, vouch bool) *Transport {
	t := &Transport{net: n, addr: addr, consumer: make(chan raft.RPC, consumerQueueMax), closeCh: make(chan struct{}), vouch: vouch}
	n.attach(t)
	return t
}

// SetNode installs the endpoint's node, once it runs.
func (t *Transport) SetNode(nd *replication.Node) { t.node.Store(nd) }

func (t *Transport) isClosed() bool {
	select {
	case <-t.closeCh:
		return true
	default:
		return false
	}
}

// Close implements raft.WithClose: the endpoint stops sending and receiving.
func (t *Transport) Close() error {
	t.closeOnce.Do(func() { close(t.closeCh) })
	return nil
}

// Consumer implements raft.Transport.
func (t *Transport) Consumer() <-chan raft.RPC { return t.consumer }

// LocalAddr implements raft.Transport.
func (t *Transport) LocalAddr() raft.ServerAddress { return t.addr }

// EncodePeer implements raft.Transport.
func (t *Transport) EncodePeer(_ raft.ServerID, a raft.ServerAddress) []byte { return []byte(a) }

// DecodePeer implements raft.Transport.
func (t *Transport) DecodePeer(b []byte) raft.ServerAddress { return raft.ServerAddress(b) }

// SetHeartbeatHandler ignores the fast path (docs/hashicorp-raft.md, hashicorp/raft#695):
// heartbeats take the normal RPC path.
func (t *Transport) SetHeartbeatHandler(func(raft.RPC)) {}

// sleep waits d; it fails when the deadline fires first or t closes.
func (t *Transport) sleep(d time.Duration, deadline *time.Timer) error {
	if d <= 0 {
		return nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return nil
	case <-deadline.C:
		return errTimeout
	case <-t.closeCh:
		return errClosed
	}
}

// lost waits out the deadline of a message that will never be answered.
func (t *Transport) lost(deadline *time.Timer) error {
	select {
	case <-deadline.C:
		return errTimeout
	case <-t.closeCh:
		return errClosed
	}
}

// roundTrip carries one RPC to target and its response back: the request
// travels delay (dropped when drop), the target's raft handles it, the
// response travels a latency of its own. snap, when set, is the
// InstallSnapshot stream.
func (t *Transport) roundTrip(target raft.ServerAddress, cmd any, snap []byte, timeout, delay time.Duration, drop bool) (any, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	if err := t.sleep(delay, deadline); err != nil {
		return nil, err
	}
	ep := t.net.arrive(t, target)
	if drop || ep == nil {
		return nil, t.lost(deadline)
	}
	respCh := make(chan raft.RPCResponse, 1) // buffered: raft never waits on it (docs/hashicorp-raft.md)
	rpc := raft.RPC{Command: cmd, RespChan: respCh}
	if snap != nil {
		rpc.Reader = bytes.NewReader(snap)
	}
	select {
	case ep.consumer <- rpc:
	case <-deadline.C:
		return nil, errTimeout
	case <-t.closeCh:
		return nil, errClosed
	}
	var resp raft.RPCResponse
	select {
	case resp = <-respCh:
	case <-deadline.C:
		return nil, errTimeout
	case <-t.closeCh:
		return nil, errClosed
	}
	a, isAppend := cmd.(*raft.AppendEntriesRequest)
	back, drop := t.net.planReply(isAppend && len(a.Entries) > 0)
	if err := t.sleep(back, deadline); err != nil {
		return nil, err
	}
	if drop || !t.net.back(ep, t) {
		return nil, t.lost(deadline)
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	return resp.Response, nil
}

func (t *Transport) rpc(target raft.ServerAddress, cmd any, snap []byte, timeout time.Duration) (any, error) {
	if t.isClosed() {
		return nil, errClosed
	}
	d, drop := t.net.plan()
	return t.roundTrip(target, cmd, snap, timeout, d, drop)
}

// observeAppend reports an AppendEntries to the leader-per-term check.
func (t *Transport) observeAppend(args *raft.AppendEntriesRequest) {
	if f := t.net.onAppend; f != nil {
		f(args.Term, string(args.RPCHeader.ID))
	}
}

// AppendEntries implements raft.Transport.
func (t *Transport) AppendEntries(_ raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	t.observeAppend(args)
	t.net.count(&t.net.stats.AppendEntries)
	a := *args // raft's heartbeat loop reuses its request: send a copy
	out, err := t.rpc(target, &a, nil, t.net.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = *out.(*raft.AppendEntriesResponse)
	return nil
}

// RequestVote implements raft.Transport.
func (t *Transport) RequestVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestVoteRequest, resp *raft.RequestVoteResponse) error {
	t.net.count(&t.net.stats.Votes)
	a := *args
	out, err := t.rpc(target, &a, nil, t.net.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = *out.(*raft.RequestVoteResponse)
	return nil
}

// RequestPreVote implements raft.WithPreVote.
func (t *Transport) RequestPreVote(_ raft.ServerID, target raft.ServerAddress, args *raft.RequestPreVoteRequest, resp *raft.RequestPreVoteResponse) error {
	t.net.count(&t.net.stats.PreVotes)
	a := *args
	out, err := t.rpc(target, &a, nil, t.net.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = *out.(*raft.RequestPreVoteResponse)
	return nil
}

// snapshotTimeoutFactor: InstallSnapshot may take this many RPC timeouts
// (raft's in-memory transport uses the same).
const snapshotTimeoutFactor = 10

// InstallSnapshot implements raft.Transport. The stream is read whole
// before sending (docs/hashicorp-raft.md: the follower copies exactly Size bytes).
func (t *Transport) InstallSnapshot(_ raft.ServerID, target raft.ServerAddress, args *raft.InstallSnapshotRequest, resp *raft.InstallSnapshotResponse, data io.Reader) error {
	t.net.count(&t.net.stats.InstallSnapshots)
	if f := t.net.onSnapshot; f != nil {
		f(string(t.addr), string(target), args.LastLogIndex)
	}
	buf := make([]byte, args.Size)
	if _, err := io.ReadFull(data, buf); err != nil {
		return fmt.Errorf("sim: read snapshot: %w", err)
	}
	a := *args
	out, err := t.rpc(target, &a, buf, snapshotTimeoutFactor*t.net.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = *out.(*raft.InstallSnapshotResponse)
	return nil
}

// TimeoutNow implements raft.Transport.
func (t *Transport) TimeoutNow(_ raft.ServerID, target raft.ServerAddress, args *raft.TimeoutNowRequest, resp *raft.TimeoutNowResponse) error {
	t.net.count(&t.net.stats.TimeoutNows)
	a := *args
	out, err := t.rpc(target, &a, nil, t.net.rpcTimeout)
	if err != nil {
		return err
	}
	*resp = *out.(*raft.TimeoutNowResponse)
	return nil
}

// AppendEntriesPipeline implements raft.Transport.
func (t *Transport) AppendEntriesPipeline(_ raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	if t.isClosed() {
		return nil, errClosed
	}
	p := &pipeline{t: t, target: target,
		inflight: make(chan *appendFuture, pipelineMax),
		done:     make(chan raft.AppendFuture, pipelineMax),
		stop:     make(chan struct{})}
	go p.decode()
	return p, nil
}

// pipelineMax bounds AppendEntries in flight on one pipeline (raft's own
// limit is 128, rpcMaxPipeline).
const pipelineMax = 128

// pipeline sends AppendEntries without waiting for the previous response.
// Requests travel independently: in order (each arrives no earlier than the
// one before) unless the network reorders. Responses are handed to raft in
// request order, as over one TCP connection.
type pipeline struct {
	t        *Transport
	target   raft.ServerAddress
	inflight chan *appendFuture
	done     chan raft.AppendFuture
	stop     chan struct{}
	once     sync.Once

	mu   sync.Mutex
	last time.Time // arrival time of the latest request (in-order delivery)
}

type appendFuture struct {
	start time.Time
	args  *raft.AppendEntriesRequest
	resp  *raft.AppendEntriesResponse
	err   error
	ready chan struct{}
}

func (f *appendFuture) Error() error {
	<-f.ready
	return f.err
}
func (f *appendFuture) Start() time.Time                      { return f.start }
func (f *appendFuture) Request() *raft.AppendEntriesRequest   { return f.args }
func (f *appendFuture) Response() *raft.AppendEntriesResponse { return f.resp }

// AppendEntries implements raft.AppendPipeline.
func (p *pipeline) AppendEntries(args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) (raft.AppendFuture, error) {
	f := &appendFuture{start: time.Now(), args: args, resp: resp, ready: make(chan struct{})}
	select {
	case <-p.stop:
		return nil, raft.ErrPipelineShutdown
	case <-p.t.closeCh:
		return nil, raft.ErrPipelineShutdown
	default:
	}
	select {
	case p.inflight <- f:
	case <-p.stop:
		return nil, raft.ErrPipelineShutdown
	case <-p.t.closeCh:
		return nil, raft.ErrPipelineShutdown
	}
	p.t.observeAppend(args)
	p.t.net.count(&p.t.net.stats.AppendEntries)
	d, drop := p.t.net.plan()
	if !p.t.net.reordering() {
		p.mu.Lock()
		at := time.Now().Add(d)
		if at.Before(p.last) {
			at = p.last
		}
		p.last = at
		d = time.Until(at)
		p.mu.Unlock()
	}
	a := *args
	go func() {
		out, err := p.t.roundTrip(p.target, &a, nil, p.t.net.rpcTimeout, d, drop)
		if err == nil {
			*f.resp = *out.(*raft.AppendEntriesResponse)
		}
		f.err = err
		close(f.ready)
	}()
	return f, nil
}

// decode hands completed futures to raft in request order.
func (p *pipeline) decode() {
	for {
		var f *appendFuture
		select {
		case f = <-p.inflight:
		case <-p.stop:
			return
		}
		select {
		case <-f.ready:
		case <-p.stop:
			return
		}
		select {
		case p.done <- f:
		case <-p.stop:
			return
		}
	}
}

// Consumer implements raft.AppendPipeline.
func (p *pipeline) Consumer() <-chan raft.AppendFuture { return p.done }

// Close implements raft.AppendPipeline.
func (p *pipeline) Close() error {
	p.once.Do(func() { close(p.stop) })
	return nil
}

// Forwarding: Transport is the node's replication.Forwarder. A batch and
// its reply cross the same links as Raft traffic, with the same faults.
const (
	// connectTimeout is how long a forward to an unreachable leader takes
	// to fail (refused, or no route): nothing was sent.
	connectTimeout = 50 * time.Millisecond
	// forwardTimeout bounds one forwarded batch, like replication's TCP
	// forwarder (the leader's commit wait + 1s).
	forwardTimeout = replication.DefaultCommitWait + time.Second
)

// Forward implements replication.Forwarder: node IDs are addresses.
func (t *Transport) Forward(ctx context.Context, leaderID string, payload []byte) ([]byte, error) {
	target := raft.ServerAddress(leaderID)
	if !t.net.reachable(t, target) || t.net.node(target) == nil {
		tm := time.NewTimer(connectTimeout)
		defer tm.Stop()
		select {
		case <-tm.C:
		case <-ctx.Done():
		}
		return nil, fmt.Errorf("%w: %s unreachable", replication.ErrForwardNotSent, leaderID)
	}
	ctx, cancel := context.WithTimeout(ctx, forwardTimeout)
	defer cancel()
	unknown := func(why string) error { return fmt.Errorf("%w: %s", replication.ErrForwardUnknown, why) }
	wait := func(d time.Duration) bool {
		tm := time.NewTimer(d)
		defer tm.Stop()
		select {
		case <-tm.C:
			return true
		case <-ctx.Done():
		case <-t.closeCh:
		}
		return false
	}
	lost := func() {
		select {
		case <-ctx.Done():
		case <-t.closeCh:
		}
	}
	t.net.count(&t.net.stats.Forwards)
	var term uint64
	if me := t.node.Load(); t.vouch && me != nil {
		term = me.Raft().CurrentTerm() // after the batch's commands arrived
		t.net.count(&t.net.stats.VouchedForwards)
	}
	req := bytes.Clone(payload)
	d, drop := t.net.plan()
	if !wait(d) {
		return nil, unknown("timed out")
	}
	ep := t.net.arrive(t, target)
	var leader *replication.Node
	if ep != nil {
		leader = ep.node.Load()
	}
	if drop || leader == nil {
		lost()
		return nil, unknown("request lost")
	}
	type result struct {
		reply []byte
		err   error
	}
	res := make(chan result, 1)
	go func() {
		hctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
		defer cancel()
		var r []byte
		var err error
		if t.vouch {
			r, err = leader.HandleForwardVouched(hctx, req, string(t.addr), term)
		} else {
			r, err = leader.HandleForward(hctx, req)
		}
		res <- result{r, err}
	}()
	var r result
	select {
	case r = <-res:
	case <-ctx.Done():
		return nil, unknown("timed out")
	case <-t.closeCh:
		return nil, unknown("closed")
	}
	back, drop := t.net.plan()
	if !wait(back) {
		return nil, unknown("timed out")
	}
	if drop || !t.net.back(ep, t) {
		lost()
		return nil, unknown("reply lost")
	}
	if r.err != nil {
		return nil, unknown("leader replied: " + r.err.Error())
	}
	return r.reply, nil
}

// node returns the node of addr's current endpoint.
func (n *Network) node(addr raft.ServerAddress) *replication.Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ep := n.eps[addr]; ep != nil {
		return ep.node.Load()
	}
	return nil
}
