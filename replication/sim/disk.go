package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Disk is one node's durable storage for its Raft log and stable store:
// what survives a crash. A node incarnation works on a LogStore and a
// StableStore opened from it; they see every write at once (the page
// cache), but a write becomes durable only when the call that made it
// returns (the fsync inside StoreLogs, DeleteRange, Set: that is the
// durability point raft relies on), after a simulated fsync latency.
//
// Crash cuts power at that instant: writes still in their fsync are torn
// (a prefix of a StoreLogs batch survives, the entry being written fails its
// checksum and is dropped with the rest; a delete or a stable-store write is
// either done or not), and every store opened before the crash writes
// nowhere from then on, so the dying incarnation can shut down cleanly
// without its late writes surviving. The next Open sees exactly what
// survived.
//
// In lying mode (a fault of the storage, not of raft) the log store
// acknowledges StoreLogs and DeleteRange before they are durable: they are
// buffered and flushed only every lyingFlushEvery, so a crash loses
// acknowledged entries. Raft cannot be correct on such a disk; the
// simulation must notice.
type Disk struct {
	mu  sync.Mutex
	rng *rand.Rand // fsync latencies and tear points
	gen int        // incremented by Crash: stores of older generations write nowhere

	log    logImage
	kv     map[string][]byte
	kvUint map[string]uint64

	inflight map[int]*diskOp // writes inside their fsync, by id
	nextOp   int

	lying     bool
	buffered  []*diskOp // lying mode: acknowledged, not durable
	lastFlush time.Time
}

// Limits of the simulated disk.
const (
	// fsyncMin and fsyncMax bound one fsync's latency (an SSD).
	fsyncMin = 50 * time.Microsecond
	fsyncMax = time.Millisecond
	// lyingFlushEvery is how often a lying disk really writes its buffer.
	lyingFlushEvery = 500 * time.Millisecond
)

// NewDisk returns an empty disk. lying makes its log store acknowledge
// writes before they are durable.
func NewDisk(seed uint64, lying bool) *Disk {
	return &Disk{rng: rand.New(rand.NewPCG(seed, 0xd15c)), log: newLogImage(),
		kv: map[string][]byte{}, kvUint: map[string]uint64{}, inflight: map[int]*diskOp{}, lying: lying}
}

// diskOp is one write: a batch of entries, a range delete, or a stable-store key.
type diskOp struct {
	logs     []*raft.Log
	del      bool
	min, max uint64
	key      string
	val      []byte
	uint     bool
	u        uint64
}

func (d *Disk) applyLocked(op *diskOp) {
	switch {
	case op.logs != nil:
		d.log.store(op.logs)
	case op.del:
		d.log.deleteRange(op.min, op.max)
	case op.uint:
		d.kvUint[op.key] = op.u
	default:
		d.kv[op.key] = op.val
	}
}

// write makes op durable for a store of generation gen: after an fsync
// latency, unless the disk crashed meanwhile (then Crash decided what of
// it survived). buffer, in lying mode, acknowledges at once instead.
func (d *Disk) write(gen int, op *diskOp, buffer bool) {
	d.mu.Lock()
	if gen != d.gen {
		d.mu.Unlock()
		return
	}
	if buffer {
		d.buffered = append(d.buffered, op)
		if time.Since(d.lastFlush) >= lyingFlushEvery {
			for _, b := range d.buffered {
				d.applyLocked(b)
			}
			d.buffered = nil
			d.lastFlush = time.Now()
		}
		d.mu.Unlock()
		return
	}
	id := d.nextOp
	d.nextOp++
	d.inflight[id] = op
	lat := fsyncMin + time.Duration(d.rng.Int64N(int64(fsyncMax-fsyncMin)))
	d.mu.Unlock()
	time.Sleep(lat)
	d.mu.Lock()
	if op, ok := d.inflight[id]; ok {
		delete(d.inflight, id)
		d.applyLocked(op)
	}
	d.mu.Unlock()
}

// Crash cuts power now and returns what it did, for the trace.
func (d *Disk) Crash() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	note := ""
	for id, op := range d.inflight {
		delete(d.inflight, id)
		switch {
		case op.logs != nil:
			k := d.rng.IntN(len(op.logs)) // the entry being written is torn
			if k > 0 {
				d.log.store(op.logs[:k])
			}
			note += fmt.Sprintf(" torn batch %d-%d: kept %d of %d;", op.logs[0].Index, op.logs[len(op.logs)-1].Index, k, len(op.logs))
		default:
			if d.rng.IntN(2) == 0 {
				d.applyLocked(op)
				note += " in-flight write survived;"
			} else {
				note += " in-flight write lost;"
			}
		}
	}
	if len(d.buffered) > 0 {
		note += fmt.Sprintf(" lost %d acknowledged buffered writes;", len(d.buffered))
		d.buffered = nil
	}
	d.gen++
	return note
}

// Wipe empties the disk (a node removed from the cluster comes back blank).
func (d *Disk) Wipe() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	d.log = newLogImage()
	d.kv, d.kvUint = map[string][]byte{}, map[string]uint64{}
	d.inflight, d.buffered = map[int]*diskOp{}, nil
}

// Open returns the stores of a new incarnation, seeing what is durable.
func (d *Disk) Open() (*LogStore, *StableStore) {
	d.mu.Lock()
	defer d.mu.Unlock()
	kv := make(map[string][]byte, len(d.kv))
	for k, v := range d.kv {
		kv[k] = v
	}
	ku := make(map[string]uint64, len(d.kvUint))
	for k, v := range d.kvUint {
		ku[k] = v
	}
	d.lastFlush = time.Now()
	return &LogStore{d: d, gen: d.gen, view: d.log.clone()}, &StableStore{d: d, gen: d.gen, kv: kv, kvUint: ku}
}

// logImage is a log: entries by index between first and last.
type logImage struct {
	entries     map[uint64]*raft.Log
	first, last uint64
}

func newLogImage() logImage { return logImage{entries: map[uint64]*raft.Log{}} }

func (im *logImage) clone() logImage {
	c := logImage{entries: make(map[uint64]*raft.Log, len(im.entries)), first: im.first, last: im.last}
	for k, v := range im.entries {
		c.entries[k] = v
	}
	return c
}

func (im *logImage) store(logs []*raft.Log) {
	for _, l := range logs {
		im.entries[l.Index] = l
		if im.first == 0 || l.Index < im.first {
			im.first = l.Index
		}
		if l.Index > im.last {
			im.last = l.Index
		}
	}
}

// deleteRange removes [min, max] like raft's InmemStore.
func (im *logImage) deleteRange(min, max uint64) {
	for i := min; i <= max; i++ {
		delete(im.entries, i)
		if i == max {
			break // max may be the largest uint64
		}
	}
	if min <= im.first {
		im.first = max + 1
	}
	if max >= im.last {
		im.last = min - 1
	}
	// An empty log is 0, 0 (raft.RecoverCluster deletes the range 0-0 of
	// an empty log: first would become 1 and last wrap around).
	if im.first > im.last || len(im.entries) == 0 {
		im.first, im.last = 0, 0
	}
}

// LogStore is a raft.LogStore on a Disk.
type LogStore struct {
	d   *Disk
	gen int

	mu   sync.RWMutex
	view logImage // what this incarnation reads: durable plus its own writes
}

var _ raft.LogStore = (*LogStore)(nil)

// FirstIndex implements raft.LogStore.
func (s *LogStore) FirstIndex() (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view.first, nil
}

// LastIndex implements raft.LogStore.
func (s *LogStore) LastIndex() (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.view.last, nil
}

// GetLog implements raft.LogStore.
func (s *LogStore) GetLog(index uint64, log *raft.Log) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	l, ok := s.view.entries[index]
	if !ok {
		return raft.ErrLogNotFound
	}
	*log = *l
	return nil
}

// StoreLog implements raft.LogStore.
func (s *LogStore) StoreLog(log *raft.Log) error { return s.StoreLogs([]*raft.Log{log}) }

// StoreLogs implements raft.LogStore: durable when it returns (unless lying).
func (s *LogStore) StoreLogs(logs []*raft.Log) error {
	if len(logs) == 0 {
		return nil
	}
	cp := make([]*raft.Log, len(logs))
	for i, l := range logs {
		c := *l
		cp[i] = &c
	}
	s.mu.Lock()
	s.view.store(cp)
	s.mu.Unlock()
	s.d.write(s.gen, &diskOp{logs: cp}, s.d.lying)
	return nil
}

// DeleteRange implements raft.LogStore.
func (s *LogStore) DeleteRange(min, max uint64) error {
	s.mu.Lock()
	s.view.deleteRange(min, max)
	s.mu.Unlock()
	s.d.write(s.gen, &diskOp{del: true, min: min, max: max}, s.d.lying)
	return nil
}

// Entry returns the entry at index as this incarnation sees it.
func (s *LogStore) Entry(index uint64) (raft.Log, bool) {
	var l raft.Log
	return l, s.GetLog(index, &l) == nil
}

// StableStore is a raft.StableStore on a Disk; its writes are always honest.
type StableStore struct {
	d   *Disk
	gen int

	mu     sync.RWMutex
	kv     map[string][]byte
	kvUint map[string]uint64
}

var _ raft.StableStore = (*StableStore)(nil)

// errNotFound: raft relies on this exact text from a StableStore (docs/hashicorp-raft.md).
var errNotFound = errors.New("not found")

// Set implements raft.StableStore.
func (s *StableStore) Set(key, val []byte) error {
	v := append([]byte(nil), val...)
	s.mu.Lock()
	s.kv[string(key)] = v
	s.mu.Unlock()
	s.d.write(s.gen, &diskOp{key: string(key), val: v}, false)
	return nil
}

// Get implements raft.StableStore.
func (s *StableStore) Get(key []byte) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.kv[string(key)]
	if !ok {
		return nil, errNotFound
	}
	return v, nil
}

// SetUint64 implements raft.StableStore.
func (s *StableStore) SetUint64(key []byte, val uint64) error {
	s.mu.Lock()
	s.kvUint[string(key)] = val
	s.mu.Unlock()
	s.d.write(s.gen, &diskOp{key: string(key), uint: true, u: val}, false)
	return nil
}

// GetUint64 implements raft.StableStore.
func (s *StableStore) GetUint64(key []byte) (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.kvUint[string(key)], nil
}
