package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/segment"
)

// readBackChunkBytes is the comparison window of a segment read-back.
const readBackChunkBytes = 32 << 10

// sink streams one snapshot into segments; see raft.SnapshotSink. raft
// drives a sink from one goroutine; the mutex only makes misuse safe.
//
// Memory: buf holds at most SegmentBytes of snapshot bytes; enc their
// encoding, reused for every segment.
type sink struct {
	s      *Store
	number uint64
	m      *manifest.Manifest // filled in as segments land; Version at commit

	mu      sync.Mutex
	buf     []byte
	enc     bytes.Buffer
	scratch []byte // read-back window
	seq     int    // next segment sequence number (one per upload attempt)
	err     error  // sticky upload failure
	done    bool   // Close or Cancel called
	result  error  // Close's result
}

func newSink(s *Store, number uint64, m *manifest.Manifest) *sink {
	return &sink{s: s, number: number, m: m}
}

// ID implements raft.SnapshotSink.
func (k *sink) ID() string { return k.m.ID }

// Write buffers p, uploading a segment each time SegmentBytes have
// accumulated. An upload failure fails this and every later Write.
func (k *sink) Write(p []byte) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		return 0, ErrSinkDone
	}
	if k.err != nil {
		return 0, k.err
	}
	if k.buf == nil {
		k.buf = make([]byte, 0, k.s.opt.SegmentBytes)
	}
	n := 0
	for len(p) > 0 {
		c := copy(k.buf[len(k.buf):cap(k.buf)], p)
		k.buf = k.buf[:len(k.buf)+c]
		p = p[c:]
		n += c
		if len(k.buf) == cap(k.buf) {
			if err := k.seal(); err != nil {
				k.err = err
				return n, err
			}
		}
	}
	return n, nil
}

// Close uploads the last segment and commits the manifest: when it
// returns nil the snapshot is durable, complete and listed. On failure
// nothing of the snapshot is listed (best effort: if even the clean-up
// fails after an ambiguous manifest upload, the manifest may survive, and
// is listed only if complete and intact). Close and Cancel are idempotent:
// later calls return the first call's result (Cancel after Close: nil).
func (k *sink) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		return k.result
	}
	k.done = true
	k.result = k.commit()
	k.buf, k.enc, k.scratch = nil, bytes.Buffer{}, nil
	return k.result
}

// Cancel abandons the snapshot and deletes the segments uploaded so far
// (GC removes any it cannot).
func (k *sink) Cancel() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.done {
		return nil
	}
	k.done = true
	k.result = ErrSinkDone
	k.buf, k.enc, k.scratch = nil, bytes.Buffer{}, nil
	k.abandon(true)
	return nil
}

// commit seals the last segment and writes the manifest.
func (k *sink) commit() error {
	if k.err != nil {
		k.abandon(true)
		return k.err
	}
	if len(k.buf) > 0 {
		if err := k.seal(); err != nil {
			k.abandon(true)
			return err
		}
	}
	s := k.s
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if err := s.ctx.Err(); err != nil {
		k.abandon(false)
		return ErrClosed
	}
	k.m.Version = s.alloc()
	name := s.manifestName(k.m.Version)
	ctx, cancel := s.opCtx(s.ctx)
	err := manifest.Put(ctx, s.obj, s.opt.Prefix, k.m)
	cancel()
	if err != nil {
		// The manifest may or may not be there. Deleting it makes the
		// failure definite; only then are its segments garbage.
		gone := s.deleteObject(s.ctx, name) == nil
		if !gone {
			s.log.Warn("failed commit left its manifest", "manifest", name, "err", err)
		}
		k.abandon(gone)
		return fmt.Errorf("snapshot %s: commit: %w", k.m.ID, err)
	}
	s.mu.Lock()
	s.manifests[name] = k.m
	delete(s.sinks, k.number)
	trigger := !s.opt.ManualGC && !s.closed
	s.mu.Unlock()
	s.log.Info("snapshot committed", "id", k.m.ID, "manifest", name, "bytes", k.m.Size, "segments", len(k.m.Segments))
	if trigger {
		s.gc.trigger()
	}
	return nil
}

// abandon ends the sink without a commit: it stops protecting the sink's
// segments from GC and, if del, deletes them (best effort).
func (k *sink) abandon(del bool) {
	s := k.s
	if del {
		for seq := range k.seq {
			name := s.segmentName(k.number, seq)
			if err := s.deleteObject(s.ctx, name); err != nil {
				s.log.Debug("abandoned segment left for GC", "segment", name, "err", err)
			}
		}
	}
	s.mu.Lock()
	delete(s.sinks, k.number)
	s.mu.Unlock()
}

// seal encodes buf as a segment and uploads it: up to PutAttempts times,
// each under a new name (a failed upload may have stored an object; GC
// removes it). Each upload is read back and compared unless
// SkipSegmentReadBack.
func (k *sink) seal() error {
	s := k.s
	if len(k.m.Segments) >= manifest.SegmentsMax {
		return fmt.Errorf("snapshot %s: more than %d segments", k.m.ID, manifest.SegmentsMax)
	}
	rb := s.opt.RecordBytes
	count := (len(k.buf) + rb - 1) / rb
	k.enc.Reset()
	k.enc.Grow(int(segment.EncodedBytes(count, int64(len(k.buf)))))
	w, err := segment.NewWriter(&k.enc, uint32(count))
	if err != nil {
		panic(fmt.Sprintf("snapshot: segment header into memory: %v", err))
	}
	for off := 0; off < len(k.buf); off += rb {
		if err := w.Append(k.buf[off:min(off+rb, len(k.buf))]); err != nil {
			panic(fmt.Sprintf("snapshot: segment record into memory: %v", err))
		}
	}
	f, err := w.Close()
	if err != nil {
		panic(fmt.Sprintf("snapshot: segment footer into memory: %v", err))
	}
	var errs []error
	for range s.opt.PutAttempts {
		if err := s.ctx.Err(); err != nil {
			errs = append(errs, ErrClosed)
			break
		}
		name := s.segmentName(k.number, k.seq)
		k.seq++
		if err := k.upload(name); err != nil {
			errs = append(errs, err)
			continue
		}
		seg := manifest.Segment{Name: name, Size: f.Size, Bytes: int64(len(k.buf)), Records: f.Records, Checksum: f.DataChecksum}
		k.m.Segments = append(k.m.Segments, seg)
		k.m.Size += seg.Bytes
		if !s.opt.SkipSegmentReadBack {
			s.markVerified(seg)
		}
		k.buf = k.buf[:0]
		return nil
	}
	return fmt.Errorf("snapshot %s: segment %d: %w", k.m.ID, len(k.m.Segments), errors.Join(errs...))
}

// upload puts enc under name and, unless SkipSegmentReadBack, reads it
// back and compares.
func (k *sink) upload(name string) error {
	s := k.s
	ctx, cancel := s.opCtx(s.ctx)
	defer cancel()
	if err := s.obj.Put(ctx, name, bytes.NewReader(k.enc.Bytes())); err != nil {
		return fmt.Errorf("put %q: %w", name, err)
	}
	if s.opt.SkipSegmentReadBack {
		return nil
	}
	rc, err := s.obj.Get(ctx, name)
	if err != nil {
		return fmt.Errorf("read back %q: %w", name, err)
	}
	defer rc.Close()
	if k.scratch == nil {
		k.scratch = make([]byte, readBackChunkBytes)
	}
	diff, err := sameBytes(rc, k.enc.Bytes(), k.scratch)
	if err != nil {
		return fmt.Errorf("read back %q: %w", name, err)
	}
	if diff != "" {
		return fmt.Errorf("%w: %q: %s", ErrReadBack, name, diff)
	}
	return nil
}

// sameBytes compares r's bytes with want, reading through scratch; diff
// says how they differ ("" if they do not), err is a read failure.
func sameBytes(r io.Reader, want, scratch []byte) (diff string, err error) {
	off := 0
	for {
		n, err := io.ReadFull(r, scratch)
		if n > len(want)-off || !bytes.Equal(scratch[:n], want[off:off+n]) {
			return fmt.Sprintf("the %d bytes at offset %d differ", n, off), nil
		}
		off += n
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			if off != len(want) {
				return fmt.Sprintf("%d bytes, wrote %d", off, len(want)), nil
			}
			return "", nil
		case err != nil:
			return "", err
		}
	}
}
