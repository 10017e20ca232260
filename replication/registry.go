package replication

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
)

// The member registry is what meta entries record about each node, beside
// raft's own configuration: the client (RESP) address followers forward
// to, and the incarnation a node presented when it joined (rejoin.go). It
// is replicated state: every replica applies the same meta entries, and
// the FSM snapshot's header carries it.
type memberInfo struct {
	addr        string
	incarnation string
	// regIndex and regTerm locate the meta entry that registered the
	// incarnation (rejoin.go: a joining node votes for candidates whose
	// logs reach it).
	regIndex, regTerm uint64
}

// register applies a meta entry. An entry without an incarnation (a node
// registering its address) keeps the one recorded before, and one without
// an address (a join through RAFT ADD's path, tests) keeps the address.
func (f *FSM) register(id, addr, incarnation string, index, term uint64) {
	m := f.nodes[id]
	if addr != "" {
		m.addr = addr
	}
	if incarnation != "" && incarnation != m.incarnation {
		m.incarnation, m.regIndex, m.regTerm = incarnation, index, term
	}
	f.nodes[id] = m
}

// Incarnation returns the incarnation registered for node id ("" if none).
func (f *FSM) Incarnation(id string) string {
	inc, _, _ := f.Registration(id)
	return inc
}

// Registration returns the incarnation registered for node id and the
// index and term of the entry that registered it.
func (f *FSM) Registration(id string) (incarnation string, index, term uint64) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	m := f.nodes[id]
	return m.incarnation, m.regIndex, m.regTerm
}

// The FSM snapshot is a header followed by the kv machine's snapshot:
//
//	"RFSM" | version u8 | applied u64 BE | nodes uvarint | per node (sorted by id):
//	  id, addr (len uvarint, bytes)
//	  [version 2: incarnation (len uvarint, bytes), registration index uvarint, registration term uvarint]
//
// Version 2 adds the incarnation and where it was registered; version 1
// headers are still read.
const (
	fsmSnapshotMagic   = "RFSM"
	fsmSnapshotVersion = 2
	// maxSnapshotNodes bounds the registry read from a snapshot header.
	maxSnapshotNodes = 1 << 12
	// maxRegistryString bounds an id, address or incarnation in the header.
	maxRegistryString = 1 << 10
)

var errSnapshotHeader = errors.New("replication: bad FSM snapshot header")

func encodeSnapshotHeader(applied uint64, nodes map[string]memberInfo) []byte {
	b := append([]byte(fsmSnapshotMagic), fsmSnapshotVersion)
	b = binary.BigEndian.AppendUint64(b, applied)
	ids := make([]string, 0, len(nodes))
	for id := range nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	for _, id := range ids {
		m := nodes[id]
		str(id)
		str(m.addr)
		str(m.incarnation)
		b = binary.AppendUvarint(b, m.regIndex)
		b = binary.AppendUvarint(b, m.regTerm)
	}
	return b
}

func decodeSnapshotHeader(r *bufio.Reader) (uint64, map[string]memberInfo, error) {
	var fixed [4 + 1 + 8]byte
	if _, err := io.ReadFull(r, fixed[:]); err != nil {
		return 0, nil, fmt.Errorf("%w: %w", errSnapshotHeader, err)
	}
	version := fixed[4]
	if string(fixed[:4]) != fsmSnapshotMagic || version < 1 || version > fsmSnapshotVersion {
		return 0, nil, errSnapshotHeader
	}
	applied := binary.BigEndian.Uint64(fixed[5:])
	n, err := binary.ReadUvarint(r)
	if err != nil || n > maxSnapshotNodes {
		return 0, nil, errSnapshotHeader
	}
	nodes := make(map[string]memberInfo, n)
	str := func() (string, error) {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > maxRegistryString {
			return "", errSnapshotHeader
		}
		b := make([]byte, l)
		if _, err := io.ReadFull(r, b); err != nil {
			return "", errSnapshotHeader
		}
		return string(b), nil
	}
	fields := 2
	if version >= 2 {
		fields = 3
	}
	for i := uint64(0); i < n; i++ {
		var f [3]string
		for j := 0; j < fields; j++ {
			if f[j], err = str(); err != nil {
				return 0, nil, err
			}
		}
		m := memberInfo{addr: f[1], incarnation: f[2]}
		if version >= 2 {
			if m.regIndex, err = binary.ReadUvarint(r); err != nil {
				return 0, nil, errSnapshotHeader
			}
			if m.regTerm, err = binary.ReadUvarint(r); err != nil {
				return 0, nil, errSnapshotHeader
			}
		}
		nodes[f[0]] = m
	}
	return applied, nodes, nil
}
