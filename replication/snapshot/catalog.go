package snapshot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/segment"
)

// readBufferBytes buffers segment reads (segment.Reader reads fields with
// io.ReadFull).
const readBufferBytes = 64 << 10

// entry is one manifest object as a scan found it.
type entry struct {
	name    string
	version uint64
	m       *manifest.Manifest // nil when the manifest itself is damaged
	damage  error              // why the snapshot is not complete and verified; nil if it is
	retired bool               // GC is deleting it: never listed or opened
}

// catalog is what one scan found: every manifest under the prefix, highest
// version first, and every segment object.
type catalog struct {
	entries  []*entry
	segments []objstore.Info
}

// listed returns the complete, verified snapshots in raft's order: highest
// index first, then term, then version.
func (c *catalog) listed() []*entry {
	var out []*entry
	for _, e := range c.entries {
		if e.damage == nil && !e.retired {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b *entry) int {
		switch {
		case a.m.Index != b.m.Index:
			return cmpDesc(a.m.Index, b.m.Index)
		case a.m.Term != b.m.Term:
			return cmpDesc(a.m.Term, b.m.Term)
		default:
			return cmpDesc(a.version, b.version)
		}
	})
	return out
}

func cmpDesc(a, b uint64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// scan reads the catalog. Each manifest is decoded (once per process: the
// objects are immutable) and each of its segments must be present with
// the recorded size and must have been read through and verified (once per
// process). Damage is recorded in the entry and logged; an object-store
// failure (anything but a missing or damaged object) fails the scan.
func (s *Store) scan(ctx context.Context) (*catalog, error) {
	mInfos, err := s.listCtx(ctx, manifest.ListPrefix(s.opt.Prefix))
	if err != nil {
		return nil, fmt.Errorf("snapshot: list manifests: %w", err)
	}
	sInfos, err := s.listCtx(ctx, s.segmentPrefix())
	if err != nil {
		return nil, fmt.Errorf("snapshot: list segments: %w", err)
	}
	sizes := make(map[string]int64, len(sInfos))
	for _, in := range sInfos {
		sizes[in.Name] = in.Size
	}
	s.pruneCaches(mInfos, sizes)
	cat := &catalog{segments: sInfos}
	for i := len(mInfos) - 1; i >= 0; i-- { // names sort by version
		name := mInfos[i].Name
		v, ok := manifest.ParseName(s.opt.Prefix, name)
		if !ok {
			continue // not ours (e.g. "manifest-x" from elsewhere); GC leaves it too
		}
		s.mu.Lock()
		retired, m := s.removed[v], s.manifests[name]
		s.mu.Unlock()
		if retired {
			// Still owns its segments until its deletion succeeds.
			cat.entries = append(cat.entries, &entry{name: name, version: v, m: m, retired: true})
			continue
		}
		e := &entry{name: name, version: v, m: m}
		if e.m == nil {
			m, err := s.getManifest(ctx, name)
			switch {
			case errors.Is(err, objstore.ErrNotFound):
				continue // deleted since the listing
			case errors.Is(err, manifest.ErrCorrupt):
				e.damage = fmt.Errorf("%w: %w", ErrDamaged, err)
			case err != nil:
				return nil, fmt.Errorf("snapshot: %w", err)
			case m.Version != v:
				e.damage = fmt.Errorf("%w: manifest %q holds version %d", ErrDamaged, name, m.Version)
			default:
				e.m = m
				s.mu.Lock()
				s.manifests[name] = m
				s.mu.Unlock()
			}
		}
		if e.damage == nil {
			if e.damage, err = s.checkSegments(ctx, e.m, sizes); err != nil {
				return nil, err
			}
		}
		if e.damage != nil {
			s.log.Warn("snapshot not usable", "manifest", name, "err", e.damage)
		}
		cat.entries = append(cat.entries, e)
	}
	return cat, nil
}

// pruneCaches forgets cached manifests and verified segments whose objects
// are gone (deleted behind the Store's back, or by an abandoned sink), so
// the caches stay bounded by the store's contents. Forgetting too much
// (an object written after the listing) only costs a re-read.
func (s *Store) pruneCaches(mInfos []objstore.Info, sizes map[string]int64) {
	ms := make(map[string]bool, len(mInfos))
	for _, in := range mInfos {
		ms[in.Name] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range s.manifests {
		if !ms[name] {
			delete(s.manifests, name)
		}
	}
	for name := range s.verified {
		if _, ok := sizes[name]; !ok {
			delete(s.verified, name)
		}
	}
}

// checkSegments returns the damage of m's segments (nil if none), or an
// object-store error.
func (s *Store) checkSegments(ctx context.Context, m *manifest.Manifest, sizes map[string]int64) (damage, err error) {
	for _, seg := range m.Segments {
		size, ok := sizes[seg.Name]
		if !ok {
			return fmt.Errorf("%w: snapshot %s: segment %q missing", ErrDamaged, m.ID, seg.Name), nil
		}
		if size != seg.Size {
			return fmt.Errorf("%w: snapshot %s: segment %q is %d bytes, manifest says %d", ErrDamaged, m.ID, seg.Name, size, seg.Size), nil
		}
	}
	for _, seg := range m.Segments {
		s.mu.Lock()
		ok := s.verified[seg.Name] == seg
		s.mu.Unlock()
		if ok {
			continue
		}
		if _, err := s.readSegment(ctx, m.ID, seg, nil); err != nil {
			if errors.Is(err, ErrDamaged) {
				return err, nil
			}
			return nil, err
		}
		s.markVerified(seg)
	}
	return nil, nil
}

func (s *Store) markVerified(seg manifest.Segment) {
	s.mu.Lock()
	s.verified[seg.Name] = seg
	s.mu.Unlock()
}

// readSegment reads segment seg of snapshot id through, checks it against
// the manifest's entry, and appends its bytes to buf when buf is not nil.
// Damage (and a missing object) is ErrDamaged naming the segment; anything
// else is the store's error. On error buf's contents are unspecified.
func (s *Store) readSegment(ctx context.Context, id string, seg manifest.Segment, buf []byte) ([]byte, error) {
	if seg.Bytes > SegmentBytesLimit {
		return buf, fmt.Errorf("%w: snapshot %s: segment %q carries %d bytes, over the %d-byte limit", ErrDamaged, id, seg.Name, seg.Bytes, SegmentBytesLimit)
	}
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	rc, err := s.obj.Get(ctx, seg.Name)
	if errors.Is(err, objstore.ErrNotFound) {
		return buf, fmt.Errorf("%w: snapshot %s: segment %q missing", ErrDamaged, id, seg.Name)
	}
	if err != nil {
		return buf, fmt.Errorf("snapshot %s: %w", id, err)
	}
	defer rc.Close()
	classify := func(err error) error {
		if errors.Is(err, segment.ErrCorrupt) {
			return fmt.Errorf("%w: snapshot %s: %w", ErrDamaged, id, err)
		}
		return fmt.Errorf("snapshot %s: %w", id, err)
	}
	mismatch := func(format string, args ...any) error {
		return fmt.Errorf("%w: snapshot %s: segment %q: %s", ErrDamaged, id, seg.Name, fmt.Sprintf(format, args...))
	}
	r, err := segment.NewReader(bufio.NewReaderSize(rc, readBufferBytes), seg.Name)
	if err != nil {
		return buf, classify(err)
	}
	if r.Records() != seg.Records {
		return buf, mismatch("header declares %d records, manifest says %d", r.Records(), seg.Records)
	}
	var n int64
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return buf, classify(err)
		}
		n += int64(len(rec))
		if n > seg.Bytes {
			return buf, mismatch("carries more than the manifest's %d bytes", seg.Bytes)
		}
		if buf != nil {
			buf = append(buf, rec...)
		}
	}
	f := r.Footer()
	switch {
	case n != seg.Bytes:
		return buf, mismatch("carries %d bytes, manifest says %d", n, seg.Bytes)
	case f.DataChecksum != seg.Checksum:
		return buf, mismatch("data checksum %#08x, manifest says %#08x", f.DataChecksum, seg.Checksum)
	case f.Size != seg.Size:
		return buf, mismatch("size %d, manifest says %d", f.Size, seg.Size)
	}
	return buf, nil
}

// getManifest reads one manifest, bounded by OpTimeout.
func (s *Store) getManifest(ctx context.Context, name string) (*manifest.Manifest, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	return manifest.Get(ctx, s.obj, name)
}

func (s *Store) listCtx(ctx context.Context, prefix string) ([]objstore.Info, error) {
	ctx, cancel := s.opCtx(ctx)
	defer cancel()
	infos, err := s.obj.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	// Guard against a store that lists beyond the prefix.
	return slices.DeleteFunc(infos, func(in objstore.Info) bool { return !strings.HasPrefix(in.Name, prefix) }), nil
}
