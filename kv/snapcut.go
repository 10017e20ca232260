package kv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"sync"

	"redraft/wire"
)

// Snapshots that do not stop the world (docs/snapshot-cow.md).
//
// BeginSnapshot cuts the state at the current write version in O(1) (plus
// the script and waiter sections, which are small): it remembers each
// database's keyspace table and the machine version, and turns on the
// copy-before-write hook. SnapshotCut.WriteTo then streams the cut while
// the owner keeps executing commands:
//
//   - For each database it scans the cut's table in chunks of buckets
//     (SCAN's guarantee: an entry present during the whole scan is seen),
//     keeping the entries that belong to the cut: version <= the cut's and
//     not preserved. An entry created after the cut has a larger version.
//   - It adds the entries the write path preserved (below), sorts the
//     collected entries by key (16 bytes per key, as the stopped snapshot
//     always needed) and writes their records in chunks.
//
// The write path calls touch before an entry of the cut changes or leaves
// the keyspace (LookupWrite, removeEntry, Dirty, SetExpire, Replace: every
// write reaches an entry through one of them). If the streamer has not
// written that entry yet, touch encodes its record as it is now, which is
// its state at the cut, and keeps it for the streamer (a big hash, set,
// sorted set, list or string is not encoded: it is tracked in O(1),
// snaptrack.go, and keeps the parts writes change until the streamer
// encodes it in pieces; a big stream is frozen, snapfreeze.go): memory grows with
// what is written during the snapshot, not with the dataset. FLUSHDB and
// FLUSHALL replace a database's table instead of clearing it, so a cut
// table is never emptied under the streamer; SWAPDB swaps database objects,
// which keep their tables, so the cut still knows which table was which
// database.
//
// Synchronisation: the machine stays single-threaded. The owner holds an
// exclusive lock around every Exec (and BeginSnapshot, Release); WriteTo
// takes the lock it is given (a shared one is enough: it excludes the
// writer, and readers change nothing) per chunk and does every sort and
// every write to w outside it. The hook never changes a reply or the state:
// the records it keeps only ever reach the snapshot. The streamer changes
// the trackers' own fields (and a list chunk's born) under the shared lock;
// read-only commands, which may hold it too, never read those.

// Chunk sizes of the streamer: how long it holds the owner's lock at a time.
const (
	// snapScanBuckets: buckets scanned per lock hold (about 100 us at one
	// key per bucket on this hardware).
	snapScanBuckets = 4096
	// snapChunkRecords and snapChunkBytes: records encoded per lock hold
	// (a single larger record is encoded alone); snapChunkBytes is also the
	// piece of a big string copied per hold (snaptrack_string.go).
	snapChunkRecords = 1024
	snapChunkBytes   = 256 << 10
	// snapBigElements and snapBigStringBytes: a collection of more elements,
	// or a string of more bytes, takes longer than a chunk to encode. A
	// hash, set, sorted set, list or string is then encoded in pieces
	// (snaptrack.go); a stream (or a hash or set in a compact encoding) is
	// encoded without the owner's lock (writeClaimed), and the write path
	// freezes it rather than encoding it (snapfreeze.go).
	snapBigElements    = 4096
	snapBigStringBytes = 1 << 20
	// snapChunkElements: elements of a big hash, set, sorted set or list
	// encoded per lock hold (snaptrack*.go): 0.1-0.3 ms on this hardware,
	// like a chunk of records.
	snapChunkElements = 1024
)

// ErrSnapshotReleased is returned by WriteTo on a cut already released.
var ErrSnapshotReleased = errors.New("kv: snapshot: cut released")

// SnapshotCut is a snapshot in progress: the machine's state at the moment
// BeginSnapshot ran, written by WriteTo. See the comment above for the rules.
type SnapshotCut struct {
	m       *Machine
	version uint64
	dicts   [Databases]*dict // each database's table at the cut
	sizes   [Databases]int   // and its size then (the database item)
	scripts [][]byte         // cached script bodies in load order (immutable)
	libs    [][]byte         // library codes by name (immutable)
	waiters []byte           // the waiters section body; nil when none
	acl     [][]byte         // the ACL items (acl_snap.go); nil when none
	enc     *encodingLimits  // the encoding thresholds (replaced, never changed in place)
	live    bool             // registered with the write path (BeginSnapshot)
	// Chunk sizes (the constants; tests make them small to interleave more).
	scanBuckets, chunkRecords, chunkBytes, bigElements, bigStringBytes, chunkElements int

	// Under the owner's lock (written by touch and by the streamer):
	preserved map[*entry]savedRecord
	savedNow  int    // bytes held in preserved
	savedPeak int    // the most ever held
	doneDB    int    // databases < doneDB are written
	doneAny   bool   // some key of doneDB is written ...
	doneKey   string // ... every key <= doneKey
	released  bool
	// claimed is the big entry the streamer is encoding without the
	// owner's lock (set and cleared under it); claimMu is held by the
	// streamer meanwhile, and touch waits for it before letting a write
	// change claimed.
	claimed *entry
	claimMu sync.Mutex
	// tracking lists the collections encoded in pieces (snaptrack.go),
	// untracked by Release in case WriteTo did not finish them.
	tracking []tracker
	// strs finds a tracked string by its array (snaptrack_string.go).
	strs map[*byte]*strTrack
}

// savedRecord is a cut entry's record, encoded before the write path changed it.
type savedRecord struct {
	db     int    // the database it belonged to at the cut
	rec    []byte // the whole record (kind, length, body, crc)
	err    error  // encoding error (record too large)
	frozen *entry // instead of rec, for a big value: a copy to encode (snapfreeze.go)
	// tracked: instead of rec, a big value encoded in pieces (snaptrack.go)
	tracked *trackedRecord
	size    int // bytes held
}

// BeginSnapshot cuts the machine's state for a snapshot streamed by the
// returned cut's WriteTo while commands keep executing. The caller holds
// the machine exclusively and calls Release (exclusively again) when done.
// It returns nil when a snapshot is already in progress (one at a time).
func (m *Machine) BeginSnapshot() *SnapshotCut {
	if m.snap != nil {
		return nil
	}
	s := m.newCut()
	s.live = true
	m.snap = s
	return s
}

// SnapshotInProgress reports whether a cut is registered.
func (m *Machine) SnapshotInProgress() bool { return m.snap != nil }

func (m *Machine) newCut() *SnapshotCut {
	s := &SnapshotCut{m: m, version: m.version, preserved: map[*entry]savedRecord{},
		scanBuckets: snapScanBuckets, chunkRecords: snapChunkRecords, chunkBytes: snapChunkBytes,
		bigElements: snapBigElements, bigStringBytes: snapBigStringBytes, chunkElements: snapChunkElements}
	for i, d := range m.dbs {
		s.dicts[i], s.sizes[i] = d.dict, d.dict.size()
	}
	for _, sha := range m.scripts.order {
		s.scripts = append(s.scripts, m.scripts.cache[sha].Body)
	}
	for _, l := range m.scripts.sortedLibraries() {
		s.libs = append(s.libs, l.Code)
	}
	if len(m.blk.byRef) > 0 {
		s.waiters = m.appendWaiters(nil)
	}
	s.enc = m.enc
	s.acl = aclSnapshotItems(m.ACL())
	return s
}

// Release ends the copy-before-write; the caller holds the machine
// exclusively. Safe to call more than once.
func (s *SnapshotCut) Release() {
	if s.live && s.m.snap == s {
		s.m.snap = nil
	}
	for _, t := range s.tracking {
		t.untrack() // no-op for those the streamer finished
	}
	s.tracking = nil
	s.released = true
	s.preserved = nil
	s.savedNow = 0
}

// Version is the machine version at the cut (the snapshot's header).
func (s *SnapshotCut) Version() uint64 { return s.version }

// PreservedPeak returns the most bytes of records the write path held for
// the streamer at once (read it after WriteTo, under the owner's lock).
func (s *SnapshotCut) PreservedPeak() int { return s.savedPeak }

// touch is the write path's hook, called with d the table holding e,
// before e changes or leaves it.
func (s *SnapshotCut) touch(d *dict, e *entry) {
	if e == s.claimed {
		s.claimMu.Lock() // the streamer is done with it once it lets go
		s.claimMu.Unlock()
		return
	}
	if e.version > s.version || s.released {
		return // created after the cut, or no snapshot to feed
	}
	if _, ok := s.preserved[e]; ok {
		return
	}
	db := -1
	for i, cd := range s.dicts {
		if cd == d {
			db = i
			break
		}
	}
	if db < 0 || s.written(db, e.key) {
		return
	}
	var r savedRecord
	if s.trackable(e) {
		r.tracked = s.startTracking(e) // O(1): the collection keeps what writes change
	} else if s.big(e) {
		r.frozen, r.size = frozenEntry(e)
	} else {
		r.rec, r.err = appendRecord(nil, e)
		r.size = len(r.rec)
	}
	r.db = db
	s.preserved[e] = r
	s.savedNow += r.size
	s.savedPeak = max(s.savedPeak, s.savedNow)
}

// written reports whether the streamer has written key of database db.
func (s *SnapshotCut) written(db int, key string) bool {
	return db < s.doneDB || db == s.doneDB && s.doneAny && key <= s.doneKey
}

// snapTouch is the hook's entry point on the write path: one nil check
// when no snapshot is in progress.
func (c *Ctx) snapTouch(e *entry) {
	if s := c.m.snap; s != nil {
		s.touch(c.db.dict, e)
	}
}

// noLock is the lock of a cut written while nothing else runs.
type noLock struct{}

func (noLock) Lock()   {}
func (noLock) Unlock() {}

// WriteTo writes the cut to w in the snapshot format (docs/snapshot-format.md),
// byte-identical to what Snapshot would have written at the cut. lock is
// held while it reads the machine, in chunks; it must exclude the owner's
// Exec calls (nil when nothing runs concurrently). On error the bytes
// written are not a valid snapshot.
func (s *SnapshotCut) WriteTo(w io.Writer, lock sync.Locker) error {
	if lock == nil {
		lock = noLock{}
	}
	sw := snapWriter{w: bufio.NewWriterSize(w, snapshotBufferBytes)}
	var hdr [snapshotHeaderBytes]byte
	copy(hdr[:], snapshotMagic)
	binary.BigEndian.PutUint16(hdr[4:], snapshotFormat)
	binary.BigEndian.PutUint16(hdr[6:], 0)
	binary.BigEndian.PutUint64(hdr[8:], s.version)
	binary.BigEndian.PutUint32(hdr[16:], crc32.Checksum(hdr[:16], castagnoli))
	sw.write(hdr[:])

	records := 0
	var ks []sortKey
	for db := range s.dicts {
		var err error
		ks, err = s.collect(db, ks[:0], lock)
		if err != nil {
			return err
		}
		if len(ks) == 0 {
			continue
		}
		var item [snapshotDatabaseBytes]byte
		item[0] = snapshotKindDatabase
		binary.BigEndian.PutUint32(item[1:], uint32(db))
		binary.BigEndian.PutUint32(item[5:], uint32(s.sizes[db]))
		binary.BigEndian.PutUint32(item[9:], crc32.Checksum(item[:9], castagnoli))
		sw.write(item[:])
		n, err := s.writeRecords(db, ks, &sw, lock, records)
		records += n
		if err != nil {
			return err
		}
		if sw.err != nil {
			break
		}
	}
	ks = nil

	for _, b := range s.scripts {
		sw.blob(snapshotKindScript, b)
	}
	for _, b := range s.libs {
		sw.blob(snapshotKindLibrary, b)
	}
	for _, b := range s.acl {
		sw.blob(snapshotKindACLUser, b)
	}
	sw.encodingItem(s.enc)
	if s.waiters != nil {
		var hd [5]byte
		hd[0] = snapshotKindWaiters
		binary.BigEndian.PutUint32(hd[1:], uint32(len(s.waiters)))
		sw.write(hd[:])
		sw.write(s.waiters)
	}

	var tr [snapshotTrailerBytes]byte
	tr[0] = snapshotKindTrailer
	binary.BigEndian.PutUint64(tr[1:], uint64(records))
	sw.write(tr[:9])
	binary.BigEndian.PutUint32(tr[9:], sw.total)
	sw.write(tr[9:])
	if sw.err != nil {
		return fmt.Errorf("kv: snapshot: write: %w", sw.err)
	}
	if err := sw.w.Flush(); err != nil {
		return fmt.Errorf("kv: snapshot: write: %w", err)
	}
	return nil
}

// collect appends to ks the entries of database db at the cut, sorted by
// key and without duplicates.
func (s *SnapshotCut) collect(db int, ks []sortKey, lock sync.Locker) ([]sortKey, error) {
	d := s.dicts[db]
	keep := func(e *entry) {
		if e.version <= s.version {
			if _, ok := s.preserved[e]; !ok {
				ks = append(ks, sortKey{e: e})
			}
		}
	}
	// The index is allocated outside the lock (an allocation may have to
	// help the garbage collector for a while): room for the keys at the
	// cut and a few more that the write path may preserve meanwhile.
	lock.Lock()
	s.doneDB, s.doneAny = db, false
	n := d.len()
	lock.Unlock()
	ks = slices.Grow(ks, n+n/16)
	var cursor uint64
	for {
		lock.Lock()
		if s.released {
			lock.Unlock()
			return nil, ErrSnapshotReleased
		}
		for i := 0; i < s.scanBuckets; i++ {
			cursor = d.scan(cursor, keep)
			if cursor == 0 {
				break
			}
		}
		if cursor == 0 {
			// The entries changed or removed before the scan reached them.
			for e, r := range s.preserved {
				if r.db == db {
					ks = append(ks, sortKey{e: e})
				}
			}
		}
		lock.Unlock()
		if cursor == 0 {
			break
		}
	}
	// Keys never change once an entry exists, so sorting needs no lock.
	sortSnapKeys(ks)
	out := ks[:0]
	for _, k := range ks {
		if len(out) > 0 && out[len(out)-1].e.key == k.e.key {
			if out[len(out)-1].e != k.e {
				return nil, fmt.Errorf("kv: snapshot: two entries for key %q in database %d", truncKey(k.e.key), db)
			}
			continue
		}
		out = append(out, k)
	}
	return out, nil
}

// writeRecords writes the records of ks (database db, sorted) in chunks,
// each encoded under the lock and written to sw outside it. first is the
// number of records written before, for error messages.
func (s *SnapshotCut) writeRecords(db int, ks []sortKey, sw *snapWriter, lock sync.Locker, first int) (int, error) {
	var buf []byte
	n := 0
	for n < len(ks) && sw.err == nil {
		buf = buf[:0]
		lock.Lock()
		if s.released {
			lock.Unlock()
			return n, ErrSnapshotReleased
		}
		var err error
		start := n
		for n < len(ks) && n-start < s.chunkRecords && len(buf) < s.chunkBytes {
			e := ks[n].e
			r, ok := s.preserved[e]
			if ok && r.db != db {
				panic("kv: snapshot: a preserved entry listed in another database")
			}
			if !ok && s.big(e) || ok && (r.frozen != nil || r.tracked != nil) {
				if n > start {
					break // on its own, next
				}
				if !ok && s.trackable(e) || ok && r.tracked != nil {
					if ok {
						delete(s.preserved, e)
					} else {
						r.tracked = s.startTracking(e)
					}
					// From here writes to e reach the collection's tracker,
					// not the entry's hook.
					s.doneAny, s.doneKey = true, e.key
					buf, err = s.writeTracked(r.tracked, buf, sw, lock)
				} else if ok {
					buf, err = s.writeFrozen(e, r, buf, lock)
				} else {
					buf, err = s.writeClaimed(e, buf, lock)
				}
				if err == nil {
					n++
				}
				break
			}
			if ok {
				delete(s.preserved, e)
				s.savedNow -= r.size
				buf, err = wire.AppendLarge(buf, r.rec), r.err
			} else {
				buf, err = appendRecord(buf, e)
			}
			if err != nil {
				break
			}
			n++
		}
		if n > start {
			s.doneAny, s.doneKey = true, ks[n-1].e.key
		}
		lock.Unlock()
		if err != nil {
			return n, fmt.Errorf("record %d (db %d, key %q): %w", first+n, db, truncKey(ks[n].e.key), err)
		}
		sw.write(buf)
		if cap(buf) > 4*s.chunkBytes {
			buf = nil
		}
	}
	return n, nil
}

// writeClaimed encodes the big entry e, not preserved and not trackable (a
// stream, a compact hash or set), into buf without the owner's lock, which
// it releases and takes back: writes to other entries go on meanwhile, and
// a write to e waits in touch until it is encoded. e counts as written from
// the claim on.
func (s *SnapshotCut) writeClaimed(e *entry, buf []byte, lock sync.Locker) ([]byte, error) {
	s.claimed = e
	s.claimMu.Lock()
	s.doneAny, s.doneKey = true, e.key
	lock.Unlock()
	buf, err := appendRecord(buf, e)
	s.claimMu.Unlock()
	lock.Lock()
	s.claimed = nil
	return buf, err
}

// writeFrozen encodes the frozen copy the write path made of the big entry
// e, without the owner's lock (nothing else reads the copy).
func (s *SnapshotCut) writeFrozen(e *entry, r savedRecord, buf []byte, lock sync.Locker) ([]byte, error) {
	delete(s.preserved, e)
	s.doneAny, s.doneKey = true, e.key
	lock.Unlock()
	buf, err := appendRecord(buf, r.frozen)
	lock.Lock()
	s.savedNow -= r.size
	return buf, err
}

// big reports whether encoding e takes longer than a chunk should.
func (s *SnapshotCut) big(e *entry) bool {
	n := 0
	switch o := e.obj.(type) {
	case nil:
		return len(e.str) > s.bigStringBytes
	case *List:
		n = o.Len()
	case *Set:
		n = o.Len()
	case *ZSet:
		n = o.Len()
	case *Hash:
		n = o.Len()
	case *Stream:
		n = o.Len()
	}
	return n > s.bigElements
}

// appendRecord appends e's whole record (kind, length, body, crc) to dst.
// It fails only for a record over the size limit, leaving dst as it was.
func appendRecord(dst []byte, e *entry) ([]byte, error) {
	start := len(dst)
	typ := TypeZSet
	if _, frozen := e.obj.(*frozenZSet); !frozen {
		typ = e.typ()
	}
	b := appendRecordHead(dst, e, typ)
	switch o := e.obj.(type) {
	case nil:
		b = wire.AppendLarge(b, e.str)
	case *List:
		b = o.appendSnapshot(b)
	case *Set:
		b = o.appendSnapshot(b)
	case *ZSet:
		b = o.appendSnapshot(b)
	case *frozenZSet:
		b = o.appendSnapshot(b)
	case *Hash:
		b = o.appendSnapshot(b)
	case *Stream:
		b = o.appendSnapshot(b)
	default:
		panic("kv: entry holds an unknown object type")
	}
	return finishRecord(b, start)
}

// appendRecordHead appends a record's kind, length placeholder, type,
// expiry, version and key (e's value is not read).
func appendRecordHead(dst []byte, e *entry, typ Type) []byte {
	b := append(snapRoom(dst, len(e.key)), snapshotKindRecord, 0, 0, 0, 0, byte(typ))
	b = binary.BigEndian.AppendUint64(b, uint64(e.expireAt))
	b = binary.BigEndian.AppendUint64(b, e.version)
	b = binary.BigEndian.AppendUint32(b, uint32(len(e.key)))
	return wire.AppendLarge(b, e.key)
}

// finishRecord fills in the length of the record b[start:] (head and body)
// and appends its crc; over the size limit it returns b[:start] and an error.
func finishRecord(b []byte, start int) ([]byte, error) {
	body := uint64(len(b) - start - snapshotRecordPrefixBytes)
	if body > snapshotRecordBytesMax {
		return b[:start], fmt.Errorf("%w: %d bytes, limit %d", ErrSnapshotTooLarge, body, snapshotRecordBytesMax)
	}
	binary.BigEndian.PutUint32(b[start+1:], uint32(body))
	b = binary.BigEndian.AppendUint32(b, crcUpdate(0, b[start:]))
	return b, nil
}

// sortSnapKeys sorts ks by key bytes (see sortKey).
func sortSnapKeys(ks []sortKey) {
	lcp := -1
	var first string
	for _, k := range ks {
		if lcp < 0 {
			first, lcp = k.e.key, len(k.e.key)
			continue
		}
		n := min(lcp, len(k.e.key))
		i := 0
		for i < n && first[i] == k.e.key[i] {
			i++
		}
		lcp = i
	}
	for i := range ks {
		k := ks[i].e.key[max(lcp, 0):]
		var w uint64
		for j := 0; j < 8; j++ {
			w <<= 8
			if j < len(k) {
				w |= uint64(k[j])
			}
		}
		ks[i].w = w
	}
	slices.SortFunc(ks, compareSortKeys)
}

func compareSortKeys(a, b sortKey) int {
	switch {
	case a.w < b.w:
		return -1
	case a.w > b.w:
		return 1
	}
	return strings.Compare(a.e.key, b.e.key)
}
