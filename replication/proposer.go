package replication

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"redraft/kv"
)

// proposer is the write path's group-commit actor. Callers hand it batches
// of write commands; its goroutine gathers every batch waiting into one log
// entry (up to maxEntryBytes), stamps the commands with the leader's clock
// and a seed, and proposes the entry with raft.Apply. At most maxInflight
// entries are in flight: while the window is full, requests accumulate and
// the next entry carries all of them, which is what turns many clients into
// few fsyncs.
type proposer struct {
	r    *raft.Raft
	self string
	reqs chan *proposal // bounded: callers wait (with their ctx) when it is full
	// inflight is a semaphore of entries proposed and not yet resolved.
	inflight chan struct{}
	clock    func() int64
	seed     uint64

	applyTimeout time.Duration // bounds raft.Apply's enqueue
	commitWait   time.Duration // bounds the wait for an enqueued entry to apply
	// linger bounds how long a new entry waits for the commands the last
	// entry's clients are expected to send next (see gather); 0 disables.
	linger time.Duration
	// expect is the number of commands the last resolved entry carried: the
	// clients it answered are likely to send as many again right away.
	expect atomic.Int64

	// Counters for RAFT INFO.
	entries  atomic.Uint64 // entries proposed
	commands atomic.Uint64 // commands carried by them
	lingers  atomic.Uint64 // entries that waited for expected commands
	parts    atomic.Uint64 // parts of big entries proposed (fragment.go)
	// partsMu lets one big entry's parts go at a time; partsID numbers them.
	partsMu sync.Mutex
	partsID uint64
	// onEntry, when set, observes each proposed entry's commands and bytes
	// (the node's metrics).
	onEntry func(cmds, bytes int)

	stop chan struct{}
	wg   sync.WaitGroup
}

const (
	// proposalQueueMax bounds waiting proposals (each a client batch).
	proposalQueueMax = 4096
	// maxEntryBytes bounds one log entry; far below raft-boltdb's limits and
	// small enough to replicate in one AppendEntries quickly.
	maxEntryBytes = 1 << 20
)

// proposal is one caller's batch and where its outcome goes.
type proposal struct {
	cmds []*kv.Cmd
	done chan proposalResult // buffered(1)
}

type proposalResult struct {
	buf  []byte // concatenated replies
	ends []int
	err  error // errNotLeader, errNoLeader (definite) or errUnknown
}

// Errors of the write path. errNotLeader and errNoLeader are definite: the
// commands were not proposed. errUnknown means they may or may not have
// been applied.
var (
	errNotLeader = errors.New("not leader")
	errUnknown   = errors.New("outcome unknown")
	errShutdown  = errors.New("node shutting down")
)

func newProposer(r *raft.Raft, self string, maxInflight int, applyTimeout, commitWait, linger time.Duration, clock func() int64, seed uint64) *proposer {
	p := &proposer{
		r: r, self: self, linger: linger,
		reqs:         make(chan *proposal, proposalQueueMax),
		inflight:     make(chan struct{}, maxInflight),
		clock:        clock,
		seed:         seed,
		applyTimeout: applyTimeout,
		commitWait:   commitWait,
		stop:         make(chan struct{}),
	}
	p.wg.Add(1)
	go p.loop()
	return p
}

// propose submits cmds and waits for their replies.
func (p *proposer) propose(ctx context.Context, cmds []*kv.Cmd) proposalResult {
	pr := &proposal{cmds: cmds, done: make(chan proposalResult, 1)}
	select {
	case p.reqs <- pr:
	case <-ctx.Done():
		return proposalResult{err: errNotLeader} // never enqueued: definite
	case <-p.stop:
		return proposalResult{err: errShutdown}
	}
	select {
	case res := <-pr.done:
		return res
	case <-p.stop:
		return proposalResult{err: errUnknown}
	}
}

func (p *proposer) loop() {
	defer p.wg.Done()
	var batch []*proposal
	for {
		// Wait for the first proposal, then for a free slot, gathering
		// everything that arrives meanwhile.
		if len(batch) == 0 {
			select {
			case pr := <-p.reqs:
				batch = append(batch, pr)
			case <-p.stop:
				return
			}
		}
		waited := int64(0) // commands that arrived while the window was full
	slot:
		for {
			select {
			case p.inflight <- struct{}{}:
				break slot
			case pr := <-p.reqs:
				batch = append(batch, pr)
				waited += int64(len(pr.cmds))
			case <-p.stop:
				p.fail(batch, errUnknown)
				return
			}
		}
		batch = p.gather(batch, waited)
		select {
		case <-p.stop: // gather returns early on stop: nothing was proposed
			p.fail(batch, errShutdown)
			return
		default:
		}
		var rest []*proposal
		batch, rest = p.cut(batch)
		p.submit(batch)
		batch = rest
	}
}

// drain appends every proposal already queued.
func (p *proposer) drain(batch []*proposal) []*proposal {
	for {
		select {
		case pr := <-p.reqs:
			batch = append(batch, pr)
		default:
			return batch
		}
	}
}

// gather drains the queue and then, when the batch holds fewer commands
// than the clients known to be active, waits up to p.linger for the rest.
// With one entry in flight, the clients answered by an entry come back
// within microseconds of each other; proposing as soon as the first of them
// is back sends a small entry and makes the others wait a whole commit round,
// and entries then alternate between two groups of clients. The active
// clients are estimated as those the last entry answered (p.expect) plus
// those whose commands arrived while the window was full (waited): the next
// entry waits for both groups and carries them together. At low load (one
// client, an idle spell) the estimate is met at once or decays to what
// actually arrives, so a wrong guess costs at most one linger.
func (p *proposer) gather(batch []*proposal, waited int64) []*proposal {
	batch = p.drain(batch)
	want := p.expect.Load()
	if waited > 0 {
		want += waited
	}
	n := countCmds(batch)
	if p.linger <= 0 || n >= want {
		return batch
	}
	p.lingers.Add(1)
	t := time.NewTimer(p.linger)
	defer t.Stop()
	for n < want {
		select {
		case pr := <-p.reqs:
			batch = append(batch, pr)
			n += int64(len(pr.cmds))
		case <-t.C:
			return p.drain(batch)
		case <-p.stop:
			return batch
		}
	}
	return p.drain(batch)
}

func countCmds(batch []*proposal) int64 {
	var n int64
	for _, pr := range batch {
		n += int64(len(pr.cmds))
	}
	return n
}

// cut splits batch so that the first part fits in one entry (at least one
// proposal always goes).
func (p *proposer) cut(batch []*proposal) (now, later []*proposal) {
	size := 0
	for i, pr := range batch {
		for _, c := range pr.cmds {
			for _, a := range c.Args {
				size += len(a) + 4
			}
		}
		if i > 0 && size > maxEntryBytes {
			return batch[:i], batch[i:]
		}
	}
	return batch, nil
}

// submit stamps, encodes and proposes one entry, then resolves its
// proposals from a goroutine of its own (bounded by the inflight window).
func (p *proposer) submit(batch []*proposal) {
	if p.r.State() != raft.Leader {
		<-p.inflight
		p.fail(batch, errNotLeader)
		return
	}
	now := p.clock()
	var cmds []*kv.Cmd
	for _, pr := range batch {
		for _, c := range pr.cmds {
			p.seed++
			c.NowMs = now
			c.Seed = kv.CommandSeed(p.seed)
			cmds = append(cmds, c)
		}
	}
	data := encodeEntry(nil, p.self, cmds)
	p.entries.Add(1)
	p.commands.Add(uint64(len(cmds)))
	if p.onEntry != nil {
		p.onEntry(len(cmds), len(data))
	}
	if len(data) > fragmentAbove {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer func() { <-p.inflight }()
			p.proposeParts(batch, data)
		}()
		return
	}
	f := p.r.Apply(data, p.applyTimeout)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.inflight }()
		p.resolve(batch, f)
		p.expect.Store(int64(len(cmds))) // before the slot frees (deferred)
	}()
}

// proposeParts proposes a big entry in parts (fragment.go), one big entry
// at a time, each part committed before the next; the last part's result
// resolves the batch. A part that fails stops the sequence: its command
// then never runs (the state machine drops the gathering), and the batch
// gets the error that says why the leader gave up.
func (p *proposer) proposeParts(batch []*proposal, data []byte) {
	p.partsMu.Lock()
	defer p.partsMu.Unlock()
	p.partsID++
	parts := encodeFragments(data, p.r.CurrentTerm()<<32|p.partsID&0xffffffff)
	p.parts.Add(uint64(len(parts)))
	for i, part := range parts[:len(parts)-1] {
		f := p.r.Apply(part, p.applyTimeout)
		err := p.await(f)
		if res, _ := f.Response().(*applyResult); err == nil && res != nil && res.err != nil {
			err = errUnknown
		}
		if err != nil {
			if i > 0 || err == errUnknown {
				p.r.Apply(fragmentAbort, p.applyTimeout) // best effort: the gathering must not wait for a next term
			}
			p.fail(batch, err)
			return
		}
	}
	p.resolve(batch, p.r.Apply(parts[len(parts)-1], p.applyTimeout))
}

func (p *proposer) resolve(batch []*proposal, f raft.ApplyFuture) {
	if err := p.await(f); err != nil {
		p.fail(batch, err)
		return
	}
	res, _ := f.Response().(*applyResult)
	if res == nil || res.err != nil {
		p.fail(batch, errUnknown)
		return
	}
	i, start := 0, 0
	for _, pr := range batch {
		n := len(pr.cmds)
		ends := make([]int, n)
		for j := 0; j < n; j++ {
			ends[j] = res.ends[i+j] - start
		}
		end := res.ends[i+n-1]
		pr.done <- proposalResult{buf: res.buf[start:end], ends: ends}
		start = end
		i += n
	}
}

// await waits for a proposed entry: nil once it applied, errNotLeader when
// the leader refused it (it never entered the log), errUnknown otherwise
// (it may have committed).
//
// Apply's timeout bounds only the enqueue. Once enqueued, raft answers the
// future when the entry applies, or with an error when this node stops
// leading (an entry in flight then may still commit under the next
// leader) or shuts down; commitWait bounds the rest, a leader that keeps
// its quorum but commits slowly. Until then the client's connection waits
// for its reply and sends nothing more: that wait is the back-pressure on
// a client that writes faster than the cluster commits.
func (p *proposer) await(f raft.ApplyFuture) error {
	errc := make(chan error, 1)
	go func() { errc <- awaitFuture(f, p.stop) }()
	var err error
	t := time.NewTimer(p.commitWait)
	defer t.Stop()
	select {
	case err = <-errc:
	case <-t.C:
		return errUnknown
	case <-p.stop:
		return errUnknown
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout),
		errors.Is(err, raft.ErrLeadershipTransferInProgress): // refused by the leader loop
		return errNotLeader
	default: // ErrLeadershipLost, ErrRaftShutdown, ...: may have committed
		return errUnknown
	}
}

func (p *proposer) fail(batch []*proposal, err error) {
	for _, pr := range batch {
		pr.done <- proposalResult{err: err}
	}
}

// close stops the actor; waiting callers get errUnknown or errShutdown.
func (p *proposer) close() {
	close(p.stop)
	p.wg.Wait()
}

// info reports the group-commit counters for RAFT INFO.
func (p *proposer) info() []Field {
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	return []Field{
		{"proposed_entries", u(p.entries.Load())},
		{"proposed_commands", u(p.commands.Load())},
		{"proposal_lingers", u(p.lingers.Load())},
		{"proposed_parts", u(p.parts.Load())},
	}
}
