package replication

import (
	"encoding/binary"
	"errors"

	"github.com/hashicorp/raft"
)

// Big entries are proposed in parts.
//
// A follower's Raft goroutine stores every entry it receives (and fsyncs
// it) before it answers anything else, heartbeats included; an entry of
// 100 MB (one client's SET of a big value) kept both followers busy past
// the leader's lease and the election timeout, and the cluster changed
// leader. An entry over fragmentAbove is therefore cut into parts of
// fragmentBytes, each a log entry of its own, proposed one after the other
// (each committed before the next goes), so that heartbeats and other
// clients' entries pass between them:
//
//	0x81 | id (8 bytes) | part uvarint | parts uvarint | payload
//
// The state machine gathers the parts of one id, in order, and applies the
// whole entry when its last part applies, at that index, on every node
// alike; the last part's result is the entry's. It keeps one gathering at a
// time: a first part starts a new one, and a part out of order, of another
// id, or from another term than the first (a new leader never continues an
// old leader's parts) drops it, deterministically. A dropped gathering's
// command never runs anywhere; its client was answered when the proposing
// leader gave up (not leader, or an unknown outcome).
//
// A proposer that gives up after some parts proposes fragmentAbort, a lone
// 0x81 byte, which drops the gathering at once (if that too is lost, the
// next term's first entry or the next first part drops it).
//
// A snapshot cannot hold a gathering in progress: the FSM refuses to take
// one then (raft retries later), so every snapshot is at a point where no
// parts are pending, and a node restored from it sees whole sequences only.
// The proposer sends one big entry at a time.

const entryFragment = 0x81

// fragmentAbort drops the gathering in progress.
var fragmentAbort = []byte{entryFragment}

// fragmentAbove is the entry size above which an entry goes in parts, and
// fragmentBytes the size of a part's payload; tests lower both.
var (
	fragmentAbove = 4 << 20
	fragmentBytes = 1 << 20
)

var (
	// errFragmentLost is the result of a part that does not continue the
	// gathering in progress: the big entry it belongs to will not apply.
	errFragmentLost = errors.New("replication: a part of a big entry arrived out of order; the entry was not applied")
	// errSnapshotFragment refuses a snapshot while parts are pending.
	errSnapshotFragment = errors.New("replication: a big entry's parts are being applied; snapshot later")
)

// encodeFragments cuts entry data into parts of id.
func encodeFragments(data []byte, id uint64) [][]byte {
	n := (len(data) + fragmentBytes - 1) / fragmentBytes
	parts := make([][]byte, 0, n)
	for i := 0; i < n; i++ {
		payload := data[i*fragmentBytes : min((i+1)*fragmentBytes, len(data))]
		b := make([]byte, 0, 1+8+2*binary.MaxVarintLen64+len(payload))
		b = append(b, entryFragment)
		b = binary.BigEndian.AppendUint64(b, id)
		b = binary.AppendUvarint(b, uint64(i))
		b = binary.AppendUvarint(b, uint64(n))
		parts = append(parts, append(b, payload...))
	}
	return parts
}

// decodeFragment reads a part.
func decodeFragment(b []byte) (id, part, parts uint64, payload []byte, err error) {
	if len(b) < 9 || b[0] != entryFragment {
		return 0, 0, 0, nil, errEntryCorrupt
	}
	id = binary.BigEndian.Uint64(b[1:9])
	b = b[9:]
	part, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, 0, 0, nil, errEntryCorrupt
	}
	b = b[k:]
	parts, k = binary.Uvarint(b)
	if k <= 0 || part >= parts {
		return 0, 0, 0, nil, errEntryCorrupt
	}
	return id, part, parts, b[k:], nil
}

// gathering is the big entry whose parts the FSM is collecting.
type gathering struct {
	id, term    uint64
	next, parts uint64
	buf         []byte
}

// applyFragment applies one part (under f.mu): nil until the last part,
// whose result is the whole entry's.
func (f *FSM) applyFragment(l *raft.Log) *applyResult {
	if len(l.Data) == 1 { // fragmentAbort
		f.frag = nil
		return nil
	}
	id, part, parts, payload, err := decodeFragment(l.Data)
	if err != nil {
		f.frag = nil
		return &applyResult{err: err}
	}
	if part == 0 {
		// The capacity guess is bounded: parts comes from the entry.
		f.frag = &gathering{id: id, term: l.Term, next: 1, parts: parts,
			buf: append(make([]byte, 0, min(parts, 1024)*uint64(len(payload))), payload...)}
	} else {
		g := f.frag
		if g == nil || g.id != id || g.next != part || g.parts != parts || g.term != l.Term {
			f.frag = nil
			return &applyResult{err: errFragmentLost}
		}
		g.buf = append(g.buf, payload...)
		g.next++
	}
	if f.frag.next < f.frag.parts {
		return nil
	}
	data := f.frag.buf
	f.frag = nil
	return f.applyEntry(data)
}

// dropStaleGathering drops a gathering that an entry of a later term
// (a new leader's) shows will never be continued.
func (f *FSM) dropStaleGathering(term uint64) {
	if f.frag != nil && term != f.frag.term {
		f.frag = nil
	}
}
