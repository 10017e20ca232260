package snapshot

import (
	"fmt"
	"io"
	"sync"

	"redraft/replication/snapshot/manifest"
)

// reader streams a snapshot back, one verified segment at a time: a
// segment's bytes are handed out only after the whole segment checked out
// against its footer and the manifest, so a damaged segment is an error
// (ErrDamaged, naming it), never wrong bytes. It holds one segment in
// memory. Not safe for concurrent use (raft reads from one goroutine);
// Close is idempotent.
type reader struct {
	s       *Store
	version uint64
	m       *manifest.Manifest

	next  int    // next segment to load
	buf   []byte // current segment's bytes
	off   int    // read offset in buf
	total int64  // bytes handed out
	err   error  // sticky

	once sync.Once
}

func newReader(s *Store, version uint64, m *manifest.Manifest) *reader {
	return &reader{s: s, version: version, m: m}
}

// Read implements io.Reader.
func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for r.off == len(r.buf) {
		if r.next == len(r.m.Segments) {
			if r.total != r.m.Size {
				panic(fmt.Sprintf("snapshot %s: read %d bytes, manifest says %d", r.m.ID, r.total, r.m.Size))
			}
			r.err = io.EOF
			return 0, io.EOF
		}
		if err := r.load(); err != nil {
			r.err = err
			return 0, err
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	r.total += int64(n)
	return n, nil
}

// load reads and verifies the next segment into buf.
func (r *reader) load() error {
	seg := r.m.Segments[r.next]
	if r.buf == nil {
		r.buf = make([]byte, 0, min(seg.Bytes, SegmentBytesLimit))
	}
	buf, err := r.s.readSegment(r.s.ctx, r.m.ID, seg, r.buf[:0])
	r.buf = buf[:0]
	if err != nil {
		return err
	}
	r.buf, r.off = buf, 0
	r.next++
	return nil
}

// Close releases the snapshot (GC may reap it from now on).
func (r *reader) Close() error {
	r.once.Do(func() {
		r.buf = nil
		if r.err == nil {
			r.err = fmt.Errorf("snapshot %s: read after Close", r.m.ID)
		}
		r.s.releaseReader(r.version)
	})
	return nil
}
