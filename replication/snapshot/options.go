package snapshot

import (
	"fmt"
	"log/slog"
	"time"

	"redraft/replication/snapshot/objstore"
	"redraft/replication/snapshot/segment"
)

// Defaults and limits of Options.
const (
	// DefaultSegmentBytes: snapshot bytes per segment. A sink holds about
	// twice this in memory (the payload and its encoding); a reader holds
	// one segment. 4 MiB keeps that small and an upload worth its request.
	DefaultSegmentBytes = 4 << 20
	// SegmentBytesLimit bounds SegmentBytes, and so the memory of every
	// sink and reader, whatever a manifest claims.
	SegmentBytesLimit = 256 << 20
	// DefaultRecordBytes: snapshot bytes per segment record.
	DefaultRecordBytes = 64 << 10
	// DefaultRetain: snapshots kept (the node's FileSnapshotStore kept 3).
	DefaultRetain = 3
	// DefaultPutAttempts: uploads of one segment (each under a new name)
	// before the sink fails.
	DefaultPutAttempts = 3
	// DefaultOpTimeout bounds one object-store call.
	DefaultOpTimeout = time.Minute
	// PrefixBytesMax leaves room in objstore.NameBytesMax for the longest
	// object name the store makes ("segment-" + 20 + "-" + 8 digits).
	PrefixBytesMax = objstore.NameBytesMax - 40
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Prefix starts every object name (e.g. "node1."), so nodes can share
	// a bucket. It may be empty; otherwise it uses the object-name
	// alphabet. One Store per prefix at a time.
	Prefix string
	// SegmentBytes is the most snapshot bytes a segment carries
	// (default DefaultSegmentBytes, at most SegmentBytesLimit).
	SegmentBytes int
	// RecordBytes is the most snapshot bytes a record carries (default
	// DefaultRecordBytes or SegmentBytes if smaller; at most
	// segment.RecordBytesMax and SegmentBytes).
	RecordBytes int
	// Retain is how many complete snapshots GC keeps (default DefaultRetain).
	Retain int
	// PutAttempts is how often a segment upload is tried (default
	// DefaultPutAttempts).
	PutAttempts int
	// OpTimeout bounds each object-store call (default DefaultOpTimeout).
	OpTimeout time.Duration
	// SkipSegmentReadBack skips reading each segment back after upload.
	// Manifests are always read back.
	SkipSegmentReadBack bool
	// ManualGC turns off background GC passes (after New, after each
	// commit, after a reader that held back a deletion closes); passes
	// run only through Store.GC. Simulation tests use it so that every
	// object-store call happens on the test's goroutine, in seed order.
	ManualGC bool
	// Logger receives warnings (damaged objects, failed cleanups) and GC
	// pass reports. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.RecordBytes == 0 {
		o.RecordBytes = min(DefaultRecordBytes, o.SegmentBytes)
	}
	if o.Retain == 0 {
		o.Retain = DefaultRetain
	}
	if o.PutAttempts == 0 {
		o.PutAttempts = DefaultPutAttempts
	}
	if o.OpTimeout == 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case o.SegmentBytes < 1 || o.SegmentBytes > SegmentBytesLimit:
		return o, fmt.Errorf("snapshot: SegmentBytes %d outside 1..%d", o.SegmentBytes, SegmentBytesLimit)
	case o.RecordBytes < 1 || o.RecordBytes > segment.RecordBytesMax || o.RecordBytes > o.SegmentBytes:
		return o, fmt.Errorf("snapshot: RecordBytes %d outside 1..min(%d, SegmentBytes %d)", o.RecordBytes, segment.RecordBytesMax, o.SegmentBytes)
	case o.Retain < 1:
		return o, fmt.Errorf("snapshot: Retain %d, must keep at least one snapshot", o.Retain)
	case o.PutAttempts < 1:
		return o, fmt.Errorf("snapshot: PutAttempts %d, must be at least 1", o.PutAttempts)
	case o.OpTimeout < 0:
		return o, fmt.Errorf("snapshot: OpTimeout %v is negative", o.OpTimeout)
	case len(o.Prefix) > PrefixBytesMax:
		return o, fmt.Errorf("snapshot: Prefix %q longer than %d bytes", o.Prefix, PrefixBytesMax)
	}
	if o.Prefix != "" {
		if err := objstore.ValidName(o.Prefix + "x"); err != nil {
			return o, fmt.Errorf("snapshot: Prefix: %w", err)
		}
	}
	return o, nil
}
