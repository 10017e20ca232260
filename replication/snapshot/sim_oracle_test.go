package snapshot

import (
	"bytes"
	"cmp"
	"io"
	"slices"

	"redraft/replication/snapshot/manifest"
	"redraft/replication/snapshot/segment"
)

// The oracle is a deliberately plain second reading of the raw objects of
// a simulated store, written without the Store's code paths (no caches, no
// catalog), that the simulation compares the Store with.

// rawSnap is one manifest object as the oracle sees it.
type rawSnap struct {
	name     string
	version  uint64
	m        *manifest.Manifest // nil: undecodable
	complete bool               // decodes and every segment is present and intact
}

// oracleCache remembers decodings by object name and exact content, so
// re-reading an unchanged store after every step is cheap.
type oracleCache struct {
	manifests map[string]cachedManifest
	segments  map[string]cachedSegment
}

type cachedManifest struct {
	b []byte
	m *manifest.Manifest
}

type cachedSegment struct {
	b   []byte
	seg manifest.Segment
	ok  bool
}

func newOracleCache() *oracleCache {
	return &oracleCache{manifests: map[string]cachedManifest{}, segments: map[string]cachedSegment{}}
}

func (c *oracleCache) decode(name string, b []byte) *manifest.Manifest {
	if c != nil {
		if e, ok := c.manifests[name]; ok && bytes.Equal(e.b, b) {
			return e.m
		}
	}
	m, err := manifest.Decode(b)
	if err != nil {
		m = nil
	}
	if c != nil {
		c.manifests[name] = cachedManifest{b, m}
	}
	return m
}

func (c *oracleCache) segmentOK(b []byte, seg manifest.Segment) bool {
	if c != nil {
		if e, ok := c.segments[seg.Name]; ok && e.seg == seg && bytes.Equal(e.b, b) {
			return e.ok
		}
	}
	ok := oracleSegmentOK(b, seg)
	if c != nil {
		c.segments[seg.Name] = cachedSegment{b, seg, ok}
	}
	return ok
}

// oracleScan reads every manifest in objects, highest version first. The
// cache may be nil.
func oracleScan(objects map[string][]byte, c *oracleCache) []rawSnap {
	var out []rawSnap
	for name, b := range objects {
		v, ok := manifest.ParseName("", name)
		if !ok {
			continue
		}
		r := rawSnap{name: name, version: v}
		if m := c.decode(name, b); m != nil && m.Version == v {
			r.m = m
			r.complete = true
			for _, seg := range m.Segments {
				if b, ok := objects[seg.Name]; !ok || !c.segmentOK(b, seg) {
					r.complete = false
				}
			}
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b rawSnap) int { return cmp.Compare(b.version, a.version) })
	return out
}

// oracleSegmentOK: the object exists and reads through to the manifest's
// footer values and byte count.
func oracleSegmentOK(b []byte, seg manifest.Segment) bool {
	if int64(len(b)) != seg.Size {
		return false
	}
	r, err := segment.NewReader(bytes.NewReader(b), seg.Name)
	if err != nil || r.Records() != seg.Records {
		return false
	}
	var n int64
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		n += int64(len(rec))
	}
	f := r.Footer()
	return n == seg.Bytes && f.DataChecksum == seg.Checksum && f.Size == seg.Size
}

// oracleListed is the complete snapshots in raft's List order.
func oracleListed(raw []rawSnap) []rawSnap {
	var out []rawSnap
	for _, r := range raw {
		if r.complete {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b rawSnap) int {
		return cmp.Or(cmp.Compare(b.m.Index, a.m.Index), cmp.Compare(b.m.Term, a.m.Term), cmp.Compare(b.version, a.version))
	})
	return out
}

// oracleRecover is Recover's rule restated: the chosen snapshot (List's
// first, or none), and whether the node may start.
func oracleRecover(raw []rawSnap, first, last uint64, has func(uint64) bool) (chosen *rawSnap, ok bool, damaged int) {
	var index, version uint64
	if l := oracleListed(raw); len(l) > 0 {
		chosen, index, version = &l[0], l[0].m.Index, l[0].version
	}
	var idx []uint64
	for _, r := range raw {
		if !r.complete && (r.version > version || (r.m != nil && r.m.Index > index)) {
			damaged++
			if r.m != nil {
				idx = append(idx, r.m.Index)
			}
		}
	}
	if first > 0 && index+1 < first {
		return chosen, false, damaged
	}
	if damaged > 0 && first == 0 {
		return chosen, false, damaged
	}
	for _, n := range idx {
		if n > last || !has(n) {
			return chosen, false, damaged
		}
	}
	return chosen, true, damaged
}

// oracleSegments returns the segment objects and, of those, the ones some
// decodable manifest references, plus the referenced names that are
// missing.
func oracleSegments(objects map[string][]byte, raw []rawSnap) (unreferenced, missing []string) {
	ref := map[string]bool{}
	for _, r := range raw {
		if r.m == nil {
			continue
		}
		for _, seg := range r.m.Segments {
			ref[seg.Name] = true
			if _, ok := objects[seg.Name]; !ok {
				missing = append(missing, seg.Name)
			}
		}
	}
	for name := range objects {
		if _, ok := manifest.ParseName("", name); ok {
			continue
		}
		if !ref[name] {
			unreferenced = append(unreferenced, name)
		}
	}
	slices.Sort(unreferenced)
	slices.Sort(missing)
	return unreferenced, missing
}
