package snapshot

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/objstore"
)

var (
	flagSimSeed  = flag.Uint64("snapshot.seed", 0, "snapshot sim: run only this seed (replay)")
	flagSimSeeds = flag.Int("snapshot.seeds", 1000, "snapshot sim: number of seeds (soak: 100000)")
	flagSimBase  = flag.Uint64("snapshot.base", 1, "snapshot sim: first seed")
	flagSimSteps = flag.Int("snapshot.steps", 60, "snapshot sim: workload steps per seed")
	flagSimV     = flag.Bool("snapshot.v", false, "snapshot sim: log every step of a replayed seed")
)

// simTraceTail is how many workload steps a failure report shows.
const simTraceTail = 40

// TestSim runs the seeded simulation: per seed a random workload of
// create/write/close/cancel/list/open/read/GC/corrupt/crash+restart on a
// Sim object store with random faults, checking the invariants after every
// step against the oracle (sim_oracle_test.go). A failure prints the
// command that replays its seed.
func TestSim(t *testing.T) {
	seeds := make([]uint64, 0, *flagSimSeeds)
	if *flagSimSeed != 0 {
		seeds = append(seeds, *flagSimSeed)
	} else {
		for i := range *flagSimSeeds {
			seeds = append(seeds, *flagSimBase+uint64(i))
		}
	}
	start := time.Now()
	var (
		next   atomic.Int64
		mu     sync.Mutex
		failed []string
		steps  atomic.Int64
		faults atomic.Int64
		crash  atomic.Int64
	)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(seeds)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(seeds) {
					return
				}
				r := runSim(seeds[i], *flagSimSteps, *flagSimV && len(seeds) == 1, t.Logf)
				steps.Add(int64(r.steps))
				st := r.sim.Stats()
				faults.Add(int64(st.PutFails + st.PutLostAcks + st.TornPuts + st.GetFails + st.ReadFails + st.ListFails + st.DeleteFails + st.DeleteLostAck + st.BitFlips))
				crash.Add(int64(st.Crashes))
				if r.failure != "" {
					mu.Lock()
					failed = append(failed, r.failure)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d seeds, %d steps, %d injected faults, %d crashes in %v", len(seeds), steps.Load(), faults.Load(), crash.Load(), time.Since(start).Round(time.Millisecond))
	slices.Sort(failed)
	for i, f := range failed {
		if i == 5 {
			t.Errorf("... and %d more failing seeds", len(failed)-5)
			break
		}
		t.Error(f)
	}
}

// Snapshot lifecycle in the model.
const (
	snapWriting   = iota
	snapCancelled // Cancel called
	snapAbandoned // its process crashed before Close
	snapClosedOK  // Close returned nil
	snapClosedErr // Close failed: outcome unknown
)

type simSnap struct {
	id       string
	index    uint64
	term     uint64
	data     []byte
	state    int
	tampered bool // the test corrupted one of its objects
}

type simSinkRef struct {
	k    raft.SnapshotSink
	snap *simSnap
}

type simReaderRef struct {
	rc   io.ReadCloser
	snap *simSnap
	pos  int
}

type simFailure struct{ msg string }

// simRun is one seed's workload and model.
type simRun struct {
	seed    uint64
	rng     *rand.Rand
	sim     *objstore.Sim
	opt     Options
	s       *Store
	snaps   map[string]*simSnap
	sinks   []*simSinkRef
	readers []*simReaderRef

	oc         *oracleCache
	seen       map[string]bool     // manifest objects ever seen
	known      map[string]*simSnap // manifest object -> its snapshot, once decoded
	knownM     map[string]*manifest.Manifest
	maxVersion uint64
	present    map[string]bool // committed snapshots whose manifest was present at the last check
	justified  map[string]bool // committed snapshots GC retired with Retain complete ones above

	index, term uint64
	armed       bool // CrashAfter pending
	crashes     int  // Sim crashes handled
	steps       int
	trace       []string
	verbose     bool
	logf        func(string, ...any)
	failure     string
}

func (r *simRun) tracef(format string, args ...any) {
	line := fmt.Sprintf("step %d: ", r.steps) + fmt.Sprintf(format, args...)
	r.trace = append(r.trace, line)
	if len(r.trace) > 4*simTraceTail {
		r.trace = slices.Clone(r.trace[len(r.trace)-simTraceTail:])
	}
	if r.verbose {
		r.logf("%s", line)
	}
}

// failf stops the run with a report that replays the seed.
func (r *simRun) failf(format string, args ...any) {
	tail := r.trace[max(0, len(r.trace)-simTraceTail):]
	st := r.sim.Trace()
	st = st[max(0, len(st)-simTraceTail):]
	msg := fmt.Sprintf("seed %d, step %d: %s\nreplay: go test ./replication/snapshot -run 'TestSim$' -snapshot.seed %d -snapshot.steps %d -snapshot.v\nworkload (last steps):\n  %s\nobject store (last calls):\n  %s",
		r.seed, r.steps, fmt.Sprintf(format, args...), r.seed, *flagSimSteps, strings.Join(tail, "\n  "), strings.Join(st, "\n  "))
	panic(simFailure{msg})
}

// runSim runs one seed; a broken invariant is in the result's failure.
func runSim(seed uint64, steps int, verbose bool, logf func(string, ...any)) (r *simRun) {
	r = &simRun{
		seed: seed, rng: rand.New(rand.NewPCG(seed, 0x736e6170)), snaps: map[string]*simSnap{},
		oc: newOracleCache(), seen: map[string]bool{}, known: map[string]*simSnap{}, knownM: map[string]*manifest.Manifest{}, present: map[string]bool{}, justified: map[string]bool{}, verbose: verbose, logf: logf,
	}
	defer func() {
		if r.s != nil {
			r.s.Close()
		}
		if p := recover(); p != nil {
			f, ok := p.(simFailure)
			if !ok {
				f = simFailure{fmt.Sprintf("seed %d, step %d: panic: %v\nreplay: go test ./replication/snapshot -run 'TestSim$' -snapshot.seed %d -snapshot.steps %d -snapshot.v", seed, r.steps, p, seed, steps)}
			}
			r.failure = f.msg
		}
	}()
	r.setup()
	for r.steps = 1; r.steps <= steps; r.steps++ {
		r.step()
		r.check()
	}
	r.finish()
	return r
}

// setup draws the seed's configuration: store options and fault rates
// (one seed in four runs without faults).
func (r *simRun) setup() {
	var f objstore.SimFaults
	if r.rng.IntN(4) != 0 {
		p := func() float64 { return r.rng.Float64() * 0.08 }
		f = objstore.SimFaults{
			PutFail: p(), PutLostAck: p(), TornPuts: r.rng.IntN(2) == 0, GetFail: p(), ReadFail: p(),
			ListFail: p(), DeleteFail: p(), DeleteLostAck: p(), BitFlip: p(),
		}
	}
	sim, err := objstore.NewSim(r.seed, objstore.SimOptions{Faults: f})
	if err != nil {
		panic(err)
	}
	r.sim = sim
	seg := 32 + r.rng.IntN(480)
	r.opt = Options{
		SegmentBytes:        seg,
		RecordBytes:         1 + r.rng.IntN(seg),
		Retain:              1 + r.rng.IntN(3),
		PutAttempts:         1 + r.rng.IntN(3),
		SkipSegmentReadBack: r.rng.IntN(4) == 0,
		ManualGC:            true,
		OpTimeout:           time.Hour, // wall-clock time must not decide a seed
	}
	r.tracef("faults %+v, options %+v", f, r.opt)
	r.startProcess()
}

// startProcess opens a Store as a fresh process would (retrying a New
// whose listing failed by injection).
func (r *simRun) startProcess() {
	for attempt := 0; ; attempt++ {
		s, err := New(r.sim, r.opt)
		if err == nil {
			r.s = s
			return
		}
		if !r.transient(err) || attempt == 100 {
			r.failf("New: %v", err)
		}
		if r.crashed() {
			r.restart("New")
			return
		}
	}
}

// transient reports whether err is an object-store failure the workload
// tolerates (injected, crash, read-back mismatch after a bit flip).
func (r *simRun) transient(err error) bool {
	return errors.Is(err, objstore.ErrInjected) || errors.Is(err, objstore.ErrCrashed) ||
		errors.Is(err, ErrReadBack) || errors.Is(err, manifest.ErrReadBack) || errors.Is(err, ErrClosed)
}

// crashed reports (once) that the Sim crashed since the last check.
func (r *simRun) crashed() bool {
	if n := r.sim.Stats().Crashes; n > r.crashes {
		r.crashes = n
		return true
	}
	return false
}

// restart ends the current process (its sinks are abandoned, its readers
// dropped) and starts a fresh one, then checks Recover against the oracle.
func (r *simRun) restart(why string) {
	r.tracef("crash (%s); restart", why)
	if r.s != nil {
		r.s.Close()
		r.s = nil
	}
	for _, k := range r.sinks {
		k.snap.state = snapAbandoned
	}
	r.sinks, r.readers, r.armed = nil, nil, false
	r.sim.Restart()
	r.startProcess()
	r.checkRecover()
}

func (r *simRun) step() {
	type op struct {
		w  int
		fn func()
	}
	ops := []op{
		{10, r.opCreate}, {25, r.opWrite}, {10, r.opClose}, {3, r.opCancel}, {8, r.opList},
		{8, r.opReadWhole}, {4, r.opOpenReader}, {8, r.opReadStep}, {4, r.opCloseReader},
		{8, r.opGC}, {1, r.opCorrupt}, {1, r.opLose}, {3, r.opArmCrash}, {1, r.opCrashNow},
	}
	total := 0
	for _, o := range ops {
		total += o.w
	}
	n := r.rng.IntN(total)
	for _, o := range ops {
		if n < o.w {
			o.fn()
			break
		}
		n -= o.w
	}
	if r.crashed() {
		r.restart("CrashAfter fired")
	}
}

func (r *simRun) opCreate() {
	if len(r.sinks) >= 2 {
		r.opWrite()
		return
	}
	r.index += 1 + uint64(r.rng.IntN(10))
	if r.rng.IntN(5) == 0 {
		r.term++
	}
	k, err := r.s.Create(1, r.index, r.term, testConf, r.index/2, nil)
	if err != nil {
		r.failf("Create: %v", err) // makes no object-store call
	}
	sn := &simSnap{id: k.ID(), index: r.index, term: r.term}
	if r.snaps[sn.id] != nil {
		r.failf("Create: ID %s reused", sn.id)
	}
	r.snaps[sn.id] = sn
	r.sinks = append(r.sinks, &simSinkRef{k: k, snap: sn})
	r.tracef("create %s", sn.id)
}

func (r *simRun) pickSink() (int, *simSinkRef) {
	if len(r.sinks) == 0 {
		return -1, nil
	}
	i := r.rng.IntN(len(r.sinks))
	return i, r.sinks[i]
}

func (r *simRun) opWrite() {
	_, k := r.pickSink()
	if k == nil {
		r.opCreate()
		return
	}
	if len(k.snap.data) > 6*r.opt.SegmentBytes {
		r.opClose()
		return
	}
	b := make([]byte, r.rng.IntN(2*r.opt.SegmentBytes+1))
	for i := range b {
		b[i] = byte(r.rng.Uint32())
	}
	n, err := k.k.Write(b)
	k.snap.data = append(k.snap.data, b[:n]...)
	r.tracef("write %s %d B: %d, %v", k.snap.id, len(b), n, err)
	if err != nil && !r.transient(err) {
		r.failf("Write: %v", err)
	}
}

func (r *simRun) opClose() {
	i, k := r.pickSink()
	if k == nil {
		return
	}
	r.sinks = slices.Delete(r.sinks, i, i+1)
	err := k.k.Close()
	r.tracef("close %s (%d B): %v", k.snap.id, len(k.snap.data), err)
	if err == nil {
		k.snap.state = snapClosedOK
	} else {
		k.snap.state = snapClosedErr
		if !r.transient(err) {
			r.failf("Close: %v", err)
		}
	}
	if err2 := k.k.Close(); !errors.Is(err2, err) && err2 != err {
		r.failf("second Close: %v, first %v", err2, err)
	}
}

func (r *simRun) opCancel() {
	i, k := r.pickSink()
	if k == nil {
		return
	}
	r.sinks = slices.Delete(r.sinks, i, i+1)
	err := k.k.Cancel()
	k.snap.state = snapCancelled
	r.tracef("cancel %s: %v", k.snap.id, err)
	if err != nil {
		r.failf("Cancel: %v", err)
	}
}

// opList checks List: only closed snapshots, exact metadata, raft's
// order, everything the oracle calls complete (and not retired).
func (r *simRun) opList() {
	metas, err := r.s.List()
	r.tracef("list: %d, %v", len(metas), err)
	if err != nil {
		if !r.transient(err) {
			r.failf("List: %v", err)
		}
		return
	}
	var ids []string
	for i, m := range metas {
		sn := r.snaps[m.ID]
		if sn == nil || (sn.state != snapClosedOK && sn.state != snapClosedErr) {
			r.failf("List returned %s, which was never closed (%+v)", m.ID, sn)
		}
		if m.Size != int64(len(sn.data)) || m.Index != sn.index || m.Term != sn.term || m.ConfigurationIndex != sn.index/2 ||
			!slicesEqualServers(m.Configuration, testConf) || m.Version != 1 {
			r.failf("List: metadata %+v does not match what was written (%d B, index %d, term %d)", m, len(sn.data), sn.index, sn.term)
		}
		if i > 0 {
			p := metas[i-1]
			if p.Index < m.Index || (p.Index == m.Index && p.Term < m.Term) {
				r.failf("List order: %s before %s", p.ID, m.ID)
			}
		}
		ids = append(ids, m.ID)
	}
	objects := r.sim.Objects()
	raw := oracleScan(objects, r.oc)
	// Presence is checked on every List, so nothing listed lacks an
	// object (even one the test removed after it was verified).
	for _, id := range ids {
		for name, sn := range r.known {
			if sn.id != id {
				continue
			}
			for _, seg := range r.knownM[name].Segments {
				if _, ok := objects[seg.Name]; !ok {
					r.failf("List returned %s, but its segment %s is missing", id, seg.Name)
				}
			}
		}
	}
	for _, o := range oracleListed(raw) {
		r.s.mu.Lock()
		retired := r.s.removed[o.version]
		r.s.mu.Unlock()
		if !retired && !slices.Contains(ids, o.m.ID) && !r.snaps[o.m.ID].tampered {
			r.failf("List misses complete snapshot %s (%s): got %v", o.m.ID, o.name, ids)
		}
	}
}

func slicesEqualServers(a, b raft.Configuration) bool { return slices.Equal(a.Servers, b.Servers) }

// pickSnapshot picks a closed snapshot (committed or not) at random.
func (r *simRun) pickSnapshot() *simSnap {
	var c []*simSnap
	for _, sn := range r.snaps {
		if sn.state == snapClosedOK || sn.state == snapClosedErr {
			c = append(c, sn)
		}
	}
	if len(c) == 0 {
		return nil
	}
	slices.SortFunc(c, func(a, b *simSnap) int { return strings.Compare(a.id, b.id) })
	return c[r.rng.IntN(len(c))]
}

// checkOpenErr judges an Open failure of sn.
func (r *simRun) checkOpenErr(sn *simSnap, err error) {
	if r.transient(err) {
		return
	}
	if !errors.Is(err, ErrNotFound) {
		r.failf("Open %s: %v", sn.id, err)
	}
	if sn.state != snapClosedOK || sn.tampered {
		return // not committed: may be absent
	}
	for _, o := range oracleScan(r.sim.Objects(), r.oc) {
		if o.m != nil && o.m.ID == sn.id && o.complete {
			r.s.mu.Lock()
			retired := r.s.removed[o.version]
			r.s.mu.Unlock()
			if !retired {
				r.failf("Open %s: not found, but it is committed and complete (%s)", sn.id, o.name)
			}
		}
	}
}

// checkRead judges bytes read from sn at pos and the read's error.
func (r *simRun) checkRead(sn *simSnap, pos int, got []byte, err error) {
	if !bytes.Equal(got, sn.data[pos:min(len(sn.data), pos+len(got))]) || pos+len(got) > len(sn.data) {
		r.failf("read %s: wrong bytes at offset %d (%d B)", sn.id, pos, len(got))
	}
	switch {
	case err == nil, err == io.EOF, r.transient(err):
	case errors.Is(err, ErrDamaged):
		if !sn.tampered {
			r.failf("read %s: %v, but none of its objects was damaged after it was verified", sn.id, err)
		}
	default:
		r.failf("read %s: %v", sn.id, err)
	}
	if err == io.EOF && pos+len(got) != len(sn.data) {
		r.failf("read %s: EOF after %d B, wrote %d", sn.id, pos+len(got), len(sn.data))
	}
}

func (r *simRun) opReadWhole() {
	sn := r.pickSnapshot()
	if sn == nil {
		return
	}
	meta, rc, err := r.s.Open(sn.id)
	if err != nil {
		r.tracef("open %s: %v", sn.id, err)
		r.checkOpenErr(sn, err)
		return
	}
	if meta.Size != int64(len(sn.data)) || meta.ID != sn.id {
		r.failf("Open %s: meta %+v, wrote %d B", sn.id, meta, len(sn.data))
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	r.tracef("read %s: %d B, %v", sn.id, len(got), err)
	if err == nil {
		err = io.EOF
	}
	r.checkRead(sn, 0, got, err)
}

func (r *simRun) opOpenReader() {
	sn := r.pickSnapshot()
	if sn == nil || len(r.readers) >= 2 {
		return
	}
	_, rc, err := r.s.Open(sn.id)
	r.tracef("open reader %s: %v", sn.id, err)
	if err != nil {
		r.checkOpenErr(sn, err)
		return
	}
	r.readers = append(r.readers, &simReaderRef{rc: rc, snap: sn})
}

func (r *simRun) opReadStep() {
	if len(r.readers) == 0 {
		r.opOpenReader()
		return
	}
	i := r.rng.IntN(len(r.readers))
	rd := r.readers[i]
	buf := make([]byte, 1+r.rng.IntN(2*r.opt.SegmentBytes))
	n, err := io.ReadFull(rd.rc, buf)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	r.tracef("read step %s at %d: %d B, %v", rd.snap.id, rd.pos, n, err)
	r.checkRead(rd.snap, rd.pos, buf[:n], err)
	rd.pos += n
	if err != nil {
		rd.rc.Close()
		r.readers = slices.Delete(r.readers, i, i+1)
	}
}

func (r *simRun) opCloseReader() {
	if len(r.readers) == 0 {
		return
	}
	i := r.rng.IntN(len(r.readers))
	r.readers[i].rc.Close()
	r.tracef("close reader %s", r.readers[i].snap.id)
	r.readers = slices.Delete(r.readers, i, i+1)
}

// opGC runs a pass; after a clean pass with no sink writing, the raw
// store holds no unreferenced segment and no referenced one is missing.
func (r *simRun) opGC() {
	st, err := r.s.GC(context.Background())
	r.tracef("gc: %+v, %v", st, err)
	if err != nil {
		if !r.transient(err) {
			r.failf("GC: %v", err)
		}
		return
	}
	if len(r.sinks) > 0 || r.crashed() {
		return
	}
	objects := r.sim.Objects()
	raw := oracleScan(objects, r.oc)
	// A manifest the test damaged may still be trusted from the Store's
	// cache (its segments kept) or not (its segments collected): either
	// is right, so its segments are left out of both checks.
	exempt := map[string]bool{}
	for _, o := range raw {
		if o.m != nil && r.snaps[o.m.ID] != nil && r.snaps[o.m.ID].tampered {
			for _, seg := range o.m.Segments {
				exempt[seg.Name] = true
			}
		}
	}
	for name, sn := range r.known {
		if sn.tampered {
			for _, seg := range r.knownM[name].Segments {
				exempt[seg.Name] = true
			}
		}
	}
	unref, missing := oracleSegments(objects, raw)
	unref = slices.DeleteFunc(unref, func(n string) bool { return exempt[n] })
	missing = slices.DeleteFunc(missing, func(n string) bool { return exempt[n] })
	if len(unref) > 0 {
		r.failf("after GC: unreferenced segments %v", unref)
	}
	// Referenced segments may be missing only under a manifest the test
	// damaged (its decodable twin is gone) — never otherwise.
	if len(missing) > 0 {
		r.failf("after GC: referenced segments missing %v", missing)
	}
	floor := 0
	if st.Floor {
		floor = 1
	}
	if n := len(oracleListed(raw)); n > r.opt.Retain+st.HeldOpen+floor {
		r.failf("after GC: %d complete snapshots kept, retain %d (+%d open, +%d version floor)", n, r.opt.Retain, st.HeldOpen, floor)
	}
}

// opCorrupt flips a bit of a random stored object, marking the snapshots
// that use it as tampered: from now on they may read as damaged.
func (r *simRun) opCorrupt() {
	objects := r.sim.Objects()
	if len(objects) == 0 {
		return
	}
	var names []string
	for n := range objects {
		names = append(names, n)
	}
	slices.Sort(names)
	name := names[r.rng.IntN(len(names))]
	if len(objects[name]) == 0 {
		return
	}
	r.tamper(objects, name)
	off := r.rng.Int64N(int64(len(objects[name])))
	if err := r.sim.Corrupt(name, off); err != nil {
		r.failf("Corrupt: %v", err)
	}
	r.tracef("corrupt %s at %d", name, off)
}

// tamper marks the snapshots that use object name as tampered.
func (r *simRun) tamper(objects map[string][]byte, name string) {
	for _, o := range oracleScan(objects, r.oc) {
		if o.m == nil {
			continue
		}
		uses := o.name == name
		for _, seg := range o.m.Segments {
			uses = uses || seg.Name == name
		}
		if uses && r.snaps[o.m.ID] != nil {
			r.snaps[o.m.ID].tampered = true
		}
	}
	// A segment of a sink still writing: its snapshot is tampered too.
	if n, ok := r.s.parseSegmentName(name); ok {
		for id, sn := range r.snaps {
			if strings.HasSuffix(id, fmt.Sprintf("-%d", n)) {
				sn.tampered = true
			}
		}
	}
}

// opLose deletes a random segment behind the Store's back (a lifecycle
// rule, an operator), marking the snapshots that use it as tampered.
func (r *simRun) opLose() {
	objects := r.sim.Objects()
	var names []string
	for n := range objects {
		if _, ok := r.s.parseSegmentName(n); ok {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return
	}
	slices.Sort(names)
	name := names[r.rng.IntN(len(names))]
	r.tamper(objects, name)
	// Through the Sim's Delete: it may fail by injection (nothing lost)
	// or fire a pending crash, like any call.
	err := r.sim.Delete(context.Background(), name)
	r.tracef("lose %s: %v", name, err)
}

func (r *simRun) opArmCrash() {
	if r.armed {
		return
	}
	n := 1 + r.rng.IntN(30)
	r.sim.CrashAfter(n)
	r.armed = true
	r.tracef("crash after %d calls", n)
}

func (r *simRun) opCrashNow() {
	r.sim.Crash()
	r.crashed()
	r.restart("Crash")
}

// check runs after every step: manifest versions only grow, nothing
// half-written is visible as a manifest, and a committed snapshot stays
// whole until GC may reap it.
func (r *simRun) check() {
	objects := r.sim.Objects()
	raw := oracleScan(objects, r.oc)
	top := r.maxVersion
	for _, o := range raw {
		if r.seen[o.name] {
			continue
		}
		if o.version <= r.maxVersion {
			r.failf("new manifest %s not above version %d", o.name, r.maxVersion)
		}
		r.seen[o.name] = true
		top = max(top, o.version)
	}
	r.maxVersion = top
	present := map[string]bool{}
	for _, o := range raw {
		if o.m == nil {
			continue
		}
		sn := r.snaps[o.m.ID]
		if sn == nil || sn.state == snapCancelled || sn.state == snapWriting || sn.state == snapAbandoned {
			// A manifest is written only by Close; an abandoned sink's
			// process crashed before Close.
			r.failf("manifest %s for %s, which was never closed (%+v)", o.name, o.m.ID, sn)
		}
		r.known[o.name], r.knownM[o.name] = sn, o.m
		if o.m.Size != int64(len(sn.data)) || o.m.Index != sn.index {
			r.failf("manifest %s: %d B at index %d, wrote %d B at %d", o.name, o.m.Size, o.m.Index, len(sn.data), sn.index)
		}
		if sn.state == snapClosedOK && !sn.tampered {
			// Without read-back a bit flipped at rest can slip into a
			// commit; such a snapshot is never listed, so it is "reported
			// damaged", and GC may delete it.
			if !o.complete && !r.opt.SkipSegmentReadBack {
				r.failf("committed snapshot %s (%s) is incomplete", sn.id, o.name)
			}
			present[sn.id] = o.complete
		}
	}
	// GC may retire a complete committed snapshot only behind Retain
	// complete snapshots ranked above it (the test's own corruption may
	// hide from the Store's cache, so a tampered snapshot counts too).
	// The decision is judged when it is made: when the manifest is seen
	// retired (its deletion may fail and be retried) or gone.
	above := func(sn *simSnap) int {
		n := 0
		for _, o := range raw {
			other := r.known[o.name]
			if other == nil || !(o.complete || other.tampered) {
				continue
			}
			if other.index > sn.index || (other.index == sn.index && other.term > sn.term) || (other.index == sn.index && other.term == sn.term && other.id != sn.id) {
				n++
			}
		}
		return n
	}
	judge := func(sn *simSnap, what string) {
		if r.justified[sn.id] || sn.tampered {
			return
		}
		if n := above(sn); n < r.opt.Retain {
			r.failf("committed snapshot %s %s with only %d complete snapshots above it (retain %d)", sn.id, what, n, r.opt.Retain)
		}
		r.justified[sn.id] = true
	}
	r.s.mu.Lock()
	removed := maps.Clone(r.s.removed)
	r.s.mu.Unlock()
	for _, o := range raw {
		if sn := r.known[o.name]; sn != nil && present[sn.id] && removed[o.version] {
			judge(sn, "retired")
		}
	}
	for id, was := range r.present {
		if was && !present[id] {
			judge(r.snaps[id], "vanished")
		}
	}
	r.present = present
}

// checkRecover compares Recover in a fresh process with the oracle, for a
// random Raft log around the newest snapshot.
func (r *simRun) checkRecover() {
	first := uint64(r.rng.IntN(int(r.index) + 3))
	last := first + uint64(r.rng.IntN(int(r.index)+10))
	if first == 0 {
		last = 0
	}
	hole := uint64(0)
	if r.rng.IntN(4) == 0 && last > first {
		hole = first + uint64(r.rng.IntN(int(last-first)))
	}
	log := fakeLog{first: first, last: last, holes: map[uint64]bool{hole: hole != 0}}
	raw := oracleScan(r.sim.Objects(), r.oc)
	chosen, ok, damaged := oracleRecover(raw, first, last, func(i uint64) bool { return log.GetLog(i, &raft.Log{}) == nil })
	rec, err := r.s.Recover(context.Background(), log)
	got := "none"
	if rec != nil && rec.Snapshot != nil {
		got = rec.Snapshot.ID
	}
	if rec != nil {
		got += fmt.Sprintf(", %d skipped", len(rec.Skipped))
	}
	r.tracef("recover with log [%d, %d] hole %d: %s, %v (oracle: ok %v, %d damaged)", first, last, hole, got, err, ok, damaged)
	if err != nil && r.transient(err) {
		if r.crashed() {
			r.restart("CrashAfter fired in Recover")
		}
		return
	}
	if ok != (err == nil) {
		r.failf("Recover: %v; the oracle says ok=%v (%d damaged newer)", err, ok, damaged)
	}
	if !ok {
		if !errors.Is(err, ErrNewestDamaged) && !errors.Is(err, ErrLogGap) {
			r.failf("Recover: %v, want ErrNewestDamaged or ErrLogGap", err)
		}
		return
	}
	switch {
	case chosen == nil && rec.Snapshot != nil:
		r.failf("Recover chose %s, the oracle none", rec.Snapshot.ID)
	case chosen != nil && (rec.Snapshot == nil || rec.Snapshot.ID != chosen.m.ID):
		r.failf("Recover chose %+v, the oracle %s", rec.Snapshot, chosen.m.ID)
	case len(rec.Skipped) != damaged:
		r.failf("Recover skipped %d, the oracle %d", len(rec.Skipped), damaged)
	}
}

// finish closes what is open and checks that a fault-free GC pass and a
// fresh process agree with the oracle.
func (r *simRun) finish() {
	for _, rd := range r.readers {
		rd.rc.Close()
	}
	r.readers = nil
	for len(r.sinks) > 0 {
		r.opClose()
	}
	r.sim.CrashAfter(0)
	if err := r.sim.SetFaults(objstore.SimFaults{}); err != nil {
		panic(err)
	}
	if r.crashed() {
		r.restart("before finish")
	}
	r.check()
	r.steps++
	r.opGC()
	r.check()
	r.s.Close()
	r.s = nil
	r.startProcess()
	r.opList()
	r.checkRecover()
	// Every committed, untampered snapshot still listed reads back whole.
	for _, sn := range r.snaps {
		if sn.state == snapClosedOK && r.present[sn.id] && !sn.tampered {
			meta, rc, err := r.s.Open(sn.id)
			if err != nil {
				r.failf("final Open %s: %v", sn.id, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, sn.data) || meta.Size != int64(len(got)) {
				r.failf("final read %s: %d B, %v; wrote %d B", sn.id, len(got), err, len(sn.data))
			}
		}
	}
}
