package replication

import (
	"encoding/binary"
	"errors"
	"fmt"

	"redraft/kv"
)

// An entry is the Data of one Raft log entry of type LogCommand. Version 1
// entries are a batch of client commands proposed together (group commit),
// all stamped by the leader, plus the id of the proposing node so that only
// it renders replies for clients:
//
//	1 | origin (len uvarint, bytes) | count uvarint | count x kv.Cmd encoding
//
// Metadata entries register a node's client (RESP) address, so followers
// know where to forward to, and for a joining node the incarnation it
// presented (rejoin.go):
//
//	0x80 | id (len uvarint, bytes) | addr (len uvarint, bytes) [| incarnation (len uvarint, bytes)]
const (
	entryVersion = 1
	entryMeta    = 0x80
)

// maxEntryCmds bounds the commands decoded from one entry.
const maxEntryCmds = 1 << 20

var (
	errEntryVersion = errors.New("replication: unknown log entry version")
	errEntryCorrupt = errors.New("replication: corrupt log entry")
)

func encodeEntry(dst []byte, origin string, cmds []*kv.Cmd) []byte {
	dst = append(dst, entryVersion)
	dst = binary.AppendUvarint(dst, uint64(len(origin)))
	dst = append(dst, origin...)
	dst = binary.AppendUvarint(dst, uint64(len(cmds)))
	for _, c := range cmds {
		dst = c.AppendEncode(dst)
	}
	return dst
}

func decodeEntry(b []byte) (origin string, cmds []*kv.Cmd, err error) {
	if len(b) == 0 || b[0] != entryVersion {
		return "", nil, errEntryVersion
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return "", nil, errEntryCorrupt
	}
	origin = string(b[k : k+int(n)])
	b = b[k+int(n):]
	count, k := binary.Uvarint(b)
	if k <= 0 || count > maxEntryCmds || count > uint64(len(b)) {
		return "", nil, errEntryCorrupt
	}
	b = b[k:]
	cmds = make([]*kv.Cmd, 0, count)
	for i := uint64(0); i < count; i++ {
		var c *kv.Cmd
		c, b, err = kv.DecodeCmd(b)
		if err != nil {
			return "", nil, fmt.Errorf("%w: command %d: %w", errEntryCorrupt, i, err)
		}
		cmds = append(cmds, c)
	}
	if len(b) != 0 {
		return "", nil, fmt.Errorf("%w: %d trailing bytes", errEntryCorrupt, len(b))
	}
	return origin, cmds, nil
}

func encodeMeta(id, addr string) []byte { return encodeJoinMeta(id, addr, "") }

// encodeJoinMeta is a meta entry that also records the incarnation a
// joining node presented (rejoin.go); "" writes the two-field form.
func encodeJoinMeta(id, addr, incarnation string) []byte {
	dst := []byte{entryMeta}
	fields := []string{id, addr, incarnation}
	if incarnation == "" {
		fields = fields[:2]
	}
	for _, f := range fields {
		dst = binary.AppendUvarint(dst, uint64(len(f)))
		dst = append(dst, f...)
	}
	return dst
}

// decodeMeta decodes a meta entry of two fields (id, addr) or three (id,
// addr, incarnation).
func decodeMeta(b []byte) (id, addr, incarnation string, err error) {
	if len(b) == 0 || b[0] != entryMeta {
		return "", "", "", errEntryVersion
	}
	b = b[1:]
	var parts [3]string
	for i := range parts {
		if i == 2 && len(b) == 0 {
			break
		}
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", "", "", errEntryCorrupt
		}
		parts[i] = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	if len(b) != 0 {
		return "", "", "", errEntryCorrupt
	}
	return parts[0], parts[1], parts[2], nil
}
