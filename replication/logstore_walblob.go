package replication

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/raft"
)

// Entries too big for raft-wal's segments go to files of their own.
//
// raft-wal reads back no record over segment.MaxEntrySize (64 MiB, fixed in
// v0.4.2) and calls a longer one corrupt, but it writes one without a word:
// a client's 100 MB SET was appended, acknowledged by no one, and the leader
// could never read it again to replicate it (every follower stalled at that
// index, for good). A client may write values of up to proto-max-bulk-len
// (512 MB), so walStore keeps the data of any entry over walBlobBytes in a
// blob file, DataDir/wal-blobs/<index>-<term>.blob, and puts a small pointer
// in the WAL in its place:
//
//   - the blob is written to a temporary name, fsynced, renamed and its
//     directory fsynced before the pointer is appended, so a pointer that
//     survives a crash always finds its blob; the pointer carries the blob's
//     length and CRC-32C, and a blob that does not match is an error, never
//     an entry with other bytes;
//   - a pointer is the entry with Data = the pointer record and Extensions =
//     walBlobMarker (raft leaves Extensions to the application, and Redraft
//     sets none); the blob holds the entry's Data and its Extensions;
//   - DeleteRange (compaction, or a conflicting tail) removes the blobs of
//     the range; opening the store removes the blobs no entry points to (a
//     crash between a blob and its pointer, or a tail rewritten since).
//
// A caller's raft.Log is never changed: raft keeps the entries it stores.

// walBlobBytes is the size of Data (plus Extensions) from which an entry
// goes to a blob (walStore.blobBytes; tests lower it): well under
// raft-wal's 64 MiB, and far above any entry the proposer builds from
// batches (1 MiB) or a normal command.
const walBlobBytes = 32 << 20

// walBlobMarker in Extensions marks a pointer entry.
var walBlobMarker = []byte("redraft-wal-blob-v1")

// walBlobPointerLen is the pointer record: the blob's length (8 bytes) and
// CRC-32C (4 bytes), then the length of Data within it (8 bytes).
const walBlobPointerLen = 20

var crc32c = crc32.MakeTable(crc32.Castagnoli)

// errBlob wraps every failure to read an entry's blob.
var errBlob = errors.New("replication: log entry blob")

func blobName(index, term uint64) string {
	return fmt.Sprintf("%020d-%d.blob", index, term)
}

// parseBlobName returns the index and term of a blob's file name.
func parseBlobName(name string) (index, term uint64, ok bool) {
	base, found := strings.CutSuffix(name, ".blob")
	if !found {
		return 0, 0, false
	}
	is, ts, found := strings.Cut(base, "-")
	if !found {
		return 0, 0, false
	}
	index, err1 := strconv.ParseUint(is, 10, 64)
	term, err2 := strconv.ParseUint(ts, 10, 64)
	return index, term, err1 == nil && err2 == nil
}

// toBlob writes log's data to its blob and returns the pointer entry that
// stands for it in the WAL.
func (s walStore) toBlob(log *raft.Log) (*raft.Log, error) {
	if err := os.MkdirAll(s.blobDir, 0o755); err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	body := make([]byte, 0, len(log.Data)+len(log.Extensions))
	body = append(body, log.Data...)
	body = append(body, log.Extensions...)
	name := filepath.Join(s.blobDir, blobName(log.Index, log.Term))
	if err := writeFileSync(name, body); err != nil {
		return nil, err
	}
	ptr := make([]byte, walBlobPointerLen)
	binary.BigEndian.PutUint64(ptr[0:8], uint64(len(body)))
	binary.BigEndian.PutUint32(ptr[8:12], crc32.Checksum(body, crc32c))
	binary.BigEndian.PutUint64(ptr[12:20], uint64(len(log.Data)))
	return &raft.Log{Index: log.Index, Term: log.Term, Type: log.Type, AppendedAt: log.AppendedAt,
		Data: ptr, Extensions: walBlobMarker}, nil
}

// fromBlob replaces a pointer entry's Data and Extensions with its blob's.
func (s walStore) fromBlob(log *raft.Log) error {
	if len(log.Data) != walBlobPointerLen {
		return fmt.Errorf("%w: index %d: pointer of %d bytes", errBlob, log.Index, len(log.Data))
	}
	size := binary.BigEndian.Uint64(log.Data[0:8])
	sum := binary.BigEndian.Uint32(log.Data[8:12])
	dataLen := binary.BigEndian.Uint64(log.Data[12:20])
	body, err := os.ReadFile(filepath.Join(s.blobDir, blobName(log.Index, log.Term)))
	if err != nil {
		return fmt.Errorf("%w: index %d: %v", errBlob, log.Index, err)
	}
	if uint64(len(body)) != size || crc32.Checksum(body, crc32c) != sum || dataLen > size {
		return fmt.Errorf("%w: index %d: damaged (length or checksum differ)", errBlob, log.Index)
	}
	log.Data = body[:dataLen:dataLen]
	log.Extensions = nil
	if dataLen < size {
		log.Extensions = body[dataLen:]
	}
	return nil
}

// isBlobPointer reports whether a stored entry is a pointer.
func isBlobPointer(log *raft.Log) bool { return bytes.Equal(log.Extensions, walBlobMarker) }

// StoreLog implements raft.LogStore.
func (s walStore) StoreLog(log *raft.Log) error { return s.StoreLogs([]*raft.Log{log}) }

// StoreLogs implements raft.LogStore: entries of blobBytes or more go to
// blobs first, then the batch (with their pointers) to the WAL.
func (s walStore) StoreLogs(logs []*raft.Log) error {
	var out []*raft.Log // a copy of logs once an entry needs a pointer
	for i, l := range logs {
		// An entry whose Extensions happen to be the marker goes to a
		// blob too, so that no stored entry is mistaken for a pointer.
		if len(l.Data)+len(l.Extensions) < s.blobBytes && !isBlobPointer(l) {
			continue
		}
		if out == nil {
			out = append([]*raft.Log(nil), logs...)
		}
		p, err := s.toBlob(l)
		if err != nil {
			return err
		}
		out[i] = p
	}
	if out == nil {
		out = logs
	}
	return s.WAL.StoreLogs(out)
}

// DeleteRange implements raft.LogStore: the WAL's entries, then their blobs.
func (s walStore) DeleteRange(min, max uint64) error {
	if err := s.WAL.DeleteRange(min, max); err != nil {
		return err
	}
	return s.removeBlobs(func(index, _ uint64) bool { return index >= min && index <= max })
}

// removeBlobs removes the blobs for which drop is true.
func (s walStore) removeBlobs(drop func(index, term uint64) bool) error {
	ents, err := os.ReadDir(s.blobDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	for _, e := range ents {
		index, term, ok := parseBlobName(e.Name())
		if !ok {
			if strings.HasSuffix(e.Name(), ".tmp") { // a blob a crash cut short
				os.Remove(filepath.Join(s.blobDir, e.Name()))
			}
			continue
		}
		if drop(index, term) {
			if err := os.Remove(filepath.Join(s.blobDir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("replication: %w", err)
			}
		}
	}
	return nil
}

// removeOrphanBlobs removes, when the store opens, every blob no entry of
// the WAL points to.
func (s walStore) removeOrphanBlobs() error {
	return s.removeBlobs(func(index, term uint64) bool {
		var l raft.Log
		if err := s.WAL.GetLog(index, &l); err != nil {
			return true // compacted, never appended, or truncated
		}
		return l.Term != term || !isBlobPointer(&l)
	})
}

// writeFileSync writes name durably: a temporary file, fsync, rename,
// fsync of the directory.
func writeFileSync(name string, body []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replication: write %s: %w", name, err)
	}
	if err := syncDir(filepath.Dir(name)); err != nil {
		return fmt.Errorf("replication: sync %s: %w", filepath.Dir(name), err)
	}
	return nil
}
