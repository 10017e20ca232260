package snapshot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// gcRequestsMax bounds the queue of synchronous GC requests; a caller
// beyond it waits (or gives up with its context).
const gcRequestsMax = 4

// PassStats reports one GC pass.
type PassStats struct {
	Manifests        int  // manifest objects found
	Segments         int  // segment objects found
	Kept             int  // complete snapshots kept (the newest Retain)
	Evidence         int  // damaged manifests kept because they are newer than every complete one
	Floor            bool // the highest-version manifest was kept only as the version floor
	ManifestsDeleted int
	SegmentsDeleted  int
	HeldOpen         int // manifest deletions held back because a reader has the snapshot open
	Protected        int // unreferenced segments of sinks still writing, left alone
	Failed           int // deletions that failed; the next pass retries them
	Duration         time.Duration
}

// Stats are the collector's totals.
type Stats struct {
	Passes           int
	FailedPasses     int // passes that returned an error
	ManifestsDeleted int
	SegmentsDeleted  int
}

type passResult struct {
	stats PassStats
	err   error
}

// collector is the garbage collector, an actor: one goroutine (loop) owns
// its totals and runs passes one at a time; the handle's methods send it
// messages. A pass plans every deletion from one scan, then executes the
// plan; every deletion is idempotent, so a pass cut short by a crash or
// Close is simply repeated.
type collector struct {
	s        *Store
	kick     chan struct{}          // cap 1: coalesced background triggers
	requests chan chan<- passResult // synchronous passes
	statReqs chan chan<- Stats      // totals
	done     chan struct{}          // closed when loop returns
	total    Stats                  // owned by loop
}

func startCollector(s *Store) *collector {
	c := &collector{
		s:        s,
		kick:     make(chan struct{}, 1),
		requests: make(chan chan<- passResult, gcRequestsMax),
		statReqs: make(chan chan<- Stats),
		done:     make(chan struct{}),
	}
	go c.loop()
	return c
}

func (c *collector) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.s.ctx.Done():
			return
		case <-c.kick:
			st, err := c.pass()
			if err != nil && c.s.ctx.Err() == nil {
				c.s.log.Warn("snapshot GC pass failed", "err", err)
			} else if err == nil {
				c.s.log.Debug("snapshot GC pass", "stats", st)
			}
		case reply := <-c.requests:
			st, err := c.pass()
			reply <- passResult{st, err}
		case reply := <-c.statReqs:
			reply <- c.total
		}
	}
}

// trigger asks for a background pass; it never blocks, and triggers that
// arrive while one is pending are merged.
func (c *collector) trigger() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// run asks for a pass and waits for its result.
func (c *collector) run(ctx context.Context) (PassStats, error) {
	reply := make(chan passResult, 1)
	select {
	case c.requests <- reply:
	case <-c.done:
		return PassStats{}, ErrClosed
	case <-ctx.Done():
		return PassStats{}, ctx.Err()
	}
	select {
	case r := <-reply:
		return r.stats, r.err
	case <-c.done:
		return PassStats{}, ErrClosed
	case <-ctx.Done():
		return PassStats{}, ctx.Err()
	}
}

func (c *collector) stats(ctx context.Context) (Stats, error) {
	reply := make(chan Stats, 1)
	select {
	case c.statReqs <- reply:
		return <-reply, nil
	case <-c.done:
		return Stats{}, ErrClosed
	case <-ctx.Done():
		return Stats{}, ctx.Err()
	}
}

// stop waits for loop to return (the Store's context is already
// cancelled, which also cancels a running pass's object-store calls).
func (c *collector) stop() { <-c.done }

// retirement is one manifest the plan deletes, with the segments only it
// references (deleted after it, and only if its deletion succeeded).
type retirement struct {
	name     string
	version  uint64
	segments []string
}

// gcPlan is what one pass will delete.
type gcPlan struct {
	retire  []retirement
	orphans []string // segments no manifest references, below the watermark
	stats   PassStats
}

// makePlan decides a pass's deletions from a scan.
//
//   - Kept: the newest Retain complete snapshots (raft's List order), and
//     every damaged manifest with a higher version than every complete one
//     (Recover reports them; they are deleted once a newer complete
//     snapshot exists).
//   - Kept: the manifest with the highest version, whatever its state. It
//     carries the version floor across restarts (New numbers new objects
//     above it), so no version is ever reused; retention alone could
//     delete it, since it ranks by Raft index and a later commit may have
//     a lower index.
//   - Retired: every other manifest, with the segments it references.
//   - Orphans: segments no kept or retired manifest references whose sink
//     number is below watermark, the smallest number of a sink still
//     writing (a sink's segments are unreferenced until its manifest
//     lands). Segments at or above it are protected.
func makePlan(cat *catalog, retain int, watermark uint64, parse func(string) (uint64, bool)) gcPlan {
	var p gcPlan
	p.stats.Manifests, p.stats.Segments = len(cat.entries), len(cat.segments)
	listed := cat.listed()
	keep := map[uint64]bool{}
	var newest uint64
	for i, e := range listed {
		if i < retain {
			keep[e.version] = true
			p.stats.Kept++
		}
		newest = max(newest, e.version)
	}
	for _, e := range cat.entries {
		if !e.retired && !keep[e.version] && e.version > newest {
			keep[e.version] = true
			p.stats.Evidence++
		}
	}
	if len(cat.entries) > 0 && !keep[cat.entries[0].version] { // entries are highest version first
		keep[cat.entries[0].version] = true
		p.stats.Floor = true
	}
	referenced := map[string]bool{}
	owned := map[string]bool{} // referenced by a retired manifest
	for _, e := range cat.entries {
		if keep[e.version] {
			if e.m != nil {
				for _, s := range e.m.Segments {
					referenced[s.Name] = true
				}
			}
			continue
		}
		r := retirement{name: e.name, version: e.version}
		if e.m != nil {
			for _, s := range e.m.Segments {
				r.segments = append(r.segments, s.Name)
				owned[s.Name] = true
			}
		}
		p.retire = append(p.retire, r)
	}
	for _, in := range cat.segments {
		if referenced[in.Name] || owned[in.Name] {
			continue
		}
		n, ok := parse(in.Name)
		if !ok {
			continue // not a name this store makes; not ours to delete
		}
		if n >= watermark {
			p.stats.Protected++
			continue
		}
		p.orphans = append(p.orphans, in.Name)
	}
	// A retired manifest's segment that a kept manifest also references
	// (never, by construction) must survive.
	for i := range p.retire {
		segs := p.retire[i].segments[:0]
		for _, name := range p.retire[i].segments {
			if !referenced[name] {
				segs = append(segs, name)
			}
		}
		p.retire[i].segments = segs
	}
	return p
}

// pass runs one plan-then-execute pass.
func (c *collector) pass() (PassStats, error) {
	s := c.s
	start := time.Now()
	ctx := s.ctx
	// The watermark is read before the scan: a sink created later gets a
	// larger number, and a sink writing now keeps its segments protected
	// until the next pass even if it commits during this one.
	s.mu.Lock()
	watermark := s.next
	for n := range s.sinks {
		watermark = min(watermark, n)
	}
	s.mu.Unlock()

	cat, err := s.scan(ctx)
	if err != nil {
		c.total.Passes++
		c.total.FailedPasses++
		return PassStats{}, fmt.Errorf("snapshot: gc: %w", err)
	}
	p := makePlan(cat, s.opt.Retain, watermark, s.parseSegmentName)
	st, err := c.execute(ctx, p)
	st.Duration = time.Since(start)
	c.total.Passes++
	c.total.ManifestsDeleted += st.ManifestsDeleted
	c.total.SegmentsDeleted += st.SegmentsDeleted
	if err != nil {
		c.total.FailedPasses++
	}
	return st, err
}

// execute carries out a plan: manifests first (each only if no reader has
// it open, and marked retired before the deletion so no new reader opens
// it), then the segments of each manifest actually deleted, then orphans.
func (c *collector) execute(ctx context.Context, p gcPlan) (PassStats, error) {
	s := c.s
	st := p.stats
	var errs []error
	del := func(name string) bool {
		if err := s.deleteObject(ctx, name); err != nil {
			st.Failed++
			errs = append(errs, err)
			return false
		}
		return true
	}
	held := false
	for _, r := range p.retire {
		if ctx.Err() != nil {
			break
		}
		s.openMu.Lock()
		s.mu.Lock()
		open := s.readers[r.version] > 0
		if !open {
			s.removed[r.version] = true
		}
		s.mu.Unlock()
		s.openMu.Unlock()
		if open {
			held = true
			st.HeldOpen++
			continue
		}
		if !del(r.name) {
			continue
		}
		st.ManifestsDeleted++
		// The object is gone, so no scan lists it any more; Opens that
		// scanned before the deletion hold openMu.RLock until they have
		// checked removed.
		s.openMu.Lock()
		s.mu.Lock()
		delete(s.removed, r.version)
		delete(s.manifests, r.name)
		s.mu.Unlock()
		s.openMu.Unlock()
		for _, name := range r.segments {
			if del(name) {
				st.SegmentsDeleted++
				s.forgetSegment(name)
			}
		}
	}
	for _, name := range p.orphans {
		if ctx.Err() != nil {
			break
		}
		if del(name) {
			st.SegmentsDeleted++
			s.forgetSegment(name)
		}
	}
	s.mu.Lock()
	s.deferred = held
	s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return st, fmt.Errorf("snapshot: gc: %d deletions failed: %w", st.Failed, errors.Join(errs...))
	}
	return st, nil
}

func (s *Store) forgetSegment(name string) {
	s.mu.Lock()
	delete(s.verified, name)
	s.mu.Unlock()
}
