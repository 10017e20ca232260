package objstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// simTraceLinesMax bounds the trace a Sim keeps (the newest lines win):
// enough for any seeded workload in a test, bounded for long soaks.
const simTraceLinesMax = 1 << 16

// simReadChunkBytes is how much Put reads from its source at a time; a
// crash between two chunks cuts the Put there.
const simReadChunkBytes = 32 << 10

// Sim is a simulated Store for seeded simulation tests: the durable state
// is a map in memory, and faults, latency and crashes are injected from a
// PCG generator seeded at NewSim.
//
// Determinism: every call draws the same amount of randomness, in call
// order, whatever faults are configured; so a sequential call sequence
// (one caller, or callers serialized by the test) produces the same
// faults, state and Trace for the same seed. Concurrent callers get
// faults in the order they reach the store.
//
// Crashes: Crash (or the call armed by CrashAfter) makes the store fail
// every call with ErrCrashed until Restart, including calls in flight and
// readers already open. Only durable state survives: an object is durable
// once stored (a Put that returned nil, or one whose ack was lost); a Put
// in flight at the crash vanishes, or leaves a truncated prefix when
// SimFaults.TornPuts is set.
type Sim struct {
	epoch atomic.Uint64 // incremented by each crash; calls compare it to their start

	mu       sync.Mutex
	rng      *rand.Rand
	opts     SimOptions
	objects  map[string][]byte // durable state; values are never mutated
	inflight map[*simPut]struct{}
	crashed  bool
	crashIn  int // > 0: the crashIn-th next call crashes in its middle
	stats    SimStats
	trace    []string
	dropped  int // trace lines dropped to honour simTraceLinesMax
}

var _ Store = (*Sim)(nil)

// NewSim returns an empty simulated store whose randomness comes from seed.
func NewSim(seed uint64, opts SimOptions) (*Sim, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	return &Sim{
		rng:      rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)),
		opts:     opts,
		objects:  make(map[string][]byte),
		inflight: make(map[*simPut]struct{}),
	}, nil
}

// SetFaults replaces the faults injected from now on (e.g. none, to check
// invariants after a faulty phase). It does not shift the random stream.
func (s *Sim) SetFaults(f SimFaults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Faults = f
	s.tracef("faults %+v", f)
	return nil
}

// simDraw is the randomness of one call, drawn whole at its start.
type simDraw struct {
	fail, lost, flip, read float64 // compared with the fault probabilities
	frac                   float64 // where a torn Put, failing read or flipped bit lands
	bit                    uint    // which bit flips
	landed                 bool    // a call cut by CrashAfter took effect before the crash
	latency                time.Duration
}

// simCall is a call admitted by begin.
type simCall struct {
	n     int    // call number, for the trace
	epoch uint64 // s.epoch at admission
	crash bool   // CrashAfter chose this call
	d     simDraw
}

// begin admits a call: it fails when the store is down, counts the call,
// fires CrashAfter, and draws the call's randomness. Caller holds s.mu.
func (s *Sim) begin(op, name string) (simCall, error) {
	if s.crashed {
		s.tracef("%s %s: refused, crashed", op, name)
		return simCall{}, fmt.Errorf("objstore: sim %s %q: %w", op, name, ErrCrashed)
	}
	s.stats.Ops++
	c := simCall{n: s.stats.Ops, epoch: s.epoch.Load()}
	if s.crashIn > 0 {
		s.crashIn--
		c.crash = s.crashIn == 0
	}
	c.d = simDraw{
		fail: s.rng.Float64(), lost: s.rng.Float64(), flip: s.rng.Float64(), read: s.rng.Float64(),
		frac: s.rng.Float64(), bit: uint(s.rng.IntN(8)), landed: s.rng.IntN(2) == 1,
	}
	lat := s.rng.Float64()
	if s.opts.LatencyMax > 0 {
		c.d.latency = time.Duration(lat * float64(s.opts.LatencyMax+1))
	}
	return c, nil
}

// wait sleeps the call's latency (without the lock) and reports whether
// the store crashed since the call began.
func (s *Sim) wait(c simCall) (crashed bool) {
	if c.d.latency > 0 {
		s.opts.Sleep(c.d.latency)
	}
	return s.epoch.Load() != c.epoch
}

// simPut is a Put in flight: what it has read so far, for Crash to tear.
type simPut struct {
	n    int // call number
	name string
	frac float64
	mu   sync.Mutex
	buf  []byte
}

// Put implements Store.
func (s *Sim) Put(ctx context.Context, name string, r io.Reader) error {
	if err := CheckCall(ctx, "put", name); err != nil {
		return err
	}
	s.mu.Lock()
	c, err := s.begin("put", name)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	p := &simPut{n: c.n, name: name, frac: c.d.frac}
	s.inflight[p] = struct{}{}
	s.mu.Unlock()

	rerr := s.receive(ctx, c, p, r)
	crashed := s.wait(c)

	s.mu.Lock()
	defer s.mu.Unlock()
	if crashed || s.epoch.Load() != c.epoch {
		// Crash already dealt with p (tore it or dropped it).
		s.tracef("#%d put %s: cut by crash", c.n, name)
		return fmt.Errorf("objstore: sim put %q: %w", name, ErrCrashed)
	}
	delete(s.inflight, p)
	data := p.buf
	if rerr == nil {
		rerr = ctx.Err()
	}
	if rerr != nil {
		s.tracef("#%d put %s: caller error after %d B: %v", c.n, name, len(data), rerr)
		if c.crash { // the crash still happens, after the caller's error
			s.crashLocked(fmt.Sprintf("CrashAfter during #%d", c.n))
		}
		return fmt.Errorf("objstore: sim put %q: %w", name, rerr)
	}
	f := s.opts.Faults
	switch {
	case c.crash:
		if c.d.landed {
			s.store(c, name, data, "landed before the crash")
		} else {
			s.tear(c, name, data, c.d.frac, "cut by the crash")
		}
		s.crashLocked(fmt.Sprintf("CrashAfter during #%d", c.n))
		return fmt.Errorf("objstore: sim put %q: %w", name, ErrCrashed)
	case c.d.fail < f.PutFail:
		s.stats.PutFails++
		s.tracef("#%d put %s %d B: fault put-fail", c.n, name, len(data))
		s.tear(c, name, data, c.d.frac, "after put-fail")
		return fmt.Errorf("objstore: sim put %q: %w", name, ErrInjected)
	case c.d.lost < f.PutLostAck:
		s.stats.PutLostAcks++
		s.store(c, name, data, "fault put-lost-ack")
		return fmt.Errorf("objstore: sim put %q: stored, ack lost: %w", name, ErrInjected)
	}
	s.store(c, name, data, "ok")
	return nil
}

// receive reads r into p.buf chunk by chunk, stopping at a crash.
func (s *Sim) receive(ctx context.Context, c simCall, p *simPut, r io.Reader) error {
	chunk := make([]byte, simReadChunkBytes)
	r = ContextReader(ctx, r)
	for s.epoch.Load() == c.epoch {
		n, err := r.Read(chunk)
		p.mu.Lock()
		p.buf = append(p.buf, chunk[:n]...)
		p.mu.Unlock()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// store makes data durable under name, flipping a bit when BitFlip hits.
// Caller holds s.mu.
func (s *Sim) store(c simCall, name string, data []byte, why string) {
	flip := ""
	if c.d.flip < s.opts.Faults.BitFlip && len(data) > 0 {
		data = bytes.Clone(data)
		off := int(c.d.frac * float64(len(data)))
		data[off] ^= 1 << c.d.bit
		s.stats.BitFlips++
		flip = fmt.Sprintf(", fault bit-flip at byte %d bit %d", off, c.d.bit)
	}
	s.objects[name] = data
	s.tracef("#%d put %s %d B: %s%s", c.n, name, len(data), why, flip)
}

// tear leaves a truncated prefix of data under name when TornPuts is on.
// Caller holds s.mu.
func (s *Sim) tear(c simCall, name string, data []byte, frac float64, why string) {
	if !s.opts.Faults.TornPuts {
		s.tracef("#%d put %s: nothing stored (%s)", c.n, name, why)
		return
	}
	n := int(frac * float64(len(data)))
	s.objects[name] = bytes.Clone(data[:n])
	s.stats.TornPuts++
	s.tracef("#%d put %s: fault torn, %d of %d B visible (%s)", c.n, name, n, len(data), why)
}

// Get implements Store.
func (s *Sim) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := CheckCall(ctx, "get", name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	c, err := s.begin("get", name)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	crashed := s.wait(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case crashed || s.epoch.Load() != c.epoch:
		s.tracef("#%d get %s: cut by crash", c.n, name)
		return nil, fmt.Errorf("objstore: sim get %q: %w", name, ErrCrashed)
	case c.crash:
		s.tracef("#%d get %s: cut by the crash", c.n, name)
		s.crashLocked(fmt.Sprintf("CrashAfter during #%d", c.n))
		return nil, fmt.Errorf("objstore: sim get %q: %w", name, ErrCrashed)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("objstore: sim get %q: %w", name, ctx.Err())
	case c.d.fail < s.opts.Faults.GetFail:
		s.stats.GetFails++
		s.tracef("#%d get %s: fault get-fail", c.n, name)
		return nil, fmt.Errorf("objstore: sim get %q: %w", name, ErrInjected)
	}
	data, ok := s.objects[name]
	if !ok {
		s.tracef("#%d get %s: not found", c.n, name)
		return nil, fmt.Errorf("objstore: sim get %q: %w", name, ErrNotFound)
	}
	rd := &simReader{s: s, name: name, epoch: c.epoch, data: bytes.Clone(data), failAt: -1}
	if c.d.read < s.opts.Faults.ReadFail {
		s.stats.ReadFails++
		rd.failAt = int(c.d.frac * float64(len(data)))
		s.tracef("#%d get %s %d B: fault read-fail after %d B", c.n, name, len(data), rd.failAt)
	} else {
		s.tracef("#%d get %s %d B: ok", c.n, name, len(data))
	}
	return rd, nil
}

// simReader streams a private copy of an object; it fails once the store
// crashed after the Get, and at failAt when ReadFail hit.
type simReader struct {
	s      *Sim
	name   string
	epoch  uint64
	data   []byte
	off    int
	failAt int // -1: never
}

func (r *simReader) Read(p []byte) (int, error) {
	if r.s.epoch.Load() != r.epoch {
		return 0, fmt.Errorf("objstore: sim read %q: %w", r.name, ErrCrashed)
	}
	end := len(r.data)
	if r.failAt >= 0 {
		end = r.failAt
	}
	if r.off >= end {
		if r.failAt >= 0 {
			return 0, fmt.Errorf("objstore: sim read %q at byte %d: %w", r.name, r.off, ErrInjected)
		}
		return 0, io.EOF
	}
	n := copy(p, r.data[r.off:end])
	r.off += n
	return n, nil
}

func (r *simReader) Close() error { return nil }

// List implements Store.
func (s *Sim) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := CheckList(ctx, prefix); err != nil {
		return nil, err
	}
	s.mu.Lock()
	c, err := s.begin("list", prefix)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	crashed := s.wait(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case crashed || s.epoch.Load() != c.epoch:
		s.tracef("#%d list %q: cut by crash", c.n, prefix)
		return nil, fmt.Errorf("objstore: sim list %q: %w", prefix, ErrCrashed)
	case c.crash:
		s.tracef("#%d list %q: cut by the crash", c.n, prefix)
		s.crashLocked(fmt.Sprintf("CrashAfter during #%d", c.n))
		return nil, fmt.Errorf("objstore: sim list %q: %w", prefix, ErrCrashed)
	case ctx.Err() != nil:
		return nil, fmt.Errorf("objstore: sim list %q: %w", prefix, ctx.Err())
	case c.d.fail < s.opts.Faults.ListFail:
		s.stats.ListFails++
		s.tracef("#%d list %q: fault list-fail", c.n, prefix)
		return nil, fmt.Errorf("objstore: sim list %q: %w", prefix, ErrInjected)
	}
	infos := listMap(s.objects, prefix)
	s.tracef("#%d list %q: %d objects", c.n, prefix, len(infos))
	return infos, nil
}

// Delete implements Store.
func (s *Sim) Delete(ctx context.Context, name string) error {
	if err := CheckCall(ctx, "delete", name); err != nil {
		return err
	}
	s.mu.Lock()
	c, err := s.begin("delete", name)
	s.mu.Unlock()
	if err != nil {
		return err
	}
	crashed := s.wait(c)
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.opts.Faults
	switch {
	case crashed || s.epoch.Load() != c.epoch:
		s.tracef("#%d delete %s: cut by crash", c.n, name)
		return fmt.Errorf("objstore: sim delete %q: %w", name, ErrCrashed)
	case c.crash:
		if c.d.landed {
			delete(s.objects, name)
			s.tracef("#%d delete %s: landed before the crash", c.n, name)
		} else {
			s.tracef("#%d delete %s: cut by the crash", c.n, name)
		}
		s.crashLocked(fmt.Sprintf("CrashAfter during #%d", c.n))
		return fmt.Errorf("objstore: sim delete %q: %w", name, ErrCrashed)
	case ctx.Err() != nil:
		return fmt.Errorf("objstore: sim delete %q: %w", name, ctx.Err())
	case c.d.fail < f.DeleteFail:
		s.stats.DeleteFails++
		s.tracef("#%d delete %s: fault delete-fail", c.n, name)
		return fmt.Errorf("objstore: sim delete %q: %w", name, ErrInjected)
	case c.d.lost < f.DeleteLostAck:
		s.stats.DeleteLostAck++
		delete(s.objects, name)
		s.tracef("#%d delete %s: fault delete-lost-ack (deleted)", c.n, name)
		return fmt.Errorf("objstore: sim delete %q: deleted, ack lost: %w", name, ErrInjected)
	}
	delete(s.objects, name)
	s.tracef("#%d delete %s: ok", c.n, name)
	return nil
}

// Crash crashes the store now: every later call, every call in flight and
// every open reader fails with ErrCrashed until Restart. Puts in flight
// vanish (or leave a torn prefix of what they had received, with
// TornPuts). A crashed store ignores Crash.
func (s *Sim) Crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.crashed {
		s.crashLocked("Crash")
	}
}

// crashLocked crashes the store. Caller holds s.mu.
func (s *Sim) crashLocked(why string) {
	s.crashed = true
	s.crashIn = 0
	s.epoch.Add(1)
	s.stats.Crashes++
	for p := range s.inflight {
		p.mu.Lock()
		data := p.buf
		p.mu.Unlock()
		s.tear(simCall{n: p.n}, p.name, data, p.frac, "in flight at the crash")
	}
	clear(s.inflight)
	s.tracef("crash (%s)", why)
}

// Restart brings a crashed store back with exactly its durable state. On a
// running store it is a reboot: Crash, then Restart.
func (s *Sim) Restart() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.crashed {
		s.crashLocked("Restart of a running store")
	}
	s.crashed = false
	s.tracef("restart with %d objects", len(s.objects))
}

// CrashAfter arms a crash in the middle of the n-th next call (n = 1: the
// next one): that call fails with ErrCrashed, and its effect (a Put's
// object, a Delete's removal) landed or not, as the seed decides; a Put
// that did not land is torn with TornPuts. n <= 0 disarms. Calls refused
// because the store is down or the input is bad do not count.
func (s *Sim) CrashAfter(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.crashIn = max(n, 0)
	if s.crashIn == 0 {
		s.tracef("crash disarmed")
		return
	}
	s.tracef("crash armed at call #%d", s.stats.Ops+s.crashIn)
}

// Corrupt flips the low bit of the byte at offset in the stored object:
// corruption at rest, seen by every later Get.
func (s *Sim) Corrupt(name string, offset int64) error {
	if err := ValidName(name); err != nil {
		return fmt.Errorf("objstore: sim corrupt: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.objects[name]
	if !ok {
		return fmt.Errorf("objstore: sim corrupt %q: %w", name, ErrNotFound)
	}
	if offset < 0 || offset >= int64(len(data)) {
		return fmt.Errorf("objstore: sim corrupt %q: offset %d outside [0, %d)", name, offset, len(data))
	}
	data = bytes.Clone(data)
	data[offset] ^= 1
	s.objects[name] = data
	s.tracef("corrupt %s at byte %d", name, offset)
	return nil
}

// Objects returns a copy of the durable state, bypassing faults and
// crashes: for checking invariants.
func (s *Sim) Objects() map[string][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := maps.Clone(s.objects)
	for k, v := range out {
		out[k] = bytes.Clone(v)
	}
	return out
}

// Stats returns the call and fault counters.
func (s *Sim) Stats() SimStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}

// Trace returns the log of calls, faults and crashes, oldest first (the
// newest simTraceLinesMax lines).
func (s *Sim) Trace() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.trace)+1)
	if s.dropped > 0 {
		out = append(out, fmt.Sprintf("(%d earlier lines dropped)", s.dropped))
	}
	return append(out, s.trace...)
}

// tracef appends a trace line. Caller holds s.mu.
func (s *Sim) tracef(format string, args ...any) {
	if len(s.trace) == simTraceLinesMax {
		n := copy(s.trace, s.trace[simTraceLinesMax/2:])
		s.trace = s.trace[:n]
		s.dropped += simTraceLinesMax / 2
	}
	s.trace = append(s.trace, fmt.Sprintf(format, args...))
}
